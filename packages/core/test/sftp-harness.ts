// Test harness: an SFTP client and server connected in memory, bytes cut at random points (seeded),
// with an optional cut after N bytes to simulate a dropped connection.
import { createHash } from 'node:crypto';
import { type FileSystem, SftpClient, type SftpClientOptions, SftpServer, type SftpServerOptions } from '../src/sftp/index.ts';

/** A small seeded PRNG (mulberry32) so every split is reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytes(n: number, seed = 1): Uint8Array {
  const r = rng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 4) {
    const v = (r() * 0x100000000) >>> 0;
    out[i] = v;
    if (i + 1 < n) out[i + 1] = v >>> 8;
    if (i + 2 < n) out[i + 2] = v >>> 16;
    if (i + 3 < n) out[i + 3] = v >>> 24;
  }
  return out;
}

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

export interface Pair {
  client: SftpClient;
  server: SftpServer;
  /** Bytes carried each way so far. */
  carried: { toServer: number; toClient: number };
  /** Errors thrown by receive() on either side. */
  errors: Error[];
  /** Drops the connection now: both sides see it closed. */
  cut(): void;
  /** Resolves after pending pumping settles (a few macrotask turns). */
  settle(): Promise<void>;
}

export interface PairOptions {
  seed?: number;
  /** Largest piece bytes are cut into on the way (default 3000; 1 gives byte-at-a-time). */
  maxSplit?: number;
  client?: SftpClientOptions;
  server?: SftpServerOptions;
  /** Cut the connection once this many bytes have gone client -> server. */
  cutAfterToServer?: number;
  /** Cut the connection once this many bytes have gone server -> client. */
  cutAfterToClient?: number;
  /** Sees every packet the server sends (for ordering checks). */
  tapServer?: (bytes: Uint8Array) => void;
}

export function connect(fs: FileSystem, o: PairOptions = {}): Pair {
  const r = rng(o.seed ?? 42);
  const maxSplit = o.maxSplit ?? 3000;
  let scheduled = false;
  let dead = false;
  const errors: Error[] = [];
  const carried = { toServer: 0, toClient: 0 };
  const schedule = () => {
    if (scheduled || dead) return;
    scheduled = true;
    queueMicrotask(pump);
  };
  const server: SftpServer = new SftpServer(fs, { ...o.server, onTransmit: schedule });
  const client: SftpClient = new SftpClient({ ...o.client, onTransmit: schedule });

  const deliver = (bytes: Uint8Array, to: 'server' | 'client'): boolean => {
    let p = 0;
    while (p < bytes.length) {
      let n = 1 + Math.floor(r() * maxSplit);
      n = Math.min(n, bytes.length - p);
      const limit = to === 'server' ? o.cutAfterToServer : o.cutAfterToClient;
      const sofar = to === 'server' ? carried.toServer : carried.toClient;
      if (limit !== undefined && sofar + n > limit) {
        n = limit - sofar;
        if (n > 0) feed(bytes.subarray(p, p + n), to);
        cut();
        return false;
      }
      feed(bytes.subarray(p, p + n), to);
      p += n;
      if (dead) return false;
    }
    return true;
  };
  const feed = (piece: Uint8Array, to: 'server' | 'client') => {
    // hand over a copy in a fresh buffer and scribble on it afterwards: nothing may keep a view
    const copy = piece.slice();
    try {
      if (to === 'server') {
        carried.toServer += copy.length;
        server.receive(copy);
      } else {
        carried.toClient += copy.length;
        client.receive(copy);
      }
    } catch (e) {
      errors.push(e as Error);
      cut();
    }
    copy.fill(0xee);
  };
  const pump = () => {
    scheduled = false;
    for (let guard = 0; guard < 100000 && !dead; guard++) {
      const c = client.pollTransmit();
      if (c) {
        deliver(c, 'server');
        continue;
      }
      const s = server.pollTransmit();
      if (s) {
        o.tapServer?.(s);
        deliver(s, 'client');
        continue;
      }
      return;
    }
  };
  const cut = () => {
    if (dead) return;
    dead = true;
    client.destroy(new Error('connection cut'));
    void server.close();
  };
  schedule();
  return {
    client,
    server,
    carried,
    errors,
    cut,
    settle: async () => {
      for (let i = 0; i < 5; i++) await new Promise((res) => setTimeout(res, 0));
    },
  };
}

/** Wraps a FileSystem so every call (and every file/dir method) finishes after a random delay: replies then leave out of order. */
export function delayed(fs: FileSystem, seed = 7, maxMs = 2): FileSystem {
  const r = rng(seed);
  const wait = () => new Promise<void>((res) => setTimeout(res, Math.floor(r() * (maxMs + 1))));
  const wrapObj = <T extends object>(obj: T): T =>
    new Proxy(obj, {
      get(target, prop, recv) {
        const v = Reflect.get(target, prop, recv);
        if (typeof v !== 'function') return v;
        return async (...args: unknown[]) => {
          await wait();
          const out = await (v as (...a: unknown[]) => unknown).apply(target, args);
          if ((prop === 'open' || prop === 'opendir') && out && typeof out === 'object') return wrapObj(out as object);
          return out;
        };
      },
    });
  return wrapObj(fs);
}
