// The promise API of the client (DESIGN.md "The sans-I/O engine": connect, exec, ...), built on
// ClientConnection and a ByteStream the runtime adapter supplies. Host keys are checked before
// any authentication is sent: against a hostVerifier, or against known_hosts text with
// StrictHostKeyChecking semantics (ssh_config(5)). Web-standard APIs only.
import { ClientConnection } from './client-connection.ts';
import type { ConnectionEvent, Prompt } from './events.ts';
import type { Channel } from './connection/channel.ts';
import { clientKey, type ClientKey } from './auth/client.ts';
import type { AlgorithmLists, Negotiated } from './transport/kexinit.ts';
import { defaultRegistry, resolveAlgorithms, type AlgorithmRegistry } from './algorithms/registry.ts';
import type { HostKeySigner, RandomSource } from './algorithms/types.ts';
import {
  createSigner,
  formatKnownHostsLine,
  knownHostEntries,
  lookupKnownHost,
  parseKnownHosts,
  parsePrivateKey,
  parsePublicKey,
  signatureAlgorithmsFor,
  keyTypeOf,
  type KnownHostStatus,
  type PrivateKey,
  type PublicKey,
} from './keys/index.ts';
import { AuthenticationError, ChannelOpenError, DisconnectReason, HostKeyMismatchError, ProtocolError, TimeoutError } from './wire/index.ts';
import { Driver, globalTimers, type Timers } from './driver.ts';
import type { ByteStream } from './stream.ts';
import { SFTP_CHANNEL_MAX_PACKET, SFTP_CHANNEL_WINDOW, SftpSession, type SftpSessionOptions } from './sftp-channel.ts';
import { ChannelPipe, type ChannelSink, type Listener, type NetFactory, type UnixListener } from './forwarding.ts';
import { SshReader, SshWriter } from './wire/index.ts';
import type { SshAgent } from './agent/protocol.ts';

/** How unknown host keys are treated (ssh_config StrictHostKeyChecking). A changed key is always refused. */
export type StrictHostKeyChecking = 'yes' | 'accept-new' | 'no';

/** The server's host key as the client saw it. */
export interface HostKeyInfo {
  /** Negotiated host key (signature) algorithm, e.g. 'rsa-sha2-512'. */
  readonly algorithm: string;
  /** Key type of the blob, e.g. 'ssh-rsa'. */
  readonly type: string;
  /** The public key blob (RFC 4253 §6.6). */
  readonly key: Uint8Array;
  /** "SHA256:..." as ssh-keygen -l prints it. */
  readonly fingerprint: string;
  readonly host: string;
  readonly port: number;
  /** What known_hosts says about this key (undefined when a hostVerifier decided instead). */
  readonly knownHosts?: KnownHostStatus;
}

/** keyboard-interactive prompts (RFC 4256); resolve one answer per prompt. */
export type PromptHandler = (name: string, instruction: string, prompts: readonly Prompt[]) => readonly string[] | Promise<readonly string[]>;

export interface ClientOptions {
  /** The connected byte stream (the adapter opens it). */
  stream: ByteStream;
  /** The host name as the user gave it: used for known_hosts lookups and messages. */
  host: string;
  port?: number;
  username: string;
  /** Private key file contents (OpenSSH, PKCS#1, SEC1 or PKCS#8), or several, tried in order. */
  privateKey?: string | Uint8Array | readonly (string | Uint8Array)[];
  /** Passphrase for encrypted private keys. */
  passphrase?: string;
  password?: string;
  /** Answers keyboard-interactive prompts; without it the method is not tried. */
  keyboardInteractive?: PromptHandler;
  /** An ssh-agent whose keys are tried after privateKey's (@seashell/node also takes a socket path). */
  agent?: SshAgent;
  /** Decides on the host key instead of known_hosts. */
  hostVerifier?: (key: HostKeyInfo) => boolean | Promise<boolean>;
  /** known_hosts contents (the adapter reads the file); absent means no host is known. */
  knownHosts?: string;
  /** The known_hosts file name, for messages. */
  knownHostsFile?: string;
  /** Default 'yes': an unknown host is refused. */
  strictHostKeyChecking?: StrictHostKeyChecking;
  /** Called with the line to append to known_hosts when a new key is accepted (accept-new, no). */
  addKnownHost?: (line: string, key: HostKeyInfo) => void | Promise<void>;
  /** Algorithm lists, most preferred first; unspecified categories take the defaults. */
  algorithms?: Partial<AlgorithmLists>;
  /** Where algorithm names are looked up (default: defaultRegistry). */
  registry?: AlgorithmRegistry;
  /**
   * Makes the signers for a user key in place of the portable ones (a runtime adapter's faster
   * implementation of the same algorithm); undefined falls back to the portable signers.
   */
  makeSigners?: (key: PrivateKey) => HostKeySigner[] | undefined;
  /** Milliseconds for key exchange and authentication together (default 30 000). */
  readyTimeoutMs?: number;
  /** Sockets for forwardLocal / forwardRemote targets (the adapter supplies them). */
  net?: NetFactory;
  /** Send keepalive@openssh.com every this many ms of silence (default 0: off), like ServerAliveInterval. */
  keepaliveIntervalMs?: number;
  /** Unanswered keepalives before the connection is declared dead (default 3, like ServerAliveCountMax). */
  keepaliveCountMax?: number;
  /** Environment of the engine (defaults: Web Crypto, Date.now, global timers). */
  random?: RandomSource;
  now?: () => number;
  timers?: Timers;
}

/** What a finished command produced. */
export interface ExecResult {
  stdout: string;
  stderr: string;
  /** Exit status, or null when the command died of a signal (or none was reported). */
  code: number | null;
  /** Signal name without "SIG" (e.g. 'TERM'), or null. */
  signal: string | null;
}

export interface ExecOptions {
  /** Environment variables to request (servers usually accept only a few, e.g. LANG). */
  env?: Readonly<Record<string, string>>;
  /** Ask for a pseudo-terminal first (true: xterm 80x24). A refused pty is reported in ptyRefused, not fatal (as ssh does). */
  pty?: boolean | PtyOptions;
  /** Ask the server to forward our agent (auth-agent-req@openssh.com); needs client.agentForwarder. */
  agentForwarding?: boolean;
}

/** A pseudo-terminal request (RFC 4254 §6.2). */
export interface PtyOptions {
  term?: string;
  cols?: number;
  rows?: number;
  widthPx?: number;
  heightPx?: number;
  /** Encoded terminal modes (RFC 4254 §8); default none. */
  modes?: Uint8Array;
}

/** client.shell() options. */
export interface ShellOptions extends PtyOptions {
  env?: Readonly<Record<string, string>>;
  /** Ask the server to forward our agent (auth-agent-req@openssh.com); needs client.agentForwarder. */
  agentForwarding?: boolean;
  /** false: no pseudo-terminal (a shell over pipes). Default true. */
  pty?: boolean;
}

/** A remote interactive shell (or a command with a pty): byte streams plus terminal control. */
export interface ShellProcess extends ExecProcess {
  /** Tells the remote terminal its new size (window-change, RFC 4254 §6.7). */
  resize(cols: number, rows: number, widthPx?: number, heightPx?: number): void;
  /** True when the server refused the pseudo-terminal (the shell then runs over pipes). */
  readonly ptyRefused: boolean;
}

/** A direct-tcpip channel (RFC 4254 §7.2) as a byte duplex. */
export interface TcpChannel {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  /** Settles when the channel closes. */
  readonly closed: Promise<void>;
  close(): void;
}

/** What client.forwardLocal listens on and where it sends each connection. */
export interface LocalForwardOptions {
  /** Local address to listen on with bindPort (default 127.0.0.1). */
  bindHost?: string;
  /** Local port to listen on (0 picks a free one). Give this or bindPath. */
  bindPort?: number;
  /** A local unix socket to listen on instead of a port (ssh -L /path.sock:host:port); needs net.listenUnix. */
  bindPath?: string;
  /** With bindPath: remove an existing socket file there first (OpenSSH's StreamLocalBindUnlink); default: refuse. */
  unlinkExisting?: boolean;
  /** The target the server connects to: host and port (direct-tcpip)... */
  host?: string;
  port?: number;
  /** ...or a unix socket on the server (direct-streamlocal@openssh.com; ssh -L PORT:/path.sock). */
  socketPath?: string;
}

/** A running local forward (client.forwardLocal). */
export interface LocalForward {
  /** The address listened on ('' when listening on a unix socket). */
  readonly bindHost: string;
  /** The port bound (useful when 0 was asked for); 0 when listening on a unix socket. */
  readonly bindPort: number;
  /** The unix socket listened on, when bindPath was given. */
  readonly bindPath?: string;
  /** Stops listening (a unix socket file is removed); connections already forwarded stay open. */
  close(): void;
}

/** A running remote forward (client.forwardRemote). */
export interface RemoteForward {
  readonly bindHost: string;
  /** The port the server bound (the server's answer when 0 was asked for). */
  readonly bindPort: number;
  /** Asks the server to stop listening (cancel-tcpip-forward). */
  close(): Promise<void>;
}

/** A running remote unix-socket forward (client.forwardRemoteUnix). */
export interface RemoteUnixForward {
  /** The socket path the server listens on. */
  readonly socketPath: string;
  /** Asks the server to stop listening and remove the socket (cancel-streamlocal-forward@openssh.com). */
  close(): Promise<void>;
}

/** Where a forwarded-streamlocal@openssh.com connection came in (OpenSSH PROTOCOL §2.4). */
export interface ForwardedUnixConnection {
  /** The socket path the server listens on (as forwardRemoteUnix asked for it). */
  readonly socketPath: string;
}

/** Where a forwarded-tcpip connection came in (RFC 4254 §7.2). */
export interface ForwardedConnection {
  readonly bindHost: string;
  readonly bindPort: number;
  readonly originHost: string;
  readonly originPort: number;
}

/**
 * A running remote command with byte streams. stdout and stderr share the channel's window:
 * read (or cancel) both, or the server stops sending once the unread one fills up.
 */
export interface ExecProcess {
  readonly stdin: WritableStream<Uint8Array>;
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  /** Settles when the channel closes. */
  readonly exit: Promise<{ code: number | null; signal: string | null }>;
  /** Sends a signal (RFC 4254 §6.9), e.g. 'TERM'. Servers may ignore it (OpenSSH before 9.x does). */
  signal(name: string): void;
  /** Closes the channel now. */
  close(): void;
}

/** The answer to a global request (client.request). */
export interface GlobalRequestResult {
  readonly success: boolean;
  /** REQUEST_SUCCESS data (e.g. the port bound for tcpip-forward with port 0). */
  readonly data: Uint8Array;
  /** A DEBUG message the server sent just before answering: usually why it refused. */
  readonly debug?: string;
}

/** A random source from Web Crypto. */
export function webRandom(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) globalThis.crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

/** Signers for a private key: RSA keys sign as rsa-sha2-512 and rsa-sha2-256, others with their one algorithm. */
export function signersFor(key: PrivateKey, random?: RandomSource): HostKeySigner[] {
  return signatureAlgorithmsFor(key.type).map((alg) => createSigner(key, alg, { random }));
}

/** Reads a private key (contents, not a path), naming `label` in errors. */
export function loadPrivateKey(data: string | Uint8Array, passphrase?: string, label?: string): PrivateKey {
  if (typeof data !== 'string' && !(data instanceof Uint8Array)) throw new TypeError('a private key must be a string or Uint8Array with the key file contents');
  return parsePrivateKey(data, { passphrase, file: label }).privateKey;
}

/** Host key algorithms reordered so the types known_hosts records for this host come first (as OpenSSH does). */
function preferKnownTypes(defaults: readonly string[], knownTypes: ReadonlySet<string>): string[] {
  if (knownTypes.size === 0) return [...defaults];
  const known = defaults.filter((a) => knownTypes.has(keyTypeOf(a) ?? a));
  return [...known, ...defaults.filter((a) => !known.includes(a))];
}

const utf8 = new TextDecoder();
const encoder = new TextEncoder();

/** A chunk of stdin is split into pieces of at most this size, so no single write overruns the channel queue. */
const STDIN_PIECE = 256 * 1024;
/** Bytes a stdout/stderr ReadableStream buffers before the window stops re-opening. */
const READ_HIGH_WATER = 1024 * 1024;


/** An SSH client connection. Created by connect(). */
export class SshClient {
  /** The server's host key (verified). */
  readonly hostKey: HostKeyInfo;
  /** Resolves when the connection is over (closed by either side or lost). */
  readonly closed: Promise<void>;
  private readonly sinks = new Map<Channel, ChannelSink>();
  private ended: Error | undefined;
  private resolveClosed!: () => void;
  private readonly globalWaiters: ((r: GlobalRequestResult) => void)[] = [];
  /** The last DEBUG message since the previous global request answer (a server's reason for the next one). */
  private pendingDebug: string | undefined;
  private readonly remoteUnixForwards = new Map<string, { socketPath: string; onConnection: (c: ForwardedUnixConnection) => ByteStream | Promise<ByteStream> }>();
  private readonly remoteForwards = new Map<string, { bindHost: string; bindPort: number; onConnection: (c: ForwardedConnection) => ByteStream | Promise<ByteStream> }>();
  private keepaliveTimer: unknown;
  private keepaliveMissed = 0;
  /** @internal */ net: NetFactory | undefined;
  /** Opens a stream to the local agent for channels the server opens after an agentForwarding request (ssh -A). */
  agentForwarder: (() => Promise<ByteStream>) | undefined;
  private agentRequested = false;
  /** @internal */ timers: Timers = globalTimers;

  /** @internal use connect() */
  constructor(
    private readonly conn: ClientConnection,
    private readonly driver: Driver,
    hostKey: HostKeyInfo,
  ) {
    this.hostKey = hostKey;
    this.closed = new Promise((r) => (this.resolveClosed = r));
    driver.onDrain = () => {
      for (const s of this.sinks.values()) s.drained();
    };
  }

  /** Algorithms of the last key exchange. */
  get algorithms(): Negotiated {
    return this.conn.algorithms!;
  }

  /** Runs a command and collects its output as strings (stdin is empty unless given). */
  async exec(command: string, options: ExecOptions & { stdin?: string | Uint8Array } = {}): Promise<ExecResult> {
    const p = await this.execStream(command, options);
    const input = options.stdin === undefined ? undefined : typeof options.stdin === 'string' ? encoder.encode(options.stdin) : options.stdin;
    const writing = (async () => {
      const w = p.stdin.getWriter();
      if (input && input.length) await w.write(input);
      await w.close();
    })();
    const [stdout, stderr, exit] = await Promise.all([readAll(p.stdout), readAll(p.stderr), p.exit, writing.catch(() => {})]);
    return { stdout: utf8.decode(stdout), stderr: utf8.decode(stderr), code: exit.code, signal: exit.signal };
  }

  /** Starts a command; resolves once the server accepted it, with its byte streams. */
  execStream(command: string, options: ExecOptions = {}): Promise<ExecProcess> {
    if (typeof command !== 'string' || command.length === 0) return Promise.reject(new TypeError('exec needs a non-empty command string'));
    if (this.ended) return Promise.reject(this.ended);
    const ch = this.conn.openSession();
    const proc = new RemoteProcess(ch, command, () => this.driver.schedule(), () => this.driver.writeBlocked, 'exec');
    this.sinks.set(ch, proc);
    if (options.pty) ch.pty(ptyRequest(options.pty === true ? {} : options.pty));
    for (const [name, value] of Object.entries(options.env ?? {})) ch.env(name, value);
    if (options.agentForwarding) this.requestAgent(ch);
    ch.exec(command);
    this.driver.schedule();
    return proc.started;
  }

  /**
   * Starts an SFTP session on the server's "sftp" subsystem; resolves once the server answered
   * VERSION. The session has every SFTP v3 operation and OpenSSH extension as a method, list(),
   * Web Streams and pipelined get/put (see SftpClient); end() closes it.
   */
  sftp(options: SftpSessionOptions = {}): Promise<SftpSession> {
    if (this.ended) return Promise.reject(this.ended);
    let session: SftpSession;
    try {
      const { window = SFTP_CHANNEL_WINDOW, maxPacket = SFTP_CHANNEL_MAX_PACKET, ...sftpOptions } = options;
      const ch = this.conn.openSession({ window, maxPacket });
      session = new SftpSession(ch, { kick: () => this.driver.schedule() }, sftpOptions);
      this.sinks.set(ch, session.binding);
    } catch (e) {
      return Promise.reject(e);
    }
    return session.binding.started;
  }

  /** Starts an interactive shell (with a pseudo-terminal unless pty: false); resolves once the server accepted it. */
  shell(options: ShellOptions = {}): Promise<ShellProcess> {
    if (this.ended) return Promise.reject(this.ended);
    const ch = this.conn.openSession();
    const proc = new RemoteProcess(ch, 'a shell', () => this.driver.schedule(), () => this.driver.writeBlocked, 'shell');
    this.sinks.set(ch, proc);
    if (options.pty !== false) ch.pty(ptyRequest(options));
    for (const [name, value] of Object.entries(options.env ?? {})) ch.env(name, value);
    if (options.agentForwarding) this.requestAgent(ch);
    ch.shell();
    this.driver.schedule();
    return proc.started as Promise<ShellProcess>;
  }

  private requestAgent(ch: Channel): void {
    if (!this.agentForwarder) throw new Error('agentForwarding needs client.agentForwarder (a way to reach the local agent)');
    this.agentRequested = true;
    ch.requestRaw('auth-agent-req@openssh.com', new Uint8Array(0), false);
  }

  private onAgentOpen(ch: Channel): void {
    const open = this.agentForwarder;
    if (!open || !this.agentRequested) {
      ch.reject(1, 'agent forwarding was not requested');
      this.driver.pump();
      return;
    }
    this.acceptWith(ch, open, 'cannot reach the agent');
  }

  /** Opens a direct-tcpip channel (ssh -W): the server connects to host:port. */
  openTcp(host: string, port: number, origin: { host: string; port: number } = { host: '127.0.0.1', port: 0 }): Promise<TcpChannel> {
    checkHostPort(host, port, 'openTcp');
    if (this.ended) return Promise.reject(this.ended);
    const ch = this.conn.openChannel({ type: 'direct-tcpip', host, port, originatorAddress: origin.host, originatorPort: origin.port });
    const proc = new RemoteProcess(ch, `${host}:${port}`, () => this.driver.schedule(), () => this.driver.writeBlocked, 'open');
    this.sinks.set(ch, proc);
    this.driver.schedule();
    return proc.started.then((p) => ({ readable: p.stdout, writable: p.stdin, closed: p.exit.then(() => undefined), close: () => p.close() }));
  }

  /** Opens a direct-streamlocal@openssh.com channel (OpenSSH PROTOCOL §2.4): the server connects to a unix socket. */
  openUnix(socketPath: string): Promise<TcpChannel> {
    if (typeof socketPath !== 'string' || socketPath === '') return Promise.reject(new TypeError('openUnix: socketPath must be a non-empty string'));
    if (this.ended) return Promise.reject(this.ended);
    const data = new SshWriter().string(socketPath).string('').uint32(0).finish();
    const ch = this.conn.openChannel({ type: 'direct-streamlocal@openssh.com', data });
    const proc = new RemoteProcess(ch, socketPath, () => this.driver.schedule(), () => this.driver.writeBlocked, 'open');
    this.sinks.set(ch, proc);
    this.driver.schedule();
    return proc.started.then((p) => ({ readable: p.stdout, writable: p.stdin, closed: p.exit.then(() => undefined), close: () => p.close() }));
  }

  /** Joins a byte stream to a new direct-tcpip channel to host:port (what forwardLocal does per connection). */
  pipeTcp(
    stream: ByteStream,
    host: string,
    port: number,
    origin: { host: string; port: number } = { host: '127.0.0.1', port: 0 },
    /** Called when the server answers the open, before any data moves (e.g. to send a SOCKS reply). */
    onOpen?: (ok: boolean, reason?: string) => void,
  ): void {
    checkHostPort(host, port, 'pipeTcp');
    if (this.ended) {
      stream.destroy(this.ended);
      return;
    }
    const ch = this.conn.openChannel({ type: 'direct-tcpip', host, port, originatorAddress: origin.host, originatorPort: origin.port });
    this.bindPipe(ch, stream, onOpen);
  }

  /**
   * Listens locally (through options.net) and forwards each connection via the server (ssh -L):
   * listens on bindHost:bindPort or on the unix socket bindPath, and has the server connect to
   * host:port or to the unix socket socketPath (see LocalForwardOptions).
   */
  async forwardLocal(opts: LocalForwardOptions): Promise<LocalForward> {
    if (!this.net) throw new Error('forwardLocal needs a socket factory (options.net; @seashell/node supplies one)');
    if (!opts || typeof opts !== 'object') throw new TypeError('forwardLocal needs an options object');
    if (opts.socketPath !== undefined || opts.bindPath !== undefined) return this.forwardLocalUnix(opts);
    checkHostPort(opts.host!, opts.port!, 'forwardLocal');
    const bindHost = opts.bindHost ?? '127.0.0.1';
    if (!Number.isInteger(opts.bindPort) || opts.bindPort! < 0 || opts.bindPort! > 65535) throw new RangeError(`forwardLocal: bindPort must be 0..65535, got ${opts.bindPort}`);
    if (this.ended) throw this.ended;
    let listener: Listener;
    try {
      listener = await this.net.listen(bindHost, opts.bindPort!, (stream, peer) => this.pipeTcp(stream, opts.host!, opts.port!, { host: peer.address, port: peer.port }));
    } catch (e) {
      throw new Error(`cannot listen on ${bindHost}:${opts.bindPort} for forwarding: ${(e as Error).message}`);
    }
    void this.closed.then(() => listener.close());
    return { bindHost, bindPort: listener.port, close: () => listener.close() };
  }

  /** forwardLocal with a unix socket on either end (bindPath here, socketPath on the server). */
  private async forwardLocalUnix(opts: LocalForwardOptions): Promise<LocalForward> {
    const net = this.net!;
    const toPath = opts.socketPath;
    if (toPath !== undefined) {
      if (typeof toPath !== 'string' || toPath === '') throw new TypeError('forwardLocal: socketPath must be a non-empty string');
      if (opts.host !== undefined || opts.port !== undefined) throw new TypeError('forwardLocal: give host and port, or socketPath, not both');
    } else checkHostPort(opts.host!, opts.port!, 'forwardLocal');
    const target = toPath ?? `${opts.host}:${opts.port}`;
    const forward = (stream: ByteStream, origin: { host: string; port: number }) =>
      toPath !== undefined ? this.pipeUnix(stream, toPath) : this.pipeTcp(stream, opts.host!, opts.port!, origin);
    if (opts.bindPath === undefined) {
      const bindHost = opts.bindHost ?? '127.0.0.1';
      const bindPort = opts.bindPort;
      if (!Number.isInteger(bindPort) || bindPort! < 0 || bindPort! > 65535) throw new RangeError(`forwardLocal: bindPort must be 0..65535, got ${bindPort}`);
      if (this.ended) throw this.ended;
      let listener: Listener;
      try {
        listener = await net.listen(bindHost, bindPort!, (stream, peer) => forward(stream, { host: peer.address, port: peer.port }));
      } catch (e) {
        throw new Error(`cannot listen on ${bindHost}:${bindPort} for forwarding to ${target}: ${(e as Error).message}`);
      }
      void this.closed.then(() => listener.close());
      return { bindHost, bindPort: listener.port, close: () => listener.close() };
    }
    const bindPath = opts.bindPath;
    if (typeof bindPath !== 'string' || bindPath === '') throw new TypeError('forwardLocal: bindPath must be a non-empty string');
    if (opts.bindHost !== undefined || opts.bindPort !== undefined) throw new TypeError('forwardLocal: give bindHost/bindPort, or bindPath, not both');
    if (!net.listenUnix) throw new Error('forwardLocal: listening on a unix socket needs net.listenUnix (@seashell/node supplies it)');
    if (this.ended) throw this.ended;
    let listener: UnixListener;
    try {
      listener = await net.listenUnix(bindPath, (stream) => forward(stream, { host: '127.0.0.1', port: 0 }), { unlinkExisting: opts.unlinkExisting === true });
    } catch (e) {
      throw new Error(`cannot listen on unix socket ${bindPath} for forwarding to ${target}: ${(e as Error).message}`);
    }
    void this.closed.then(() => listener.close());
    return { bindHost: '', bindPort: 0, bindPath: listener.path, close: () => listener.close() };
  }

  /**
   * Joins a byte stream to a new direct-streamlocal@openssh.com channel (OpenSSH PROTOCOL §2.4):
   * the server connects to the unix socket at socketPath. onOpen hears the server's answer.
   */
  pipeUnix(stream: ByteStream, socketPath: string, onOpen?: (ok: boolean, reason?: string) => void): void {
    if (typeof socketPath !== 'string' || socketPath === '') throw new TypeError('pipeUnix: socketPath must be a non-empty string');
    if (this.ended) {
      stream.destroy(this.ended);
      return;
    }
    const data = new SshWriter().string(socketPath).string('').uint32(0).finish();
    const ch = this.conn.openChannel({ type: 'direct-streamlocal@openssh.com', data });
    this.bindPipe(ch, stream, onOpen);
  }

  /** Joins a byte stream to a channel being opened: data moves once the server accepts it. */
  private bindPipe(ch: Channel, stream: ByteStream, onOpen?: (ok: boolean, reason?: string) => void): void {
    const pipe = new ChannelPipe(ch, stream, () => this.driver.schedule(), () => this.driver.writeBlocked);
    this.sinks.set(ch, {
      event: (ev) => {
        if (ev.type === 'channelOpened') {
          onOpen?.(true);
          pipe.start();
        } else {
          if (ev.type === 'channelOpenFailed') onOpen?.(false, ev.description);
          pipe.event(ev);
        }
      },
      abort: (e) => pipe.abort(e),
      drained: () => pipe.drained(),
    });
    this.driver.schedule();
  }

  /**
   * Asks the server to listen on bindHost:bindPort (ssh -R, tcpip-forward). Each connection it
   * accepts arrives through onConnection, which returns the local byte stream to join it to
   * (e.g. one opened with the adapter's connectTcp). Rejects when the server refuses.
   */
  async forwardRemote(opts: { bindHost?: string; bindPort: number }, onConnection: (c: ForwardedConnection) => ByteStream | Promise<ByteStream>): Promise<RemoteForward> {
    const bindHost = opts.bindHost ?? 'localhost';
    if (!Number.isInteger(opts.bindPort) || opts.bindPort < 0 || opts.bindPort > 65535) throw new RangeError(`forwardRemote: bindPort must be 0..65535, got ${opts.bindPort}`);
    if (typeof onConnection !== 'function') throw new TypeError('forwardRemote needs an onConnection function');
    const entry = { bindHost, bindPort: opts.bindPort, onConnection };
    // Registered while the answer is being processed, not after this function resumes: the
    // server may open the first forwarded-tcpip channel in the same read as its REQUEST_SUCCESS
    // (and with bindPort 0 the port is known only from that answer).
    const r = await this.request('tcpip-forward', new SshWriter().string(bindHost).uint32(opts.bindPort).finish(), (answer) => {
      if (!answer.success) return;
      if (entry.bindPort === 0 && answer.data.length >= 4) entry.bindPort = new SshReader(answer.data).uint32();
      this.remoteForwards.set(`${bindHost}:${entry.bindPort}`, entry);
    });
    if (!r.success) throw new ChannelOpenError(`the server refused to listen on ${bindHost}:${opts.bindPort}${r.debug ? `: ${r.debug}` : ' (remote port forwarding refused)'}`, 1);
    const bindPort = entry.bindPort;
    return {
      bindHost,
      bindPort,
      close: async () => {
        if (this.remoteForwards.get(`${bindHost}:${bindPort}`) !== entry) return;
        this.remoteForwards.delete(`${bindHost}:${bindPort}`);
        if (!this.ended) await this.request('cancel-tcpip-forward', new SshWriter().string(bindHost).uint32(opts.bindPort).finish());
      },
    };
  }

  /**
   * Asks the server to listen on a unix socket (ssh -R /path.sock:..., streamlocal-forward@openssh.com,
   * OpenSSH PROTOCOL §2.4). Each connection to it arrives through onConnection, which returns
   * the local byte stream to join it to (e.g. one opened with the adapter's connectStream or
   * connectUnix). Rejects with ChannelOpenError when the server refuses, with the server's reason
   * when it sent one (a DEBUG message). close() cancels: the server stops listening (ours removes
   * the socket file; OpenSSH's sshd leaves it behind, and its StreamLocalBindUnlink lets a later
   * forward reuse the path).
   */
  async forwardRemoteUnix(opts: { socketPath: string }, onConnection: (c: ForwardedUnixConnection) => ByteStream | Promise<ByteStream>): Promise<RemoteUnixForward> {
    if (!opts || typeof opts !== 'object') throw new TypeError('forwardRemoteUnix needs an options object');
    const socketPath = opts.socketPath;
    if (typeof socketPath !== 'string' || socketPath === '' || socketPath.includes('\0')) throw new TypeError('forwardRemoteUnix: socketPath must be a non-empty string without NUL bytes');
    if (typeof onConnection !== 'function') throw new TypeError('forwardRemoteUnix needs an onConnection function');
    if (this.remoteUnixForwards.has(socketPath)) throw new Error(`forwardRemoteUnix: ${socketPath} is already forwarded on this connection`);
    const body = () => new SshWriter().string(socketPath).finish();
    // Registered before asking: the server may open the first channel in the same read as its
    // REQUEST_SUCCESS, before this function resumes.
    const entry = { socketPath, onConnection };
    this.remoteUnixForwards.set(socketPath, entry);
    let r: GlobalRequestResult;
    try {
      r = await this.request('streamlocal-forward@openssh.com', body());
    } catch (e) {
      if (this.remoteUnixForwards.get(socketPath) === entry) this.remoteUnixForwards.delete(socketPath);
      throw e;
    }
    if (!r.success) {
      if (this.remoteUnixForwards.get(socketPath) === entry) this.remoteUnixForwards.delete(socketPath);
      throw new ChannelOpenError(`the server refused to listen on unix socket ${socketPath}${r.debug ? `: ${r.debug}` : ' (remote unix socket forwarding refused)'}`, 1);
    }
    return {
      socketPath,
      close: async () => {
        if (this.remoteUnixForwards.get(socketPath) !== entry) return;
        this.remoteUnixForwards.delete(socketPath);
        if (!this.ended) await this.request('cancel-streamlocal-forward@openssh.com', body());
      },
    };
  }

  /**
   * Sends a global request and waits for its answer. `debug` is the text of a DEBUG message the
   * server sent just before answering (servers use it to say why they refused).
   */
  request(name: string, data?: Uint8Array, onAnswer?: (r: GlobalRequestResult) => void): Promise<GlobalRequestResult> {
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((settle) => {
      // onAnswer runs synchronously while the answer is processed, before any later message of
      // the same read (a channel the request made possible may follow it at once)
      const resolve = onAnswer ? (r: GlobalRequestResult) => { try { onAnswer(r); } finally { settle(r); } } : settle;
      // a DEBUG that came while nothing was asked (e.g. during authentication) explains nothing here
      if (this.globalWaiters.length === 0) this.pendingDebug = undefined;
      this.conn.globalRequest(name, data, true);
      this.globalWaiters.push(resolve);
      this.driver.schedule();
    });
  }

  /** @internal starts keepalives (keepalive@openssh.com with want-reply, like ServerAliveInterval). */
  startKeepalive(intervalMs: number, countMax: number): void {
    if (!intervalMs) return;
    if (!Number.isInteger(intervalMs) || intervalMs < 1) throw new RangeError(`keepaliveIntervalMs must be a positive integer, got ${intervalMs}`);
    if (!Number.isInteger(countMax) || countMax < 1) throw new RangeError(`keepaliveCountMax must be a positive integer, got ${countMax}`);
    const tick = () => {
      this.keepaliveTimer = undefined;
      if (this.ended) return;
      if (this.keepaliveMissed >= countMax) {
        this.conn.disconnect(`no answer to ${countMax} keepalives`, DisconnectReason.CONNECTION_LOST);
        this.driver.pump();
        return;
      }
      this.keepaliveMissed++;
      this.request('keepalive@openssh.com').then(
        () => (this.keepaliveMissed = 0),
        () => {},
      );
      this.keepaliveTimer = this.timers.setTimeout(tick, intervalMs);
    };
    this.keepaliveTimer = this.timers.setTimeout(tick, intervalMs);
  }

  /** forwarded-streamlocal@openssh.com: a connection to a socket forwardRemoteUnix asked for. */
  private onForwardedUnixOpen(ch: Channel, data: Uint8Array): void {
    let socketPath: string;
    try {
      const r = new SshReader(data);
      socketPath = r.text('socket path');
      if (r.remaining > 0) r.text('reserved');
      r.end();
    } catch {
      ch.reject(1, 'malformed forwarded-streamlocal@openssh.com channel data');
      this.driver.pump();
      return;
    }
    const fwd = this.remoteUnixForwards.get(socketPath);
    if (!fwd) {
      ch.reject(1, `no forwarding was requested for unix socket ${socketPath.slice(0, 256)}`);
      this.driver.pump();
      return;
    }
    this.acceptWith(ch, () => fwd.onConnection({ socketPath }));
  }

  /**
   * Accepts a channel the server opened once `open` yields the local stream to join it to; rejects
   * it when that fails, the reason starting with `failure`.
   */
  private acceptWith(ch: Channel, open: () => ByteStream | Promise<ByteStream>, failure = 'cannot connect'): void {
    Promise.resolve()
      .then(open)
      .then(
        (stream) => {
          if (ch.state !== 'pending' || this.ended) return stream.destroy();
          const pipe = new ChannelPipe(ch, stream, () => this.driver.schedule(), () => this.driver.writeBlocked);
          this.sinks.set(ch, pipe);
          ch.accept();
          pipe.start();
          this.driver.pump();
        },
        (e: Error) => {
          if (ch.state !== 'pending' || this.ended) return;
          ch.reject(2, `${failure}: ${e?.message ?? e}`);
          this.driver.pump();
        },
      );
  }

  private onForwardedOpen(ch: Channel, info: { connectedAddress: string; connectedPort: number; originatorAddress: string; originatorPort: number }): void {
    const fwd = this.remoteForwards.get(`${info.connectedAddress}:${info.connectedPort}`) ?? [...this.remoteForwards.values()].find((f) => f.bindPort === info.connectedPort);
    if (!fwd) {
      ch.reject(1, `no forwarding was requested for ${info.connectedAddress}:${info.connectedPort}`);
      this.driver.pump();
      return;
    }
    this.acceptWith(ch, () => fwd.onConnection({ bindHost: fwd.bindHost, bindPort: fwd.bindPort, originHost: info.originatorAddress, originPort: info.originatorPort }));
  }

  /** Sends DISCONNECT and closes the stream; resolves when it is closed. */
  close(): Promise<void> {
    if (!this.conn.closed) {
      this.conn.disconnect('closed by user');
      this.driver.pump();
    }
    return this.closed;
  }

  /** @internal */
  onEvent(ev: ConnectionEvent): void {
    if (ev.type === 'disconnected') {
      const err =
        ev.error ??
        (ev.reason === DisconnectReason.BY_APPLICATION && !ev.byPeer
          ? new Error('the connection is closed')
          : new ProtocolError(`connection closed${ev.byPeer ? ' by the server' : ''}: ${ev.description}`, ev.reason));
      this.ended = err;
      if (this.keepaliveTimer !== undefined) this.timers.clearTimeout(this.keepaliveTimer);
      for (const w of this.globalWaiters.splice(0)) w({ success: false, data: new Uint8Array(0) });
      this.remoteUnixForwards.clear();
      for (const s of this.sinks.values()) s.abort(err);
      this.sinks.clear();
      this.resolveClosed();
      return;
    }
    if (ev.type === 'debug') {
      this.pendingDebug = ev.message;
      return;
    }
    if (ev.type === 'globalRequestResult') {
      this.keepaliveMissed = 0;
      const debug = this.pendingDebug;
      this.pendingDebug = undefined;
      this.globalWaiters.shift()?.({ success: ev.success, data: ev.data, ...(debug !== undefined ? { debug } : {}) });
      return;
    }
    if (ev.type === 'channelOpen') {
      if (ev.info.type === 'forwarded-tcpip' && 'connectedAddress' in ev.info) this.onForwardedOpen(ev.channel, ev.info);
      else if (ev.info.type === 'auth-agent@openssh.com') this.onAgentOpen(ev.channel);
      else if (ev.info.type === 'forwarded-streamlocal@openssh.com' && 'data' in ev.info) this.onForwardedUnixOpen(ev.channel, ev.info.data);
      else ev.channel.reject(1, `${ev.info.type} channels are not accepted`);
      return;
    }
    if ('channel' in ev) {
      const sink = this.sinks.get(ev.channel);
      if (sink) {
        sink.event(ev);
        if (ev.type === 'channelClose' || ev.type === 'channelOpenFailed') this.sinks.delete(ev.channel);
      } else if (ev.type === 'channelData' || ev.type === 'channelExtendedData') {
        ev.channel.consume(ev.data.length);
      }
    }
  }
}

async function readAll(s: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  const r = s.getReader();
  for (;;) {
    const { value, done } = await r.read();
    if (done) break;
    parts.push(value);
    n += value.length;
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A readable side of a channel whose window re-opens only as the reader takes data. */
class ChannelReadable {
  readonly stream: ReadableStream<Uint8Array>;
  private ctl!: ReadableStreamDefaultController<Uint8Array>;
  private owed = 0;
  private done = false;
  private cancelled = false;

  constructor(
    private readonly ch: Channel,
    private readonly kick: () => void,
  ) {
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (c) => {
          this.ctl = c;
        },
        pull: () => this.repay(),
        cancel: () => {
          this.cancelled = true;
          this.repay();
        },
      },
      new ByteLengthQueuingStrategy({ highWaterMark: READ_HIGH_WATER }),
    );
  }

  private repay(): void {
    if (this.owed === 0 || this.ch.state === 'closed') return;
    const n = this.owed;
    this.owed = 0;
    this.ch.consume(n);
    this.kick();
  }

  push(data: Uint8Array): void {
    if (this.done || this.cancelled) {
      this.ch.consume(data.length);
      return;
    }
    this.ctl.enqueue(data);
    if ((this.ctl.desiredSize ?? 0) > 0) this.ch.consume(data.length);
    else this.owed += data.length;
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    if (!this.cancelled) this.ctl.close();
  }

  error(e: Error): void {
    if (this.done) return;
    this.done = true;
    if (!this.cancelled) this.ctl.error(e);
  }
}

/** One exec channel of the client. */
class RemoteProcess implements ShellProcess, ChannelSink {
  ptyRefused = false;
  readonly started: Promise<ExecProcess>;
  readonly stdin: WritableStream<Uint8Array>;
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  readonly exit: Promise<{ code: number | null; signal: string | null }>;
  private readonly out: ChannelReadable;
  private readonly err: ChannelReadable;
  private resolveStarted!: (p: ExecProcess) => void;
  private rejectStarted!: (e: Error) => void;
  private resolveExit!: (v: { code: number | null; signal: string | null }) => void;
  private isStarted = false;
  private writable: (() => void) | undefined;
  private failed: Error | undefined;
  private code: number | null = null;
  private sig: string | null = null;

  constructor(
    private readonly ch: Channel,
    private readonly command: string,
    private readonly kick: () => void,
    private readonly streamBlocked: () => boolean,
    private readonly startOn: 'exec' | 'shell' | 'open' = 'exec',
  ) {
    this.started = new Promise((res, rej) => {
      this.resolveStarted = res;
      this.rejectStarted = rej;
    });
    this.exit = new Promise((r) => (this.resolveExit = r));
    this.out = new ChannelReadable(ch, kick);
    this.err = new ChannelReadable(ch, kick);
    this.stdout = this.out.stream;
    this.stderr = this.err.stream;
    this.stdin = new WritableStream<Uint8Array>({
      write: async (chunk) => {
        if (!(chunk instanceof Uint8Array)) throw new TypeError('stdin takes Uint8Array chunks');
        for (let off = 0; off < chunk.length; off += STDIN_PIECE) {
          if (this.failed) throw this.failed;
          if (this.ch.state === 'closed' || this.ch.closeReceived) throw new Error('the remote command closed its channel');
          const ok = this.ch.write(chunk.subarray(off, off + STDIN_PIECE));
          this.kick();
          if (!ok || this.streamBlocked()) await new Promise<void>((r) => (this.writable = r));
        }
      },
      close: () => {
        if (this.ch.state !== 'closed' && !this.ch.closeReceived) this.ch.end();
        this.kick();
      },
      abort: () => {
        this.ch.close();
        this.kick();
      },
    });
  }

  signal(name: string): void {
    if (this.ch.state === 'open' && !this.ch.closeQueued) {
      this.ch.signal(name);
      this.kick();
    }
  }

  close(): void {
    this.ch.close();
    this.kick();
  }

  resize(cols: number, rows: number, widthPx = 0, heightPx = 0): void {
    for (const [n, v] of [['cols', cols], ['rows', rows], ['widthPx', widthPx], ['heightPx', heightPx]] as const) {
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`resize: ${n} must be a uint32, got ${v}`);
    }
    if (this.ch.state === 'open' && !this.ch.closeQueued) {
      this.ch.request({ type: 'window-change', cols, rows, widthPx, heightPx }, false);
      this.kick();
    }
  }

  event(ev: ConnectionEvent): void {
    switch (ev.type) {
      case 'channelOpenFailed':
        this.fail(new ChannelOpenError(`the server refused ${this.startOn === 'open' ? `to connect to ${this.command}` : 'a session channel'}: ${ev.description}`, ev.reason));
        break;
      case 'channelOpened':
        if (this.startOn === 'open') {
          this.isStarted = true;
          this.resolveStarted(this);
        }
        break;
      case 'channelRequestResult':
        if (ev.request === 'pty-req' && !ev.success) this.ptyRefused = true;
        if (ev.request === this.startOn) {
          if (ev.success) {
            this.isStarted = true;
            this.resolveStarted(this);
          } else {
            this.fail(new Error(`the server refused to run ${JSON.stringify(this.command)}`));
            this.ch.close();
          }
        }
        break;
      case 'channelData':
        this.out.push(ev.data);
        break;
      case 'channelExtendedData':
        if (ev.dataType === 1) this.err.push(ev.data);
        else ev.channel.consume(ev.data.length);
        break;
      case 'channelWritable': {
        const w = this.writable;
        this.writable = undefined;
        w?.();
        break;
      }
      case 'channelEof':
        this.out.end();
        this.err.end();
        break;
      case 'exitStatus':
        this.code = ev.status;
        break;
      case 'exitSignal':
        this.sig = ev.signal;
        break;
      case 'channelClose':
        this.out.end();
        this.err.end();
        if (!this.isStarted) this.fail(new Error(`the server closed the channel before running ${JSON.stringify(this.command)}`));
        this.wakeWriter();
        this.resolveExit({ code: this.code, signal: this.sig });
        break;
    }
  }

  drained(): void {
    this.wakeWriter();
  }

  private wakeWriter(): void {
    const w = this.writable;
    this.writable = undefined;
    w?.();
  }

  private fail(e: Error): void {
    this.failed ??= e;
    if (!this.isStarted) this.rejectStarted(e);
  }

  abort(error: Error): void {
    this.fail(error);
    this.out.error(error);
    this.err.error(error);
    this.wakeWriter();
    this.resolveExit({ code: this.code, signal: this.sig });
  }
}

/**
 * Connects over `options.stream`: key exchange, host key check, authentication. Resolves when
 * the user is authenticated; rejects with HostKeyMismatchError (changed, revoked or unknown key
 * under StrictHostKeyChecking yes, or refused by hostVerifier) before any authentication is sent,
 * AuthenticationError when every method failed, TimeoutError, or ProtocolError.
 */
export async function connect(options: ClientOptions): Promise<SshClient> {
  let setup: ReturnType<typeof prepare>;
  try {
    setup = prepare(options);
    if (options.agent) setup.keys.push(...(await agentKeys(options.agent)));
    if (setup.keys.length === 0 && options.password === undefined && !options.keyboardInteractive) {
      throw new TypeError(options.agent ? 'connect(): the agent holds no keys and no other way to log in was given' : 'connect(): give privateKey, password or keyboardInteractive to log in with');
    }
  } catch (e) {
    options?.stream?.destroy();
    throw e;
  }
  return connectPrepared(options, setup);
}

/** Client keys for an agent's identities (keys of unknown types, e.g. certificates, are skipped). */
async function agentKeys(agent: SshAgent): Promise<ClientKey[]> {
  if (typeof agent.identities !== 'function' || typeof agent.sign !== 'function') throw new TypeError('agent must provide identities() and sign()');
  const out: ClientKey[] = [];
  for (const id of await agent.identities()) {
    let type: string;
    try {
      type = parsePublicKey(id.blob).type;
    } catch {
      continue;
    }
    out.push({ publicBlob: id.blob, algorithms: signatureAlgorithmsFor(type as Parameters<typeof signatureAlgorithmsFor>[0]) });
  }
  return out;
}

function connectPrepared(options: ClientOptions, setup: ReturnType<typeof prepare>): Promise<SshClient> {
  const { host, port, keys, algorithms } = setup;
  const strict = options.strictHostKeyChecking ?? 'yes';
  const now = options.now ?? (() => Date.now());
  const timers = options.timers ?? globalTimers;
  const random = options.random ?? webRandom;
  const conn = new ClientConnection(
    {
      username: options.username,
      password: options.password,
      keys,
      keyboardInteractive: !!options.keyboardInteractive,
      algorithms,
      registry: options.registry,
      channelTypes: ['forwarded-tcpip', 'auth-agent@openssh.com', 'forwarded-streamlocal@openssh.com'],
    },
    { random, now },
  );

  return new Promise<SshClient>((resolve, reject) => {
    let client: SshClient | undefined;
    let settled = false;
    let hostKey: HostKeyInfo | undefined;
    let refusal: Error | undefined;
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      timers.clearTimeout(readyTimer);
      reject(e);
      driver.destroy(e);
    };
    const readyMs = options.readyTimeoutMs ?? 30_000;
    const readyTimer = timers.setTimeout(() => fail(new TimeoutError(`${host}:${port}: no login within ${readyMs} ms`)), readyMs);

    const decideHostKey = async (ev: Extract<ConnectionEvent, { type: 'hostKey' }>) => {
      let type = ev.algorithm;
      try {
        type = parsePublicKey(ev.key).type;
      } catch {
        /* the transport verified a signature with it, so it parses; keep the algorithm name otherwise */
      }
      let info: HostKeyInfo = { algorithm: ev.algorithm, type, key: ev.key, fingerprint: ev.fingerprint, host, port };
      if (options.hostVerifier) {
        if (!(await options.hostVerifier(info))) throw new HostKeyMismatchError(`${host}:${port}: host key ${ev.fingerprint} was refused by hostVerifier`, ev.fingerprint);
        return info;
      }
      const known = parseKnownHosts(options.knownHosts ?? '', { file: options.knownHostsFile });
      const status = lookupKnownHost(known, host, port, ev.key);
      info = { ...info, knownHosts: status };
      const where = options.knownHostsFile ?? 'known_hosts';
      if (status === 'match') return info;
      if (status === 'revoked') throw new HostKeyMismatchError(`${host}:${port}: host key ${ev.fingerprint} is marked @revoked in ${where}`, ev.fingerprint);
      if (status === 'mismatch') {
        const lines = knownHostEntries(known, host, port)
          .filter((e) => (keyTypeOf(e.keyType) ?? e.keyType) === type)
          .map((e) => e.line);
        throw new HostKeyMismatchError(
          `${host}:${port}: REMOTE HOST IDENTIFICATION HAS CHANGED: the ${type} host key is now ${ev.fingerprint}, ` +
            `which does not match ${where}${lines.length ? ` line ${lines.join(', ')}` : ''}; someone may be intercepting the connection`,
          ev.fingerprint,
        );
      }
      if (strict === 'yes') {
        throw new HostKeyMismatchError(
          `${host}:${port}: no ${type} host key is known for this host in ${where} and StrictHostKeyChecking is yes (server key ${ev.fingerprint})`,
          ev.fingerprint,
        );
      }
      if (options.addKnownHost) {
        const pub = parsePublicKey(ev.key);
        await options.addKnownHost(formatKnownHostsLine(host, port, pub as PublicKey), info);
      }
      return info;
    };

    const onEvent = (ev: ConnectionEvent) => {
      if (client) {
        client.onEvent(ev);
        return;
      }
      switch (ev.type) {
        case 'hostKey':
          decideHostKey(ev).then(
            (info) => {
              if (settled || conn.closed) return;
              hostKey = info;
              conn.acceptHostKey();
              driver.pump();
            },
            (e: Error) => {
              refusal = e;
              if (!conn.closed) conn.rejectHostKey(e.message);
              fail(e);
            },
          );
          break;
        case 'authPrompt':
          Promise.resolve()
            .then(() => options.keyboardInteractive!(ev.name, ev.instruction, ev.prompts))
            .then(
              (answers) => {
                if (settled) return;
                if (!Array.isArray(answers) || answers.length !== ev.prompts.length) throw new TypeError(`keyboardInteractive must return ${ev.prompts.length} answers`);
                conn.answerPrompts(answers);
                driver.pump();
              },
            )
            .catch((e: Error) => fail(e));
          break;
        case 'signRequest':
          Promise.resolve()
            .then(() => options.agent!.sign(ev.key.blob, ev.data, ev.key.algorithm))
            .then((sig) => {
              if (settled || conn.closed) return;
              conn.provideSignature(sig);
              driver.pump();
            })
            .catch((e: Error) => fail(new AuthenticationError(`the agent could not sign: ${e.message}`, [])));
          break;
        case 'authResult':
          if (ev.success) {
            settled = true;
            timers.clearTimeout(readyTimer);
            client = new SshClient(conn, driver, hostKey!);
            client.net = options.net;
            client.timers = timers;
            client.startKeepalive(options.keepaliveIntervalMs ?? 0, options.keepaliveCountMax ?? 3);
            resolve(client);
          }
          break;
        case 'disconnected': {
          let e = refusal ?? ev.error;
          if (!e) {
            e = driver.streamError ?? new ProtocolError(`${host}:${port}: connection closed during login${ev.byPeer ? ' by the server' : ''}: ${ev.description}`, ev.reason);
          } else if (e instanceof AuthenticationError) {
            e = new AuthenticationError(`${host}:${port}: ${e.message}`, e.methodsLeft);
          }
          fail(e);
          break;
        }
      }
    };
    const driver = new Driver(conn, options.stream, onEvent, now, timers);
    driver.start();
  });
}

function prepare(options: ClientOptions): { host: string; port: number; keys: ClientKey[]; algorithms: Partial<AlgorithmLists> | undefined } {
  if (!options || typeof options !== 'object') throw new TypeError('connect() needs an options object');
  if (!options.stream) throw new TypeError('connect(): options.stream (a ByteStream) is required');
  if (typeof options.host !== 'string' || options.host === '') throw new TypeError('connect(): options.host must be a non-empty string');
  const port = options.port ?? 22;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`connect(): port must be 1..65535, got ${options.port}`);
  if (typeof options.username !== 'string' || options.username === '') throw new TypeError('connect(): options.username must be a non-empty string');
  if (options.agent !== undefined && (typeof options.agent !== 'object' || options.agent === null)) throw new TypeError('connect(): agent must be an SshAgent (identities(), sign())');
  const strict = options.strictHostKeyChecking ?? 'yes';
  if (!['yes', 'accept-new', 'no'].includes(strict)) throw new RangeError(`strictHostKeyChecking must be yes, accept-new or no, got ${JSON.stringify(strict)}`);
  if (options.hostVerifier !== undefined && typeof options.hostVerifier !== 'function') throw new TypeError('hostVerifier must be a function');
  const raw = options.privateKey === undefined ? [] : Array.isArray(options.privateKey) ? options.privateKey : [options.privateKey];
  const keys = (raw as (string | Uint8Array)[]).map((k, i) => {
    const pk = loadPrivateKey(k, options.passphrase, raw.length > 1 ? `privateKey[${i}]` : 'privateKey');
    return clientKey(...(options.makeSigners?.(pk) ?? signersFor(pk, options.random)));
  });
  let algorithms = options.algorithms;
  if (!algorithms?.hostKey && !options.hostVerifier && options.knownHosts) {
    // Prefer the host key types known_hosts already has for this host, so a host known by its
    // ECDSA key is not refused for offering Ed25519 first.
    const known = parseKnownHosts(options.knownHosts, { file: options.knownHostsFile });
    const types = new Set(knownHostEntries(known, options.host, port).filter((e) => e.marker === undefined).map((e) => keyTypeOf(e.keyType) ?? e.keyType));
    if (types.size > 0) {
      const defaults = resolveAlgorithms(options.registry ?? defaultRegistry, {}).hostKey;
      algorithms = { ...algorithms, hostKey: preferKnownTypes(defaults, types) };
    }
  }
  return { host: options.host, port, keys, algorithms };
}

function ptyRequest(o: PtyOptions): { term?: string; cols?: number; rows?: number; widthPx?: number; heightPx?: number; modes?: Uint8Array } {
  for (const n of ['cols', 'rows', 'widthPx', 'heightPx'] as const) {
    const v = o[n];
    if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > 0xffffffff)) throw new RangeError(`pty: ${n} must be a uint32, got ${v}`);
  }
  if (o.term !== undefined && typeof o.term !== 'string') throw new TypeError('pty: term must be a string');
  return { term: o.term ?? 'xterm', cols: o.cols ?? 80, rows: o.rows ?? 24, widthPx: o.widthPx, heightPx: o.heightPx, modes: o.modes };
}

function checkHostPort(host: string, port: number, what: string): void {
  if (typeof host !== 'string' || host === '') throw new TypeError(`${what}: host must be a non-empty string`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`${what}: port must be 0..65535, got ${port}`);
}
