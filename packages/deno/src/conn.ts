// A Deno.Conn (TCP) as the core ByteStream (packages/core/src/stream.ts). Reads run in one loop
// into one reused buffer (a chunk is valid only during the data call, as the interface allows);
// writes queue whole batches and one writer loop sends them with conn.write until done, so a
// burst of SSH packets leaves as one write; `written` fires once a batch is no longer referenced. Backpressure: write() returns false past highWaterMark queued bytes and
// drain fires once the queue is empty; pause() parks the read loop.
import type { ByteStream, ByteStreamHandlers } from '@seashell/core';
import { TimeoutError } from '@seashell/core';

export interface ConnStreamOptions {
  /** Queued output bytes before write() returns false (default 1 MiB). */
  highWaterMark?: number;
  /** Read buffer size (default 64 KiB). */
  readSize?: number;
}

/** Wraps a connected Deno.Conn. Nagle is turned off: the engine already batches. */
export function connStream(conn: Deno.Conn, options: ConnStreamOptions = {}): ByteStream {
  const hwm = options.highWaterMark ?? 1 << 20;
  const readSize = options.readSize ?? 64 * 1024;
  try {
    (conn as Deno.TcpConn).setNoDelay?.(true);
  } catch {
    /* not TCP */
  }
  let h: ByteStreamHandlers | undefined;
  let closed = false;
  let ended = false; // our end() was called
  let resumeRead: (() => void) | undefined;
  let paused = false;
  const queue: { data: Uint8Array; written?: () => void }[] = [];
  let queued = 0;
  let writing = false;
  let wantDrain = false;

  const finish = (e?: Error) => {
    if (closed) return;
    closed = true;
    try {
      conn.close();
    } catch {
      /* already closed */
    }
    resumeRead?.();
    h?.close(e);
  };

  const readLoop = async () => {
    const buf = new Uint8Array(readSize);
    try {
      for (;;) {
        if (paused) await new Promise<void>((r) => (resumeRead = r));
        resumeRead = undefined;
        if (closed) return;
        const n = await conn.read(buf);
        if (closed) return;
        if (n === null) {
          h!.end();
          return;
        }
        h!.data(buf.subarray(0, n));
      }
    } catch (e) {
      finish(closed ? undefined : (e as Error));
    }
  };

  const writeLoop = async () => {
    writing = true;
    try {
      while (queue.length && !closed) {
        const { data: chunk, written } = queue.shift()!;
        for (let o = 0; o < chunk.length; ) o += await conn.write(chunk.subarray(o));
        queued -= chunk.length;
        written?.();
      }
    } catch (e) {
      writing = false;
      finish(e as Error);
      return;
    }
    writing = false;
    if (closed) return;
    if (ended) {
      try {
        await conn.closeWrite();
      } catch {
        /* peer gone */
      }
      return;
    }
    if (wantDrain) {
      wantDrain = false;
      h!.drain();
    }
  };

  return {
    start(handlers) {
      if (h) throw new Error('connStream: start() called twice');
      h = handlers;
      void readLoop();
    },
    write(chunks, written) {
      if (closed || ended) return false;
      let n = 0;
      for (const c of chunks) n += c.length;
      if (n > 0) {
        if (chunks.length === 1) queue.push({ data: chunks[0], written });
        else {
          // Joined into one write: the engine's buffers are free again at once.
          const data = new Uint8Array(n);
          let o = 0;
          for (const c of chunks) {
            data.set(c, o);
            o += c.length;
          }
          queue.push({ data });
          written?.();
        }
        queued += n;
        if (!writing) void writeLoop();
      } else written?.();
      if (queued < hwm) return true;
      wantDrain = true;
      return false;
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      resumeRead?.();
    },
    end() {
      if (closed || ended) return;
      ended = true;
      if (!writing) void writeLoop();
    },
    destroy(error) {
      finish(error);
    },
  };
}

/** Opens a TCP connection with Deno.connect; rejects with TimeoutError after timeoutMs (default 20 s). */
export function connectTcp(host: string, port: number, timeoutMs = 20_000, options: ConnStreamOptions = {}): Promise<ByteStream> {
  if (!host) throw new TypeError('connectTcp: host is empty');
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`connectTcp: port must be 1..65535, got ${port}`);
  return new Promise((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(new TimeoutError(`connecting to ${host}:${port} took longer than ${timeoutMs} ms`));
    }, timeoutMs);
    Deno.connect({ hostname: host, port, transport: 'tcp' }).then(
      (conn) => {
        clearTimeout(timer);
        if (late) conn.close();
        else resolve(connStream(conn, options));
      },
      (e) => {
        clearTimeout(timer);
        if (!late) reject(e);
      },
    );
  });
}
