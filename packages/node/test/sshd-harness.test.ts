// Proves the sshd harness itself: OpenSSH's own ssh logs in with each client key type and runs a
// command, with strict host key checking against the harness's known_hosts file.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithSshd, startSshd, sshArgs, run, SSH, type Sshd } from '../../../test-support/sshd.ts';

describeWithSshd('sshd harness', () => {
  let sshd: Sshd;
  beforeAll(async () => { sshd = await startSshd(); });
  afterAll(async () => { await sshd?.stop(); });

  it('lets OpenSSH ssh run echo ok with strict host key checking', async () => {
    const r = await run(SSH!, [...sshArgs(sshd, sshd.clientKeys.ed25519.path), '-l', sshd.user, '127.0.0.1', 'echo', 'ok'], { timeoutMs: 20_000 });
    expect(r.stdout.toString(), r.stderr).toBe('ok\n');
    expect(r.code).toBe(0);
  });

  it('refuses a host whose key is not in known_hosts', async () => {
    const other = await startSshd({ freshHostKeys: true, hostKeyKinds: ['ed25519'] });
    try {
      const r = await run(SSH!, [...sshArgs({ port: other.port, knownHostsFile: sshd.knownHostsFile }, sshd.clientKeys.ed25519.path), '-l', sshd.user, '127.0.0.1', 'true'], { timeoutMs: 20_000 });
      expect(r.code).toBe(255);
      expect(r.stderr).toMatch(/Host key verification failed|No .* host key is known/);
    } finally {
      await other.stop();
    }
  });
});
