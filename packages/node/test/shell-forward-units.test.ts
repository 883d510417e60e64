// Units for shells and tunnels without a network peer: seashell ssh forward specs (-L/-R/-D), the
// forwarding policy defaults, and the fallback to a shell over pipes when no pty can be made.
import { describe, expect, it } from 'vitest';
import { parseDynamic, parseForward } from '../src/cli/ssh.ts';
import { UsageError } from '../src/cli/args.ts';
import { checkForward, isLoopbackHost } from '@seashell/core';

describe('seashell ssh forward specs', () => {
  it('parses [bind:]port:host:hostport with IPv6 brackets', () => {
    expect(parseForward('8080:localhost:80', '-L')).toEqual({ bindPort: 8080, host: 'localhost', port: 80 });
    expect(parseForward('0.0.0.0:8080:db:5432', '-L')).toEqual({ bindHost: '0.0.0.0', bindPort: 8080, host: 'db', port: 5432 });
    expect(parseForward('[::1]:8080:[2001:db8::1]:443', '-R')).toEqual({ bindHost: '::1', bindPort: 8080, host: '2001:db8::1', port: 443 });
    expect(parseForward(':8080:h:1', '-L')).toEqual({ bindHost: undefined, bindPort: 8080, host: 'h', port: 1 });
  });
  it('rejects malformed specs with the flag named', () => {
    for (const bad of ['8080', '8080:host', 'a:b:c', '70000:h:1', '1:h:99999', '1:2:3:4:5']) {
      expect(() => parseForward(bad, '-L')).toThrow(UsageError);
    }
    expect(() => parseForward('x:h:1', '-R')).toThrow(/-R x:h:1/);
  });
  it('parses -D [bind:]port', () => {
    expect(parseDynamic('1080')).toEqual({ bindHost: '127.0.0.1', bindPort: 1080 });
    expect(parseDynamic('0.0.0.0:1080')).toEqual({ bindHost: '0.0.0.0', bindPort: 1080 });
    expect(parseDynamic('[::1]:1080')).toEqual({ bindHost: '::1', bindPort: 1080 });
    expect(() => parseDynamic('host')).toThrow(UsageError);
  });
});

describe('forwarding policy defaults', () => {
  it('treats only loopback names and addresses as loopback', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['0.0.0.0', '10.0.0.1', 'example.com', '128.0.0.1', '::', 'localhost.evil.com', '127.0.0.1.nip.io']) expect(isLoopbackHost(h)).toBe(false);
  });
  it('refuses non-loopback by default, honours true/false/functions, and a throwing function refuses', () => {
    const u = { username: 'u' };
    expect(checkForward(undefined, 'local', { host: '127.0.0.1', port: 80, ...u })).toBeUndefined();
    expect(checkForward(undefined, 'local', { host: '10.0.0.1', port: 80, ...u })).toMatch(/only loopback/);
    expect(checkForward(undefined, 'remote', { host: '', port: 80, ...u })).toBeUndefined();
    expect(checkForward(undefined, 'remote', { host: '0.0.0.0', port: 80, ...u })).toMatch(/not permitted/);
    expect(checkForward({ local: true }, 'local', { host: '10.0.0.1', port: 80, ...u })).toBeUndefined();
    expect(checkForward({ local: false }, 'local', { host: '127.0.0.1', port: 80, ...u })).toMatch(/disabled/);
    expect(checkForward({ local: () => { throw new Error('x'); } }, 'local', { host: '127.0.0.1', port: 80, ...u })).toMatch(/not permitted/);
  });
});

import { byteStreamPair, connect as coreConnect, createServer as coreCreateServer, generateKey } from '@seashell/core';
import { runShell, ptyAvailable } from '../src/pty.ts';
import { tmpdir } from 'node:os';

describe('no pseudo-terminal available', () => {
  it('the client is told (pty-req refused) and the shell runs over pipes', async () => {
    const srv = coreCreateServer({
      hostKeys: [generateKey({ type: 'ed25519' })],
      methods: ['password'],
      authenticate: () => true,
      pty: false,
      onShell: (s) => runShell(s, { cwd: tmpdir(), env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, shell: '/bin/sh' }),
    });
    const [a, b] = byteStreamPair();
    srv.accept(b);
    const c = await coreConnect({ stream: a, host: 't', username: 'u', password: 'p', hostVerifier: () => true });
    const sh = await c.shell({ cols: 80, rows: 24 });
    expect(sh.ptyRefused).toBe(true);
    const w = sh.stdin.getWriter();
    await w.write(new TextEncoder().encode('tty; echo "v:$((3*3))"; exit 2\n'));
    await w.close();
    let out = '';
    for await (const d of sh.stdout as unknown as AsyncIterable<Uint8Array>) out += new TextDecoder().decode(d);
    expect(out).toBe('not a tty\nv:9\n');
    expect(await sh.exit).toEqual({ code: 2, signal: null });
    await c.close();
  });
});

describe('signals and window changes on a real pty (util-linux script)', () => {
  it.runIf(ptyAvailable() !== null)('signal(INT) reaches the foreground job; resize() changes the size the command sees', async () => {
    const srv = coreCreateServer({
      hostKeys: [generateKey({ type: 'ed25519' })],
      methods: ['password'],
      authenticate: () => true,
      onExec: (e) => runShell(e, { cwd: tmpdir(), env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, shell: '/bin/sh' }),
    });
    const [a, b] = byteStreamPair();
    srv.accept(b);
    const c = await coreConnect({ stream: a, host: 't', username: 'u', password: 'p', hostVerifier: () => true });
    const p = (await c.execStream('stty size; sleep 30; echo "late"', { pty: { cols: 70, rows: 20 } })) as Awaited<ReturnType<typeof c.shell>>;
    let out = '';
    const reading = (async () => {
      for await (const d of p.stdout as unknown as AsyncIterable<Uint8Array>) out += new TextDecoder().decode(d);
    })();
    for (let i = 0; i < 100 && !/20 70/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
    expect(out).toMatch(/20 70/);
    p.signal('INT');
    const exit = await Promise.race([p.exit, new Promise((r) => setTimeout(() => r('timeout'), 10_000))]);
    expect(exit).not.toBe('timeout');
    expect(out).not.toMatch(/late/);
    await reading;
    const q = (await c.execStream('sleep 1; stty size', { pty: { cols: 70, rows: 20 } })) as Awaited<ReturnType<typeof c.shell>>;
    q.resize(111, 33);
    let out2 = '';
    for await (const d of q.stdout as unknown as AsyncIterable<Uint8Array>) out2 += new TextDecoder().decode(d);
    expect(out2).toMatch(/33 111/);
    await c.close();
  });
});
