// The sans-I/O engine shared by ClientConnection and ServerConnection (DESIGN.md "The sans-I/O
// engine"): it holds no socket, reads no clock, owns no timer and draws no randomness of its
// own. Nothing blocks and nothing awaits; calls only queue work.
//
// Driving it (an adapter's whole job):
//   1. Construct with { random, now }. The identification line and first KEXINIT are queued
//      (a server may hold its KEXINIT until the client's arrives or its timer fires: step 4).
//   2. Whenever the socket delivers bytes: conn.receive(bytes). Never throws for peer input.
//   3. After receive() and after any call into the engine: drain conn.pollTransmit() until it
//      returns undefined and write the chunks as one batch; then handle conn.pollEvent() until
//      undefined (handling events may queue more output: loop until both are empty).
//   4. Keep one timer at conn.pollTimeout() (absolute, on env.now's clock); when it fires call
//      conn.handleTimeout(now). Re-read pollTimeout() after every pass.
//   5. A `disconnected` event is the last event: write what pollTransmit() still returns (the
//      DISCONNECT), then close the socket. If the socket closes first, call
//      conn.disconnect('connection lost', DisconnectReason.CONNECTION_LOST).
// Decisions asked for by events (hostKey, authRequest, authPrompt, signRequest, channelOpen,
// want-reply requests) may be answered later; the engine simply waits.
import { DisconnectReason } from './wire/index.ts';
import type { RandomSource } from './algorithms/types.ts';
import { defaultRegistry, resolveAlgorithms, type AlgorithmRegistry } from './algorithms/registry.ts';
import { Transport, type TransportHost, type DisconnectInfo } from './transport/transport.ts';
import type { AlgorithmLists, Negotiated } from './transport/kexinit.ts';
import type { Identification } from './transport/version.ts';
import { makeIdentification } from './transport/version.ts';
import type { Role } from './transport/filter.ts';
import { ChannelMux, type ChannelSizes } from './connection/mux.ts';
import type { Channel } from './connection/channel.ts';
import type { ChannelOpenInfo } from './connection/requests.ts';
import type { ConnectionEvent } from './events.ts';
import { Msg } from './messages/index.ts';
import { CHANNEL_MAX_PACKET, CHANNEL_WINDOW, MAX_CHANNEL_PACKET, MAX_CHANNELS, MAX_WINDOW } from './limits.ts';
import { VERSION } from './version.ts';

/** What the host hands the engine instead of the engine reaching for it. */
export interface Environment {
  /** Cryptographically secure random bytes (e.g. crypto.getRandomValues). */
  readonly random: RandomSource;
  /** Milliseconds on a monotonic-enough clock (e.g. Date.now or performance.now). */
  readonly now: () => number;
}

/** Options both roles share. */
export interface CommonConfig {
  /** Algorithm names to offer per category, most preferred first (defaults: OpenSSH 9.x order). */
  readonly algorithms?: Partial<AlgorithmLists>;
  /** Where names are looked up (default: defaultRegistry; add legacy algorithms with withLegacy()). */
  readonly registry?: AlgorithmRegistry;
  /** Software version in our identification line (default `Seashell_<version>`). */
  readonly software?: string;
  /** Rekey after this many bytes either way (default 1 GiB) or milliseconds (default 1 hour). */
  readonly rekeyBytes?: number;
  readonly rekeyIntervalMs?: number;
  /** Offer strict KEX (default true; turn off only to test against old peers). */
  readonly strictKex?: boolean;
  /** EXT_INFO (RFC 8308). Client: offer ext-info-c. Server: answer it with server-sig-algs. Default true. */
  readonly extInfo?: boolean;
  /** Our receive window and largest accepted data packet per channel. */
  readonly channelWindow?: number;
  readonly channelMaxPacket?: number;
  /** Most channels open at once (default MAX_CHANNELS). */
  readonly maxChannels?: number;
  /** Channel types the peer may open, surfaced as channelOpen events (others are refused). */
  readonly channelTypes?: readonly string[];
  /** Global request names surfaced as globalRequest events (others are answered with failure). */
  readonly globalRequests?: readonly string[];
}

function checkEnv(env: Environment): void {
  if (!env || typeof env.random !== 'function' || typeof env.now !== 'function') {
    throw new TypeError('the engine needs an environment { random: (n) => Uint8Array, now: () => number }');
  }
}

function checkInt(name: string, v: number | undefined, min: number, max: number): void {
  if (v !== undefined && (!Number.isInteger(v) || v < min || v > max)) throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${v}`);
}

/** State and poll API common to both roles; see ClientConnection and ServerConnection. */
export abstract class Connection {
  /** @internal */ protected readonly transport: Transport;
  /** @internal */ protected readonly mux: ChannelMux;
  /** @internal */ protected readonly env: Environment;
  private readonly events: ConnectionEvent[] = [];
  private eventHead = 0;
  private negotiated: Negotiated | null = null;
  private disconnectedFlag = false;
  private readonly role: Role;
  /** receive() met a DEBUG or a no-reply global request (see receive). */
  private unansweredSeen = false;

  protected constructor(role: Role, config: CommonConfig, env: Environment, extra: { hostKeys?: ConstructorParameters<typeof Transport>[0]['hostKeys']; serverSigAlgs?: readonly string[]; kexinitHoldMs?: number; moduli?: ConstructorParameters<typeof Transport>[0]['moduli'] }) {
    checkEnv(env);
    this.role = role;
    if (!config || typeof config !== 'object') throw new TypeError('config must be an object');
    checkInt('channelWindow', config.channelWindow, 1, MAX_WINDOW);
    checkInt('channelMaxPacket', config.channelMaxPacket, 1, MAX_CHANNEL_PACKET);
    checkInt('maxChannels', config.maxChannels, 1, 1 << 20);
    checkInt('rekeyBytes', config.rekeyBytes, 1, Number.MAX_SAFE_INTEGER);
    checkInt('rekeyIntervalMs', config.rekeyIntervalMs, 1, Number.MAX_SAFE_INTEGER);
    this.env = env;
    const registry = config.registry ?? defaultRegistry;
    const algorithms = resolveAlgorithms(registry, config.algorithms);
    const host: TransportHost = {
      onMessage: (payload, _seq, lent) => this.onServiceMessage(payload, lent),
      onHostKey: (algorithm, key, fingerprint) => this.emit({ type: 'hostKey', algorithm, key, fingerprint }),
      onKeysExchanged: (initial, algs) => {
        this.negotiated = algs;
        this.emit({ type: 'keysExchanged', initial, algorithms: algs });
        if (initial) this.onInitialKex();
      },
      onWritable: () => this.mux.flushAll(),
      onExtInfo: (ext) => this.onExtInfo(ext),
      onDebug: (message, alwaysDisplay) => {
        this.unansweredSeen = true;
        this.emit({ type: 'debug', message, alwaysDisplay });
      },
      onClosed: (info) => this.onClosed(info),
    };
    this.transport = new Transport(
      {
        role,
        registry,
        algorithms,
        identification: makeIdentification(config.software ?? `Seashell_${VERSION}`),
        hostKeys: extra.hostKeys,
        serverSigAlgs: extra.serverSigAlgs,
        kexinitHoldMs: extra.kexinitHoldMs,
        moduli: extra.moduli,
        random: env.random,
        now: env.now,
        rekeyBytes: config.rekeyBytes,
        rekeyIntervalMs: config.rekeyIntervalMs,
        strictKex: config.strictKex,
        extInfo: config.extInfo,
        lendChannelData: true,
      },
      host,
    );
    this.mux = new ChannelMux(this.transport, (ev) => this.emit(ev), {
      role,
      window: config.channelWindow ?? CHANNEL_WINDOW,
      maxPacket: config.channelMaxPacket ?? CHANNEL_MAX_PACKET,
      channelTypes: config.channelTypes ?? (role === 'server' ? ['session'] : []),
      globalRequests: config.globalRequests ?? [],
      maxChannels: config.maxChannels ?? MAX_CHANNELS,
      eventsIdle: () => this.eventHead >= this.events.length,
      unanswered: () => {
        this.unansweredSeen = true;
      },
      now: env.now,
    });
  }

  // ---------------------------------------------------------------- the poll API

  /**
   * Bytes the peer sent, in whatever split the socket delivered them. Never throws for anything
   * the peer sends: a protocol error becomes a DISCONNECT to the peer and a `disconnected` event.
   */
  receive(bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) throw new TypeError(`receive() takes a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
    const queued = this.transport.outputLength;
    this.unansweredSeen = false;
    this.transport.receive(bytes);
    // Client: a server with Nagle on (sshd in non-interactive sessions) sends DEBUG lines and its
    // hostkeys-00 announcement unprompted, just before the answer we wait for (the confirmation of
    // an exec's CHANNEL_OPEN). Its kernel then holds that answer until we acknowledge what came
    // first, and ours delays the ACK (40 ms on Linux) when we send nothing back. So when these
    // bytes brought only such messages while the server owes us an answer, an empty IGNORE
    // (RFC 4253 §11.2) carries the ACK at once. Never in reply to IGNORE, and at most one per read.
    if (this.unansweredSeen && this.role === 'client' && !this.disconnectedFlag && this.transport.outputLength === queued && this.transport.ready && this.mux.awaitingAnswer()) {
      this.transport.sendIgnore();
    }
  }

  /**
   * The next bytes to write to the socket, or undefined when nothing waits. Call until undefined
   * and hand the blocks to the socket together (one writev).
   */
  pollTransmit(): Uint8Array | undefined {
    return this.transport.takeOutput();
  }

  /**
   * Optional: a chunk pollTransmit() returned has been written to the socket and is no longer
   * referenced, so the engine may reuse its buffer (saves an allocation per block at bulk rates).
   */
  releaseTransmit(chunk: Uint8Array): void {
    if (chunk instanceof Uint8Array) this.transport.releaseOutput(chunk);
  }

  /** The next event, or undefined when there is none. */
  pollEvent(): ConnectionEvent | undefined {
    if (this.eventHead >= this.events.length) return undefined;
    const ev = this.events[this.eventHead];
    this.events[this.eventHead++] = undefined as never;
    if (this.eventHead > 1024 && this.eventHead * 2 > this.events.length) {
      this.events.splice(0, this.eventHead);
      this.eventHead = 0;
    }
    return ev;
  }

  /** When handleTimeout() must next be called (milliseconds on env.now's clock), or undefined. */
  pollTimeout(): number | undefined {
    return earliest(earliest(this.transport.nextDeadline(), this.authDeadline()), this.mux.nextDeadline());
  }

  /** Runs what is due at `now`: rekey by time, key exchange and login grace timeouts, channel data held back for a wider window. */
  handleTimeout(now: number): void {
    if (typeof now !== 'number' || Number.isNaN(now)) throw new TypeError('handleTimeout() takes the current time in milliseconds');
    this.transport.handleTimeout(now);
    this.checkAuthDeadline(now);
    this.mux.handleTimeout(now);
  }

  // ---------------------------------------------------------------- state

  /** True once the connection ended (a `disconnected` event was queued). */
  get closed(): boolean {
    return this.disconnectedFlag;
  }

  /** The session identifier (H of the first key exchange), once known. */
  get sessionId(): Uint8Array | null {
    return this.transport.sessionId;
  }

  /** Algorithms of the last finished key exchange. */
  get algorithms(): Negotiated | null {
    return this.negotiated;
  }

  /** The peer's identification line, once received. */
  get peerIdentification(): Identification | null {
    return this.transport.peerIdentification;
  }

  /** True when strict KEX (Terrapin countermeasure) is in force. */
  get strictKex(): boolean {
    return this.transport.strictKex;
  }

  // ---------------------------------------------------------------- actions

  /** Starts a key re-exchange now (ignored while one runs or before the first finished). */
  rekey(): void {
    this.transport.rekey();
  }

  /** Ends the connection with DISCONNECT (reason BY_APPLICATION unless given). */
  disconnect(description = 'closed by application', reason: number = DisconnectReason.BY_APPLICATION): void {
    this.transport.disconnect(reason, description);
  }

  /** Sends a global request (RFC 4254 §4); with wantReply a globalRequestResult event follows. */
  globalRequest(name: string, data?: Uint8Array, wantReply = true): void {
    this.mux.globalRequest(name, data, wantReply);
  }

  /** Answers a globalRequest event. */
  replyGlobalRequest(id: number, success: boolean, data?: Uint8Array): void {
    this.mux.replyGlobalRequest(id, success, data);
  }

  /** Opens a channel of any type (queued until authenticated); see openSession() for sessions. `sizes` overrides the receive window and packet size for it. */
  openChannel(info: ChannelOpenInfo, sizes?: ChannelSizes): Channel {
    return this.mux.open(info, sizes);
  }

  /** Sends an IGNORE message (RFC 4253 §11.2), e.g. as a cheap keepalive. */
  sendIgnore(data?: Uint8Array): void {
    this.transport.sendIgnore(data);
  }

  /**
   * Sends a DEBUG message (RFC 4253 §11.3): the reason for a refused global request, which
   * REQUEST_FAILURE has no field for (OpenSSH's ssh shows it with -v as "Remote: ...").
   */
  sendDebug(message: string, alwaysDisplay = false): void {
    this.transport.sendDebug(message, alwaysDisplay);
  }

  // ---------------------------------------------------------------- internals for the roles

  /** @internal */
  protected emit(ev: ConnectionEvent): void {
    if (this.disconnectedFlag) return;
    this.events.push(ev);
  }

  /** @internal a service message (5, 6, 50+) that passed the filter */
  protected onServiceMessage(payload: Uint8Array, lent = false): void {
    const n = payload[0];
    if (n >= Msg.GLOBAL_REQUEST) this.mux.handle(payload, lent);
    else this.onAuthMessage(payload);
  }

  /** @internal */
  protected abstract onAuthMessage(payload: Uint8Array): void;
  /** @internal the first key exchange finished */
  protected abstract onInitialKex(): void;
  /** @internal */
  protected onExtInfo(_ext: ReadonlyMap<string, Uint8Array>): void {}
  /** @internal */
  protected authDeadline(): number | undefined {
    return undefined;
  }
  /** @internal */
  protected checkAuthDeadline(_now: number): void {}

  /** @internal authentication succeeded */
  protected authenticatedNow(): void {
    this.transport.setAuthenticated();
    this.mux.setReady();
  }

  private onClosed(info: DisconnectInfo): void {
    this.mux.abort();
    this.emit({ type: 'disconnected', reason: info.reason, description: info.description, byPeer: info.byPeer, error: info.error });
    this.disconnectedFlag = true;
  }
}

/** The earlier of two optional deadlines. */
function earliest(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}
