// The adapter loop of DESIGN.md "The sans-I/O engine", written once for every runtime: bytes
// from a ByteStream go into the engine, everything the engine wants to send leaves as one batch,
// events go to the promise API, and one timer follows pollTimeout(). The runtime supplies only
// the ByteStream (and, if it wants, its own timer functions).
import type { Connection } from './engine.ts';
import type { ConnectionEvent } from './events.ts';
import type { ByteStream } from './stream.ts';
import { DisconnectReason } from './wire/index.ts';

/** After our side is done, how long the peer gets to close its side before the stream is torn down. */
const LINGER_MS = 3_000;

/** Timer functions (default: the global setTimeout / clearTimeout every runtime has). */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const globalTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * Runs one Connection over one ByteStream. `onEvent` sees every engine event in order; it may
 * call into the connection (accept a host key, write to a channel): pump() runs again after it.
 * `onClosed` fires once, after the `disconnected` event and the stream are both done.
 */
export class Driver {
  private pumping = false;
  private again = false;
  private scheduled = false;
  private timer: unknown = undefined;
  private timerAt: number | undefined = undefined;
  private streamClosed = false;
  private finished = false;
  /** The stream's buffer is full: channel writers should wait for onDrain. */
  writeBlocked = false;
  /** Called when the stream drains after writeBlocked was set. */
  onDrain: (() => void) | undefined;
  /** The error the stream closed with, if it closed before the engine did. */
  streamError: Error | undefined;

  constructor(
    readonly conn: Connection,
    readonly stream: ByteStream,
    private readonly onEvent: (ev: ConnectionEvent) => void,
    private readonly now: () => number,
    private readonly timers: Timers = globalTimers,
  ) {}

  /** Starts reading from the stream and sends what the engine queued at construction. */
  start(): void {
    this.stream.start({
      data: (chunk) => {
        this.conn.receive(chunk);
        this.pump();
      },
      drain: () => {
        this.writeBlocked = false;
        this.pump();
        this.onDrain?.();
      },
      end: () => this.lost(undefined),
      close: (error) => {
        this.streamClosed = true;
        this.lost(error);
      },
    });
    this.pump();
  }

  /** Asks for a pump soon (from application calls outside an event handler). */
  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /** Moves bytes and events until the engine has nothing more to say. Re-entrant calls fold into the running one. */
  pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        this.flushOutput();
        for (let ev; (ev = this.conn.pollEvent()); ) {
          this.onEvent(ev);
          if (ev.type === 'disconnected') this.afterDisconnect();
        }
        this.flushOutput();
      } while (this.again);
      this.armTimer();
    } finally {
      this.pumping = false;
    }
  }

  private flushOutput(): void {
    const chunks: Uint8Array[] = [];
    for (let out; (out = this.conn.pollTransmit()); ) chunks.push(out);
    if (chunks.length === 0 || this.streamClosed) return;
    // A full stream does not stop reading: if both ends stopped reading while their writes were
    // blocked, neither would ever drain (OpenSSH too keeps reading the network while output
    // waits). Instead `writeBlocked` tells the promise API to report backpressure to the
    // application's channel writes until the stream drains.
    const conn = this.conn;
    if (!this.stream.write(chunks, () => {
      for (const c of chunks) conn.releaseTransmit(c);
    })) this.writeBlocked = true;
  }

  private armTimer(): void {
    const at = this.finished ? undefined : this.conn.pollTimeout();
    if (at === this.timerAt) return;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (at === undefined) return;
    const delay = Math.max(0, Math.min(at - this.now(), 2 ** 31 - 1));
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = undefined;
      this.conn.handleTimeout(this.now());
      this.pump();
    }, delay);
  }

  /** The stream ended or closed: the engine learns the connection is gone. */
  private lost(error: Error | undefined): void {
    if (error) this.streamError ??= error;
    if (!this.conn.closed) {
      this.conn.disconnect(error ? `connection lost: ${error.message}` : 'connection closed by peer', DisconnectReason.CONNECTION_LOST);
    }
    this.pump();
    if (!this.streamClosed) this.stream.destroy();
  }

  private afterDisconnect(): void {
    if (this.finished) return;
    this.finished = true;
    // Send the DISCONNECT (if any), then half-close; the peer closes its side.
    this.flushOutput();
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.streamClosed) return;
    this.stream.end();
    // A peer that never closes its side must not hold the stream open.
    this.timers.setTimeout(() => {
      if (!this.streamClosed) this.stream.destroy();
    }, LINGER_MS);
  }

  /** Tears the stream down now (after a DISCONNECT has been queued and flushed, if possible). */
  destroy(error?: Error): void {
    if (!this.conn.closed) this.conn.disconnect(error?.message ?? 'closed by application');
    this.pump();
    if (!this.streamClosed) this.stream.destroy(error);
  }
}
