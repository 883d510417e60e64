// OpenSSH's ssh against our server (the Node adapter, in this process) on loopback: every kex
// paired with every host key algorithm (cipher/MAC rotating, user key type rotating), and every
// cipher x MAC pair carrying 16 MiB through `cat` and back with equal SHA-256. Strict host key
// checking against a known_hosts naming our keys, BatchMode, no agent.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { userInfo } from 'node:os';
import { describeWithSshd, harnessKeys, makeKey, tempDir, sshArgs, run, SSH } from '../../../test-support/sshd.ts';
import { CIPHER_MACS, comboName, coveringCombos, kexForOpenssh, HOST_KEY_KIND } from '../../../test-support/matrix.ts';
import { CLIENT_KINDS, payload, sha256, sshAlgorithmArgs, startOurServer, type OurServer } from '../../../test-support/interop.ts';
import { interopRegistry } from '../../../test-support/registry.ts';

const { supported: KEXES, skipped } = kexForOpenssh();
const BIG = 16 << 20;

describeWithSshd('OpenSSH ssh -> our server', () => {
  // Keys made by ssh-keygen, every type; no sshd runs here.
  let keys: ReturnType<typeof harnessKeys> & { user: string };
  let ours: OurServer;
  beforeAll(async () => {
    keys = { ...harnessKeys(), user: userInfo().username };
    ours = await startOurServer({
      hostKeys: keys.hostKeys,
      clientKeys: Object.values(keys.clientKeys),
      registry: interopRegistry,
    });
  });
  afterAll(async () => {
    await ours?.stop();
  });

  const ssh = (key: string, extra: string[], command: string[], input?: Uint8Array) =>
    run(SSH!, [...sshArgs({ port: ours.port, knownHostsFile: ours.knownHostsFile }, key, extra), '-l', keys.user, '127.0.0.1', ...command], {
      input,
      timeoutMs: 60_000,
    });

  for (const s of skipped) it.skip(`${s.kex}: ${s.reason}`, () => {});

  coveringCombos(KEXES).forEach((combo, i) => {
    const kind = CLIENT_KINDS[i % CLIENT_KINDS.length];
    it.concurrent(`${comboName(combo)} (user key ${kind}): exec and exit codes`, async ({ expect }) => {
      const r = await ssh(keys.clientKeys[kind].path, ['-v', ...sshAlgorithmArgs(combo)], ['echo out; echo err >&2; exit 7']);
      expect(r.stdout.toString()).toBe('out\n');
      expect(r.code, r.stderr).toBe(7);
      expect(r.stderr).toContain('err\n');
      // ssh -v names what was negotiated
      expect(r.stderr).toContain(`kex: algorithm: ${combo.kex}`);
      expect(r.stderr).toContain(`kex: host key algorithm: ${combo.hostKey}`);
      expect(r.stderr).toContain(`cipher: ${combo.cipher} MAC: ${combo.mac ?? '<implicit>'}`);
      expect(HOST_KEY_KIND[combo.hostKey as keyof typeof HOST_KEY_KIND]).toBeDefined();
    });
  });

  for (const cm of CIPHER_MACS) {
    it.concurrent(`${comboName(cm)}: 16 MiB through cat and back, sha256 equal`, async ({ expect }) => {
      const data = payload(BIG, 11);
      const r = await ssh(keys.clientKeys.ed25519.path, ['-o', `Ciphers=${cm.cipher}`, ...(cm.mac ? ['-o', `MACs=${cm.mac}`] : [])], ['cat'], data);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.length).toBe(BIG);
      expect(sha256(r.stdout)).toBe(sha256(data));
    });
  }

  it('logs in with rsa-sha2-256 user signatures when the client prefers them', async () => {
    const before = ours.logins.length;
    const r = await ssh(keys.clientKeys.rsa.path, ['-o', 'PubkeyAcceptedAlgorithms=rsa-sha2-256'], ['true']);
    expect(r.code, r.stderr).toBe(0);
    expect(ours.logins.slice(before).map((l) => l.algorithm)).toEqual(['rsa-sha2-256']);
  });

  it('passes exit codes, stderr and a signal death through', async () => {
    const r = await ssh(keys.clientKeys.ed25519.path, [], ['kill -TERM $$']);
    expect(r.code).toBe(255); // ssh reports a remote signal death as 255
    const r2 = await ssh(keys.clientKeys.ed25519.path, [], ['/nonexistent/command']);
    expect(r2.code).toBe(127);
    expect(r2.stderr).toMatch(/nonexistent/);
  });

  it('refuses a key that is not authorized', async () => {
    const stranger = makeKey(tempDir(), 'stranger', 'ed25519');
    const r = await ssh(stranger.path, [], ['true']);
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/Permission denied \(publickey\)/);
  });
});
