// Node's net.Socket as the core ByteStream (packages/core/src/stream.ts): one corked batch per
// write() call so a burst of SSH packets leaves as one writev, socket.write's return value and
// 'drain' as write backpressure, socket.pause()/resume() as read backpressure.
import { connect as netConnect, type Socket } from 'node:net';
import type { ByteStream, ByteStreamHandlers } from '@seashell/core';
import { TimeoutError } from '@seashell/core';

/** Wraps a connected socket. Nagle is turned off: the engine already batches. */
export function socketStream(socket: Socket): ByteStream {
  socket.setNoDelay(true);
  let handlers: ByteStreamHandlers | undefined;
  let closed = false;
  let closeError: Error | undefined;
  // Data that arrives before start() waits in the socket (a server may have its socket before
  // the engine); an error before start() is kept for close() instead of crashing the process.
  socket.pause();
  socket.on('error', (e) => { closeError ??= e; });
  return {
    start(h) {
      if (handlers) throw new Error('socketStream: start() called twice');
      handlers = h;
      socket.on('data', (d: Buffer) => h.data(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)));
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
    write(chunks) {
      if (socket.destroyed || socket.writableEnded) return false;
      if (chunks.length === 1) return socket.write(chunks[0]);
      socket.cork();
      let ok = true;
      for (const c of chunks) ok = socket.write(c);
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
    // 1 MiB before backpressure (see SOCKET_HIGH_WATER in forward.ts): Node's 16 KiB is under one packet
    const opts = { host, port, writableHighWaterMark: 1 << 20 };
    const socket = netConnect(opts);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new TimeoutError(`connecting to ${host}:${port} took longer than ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeListener('error', onError);
      resolve(socketStream(socket));
    });
    const onError = (e: Error) => {
      clearTimeout(timer);
      reject(e);
    };
    socket.once('error', onError);
  });
}
