// @seashell/node: the promise API of @seashell/core wired to Node's net (TCP), fs (known_hosts)
// and timers. Also runs on Bun.
import { createServer as netCreateServer, type Server as NetServer, type AddressInfo } from 'node:net';
import { appendFileSync, mkdirSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  connect as coreConnect,
  curve25519Method,
  defaultRegistry,
  SshServer,
  type AlgorithmRegistry,
  type CipherSpec,
  type KexMethod,
  type SignatureVerifier,
  type ClientOptions,
  type ServerOptions,
  type SshClient,
  type Timers,
} from '@seashell/core';
import { connectTcp, socketStream } from './tcp.ts';
import { readTextIfExists, sshPath, expandHome } from './files.ts';
import { nodeNet, SOCKET_HIGH_WATER } from './forward.ts';

export { nodeNet, connectStream, listenStreams } from './forward.ts';
export { listenUnix, connectUnixSocket } from './unix-socket.ts';
export { runShell, ptyAvailable, waiterAvailable } from './pty.ts';
export { agentAt, agentFromEnv, enableAgentForwarding, connectUnix, listenAgentSocket } from './agent.ts';
export { startSocksProxy } from './socks.ts';
import { agentAt } from './agent.ts';

export { socketStream, connectTcp } from './tcp.ts';
export { NodeFileSystem, NodeFileSink, NodeLocalTree, nodeFileSource, type NodeFileSystemOptions } from './sftp-fs.ts';
import { HybridAesGcmPacketCipher } from './node-ciphers.ts';
import { nodeEd25519Verifier, nodeSigners, nodeX25519 } from './node-curves.ts';

export { NodeAesGcmPacketCipher, HybridAesGcmPacketCipher, HYBRID_GCM_THRESHOLD } from './node-ciphers.ts';
export { nodeX25519, nodeEd25519Verifier, nodeSigners } from './node-curves.ts';
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

/**
 * Which implementations run the crypto: 'fastest' (default) uses node:crypto (OpenSSL) where a
 * benchmark in bench/ measured it faster: aes128/256-gcm@openssh.com packets of 2 KiB and more
 * (HybridAesGcmPacketCipher; bench/node-ciphers.bench.mjs), X25519 for curve25519-sha256,
 * ssh-ed25519 signing and signature checks (bench/node-curves.bench.mjs). Everything else, and everything
 * with 'portable', runs on the WebAssembly kernel and @noble/*, as on every other runtime.
 */
export type CryptoBackend = 'fastest' | 'portable';

const nodeCipherSpecs: Readonly<Record<string, CipherSpec>> = Object.fromEntries(
  ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com'].map((name) => {
    const base = defaultRegistry.cipher[name];
    const spec: CipherSpec = { ...base, create: ({ key, iv }) => new HybridAesGcmPacketCipher(key, iv) };
    return [name, spec];
  }),
);
const nodeKex: Readonly<Record<string, KexMethod>> = {
  'curve25519-sha256': curve25519Method('curve25519-sha256', nodeX25519),
  'curve25519-sha256@libssh.org': curve25519Method('curve25519-sha256@libssh.org', nodeX25519),
};
const nodeSignatures: Readonly<Record<string, SignatureVerifier>> = { 'ssh-ed25519': nodeEd25519Verifier };

function replaceDefaults<T>(table: Readonly<Record<string, T>>, defaults: Readonly<Record<string, T>>, faster: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = { ...table };
  for (const [name, impl] of Object.entries(faster)) {
    if (Object.hasOwn(out, name) && out[name] === defaults[name]) out[name] = impl;
  }
  return out;
}

/**
 * The registry with Node's faster implementations (see CryptoBackend) in place of the portable
 * ones, only for names where the registry holds the default implementation (a caller's own
 * implementation is left alone).
 */
export function withNodeCrypto(registry: AlgorithmRegistry = defaultRegistry): AlgorithmRegistry {
  return {
    ...registry,
    cipher: replaceDefaults(registry.cipher, defaultRegistry.cipher, nodeCipherSpecs),
    kex: replaceDefaults(registry.kex, defaultRegistry.kex, nodeKex),
    signature: replaceDefaults(registry.signature, defaultRegistry.signature, nodeSignatures),
  };
}

function pickRegistry(registry: AlgorithmRegistry | undefined, backend: CryptoBackend | undefined): AlgorithmRegistry {
  if (backend !== undefined && backend !== 'fastest' && backend !== 'portable') {
    throw new RangeError(`cryptoBackend must be 'fastest' or 'portable', got ${JSON.stringify(backend)}`);
  }
  if (backend === 'portable') return registry ?? defaultRegistry;
  return withNodeCrypto(registry ?? defaultRegistry);
}

export interface NodeConnectOptions extends Omit<ClientOptions, 'stream' | 'knownHosts' | 'addKnownHost' | 'timers' | 'agent'> {
  /** An ssh-agent: its socket path (e.g. process.env.SSH_AUTH_SOCK) or an SshAgent. */
  agent?: string | ClientOptions['agent'];
  /** 'fastest' (default): node:crypto where it measured faster; 'portable': the kernel and @noble/* only. */
  cryptoBackend?: CryptoBackend;
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
  const registry = pickRegistry(options.registry, options.cryptoBackend);
  const makeSigners = options.makeSigners ?? (options.cryptoBackend === 'portable' ? undefined : nodeSigners);
  const knownHostsFile = expandHome(options.knownHostsFile ?? sshPath('known_hosts'));
  const knownHosts = options.hostVerifier ? undefined : (readTextIfExists(knownHostsFile) ?? '');
  const stream = await connectTcp(options.host, port, options.connectTimeoutMs);
  return coreConnect({
    ...options,
    port,
    registry,
    makeSigners,
    stream,
    knownHosts,
    knownHostsFile,
    timers: nodeTimers,
    net: options.net ?? nodeNet,
    agent: typeof options.agent === 'string' ? agentAt(options.agent) : options.agent,
    addKnownHost: (line) => appendKnownHost(knownHostsFile, line),
  });
}

export interface NodeServerOptions extends ServerOptions {
  /** 'fastest' (default): node:crypto where it measured faster; 'portable': the kernel and @noble/* only. */
  cryptoBackend?: CryptoBackend;
}

/** An SSH server listening on TCP. */
export class NodeSshServer {
  readonly ssh: SshServer;
  readonly net: NetServer;

  constructor(options: NodeServerOptions) {
    const { cryptoBackend, ...rest } = options;
    this.ssh = new SshServer({
      timers: nodeTimers,
      net: nodeNet,
      ...rest,
      registry: pickRegistry(options.registry, cryptoBackend),
      makeSigners: options.makeSigners ?? (cryptoBackend === 'portable' ? undefined : nodeSigners),
    });
    this.net = netCreateServer({ noDelay: true, highWaterMark: SOCKET_HIGH_WATER }, (socket) => {
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
export function createServer(options: NodeServerOptions): NodeSshServer {
  return new NodeSshServer(options);
}
