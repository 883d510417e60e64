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
  /** An ssh-agent socket path: not supported yet (rejects with an error saying so). */
  agent?: string;
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

/** Per-channel event sink. */
interface ChannelSink {
  event(ev: ConnectionEvent): void;
  /** The connection ended. */
  abort(error: Error): void;
  /** The byte stream drained: writers waiting on it may continue. */
  drained(): void;
}

/** An SSH client connection. Created by connect(). */
export class SshClient {
  /** The server's host key (verified). */
  readonly hostKey: HostKeyInfo;
  /** Resolves when the connection is over (closed by either side or lost). */
  readonly closed: Promise<void>;
  private readonly sinks = new Map<Channel, ChannelSink>();
  private ended: Error | undefined;
  private resolveClosed!: () => void;

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
    const proc = new RemoteProcess(ch, command, () => this.driver.schedule(), () => this.driver.writeBlocked);
    this.sinks.set(ch, proc);
    for (const [name, value] of Object.entries(options.env ?? {})) ch.env(name, value);
    ch.exec(command);
    this.driver.schedule();
    return proc.started;
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
      for (const s of this.sinks.values()) s.abort(err);
      this.sinks.clear();
      this.resolveClosed();
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
class RemoteProcess implements ExecProcess, ChannelSink {
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

  event(ev: ConnectionEvent): void {
    switch (ev.type) {
      case 'channelOpenFailed':
        this.fail(new ChannelOpenError(`the server refused a session channel: ${ev.description}`, ev.reason));
        break;
      case 'channelRequestResult':
        if (ev.request === 'exec') {
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
export function connect(options: ClientOptions): Promise<SshClient> {
  let setup: ReturnType<typeof prepare>;
  try {
    setup = prepare(options);
  } catch (e) {
    options?.stream?.destroy();
    return Promise.reject(e);
  }
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
        case 'authResult':
          if (ev.success) {
            settled = true;
            timers.clearTimeout(readyTimer);
            client = new SshClient(conn, driver, hostKey!);
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
  if (options.agent !== undefined) throw new Error('connect(): ssh-agent support is not implemented yet; pass privateKey instead');
  const strict = options.strictHostKeyChecking ?? 'yes';
  if (!['yes', 'accept-new', 'no'].includes(strict)) throw new RangeError(`strictHostKeyChecking must be yes, accept-new or no, got ${JSON.stringify(strict)}`);
  if (options.hostVerifier !== undefined && typeof options.hostVerifier !== 'function') throw new TypeError('hostVerifier must be a function');
  const raw = options.privateKey === undefined ? [] : Array.isArray(options.privateKey) ? options.privateKey : [options.privateKey];
  const keys = (raw as (string | Uint8Array)[]).map((k, i) => {
    const pk = loadPrivateKey(k, options.passphrase, raw.length > 1 ? `privateKey[${i}]` : 'privateKey');
    return clientKey(...(options.makeSigners?.(pk) ?? signersFor(pk, options.random)));
  });
  if (keys.length === 0 && options.password === undefined && !options.keyboardInteractive) {
    throw new TypeError('connect(): give privateKey, password or keyboardInteractive to log in with');
  }
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
