// `seashell serve` (the built CLI) with OpenSSH ssh: a login shell and a command on a pty,
// forwarding within the default policy, --permit-open, and authorized_keys restrictions
// (no-port-forwarding, no-pty) honoured per key.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { describeWithSshd, harnessKeys, run, sshArgs, tempDir, SSH } from '../../../test-support/sshd.ts';
import { cliBuilt, startServe, type Serve } from '../../../test-support/cli.ts';
import { download, startPayloadServer, type PayloadServer } from '../../../test-support/tunnel.ts';

describeWithSshd('seashell serve: shells and forwarding for OpenSSH ssh', () => {
  let keys: ReturnType<typeof harnessKeys>;
  let serve: Serve;
  let strict: Serve;
  let http: PayloadServer;
  let knownHosts: string;
  let strictKnownHosts: string;
  const user = userInfo().username;

  beforeAll(async () => {
    if (!cliBuilt) return;
    keys = harnessKeys();
    const dir = tempDir('seashell-serve-');
    const ak = join(dir, 'authorized_keys');
    writeFileSync(ak, [keys.clientKeys.ed25519.publicLine, `no-port-forwarding,no-pty ${keys.clientKeys.ecdsa256.publicLine}`].join('\n') + '\n');
    const common = ['--listen', '127.0.0.1:0', '--host-key', keys.hostKeys[0].path, '--authorized-keys', ak, '--root', dir, '--state-dir', join(dir, 'state')];
    serve = await startServe(common);
    strict = await startServe([...common, '--permit-open', 'none']);
    http = await startPayloadServer(1 << 20);
    const line = (port: number) => `[127.0.0.1]:${port} ${keys.hostKeys[0].publicLine.split(' ').slice(0, 2).join(' ')}\n`;
    knownHosts = join(dir, 'kh');
    strictKnownHosts = join(dir, 'kh2');
    writeFileSync(knownHosts, line(serve.port));
    writeFileSync(strictKnownHosts, line(strict.port));
  });
  afterAll(async () => {
    await serve?.stop();
    await strict?.stop();
    await http?.close();
  });

  const ssh = (s: Serve, kh: string, key: string, extra: string[], command: string[] = []) =>
    run(SSH!, [...sshArgs({ port: s.port, knownHostsFile: kh }, key, extra), '-l', user, '127.0.0.1', ...command], { timeoutMs: 30_000 });

  it.runIf(cliBuilt)('ssh -tt runs the command on a pty; exit code passes through', async () => {
    const r = await ssh(serve, knownHosts, keys.clientKeys.ed25519.path, ['-tt'], ['tty; exit 4']);
    expect(r.stdout.toString()).toMatch(/^\/dev\/pts\/\d+\r?$/m);
    expect(r.code, r.stderr).toBe(4);
  });

  it.runIf(cliBuilt)('a login shell over a pty reads commands from the terminal', async () => {
    const r = await run(SSH!, [...sshArgs({ port: serve.port, knownHostsFile: knownHosts }, keys.clientKeys.ed25519.path, ['-tt']), '-l', user, '127.0.0.1'], {
      input: 'echo "X:$((6*7))"\nexit 6\n',
      timeoutMs: 30_000,
    });
    expect(r.stdout.toString()).toMatch(/X:42/);
    expect(r.code).toBe(6);
  });

  it.runIf(cliBuilt)('forwarding to loopback works by default; --permit-open none refuses it with a reason', async () => {
    const ok = await run(SSH!, [...sshArgs({ port: serve.port, knownHostsFile: knownHosts }, keys.clientKeys.ed25519.path, ['-W', `127.0.0.1:${http.port}`]), '-l', user, '127.0.0.1'], {
      input: 'GET /nothing HTTP/1.0\r\n\r\n',
      timeoutMs: 30_000,
    });
    expect(ok.stdout.toString()).toMatch(/^HTTP\/1\.1 404/);
    const no = await ssh(strict, strictKnownHosts, keys.clientKeys.ed25519.path, ['-W', `127.0.0.1:${http.port}`]);
    expect(no.code).not.toBe(0);
    expect(no.stderr).toMatch(/administratively prohibited: port forwarding is disabled on this server/);
    void download;
  });

  it.runIf(cliBuilt)('authorized_keys no-port-forwarding and no-pty apply to that key only', async () => {
    const fw = await ssh(serve, knownHosts, keys.clientKeys.ecdsa256.path, ['-W', `127.0.0.1:${http.port}`]);
    expect(fw.stderr).toMatch(/port forwarding is disabled for this login/);
    // ssh treats a refused pty it was told to force (-tt) as fatal (exit 255), as with sshd
    const pty = await ssh(serve, knownHosts, keys.clientKeys.ecdsa256.path, ['-tt'], ['tty']);
    expect(pty.stderr).toMatch(/PTY allocation request failed/);
    expect(pty.code).toBe(255);
    const plain = await ssh(serve, knownHosts, keys.clientKeys.ecdsa256.path, [], ['tty; echo "ok:$((1+1))"']);
    expect(plain.stdout.toString()).toBe('not a tty\nok:2\n');
  });
});
