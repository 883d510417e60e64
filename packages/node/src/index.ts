// @seashell/node: the promise API of @seashell/core wired to Node's net (TCP), fs (known_hosts)
// and timers. Also runs on Bun.
import { createServer as netCreateServer, type Server as NetServer, type AddressInfo } from 'node:net';
import { appendFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  connect as coreConnect,
  SshServer,
  type ClientOptions,
  type ServerOptions,
  type SshClient,
  type Timers,
} from '@seashell/core';
import { connectTcp, socketStream } from './tcp.ts';
import { readTextIfExists, sshPath, expandHome } from './files.ts';
import { nodeRegistry } from './ciphers.ts';

export { socketStream, connectTcp } from './tcp.ts';
export { NodeAesGcmPacketCipher, nodeCiphers, nodeRegistry } from './ciphers.ts';
export { NodeFileSystem, NodeFileSink, NodeLocalTree, nodeFileSource, type NodeFileSystemOptions } from './sftp-fs.ts';
export {
  SshClient,
  SshServer,
  ServerConnectionHandle,
  AuthenticationError,
  HostKeyMismatchError,
  ProtocolError,
  ChannelOpenError,
  TimeoutError,
  KeyParseError,
  KeyFileError,
} from '@seashell/core';
export type {
  ClientOptions,
  ServerOptions,
  ServerExec,
  AuthContext,
  UserKey,
  HostKeyInfo,
  ExecResult,
  ExecOptions,
  ExecProcess,
  StrictHostKeyChecking,
  SftpSession,
  SftpSessionOptions,
  SftpSessionInfo,
  SftpFileSystemSource,
} from '@seashell/core';

/** Node timers that never keep the process alive on their own (the socket does while it is open). */
export const nodeTimers: Timers = {
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout(h) {
    clearTimeout(h as NodeJS.Timeout);
  },
};

export interface NodeConnectOptions extends Omit<ClientOptions, 'stream' | 'knownHosts' | 'addKnownHost' | 'timers'> {
  /** known_hosts file to check and (accept-new / no) append to (default ~/.ssh/known_hosts). */
  knownHostsFile?: string;
  /** Milliseconds to wait for the TCP connection (default 20 000). */
  connectTimeoutMs?: number;
}

/** Appends a line to a known_hosts file, creating it (0600, in a 0700 directory) if needed. */
export function appendKnownHost(file: string, line: string): void {
  if (!existsSync(dirname(file))) mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const text = readTextIfExists(file);
  const sep = text && !text.endsWith('\n') ? '\n' : '';
  appendFileSync(file, `${sep}${line}\n`, { mode: 0o600 });
}

/**
 * Connects to an SSH server over TCP. The host key is checked against knownHostsFile
 * (~/.ssh/known_hosts by default) unless hostVerifier is given; see @seashell/core connect().
 */
export async function connect(options: NodeConnectOptions): Promise<SshClient> {
  if (!options || typeof options !== 'object') throw new TypeError('connect() needs an options object');
  const port = options.port ?? 22;
  const knownHostsFile = expandHome(options.knownHostsFile ?? sshPath('known_hosts'));
  const knownHosts = options.hostVerifier ? undefined : (readTextIfExists(knownHostsFile) ?? '');
  const stream = await connectTcp(options.host, port, options.connectTimeoutMs);
  return coreConnect({
    ...options,
    registry: options.registry ?? nodeRegistry,
    port,
    stream,
    knownHosts,
    knownHostsFile,
    timers: nodeTimers,
    addKnownHost: (line) => appendKnownHost(knownHostsFile, line),
  });
}

/** An SSH server listening on TCP. */
export class NodeSshServer {
  readonly ssh: SshServer;
  readonly net: NetServer;

  constructor(options: ServerOptions) {
    this.ssh = new SshServer({ timers: nodeTimers, ...options, registry: options.registry ?? nodeRegistry });
    this.net = netCreateServer({ noDelay: true }, (socket) => {
      this.ssh.accept(socketStream(socket), { remoteAddress: socket.remoteAddress, remotePort: socket.remotePort });
    });
  }

  /** Listens on host:port (default 127.0.0.1: loopback unless told otherwise); port 0 picks a free one. */
  listen(port = 22, host = '127.0.0.1'): Promise<AddressInfo> {
    if (!Number.isInteger(port) || port < 0 || port > 65535) return Promise.reject(new RangeError(`port must be 0..65535, got ${port}`));
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.net.once('error', onError);
      this.net.listen(port, host, () => {
        this.net.removeListener('error', onError);
        resolve(this.net.address() as AddressInfo);
      });
    });
  }

  /** The listening address. */
  address(): AddressInfo | null {
    return this.net.address() as AddressInfo | null;
  }

  /** Stops listening and disconnects every client. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.net.close(() => resolve());
      this.ssh.close();
    });
  }
}

/** Creates an SSH server; call listen(port, host) to serve TCP. */
export function createServer(options: ServerOptions): NodeSshServer {
  return new NodeSshServer(options);
}
