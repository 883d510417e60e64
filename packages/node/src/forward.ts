// The socket factory @seashell/core's forwarding uses (NetFactory, packages/core/src/forwarding.ts),
// on node:net: outgoing TCP connections for direct-tcpip targets and listeners for -L / -R (unix
// sockets for the streamlocal forms live in unix-socket.ts).
// Sockets allow half-close so an EOF in one direction does not cut the other.
import { connect as netConnect, createServer, type AddressInfo, type Socket } from 'node:net';
import type { ByteStream, Listener, NetFactory, StreamPeer } from '@seashell/core';
import { TimeoutError } from '@seashell/core';
import { readerOptions, socketStream } from './tcp.ts';
import { listenAgentSocket } from './agent.ts';
import { listenUnix, connectUnixSocket } from './unix-socket.ts';

/**
 * Bytes a forwarding socket buffers before write() reports backpressure. Node's 16 KiB default
 * is less than one SSH data packet, so every packet would stop the channel until 'drain' and
 * the tunnel would run stop-and-go; 1 MiB (half the channel window) keeps it streaming while
 * memory stays bounded by the window.
 */
export const SOCKET_HIGH_WATER = 1 << 20;

/** Milliseconds a forwarded connection may take to connect. */
const CONNECT_TIMEOUT_MS = 20_000;

/** Connects to host:port; rejects with the socket error (e.g. ECONNREFUSED) or a TimeoutError. */
export function connectStream(host: string, port: number, timeoutMs = CONNECT_TIMEOUT_MS): Promise<ByteStream> {
  return new Promise((resolve, reject) => {
    // (writableHighWaterMark reaches the Socket's stream options; @types/node does not list it)
    // reads go into one reused buffer (tcp.ts readerOptions), 256 KiB per syscall, no allocation per read
    const { reader, onread } = readerOptions();
    const opts = { host, port, allowHalfOpen: true, writableHighWaterMark: SOCKET_HIGH_WATER, onread };
    const socket: Socket = netConnect(opts);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new TimeoutError(`connecting to ${host}:${port} took longer than ${timeoutMs} ms`));
    }, timeoutMs);
    const onError = (e: Error) => {
      clearTimeout(timer);
      reject(e);
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeListener('error', onError);
      resolve(socketStream(socket, reader));
    });
  });
}

/** Listens on host:port; each accepted socket is handed over paused (socketStream). */
export function listenStreams(host: string, port: number, onStream: (s: ByteStream, peer: StreamPeer) => void): Promise<Listener> {
  return new Promise((resolve, reject) => {
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true, highWaterMark: SOCKET_HIGH_WATER }, (socket) => {
      onStream(socketStream(socket), { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 });
    });
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      server.on('error', () => {});
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () => {
          server.close();
        },
      });
    });
  });
}

/** node:net as a NetFactory. */
export const nodeNet: NetFactory = {
  connect: (h, p) => connectStream(h, p),
  listen: listenStreams,
  listenAgent: listenAgentSocket,
  connectUnix: (p) => connectUnixSocket(p),
  listenUnix,
};
