// Unix-domain sockets for forwarding on node:net (OpenSSH PROTOCOL §2.4, "streamlocal"): the
// listener behind NetFactory.listenUnix (server: streamlocal-forward@openssh.com, ssh -R
// /path.sock:...; client: ssh -L /path.sock:...) and plain connections to a socket path
// (direct-streamlocal@openssh.com targets, ssh -R PORT:/path.sock).
//
// Like OpenSSH: an existing path is refused unless the caller asks to replace it
// (StreamLocalBindUnlink), and then only a socket is removed, never a regular file; the new socket
// is made accessible to its owner only (StreamLocalBindMask 0177, chmod right after bind: with
// the usual umask 022 nobody else can connect during that moment either, since connecting
// needs write permission on the socket file); close() removes the socket file.
import { connect as netConnect, createServer, type Socket } from 'node:net';
import { chmodSync, existsSync, lstatSync, unlinkSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import type { ByteStream, UnixListener, UnixListenOptions } from '@seashell/core';
import { TimeoutError } from '@seashell/core';
import { socketStream } from './tcp.ts';
import { SOCKET_HIGH_WATER } from './forward.ts';

/** Milliseconds a connection to a unix socket may take. */
const CONNECT_TIMEOUT_MS = 20_000;

function checkPath(path: unknown, what: string): asserts path is string {
  if (typeof path !== 'string' || path === '') throw new TypeError(`${what}: the socket path must be a non-empty string`);
  if (path.includes('\0')) throw new TypeError(`${what}: the socket path contains a NUL byte`);
}

function statOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * Listens on a unix socket at `path`; each accepted connection is handed to onStream paused
 * (socketStream). Rejects when the path exists (unless options.unlinkExisting and it is a
 * socket), or the socket cannot be made (directory missing, permission denied, path too long).
 */
export async function listenUnix(path: string, onStream: (s: ByteStream) => void, options: UnixListenOptions = {}): Promise<UnixListener> {
  checkPath(path, 'listenUnix');
  const existing = statOrNull(path);
  if (existing) {
    if (!options.unlinkExisting) throw new Error(`${path} already exists (remove it first, or allow replacing a stale socket: StreamLocalBindUnlink)`);
    if (!existing.isSocket()) throw new Error(`${path} exists and is not a socket (only a stale socket is replaced)`);
    unlinkSync(path);
  }
  const server = createServer({ allowHalfOpen: true, pauseOnConnect: true, highWaterMark: SOCKET_HIGH_WATER }, (socket: Socket) => onStream(socketStream(socket)));
  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      // libuv reports a missing directory as EACCES: say which it was
      const why =
        e.code === 'EADDRINUSE'
          ? `${path} already exists`
          : e.code === 'EACCES' && !existsSync(dirname(path))
            ? `no such directory: ${dirname(path)}`
            : e.code === 'EACCES'
              ? `permission denied creating ${path}`
              : e.message;
      reject(new Error(why));
    };
    server.once('error', onError);
    server.listen(path, () => {
      server.removeListener('error', onError);
      server.on('error', () => {});
      resolve();
    });
  });
  let made: Stats;
  try {
    chmodSync(path, 0o600);
    made = lstatSync(path);
  } catch (e) {
    server.close();
    throw new Error(`cannot restrict ${path} to its owner: ${(e as Error).message}`);
  }
  let closed = false;
  return {
    path,
    close() {
      if (closed) return;
      closed = true;
      server.close(); // libuv unlinks the path here
      // ...and should it not have, remove the file only if it is still the socket we made
      const now = statOrNull(path);
      if (now && now.isSocket() && now.ino === made.ino && now.dev === made.dev) {
        try {
          unlinkSync(path);
        } catch {
          /* gone meanwhile */
        }
      }
    },
  };
}

/** Connects to the unix socket at `path`; rejects with the socket error (e.g. ENOENT, ECONNREFUSED) or a TimeoutError. */
export function connectUnixSocket(path: string, timeoutMs = CONNECT_TIMEOUT_MS): Promise<ByteStream> {
  try {
    checkPath(path, 'connectUnixSocket');
  } catch (e) {
    return Promise.reject(e);
  }
  return new Promise((resolve, reject) => {
    const opts = { path, allowHalfOpen: true, writableHighWaterMark: SOCKET_HIGH_WATER };
    const socket: Socket = netConnect(opts);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new TimeoutError(`connecting to ${path} took longer than ${timeoutMs} ms`));
    }, timeoutMs);
    const onError = (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(e.code === 'ENOENT' ? `no socket at ${path}` : e.code === 'ECONNREFUSED' ? `nothing accepts connections on ${path}` : e.message));
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeListener('error', onError);
      resolve(socketStream(socket));
    });
  });
}
