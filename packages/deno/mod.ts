// @seashell/deno: the promise API of @seashell/core on Deno.connect / Deno.listen, known_hosts
// through Deno's file APIs, and an SFTP server backend on Deno's fs (DenoFileSystem). The same
// options and API as @seashell/node. Permissions: --allow-net, plus --allow-read / --allow-write
// for key files, known_hosts and SFTP, --allow-env=HOME for the default known_hosts path.
import {
  connect as coreConnect,
  SshServer,
  type ClientOptions,
  type ServerOptions,
  type SshClient,
} from '@seashell/core';
import { connectTcp, connStream } from './src/conn.ts';

export { connStream, connectTcp, type ConnStreamOptions } from './src/conn.ts';
export { DenoFileSystem, type DenoFileSystemOptions } from './src/fs.ts';
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
  SftpError,
  MemoryFileSystem,
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
  FileSystem,
} from '@seashell/core';

export interface DenoConnectOptions extends Omit<ClientOptions, 'stream' | 'knownHosts' | 'addKnownHost' | 'timers'> {
  /** known_hosts file to check and (accept-new / no) append to (default ~/.ssh/known_hosts). */
  knownHostsFile?: string;
  /** Milliseconds to wait for the TCP connection (default 20 000). */
  connectTimeoutMs?: number;
}

function home(): string {
  const h = Deno.env.get('HOME') ?? Deno.env.get('USERPROFILE');
  if (!h) throw new Error('HOME is not set: give knownHostsFile explicitly');
  return h;
}

function expandHome(p: string): string {
  return p === '~' ? home() : p.startsWith('~/') ? `${home()}/${p.slice(2)}` : p;
}

/** Reads a text file; a missing file is undefined, any other failure throws naming the path. */
async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw new Error(`cannot read ${path}: ${(e as Error).message}`);
  }
}

/** Appends a line to a known_hosts file, creating it (0600, in a 0700 directory) if needed. */
export async function appendKnownHost(file: string, line: string): Promise<void> {
  const dir = file.slice(0, file.lastIndexOf('/'));
  if (dir) await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const text = (await readTextIfExists(file)) ?? '';
  const sep = text && !text.endsWith('\n') ? '\n' : '';
  await Deno.writeTextFile(file, `${sep}${line}\n`, { append: true, create: true, mode: 0o600 });
}

/**
 * Connects to an SSH server over TCP. The host key is checked against knownHostsFile
 * (~/.ssh/known_hosts by default) unless hostVerifier is given; see @seashell/core connect().
 */
export async function connect(options: DenoConnectOptions): Promise<SshClient> {
  if (!options || typeof options !== 'object') throw new TypeError('connect() needs an options object');
  const port = options.port ?? 22;
  let knownHostsFile: string | undefined;
  let knownHosts: string | undefined;
  if (!options.hostVerifier) {
    knownHostsFile = expandHome(options.knownHostsFile ?? '~/.ssh/known_hosts');
    knownHosts = (await readTextIfExists(knownHostsFile)) ?? '';
  }
  const stream = await connectTcp(options.host, port, options.connectTimeoutMs);
  return coreConnect({
    ...options,
    port,
    stream,
    knownHosts,
    knownHostsFile,
    addKnownHost: knownHostsFile ? (line) => appendKnownHost(knownHostsFile!, line) : undefined,
  });
}

/** The address a DenoSshServer listens on (the shape of Node's AddressInfo). */
export interface AddressInfo {
  address: string;
  family: string;
  port: number;
}

/** An SSH server listening on TCP with Deno.listen. */
export class DenoSshServer {
  readonly ssh: SshServer;
  private listener: Deno.TcpListener | undefined;
  private accepting: Promise<void> | undefined;

  constructor(options: ServerOptions) {
    this.ssh = new SshServer(options);
  }

  /** Listens on host:port (default 127.0.0.1: loopback unless told otherwise); port 0 picks a free one. */
  listen(port = 22, host = '127.0.0.1'): Promise<AddressInfo> {
    if (!Number.isInteger(port) || port < 0 || port > 65535) return Promise.reject(new RangeError(`port must be 0..65535, got ${port}`));
    if (this.listener) return Promise.reject(new Error('this server is already listening'));
    try {
      this.listener = Deno.listen({ hostname: host, port, transport: 'tcp' });
    } catch (e) {
      return Promise.reject(e);
    }
    const listener = this.listener;
    this.accepting = (async () => {
      for (;;) {
        let conn: Deno.TcpConn;
        try {
          conn = await listener.accept();
        } catch {
          return; // closed
        }
        const remote = conn.remoteAddr as Deno.NetAddr;
        this.ssh.accept(connStream(conn), { remoteAddress: remote.hostname, remotePort: remote.port });
      }
    })();
    return Promise.resolve(this.address()!);
  }

  /** The listening address. */
  address(): AddressInfo | null {
    if (!this.listener) return null;
    const a = this.listener.addr as Deno.NetAddr;
    return { address: a.hostname, family: a.hostname.includes(':') ? 'IPv6' : 'IPv4', port: a.port };
  }

  /** Stops listening and disconnects every client. */
  async close(): Promise<void> {
    const l = this.listener;
    this.listener = undefined;
    if (l) {
      try {
        l.close();
      } catch {
        /* already closed */
      }
    }
    this.ssh.close();
    await this.accepting;
  }
}

/** Creates an SSH server; call listen(port, host) to serve TCP. */
export function createServer(options: ServerOptions): DenoSshServer {
  return new DenoSshServer(options);
}
