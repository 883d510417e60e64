// @seashell/node runs under Bun unchanged: Bun runs test/runtimes/probe.ts, which imports
// @seashell/node (its built dist, as an application would) and does exec + SFTP against a real
// OpenSSH sshd and against a Seashell server served by Bun itself.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPeer, findBinary, repoRoot } from '../../../test-support/peers.ts';
import { harnessKeys, sshdAvailable, startSshd, tempDir, SSHD_HINT, type Sshd } from '../../../test-support/sshd.ts';
import { payload, sha256 } from '../../../test-support/interop.ts';

const BUN = findBinary('bun');
/** Logins the Bun process also makes against sshd: each kernel family, each key family, DH group exchange. */
const MATRIX = [
  { kind: 'ecdsa256', cipher: 'aes128-gcm@openssh.com', kex: 'ecdh-sha2-nistp256' },
  { kind: 'rsa', cipher: 'aes256-ctr', mac: 'hmac-sha2-256-etm@openssh.com', kex: 'curve25519-sha256' },
  { kind: 'ed25519', cipher: 'aes256-gcm@openssh.com', kex: 'diffie-hellman-group-exchange-sha256' },
] as const;
const probe = join(repoRoot, 'packages/node/test/runtimes/probe.ts');

/** Runs a runtime binary with a deadline; resolves with its exit code and output. */
export function runWithDeadline(bin: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describeWithPeer('@seashell/node under Bun', !!BUN && sshdAvailable, `${SSHD_HINT}; npm ci installs bun (devDependency of @seashell/kernel)`, () => {
  let sshd: Sshd;
  let file: string;
  const data = payload(1024 * 1024 + 5, 9);
  beforeAll(async () => {
    sshd = await startSshd({ hostKeyKinds: ['ed25519'] });
    file = join(tempDir('seashell-bun-'), 'payload.bin');
    writeFileSync(file, data);
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('connects, execs and reads a file over SFTP against sshd and against its own server', { timeout: 90_000 }, async () => {
    const keys = harnessKeys();
    const env = {
      SEASHELL_PROBE: JSON.stringify({
        sshd: { port: sshd.port, user: sshd.user, knownHostsFile: sshd.knownHostsFile, file },
        clientKey: keys.clientKeys.ed25519.path,
        clientFingerprint: keys.clientKeys.ed25519.fingerprint,
        hostKey: keys.hostKeys[0].path,
        matrix: MATRIX.map((m) => ({ ...m, key: keys.clientKeys[m.kind].path, label: `${m.kind} ${m.cipher}` })),
      }),
    };
    const r = await runWithDeadline(BUN!, [probe], env, 80_000);
    const line = /^RESULT (.*)$/m.exec(r.out);
    expect(line, r.out).not.toBeNull();
    expect(r.code, r.out).toBe(0);
    const res = JSON.parse(line![1]);
    expect(res).toEqual({
      runtime: 'bun',
      sshdExec: 'sshd-says-42',
      sshdCode: 0,
      sshdSftpBytes: data.length,
      sshdSftpSha256: sha256(data),
      ownExec: 'ran:hello',
      ownCode: 3,
      ownSftpRoundTrip: true,
      sshdMatrix: Object.fromEntries(MATRIX.map((m) => [`${m.kind} ${m.cipher}`, `ok ${m.cipher} ${m.mac ?? 'aead'} ${m.kex}`])),
    });
  });
});
