// The minimal byte stream the promise API (client.ts, server.ts) runs on. Each runtime adapter
// supplies one (Node: net.Socket; Deno: Deno.Conn; browsers: a WebSocket) and the engine never
// sees anything else. Plain Uint8Array and callbacks, no stream machinery per chunk: the hot path
// moves hundreds of MiB/s through here (DESIGN.md "The sans-I/O engine").

/** Callbacks a ByteStream calls; installed once with start(). */
export interface ByteStreamHandlers {
  /**
   * Bytes arrived. The chunk is valid only during the call (an adapter may read into one reused
   * buffer); copy what must outlive it. The engine never keeps it.
   */
  data(chunk: Uint8Array): void;
  /** Writing may continue after write() returned false. */
  drain(): void;
  /** The peer finished sending (TCP FIN). */
  end(): void;
  /** The stream is gone, with the error that ended it if any. Called exactly once. */
  close(error?: Error): void;
}

/** A bidirectional byte stream with backpressure both ways. */
export interface ByteStream {
  /**
   * True when every chunk passed to data() is a fresh buffer the adapter never touches again, so
   * the receiver may keep it without copying (Node: a socket's 'data' Buffers). Absent or false:
   * chunks are valid only during the call.
   */
  readonly chunksKept?: boolean;
  /** Installs the handlers; no callback fires before this. */
  start(handlers: ByteStreamHandlers): void;
  /**
   * Writes a batch of chunks as one unit (cork/writev or one concatenated write): per-packet
   * writes cost more than the crypto. The chunks become the stream's. Returns false when the
   * stream's buffer is full; drain follows once it empties. (The Driver keeps reading anyway and
   * passes the backpressure on to channel writers, so two blocked ends cannot deadlock.)
   * `written`, if the stream supports it, is called once every chunk has been handed to the
   * system and is no longer referenced (the engine then reuses the buffers); never call it otherwise.
   */
  write(chunks: readonly Uint8Array[], written?: () => void): boolean;
  /** Stops data callbacks until resume() (the reader is behind). */
  pause(): void;
  resume(): void;
  /** Half-closes after everything written so far has gone out. */
  end(): void;
  /** Closes at once; close() fires with the error if given. Safe to call twice. */
  destroy(error?: Error): void;
}

/** Concatenates chunks into one array (one copy); a single chunk is returned as is. */
export function joinChunks(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/**
 * Two connected in-memory streams, for tests and for running client and server in one process.
 * Delivery is asynchronous (a microtask per batch) so neither side re-enters the other; `split`
 * optionally cuts every batch into pieces to exercise the engine's reassembly. `highWaterMark`
 * bytes in flight make write() return false until the other side has consumed them.
 */
export function byteStreamPair(opts: { highWaterMark?: number; split?: (n: number) => number[] } = {}): [ByteStream, ByteStream] {
  const hwm = opts.highWaterMark ?? 1 << 20;
  class End implements ByteStream {
    peer!: End;
    h?: ByteStreamHandlers;
    inbox: Uint8Array[] = [];
    paused = false;
    closed = false;
    ended = false; // our side sent end
    peerEnded = false; // peer sent end, delivered once inbox drains
    pendingBytes = 0; // bytes we wrote that the peer has not consumed
    wantDrain = false;
    scheduled = false;

    start(h: ByteStreamHandlers): void {
      this.h = h;
      this.schedule();
    }
    write(chunks: readonly Uint8Array[]): boolean {
      if (this.closed || this.ended) return false;
      const data = joinChunks(chunks);
      if (data.length === 0) return this.pendingBytes < hwm;
      const pieces = opts.split ? cut(data, opts.split(data.length)) : [data];
      for (const p of pieces) this.peer.inbox.push(p);
      this.pendingBytes += data.length;
      this.peer.schedule();
      if (this.pendingBytes >= hwm) {
        this.wantDrain = true;
        return false;
      }
      return true;
    }
    pause(): void {
      this.paused = true;
    }
    resume(): void {
      this.paused = false;
      this.schedule();
    }
    end(): void {
      if (this.ended || this.closed) return;
      this.ended = true;
      this.peer.peerEnded = true;
      this.peer.schedule();
    }
    destroy(error?: Error): void {
      if (this.closed) return;
      this.closed = true;
      this.inbox = [];
      queueMicrotask(() => this.h?.close(error));
      if (!this.peer.closed) {
        this.peer.closed = true;
        queueMicrotask(() => this.peer.h?.close());
      }
    }
    schedule(): void {
      if (this.scheduled) return;
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        this.pump();
      });
    }
    pump(): void {
      if (!this.h || this.closed) return;
      while (!this.paused && this.inbox.length > 0 && !this.closed) {
        const c = this.inbox.shift()!;
        this.peer.pendingBytes -= c.length;
        this.h.data(c);
      }
      if (this.peer.wantDrain && this.peer.pendingBytes < hwm && !this.peer.closed) {
        this.peer.wantDrain = false;
        const p = this.peer;
        queueMicrotask(() => p.h?.drain());
      }
      if (!this.paused && this.inbox.length === 0 && this.peerEnded && !this.closed) {
        this.peerEnded = false;
        this.h.end();
      }
    }
  }
  const a = new End();
  const b = new End();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

function cut(data: Uint8Array, sizes: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let o = 0;
  for (const s of sizes) {
    if (o >= data.length) break;
    const n = Math.max(1, Math.min(s, data.length - o));
    out.push(data.subarray(o, o + n));
    o += n;
  }
  if (o < data.length) out.push(data.subarray(o));
  return out;
}
