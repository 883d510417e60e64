// Host key policy of our client against the real sshd: a changed host key is refused with
// HostKeyMismatchError before any authentication reaches the server (its log shows no
// authentication attempt); unknown hosts are refused under StrictHostKeyChecking yes and
// recorded under accept-new; a host known by one key type is asked for that type first;
// @revoked keys are refused.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describeWithSshd, startSshd, tempDir, type Sshd } from '../../../test-support/sshd.ts';
import { interopRegistry } from '../../../test-support/registry.ts';
import { connect, HostKeyMismatchError, type NodeConnectOptions } from '../src/index.ts';

describeWithSshd('host key checking against OpenSSH sshd', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  const opts = (s: Sshd, extra: Partial<NodeConnectOptions>): NodeConnectOptions => ({
    host: '127.0.0.1',
    port: s.port,
    username: s.user,
    privateKey: readFileSync(s.clientKeys.ed25519.path, 'utf8'),
    registry: interopRegistry,
    algorithms: { kex: ['curve25519-sha256'] },
    ...extra,
  });

  /**
   * The log lines of the last connection sshd accepted (matched by the client's port), once sshd
   * has logged its end; bounded wait.
   */
  async function lastConnectionLog(s: Sshd): Promise<string> {
    let lines: string[] = [];
    for (let i = 0; i < 200; i++) {
      const all = s.logs();
      const from = [...all.matchAll(/Connection from \S+ port (\d+)/g)].pop();
      if (from) {
        lines = all.split(/\r?\n/).filter((l) => l.includes(`port ${from[1]}`));
        if (lines.some((l) => /Connection closed by|Disconnected from/.test(l))) break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return lines.join('\n');
  }

  it('changed-host-key: refuses a changed key with HostKeyMismatchError before any authentication', async () => {
    const changed = await startSshd({ freshHostKeys: true, hostKeyKinds: ['ed25519'] });
    try {
      // known_hosts records the harness's usual ed25519 key for this port: the server now has another
      const kh = join(tempDir(), 'known_hosts');
      const old = sshd.hostKeys.find((h) => h.kind === 'ed25519')!;
      writeFileSync(kh, `[127.0.0.1]:${changed.port} ${old.publicLine}\n`);
      const err = await connect(opts(changed, { knownHostsFile: kh })).catch((e) => e);
      expect(err).toBeInstanceOf(HostKeyMismatchError);
      expect(err.message).toMatch(/HAS CHANGED/);
      expect(err.message).toContain(`${kh} line 1`);
      expect(err.fingerprint).toBe(changed.hostKeys[0].fingerprint);
      const log = await lastConnectionLog(changed);
      expect(log).toMatch(/\[preauth\]/);
      expect(log).not.toMatch(/authenticating user|Accepted|Failed|Postponed|Invalid user/);
    } finally {
      await changed.stop();
    }
  });

  it('refuses an unknown host under StrictHostKeyChecking yes without touching known_hosts', async () => {
    const kh = join(tempDir(), 'known_hosts');
    const err = await connect(opts(sshd, { knownHostsFile: kh })).catch((e) => e);
    expect(err).toBeInstanceOf(HostKeyMismatchError);
    expect(err.message).toMatch(/no ssh-ed25519 host key is known/);
    expect(existsSync(kh)).toBe(false);
  });

  it('records a new host under accept-new, then trusts it under yes', async () => {
    const kh = join(tempDir(), 'known_hosts');
    const c = await connect(opts(sshd, { knownHostsFile: kh, strictHostKeyChecking: 'accept-new' }));
    expect(c.hostKey.knownHosts).toBe('unknown');
    await c.close();
    const ed = sshd.hostKeys.find((h) => h.kind === 'ed25519')!;
    expect(readFileSync(kh, 'utf8')).toBe(`[127.0.0.1]:${sshd.port} ${ed.publicLine.split(' ').slice(0, 2).join(' ')}\n`);
    const again = await connect(opts(sshd, { knownHostsFile: kh }));
    expect(again.hostKey.knownHosts).toBe('match');
    await again.close();
  });

  it('asks first for the key type known_hosts has for the host', async () => {
    const kh = join(tempDir(), 'known_hosts');
    const ec = sshd.hostKeys.find((h) => h.kind === 'ecdsa384')!;
    writeFileSync(kh, `# only the P-384 key\n[127.0.0.1]:${sshd.port} ${ec.publicLine}\n`);
    const c = await connect(opts(sshd, { knownHostsFile: kh }));
    expect(c.algorithms.hostKey).toBe('ecdsa-sha2-nistp384');
    expect(c.hostKey.fingerprint).toBe(ec.fingerprint);
    await c.close();
  });

  it('refuses a key marked @revoked', async () => {
    const kh = join(tempDir(), 'known_hosts');
    const ed = sshd.hostKeys.find((h) => h.kind === 'ed25519')!;
    writeFileSync(kh, `@revoked * ${ed.publicLine}\n[127.0.0.1]:${sshd.port} ${ed.publicLine}\n`);
    await expect(connect(opts(sshd, { knownHostsFile: kh }))).rejects.toThrow(/@revoked/);
  });

  it('lets a hostVerifier decide, seeing the fingerprint ssh-keygen prints', async () => {
    const seen: string[] = [];
    const c = await connect(opts(sshd, { algorithms: { kex: ['curve25519-sha256'], hostKey: ['rsa-sha2-512'] }, hostVerifier: (k) => (seen.push(k.fingerprint), true) }));
    await c.close();
    expect(seen).toEqual([sshd.hostKeys.find((h) => h.kind === 'rsa')!.fingerprint]);
    await expect(connect(opts(sshd, { hostVerifier: () => false }))).rejects.toBeInstanceOf(HostKeyMismatchError);
  });
});
