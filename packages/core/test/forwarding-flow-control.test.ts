// Tunnels in memory (client and server engines over byteStreamPair, a fake socket factory):
// a stalled reader at one end of a direct-tcpip or forwarded-tcpip tunnel holds the writer at
// the other end back, so neither side's buffers grow past the channel window and queue bounds;
// the forwarding policy refuses non-loopback targets and listeners with a reason; data and
// half-close pass through intact when nobody stalls.
import { describe, expect, it } from 'vitest';
import { byteStreamPair, type ByteStream, type ByteStreamHandlers } from '../src/stream.ts';
import { connect } from '../src/client.ts';
import { createServer, type ServerOptions } from '../src/server.ts';
import { generateKey } from '../src/keys/index.ts';
import { ChannelOpenError } from '../src/wire/index.ts';
import { CHANNEL_WINDOW, CHANNEL_SEND_HIGH_WATER } from '../src/limits.ts';
import type { NetFactory, StreamPeer } from '../src/forwarding.ts';
import { testRegistry } from './support/harness.ts';

const FAST = { kex: ['curve25519-sha256'], cipher: ['aes128-gcm@openssh.com'] };
const hostKey = generateKey({ type: 'ed25519' });
const CHUNK = 64 * 1024;
const LIMIT = 64 << 20;

/** A stream that produces CHUNK-byte pieces whenever it is not paused, up to LIMIT. */
class Source implements ByteStream {
  produced = 0;
  private h?: ByteStreamHandlers;
  private paused = false;
  private running = false;
  start(h: ByteStreamHandlers): void {
    this.h = h;
    this.run();
  }
  private run(): void {
    if (this.running) return;
    this.running = true;
    const step = () => {
      if (this.paused || !this.h || this.produced >= LIMIT) {
        this.running = false;
        return;
      }
      const c = new Uint8Array(CHUNK).fill(this.produced & 0xff);
      this.produced += CHUNK;
      this.h.data(c);
      setTimeout(step, 0);
    };
    step();
  }
  write(): boolean {
    return true;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
    this.run();
  }
  end(): void {}
  destroy(): void {}
}

/** A stream whose reader never reads: every write is buffered and answered with false. */
class StalledSink implements ByteStream {
  buffered = 0;
  start(): void {}
  write(chunks: readonly Uint8Array[]): boolean {
    for (const c of chunks) this.buffered += c.length;
    return false;
  }
  pause(): void {}
  resume(): void {}
  end(): void {}
  destroy(): void {}
}

/** Resolves once f() has not changed for quietMs (bounded by timeoutMs). */
async function settle(f: () => number, quietMs = 300, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = f();
  let since = Date.now();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    const v = f();
    if (v !== last) {
      last = v;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return v;
  }
  throw new Error(`value kept changing for ${timeoutMs} ms (last ${last})`);
}

function setup(server: Partial<ServerOptions>) {
  const srv = createServer({ hostKeys: [hostKey], registry: testRegistry, algorithms: FAST, methods: ['password'], authenticate: () => true, ...server });
  const [a, b] = byteStreamPair();
  srv.accept(b);
  return connect({ stream: a, host: 'test', username: 'u', password: 'p', hostVerifier: () => true, registry: testRegistry, algorithms: FAST });
}

// The most one direction may hold: the receiver's window, the sender's channel queue, and one
// chunk in flight at each hop.
const BOUND = CHANNEL_WINDOW + CHANNEL_SEND_HIGH_WATER + 4 * CHUNK + (1 << 20);

describe('tunnels: flow control and policy', () => {
  it('a stalled target behind direct-tcpip holds the client-side writer back (bounded memory)', async () => {
    const sink = new StalledSink();
    const net: NetFactory = { connect: async () => sink, listen: async () => ({ port: 1, close() {} }) };
    const client = await setup({ net });
    const source = new Source();
    client.pipeTcp(source, '127.0.0.1', 80);
    const produced = await settle(() => source.produced);
    expect(produced).toBeLessThan(BOUND);
    expect(sink.buffered).toBeLessThanOrEqual(CHANNEL_WINDOW);
    expect(produced).toBeLessThan(LIMIT);
    await client.close();
  });

  it('a stalled local reader of a direct-tcpip tunnel holds the server-side target back', async () => {
    const source = new Source();
    const net: NetFactory = { connect: async () => source, listen: async () => ({ port: 1, close() {} }) };
    const client = await setup({ net });
    const sink = new StalledSink();
    client.pipeTcp(sink, '127.0.0.1', 80);
    const produced = await settle(() => source.produced);
    expect(produced).toBeLessThan(BOUND);
    expect(sink.buffered).toBeLessThanOrEqual(CHANNEL_WINDOW);
    await client.close();
  });

  it('a stalled reader behind a remote forward (forwarded-tcpip) holds the server-side connection back', async () => {
    let accept: ((s: ByteStream, p: StreamPeer) => void) | undefined;
    const net: NetFactory = {
      connect: async () => {
        throw new Error('unused');
      },
      listen: async (_h, _p, on) => {
        accept = on;
        return { port: 4242, close() {} };
      },
    };
    const client = await setup({ net });
    const sink = new StalledSink();
    const fwd = await client.forwardRemote({ bindHost: '127.0.0.1', bindPort: 0 }, () => sink);
    expect(fwd.bindPort).toBe(4242);
    const source = new Source();
    accept!(source, { address: '127.0.0.1', port: 5555 });
    const produced = await settle(() => source.produced);
    expect(produced).toBeGreaterThan(0);
    expect(produced).toBeLessThan(BOUND);
    expect(sink.buffered).toBeLessThanOrEqual(CHANNEL_WINDOW);
    await client.close();
  });

  it('the default policy refuses non-loopback targets and listeners, with a reason', async () => {
    let connected = 0;
    const net: NetFactory = {
      connect: async () => {
        connected++;
        return new StalledSink();
      },
      listen: async () => ({ port: 1, close() {} }),
    };
    const client = await setup({ net });
    await expect(client.openTcp('192.0.2.1', 80)).rejects.toThrow(/not permitted \(only loopback/);
    await expect(client.openTcp('example.com', 80)).rejects.toThrow(ChannelOpenError);
    expect(connected).toBe(0);
    await expect(client.forwardRemote({ bindHost: '0.0.0.0', bindPort: 8080 }, () => new StalledSink())).rejects.toThrow(/refused to listen/);
    const ok = await client.openTcp('127.0.0.1', 80);
    expect(connected).toBe(1);
    ok.close();
    await client.close();
  });

  it('a policy function decides; without a socket factory forwarding is refused', async () => {
    const net: NetFactory = { connect: async () => new StalledSink(), listen: async () => ({ port: 1, close() {} }) };
    const client = await setup({ net, forwarding: { local: ({ host, port }) => host === 'db.internal' && port === 5432, remote: false } });
    await expect(client.openTcp('127.0.0.1', 80)).rejects.toThrow(/not permitted/);
    (await client.openTcp('db.internal', 5432)).close();
    await expect(client.forwardRemote({ bindPort: 0 }, () => new StalledSink())).rejects.toThrow(/refused/);
    await client.close();
    const bare = await setup({});
    await expect(bare.openTcp('127.0.0.1', 80)).rejects.toThrow(/not available/);
    await bare.close();
  });

  it('answers keepalive@openssh.com and unknown global requests with failure', async () => {
    const client = await setup({});
    expect(await client.request('keepalive@openssh.com')).toMatchObject({ success: false });
    expect(await client.request('no-such-request@example.com')).toMatchObject({ success: false });
    await client.close();
  });
});
