// One channel of the connection protocol (RFC 4254 §5): its ids, both windows and maximum
// packet sizes, and an ordered outbox. Everything the application sends on a channel (data,
// stderr, EOF, requests such as exit-status, CLOSE) goes through the outbox in order, so an
// exit-status can never overtake output still waiting for window space. Data leaves only as far
// as the peer's window allows; the rest waits, bounded, and `write` reports backpressure.
// Our own window is only re-opened as the application consumes data (`consume`), so a slow
// reader holds the peer back instead of growing memory.
import { encodeRequest, type ChannelOpenInfo, type SessionRequest } from './requests.ts';

/** Where a channel is in its life. */
export type ChannelState =
  /** we sent CHANNEL_OPEN and wait for the answer */
  | 'opening'
  /** the peer asked to open it and the application has not answered */
  | 'pending'
  | 'open'
  /** both CLOSEs exchanged (or the open failed); the channel is gone */
  | 'closed';

/** Queued outbound work of a channel. */
export type OutboxItem =
  | { kind: 'data'; bytes: Uint8Array; off: number; dataType: number | undefined }
  | { kind: 'eof' }
  | { kind: 'request'; name: string; data: Uint8Array; wantReply: boolean }
  | { kind: 'close' };

/** What a Channel needs from the connection that owns it. */
export interface ChannelOwner {
  channelWrite(ch: Channel, data: Uint8Array, dataType: number | undefined, handOver?: boolean): boolean;
  channelEnqueue(ch: Channel, item: OutboxItem): void;
  channelConsume(ch: Channel, n: number): void;
  channelAccept(ch: Channel): void;
  channelReject(ch: Channel, reason: number, description: string): void;
  channelReply(ch: Channel, id: number, success: boolean): void;
}

/** An incoming want-reply request waiting for (or holding) the application's answer. */
export interface IncomingRequest {
  readonly id: number;
  answer?: boolean;
}

export class Channel {
  /** Our channel number (the peer's "recipient channel" for messages to us). */
  readonly id: number;
  /** Channel type, e.g. 'session'. */
  readonly type: string;
  /** Type-specific data of the open (e.g. direct-tcpip's host and port). */
  readonly info: ChannelOpenInfo;
  state: ChannelState;
  /** The peer's channel number, once known. */
  remoteId = -1;
  /** Bytes we may still send / the largest data packet the peer accepts. */
  remoteWindow = 0;
  /** @internal the widest window the peer has offered (for send hold-back) */
  remoteWindowPeak = 0;
  /** @internal when data started waiting for a wider window (engine clock), if it is */
  holdSince: number | undefined = undefined;
  remoteMaxPacket = 0;
  /** Bytes the peer may still send us / the largest data packet we accept. */
  localWindow: number;
  readonly localMaxPacket: number;
  /** Our window size, re-opened as the application consumes. */
  readonly windowSize: number;
  /** Delivered to the application and not yet consumed. */
  unconsumed = 0;
  /** Consumed and not yet announced with WINDOW_ADJUST. */
  pendingAdjust = 0;
  /** @internal ordered outbound work */
  readonly outbox: OutboxItem[] = [];
  /** Data bytes in the outbox. */
  queued = 0;
  /** @internal set when write() returned false; cleared with a channelWritable event */
  wantDrain = false;
  eofSent = false;
  eofReceived = false;
  /** The application called end()/close(): no more writes. */
  ended = false;
  closeQueued = false;
  closeSent = false;
  closeReceived = false;
  /** @internal our want-reply requests waiting for CHANNEL_SUCCESS / FAILURE, oldest first */
  readonly awaitingReplies: string[] = [];
  /** @internal the peer's want-reply requests waiting for our answer, oldest first */
  readonly incoming: IncomingRequest[] = [];
  /** @internal env requests accepted so far */
  envCount = 0;
  /** @internal see setDataHandler */
  dataHandler: ((data: Uint8Array) => void) | undefined;
  /** @internal see setDataHandler */
  autoConsume = true;
  /** Exit status or signal reported by the peer (client side), once known. */
  exitStatus?: number;
  exitSignal?: string;

  /** @internal created by the connection */
  constructor(
    private readonly owner: ChannelOwner,
    id: number,
    type: string,
    info: ChannelOpenInfo,
    state: ChannelState,
    windowSize: number,
    maxPacket: number,
  ) {
    this.id = id;
    this.type = type;
    this.info = info;
    this.state = state;
    this.windowSize = windowSize;
    this.localWindow = windowSize;
    this.localMaxPacket = maxPacket;
  }

  /**
   * Queues data (stdout for sessions). Returns false when the queue is past its high-water mark:
   * wait for a channelWritable event before writing more. Throws once the hard limit would be
   * passed (the writer ignored backpressure). The bytes may be referenced until sent; they are
   * copied only if they have to wait, unless `handOver` is true: then the caller gives the buffer
   * away (never to touch it again) and it waits as it is.
   */
  write(data: Uint8Array, handOver = false): boolean {
    return this.owner.channelWrite(this, data, undefined, handOver);
  }

  /** Queues extended data (type 1 = stderr, RFC 4254 §5.2). Same backpressure as write(). */
  writeExtended(data: Uint8Array, dataType = 1): boolean {
    if (!Number.isInteger(dataType) || dataType < 0 || dataType > 0xffffffff) throw new RangeError(`extended data type must be a uint32, got ${dataType}`);
    return this.owner.channelWrite(this, data, dataType);
  }

  /** Queues stderr output (extended data type 1). */
  writeStderr(data: Uint8Array): boolean {
    return this.writeExtended(data, 1);
  }

  /** Sends EOF after queued data: we will send no more data (RFC 4254 §5.3). */
  end(): void {
    if (this.ended || this.closeQueued) return;
    this.ended = true;
    this.owner.channelEnqueue(this, { kind: 'eof' });
  }

  /** Sends CLOSE after everything queued (RFC 4254 §5.3). The channel is gone once the peer's CLOSE arrives too. */
  close(): void {
    if (this.closeQueued || this.state === 'closed') return;
    if (this.state === 'pending') return this.reject(1, 'closed');
    this.ended = true;
    this.closeQueued = true;
    this.owner.channelEnqueue(this, { kind: 'close' });
  }

  /**
   * Tells the engine the application has processed n bytes of received data (data and
   * extended data both count): the peer's window is re-opened by that much.
   */
  consume(n: number): void {
    this.owner.channelConsume(this, n);
  }

  /**
   * Takes this channel's data (not extended data) synchronously, as it is decrypted, instead of as
   * channelData events: the bulk path of SFTP. `data` is a view valid only during the call (copy
   * what you keep), and the handler must not send anything on the connection while it runs
   * (write, request, close); consume() is fine. With autoConsume (default) the window re-opens by
   * each chunk once the handler returns; otherwise call consume() as the bytes are processed.
   * Data still arrives as events while earlier events wait in the queue, so order is kept.
   */
  setDataHandler(handler: ((data: Uint8Array) => void) | undefined, autoConsume = true): void {
    if (handler !== undefined && typeof handler !== 'function') throw new TypeError('setDataHandler takes a function or undefined');
    this.dataHandler = handler;
    this.autoConsume = autoConsume;
  }

  /** Sends a typed channel request (after queued data). With wantReply a channelRequestResult event follows. */
  request(req: SessionRequest, wantReply = false): void {
    const { name, data } = encodeRequest(req);
    this.requestRaw(name, data, wantReply);
  }

  /** Sends a channel request with raw type-specific data. */
  requestRaw(name: string, data: Uint8Array = new Uint8Array(0), wantReply = false): void {
    if (typeof name !== 'string' || name.length === 0) throw new TypeError('request name must be a non-empty string');
    if (!(data instanceof Uint8Array)) throw new TypeError('request data must be a Uint8Array');
    if (this.closeQueued || this.state === 'closed') throw new Error(`channel ${this.id} is closing`);
    this.owner.channelEnqueue(this, { kind: 'request', name, data, wantReply: !!wantReply });
  }

  /** Client: runs a command (exec request, RFC 4254 §6.5), asking for a reply. */
  exec(command: string | Uint8Array): void {
    const bytes = typeof command === 'string' ? new TextEncoder().encode(command) : command;
    this.request({ type: 'exec', command: bytes }, true);
  }

  /** Client: starts a shell (RFC 4254 §6.5), asking for a reply. */
  shell(): void {
    this.request({ type: 'shell' }, true);
  }

  /** Client: starts a subsystem such as sftp (RFC 4254 §6.5), asking for a reply. */
  subsystem(name: string): void {
    this.request({ type: 'subsystem', name }, true);
  }

  /** Client: sets an environment variable (RFC 4254 §6.4), asking for a reply. */
  env(name: string, value: string | Uint8Array): void {
    const v = typeof value === 'string' ? new TextEncoder().encode(value) : value;
    this.request({ type: 'env', name, value: v }, true);
  }

  /** Client: requests a pseudo-terminal (RFC 4254 §6.2), asking for a reply. */
  pty(opts: { term?: string; cols?: number; rows?: number; widthPx?: number; heightPx?: number; modes?: Uint8Array } = {}): void {
    this.request(
      {
        type: 'pty-req',
        term: opts.term ?? 'xterm',
        cols: opts.cols ?? 80,
        rows: opts.rows ?? 24,
        widthPx: opts.widthPx ?? 0,
        heightPx: opts.heightPx ?? 0,
        modes: opts.modes ?? new Uint8Array([0]),
      },
      true,
    );
  }

  /** Client: sends a signal to the remote process (RFC 4254 §6.9), e.g. 'TERM'. */
  signal(name: string): void {
    this.request({ type: 'signal', signal: name }, false);
  }

  /** Server: reports the command's exit status (RFC 4254 §6.10), after queued output. */
  sendExitStatus(status: number): void {
    this.request({ type: 'exit-status', status: status >>> 0 }, false);
  }

  /** Server: reports that the command died of a signal (RFC 4254 §6.10), after queued output. */
  sendExitSignal(signal: string, coreDumped = false, message = ''): void {
    this.request({ type: 'exit-signal', signal, coreDumped, message, language: '' }, false);
  }

  /** Answers the peer's request `id` (from a channelRequest event). Answers go out in request order. */
  reply(id: number, success: boolean): void {
    this.owner.channelReply(this, id, success);
  }

  /** Accepts a channel the peer asked to open (from a channelOpen event). */
  accept(): void {
    this.owner.channelAccept(this);
  }

  /** Refuses a channel the peer asked to open (RFC 4254 §5.1 reason code, default 1: administratively prohibited). */
  reject(reason = 1, description = 'refused'): void {
    this.owner.channelReject(this, reason, description);
  }
}
