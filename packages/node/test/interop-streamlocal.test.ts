// Unix-socket forwarding against real OpenSSH on loopback (OpenSSH PROTOCOL §2.4): OpenSSH
// `ssh -R /path.sock:host:port` into our server (refused by default with the reason in ssh -v's
// "Remote:" line, then 64 MiB through the socket with equal SHA-256, and the socket file gone when
// ssh leaves); our client's forwardRemoteUnix into sshd; and `seashell ssh -L PORT:/path.sock`,
// `-L /path.sock:HOST:PORT` and `-R /path.sock:HOST:PORT` into sshd; `seashell serve
// --permit-listen-unix DIR/* --stream-local-bind-unlink` for ssh -R. Temp directories only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { parsePublicKeyLine } from '@seashell/core';
import { connect, connectStream, createServer, type NodeSshServer, type SshClient } from '../src/index.ts';
import { describeWithSshd, harnessKeys, tempDir, sshArgs, run, SSH, startSshd, freePort, waitForPort, sshdLogin, type Sshd } from '../../../test-support/sshd.ts';
import { CLI, cliBuilt, seashell, startServe, type Serve } from '../../../test-support/cli.ts';
import { background, download, startPayloadServer, type PayloadServer } from '../../../test-support/tunnel.ts';
import { downloadUnix, startUnixPayloadServer, waitForGone, waitForSocket, type UnixPayloadServer } from '../../../test-support/unix-socket.ts';

const BIG = 64 << 20;

describeWithSshd('OpenSSH ssh -R /path.sock -> our server', () => {
  let keys: ReturnType<typeof harnessKeys>;
  let server: NodeSshServer;
  let port: number;
  let knownHostsFile: string;
  let http: PayloadServer;
  const dir = tempDir('seashell-slr-');
  const allowed = join(dir, 'allowed.sock');
  const user = userInfo().username;

  beforeAll(async () => {
    keys = harnessKeys();
    const blobs = new Set(Object.values(keys.clientKeys).map((k) => Buffer.from(parsePublicKeyLine(k.publicLine).blob).toString('base64')));
    server = createServer({
      hostKeys: [readFileSync(keys.hostKeys[0].path, 'utf8')],
      methods: ['publickey'],
      authenticate: (ctx) => ctx.method === 'publickey' && blobs.has(Buffer.from(ctx.key.blob).toString('base64')),
      forwarding: { remoteUnix: ({ path }) => path === allowed },
    });
    port = (await server.listen(0, '127.0.0.1')).port;
    knownHostsFile = join(tempDir('seashell-kh-'), 'known_hosts');
    writeFileSync(knownHostsFile, `[127.0.0.1]:${port} ${keys.hostKeys[0].publicLine.split(' ').slice(0, 2).join(' ')}\n`);
    http = await startPayloadServer(BIG);
  });
  afterAll(async () => {
    await server?.close();
    await http?.close();
  });

  const args = (extra: string[], command: string[] = []) => [...sshArgs({ port, knownHostsFile }, keys.clientKeys.ed25519.path, extra), '-l', user, '127.0.0.1', ...command];

  it('64 MiB through the unix socket our server listens on, sha256 equal; the file goes when ssh does', async () => {
    const ssh = background(SSH!, args(['-N', '-o', 'ExitOnForwardFailure=yes', '-R', `${allowed}:127.0.0.1:${http.port}`]));
    try {
      await waitForSocket(allowed, 15_000, () => ssh.child.exitCode === null);
      expect(await downloadUnix(allowed)).toEqual({ bytes: BIG, sha256: http.sha256 });
    } finally {
      await ssh.stop();
    }
    await waitForGone(allowed, 10_000);
  });

  it('a path the policy does not allow is refused, and ssh -v shows our reason', async () => {
    const other = join(dir, 'other.sock');
    const r = await run(SSH!, args(['-v', '-N', '-o', 'ExitOnForwardFailure=yes', '-R', `${other}:127.0.0.1:${http.port}`]), { timeoutMs: 30_000 });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/remote port forwarding failed for listen path/);
    expect(r.stderr).toMatch(/Remote: listening on unix socket ".*other\.sock" is not permitted/);
    expect(existsSync(other)).toBe(false);
  });
});

describeWithSshd('unix-socket forwarding into OpenSSH sshd', () => {
  let sshd: Sshd;
  let http: PayloadServer;
  let unixHttp: UnixPayloadServer;
  let client: SshClient;
  const dir = tempDir('seashell-sls-');
  const env = { ...process.env };
  delete env.SSH_AUTH_SOCK;

  beforeAll(async () => {
    // sshd's defaults allow streamlocal forwarding (AllowStreamLocalForwarding yes); say so anyway
    sshd = await startSshd({ extraConfig: ['AllowTcpForwarding yes', 'AllowStreamLocalForwarding yes'] });
    http = await startPayloadServer(BIG);
    unixHttp = await startUnixPayloadServer(join(dir, 'http.sock'), BIG);
    client = await connect({
      ...sshdLogin(sshd),
    });
  });
  afterAll(async () => {
    await client?.close();
    await sshd?.stop();
    await http?.close();
    await unixHttp?.close();
  });

  it('client.forwardRemoteUnix: sshd listens on the socket, 64 MiB through it with sha256 equal', async () => {
    const path = join(dir, 'remote.sock');
    const fwd = await client.forwardRemoteUnix({ socketPath: path }, (c) => {
      expect(c.socketPath).toBe(path);
      return connectStream('127.0.0.1', http.port);
    });
    await waitForSocket(path, 10_000);
    expect(await downloadUnix(path)).toEqual({ bytes: BIG, sha256: http.sha256 });
    await fwd.close();
    // sshd stopped listening (it leaves the file behind: its StreamLocalBindUnlink is for that)
    await expect(downloadUnix(path, 5_000)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('client.forwardRemoteUnix on a path that exists is refused by sshd', async () => {
    const path = join(dir, 'taken.txt');
    writeFileSync(path, 'x');
    await expect(client.forwardRemoteUnix({ socketPath: path }, () => connectStream('127.0.0.1', http.port))).rejects.toThrow(/refused to listen on unix socket/);
    expect(readFileSync(path, 'utf8')).toBe('x');
  });

  describe.runIf(cliBuilt)('seashell ssh', () => {
    const base = () => ['-p', String(sshd.port), '-i', sshd.clientKeys.ed25519.path, '-o', `UserKnownHostsFile=${sshd.knownHostsFile}`];
    const dest = () => `${sshd.user}@127.0.0.1`;

    it('-L PORT:/remote.sock: 64 MiB from a unix-socket HTTP server behind sshd, sha256 equal; -R PORT:/local.sock too', async () => {
      const l = await freePort();
      const r = await freePort();
      const fwd = background(process.execPath, [CLI, 'ssh', ...base(), '-N', '-L', `${l}:${unixHttp.path}`, '-R', `127.0.0.1:${r}:${unixHttp.path}`, dest()], env);
      try {
        await waitForPort(l, 15_000, '127.0.0.1', () => fwd.child.exitCode === null);
        await waitForPort(r, 15_000, '127.0.0.1', () => fwd.child.exitCode === null);
        expect(await download(l)).toEqual({ bytes: BIG, sha256: unixHttp.sha256 });
        expect(await download(r)).toEqual({ bytes: BIG, sha256: unixHttp.sha256 });
      } finally {
        await fwd.stop();
      }
    });

    it('-L /local.sock:HOST:PORT and -R /remote.sock:HOST:PORT carry downloads intact; -L removes its socket on exit', async () => {
      const local = join(dir, 'cli-local.sock');
      const remote = join(dir, 'cli-remote.sock');
      const fwd = background(process.execPath, [CLI, 'ssh', ...base(), '-N', '-L', `${local}:127.0.0.1:${http.port}`, '-R', `${remote}:127.0.0.1:${http.port}`, dest()], env);
      try {
        await waitForSocket(local, 15_000, () => fwd.child.exitCode === null);
        await waitForSocket(remote, 15_000, () => fwd.child.exitCode === null);
        expect(await downloadUnix(local)).toEqual({ bytes: BIG, sha256: http.sha256 });
        expect(await downloadUnix(remote)).toEqual({ bytes: BIG, sha256: http.sha256 });
      } finally {
        await fwd.stop();
      }
      await waitForGone(local, 10_000);
    });

    it('-L onto an existing path fails with exit 255 unless -o StreamLocalBindUnlink=yes replaces a stale socket', async () => {
      const stale = join(dir, 'stale.sock');
      // a socket file nobody listens on: what a killed forward leaves behind
      const s = createNetServer().listen(`${stale}.live`);
      await new Promise((r) => s.once('listening', r));
      renameSync(`${stale}.live`, stale);
      await new Promise((r) => s.close(r));
      const r = await seashell(['ssh', ...base(), '-N', '-L', `${stale}:127.0.0.1:${http.port}`, dest()], { env, timeoutMs: 30_000 });
      expect(r.code).toBe(255);
      expect(r.stderr).toMatch(/-L .*stale\.sock:127\.0\.0\.1:\d+: cannot listen on unix socket .*already exists/);
      const fwd = background(process.execPath, [CLI, 'ssh', ...base(), '-N', '-o', 'StreamLocalBindUnlink=yes', '-L', `${stale}:127.0.0.1:${http.port}`, dest()], env);
      try {
        await waitForSocket(stale, 15_000, () => fwd.child.exitCode === null);
        expect(await downloadUnix(stale)).toEqual({ bytes: BIG, sha256: http.sha256 });
      } finally {
        await fwd.stop();
      }
    });

    it('a malformed spec is a usage error that names it', async () => {
      const r = await seashell(['ssh', ...base(), '-N', '-L', '/tmp/x.sock:80', dest()], { env, timeoutMs: 30_000 });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/-L \/tmp\/x\.sock:80: after the local socket/);
    });
  });
});

describeWithSshd('seashell serve --permit-listen-unix with OpenSSH ssh -R /path.sock', () => {
  let keys: ReturnType<typeof harnessKeys>;
  let serve: Serve;
  let knownHosts: string;
  let http: PayloadServer;
  const dir = tempDir('seashell-serve-sl-');
  const socks = join(dir, 'socks');
  const user = userInfo().username;

  beforeAll(async () => {
    if (!cliBuilt) return;
    keys = harnessKeys();
    mkdirSync(socks);
    const ak = join(dir, 'authorized_keys');
    writeFileSync(ak, `${keys.clientKeys.ed25519.publicLine}\n`);
    serve = await startServe([
      '--listen', '127.0.0.1:0', '--host-key', keys.hostKeys[0].path, '--authorized-keys', ak, '--root', dir, '--state-dir', join(dir, 'state'),
      '--permit-listen-unix', `${socks}/*`, '--stream-local-bind-unlink',
    ]);
    knownHosts = join(dir, 'kh');
    writeFileSync(knownHosts, `[127.0.0.1]:${serve.port} ${keys.hostKeys[0].publicLine.split(' ').slice(0, 2).join(' ')}\n`);
    http = await startPayloadServer(8 << 20);
  });
  afterAll(async () => {
    await serve?.stop();
    await http?.close();
  });

  const args = (extra: string[]) => [...sshArgs({ port: serve.port, knownHostsFile: knownHosts }, keys.clientKeys.ed25519.path, extra), '-l', user, '127.0.0.1'];

  it.runIf(cliBuilt)('a socket in the permitted directory replaces a stale one and carries a download; others are refused', async () => {
    const path = join(socks, 'app.sock');
    const s = createNetServer().listen(`${path}.live`);
    await new Promise((r) => s.once('listening', r));
    renameSync(`${path}.live`, path);
    await new Promise((r) => s.close(r));
    const ssh = background(SSH!, args(['-N', '-o', 'ExitOnForwardFailure=yes', '-R', `${path}:127.0.0.1:${http.port}`]));
    try {
      await waitForSocket(path, 15_000, () => ssh.child.exitCode === null);
      expect(await downloadUnix(path)).toEqual({ bytes: 8 << 20, sha256: http.sha256 });
    } finally {
      await ssh.stop();
    }
    await waitForGone(path, 10_000);
    for (const bad of [join(dir, 'outside.sock'), `${socks}/../escape.sock`, join(socks, 'deeper', 'x.sock')]) {
      const r = await run(SSH!, args(['-v', '-N', '-o', 'ExitOnForwardFailure=yes', '-R', `${bad}:127.0.0.1:${http.port}`]), { timeoutMs: 30_000 });
      expect(r.code, bad).not.toBe(0);
      expect(r.stderr).toMatch(/Remote: listening on unix socket .* is not permitted/);
    }
    expect(existsSync(join(dir, 'outside.sock')) || existsSync(join(dir, 'escape.sock'))).toBe(false);
  });
});
