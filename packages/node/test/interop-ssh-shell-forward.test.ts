// OpenSSH ssh against our server: an interactive shell on a real pseudo-terminal driven through
// tmux (tty, stty size following a resize, Ctrl-C, exit code), and port forwarding (ssh -L, -R)
// to a loopback HTTP server with 64 MiB each way checked by SHA-256; refused forwards say why.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { parsePublicKeyLine } from '@seashell/core';
import { createServer, type NodeSshServer } from '../src/index.ts';
import { runShell, ptyAvailable } from '../src/pty.ts';
import { runCommand } from '../src/cli/serve.ts';
import { describeWithSshd, harnessKeys, tempDir, sshArgs, run, SSH, freePort, waitForPort } from '../../../test-support/sshd.ts';
import { payload, sha256 } from '../../../test-support/interop.ts';
import { startTerminal, TMUX, type Terminal } from '../../../test-support/tmux.ts';
import { background, download, startPayloadServer, upload, type PayloadServer } from '../../../test-support/tunnel.ts';

const BIG = 64 << 20;
/** The unix socket path the server's forwarding.unix policy currently allows ('' = none). */
let allowUnix = '';

describeWithSshd('OpenSSH ssh -> our server: shell and forwarding', () => {
  let keys: ReturnType<typeof harnessKeys>;
  let server: NodeSshServer;
  let port: number;
  let knownHostsFile: string;
  let http: PayloadServer;
  const home = tempDir('seashell-home-');
  const user = userInfo().username;
  const terminals: Terminal[] = [];

  beforeAll(async () => {
    keys = harnessKeys();
    const allowed = new Set(Object.values(keys.clientKeys).map((k) => Buffer.from(parsePublicKeyLine(k.publicLine).blob).toString('base64')));
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, USER: user, LOGNAME: user };
    server = createServer({
      hostKeys: [readFileSync(keys.hostKeys[0].path, 'utf8')],
      methods: ['publickey'],
      authenticate: (ctx) => ctx.method === 'publickey' && allowed.has(Buffer.from(ctx.key.blob).toString('base64')),
      pty: ptyAvailable() !== null,
      forwarding: { unix: ({ path }) => allowUnix !== '' && path === allowUnix },
      onShell: (s) => runShell(s, { cwd: home, env, shell: '/bin/sh' }),
      onExec: (e) => (e.pty ? runShell(e, { cwd: home, env, shell: '/bin/sh' }) : runCommand(e, e.command, home, env)),
    });
    port = (await server.listen(0, '127.0.0.1')).port;
    knownHostsFile = join(tempDir('seashell-kh-'), 'known_hosts');
    writeFileSync(knownHostsFile, `[127.0.0.1]:${port} ${keys.hostKeys[0].publicLine.split(' ').slice(0, 2).join(' ')}\n`);
    http = await startPayloadServer(BIG);
  });
  afterAll(async () => {
    for (const t of terminals) t.kill();
    await server?.close();
    await http?.close();
  });

  const args = (extra: string[], command: string[] = []) => [...sshArgs({ port, knownHostsFile }, keys.clientKeys.ed25519.path, extra), '-l', user, '127.0.0.1', ...command];

  it.runIf(!!TMUX)('ssh -tt: a pty, its size following the pane, Ctrl-C and the exit code', async () => {
    const t = startTerminal(['sh', '-c', '"$@"; echo "EXIT=$?"; sleep 60', 'sh', SSH!, '-tt', ...args([])], 100, 30);
    terminals.push(t);
    t.line('tty | sed "s/^/T:/"');
    await t.waitFor(/T:\/dev\/pts\/\d+/);
    t.line('echo "S:$(stty size)"');
    const size = t.size();
    await t.waitFor(new RegExp(`S:${size.rows} ${size.cols}`));
    t.resize(120, 40);
    const bigger = t.size();
    expect(bigger.cols).toBe(120);
    // the resize reaches the remote pty before the next line is read
    await new Promise((r) => setTimeout(r, 300));
    t.line('echo "R:$(stty size)"');
    await t.waitFor(new RegExp(`R:${bigger.rows} ${bigger.cols}`));
    t.line('sleep 30; echo "SLEPT"');
    await new Promise((r) => setTimeout(r, 500));
    t.keys(['C-c']);
    t.line('echo "AFTER:$((40+2))"');
    await t.waitFor(/AFTER:42/, 10_000);
    expect(t.screen()).not.toMatch(/^SLEPT/m);
    t.line('exit 3');
    await t.waitFor(/EXIT=3/);
  });

  it('ssh -L: 64 MiB each way to a loopback HTTP server, sha256 equal', async () => {
    const local = await freePort();
    const ssh = background(SSH!, [...args(['-N', '-o', 'ExitOnForwardFailure=yes', '-L', `127.0.0.1:${local}:127.0.0.1:${http.port}`])]);
    try {
      await waitForPort(local, 15_000, '127.0.0.1', () => ssh.child.exitCode === null);
      const got = await download(local);
      expect(got).toEqual({ bytes: BIG, sha256: http.sha256 });
      const up = payload(BIG, 9);
      expect(await upload(local, up)).toBe(`${BIG} ${sha256(up)}`);
    } finally {
      await ssh.stop();
    }
  });

  it('ssh -R: 64 MiB through a port our server listens on, sha256 equal', async () => {
    const remote = await freePort();
    const ssh = background(SSH!, [...args(['-N', '-o', 'ExitOnForwardFailure=yes', '-R', `${remote}:127.0.0.1:${http.port}`])]);
    try {
      await waitForPort(remote, 15_000, '127.0.0.1', () => ssh.child.exitCode === null);
      const got = await download(remote);
      expect(got).toEqual({ bytes: BIG, sha256: http.sha256 });
    } finally {
      await ssh.stop();
    }
  });

  it('refuses forwarding to a non-loopback target and a non-loopback listener, saying why', async () => {
    const w = await run(SSH!, args(['-W', '192.0.2.1:80']), { timeoutMs: 30_000 });
    expect(w.code).not.toBe(0);
    expect(w.stderr).toMatch(/administratively prohibited.*not permitted/);
    const r = await run(SSH!, args(['-N', '-o', 'ExitOnForwardFailure=yes', '-R', `0.0.0.0:${await freePort()}:127.0.0.1:1`]), { timeoutMs: 30_000 });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/remote port forwarding failed/);
  });

  it('answers keepalive@openssh.com (an unknown global request) instead of staying silent', async () => {
    // ServerAliveInterval=1 with CountMax=2: ssh disconnects unless every keepalive is answered
    const r = await run(SSH!, args(['-o', 'ServerAliveInterval=1', '-o', 'ServerAliveCountMax=2'], ['sleep 4; echo alive']), { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toBe('alive\n');
  });

  it('ssh -L to a unix socket: refused by default with a reason, allowed by forwarding.unix', async () => {
    const path = join(tempDir('seashell-unix-'), 'echo.sock');
    const echo = createNetServer((c) => c.pipe(c)).listen(path);
    await new Promise((r) => echo.once('listening', r));
    try {
      const local = await freePort();
      const ssh = background(SSH!, [...args(['-N', '-o', 'ExitOnForwardFailure=yes', '-L', `127.0.0.1:${local}:${path}`])]);
      try {
        await waitForPort(local, 15_000, '127.0.0.1', () => ssh.child.exitCode === null);
        const refusedText = await roundTripText(local, 'x');
        expect(refusedText).toBe('');
        await new Promise((r) => setTimeout(r, 300));
        expect(ssh.output()).toMatch(/open failed: administratively prohibited: forwarding to unix socket .* is not permitted/);
        allowUnix = path;
        expect(await roundTripText(local, 'ping-unix')).toBe('ping-unix');
      } finally {
        await ssh.stop();
      }
    } finally {
      allowUnix = '';
      echo.close();
    }
  });
});

/** Connects, writes text, half-closes, and resolves with what came back (bounded). */
function roundTripText(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = netConnect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let got = '';
    const t = setTimeout(() => (c.destroy(), reject(new Error('no answer within 10 s'))), 10_000);
    c.on('connect', () => c.end(text));
    c.on('data', (d) => (got += d.toString()));
    c.on('close', () => (clearTimeout(t), resolve(got)));
    c.on('error', () => {});
  });
}
