// The SSH transport layer (RFC 4253) as a sans-I/O state machine, shared by client and server:
// version exchange, binary packets, KEXINIT negotiation, the key exchange method's messages,
// host key signature verification, key derivation (RFC 4253 §7.2) and NEWKEYS per direction,
// strict KEX (draft-miller-sshm-strict-kex: Terrapin, CVE-2023-48795), EXT_INFO (RFC 8308),
// rekeying (RFC 4253 §9) started by either side, IGNORE / DEBUG / UNIMPLEMENTED / DISCONNECT,
// the per-state message filter (filter.ts) and a bounded outbound queue for the time a key
// exchange forbids sending (Go CVE-2025-22869). Service messages (5, 6 and 50+) go to the host
// (the engine: auth and connection layers).
import { DisconnectReason, HostKeyMismatchError, ProtocolError, SshReader } from '../wire/index.ts';
import type { PacketCipher } from '@seashell/kernel';
import type { HostKeySigner, KexMethod, KexResult, KexStep, RandomSource, DhGroup } from '../algorithms/types.ts';
import type { AlgorithmRegistry } from '../algorithms/registry.ts';
import { deriveKey } from '../algorithms/kex/index.ts';
import { fingerprintSha256 } from '../keys/fingerprint.ts';
import { keyTypeOf } from '../keys/keys.ts';
import { Debug, Disconnect, ExtInfo, Ignore, Msg, Newkeys, Unimplemented, isKexMethodMessage } from '../messages/index.ts';
import {
  KEX_TIMEOUT_MS,
  MAX_BANNER_SIZE,
  MAX_EXT_INFO_ENTRIES,
  MAX_PAUSED_INPUT,
  MAX_PENDING_OUTBOUND,
  REKEY_BYTES,
  REKEY_INTERVAL_MS,
  REKEY_PACKETS,
} from '../limits.ts';
import { OutputBuffer, PacketOpener, PacketSealer } from './packets.ts';
import { VersionReader, type Identification } from './version.ts';
import { Marker, buildKexinit, guessWasRight, hasMarker, negotiate, parseKexinit } from './kexinit.ts';
import type { AlgorithmLists, KexinitFields, Negotiated } from './kexinit.ts';
import { classify, type Phase, type Role } from './filter.ts';

export interface TransportOptions {
  readonly role: Role;
  readonly registry: AlgorithmRegistry;
  readonly algorithms: AlgorithmLists;
  /** Our identification line, without CR LF (see makeIdentification). */
  readonly identification: string;
  /** Server: host keys, one signer per signature algorithm offered. */
  readonly hostKeys?: readonly HostKeySigner[];
  /** Server, group exchange: moduli to choose from. */
  readonly moduli?: readonly DhGroup[];
  readonly random: RandomSource;
  readonly now: () => number;
  /** Rekey after this many bytes either way (default REKEY_BYTES). */
  readonly rekeyBytes?: number;
  /** Rekey after this many milliseconds (default REKEY_INTERVAL_MS). */
  readonly rekeyIntervalMs?: number;
  /** Offer strict KEX (default true). */
  readonly strictKex?: boolean;
  /** Client: offer ext-info-c. Server: answer ext-info-c with EXT_INFO. Default true. */
  readonly extInfo?: boolean;
  /** CHANNEL_DATA payloads go to onMessage as lent views, not copies (see PacketOpener.lendChannelData). Default false. */
  readonly lendChannelData?: boolean;
  /**
   * Server: send our first KEXINIT when the client's arrives, or after this many milliseconds
   * (0: with the identification line, at once). Every common client (OpenSSH, ssh2, Go, PuTTY)
   * sends KEXINIT without waiting for ours, usually right after our identification line, and
   * then its first key exchange message as soon as it has our KEXINIT. With both of ours in one
   * flight those two client messages leave back to back; a client with Nagle on (OpenSSH during
   * key exchange, the ssh2 package always) then holds the second until we acknowledge the first,
   * and our kernel delays that ACK (40 ms on Linux) because we had nothing to say. Answering the
   * client's KEXINIT with ours acknowledges it at once. Costs: a client that waits for our
   * KEXINIT first waits this long once; a client with Nagle off that sends KEXINIT only after our
   * identification line sees one more round trip before its key exchange message.
   */
  readonly kexinitHoldMs?: number;
  /** Server: the server-sig-algs to advertise (default: the host key algorithms we verify). */
  readonly serverSigAlgs?: readonly string[];
}

/** Why the connection ended. */
export interface DisconnectInfo {
  readonly reason: number;
  readonly description: string;
  /** True when the peer sent DISCONNECT; false when we did (or the connection failed here). */
  readonly byPeer: boolean;
  /** The error behind a local disconnect (ProtocolError, HostKeyMismatchError, ...). */
  readonly error?: Error;
}

/** What the transport tells the layer above it. */
export interface TransportHost {
  /** A service message (SERVICE_REQUEST/ACCEPT, 50 and up) that passed the filter. */
  /** `lent`: the payload is a view valid only during this call, and only if nothing is sent meanwhile (PacketOpener.lendChannelData). */
  onMessage(payload: Uint8Array, seq: number, lent: boolean): void;
  /** Client: the server's host key is proven; call accept/rejectHostKey. */
  onHostKey(algorithm: string, key: Uint8Array, fingerprint: string): void;
  /** A key exchange finished in both directions. */
  onKeysExchanged(initial: boolean, algorithms: Negotiated): void;
  /** Outbound traffic may flow again after a key exchange (our NEWKEYS is sent). */
  onWritable(): void;
  /** Client: EXT_INFO arrived (RFC 8308). */
  onExtInfo(extensions: ReadonlyMap<string, Uint8Array>): void;
  /** DEBUG message from the peer. */
  onDebug(message: string, alwaysDisplay: boolean): void;
  /** The connection ended (once). */
  onClosed(info: DisconnectInfo): void;
}

interface KexState {
  readonly initial: boolean;
  readonly startedAt: number;
  readonly ourKexinit: Uint8Array;
  readonly ourFields: KexinitFields;
  peerKexinit?: Uint8Array;
  negotiated?: Negotiated;
  method?: KexMethod;
  step?: KexStep;
  ignoreNext: boolean;
  result?: KexResult;
  nextOut?: PacketCipher;
  nextIn?: PacketCipher;
  awaitingHostKey: boolean;
  sentNewkeys: boolean;
  receivedNewkeys: boolean;
}

export class Transport {
  readonly role: Role;
  private readonly opts: TransportOptions;
  private readonly host: TransportHost;
  private readonly out = new OutputBuffer();
  private readonly sealer: PacketSealer;
  private readonly opener = new PacketOpener();
  private version: VersionReader | null;
  private peer: Identification | null = null;
  private closedInfo: DisconnectInfo | null = null;
  private paused = false;
  private kex: KexState | null = null;
  private kexCount = 0;
  private sessionIdValue: Uint8Array | null = null;
  private firstNewkeysReceived = false;
  private afterFirstNewkeys = 0;
  private strict = false;
  private peerWantsExtInfo = false;
  private extInfoCount = 0;
  /** Server: our first NEWKEYS is out, EXT_INFO waits for the client's (see sendNewkeys). */
  private extInfoDeferred = false;
  /** Server: our first KEXINIT waits for the client's until this time (see kexinitHoldMs). */
  private kexinitHeldUntil: number | undefined;
  private expectAuthSuccess = false;
  private authenticatedFlag = false;
  private serverHostKey: Uint8Array | null = null;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private lastKexAt: number;
  private readonly rekeyBytes: number;
  private readonly rekeyInterval: number;
  private readonly hostKeyAlgorithms: readonly string[];

  constructor(opts: TransportOptions, host: TransportHost) {
    this.opts = opts;
    this.role = opts.role;
    this.opener.lendChannelData = opts.lendChannelData ?? false;
    this.host = host;
    this.sealer = new PacketSealer(this.out, opts.random);
    this.version = new VersionReader(opts.role);
    this.lastKexAt = opts.now();
    this.rekeyBytes = opts.rekeyBytes ?? REKEY_BYTES;
    this.rekeyInterval = opts.rekeyIntervalMs ?? REKEY_INTERVAL_MS;
    if (opts.role === 'server') {
      const keys = opts.hostKeys ?? [];
      this.hostKeyAlgorithms = opts.algorithms.hostKey.filter((a) => keys.some((k) => k.algorithm === a));
      if (this.hostKeyAlgorithms.length === 0) {
        throw new RangeError(`server needs a host key for one of: ${opts.algorithms.hostKey.join(', ')}`);
      }
    } else {
      this.hostKeyAlgorithms = opts.algorithms.hostKey;
    }
  }

  /** Sends our identification and first KEXINIT. */
  start(): void {
    this.out.append(new TextEncoder().encode(this.opts.identification + '\r\n'));
    const hold = this.role === 'server' ? (this.opts.kexinitHoldMs ?? 0) : 0;
    if (hold > 0) this.kexinitHeldUntil = this.opts.now() + hold;
    else this.startKex();
  }

  // ---------------------------------------------------------------- public state

  /** H of the first key exchange, once known. */
  get sessionId(): Uint8Array | null {
    return this.sessionIdValue;
  }

  /** The peer's identification, once received. */
  get peerIdentification(): Identification | null {
    return this.peer;
  }

  get closed(): boolean {
    return this.closedInfo !== null;
  }

  /** True once the first key exchange finished both ways and service messages may flow. */
  get ready(): boolean {
    return this.firstNewkeysReceived && this.kexCount > 0 && !(this.kex?.initial ?? false);
  }

  /** True while a key exchange forbids sending non-KEX messages (they are queued). */
  get blocked(): boolean {
    return this.kexinitHeldUntil !== undefined || (this.kex !== null && !this.kex.sentNewkeys);
  }

  /** Whether strict KEX is in force. */
  get strictKex(): boolean {
    return this.strict;
  }

  /** The phase the filter uses for received messages. */
  phase(): Phase {
    if (!this.firstNewkeysReceived) return this.strict ? 'handshake-strict' : 'handshake';
    if (this.kex?.peerKexinit && !this.kex.receivedNewkeys) return 'kex';
    return this.authenticatedFlag ? 'authenticated' : 'userauth';
  }

  /** Called by the engine when user authentication succeeded. */
  setAuthenticated(): void {
    this.authenticatedFlag = true;
  }

  /** Largest payload one packet may carry. */
  get maxPayload(): number {
    return this.sealer.maxPayload;
  }

  // ---------------------------------------------------------------- I/O

  /** Bytes received from the peer, in any split. Errors become a DISCONNECT, never a throw. */
  receive(bytes: Uint8Array): void {
    if (this.closedInfo) return;
    try {
      if (!(bytes instanceof Uint8Array)) throw new TypeError(`receive() takes a Uint8Array, got ${typeof bytes}`);
      let data = bytes;
      if (this.version) {
        const r = this.version.push(data);
        if (!r) return;
        this.peer = r.identification;
        this.version = null;
        data = r.rest;
      }
      if (this.paused) this.opener.push(data);
      else this.opener.feed(data, this.onPacket);
      if (this.paused && this.opener.buffered > MAX_PAUSED_INPUT) {
        throw new ProtocolError(`peer sent more than ${MAX_PAUSED_INPUT} bytes while its host key was being checked`);
      }
    } catch (e) {
      this.fail(e);
    }
  }

  /** The next block of bytes to write to the peer (call until undefined), or undefined. */
  takeOutput(): Uint8Array | undefined {
    return this.out.take();
  }

  /** A block takeOutput() returned has been written: its buffer may be reused. */
  releaseOutput(block: Uint8Array): void {
    this.out.release(block);
  }

  /** Bytes waiting in the output buffer. */
  get outputLength(): number {
    return this.out.length;
  }

  /**
   * Sends a service payload (message number first). While a key exchange is in progress it is
   * queued (bounded) and sent after our NEWKEYS.
   */
  send(payload: Uint8Array): void {
    if (this.closedInfo) return;
    const n = payload[0];
    // During a key exchange only transport generic messages may go out (RFC 4253 §7.1); during
    // the first one not even IGNORE/DEBUG/UNIMPLEMENTED, which a strict-KEX peer would refuse.
    const initial = this.kexinitHeldUntil !== undefined || (this.kex?.initial ?? false);
    const generic = n === Msg.DISCONNECT || (n >= Msg.IGNORE && n <= Msg.DEBUG && !initial);
    if (this.extInfoDeferred && n !== Msg.DISCONNECT) this.sendDeferredExtInfo();
    if (this.blocked && !generic) {
      this.pending.push(payload);
      this.pendingBytes += payload.length;
      if (this.pendingBytes > MAX_PENDING_OUTBOUND) {
        this.disconnect(
          DisconnectReason.KEY_EXCHANGE_FAILED,
          `key exchange did not finish while ${this.pendingBytes} bytes of messages waited to be sent`,
        );
      }
      return;
    }
    this.sealer.sealPayload(payload);
    this.checkRekey();
  }

  /**
   * Fast path for CHANNEL_DATA / CHANNEL_EXTENDED_DATA: writes the message straight into the
   * packet (no intermediate payload). Only when not blocked.
   */
  sendChannelData(recipient: number, data: Uint8Array, dataType?: number): void {
    if (this.closedInfo) return;
    if (this.blocked) throw new Error('internal: channel data sent during key exchange');
    if (this.extInfoDeferred) this.sendDeferredExtInfo();
    const ext = dataType !== undefined;
    const header = ext ? 13 : 9;
    this.sealer.seal(header + data.length, (t, o) => {
      t[o] = ext ? Msg.CHANNEL_EXTENDED_DATA : Msg.CHANNEL_DATA;
      writeU32(t, o + 1, recipient);
      let p = o + 5;
      if (ext) {
        writeU32(t, p, dataType);
        p += 4;
      }
      writeU32(t, p, data.length);
      t.set(data, p + 4);
    });
    this.checkRekey();
  }

  /** Sends an IGNORE message (e.g. as a keepalive or for traffic analysis resistance). */
  sendIgnore(data: Uint8Array = new Uint8Array(0)): void {
    this.send(Ignore.encode({ data }));
  }

  /** Sends a DEBUG message (RFC 4253 §11.3), e.g. the reason for a refusal that has no field for one. */
  sendDebug(message: string, alwaysDisplay = false): void {
    this.send(Debug.encode({ alwaysDisplay, message, language: '' }));
  }

  // ---------------------------------------------------------------- disconnect

  /** Sends DISCONNECT and ends the connection (once). */
  disconnect(reason: number, description: string, error?: Error): void {
    if (this.closedInfo) return;
    try {
      this.sealer.sealPayload(Disconnect.encode({ reason, description: description.slice(0, 1024), language: '' }));
    } catch {
      // nothing more can be said to the peer
    }
    this.close({ reason, description, byPeer: false, error });
  }

  private close(info: DisconnectInfo): void {
    if (this.closedInfo) return;
    this.closedInfo = info;
    this.paused = false;
    this.kex?.nextIn?.dispose();
    this.kex?.nextOut?.dispose();
    this.kex = null;
    this.pending = [];
    this.sealer.dispose();
    this.opener.dispose();
    this.host.onClosed(info);
  }

  /** Turns any error into a DISCONNECT with the matching reason. */
  fail(e: unknown): void {
    if (this.closedInfo) return;
    if (e instanceof ProtocolError) this.disconnect(e.reason, e.message, e);
    else if (e instanceof HostKeyMismatchError) this.disconnect(DisconnectReason.HOST_KEY_NOT_VERIFIABLE, e.message, e);
    else {
      const err = e instanceof Error ? e : new Error(String(e));
      this.disconnect(DisconnectReason.PROTOCOL_ERROR, `internal error: ${err.message}`, err);
    }
  }

  // ---------------------------------------------------------------- timers

  /** The next time handleTimeout needs to run, or undefined. */
  nextDeadline(): number | undefined {
    if (this.closedInfo) return undefined;
    if (this.kexinitHeldUntil !== undefined) return this.kexinitHeldUntil;
    if (this.kex) return this.kex.initial || this.kex.awaitingHostKey ? undefined : this.kex.startedAt + KEX_TIMEOUT_MS;
    if (this.ready) return this.lastKexAt + this.rekeyInterval;
    return undefined;
  }

  handleTimeout(now: number): void {
    if (this.closedInfo) return;
    try {
      if (this.kexinitHeldUntil !== undefined) {
        if (now >= this.kexinitHeldUntil) this.startKex();
        return;
      }
      if (this.kex) {
        if (!this.kex.initial && !this.kex.awaitingHostKey && now >= this.kex.startedAt + KEX_TIMEOUT_MS) {
          this.disconnect(DisconnectReason.KEY_EXCHANGE_FAILED, `key exchange did not finish within ${KEX_TIMEOUT_MS / 1000} s`);
        }
        return;
      }
      if (this.ready && now >= this.lastKexAt + this.rekeyInterval) this.startKex();
    } catch (e) {
      this.fail(e);
    }
  }

  // ---------------------------------------------------------------- key exchange

  /** Starts a key re-exchange (no-op while one is running or before the first finished). */
  rekey(): void {
    if (this.closedInfo || this.kex || !this.ready) return;
    try {
      this.startKex();
    } catch (e) {
      this.fail(e);
    }
  }

  private checkRekey(): void {
    if (this.kex || !this.ready || this.closedInfo) return;
    const s = this.sealer;
    const o = this.opener;
    if (s.bytes >= this.rekeyBytes || o.bytes >= this.rekeyBytes || s.packets >= REKEY_PACKETS || o.packets >= REKEY_PACKETS) {
      this.startKex();
    }
  }

  private startKex(): void {
    if (this.kex || this.closedInfo) return;
    this.kexinitHeldUntil = undefined;
    const initial = this.kexCount === 0;
    const markers: string[] = [];
    if (initial) {
      if (this.role === 'client' && (this.opts.extInfo ?? true)) markers.push(Marker.EXT_INFO_C);
      if (this.opts.strictKex ?? true) markers.push(this.role === 'client' ? Marker.STRICT_C : Marker.STRICT_S);
    }
    const cookie = this.opts.random(16);
    const lists = { ...this.opts.algorithms, hostKey: this.hostKeyAlgorithms };
    const payload = buildKexinit(lists, cookie, markers);
    this.kex = {
      initial,
      startedAt: this.opts.now(),
      ourKexinit: payload,
      ourFields: parseKexinit(payload),
      ignoreNext: false,
      awaitingHostKey: false,
      sentNewkeys: false,
      receivedNewkeys: false,
    };
    this.kexCount++;
    this.sealer.sealPayload(payload);
  }

  private onPacket = (payload: Uint8Array, seq: number, lent: boolean): boolean => {
    if (this.closedInfo) return false;
    this.handlePacket(payload, seq, lent);
    if (!this.closedInfo) this.checkRekey();
    return !this.paused && !this.closedInfo;
  };

  private handlePacket(payload: Uint8Array, seq: number, lent: boolean): void {
    const n = payload[0];
    const phase = this.phase();
    const verdict = classify(this.role, phase, n);
    if (verdict === 'disconnect') {
      throw new ProtocolError(`unexpected message ${n} from the ${this.role === 'client' ? 'server' : 'client'} during ${phase}`);
    }
    if (this.expectAuthSuccess) {
      if (n !== Msg.USERAUTH_SUCCESS) throw new ProtocolError(`EXT_INFO during authentication must be followed by USERAUTH_SUCCESS, got message ${n}`);
      this.expectAuthSuccess = false;
    }
    const position = this.firstNewkeysReceived ? this.afterFirstNewkeys++ : -1;
    if (verdict === 'unimplemented') {
      this.send(Unimplemented.encode({ sequence: seq }));
      return;
    }
    switch (n) {
      case Msg.DISCONNECT: {
        const d = Disconnect.decode(payload);
        this.close({ reason: d.reason, description: d.description.slice(0, MAX_BANNER_SIZE), byPeer: true });
        return;
      }
      case Msg.IGNORE:
        Ignore.decode(payload);
        return;
      case Msg.UNIMPLEMENTED:
        Unimplemented.decode(payload);
        return;
      case Msg.DEBUG: {
        const d = Debug.decode(payload);
        this.host.onDebug(d.message.slice(0, MAX_BANNER_SIZE), d.alwaysDisplay);
        return;
      }
      case Msg.EXT_INFO:
        this.handleExtInfo(payload, position);
        return;
      case Msg.KEXINIT:
        this.handleKexinit(payload, seq);
        return;
      case Msg.NEWKEYS:
        this.handleNewkeys(payload);
        return;
    }
    if (isKexMethodMessage(n)) {
      this.handleKexMessage(payload);
      return;
    }
    this.host.onMessage(payload, seq, lent);
  }

  private handleKexinit(payload: Uint8Array, seq: number): void {
    const fields = parseKexinit(payload);
    if (!this.kex) this.startKex();
    const kex = this.kex!;
    if (kex.peerKexinit) throw new ProtocolError('KEXINIT received twice in one key exchange');
    kex.peerKexinit = payload;
    if (kex.initial) {
      const peerStrict = this.role === 'client' ? Marker.STRICT_S : Marker.STRICT_C;
      if ((this.opts.strictKex ?? true) && hasMarker(fields, peerStrict)) {
        this.strict = true;
        if (seq !== 0) throw new ProtocolError('strict KEX: KEXINIT was not the first message received', DisconnectReason.KEY_EXCHANGE_FAILED);
      }
      if (this.role === 'server') this.peerWantsExtInfo = (this.opts.extInfo ?? true) && hasMarker(fields, Marker.EXT_INFO_C);
    }
    const [client, server] = this.role === 'client' ? [kex.ourFields, fields] : [fields, kex.ourFields];
    const reg = this.opts.registry;
    const negotiated = negotiate(client, server, (c) => reg.cipher[c]?.aead ?? false);
    kex.negotiated = negotiated;
    if (fields.firstKexPacketFollows && !guessWasRight(client, server)) kex.ignoreNext = true;
    const method = reg.kex[negotiated.kex];
    kex.method = method;
    const ctx = {
      clientVersion: this.role === 'client' ? this.opts.identification : this.peer!.line,
      serverVersion: this.role === 'server' ? this.opts.identification : this.peer!.line,
      clientKexinit: this.role === 'client' ? kex.ourKexinit : payload,
      serverKexinit: this.role === 'server' ? kex.ourKexinit : payload,
      random: this.opts.random,
      hostKey: this.role === 'server' ? this.opts.hostKeys!.find((k) => k.algorithm === negotiated.hostKey) : undefined,
      moduli: this.opts.moduli,
    };
    kex.step = this.role === 'client' ? method.client(ctx) : method.server(ctx);
    for (const p of kex.step.start()) this.sealer.sealPayload(p);
  }

  private handleKexMessage(payload: Uint8Array): void {
    const kex = this.kex;
    if (!kex?.step) throw new ProtocolError(`key exchange message ${payload[0]} before KEXINIT`);
    if (kex.ignoreNext) {
      kex.ignoreNext = false;
      return;
    }
    if (kex.result) throw new ProtocolError(`key exchange message ${payload[0]} after the exchange finished`);
    const { send, result } = kex.step.receive(payload);
    for (const p of send) this.sealer.sealPayload(p);
    if (result) this.onKexResult(kex, result);
  }

  private onKexResult(kex: KexState, result: KexResult): void {
    kex.result = result;
    const negotiated = kex.negotiated!;
    if (this.role === 'client') {
      const alg = negotiated.hostKey;
      const verifier = this.opts.registry.signature[alg];
      const keyType = blobType(result.hostKeyBlob);
      if (!verifier || keyType === undefined || (keyTypeOf(alg) ?? alg) !== keyType) {
        throw new ProtocolError(`server host key of type ${keyType ?? '(unreadable)'} does not match the negotiated ${alg}`, DisconnectReason.KEY_EXCHANGE_FAILED);
      }
      if (!verifier.verify(result.hostKeyBlob, result.exchangeHash, result.signature)) {
        throw new ProtocolError(`server's ${alg} signature over the exchange hash does not verify`, DisconnectReason.KEY_EXCHANGE_FAILED);
      }
    }
    this.prepareKeys(kex, result);
    if (this.role === 'client') {
      if (kex.initial) {
        kex.awaitingHostKey = true;
        this.paused = true;
        this.host.onHostKey(negotiated.hostKey, result.hostKeyBlob, fingerprintSha256(result.hostKeyBlob));
        return;
      }
      if (!equalBytes(result.hostKeyBlob, this.serverHostKey!)) {
        throw new HostKeyMismatchError('the server presented a different host key in a key re-exchange', fingerprintSha256(result.hostKeyBlob));
      }
    }
    this.sendNewkeys(kex);
  }

  /** Client: the application accepted the host key shown in onHostKey. */
  acceptHostKey(): void {
    const kex = this.kex;
    if (!kex?.awaitingHostKey) throw new Error('acceptHostKey(): no host key is waiting for a decision');
    kex.awaitingHostKey = false;
    this.paused = false;
    this.serverHostKey = kex.result!.hostKeyBlob;
    try {
      this.sendNewkeys(kex);
      this.opener.feed(new Uint8Array(0), this.onPacket);
    } catch (e) {
      this.fail(e);
    }
  }

  /** Client: the application rejected the host key. */
  rejectHostKey(message = 'host key rejected'): void {
    const kex = this.kex;
    if (!kex?.awaitingHostKey) throw new Error('rejectHostKey(): no host key is waiting for a decision');
    const blob = kex.result!.hostKeyBlob;
    this.disconnect(DisconnectReason.HOST_KEY_NOT_VERIFIABLE, message, new HostKeyMismatchError(message, fingerprintSha256(blob)));
  }

  private prepareKeys(kex: KexState, result: KexResult): void {
    if (!this.sessionIdValue) this.sessionIdValue = result.exchangeHash.slice();
    const n = kex.negotiated!;
    const hash = kex.method!.hash;
    const reg = this.opts.registry;
    const make = (cipherName: string, macName: string | null, ivL: string, keyL: string, macL: string): PacketCipher => {
      const spec = reg.cipher[cipherName];
      const k = result.sharedSecret;
      const h = result.exchangeHash;
      const sid = this.sessionIdValue!;
      const iv = deriveKey(hash, k, h, ivL, sid, spec.ivLength);
      const key = deriveKey(hash, k, h, keyL, sid, spec.keyLength);
      let mac: { spec: (typeof reg.mac)[string]; key: Uint8Array } | undefined;
      if (!spec.aead) {
        const macSpec = reg.mac[macName!];
        mac = { spec: macSpec, key: deriveKey(hash, k, h, macL, sid, macSpec.keyLength) };
      }
      try {
        return spec.create({ key, iv, mac });
      } finally {
        iv.fill(0);
        key.fill(0);
        mac?.key.fill(0);
      }
    };
    const c2s = make(n.cipherClientToServer, n.macClientToServer, 'A', 'C', 'E');
    const s2c = make(n.cipherServerToClient, n.macServerToClient, 'B', 'D', 'F');
    kex.nextOut = this.role === 'client' ? c2s : s2c;
    kex.nextIn = this.role === 'client' ? s2c : c2s;
    result.sharedSecret.fill(0);
  }

  private sendNewkeys(kex: KexState): void {
    this.sealer.sealPayload(Newkeys.encode({}));
    this.sealer.setCipher(kex.nextOut!);
    kex.nextOut = undefined;
    if (this.strict) this.sealer.seq = 0;
    this.sealer.bytes = 0;
    this.sealer.packets = 0;
    kex.sentNewkeys = true;
    if (kex.initial && this.role === 'server' && this.peerWantsExtInfo) {
      // EXT_INFO must be the next packet after our NEWKEYS (RFC 8308 §2.4), but nothing says it
      // must leave in the same flight. Sending it when the client's NEWKEYS arrives means that
      // segment is answered (and so acknowledged) at once. Otherwise a client with Nagle on (the
      // ssh2 package by default) holds its SERVICE_REQUEST until our delayed ACK of its lone
      // NEWKEYS segment, about 40 ms on Linux, on every connection.
      if (kex.receivedNewkeys || this.pending.length > 0) this.sendExtInfo();
      else this.extInfoDeferred = true;
    }
    const queued = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    for (const p of queued) this.sealer.sealPayload(p);
    if (kex.receivedNewkeys) this.finishKex(kex);
    if (!this.closedInfo) this.host.onWritable();
  }

  private handleNewkeys(payload: Uint8Array): void {
    Newkeys.decode(payload);
    const kex = this.kex;
    if (!kex?.nextIn) throw new ProtocolError('NEWKEYS before the key exchange finished');
    this.opener.setCipher(kex.nextIn);
    kex.nextIn = undefined;
    if (this.strict) this.opener.seq = 0;
    this.opener.bytes = 0;
    this.opener.packets = 0;
    kex.receivedNewkeys = true;
    if (this.extInfoDeferred) this.sendDeferredExtInfo();
    if (kex.initial) {
      this.firstNewkeysReceived = true;
      this.afterFirstNewkeys = 0;
    }
    if (kex.sentNewkeys) this.finishKex(kex);
  }

  private finishKex(kex: KexState): void {
    this.kex = null;
    this.lastKexAt = this.opts.now();
    this.host.onKeysExchanged(kex.initial, kex.negotiated!);
  }

  // ---------------------------------------------------------------- EXT_INFO (RFC 8308)

  private sendExtInfo(): void {
    const algs = this.opts.serverSigAlgs ?? Object.keys(this.opts.registry.signature);
    const value = new TextEncoder().encode(algs.join(','));
    this.sealer.sealPayload(ExtInfo.encode({ extensions: [{ name: 'server-sig-algs', value }] }));
  }

  private sendDeferredExtInfo(): void {
    this.extInfoDeferred = false;
    this.sendExtInfo();
  }

  private handleExtInfo(payload: Uint8Array, position: number): void {
    // Only a client that offered ext-info-c gets EXT_INFO (the filter already refuses it
    // server-side): as the first message after the first NEWKEYS, or once more right before
    // USERAUTH_SUCCESS. Anything else is the downgrade Terrapin relies on.
    if (!(this.opts.extInfo ?? true)) throw new ProtocolError('EXT_INFO received but ext-info-c was not offered');
    if (position === 0 && this.extInfoCount === 0) {
      // first, right after NEWKEYS
    } else if (!this.authenticatedFlag && this.extInfoCount < 2 && position > 0) {
      this.expectAuthSuccess = true;
    } else {
      throw new ProtocolError('EXT_INFO out of place: allowed only right after the first NEWKEYS and right before USERAUTH_SUCCESS');
    }
    this.extInfoCount++;
    const { extensions } = ExtInfo.decode(payload);
    if (extensions.length >= MAX_EXT_INFO_ENTRIES) throw new ProtocolError(`EXT_INFO with ${extensions.length} entries (limit ${MAX_EXT_INFO_ENTRIES - 1})`);
    const map = new Map<string, Uint8Array>();
    for (const e of extensions) if (!map.has(e.name)) map.set(e.name, e.value);
    this.host.onExtInfo(map);
  }
}

function writeU32(t: Uint8Array, o: number, v: number): void {
  t[o] = v >>> 24;
  t[o + 1] = v >>> 16;
  t[o + 2] = v >>> 8;
  t[o + 3] = v;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/** The key type named at the start of a public key blob, or undefined if unreadable. */
function blobType(blob: Uint8Array): string | undefined {
  try {
    return new SshReader(blob, 'host key').text('key type');
  } catch {
    return undefined;
  }
}
