// Unix-socket forwarding in memory (OpenSSH PROTOCOL §2.4): client and server engines over
// byteStreamPair with a fake socket factory whose "file system" is a set of socket paths.
// streamlocal-forward@openssh.com carries data both ways through forwarded-streamlocal channels;
// the server refuses by default, per policy, for an existing path and without listenUnix, each
// time with the reason reaching the client (a DEBUG before REQUEST_FAILURE); cancel and
// disconnect remove the socket; forwardLocal listens on and connects to unix sockets.
import { describe, expect, it } from 'vitest';
import { byteStreamPair, type ByteStream } from '../src/stream.ts';
import { connect, type SshClient } from '../src/client.ts';
import { createServer, type ServerOptions } from '../src/server.ts';
import { generateKey } from '../src/keys/index.ts';
import { ChannelOpenError } from '../src/wire/index.ts';
import type { NetFactory, UnixListener, UnixListenOptions } from '../src/forwarding.ts';
import { testRegistry } from './support/harness.ts';

const FAST = { kex: ['curve25519-sha256'], cipher: ['aes128-gcm@openssh.com'] };
const hostKey = generateKey({ type: 'ed25519' });
const enc = new TextEncoder();
const dec = new TextDecoder();

/** A socket factory whose unix sockets live in `files`; dial() connects to one of them. */
class FakeUnixNet implements NetFactory {
  readonly files = new Set<string>();
  readonly listening = new Map<string, (s: ByteStream) => void>();
  readonly unlinkRequests: (boolean | undefined)[] = [];
  readonly connected: string[] = [];
  /** What connectUnix reaches: path -> a service started on the far end. */
  readonly services = new Map<string, (s: ByteStream) => void>();
  async connect(): Promise<ByteStream> {
    throw new Error('no TCP here');
  }
  async listen(): Promise<never> {
    throw new Error('no TCP here');
  }
  async connectUnix(path: string): Promise<ByteStream> {
    const service = this.services.get(path);
    if (!service) throw new Error(`no socket at ${path}`);
    this.connected.push(path);
    const [a, b] = byteStreamPair();
    service(b);
    return a;
  }
  async listenUnix(path: string, onStream: (s: ByteStream) => void, options?: UnixListenOptions): Promise<UnixListener> {
    this.unlinkRequests.push(options?.unlinkExisting);
    if (this.files.has(path) && !options?.unlinkExisting) throw new Error(`${path} already exists`);
    this.files.add(path);
    this.listening.set(path, onStream);
    return {
      path,
      close: () => {
        if (this.listening.get(path) !== onStream) return;
        this.listening.delete(path);
        this.files.delete(path);
      },
    };
  }
  /** Connects to a listening socket as a local program would. */
  dial(path: string): ByteStream {
    const l = this.listening.get(path);
    if (!l) throw new Error(`nothing listens on ${path}`);
    const [a, b] = byteStreamPair();
    l(b);
    return a;
  }
}

/** Echoes everything back in upper case and half-closes after the peer does. */
function upperEcho(s: ByteStream): void {
  s.start({
    data: (d) => void s.write([enc.encode(dec.decode(d).toUpperCase())]),
    drain: () => {},
    end: () => s.end(),
    close: () => {},
  });
}

/** Writes text, half-closes, and resolves with everything read until the other side ends (bounded). */
function roundTrip(s: ByteStream, text: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const t = setTimeout(() => reject(new Error(`no end within ${timeoutMs} ms; got ${JSON.stringify(got)}`)), timeoutMs);
    s.start({
      data: (d) => (got += dec.decode(d)),
      drain: () => {},
      end: () => {
        clearTimeout(t);
        resolve(got);
      },
      close: () => {
        clearTimeout(t);
        resolve(got);
      },
    });
    s.write([enc.encode(text)]);
    s.end();
  });
}

async function setup(server: Partial<ServerOptions>, clientNet?: NetFactory): Promise<{ client: SshClient; closed: Promise<void> }> {
  const srv = createServer({ hostKeys: [hostKey], registry: testRegistry, algorithms: FAST, methods: ['password'], authenticate: () => true, ...server });
  const [a, b] = byteStreamPair();
  const h = srv.accept(b)!;
  const client = await connect({ stream: a, host: 'test', username: 'u', password: 'p', hostVerifier: () => true, registry: testRegistry, algorithms: FAST, net: clientNet });
  return { client, closed: h.closed };
}

/** Waits (bounded) until cond() holds. */
async function until(cond: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('streamlocal-forward@openssh.com (client.forwardRemoteUnix)', () => {
  it('listens where the policy allows and carries data both ways through forwarded-streamlocal channels', async () => {
    const net = new FakeUnixNet();
    const { client } = await setup({ net, forwarding: { remoteUnix: ({ path, username }) => path === '/run/app.sock' && username === 'u' } });
    const seen: string[] = [];
    const fwd = await client.forwardRemoteUnix({ socketPath: '/run/app.sock' }, (c) => {
      seen.push(c.socketPath);
      const [x, y] = byteStreamPair();
      upperEcho(y);
      return x;
    });
    expect(fwd.socketPath).toBe('/run/app.sock');
    expect(net.files.has('/run/app.sock')).toBe(true);
    expect(net.unlinkRequests).toEqual([false]);
    const replies = await Promise.all([roundTrip(net.dial('/run/app.sock'), 'hello one'), roundTrip(net.dial('/run/app.sock'), 'and two')]);
    expect(replies).toEqual(['HELLO ONE', 'AND TWO']);
    expect(seen).toEqual(['/run/app.sock', '/run/app.sock']);
    await client.close();
  });

  it('refuses by default, per policy, for an existing path and without listenUnix, saying why', async () => {
    const net = new FakeUnixNet();
    net.files.add('/tmp/taken.sock');
    const open = () => byteStreamPair()[0];
    const byDefault = await setup({ net });
    const err = await byDefault.client.forwardRemoteUnix({ socketPath: '/tmp/a.sock' }, open).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelOpenError);
    expect((err as Error).message).toMatch(/refused to listen on unix socket \/tmp\/a\.sock: listening on unix socket "\/tmp\/a\.sock" is not permitted/);
    expect(net.files.has('/tmp/a.sock')).toBe(false);
    await byDefault.client.close();

    const policy = await setup({ net, forwarding: { remoteUnix: ({ path }) => path.startsWith('/tmp/') } });
    await expect(policy.client.forwardRemoteUnix({ socketPath: '/etc/x.sock' }, open)).rejects.toThrow(/"\/etc\/x\.sock" is not permitted/);
    await expect(policy.client.forwardRemoteUnix({ socketPath: '/tmp/taken.sock' }, open)).rejects.toThrow(/cannot listen on unix socket "\/tmp\/taken\.sock": \/tmp\/taken\.sock already exists/);
    // the connection survives refusals and the same path works once it is free
    net.files.delete('/tmp/taken.sock');
    const ok = await policy.client.forwardRemoteUnix({ socketPath: '/tmp/taken.sock' }, open);
    await ok.close();
    await policy.client.close();

    const throwing = await setup({ net, forwarding: { remoteUnix: () => { throw new Error('boom'); } } });
    await expect(throwing.client.forwardRemoteUnix({ socketPath: '/tmp/b.sock' }, open)).rejects.toThrow(/not permitted/);
    await throwing.client.close();

    const noListen = await setup({ net: { connect: net.connect, listen: net.listen }, forwarding: { remoteUnix: true } });
    await expect(noListen.client.forwardRemoteUnix({ socketPath: '/tmp/c.sock' }, open)).rejects.toThrow(/not available on this server/);
    await noListen.client.close();

    const restricted = await setup({ net, forwarding: { remoteUnix: true }, restrict: () => ({ portForwarding: false }) });
    await expect(restricted.client.forwardRemoteUnix({ socketPath: '/tmp/d.sock' }, open)).rejects.toThrow(/port forwarding is disabled for this login/);
    await restricted.client.close();
    expect([...net.files]).toEqual([]);
  });

  it('streamLocalBindUnlink asks the adapter to replace an existing socket', async () => {
    const net = new FakeUnixNet();
    net.files.add('/tmp/stale.sock');
    const { client } = await setup({ net, forwarding: { remoteUnix: true, streamLocalBindUnlink: true } });
    await client.forwardRemoteUnix({ socketPath: '/tmp/stale.sock' }, () => byteStreamPair()[0]);
    expect(net.unlinkRequests).toEqual([true]);
    expect(net.listening.has('/tmp/stale.sock')).toBe(true);
    await client.close();
  });

  it('close() cancels: the server stops listening, removes the socket, and the path can be forwarded again', async () => {
    const net = new FakeUnixNet();
    const { client } = await setup({ net, forwarding: { remoteUnix: true } });
    const echo = () => {
      const [x, y] = byteStreamPair();
      upperEcho(y);
      return x;
    };
    const fwd = await client.forwardRemoteUnix({ socketPath: '/tmp/once.sock' }, echo);
    expect(await roundTrip(net.dial('/tmp/once.sock'), 'before')).toBe('BEFORE');
    await fwd.close();
    expect(net.files.has('/tmp/once.sock')).toBe(false);
    expect(() => net.dial('/tmp/once.sock')).toThrow(/nothing listens/);
    await fwd.close(); // twice is harmless
    const again = await client.forwardRemoteUnix({ socketPath: '/tmp/once.sock' }, echo);
    expect(await roundTrip(net.dial('/tmp/once.sock'), 'after')).toBe('AFTER');
    await again.close();
    // cancelling what was never forwarded is refused, with the reason
    const r = await client.request('cancel-streamlocal-forward@openssh.com', new Uint8Array([0, 0, 0, 4, ...enc.encode('/nah')]));
    expect(r.success).toBe(false);
    expect(r.debug).toMatch(/no unix socket forwarding on "\/nah" to cancel/);
    await client.close();
  });

  it('a cancel that overtakes a forward still being set up answers both, in order, and later requests still get answers', async () => {
    const net = new FakeUnixNet();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const listen = net.listenUnix.bind(net);
    net.listenUnix = async (path, onStream, options) => {
      if (path === '/tmp/slow.sock') await gate;
      return listen(path, onStream, options);
    };
    const { client } = await setup({ net, forwarding: { remoteUnix: true } });
    const slow = client.forwardRemoteUnix({ socketPath: '/tmp/slow.sock' }, () => byteStreamPair()[0]).catch((e: Error) => e);
    const cancel = client.request('cancel-streamlocal-forward@openssh.com', new Uint8Array([0, 0, 0, 14, ...enc.encode('/tmp/slow.sock')]));
    await new Promise((r) => setTimeout(r, 50));
    release();
    expect(((await slow) as Error).message).toMatch(/cancelled before it was listening/);
    expect((await cancel).success).toBe(true);
    expect(net.files.has('/tmp/slow.sock')).toBe(false);
    const next = await client.forwardRemoteUnix({ socketPath: '/tmp/next.sock' }, () => byteStreamPair()[0]);
    expect(next.socketPath).toBe('/tmp/next.sock');
    await client.close();
  });

  it('a connection that reaches the socket before the client has the answer is still forwarded', async () => {
    const net = new FakeUnixNet();
    const listen = net.listenUnix.bind(net);
    let early: Promise<string> | undefined;
    net.listenUnix = async (path, onStream, options) => {
      const l = await listen(path, onStream, options);
      early = roundTrip(net.dial(path), 'early bird'); // the server opens its channel before REQUEST_SUCCESS goes out
      return l;
    };
    const { client } = await setup({ net, forwarding: { remoteUnix: true } });
    await client.forwardRemoteUnix({ socketPath: '/tmp/race.sock' }, () => {
      const [x, y] = byteStreamPair();
      upperEcho(y);
      return x;
    });
    expect(await early).toBe('EARLY BIRD');
    await client.close();
  });

  it('a disconnect removes every socket the connection listened on', async () => {
    const net = new FakeUnixNet();
    const { client, closed } = await setup({ net, forwarding: { remoteUnix: true } });
    await client.forwardRemoteUnix({ socketPath: '/tmp/one.sock' }, () => byteStreamPair()[0]);
    await client.forwardRemoteUnix({ socketPath: '/tmp/two.sock' }, () => byteStreamPair()[0]);
    expect([...net.files].sort()).toEqual(['/tmp/one.sock', '/tmp/two.sock']);
    await client.close();
    await closed;
    await until(() => net.files.size === 0, 'the sockets to go');
  });

  it('a forwarded-streamlocal channel whose local target fails is refused, and the tunnel keeps working', async () => {
    const net = new FakeUnixNet();
    const { client } = await setup({ net, forwarding: { remoteUnix: true } });
    let fail = true;
    await client.forwardRemoteUnix({ socketPath: '/tmp/flaky.sock' }, () => {
      if (fail) throw new Error('local target is down');
      const [x, y] = byteStreamPair();
      upperEcho(y);
      return x;
    });
    expect(await roundTrip(net.dial('/tmp/flaky.sock'), 'lost')).toBe('');
    fail = false;
    expect(await roundTrip(net.dial('/tmp/flaky.sock'), 'kept')).toBe('KEPT');
    await client.close();
  });

  it('checks its inputs', async () => {
    const { client } = await setup({ net: new FakeUnixNet() });
    const open = () => byteStreamPair()[0];
    await expect(client.forwardRemoteUnix({ socketPath: '' }, open)).rejects.toThrow(TypeError);
    await expect(client.forwardRemoteUnix({ socketPath: 'a\0b' }, open)).rejects.toThrow(/NUL/);
    await expect(client.forwardRemoteUnix({ socketPath: '/x' }, undefined as never)).rejects.toThrow(/onConnection/);
    await client.close();
  });

  it('the server refuses malformed requests with the reason and stays up', async () => {
    const net = new FakeUnixNet();
    const { client } = await setup({ net, forwarding: { remoteUnix: true } });
    const str = (t: string) => { const b = enc.encode(t); return [0, 0, 0, b.length, ...b]; };
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array([0, 0, 0, 9, 1]), /malformed streamlocal-forward@openssh\.com/],
      [new Uint8Array([...str('/tmp/a.sock'), 0, 0, 0, 0]), /malformed/],
      [new Uint8Array(str('')), /empty or contains a NUL/],
      [new Uint8Array(str('/tmp/a\0.sock')), /empty or contains a NUL/],
    ];
    for (const [data, re] of cases) {
      const r = await client.request('streamlocal-forward@openssh.com', data);
      expect(r.success).toBe(false);
      expect(r.debug).toMatch(re);
    }
    expect(net.files.size).toBe(0);
    const ok = await client.request('streamlocal-forward@openssh.com', new Uint8Array(str('/tmp/fine.sock')));
    expect(ok).toMatchObject({ success: true });
    expect(ok.debug).toBeUndefined();
    await client.close();
  });
});

describe('forwardLocal with unix sockets', () => {
  it('PORT-less: listens on a local unix socket and reaches a unix socket on the server (direct-streamlocal)', async () => {
    const serverNet = new FakeUnixNet();
    serverNet.services.set('/srv/db.sock', upperEcho);
    const clientNet = new FakeUnixNet();
    const { client } = await setup({ net: serverNet, forwarding: { unix: ({ path }) => path === '/srv/db.sock' } }, clientNet);
    const fwd = await client.forwardLocal({ bindPath: '/home/me/db.sock', socketPath: '/srv/db.sock' });
    expect(fwd.bindPath).toBe('/home/me/db.sock');
    expect(clientNet.files.has('/home/me/db.sock')).toBe(true);
    expect(await roundTrip(clientNet.dial('/home/me/db.sock'), 'select 1')).toBe('SELECT 1');
    expect(serverNet.connected).toEqual(['/srv/db.sock']);
    fwd.close();
    expect(clientNet.files.has('/home/me/db.sock')).toBe(false);
    await client.close();
  });

  it('refuses an existing local socket path unless unlinkExisting, and mixed or missing targets', async () => {
    const clientNet = new FakeUnixNet();
    clientNet.files.add('/home/me/old.sock');
    const { client } = await setup({ net: new FakeUnixNet() }, clientNet);
    await expect(client.forwardLocal({ bindPath: '/home/me/old.sock', socketPath: '/x' })).rejects.toThrow(/cannot listen on unix socket \/home\/me\/old\.sock for forwarding to \/x: .*already exists/);
    const fwd = await client.forwardLocal({ bindPath: '/home/me/old.sock', socketPath: '/x', unlinkExisting: true });
    fwd.close();
    await expect(client.forwardLocal({ bindPath: '/a', bindPort: 1, host: 'h', port: 1 })).rejects.toThrow(/not both/);
    await expect(client.forwardLocal({ bindPort: 0, socketPath: '/x', host: 'h', port: 1 })).rejects.toThrow(/not both/);
    await expect(client.forwardLocal({ bindPath: '', socketPath: '/x' })).rejects.toThrow(/bindPath/);
    await expect(client.forwardLocal({ bindPath: '/a' })).rejects.toThrow();
    await client.close();
  });

  it('a refused direct-streamlocal target closes the local connection (the server says why)', async () => {
    const serverNet = new FakeUnixNet();
    serverNet.services.set('/srv/secret.sock', upperEcho);
    const clientNet = new FakeUnixNet();
    const { client } = await setup({ net: serverNet }, clientNet);
    const fwd = await client.forwardLocal({ bindPath: '/home/me/s.sock', socketPath: '/srv/secret.sock' });
    const reasons: string[] = [];
    const [x, y] = byteStreamPair();
    client.pipeUnix(y, '/srv/secret.sock', (ok, reason) => reasons.push(`${ok} ${reason}`));
    expect(await roundTrip(x, 'let me in')).toBe('');
    expect(reasons).toEqual(['false forwarding to unix socket /srv/secret.sock is not permitted']);
    expect(serverNet.connected).toEqual([]);
    fwd.close();
    await client.close();
  });
});
