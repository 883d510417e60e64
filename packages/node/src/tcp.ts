// Node's net.Socket as the core ByteStream (packages/core/src/stream.ts): one corked batch per
// write() call so a burst of SSH packets leaves as one writev, socket.write's return value and
// 'drain' as write backpressure, socket.pause()/resume() as read backpressure.
//
// Reads: sockets we open (connectTcp) and accept (createServer) read into one reused buffer
// (net's `onread`), READ_BUFFER bytes per syscall, instead of a fresh 64 KiB Buffer per read: at
// hundreds of MiB/s those allocations were a large share of the garbage collector's work. The
// engine never keeps a received chunk (ByteStreamHandlers.data), so the buffer can be reused.
// Connections we open start at READ_BUFFER too and move to CLIENT_READ_BUFFER (1 MiB) once a read
// fills the buffer: a download then takes its packets in fewer, bigger batches (fewer reads, and
// fewer passes through the engine). Only connections that carry bulk data pay the 1 MiB: taking it
// up front cost ~3-5 ms of CPU per short connection (connect + auth + exec, bench/connect.bench.mjs).
// A server with many connections stays at READ_BUFFER.
import { connect as netConnect, type Socket } from 'node:net';
import type { ByteStream, ByteStreamHandlers } from '@seashell/core';
import { TimeoutError } from '@seashell/core';

/** Bytes read per syscall into the reused buffer (the default, and accepted sockets). */
export const READ_BUFFER = 256 * 1024;
/** Bytes read per syscall on connections connectTcp opens, once one read has filled READ_BUFFER. */
export const CLIENT_READ_BUFFER = 1024 * 1024;

/**
 * Where a socket created with readerOptions() delivers its bytes: to the stream's handler once
 * started, copied into a queue before that.
 */
export interface SocketReader {
  deliver: ((chunk: Uint8Array) => void) | undefined;
  early: Uint8Array[];
}

/**
 * net.connect / net.Server `onread` options reading into one reused buffer of `size` bytes, plus
 * the reader they feed. With `growTo` larger than `size`, the first read that fills the buffer
 * swaps it for one of `growTo` bytes, kept from then on (net asks `buffer()` before every read).
 */
export function readerOptions(
  size = READ_BUFFER,
  growTo = size,
): { reader: SocketReader; onread: { buffer: () => Uint8Array; callback: (n: number, buf: Uint8Array) => boolean } } {
  for (const [what, v] of [['size', size], ['growTo', growTo]] as const) {
    if (!Number.isInteger(v) || v < 1024 || v > 64 * 1024 * 1024) throw new RangeError(`readerOptions: ${what} must be an integer from 1 KiB to 64 MiB, got ${v}`);
  }
  if (growTo < size) throw new RangeError(`readerOptions: growTo (${growTo}) is smaller than size (${size})`);
  const reader: SocketReader = { deliver: undefined, early: [] };
  let current = new Uint8Array(size);
  const callback = (n: number, buf: Uint8Array): boolean => {
    const view = buf.subarray(0, n);
    if (reader.deliver) reader.deliver(view);
    else reader.early.push(view.slice());
    if (n === buf.length && buf.length < growTo && buf === current) current = new Uint8Array(growTo);
    return true;
  };
  return { reader, onread: { buffer: () => current, callback } };
}

/**
 * Wraps a connected socket. Nagle is turned off: the engine already batches. Pass the reader when
 * the socket was made with readerOptions()' onread (it then emits no 'data' events).
 */
export function socketStream(socket: Socket, reader?: SocketReader): ByteStream {
  socket.setNoDelay(true);
  let handlers: ByteStreamHandlers | undefined;
  let closed = false;
  let closeError: Error | undefined;
  // Data that arrives before start() waits in the socket (a server may have its socket before
  // the engine); an error before start() is kept for close() instead of crashing the process.
  socket.pause();
  socket.on('error', (e) => { closeError ??= e; });
  return {
    // 'data' events carry a fresh Buffer per read, which the receiver may keep; the reused onread buffer may not be kept
    chunksKept: reader === undefined,
    start(h) {
      if (handlers) throw new Error('socketStream: start() called twice');
      handlers = h;
      if (reader) {
        reader.deliver = (d) => h.data(d);
        for (const d of reader.early.splice(0)) h.data(d);
      } else {
        socket.on('data', (d: Buffer) => h.data(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)));
      }
      socket.on('drain', () => h.drain());
      socket.on('end', () => h.end());
      socket.on('close', () => {
        if (closed) return;
        closed = true;
        h.close(closeError);
      });
      if (socket.destroyed) {
        closed = true;
        queueMicrotask(() => h.close(closeError));
        return;
      }
      socket.resume();
    },
    write(chunks, written) {
      if (socket.destroyed || socket.writableEnded) return false;
      // the last write's callback runs once every chunk before it is done too
      const done = written && ((e?: Error | null) => {
        if (!e) written();
      });
      if (chunks.length === 1) return socket.write(chunks[0], done);
      socket.cork();
      let ok = true;
      for (let i = 0; i < chunks.length; i++) ok = socket.write(chunks[i], i === chunks.length - 1 ? done : undefined);
      socket.uncork();
      return ok && socket.writableLength < socket.writableHighWaterMark;
    },
    pause() {
      socket.pause();
    },
    resume() {
      if (handlers) socket.resume();
    },
    end() {
      if (!socket.destroyed) socket.end();
    },
    destroy(error) {
      if (error) closeError ??= error;
      socket.destroy();
    },
  };
}

/** Opens a TCP connection; rejects with TimeoutError after timeoutMs (default 20 s). */
export function connectTcp(host: string, port: number, timeoutMs = 20_000): Promise<ByteStream> {
  if (!host) throw new TypeError('connectTcp: host is empty');
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`connectTcp: port must be 1..65535, got ${port}`);
  return new Promise((resolve, reject) => {
    const { reader, onread } = readerOptions(READ_BUFFER, CLIENT_READ_BUFFER);
    // 1 MiB before backpressure (see SOCKET_HIGH_WATER in forward.ts): Node's 16 KiB is under one packet
    const opts = { host, port, onread, writableHighWaterMark: 1 << 20 };
    const socket = netConnect(opts);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new TimeoutError(`connecting to ${host}:${port} took longer than ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeListener('error', onError);
      resolve(socketStream(socket, reader));
    });
    const onError = (e: Error) => {
      clearTimeout(timer);
      reject(e);
    };
    socket.once('error', onError);
  });
}
