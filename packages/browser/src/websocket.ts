// A WebSocket as the core ByteStream (packages/core/src/stream.ts), for browsers and any runtime
// with the WHATWG WebSocket: SSH bytes travel as binary messages through a relay (`seashell
// relay`, or websockify) that bridges each WebSocket to one TCP connection. The relay sees only
// ciphertext; the SSH handshake happens here.
//
// WebSocket has no half-close, no pause and no drain event, so: end() is a normal close after
// the queued bytes; pause() holds arriving messages in a queue (the SSH window bounds it); write
// backpressure polls bufferedAmount until it falls under the low-water mark.
import type { ByteStream, ByteStreamHandlers } from '@seashell/core';
import { TimeoutError } from '@seashell/core';

/** The part of the WHATWG WebSocket this stream uses (the browser's, Deno's, Node 22's, or `ws`). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  readonly protocol?: string;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (ev: any) => void): void;
}

/** A constructor like the global WebSocket. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export interface WebSocketStreamOptions {
  /** Bytes buffered in the socket before write() returns false (default 1 MiB). */
  highWaterMark?: number;
  /** A batch is sent as messages of at most this many bytes (default 256 KiB: relays cap message size). */
  maxMessage?: number;
  /** How often bufferedAmount is checked while writes are blocked, ms (default 10). */
  drainPollMs?: number;
}

const OPEN = 1;
const CLOSED = 3;

/** An error for a WebSocket close the application did not ask for, with the relay's reason. */
export class WebSocketClosedError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`WebSocket closed (code ${code})${reason ? `: ${reason}` : ''}`);
    this.name = 'WebSocketClosedError';
  }
}

/** Wraps an open WebSocket (binaryType is set to 'arraybuffer'). */
export function webSocketStream(ws: WebSocketLike, options: WebSocketStreamOptions = {}): ByteStream {
  const hwm = options.highWaterMark ?? 1 << 20;
  const maxMessage = options.maxMessage ?? 256 * 1024;
  const pollMs = options.drainPollMs ?? 10;
  if (!(hwm > 0) || !(maxMessage > 0)) throw new RangeError('webSocketStream: highWaterMark and maxMessage must be positive');
  ws.binaryType = 'arraybuffer';
  let h: ByteStreamHandlers | undefined;
  let paused = false;
  const held: Uint8Array[] = [];
  let closed = false;
  let closing = false; // we asked for the close
  let error: Error | undefined;
  let drainTimer: ReturnType<typeof setTimeout> | undefined;
  const early: Array<() => void> = [];

  const finish = (e?: Error) => {
    if (closed) return;
    closed = true;
    if (drainTimer !== undefined) clearTimeout(drainTimer);
    h!.close(e);
  };
  const deliver = (chunk: Uint8Array) => {
    // Held chunks must outlive the call: they are ours (each message is a fresh ArrayBuffer).
    if (paused || held.length) held.push(chunk);
    else h!.data(chunk);
  };
  const onMessage = (ev: { data: unknown }) => {
    const d = ev.data;
    let chunk: Uint8Array;
    if (d instanceof ArrayBuffer) chunk = new Uint8Array(d);
    else if (ArrayBuffer.isView(d)) chunk = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    else {
      // A text frame is not SSH: a relay that sends one is broken or not a byte relay.
      error ??= new Error('the WebSocket peer sent a text message; SSH needs a binary relay');
      ws.close(1003, 'binary messages only');
      return;
    }
    if (!h) early.push(() => deliver(chunk));
    else deliver(chunk);
  };
  const onClose = (ev: { code: number; reason: string }) => {
    const e = error ?? (closing || ev.code === 1000 ? undefined : new WebSocketClosedError(ev.code, ev.reason));
    if (!h) early.push(() => finish(e));
    else finish(e);
  };
  ws.addEventListener('message', onMessage);
  ws.addEventListener('close', onClose);
  ws.addEventListener('error', () => {
    error ??= new Error('WebSocket error');
  });

  const pollDrain = () => {
    drainTimer = undefined;
    if (closed) return;
    if (ws.bufferedAmount <= hwm / 2) h?.drain();
    else drainTimer = setTimeout(pollDrain, pollMs);
  };

  return {
    start(handlers) {
      if (h) throw new Error('webSocketStream: start() called twice');
      h = handlers;
      for (const f of early.splice(0)) f();
      // Closing already: its close event (with the relay's reason) is still to come. Only a
      // socket closed before it was wrapped never sends one.
      if (!closed && ws.readyState === CLOSED) setTimeout(() => finish(error ?? new Error('WebSocket already closed')), 100);
    },
    write(chunks, written) {
      if (closed || closing || ws.readyState !== OPEN) return false;
      let n = 0;
      for (const c of chunks) n += c.length;
      if (n === 0) {
        written?.();
        return ws.bufferedAmount < hwm;
      }
      // One message per batch (split at maxMessage): fewer frames, one copy.
      const all = new Uint8Array(n);
      let o = 0;
      for (const c of chunks) {
        all.set(c, o);
        o += c.length;
      }
      // The chunks are copied: the engine may reuse its buffers now.
      written?.();
      for (let i = 0; i < n; i += maxMessage) ws.send(all.subarray(i, Math.min(n, i + maxMessage)));
      if (ws.bufferedAmount < hwm) return true;
      if (drainTimer === undefined) drainTimer = setTimeout(pollDrain, pollMs);
      return false;
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      while (!paused && !closed && held.length) h!.data(held.shift()!);
    },
    end() {
      // No half-close in WebSocket: a normal close, sent after everything queued.
      if (closed || closing) return;
      closing = true;
      ws.close(1000, 'done');
    },
    destroy(e) {
      if (e) error ??= e;
      if (!closing) {
        closing = true;
        try {
          ws.close(1000, e ? 'error' : 'closed');
        } catch {
          /* already closing */
        }
      }
      // Do not wait for the close handshake: the stream is gone now.
      if (h) queueMicrotask(() => finish(error));
    },
  };
}

export interface OpenWebSocketOptions extends WebSocketStreamOptions {
  /** Subprotocols to offer (default ['binary'], which websockify and `seashell relay` both accept). */
  protocols?: string[];
  /** Milliseconds to wait for the WebSocket to open (default 20 000). */
  timeoutMs?: number;
  /** A WebSocket constructor (default: globalThis.WebSocket). */
  WebSocket?: WebSocketConstructor;
}

/** Opens a WebSocket to a relay and resolves with a ByteStream once it is open. */
export function openWebSocket(url: string | URL, options: OpenWebSocketOptions = {}): Promise<ByteStream> {
  const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!Ctor) return Promise.reject(new TypeError('openWebSocket: no WebSocket constructor in this runtime; pass options.WebSocket'));
  const u = new URL(String(url));
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') return Promise.reject(new TypeError(`openWebSocket: expected a ws: or wss: URL, got ${u.protocol}`));
  const timeoutMs = options.timeoutMs ?? 20_000;
  return new Promise((resolve, reject) => {
    const ws = new Ctor(u.href, options.protocols ?? ['binary']);
    ws.binaryType = 'arraybuffer';
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      ws.close();
      reject(new TimeoutError(`opening ${u.href} took longer than ${timeoutMs} ms`));
    }, timeoutMs);
    ws.addEventListener('open', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(webSocketStream(ws, options));
    });
    ws.addEventListener('close', (ev: { code: number; reason: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new WebSocketClosedError(ev.code, ev.reason || `could not open ${u.href}`));
    });
  });
}
