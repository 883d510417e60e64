// Unix-socket forwarding on real sockets (OpenSSH PROTOCOL §2.4), client and server in one process
// over an in-memory byte stream: the server's listener (nodeNet.listenUnix) makes a 0600 socket,
// carries an HTTP download intact, and removes the file on cancel and on disconnect; an existing
// path is refused unless streamLocalBindUnlink, which replaces only a stale socket, never a regular
// file. Plus the seashell ssh -L/-R unix forms and the serve --permit-listen-unix rule.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, lstatSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { byteStreamPair, connect as coreConnect, createServer as coreCreateServer, generateKey, type ForwardingPolicy, type SshClient } from '@seashell/core';
import { nodeNet, connectStream, listenUnix, connectUnixSocket } from '../src/index.ts';
import { parseForward } from '../src/cli/ssh.ts';
import { parseUnixListenRule } from '../src/cli/serve-forwarding.ts';
import { UsageError } from '../src/cli/args.ts';
import { tempDir } from '../../../test-support/sshd.ts';
import { startPayloadServer, type PayloadServer } from '../../../test-support/tunnel.ts';
import { downloadUnix, waitForGone } from '../../../test-support/unix-socket.ts';

const SIZE = 16 << 20;
const hostKey = generateKey({ type: 'ed25519' });

async function pair(forwarding: ForwardingPolicy): Promise<{ client: SshClient; closed: Promise<void> }> {
  const server = coreCreateServer({ hostKeys: [hostKey], methods: ['password'], authenticate: () => true, net: nodeNet, forwarding });
  const [a, b] = byteStreamPair();
  const h = server.accept(b)!;
  const client = await coreConnect({ stream: a, host: 'test', username: 'u', password: 'p', hostVerifier: () => true, net: nodeNet });
  return { client, closed: h.closed };
}

/** A socket file nothing listens on any more (what a crashed server leaves behind). */
async function staleSocket(path: string): Promise<void> {
  const tmp = `${path}.live`;
  const s = createNetServer().listen(tmp);
  await new Promise((r) => s.once('listening', r));
  renameSync(tmp, path);
  await new Promise((r) => s.close(r));
}

describe('remote unix-socket forwarding on real sockets', () => {
  let http: PayloadServer;
  const dir = tempDir('seashell-sl-');
  beforeAll(async () => {
    http = await startPayloadServer(SIZE);
  });
  afterAll(async () => {
    await http?.close();
  });

  it('listens on a 0600 socket, carries a download intact, and cancel removes the file', async () => {
    const path = join(dir, 'app.sock');
    const { client } = await pair({ remoteUnix: ({ path: p }) => p === path });
    const fwd = await client.forwardRemoteUnix({ socketPath: path }, () => connectStream('127.0.0.1', http.port));
    const st = lstatSync(path);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    expect(await downloadUnix(path)).toEqual({ bytes: SIZE, sha256: http.sha256 });
    await fwd.close();
    expect(existsSync(path)).toBe(false);
    await client.close();
  });

  it('a disconnect removes every socket the connection made', async () => {
    const one = join(dir, 'one.sock');
    const two = join(dir, 'two.sock');
    const { client, closed } = await pair({ remoteUnix: true });
    await client.forwardRemoteUnix({ socketPath: one }, () => connectStream('127.0.0.1', http.port));
    await client.forwardRemoteUnix({ socketPath: two }, () => connectStream('127.0.0.1', http.port));
    expect(existsSync(one) && existsSync(two)).toBe(true);
    await client.close();
    await closed;
    await waitForGone(one, 5_000);
    await waitForGone(two, 5_000);
  });

  it('an existing path is refused; streamLocalBindUnlink replaces a stale socket but never a regular file', async () => {
    const stale = join(dir, 'stale.sock');
    await staleSocket(stale);
    const file = join(dir, 'precious.txt');
    writeFileSync(file, 'keep me');
    const strict = await pair({ remoteUnix: true });
    await expect(strict.client.forwardRemoteUnix({ socketPath: stale }, () => connectStream('127.0.0.1', http.port))).rejects.toThrow(/already exists/);
    await strict.client.close();

    const unlink = await pair({ remoteUnix: true, streamLocalBindUnlink: true });
    await expect(unlink.client.forwardRemoteUnix({ socketPath: file }, () => connectStream('127.0.0.1', http.port))).rejects.toThrow(/exists and is not a socket/);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
    const fwd = await unlink.client.forwardRemoteUnix({ socketPath: stale }, () => connectStream('127.0.0.1', http.port));
    expect(await downloadUnix(stale)).toEqual({ bytes: SIZE, sha256: http.sha256 });
    await fwd.close();
    expect(existsSync(stale)).toBe(false);
    await unlink.client.close();
  });

  it('a socket that cannot be made is refused with the reason (no such directory)', async () => {
    const { client } = await pair({ remoteUnix: true });
    await expect(client.forwardRemoteUnix({ socketPath: join(dir, 'missing', 'x.sock') }, () => connectStream('127.0.0.1', http.port))).rejects.toThrow(/cannot listen on unix socket .*: no such directory: .*missing/);
    await client.close();
  });

  it('forwardLocal from a local unix socket to a unix socket on the server', async () => {
    const target = join(dir, 'target.sock');
    const echo = createNetServer({ allowHalfOpen: true }, (c) => c.pipe(c)).listen(target);
    await new Promise((r) => echo.once('listening', r));
    const local = join(dir, 'local.sock');
    const { client } = await pair({ unix: ({ path }) => path === target });
    const fwd = await client.forwardLocal({ bindPath: local, socketPath: target });
    expect(lstatSync(local).mode & 0o777).toBe(0o600);
    const s = await connectUnixSocket(local);
    const got = await new Promise<string>((resolve) => {
      let text = '';
      s.start({ data: (d) => (text += Buffer.from(d).toString()), drain: () => {}, end: () => resolve(text), close: () => resolve(text) });
      s.write([Buffer.from('through two sockets')]);
      s.end();
    });
    expect(got).toBe('through two sockets');
    fwd.close();
    expect(existsSync(local)).toBe(false);
    await client.close();
    echo.close();
  });

  it('listenUnix and connectUnixSocket say what was wrong', async () => {
    await expect(listenUnix('', () => {})).rejects.toThrow(/non-empty/);
    await expect(listenUnix(`${dir}/a\0b`, () => {})).rejects.toThrow(/NUL/);
    await expect(connectUnixSocket(join(dir, 'nobody.sock'))).rejects.toThrow(/no socket at/);
  });
});

describe('seashell ssh -L / -R unix socket forms', () => {
  it('parses a socket path at either end, as OpenSSH does', () => {
    expect(parseForward('8080:/run/db.sock', '-L')).toEqual({ bindPort: 8080, path: '/run/db.sock' });
    expect(parseForward('127.0.0.1:8080:/run/db.sock', '-L')).toEqual({ bindHost: '127.0.0.1', bindPort: 8080, path: '/run/db.sock' });
    expect(parseForward('/tmp/l.sock:db:5432', '-L')).toEqual({ bindPath: '/tmp/l.sock', host: 'db', port: 5432 });
    expect(parseForward('/tmp/l.sock:/run/db.sock', '-L')).toEqual({ bindPath: '/tmp/l.sock', path: '/run/db.sock' });
    expect(parseForward('/tmp/r.sock:127.0.0.1:80', '-R')).toEqual({ bindPath: '/tmp/r.sock', host: '127.0.0.1', port: 80 });
    expect(parseForward('9000:/tmp/local.sock', '-R')).toEqual({ bindPort: 9000, path: '/tmp/local.sock' });
    expect(parseForward('./rel/x.sock:h:1', '-L')).toEqual({ bindPath: './rel/x.sock', host: 'h', port: 1 });
  });
  it('rejects malformed unix forms with the spec and what is wrong', () => {
    const cases: [string, '-L' | '-R', RegExp][] = [
      ['/tmp/a.sock:80', '-L', /after the local socket \/tmp\/a\.sock comes HOST:HOSTPORT or a remote \/SOCKET/],
      ['/tmp/a.sock:80', '-R', /after the remote socket \/tmp\/a\.sock comes HOST:HOSTPORT or a local \/SOCKET/],
      ['127.0.0.1:/tmp/a.sock:h:1', '-L', /may only come first .* or last/],
      ['8080:/tmp/a:b.sock', '-L', /cannot contain ':'/],
      ['x:/tmp/a.sock', '-L', /port must be a number/],
      ['/tmp/a.sock', '-L', /after the local socket/],
      ['8080', '-R', /-R wants \[BIND:\]PORT:HOST:HOSTPORT, \[BIND:\]PORT:\/LOCAL\.SOCK, \/REMOTE\.SOCK:HOST:HOSTPORT or \/SOCKET:\/SOCKET/],
      ['/tmp/a.sock::1', '-L', /host is empty/],
      ['h:1:2:/tmp/a.sock', '-R', /wants/],
    ];
    for (const [spec, flag, re] of cases) {
      expect(() => parseForward(spec, flag), spec).toThrow(UsageError);
      expect(() => parseForward(spec, flag), spec).toThrow(re);
    }
  });
});

describe('seashell serve --permit-listen-unix', () => {
  it('allows exact paths and DIR/* (one level), never a path with . or .. segments', () => {
    const rule = parseUnixListenRule(['/run/a.sock', '/tmp/socks/*']) as (r: { path: string; username: string }) => boolean;
    const ok = (path: string) => rule({ path, username: 'u' });
    expect(ok('/run/a.sock')).toBe(true);
    expect(ok('/tmp/socks/x.sock')).toBe(true);
    expect(ok('/run/b.sock')).toBe(false);
    expect(ok('/tmp/socks/deeper/x.sock')).toBe(false);
    expect(ok('/tmp/socks/../../etc/x.sock')).toBe(false);
    expect(ok('/tmp/socks/./x.sock')).toBe(false);
    expect(ok('/tmp/socks//x.sock')).toBe(false);
    expect(ok('tmp/socks/x.sock')).toBe(false);
    expect(parseUnixListenRule(['any'])).toBe(true);
    expect(parseUnixListenRule(['none'])).toBe(false);
    expect(parseUnixListenRule([])).toBeUndefined();
    for (const bad of ['relative.sock', '/a/../b', '/a/', '/a//b']) expect(() => parseUnixListenRule([bad])).toThrow(/--permit-listen-unix wants/);
  });
});
