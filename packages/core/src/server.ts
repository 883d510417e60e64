// The promise API of the server, built on ServerConnection and ByteStreams the runtime adapter
// accepts: host keys, an authentication callback, and exec requests handed to the application
// as ServerExec objects (callback I/O with backpressure, plus Web streams on top). Unauthenticated
// connections are capped like OpenSSH's MaxStartups (DHEat, CVE-2002-20001) and time out after
// the login grace time (the engine's). Web-standard APIs only.
import { ServerConnection } from './server-connection.ts';
import type { ConnectionEvent } from './events.ts';
import type { Channel } from './connection/channel.ts';
import type { AlgorithmLists } from './transport/kexinit.ts';
import type { AlgorithmRegistry } from './algorithms/registry.ts';
import type { DhGroup, HostKeySigner, RandomSource } from './algorithms/types.ts';
import { fingerprintSha256, keyTypeOf, parsePublicKey, type PrivateKey } from './keys/index.ts';
import { loadPrivateKey, signersFor, webRandom } from './client.ts';
import { Driver, globalTimers, type Timers } from './driver.ts';
import type { ByteStream } from './stream.ts';
import { SftpServerBinding, type SftpFileSystemSource } from './sftp-channel.ts';
import type { SftpServerOptions } from './sftp/server.ts';
import { ChannelPipe, checkForward, unixAllowed, type ChannelSink, type ForwardingPolicy, type Listener, type NetFactory, type UnixListener } from './forwarding.ts';
import { SshReader, SshWriter } from './wire/index.ts';
import { MAX_REMOTE_FORWARDS } from './limits.ts';

/** A user key the client offered or signed with. */
export interface UserKey {
  /** Signature algorithm, e.g. 'rsa-sha2-512'. */
  readonly algorithm: string;
  /** Key type, e.g. 'ssh-rsa'. */
  readonly type: string;
  readonly blob: Uint8Array;
  readonly fingerprint: string;
}

/** One authentication attempt, for the authenticate callback. */
export type AuthContext = { readonly username: string; readonly remoteAddress?: string } & (
  | { readonly method: 'none' }
  | { readonly method: 'password'; readonly password: string }
  /**
   * signed false: the client asks whether this key would do (answering true sends PK_OK and grants
   * nothing). signed true: the client proved it holds exactly this key; true logs it in.
   */
  | { readonly method: 'publickey'; readonly key: UserKey; readonly signed: boolean }
);

export interface ServerOptions {
  /** Host private keys: key file contents or parsed keys (RSA keys serve rsa-sha2-512 and -256). */
  hostKeys: readonly (string | Uint8Array | PrivateKey)[];
  /** Decides each authentication attempt. Throwing counts as a refusal. */
  authenticate: (ctx: AuthContext) => boolean | Promise<boolean>;
  /** Runs an exec request. Without it every exec is refused. */
  onExec?: (exec: ServerExec) => void;
  /**
   * Serves the "sftp" subsystem over this FileSystem (one shared by every session, or a factory
   * called per session, e.g. to jail each user in their own directory). Without it the subsystem
   * is refused, with the reason on the channel's stderr.
   */
  sftp?: SftpFileSystemSource;
  /** Bounds of each SFTP session (packet size, handles, requests in flight, queues). */
  sftpOptions?: Omit<SftpServerOptions, 'onTransmit' | 'onInputConsumed' | 'disposeFileSystem'>;
  /** Runs a shell request (interactive login shell). Without it every shell request is refused. */
  onShell?: (shell: ServerExec) => void;
  /** Grant pty-req requests (default true). Say false where no pseudo-terminal can be made. */
  pty?: boolean;
  /**
   * What clients may forward (default: direct-tcpip to loopback targets, tcpip-forward on
   * loopback, no unix sockets either way: see forwarding.unix and forwarding.remoteUnix).
   */
  forwarding?: ForwardingPolicy;
  /**
   * Per-login restrictions, asked once after authentication (e.g. from authorized_keys options
   * no-pty, no-port-forwarding, no-agent-forwarding, restrict): false turns a feature off for
   * this connection on top of the server-wide settings.
   */
  restrict?: (login: { username: string; userKey?: UserKey; remoteAddress?: string }) => { pty?: boolean; portForwarding?: boolean; agentForwarding?: boolean };
  /** Grant auth-agent-req@openssh.com (ssh -A) when net.listenAgent exists (default true). */
  agentForwarding?: boolean;
  /** Sockets for forwarding (the adapter supplies them); without it every forwarding request is refused. */
  net?: NetFactory;
  /** Methods offered (default publickey and password). */
  methods?: readonly ('none' | 'password' | 'publickey')[];
  banner?: string;
  algorithms?: Partial<AlgorithmLists>;
  registry?: AlgorithmRegistry;
  /**
   * Makes the signers for a host key in place of the portable ones (a runtime adapter's faster
   * implementation of the same algorithm); undefined falls back to the portable signers.
   */
  makeSigners?: (key: PrivateKey) => HostKeySigner[] | undefined;
  /** Milliseconds a client has to authenticate (default 120 000, OpenSSH LoginGraceTime). */
  loginGraceTimeMs?: number;
  /** Failed attempts before disconnecting (default 6, OpenSSH MaxAuthTries). */
  maxAuthTries?: number;
  /**
   * OpenSSH MaxStartups start:rate:full for unauthenticated connections (default 10:30:100):
   * past `start`, new ones are dropped with probability rising from rate% to 100% at `full`.
   */
  maxStartups?: { start: number; rate: number; full: number };
  /** Group exchange moduli (default: the engine's). */
  moduli?: readonly DhGroup[];
  /**
   * How long our first KEXINIT waits for the client's (default KEXINIT_HOLD_MS, 25 ms; 0 sends it
   * at once). Saves clients with Nagle on a delayed ACK per connection; costs clients with Nagle
   * off one round trip (ServerConfig.kexinitHoldMs).
   */
  kexinitHoldMs?: number;
  /** Environment variable names (exact, or prefixes ending in '*') an exec request may set (default LANG, LC_*). */
  acceptEnv?: readonly string[];
  random?: RandomSource;
  now?: () => number;
  timers?: Timers;
}

/** Where an accepted stream comes from. */
export interface PeerInfo {
  remoteAddress?: string;
  remotePort?: number;
}

/** A pseudo-terminal the client asked for (RFC 4254 §6.2). */
export interface PtyInfo {
  readonly term: string;
  readonly cols: number;
  readonly rows: number;
  readonly widthPx: number;
  readonly heightPx: number;
  /** Encoded terminal modes (RFC 4254 §8). */
  readonly modes: Uint8Array;
}

/** An exec or shell request from an authenticated user. */
export interface ServerExec {
  /** 'exec' (command given) or 'shell' (interactive login shell; command is ''). */
  readonly kind: 'exec' | 'shell';
  /** The pseudo-terminal granted for this session, if the client asked for one. */
  readonly pty?: PtyInfo;
  /** The client's terminal changed size (window-change, RFC 4254 §6.7). */
  onResize(cb: (size: { cols: number; rows: number; widthPx: number; heightPx: number }) => void): void;
  readonly command: string;
  /** Where the client's forwarded agent can be reached (set SSH_AUTH_SOCK to it), after ssh -A. */
  readonly agentSocket?: string;
  readonly username: string;
  /** Variables the client set with env requests that acceptEnv allowed. */
  readonly env: Readonly<Record<string, string>>;
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  /** The key that logged the user in (publickey), if any. */
  readonly userKey?: UserKey;

  /** Writes stdout; false means wait for onDrain before writing more. */
  write(data: Uint8Array): boolean;
  /** Writes stderr; same backpressure. */
  writeStderr(data: Uint8Array): boolean;
  /** Called when writing may continue after write() returned false. */
  onDrain(cb: () => void): void;
  /** stdin: data as it arrives (until pause()). */
  onData(cb: (data: Uint8Array) => void): void;
  /** stdin ended (EOF from the client). */
  onEnd(cb: () => void): void;
  /** The client asked to deliver a signal (RFC 4254 §6.9), e.g. 'TERM'. */
  onSignal(cb: (name: string) => void): void;
  /** The channel is gone (closed by either side, or the connection ended). */
  onClose(cb: () => void): void;
  /** Stops stdin callbacks; the client's window stops re-opening, so it stops sending. */
  pause(): void;
  resume(): void;
  /** Sends EOF (no more output), exit-status, and closes the channel, after queued output. */
  exit(code: number): void;
  /** Like exit() but reports death by a signal (name without "SIG"). */
  exitSignal(signal: string, coreDumped?: boolean): void;
  /** True once the channel is closed. */
  readonly closed: boolean;

  /** Web streams over the same channel (use either these or the callbacks, not both). */
  readonly stdin: ReadableStream<Uint8Array>;
  readonly stdout: WritableStream<Uint8Array>;
  readonly stderr: WritableStream<Uint8Array>;
}

const STARTUPS_DEFAULT = { start: 10, rate: 30, full: 100 };

/** Accepts connections on ByteStreams; the adapter supplies listening (see @seashell/node createServer). */
export class SshServer {
  private readonly hostKeys: HostKeySigner[];
  /** "type SHA256:..." of each host key, for printing. */
  readonly hostKeyFingerprints: readonly { type: string; fingerprint: string }[];
  private readonly live = new Set<ServerConnectionHandle>();
  private unauthenticated = 0;
  private readonly random: RandomSource;
  private readonly startups: { start: number; rate: number; full: number };

  constructor(readonly options: ServerOptions) {
    if (!options || typeof options !== 'object') throw new TypeError('createServer() needs an options object');
    if (!Array.isArray(options.hostKeys) || options.hostKeys.length === 0) throw new TypeError('createServer(): hostKeys must list at least one private key');
    if (typeof options.authenticate !== 'function') throw new TypeError('createServer(): authenticate must be a function');
    if (options.onExec !== undefined && typeof options.onExec !== 'function') throw new TypeError('createServer(): onExec must be a function');
    if (options.sftp !== undefined && (options.sftp === null || (typeof options.sftp !== 'function' && typeof (options.sftp as { open?: unknown }).open !== 'function'))) {
      throw new TypeError('createServer(): sftp must be a FileSystem or a function returning one');
    }
    this.random = options.random ?? webRandom;
    const s = options.maxStartups ?? STARTUPS_DEFAULT;
    if (!(Number.isInteger(s.start) && Number.isInteger(s.full) && s.start >= 1 && s.full >= s.start && s.rate >= 0 && s.rate <= 100)) {
      throw new RangeError(`maxStartups must satisfy 1 <= start <= full and 0 <= rate <= 100, got ${JSON.stringify(s)}`);
    }
    this.startups = s;
    const keys = options.hostKeys.map((k, i) => (typeof k === 'string' || k instanceof Uint8Array ? loadPrivateKey(k, undefined, `hostKeys[${i}]`) : k));
    this.hostKeys = keys.flatMap((k) => options.makeSigners?.(k) ?? signersFor(k, this.random));
    const seen = new Set<string>();
    const fps: { type: string; fingerprint: string }[] = [];
    for (const s of this.hostKeys) {
      const fp = fingerprintSha256(s.publicBlob);
      if (seen.has(fp)) continue;
      seen.add(fp);
      fps.push({ type: keyTypeOf(s.algorithm) ?? s.algorithm, fingerprint: fp });
    }
    this.hostKeyFingerprints = fps;
  }

  /** Connections currently open. */
  get connections(): number {
    return this.live.size;
  }

  /**
   * Serves one connection on `stream`. Returns undefined (and closes the stream) when the
   * MaxStartups limit drops it.
   */
  accept(stream: ByteStream, peer: PeerInfo = {}): ServerConnectionHandle | undefined {
    if (this.shouldDrop()) {
      stream.destroy();
      return undefined;
    }
    const h = new ServerConnectionHandle(this, stream, peer, this.hostKeys, this.random, {
      onAuthenticated: () => this.unauthenticated--,
      onClosed: (wasAuthenticated) => {
        if (!wasAuthenticated) this.unauthenticated--;
        this.live.delete(h);
      },
    });
    this.unauthenticated++;
    this.live.add(h);
    h.start();
    return h;
  }

  private shouldDrop(): boolean {
    const { start, rate, full } = this.startups;
    const n = this.unauthenticated;
    if (n < start) return false;
    if (n >= full) return true;
    const p = rate + ((100 - rate) * (n - start)) / (full - start);
    const r = this.random(1)[0] / 256;
    return r * 100 < p;
  }

  /** Disconnects every connection. */
  close(): void {
    for (const h of [...this.live]) h.close();
  }
}

/** Constructs an SshServer (the runtime adapter adds listen()). */
export function createServer(options: ServerOptions): SshServer {
  return new SshServer(options);
}

const enc = new TextEncoder();
const dec = new TextDecoder();

function envAllowed(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));
}

/** One served connection. */
export class ServerConnectionHandle {
  readonly conn: ServerConnection;
  private readonly driver: Driver;
  private readonly sessions = new Map<Channel, ChannelHandler>();
  private readonly env = new Map<Channel, Record<string, string>>();
  private readonly ptys = new Map<Channel, PtyInfo>();
  private readonly pipes = new Map<Channel, ChannelSink>();
  private readonly listeners = new Map<string, Promise<Listener | undefined>>();
  /** streamlocal-forward@openssh.com listeners by socket path. */
  private readonly unixListeners = new Map<string, Promise<UnixListener | undefined>>();
  private agentListener: Promise<{ path: string; close(): void } | undefined> | undefined;
  private limits: { pty?: boolean; portForwarding?: boolean; agentForwarding?: boolean } = {};
  private authed = false;
  private userKey: UserKey | undefined;
  private done = false;
  /** Settles when the connection is over. */
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;

  constructor(
    private readonly server: SshServer,
    stream: ByteStream,
    readonly peer: PeerInfo,
    hostKeys: HostKeySigner[],
    random: RandomSource,
    private readonly hooks: { onAuthenticated(): void; onClosed(wasAuthenticated: boolean): void },
  ) {
    const o = server.options;
    const now = o.now ?? (() => Date.now());
    this.closed = new Promise((r) => (this.resolveClosed = r));
    this.conn = new ServerConnection(
      {
        hostKeys,
        authMethods: o.methods ?? ['publickey', 'password'],
        banner: o.banner,
        maxAuthTries: o.maxAuthTries,
        loginGraceTimeMs: o.loginGraceTimeMs,
        algorithms: o.algorithms,
        registry: o.registry,
        moduli: o.moduli,
        kexinitHoldMs: o.kexinitHoldMs,
        channelTypes: ['session', 'direct-tcpip', 'direct-streamlocal@openssh.com'],
        globalRequests: ['tcpip-forward', 'cancel-tcpip-forward', 'streamlocal-forward@openssh.com', 'cancel-streamlocal-forward@openssh.com'],
      },
      { random, now },
    );
    this.driver = new Driver(this.conn, stream, (ev) => this.onEvent(ev), now, o.timers ?? globalTimers);
    this.driver.onDrain = () => {
      for (const s of this.sessions.values()) s.drained();
      for (const p of this.pipes.values()) p.drained();
    };
  }

  /** @internal */
  start(): void {
    this.driver.start();
  }

  /** The authenticated user, once there is one. */
  get username(): string | null {
    return this.conn.username;
  }

  /** Disconnects now. */
  close(): void {
    if (!this.conn.closed) {
      this.conn.disconnect('server shutting down');
      this.driver.pump();
    }
  }

  private onEvent(ev: ConnectionEvent): void {
    switch (ev.type) {
      case 'authRequest':
        this.decide(ev);
        return;
      case 'authResult':
        if (ev.success && !this.authed) {
          this.authed = true;
          if (ev.key) this.userKey = describeKey(ev.key.algorithm, ev.key.blob);
          this.hooks.onAuthenticated();
          const restrict = this.server.options.restrict;
          if (restrict) {
            try {
              this.limits = restrict({ username: ev.username, userKey: this.userKey, remoteAddress: this.peer.remoteAddress }) ?? {};
            } catch {
              // a failing restriction callback must not grant more than it meant to
              this.limits = { pty: false, portForwarding: false, agentForwarding: false };
            }
          }
        }
        return;
      case 'channelOpen':
        if (ev.info.type === 'session') ev.channel.accept();
        else if (ev.info.type === 'direct-tcpip' && 'host' in ev.info) this.directTcpip(ev.channel, ev.info.host, ev.info.port);
        else if (ev.info.type === 'direct-streamlocal@openssh.com' && 'data' in ev.info) this.directStreamlocal(ev.channel, ev.info.data);
        else ev.channel.reject(1, `${ev.info.type} channels are not supported`);
        return;
      case 'globalRequest':
        this.onGlobalRequest(ev);
        return;
      case 'channelRequest':
        this.onRequest(ev);
        return;
      case 'disconnected':
        for (const s of this.sessions.values()) s.gone();
        this.sessions.clear();
        for (const p of this.pipes.values()) p.abort(new Error('the connection is closed'));
        this.pipes.clear();
        for (const l of this.listeners.values()) void l.then((x) => x?.close());
        this.listeners.clear();
        for (const l of this.unixListeners.values()) void l.then((x) => x?.close());
        this.unixListeners.clear();
        void this.agentListener?.then((x) => x?.close());
        if (!this.done) {
          this.done = true;
          this.hooks.onClosed(this.authed);
          this.resolveClosed();
        }
        return;
    }
    if ('channel' in ev) {
      const pipe = this.pipes.get(ev.channel);
      if (pipe) {
        pipe.event(ev);
        if (ev.type === 'channelClose' || ev.type === 'channelOpenFailed') this.pipes.delete(ev.channel);
        return;
      }
      const s = this.sessions.get(ev.channel);
      if (s) {
        s.event(ev);
        if (ev.type === 'channelClose') this.sessions.delete(ev.channel);
      } else if (ev.type === 'channelData' || ev.type === 'channelExtendedData') {
        ev.channel.consume(ev.data.length); // before exec: nothing reads it
      }
      if (ev.type === 'channelClose') {
        this.env.delete(ev.channel);
        this.ptys.delete(ev.channel);
      }
    }
  }

  private decide(ev: Extract<ConnectionEvent, { type: 'authRequest' }>): void {
    let ctx: AuthContext;
    const base = { username: ev.username, remoteAddress: this.peer.remoteAddress };
    switch (ev.method) {
      case 'none':
        ctx = { ...base, method: 'none' };
        break;
      case 'password':
        ctx = { ...base, method: 'password', password: ev.password };
        break;
      case 'publickey':
        ctx = { ...base, method: 'publickey', signed: ev.signed, key: describeKey(ev.key.algorithm, ev.key.blob) };
        break;
      default:
        this.conn.authDecision(false);
        this.driver.pump();
        return;
    }
    Promise.resolve()
      .then(() => this.server.options.authenticate(ctx))
      .then(
        (ok) => ok === true,
        () => false,
      )
      .then((ok) => {
        if (this.conn.closed) return;
        this.conn.authDecision(ok);
        this.driver.pump();
      });
  }

  private onRequest(ev: Extract<ConnectionEvent, { type: 'channelRequest' }>): void {
    const ch = ev.channel;
    const req = ev.request;
    const reply = (ok: boolean) => {
      if (ev.wantReply) ch.reply(ev.id, ok);
    };
    const session = this.sessions.get(ch);
    if (req.type === 'env' && 'name' in req) {
      const value = dec.decode(req.value as Uint8Array);
      const ok = !session && envAllowed(req.name, this.server.options.acceptEnv ?? ['LANG', 'LC_*']);
      if (ok) (this.env.get(ch) ?? this.env.set(ch, {}).get(ch)!)[req.name] = value;
      reply(ok);
      return;
    }
    if (req.type === 'pty-req' && 'term' in req) {
      const ok = !session && this.server.options.pty !== false && this.limits.pty !== false && !this.ptys.has(ch) && req.cols <= 10_000 && req.rows <= 10_000;
      if (ok) this.ptys.set(ch, { term: req.term.slice(0, 64), cols: req.cols, rows: req.rows, widthPx: req.widthPx, heightPx: req.heightPx, modes: req.modes });
      reply(ok);
      return;
    }
    if (req.type === 'window-change' && 'cols' in req) {
      const size = { cols: Math.min(req.cols, 10_000), rows: Math.min(req.rows, 10_000), widthPx: req.widthPx, heightPx: req.heightPx };
      const pty = this.ptys.get(ch);
      if (pty) this.ptys.set(ch, { ...pty, ...size });
      if (session instanceof Session) session.resize(size);
      reply(!!pty);
      return;
    }
    if (req.type === 'auth-agent-req@openssh.com') {
      reply(this.startAgentForwarding());
      return;
    }
    const handler = req.type === 'exec' ? this.server.options.onExec : req.type === 'shell' ? this.server.options.onShell : undefined;
    if ((req.type === 'exec' || req.type === 'shell') && !session && handler) {
      reply(true);
      const s = new Session(
        ch,
        req.type === 'exec' && 'command' in req ? dec.decode(req.command) : '',
        this.conn.username ?? '',
        this.env.get(ch) ?? {},
        this.peer.remoteAddress,
        this.peer.remotePort,
        this.userKey,
        () => this.driver.schedule(),
        () => this.driver.writeBlocked,
      );
      s.kind = req.type;
      s.pty = this.ptys.get(ch);
      this.sessions.set(ch, s);
      const run = () => {
        if (s.closed) return;
        try {
          handler(s);
        } catch (e) {
          s.writeStderr(enc.encode(`exec failed: ${(e as Error).message}\n`));
          s.exit(127);
        }
      };
      // With agent forwarding asked for, the session starts once the agent socket exists.
      if (this.agentListener) {
        void this.agentListener.then((l) => {
          s.agentSocket = l?.path;
          run();
        });
      } else run();
      return;
    }
    if (req.type === 'subsystem' && 'name' in req && !session) {
      const o = this.server.options;
      if (req.name !== 'sftp' || !o.sftp) {
        const why = req.name === 'sftp' ? 'SFTP is not enabled on this server' : `subsystem ${JSON.stringify(req.name.slice(0, 64))} is not available`;
        if (ch.state === 'open' && !ch.closeQueued && !ch.closeReceived) ch.writeStderr(enc.encode(`${why}\n`));
        reply(false);
        return;
      }
      reply(true);
      const binding = new SftpServerBinding(
        ch,
        { kick: () => this.driver.schedule() },
        o.sftp,
        { username: this.conn.username ?? '', remoteAddress: this.peer.remoteAddress, remotePort: this.peer.remotePort, userKey: this.userKey },
        o.sftpOptions,
      );
      this.sessions.set(ch, binding);
      return;
    }
    if (req.type === 'signal' && 'signal' in req && session) {
      session.signal(req.signal);
      reply(true);
      return;
    }
    reply(false);
  }

  /** direct-tcpip (RFC 4254 §7.2): checked against the policy, then joined to a socket. */
  /** auth-agent-req@openssh.com: one agent socket per connection, relayed over auth-agent@openssh.com channels. */
  private startAgentForwarding(): boolean {
    const o = this.server.options;
    if (o.agentForwarding === false || this.limits.agentForwarding === false || !o.net?.listenAgent) return false;
    if (this.agentListener) return true;
    this.agentListener = o.net
      .listenAgent((stream) => {
        if (this.conn.closed) return stream.destroy();
        let ch: Channel;
        try {
          ch = this.conn.openChannel({ type: 'auth-agent@openssh.com', data: new Uint8Array(0) });
        } catch {
          return stream.destroy();
        }
        this.pipes.set(ch, new OpenThenPipe(new ChannelPipe(ch, stream, () => this.driver.schedule(), () => this.driver.writeBlocked)));
        this.driver.pump();
      })
      .then(
        (l) => {
          if (this.conn.closed) {
            l.close();
            return undefined;
          }
          return l;
        },
        () => undefined,
      );
    return true;
  }

  /** direct-streamlocal@openssh.com (OpenSSH PROTOCOL §2.4): refused unless forwarding.unix allows the path. */
  private directStreamlocal(ch: Channel, data: Uint8Array): void {
    const o = this.server.options;
    let path: string;
    try {
      const r = new SshReader(data);
      path = r.text('socket path');
      r.text('reserved');
      r.uint32('reserved');
      r.end();
    } catch {
      ch.reject(1, 'malformed direct-streamlocal request');
      this.driver.pump();
      return;
    }
    const rule = o.forwarding?.unix;
    let allowed = false;
    try {
      allowed = rule === true || (typeof rule === 'function' && rule({ path, username: this.conn.username ?? '' }) === true);
    } catch {
      allowed = false;
    }
    const refused = !o.net?.connectUnix
      ? 'unix socket forwarding is not available on this server'
      : this.limits.portForwarding === false
        ? 'port forwarding is disabled for this login'
        : !allowed
          ? `forwarding to unix socket ${path} is not permitted`
          : undefined;
    if (refused) {
      ch.reject(1, refused);
      this.driver.pump();
      return;
    }
    this.acceptWith(ch, o.net!.connectUnix!(path), path);
  }

  /** Accepts a channel the client opened once `connecting` gives the stream to join it to; rejects it (naming `target`) when that fails. */
  private acceptWith(ch: Channel, connecting: Promise<ByteStream>, target: string): void {
    connecting.then(
      (stream) => {
        if (this.conn.closed || ch.state !== 'pending') return stream.destroy();
        const pipe = new ChannelPipe(ch, stream, () => this.driver.schedule(), () => this.driver.writeBlocked);
        this.pipes.set(ch, pipe);
        ch.accept();
        pipe.start();
        this.driver.pump();
      },
      (e: Error) => {
        if (this.conn.closed || ch.state !== 'pending') return;
        ch.reject(2, `cannot connect to ${target}: ${e.message}`);
        this.driver.pump();
      },
    );
  }

  private directTcpip(ch: Channel, host: string, port: number): void {
    const o = this.server.options;
    const refused = !o.net
      ? 'port forwarding is not available on this server'
      : this.limits.portForwarding === false
        ? 'port forwarding is disabled for this login'
        : checkForward(o.forwarding, 'local', { host, port, username: this.conn.username ?? '' });
    if (refused) {
      ch.reject(1, refused);
      this.driver.pump();
      return;
    }
    this.acceptWith(ch, o.net!.connect(host, port), `${host}:${port}`);
  }

  /** tcpip-forward / cancel-tcpip-forward (RFC 4254 §7.1); others were already refused by the engine. */
  private onGlobalRequest(ev: Extract<ConnectionEvent, { type: 'globalRequest' }>): void {
    if (ev.name === 'streamlocal-forward@openssh.com' || ev.name === 'cancel-streamlocal-forward@openssh.com') return this.streamlocalForward(ev);
    const o = this.server.options;
    const answer = (ok: boolean, data?: Uint8Array) => {
      if (ev.wantReply && !this.conn.closed) this.conn.replyGlobalRequest(ev.id, ok, data);
      this.driver.pump();
    };
    let address: string;
    let port: number;
    try {
      const r = new SshReader(ev.data);
      address = r.text();
      port = r.uint32();
      r.end();
    } catch {
      return answer(false);
    }
    if (port > 65535) return answer(false);
    const key = `${address}:${port}`;
    if (ev.name === 'cancel-tcpip-forward') {
      const l = this.listeners.get(key);
      if (!l) return answer(false);
      this.listeners.delete(key);
      void l.then((x) => x?.close());
      return answer(true);
    }
    const bindHost = address === '' || address === 'localhost' ? '127.0.0.1' : address;
    const refused =
      !o.net || this.limits.portForwarding === false ? 'remote forwarding is not available' : checkForward(o.forwarding, 'remote', { host: address, port, username: this.conn.username ?? '' });
    if (refused || this.listeners.has(key) || this.listeners.size + this.unixListeners.size >= MAX_REMOTE_FORWARDS) {
      return answer(false);
    }
    const listening = o.net!
      .listen(bindHost, port, (stream, peer) => {
        if (this.conn.closed) return stream.destroy();
        let ch: Channel;
        try {
          ch = this.conn.openChannel({ type: 'forwarded-tcpip', connectedAddress: address, connectedPort: boundPort, originatorAddress: peer.address, originatorPort: peer.port });
        } catch {
          return stream.destroy();
        }
        const pipe = new ChannelPipe(ch, stream, () => this.driver.schedule(), () => this.driver.writeBlocked);
        this.pipes.set(ch, new OpenThenPipe(pipe));
        this.driver.pump();
      })
      .then(
        (l) => l,
        () => undefined,
      );
    let boundPort = port;
    this.listeners.set(key, listening);
    void listening.then((l) => {
      if (!l) {
        this.listeners.delete(key);
        return answer(false);
      }
      if (this.conn.closed || this.listeners.get(key) !== listening) {
        // cancelled while binding: still answer, or every later reply would wait behind this one
        l.close();
        return answer(false);
      }
      boundPort = l.port;
      if (port === 0) {
        const w = new SshWriter();
        w.uint32(l.port);
        answer(true, w.finish());
      } else answer(true);
    });
  }

  /**
   * streamlocal-forward@openssh.com / cancel-streamlocal-forward@openssh.com (OpenSSH PROTOCOL
   * §2.4): listen on a unix socket through net.listenUnix when forwarding.remoteUnix allows the
   * path, and open a forwarded-streamlocal@openssh.com channel per connection. A refusal is a
   * REQUEST_FAILURE preceded by a DEBUG message with the reason (the failure has no field for
   * one). The socket file goes away on cancel and when the connection ends.
   */
  private streamlocalForward(ev: Extract<ConnectionEvent, { type: 'globalRequest' }>): void {
    const o = this.server.options;
    const answer = (ok: boolean, why?: string) => {
      if (this.conn.closed) return;
      if (!ok && why) this.conn.sendDebug(why.slice(0, 512));
      if (ev.wantReply) this.conn.replyGlobalRequest(ev.id, ok);
      this.driver.pump();
    };
    let path: string;
    try {
      const r = new SshReader(ev.data);
      path = r.text('socket path');
      r.end();
    } catch {
      return answer(false, `malformed ${ev.name} request`);
    }
    if (path === '' || path.includes('\0')) return answer(false, 'the socket path is empty or contains a NUL byte');
    const shown = JSON.stringify(path.slice(0, 256));
    if (ev.name === 'cancel-streamlocal-forward@openssh.com') {
      const l = this.unixListeners.get(path);
      if (!l) return answer(false, `no unix socket forwarding on ${shown} to cancel`);
      this.unixListeners.delete(path);
      void l.then((x) => x?.close());
      return answer(true);
    }
    const refused = !o.net?.listenUnix
      ? 'remote unix socket forwarding is not available on this server'
      : this.limits.portForwarding === false
        ? 'port forwarding is disabled for this login'
        : !unixAllowed(o.forwarding?.remoteUnix, { path, username: this.conn.username ?? '' })
          ? `listening on unix socket ${shown} is not permitted`
          : this.unixListeners.has(path)
            ? `unix socket ${shown} is already forwarded on this connection`
            : this.listeners.size + this.unixListeners.size >= MAX_REMOTE_FORWARDS
              ? `too many remote forwards (limit ${MAX_REMOTE_FORWARDS})`
              : undefined;
    if (refused) return answer(false, refused);
    let failure = '';
    const listening = o
      .net!.listenUnix!(
        path,
        (stream) => {
          if (this.conn.closed) return stream.destroy();
          let ch: Channel;
          try {
            ch = this.conn.openChannel({ type: 'forwarded-streamlocal@openssh.com', data: new SshWriter().string(path).string('').finish() });
          } catch {
            return stream.destroy();
          }
          this.pipes.set(ch, new OpenThenPipe(new ChannelPipe(ch, stream, () => this.driver.schedule(), () => this.driver.writeBlocked)));
          this.driver.pump();
        },
        { unlinkExisting: o.forwarding?.streamLocalBindUnlink === true },
      )
      .then(
        (l) => l,
        (e: Error) => {
          failure = e?.message ?? String(e);
          return undefined;
        },
      );
    this.unixListeners.set(path, listening);
    void listening.then((l) => {
      if (!l) {
        if (this.unixListeners.get(path) === listening) this.unixListeners.delete(path);
        return answer(false, `cannot listen on unix socket ${shown}: ${failure}`);
      }
      if (this.conn.closed || this.unixListeners.get(path) !== listening) {
        // cancelled while binding: still answer, or every later reply would wait behind this one
        l.close();
        return answer(false, `the forward on ${shown} was cancelled before it was listening`);
      }
      answer(true);
    });
  }
}

/** A pipe on a channel we opened: data flows once the peer confirms it. */
class OpenThenPipe implements ChannelSink {
  constructor(private readonly pipe: ChannelPipe) {}
  event(ev: ConnectionEvent): void {
    if (ev.type === 'channelOpened') this.pipe.start();
    else this.pipe.event(ev);
  }
  abort(e: Error): void {
    this.pipe.abort(e);
  }
  drained(): void {
    this.pipe.drained();
  }
}

function describeKey(algorithm: string, blob: Uint8Array): UserKey {
  let type = keyTypeOf(algorithm) ?? algorithm;
  try {
    type = parsePublicKey(blob).type;
  } catch {
    /* the engine verified a signature (or will); keep the algorithm's key type */
  }
  return { algorithm, type, blob, fingerprint: fingerprintSha256(blob) };
}

/** What a session channel's traffic goes to once it runs something (an exec, the SFTP subsystem). */
interface ChannelHandler {
  event(ev: ConnectionEvent): void;
  drained(): void;
  signal(name: string): void;
  gone(): void;
}

/** One exec channel on the server. */
class Session implements ServerExec, ChannelHandler {
  kind: 'exec' | 'shell' = 'exec';
  pty: PtyInfo | undefined;
  agentSocket: string | undefined;
  private resizeCb: ((size: { cols: number; rows: number; widthPx: number; heightPx: number }) => void) | undefined;
  private dataCb: ((d: Uint8Array) => void) | undefined;
  private endCb: (() => void) | undefined;
  private drainCb: (() => void) | undefined;
  private signalCb: ((n: string) => void) | undefined;
  private closeCbs: (() => void)[] = [];
  private paused = false;
  private readonly inbox: Uint8Array[] = [];
  private eof = false;
  private eofDelivered = false;
  private finished = false;
  private isClosed = false;
  private webIn: ReadableStream<Uint8Array> | undefined;
  private webOut: WritableStream<Uint8Array> | undefined;
  private webErr: WritableStream<Uint8Array> | undefined;

  constructor(
    private readonly ch: Channel,
    readonly command: string,
    readonly username: string,
    readonly env: Readonly<Record<string, string>>,
    readonly remoteAddress: string | undefined,
    readonly remotePort: number | undefined,
    readonly userKey: UserKey | undefined,
    private readonly kick: () => void,
    private readonly streamBlocked: () => boolean,
  ) {}

  get closed(): boolean {
    return this.isClosed;
  }

  write(data: Uint8Array): boolean {
    if (this.finished || this.isClosed || this.ch.closeReceived) return false;
    const ok = this.ch.write(data);
    this.kick();
    return ok && !this.streamBlocked();
  }

  writeStderr(data: Uint8Array): boolean {
    if (this.finished || this.isClosed || this.ch.closeReceived) return false;
    const ok = this.ch.writeStderr(data);
    this.kick();
    return ok && !this.streamBlocked();
  }

  onDrain(cb: () => void): void {
    this.drainCb = cb;
  }
  onData(cb: (data: Uint8Array) => void): void {
    this.dataCb = cb;
    this.deliver();
  }
  onEnd(cb: () => void): void {
    this.endCb = cb;
    this.deliver();
  }
  onSignal(cb: (name: string) => void): void {
    this.signalCb = cb;
  }
  onResize(cb: (size: { cols: number; rows: number; widthPx: number; heightPx: number }) => void): void {
    this.resizeCb = cb;
  }
  /** @internal */
  resize(size: { cols: number; rows: number; widthPx: number; heightPx: number }): void {
    this.resizeCb?.(size);
  }
  onClose(cb: () => void): void {
    if (this.isClosed) queueMicrotask(cb);
    else this.closeCbs.push(cb);
  }

  pause(): void {
    this.paused = true;
  }
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.deliver();
    this.kick();
  }

  exit(code: number): void {
    if (!Number.isInteger(code) || code < 0 || code > 0xffffffff) throw new RangeError(`exit code must be a uint32, got ${code}`);
    this.finish(() => this.ch.sendExitStatus(code));
  }

  exitSignal(signal: string, coreDumped = false): void {
    if (typeof signal !== 'string' || !/^[A-Z0-9]+$/.test(signal)) throw new RangeError(`signal must be a name like TERM, got ${JSON.stringify(signal)}`);
    this.finish(() => this.ch.sendExitSignal(signal, coreDumped, ''));
  }

  private finish(report: () => void): void {
    if (this.finished || this.isClosed) return;
    this.finished = true;
    if (!this.ch.closeReceived) {
      this.ch.end();
      report();
    }
    this.ch.close();
    this.kick();
  }

  /** @internal the byte stream drained */
  drained(): void {
    if (!this.isClosed) this.drainCb?.();
  }

  /** @internal */
  signal(name: string): void {
    this.signalCb?.(name);
  }

  /** @internal */
  event(ev: ConnectionEvent): void {
    switch (ev.type) {
      case 'channelData':
        this.inbox.push(ev.data);
        this.deliver();
        break;
      case 'channelExtendedData':
        ev.channel.consume(ev.data.length);
        break;
      case 'channelEof':
        this.eof = true;
        this.deliver();
        break;
      case 'channelWritable':
        this.drainCb?.();
        break;
      case 'channelClose':
        this.gone();
        break;
    }
  }

  private deliver(): void {
    while (!this.paused && this.dataCb && this.inbox.length > 0) {
      const d = this.inbox.shift()!;
      if (this.ch.state !== 'closed') this.ch.consume(d.length);
      this.dataCb(d);
    }
    if (this.eof && !this.eofDelivered && this.inbox.length === 0 && !this.paused && this.endCb) {
      this.eofDelivered = true;
      this.endCb();
    }
  }

  /** @internal the channel or the whole connection is gone */
  gone(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.finished = true;
    this.inbox.length = 0;
    this.drainCb?.();
    for (const cb of this.closeCbs.splice(0)) cb();
  }

  get stdin(): ReadableStream<Uint8Array> {
    return (this.webIn ??= new ReadableStream<Uint8Array>(
      {
        start: (c) => {
          this.onData((d) => {
            c.enqueue(d);
            if ((c.desiredSize ?? 0) <= 0) this.pause();
          });
          this.onEnd(() => c.close());
          this.onClose(() => {
            if (!this.eofDelivered) {
              try {
                c.close();
              } catch {
                /* already closed */
              }
            }
          });
        },
        pull: () => this.resume(),
        cancel: () => {
          this.onData(() => {});
          this.resume();
        },
      },
      new ByteLengthQueuingStrategy({ highWaterMark: 1024 * 1024 }),
    ));
  }

  get stdout(): WritableStream<Uint8Array> {
    return (this.webOut ??= this.writable((d) => this.write(d)));
  }

  get stderr(): WritableStream<Uint8Array> {
    return (this.webErr ??= this.writable((d) => this.writeStderr(d)));
  }

  private writable(write: (d: Uint8Array) => boolean): WritableStream<Uint8Array> {
    const waiters: (() => void)[] = [];
    const prev = this.drainCb;
    this.onDrain(() => {
      prev?.();
      for (const w of waiters.splice(0)) w();
    });
    return new WritableStream<Uint8Array>({
      write: async (chunk) => {
        if (!(chunk instanceof Uint8Array)) throw new TypeError('write Uint8Array chunks');
        for (let off = 0; off < chunk.length; off += 256 * 1024) {
          if (this.isClosed) throw new Error('the channel is closed');
          if (!write(chunk.subarray(off, off + 256 * 1024))) await new Promise<void>((r) => waiters.push(r));
        }
      },
    });
  }
}
