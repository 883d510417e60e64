// Web Streams over SFTP files (createReadStream / createWriteStream, pipelined underneath), and the
// small sink/source adapters get/put use in memory and with Web Streams: MemorySink, memorySource,
// readableSource (ReadableStream -> PutSource), writableSink (WritableStream -> GetSink) and
// MemoryTree (a LocalTree for recursive transfers in a browser or a test).
import type { Attrs } from './attrs.ts';
import { isRegularFile } from './attrs.ts';
import type { OpenMode, SftpClient, SftpHandle } from './client.ts';
import { SFTP_LIMITS } from './constants.ts';
import { WritePipeline, abortReason, chooseChunkSize, readPipelined } from './pipeline.ts';
import type { GetSink, LocalEntry, LocalTree, PutSource } from './transfer.ts';
import { PUT_WINDOW } from './transfer.ts';

export interface ReadStreamOptions {
  /** First byte (default 0). */
  start?: number;
  /** Stop before this byte (default: end of file). */
  end?: number;
  concurrency?: number;
  chunkSize?: number;
  signal?: AbortSignal;
}

/** A remote file as a ReadableStream of its bytes, read with many requests in flight, in order. */
export function createReadStream(client: SftpClient, path: string, options: ReadStreamOptions = {}): ReadableStream<Uint8Array> {
  if (typeof path !== 'string') throw new TypeError('SFTP createReadStream: path must be a string');
  const start = options.start ?? 0;
  if (!Number.isSafeInteger(start) || start < 0) throw new RangeError(`SFTP createReadStream: start must be a non-negative integer, got ${options.start}`);
  if (options.end !== undefined && (!Number.isSafeInteger(options.end) || options.end < start)) throw new RangeError(`SFTP createReadStream: end must be an integer >= start, got ${options.end}`);
  const concurrency = options.concurrency ?? SFTP_LIMITS.DEFAULT_CONCURRENCY;
  const stop = new AbortController();
  const onOuterAbort = () => stop.abort(options.signal!.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let pulled: (() => void) | undefined;
  let handle: SftpHandle | undefined;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        // Runs in the background; each piece waits for the consumer when the queue is full.
        void (async () => {
          try {
            if (stop.signal.aborted) throw abortReason(stop.signal);
            handle = await client.open(path, 'r');
            const attrs = await client.fstat(handle);
            const chunkSize = await chooseChunkSize(client, 'read', options.chunkSize);
            await readPipelined(client, handle, { start, end: options.end, sizeHint: isRegularFile(attrs) ? attrs.size : undefined, chunkSize, concurrency, signal: stop.signal }, async (data) => {
              controller.enqueue(data);
              while ((controller.desiredSize ?? 1) <= 0 && !stop.signal.aborted) await new Promise<void>((r) => (pulled = r));
            });
            const h = handle;
            handle = undefined;
            await client.close(h);
            if (!stop.signal.aborted) controller.close();
          } catch (e) {
            if (handle && !client.closed) await client.close(handle).catch(() => {});
            if (!stop.signal.aborted || options.signal?.aborted) controller.error(e);
          } finally {
            options.signal?.removeEventListener('abort', onOuterAbort);
          }
        })();
      },
      pull() {
        const p = pulled;
        pulled = undefined;
        p?.();
      },
      cancel(reason) {
        stop.abort(reason);
        const p = pulled;
        pulled = undefined;
        p?.();
      },
    },
    { highWaterMark: concurrency },
  );
}

export interface WriteStreamOptions {
  /** Open mode (default 'w': create or truncate). */
  flags?: OpenMode;
  /** First byte to write (default 0). */
  start?: number;
  /** Permissions of a created file (default 0o644). */
  mode?: number;
  concurrency?: number;
  chunkSize?: number;
}

/** A WritableStream that writes a remote file with many requests in flight; close() resolves once every byte is acknowledged and the handle closed. */
export function createWriteStream(client: SftpClient, path: string, options: WriteStreamOptions = {}): WritableStream<Uint8Array> {
  if (typeof path !== 'string') throw new TypeError('SFTP createWriteStream: path must be a string');
  const start = options.start ?? 0;
  if (!Number.isSafeInteger(start) || start < 0) throw new RangeError(`SFTP createWriteStream: start must be a non-negative integer, got ${options.start}`);
  const concurrency = options.concurrency ?? SFTP_LIMITS.DEFAULT_CONCURRENCY;
  let handle: SftpHandle | undefined;
  let writer: WritePipeline | undefined;
  let chunkSize = 0;
  return new WritableStream<Uint8Array>({
    async start() {
      handle = await client.open(path, options.flags ?? 'w', { permissions: options.mode ?? 0o644 });
      chunkSize = await chooseChunkSize(client, 'write', options.chunkSize);
      writer = new WritePipeline(client, handle, start, concurrency, Math.min(PUT_WINDOW, Math.max(chunkSize, concurrency * chunkSize)), undefined);
    },
    async write(chunk) {
      if (!(chunk instanceof Uint8Array)) throw new TypeError('SFTP write stream: chunks must be Uint8Arrays');
      // Each piece is copied into its WRITE packet before writer.write() resolves, so the producer
      // may reuse the chunk as soon as this returns.
      for (let o = 0; o < chunk.length; o += chunkSize) await writer!.write(chunk.subarray(o, Math.min(chunk.length, o + chunkSize)));
    },
    async close() {
      await writer!.flush();
      const h = handle!;
      handle = undefined;
      await client.close(h);
    },
    async abort() {
      if (handle && !client.closed) await client.close(handle).catch(() => {});
    },
  });
}

// ---- sinks and sources -------------------------------------------------------------------------

/** A get destination in memory: `data` is only set once the transfer committed (a cut leaves `partial`). */
export class MemorySink implements GetSink {
  private parts: Uint8Array[] = [];
  private length = 0;
  /** The whole file, once committed. */
  data: Uint8Array | undefined;
  /** What arrived before a failure (for resume). */
  partial: Uint8Array | undefined;

  constructor(partial?: Uint8Array) {
    this.partial = partial;
  }

  resumeOffset(): number {
    return this.partial?.length ?? 0;
  }

  readBack(offset: number, length: number): Uint8Array {
    return (this.partial ?? new Uint8Array(0)).subarray(offset, offset + length);
  }

  begin(offset: number): void {
    this.parts = offset > 0 && this.partial ? [this.partial.subarray(0, offset)] : [];
    this.length = offset;
    this.data = undefined;
  }

  write(chunk: Uint8Array): void {
    this.parts.push(chunk);
    this.length += chunk.length;
  }

  private joined(): Uint8Array {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }

  commit(): void {
    this.data = this.joined();
    this.partial = undefined;
    this.parts = [];
  }

  abort(): void {
    this.partial = this.joined();
    this.parts = [];
  }
}

/** A put source over bytes in memory. */
export function memorySource(bytes: Uint8Array): PutSource {
  let pos = 0;
  return {
    size: bytes.length,
    read(max) {
      if (pos >= bytes.length) return null;
      const out = bytes.subarray(pos, Math.min(bytes.length, pos + max));
      pos += out.length;
      return out;
    },
    skip(n) {
      pos = Math.min(bytes.length, pos + n);
    },
  };
}

/** A put source reading a ReadableStream (size optional, for progress and checks). */
export function readableSource(stream: ReadableStream<Uint8Array>, size?: number): PutSource {
  const reader = stream.getReader();
  let left: Uint8Array | undefined;
  return {
    size,
    async read(max) {
      if (!left || left.length === 0) {
        const r = await reader.read();
        if (r.done) return null;
        left = r.value;
      }
      const out = left.subarray(0, max);
      left = left.subarray(out.length);
      return out;
    },
    async close() {
      await reader.cancel().catch(() => {});
    },
  };
}

/** A get sink writing into a WritableStream (no resume: a stream can't be read back). */
export function writableSink(stream: WritableStream<Uint8Array>): GetSink {
  const writer = stream.getWriter();
  return {
    async write(chunk) {
      await writer.ready;
      await writer.write(chunk);
    },
    async commit() {
      await writer.close();
    },
    async abort(reason) {
      await writer.abort(reason).catch(() => {});
    },
  };
}

/** A LocalTree in memory: files by relative path, for recursive transfers in browsers and tests. */
export class MemoryTree implements LocalTree {
  readonly files = new Map<string, Uint8Array>();
  readonly directories = new Set<string>(['']);
  /** Partial files left by a failed get (relative path -> bytes so far), picked up by resume. */
  readonly partials = new Map<string, Uint8Array>();

  mkdir(rel: string): void {
    this.directories.add(rel);
  }

  sink(rel: string, _attrs: Attrs): GetSink {
    const s = new MemorySink(this.partials.get(rel));
    const commit = s.commit.bind(s);
    const abort = s.abort.bind(s);
    s.commit = () => {
      commit();
      this.files.set(rel, s.data!);
      this.partials.delete(rel);
    };
    s.abort = () => {
      abort();
      if (s.partial) this.partials.set(rel, s.partial);
    };
    return s;
  }

  list(rel: string): LocalEntry[] {
    const prefix = rel === '' ? '' : `${rel}/`;
    const out = new Map<string, LocalEntry['type']>();
    for (const d of this.directories) if (d !== rel && d.startsWith(prefix) && !d.slice(prefix.length).includes('/')) out.set(d.slice(prefix.length), 'directory');
    for (const f of this.files.keys()) if (f.startsWith(prefix) && !f.slice(prefix.length).includes('/')) out.set(f.slice(prefix.length), 'file');
    return [...out].map(([name, type]) => ({ name, type }));
  }

  source(rel: string): PutSource {
    const f = this.files.get(rel);
    if (!f) throw new Error(`MemoryTree: no file ${rel}`);
    return memorySource(f);
  }
}
