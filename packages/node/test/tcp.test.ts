// The net.Socket ByteStream: batches arrive intact and in order, write backpressure reports
// false then drain, pause() stops data, end and close are delivered once.
import { createServer, type Server, type Socket } from 'node:net';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { CLIENT_READ_BUFFER, READ_BUFFER, connectTcp, readerOptions, socketStream } from '../src/tcp.ts';
import type { ByteStream } from '@seashell/core';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

function listen(onSocket: (s: Socket) => void): Promise<number> {
  server = createServer(onSocket);
  return new Promise((resolve) => server!.listen(0, '127.0.0.1', () => resolve((server!.address() as { port: number }).port)));
}

describe('socketStream', () => {
  it('carries 8 MiB of batched writes both ways intact, honouring backpressure', async () => {
    const port = await listen((s) => {
      // echo server built on socketStream too, pausing its reads while its writes are blocked
      const st = socketStream(s);
      st.start({
        data: (c) => { if (!st.write([c.slice()])) st.pause(); },
        drain: () => st.resume(),
        end: () => st.end(),
        close: () => {},
      });
    });
    const client = await connectTcp('127.0.0.1', port);
    const total = 8 << 20;
    const src = new Uint8Array(total);
    for (let i = 0; i < total; i++) src[i] = (i * 7 + (i >> 11)) & 0xff;
    const got = createHash('sha256');
    let received = 0;
    let sawBackpressure = false;
    const done = new Promise<void>((resolve, reject) => {
      let off = 0;
      const pump = () => {
        while (off < total) {
          const batch = [src.subarray(off, off + 1000), src.subarray(off + 1000, off + 1500), src.subarray(off + 1500, off + 65536)];
          off += 65536;
          if (!client.write(batch)) { sawBackpressure = true; return; }
        }
        client.end();
      };
      client.start({
        data: (c) => { got.update(c); received += c.length; },
        drain: pump,
        end: () => resolve(),
        close: (e) => (e ? reject(e) : undefined),
      });
      pump();
    });
    await done;
    expect(received).toBe(total);
    expect(got.digest('hex')).toBe(createHash('sha256').update(src).digest('hex'));
    expect(sawBackpressure).toBe(true);
    client.destroy();
  });

  it('delivers close exactly once with the error when the peer resets', async () => {
    const port = await listen((s) => s.once('data', () => s.resetAndDestroy()));
    const client = await connectTcp('127.0.0.1', port);
    const closes: (Error | undefined)[] = [];
    await new Promise<void>((resolve) => {
      client.start({ data: () => {}, drain: () => {}, end: () => {}, close: (e) => { closes.push(e); resolve(); } });
      client.write([new Uint8Array([1])]);
    });
    expect(closes[0]?.message).toMatch(/ECONNRESET/);
    client.destroy();
    await new Promise((r) => setTimeout(r, 20));
    expect(closes.length).toBe(1);
  });

  it('holds data that arrived before start() and stops data while paused', async () => {
    let serverSide: Socket | undefined;
    const port = await listen((s) => { serverSide = s; s.write('hello'); });
    const client: ByteStream = await connectTcp('127.0.0.1', port);
    await new Promise((r) => setTimeout(r, 50));
    const chunks: string[] = [];
    client.start({ data: (c) => { chunks.push(Buffer.from(c).toString()); client.pause(); }, drain: () => {}, end: () => {}, close: () => {} });
    await new Promise((r) => setTimeout(r, 50));
    expect(chunks.join('')).toBe('hello');
    serverSide!.write('world');
    await new Promise((r) => setTimeout(r, 50));
    expect(chunks.join('')).toBe('hello');
    client.resume();
    await new Promise((r) => setTimeout(r, 50));
    expect(chunks.join('')).toBe('helloworld');
    client.destroy();
  });

  it('readerOptions: one reused buffer of the size asked (256 KiB by default), sizes checked', () => {
    const plain = readerOptions().onread;
    expect(plain.buffer().length).toBe(READ_BUFFER);
    plain.callback(READ_BUFFER, plain.buffer()); // a full read does not grow a buffer without growTo
    expect(plain.buffer()).toBe(plain.buffer());
    expect(plain.buffer().length).toBe(READ_BUFFER);
    const { reader, onread } = readerOptions(4096);
    // before start(), a chunk is copied out of the reused buffer (it is overwritten by the next read)
    onread.buffer().fill(7);
    onread.callback(10, onread.buffer());
    onread.buffer().fill(9);
    expect([...reader.early[0]]).toEqual(new Array(10).fill(7));
    for (const bad of [0, 100, 1.5, 128 * 1024 * 1024]) expect(() => readerOptions(bad)).toThrow(/size must be/);
    expect(() => readerOptions(4096, 100)).toThrow(/growTo must be/);
    expect(() => readerOptions(8192, 4096)).toThrow(/smaller than size/);
  });

  it('readerOptions with growTo: reads that do not fill the buffer keep it; the first full read moves to growTo for good', () => {
    const { reader, onread } = readerOptions(4096, CLIENT_READ_BUFFER);
    const small = onread.buffer();
    expect(small.length).toBe(4096);
    onread.callback(4095, small);
    expect(onread.buffer()).toBe(small);
    small.fill(3);
    onread.callback(4096, small); // full: the next read gets the big buffer
    const big = onread.buffer();
    expect(big.length).toBe(CLIENT_READ_BUFFER);
    expect(reader.early.map((c) => c.length)).toEqual([4095, 4096]);
    expect(reader.early[1].every((b) => b === 3)).toBe(true);
    onread.callback(10, big);
    expect(onread.buffer()).toBe(big);
  });

  it('connectTcp: a bulk download moves the socket to the 1 MiB read buffer (reads larger than 256 KiB appear)', async () => {
    const payload = Buffer.alloc(16 << 20, 1);
    const port = await listen((s) => s.end(payload));
    const stream = await connectTcp('127.0.0.1', port);
    const sizes: number[] = [];
    await new Promise<void>((resolve) => {
      stream.start({
        data: (d) => {
          sizes.push(d.length);
          // a consumer slower than loopback (as the engine is): data piles up between reads
          const t = performance.now();
          while (performance.now() - t < 1) {
            /* busy for 1 ms */
          }
        },
        drain: () => {},
        end: () => resolve(),
        close: () => resolve(),
      });
    });
    stream.destroy();
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(payload.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(CLIENT_READ_BUFFER);
    expect(sizes.some((n) => n > READ_BUFFER)).toBe(true);
  });

  it('rejects bad ports and unreachable hosts', async () => {
    expect(() => connectTcp('127.0.0.1', 0)).toThrow(RangeError);
    const port = await listen(() => {});
    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
    await expect(connectTcp('127.0.0.1', port)).rejects.toThrow(/ECONNREFUSED/);
  });
});
