// The connection protocol (RFC 4254): the channel table, flow control both ways, channel and
// global requests with answers kept in request order, and the session channel's requests
// surfaced as typed events. A peer cannot make us send past its window, nor send past ours, nor
// push a window past 2^32-1 (russh CVE-2025-54804); unknown channel types and requests are
// refused with a reason.
import { ProtocolError } from '../wire/index.ts';
import {
  ChannelClose,
  ChannelEof,
  ChannelFailure,
  ChannelOpen,
  ChannelOpenConfirmation,
  ChannelOpenFailure,
  ChannelOpenFailureMsg,
  ChannelRequest,
  ChannelSuccess,
  ChannelWindowAdjust,
  GlobalRequest,
  Msg,
  RequestFailure,
  RequestSuccess,
} from '../messages/index.ts';
import {
  CHANNEL_SEND_HARD_LIMIT,
  CHANNEL_SEND_HIGH_WATER,
  CHANNEL_SEND_HOLD_MS,
  CHANNEL_SEND_HOLD_WINDOW,
  CHANNEL_SEND_MAX_PACKET,
  MAX_CHANNELS,
  MAX_ENV_VARS,
  MAX_PENDING_REQUESTS,
  MAX_WINDOW,
  MAX_CHANNEL_PACKET,
} from '../limits.ts';
import type { ConnectionEvent } from '../events.ts';
import type { Role } from '../transport/filter.ts';
import { Channel, type ChannelOwner, type OutboxItem } from './channel.ts';
import { decodeOpen, decodeRequest, encodeOpen, type ChannelOpenInfo } from './requests.ts';

/** What the mux needs from the transport. */
export interface MuxTransport {
  send(payload: Uint8Array): void;
  sendChannelData(recipient: number, data: Uint8Array, dataType?: number): void;
  readonly blocked: boolean;
  readonly closed: boolean;
  readonly maxPayload: number;
}

/** Per-channel overrides of the receive window and largest accepted data packet. */
export interface ChannelSizes {
  window?: number;
  maxPacket?: number;
}

export interface MuxOptions {
  readonly role: Role;
  /** Our receive window per channel. */
  readonly window: number;
  /** Largest data packet we accept per channel. */
  readonly maxPacket: number;
  /** Channel types the peer may open (surfaced as channelOpen events); others are refused. */
  readonly channelTypes: readonly string[];
  /** Global request names surfaced as globalRequest events; others are answered with failure. */
  readonly globalRequests: readonly string[];
  /** Most channels open at once. */
  readonly maxChannels: number;
  /** True when every event emitted so far has been taken by the application (direct data may bypass the queue). */
  readonly eventsIdle?: () => boolean;
  /** A global request arrived that wants no answer (e.g. OpenSSH's hostkeys-00): we send nothing back for it. */
  readonly unanswered?: () => void;
  /** The engine's clock (milliseconds); without it, data is never held back for a small window. */
  readonly now?: () => number;
}

/** Session channel requests a server passes to the application. */
const SERVER_SESSION_REQUESTS: ReadonlySet<string> = new Set([
  'pty-req',
  'x11-req',
  'env',
  'shell',
  'exec',
  'subsystem',
  'window-change',
  'xon-xoff',
  'signal',
  'auth-agent-req@openssh.com',
]);

export class ChannelMux implements ChannelOwner {
  /** A lent payload is being handed to a channel's data handler: window adjustments wait. */
  private lending = false;
  private readonly deferredAdjust: Channel[] = [];
  private readonly channels = new Map<number, Channel>();
  /** Channels whose data waits for a wider window (see holdBack). */
  private readonly held = new Set<Channel>();
  private nextId = 0;
  private ready = false;
  private readonly deferredOpens: Channel[] = [];
  private readonly ourGlobal: string[] = [];
  private readonly theirGlobal: { id: number; answer?: { success: boolean; data: Uint8Array } }[] = [];
  private nextRequestId = 1;
  private pendingIncoming = 0;
  private noMoreSessions = false;

  constructor(
    private readonly t: MuxTransport,
    private readonly emit: (ev: ConnectionEvent) => void,
    private readonly opts: MuxOptions,
  ) {}

  /** Open channels (any state but closed). */
  get size(): number {
    return this.channels.size;
  }

  /** True while the peer owes us an answer: to a CHANNEL_OPEN or to a want-reply request of ours. */
  awaitingAnswer(): boolean {
    if (this.ourGlobal.length > 0) return true;
    for (const ch of this.channels.values()) if (ch.state === 'opening' || ch.awaitingReplies.length > 0) return true;
    return false;
  }

  /** Looks up a channel by our id. */
  get(id: number): Channel | undefined {
    return this.channels.get(id);
  }

  /** Called once the user is authenticated: deferred opens go out. */
  setReady(): void {
    if (this.ready) return;
    this.ready = true;
    for (const ch of this.deferredOpens.splice(0)) this.sendOpen(ch);
  }

  // ---------------------------------------------------------------- opening

  /**
   * Opens a channel of `info.type` (queued until authentication finishes). `sizes` overrides the
   * connection's receive window and largest accepted data packet for this channel.
   */
  open(info: ChannelOpenInfo, sizes: ChannelSizes = {}): Channel {
    if (this.t.closed) throw new Error('the connection is closed');
    if (this.channels.size >= this.opts.maxChannels) throw new RangeError(`too many channels open (limit ${this.opts.maxChannels})`);
    const window = sizes.window ?? this.opts.window;
    const maxPacket = sizes.maxPacket ?? this.opts.maxPacket;
    if (!Number.isInteger(window) || window < 1 || window > MAX_WINDOW) throw new RangeError(`channel window must be an integer in [1, ${MAX_WINDOW}], got ${sizes.window}`);
    if (!Number.isInteger(maxPacket) || maxPacket < 1 || maxPacket > MAX_CHANNEL_PACKET) throw new RangeError(`channel maxPacket must be an integer in [1, ${MAX_CHANNEL_PACKET}], got ${sizes.maxPacket}`);
    const ch = new Channel(this, this.allocId(), info.type, info, 'opening', window, maxPacket);
    this.channels.set(ch.id, ch);
    if (this.ready) this.sendOpen(ch);
    else this.deferredOpens.push(ch);
    return ch;
  }

  private sendOpen(ch: Channel): void {
    this.t.send(
      ChannelOpen.encode({ type: ch.type, sender: ch.id, window: ch.localWindow, maxPacket: ch.localMaxPacket, data: encodeOpen(ch.info) }),
    );
  }

  private allocId(): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = (this.nextId + 1) >>> 0;
      if (!this.channels.has(id)) return id;
    }
  }

  // ---------------------------------------------------------------- global requests

  /** Sends a global request; with wantReply a globalRequestResult event follows. */
  globalRequest(name: string, data: Uint8Array = new Uint8Array(0), wantReply = true): void {
    if (typeof name !== 'string' || !name) throw new TypeError('global request name must be a non-empty string');
    if (!(data instanceof Uint8Array)) throw new TypeError('global request data must be a Uint8Array');
    if (!this.ready) throw new Error('global requests need an authenticated connection');
    this.t.send(GlobalRequest.encode({ name, wantReply, data }));
    if (wantReply) this.ourGlobal.push(name);
  }

  /** Answers the peer's global request `id` (answers go out in request order). */
  replyGlobalRequest(id: number, success: boolean, data: Uint8Array = new Uint8Array(0)): void {
    const entry = this.theirGlobal.find((e) => e.id === id);
    if (!entry) throw new Error(`no global request ${id} is waiting for an answer`);
    if (entry.answer) throw new Error(`global request ${id} was already answered`);
    entry.answer = { success: !!success, data };
    while (this.theirGlobal.length && this.theirGlobal[0].answer) {
      const e = this.theirGlobal.shift()!;
      this.pendingIncoming--;
      this.t.send(e.answer!.success ? RequestSuccess.encode({ data: e.answer!.data }) : RequestFailure.encode({}));
    }
  }

  // ---------------------------------------------------------------- incoming messages

  /** Handles a connection protocol message (80-100). */
  /** A connection-layer message; `lent`: a CHANNEL_DATA payload valid only during this call (copied if kept). */
  handle(payload: Uint8Array, lent = false): void {
    switch (payload[0]) {
      case Msg.GLOBAL_REQUEST:
        return this.onGlobalRequest(payload);
      case Msg.REQUEST_SUCCESS:
      case Msg.REQUEST_FAILURE:
        return this.onGlobalReply(payload);
      case Msg.CHANNEL_OPEN:
        return this.onOpen(payload);
      case Msg.CHANNEL_OPEN_CONFIRMATION:
        return this.onOpenConfirmation(payload);
      case Msg.CHANNEL_OPEN_FAILURE:
        return this.onOpenFailure(payload);
      case Msg.CHANNEL_WINDOW_ADJUST:
        return this.onWindowAdjust(payload);
      case Msg.CHANNEL_DATA:
        return this.onData(payload, false, lent);
      case Msg.CHANNEL_EXTENDED_DATA:
        return this.onData(payload, true);
      case Msg.CHANNEL_EOF:
        return this.onEof(payload);
      case Msg.CHANNEL_CLOSE:
        return this.onClose(payload);
      case Msg.CHANNEL_REQUEST:
        return this.onRequest(payload);
      case Msg.CHANNEL_SUCCESS:
      case Msg.CHANNEL_FAILURE:
        return this.onRequestReply(payload);
      default:
        throw new ProtocolError(`connection protocol: unexpected message ${payload[0]}`);
    }
  }

  private lookup(id: number, what: string): Channel {
    const ch = this.channels.get(id);
    if (!ch) throw new ProtocolError(`${what} for unknown channel ${id}`);
    return ch;
  }

  /** A channel that has been confirmed both ways. */
  private openChannel(id: number, what: string): Channel {
    const ch = this.lookup(id, what);
    if (ch.state !== 'open') throw new ProtocolError(`${what} for channel ${id} that is not open (${ch.state})`);
    return ch;
  }

  private onGlobalRequest(payload: Uint8Array): void {
    const m = GlobalRequest.decode(payload);
    if (m.name === 'no-more-sessions@openssh.com' && this.opts.role === 'server') {
      // OpenSSH PROTOCOL §2.2: refuse any further session channel.
      this.noMoreSessions = true;
    }
    if (this.opts.globalRequests.includes(m.name)) {
      const id = this.nextRequestId++;
      if (m.wantReply) this.trackIncoming(() => this.theirGlobal.push({ id }));
      this.emit({ type: 'globalRequest', id, name: m.name, wantReply: m.wantReply, data: m.data });
      return;
    }
    if (!m.wantReply) {
      this.opts.unanswered?.();
      return;
    }
    // Keep answers in order behind any the application still owes.
    const id = this.nextRequestId++;
    this.trackIncoming(() => this.theirGlobal.push({ id }));
    this.replyGlobalRequest(id, false);
  }

  private trackIncoming(push: () => void): void {
    if (this.pendingIncoming >= MAX_PENDING_REQUESTS) {
      throw new ProtocolError(`more than ${MAX_PENDING_REQUESTS} requests waiting for an answer`);
    }
    this.pendingIncoming++;
    push();
  }

  private onGlobalReply(payload: Uint8Array): void {
    const success = payload[0] === Msg.REQUEST_SUCCESS;
    const data = success ? RequestSuccess.decode(payload).data : (RequestFailure.decode(payload), new Uint8Array(0));
    const name = this.ourGlobal.shift();
    if (name === undefined) throw new ProtocolError(`${success ? 'REQUEST_SUCCESS' : 'REQUEST_FAILURE'} without a global request waiting`);
    this.emit({ type: 'globalRequestResult', name, success, data });
  }

  private onOpen(payload: Uint8Array): void {
    const m = ChannelOpen.decode(payload);
    const refuse = (reason: number, description: string) =>
      this.t.send(ChannelOpenFailureMsg.encode({ recipient: m.sender, reason, description, language: '' }));
    if (!this.opts.channelTypes.includes(m.type)) {
      return refuse(ChannelOpenFailure.UNKNOWN_CHANNEL_TYPE, `unknown or unsupported channel type ${m.type}`);
    }
    if (m.type === 'session' && this.noMoreSessions) {
      return refuse(ChannelOpenFailure.ADMINISTRATIVELY_PROHIBITED, 'no more sessions');
    }
    if (this.channels.size >= this.opts.maxChannels) {
      return refuse(ChannelOpenFailure.RESOURCE_SHORTAGE, `too many channels (limit ${this.opts.maxChannels})`);
    }
    if (m.maxPacket < 1) throw new ProtocolError(`CHANNEL_OPEN with a maximum packet size of ${m.maxPacket}`);
    const info = decodeOpen(m.type, m.data);
    const ch = new Channel(this, this.allocId(), m.type, info, 'pending', this.opts.window, this.opts.maxPacket);
    ch.remoteId = m.sender;
    ch.remoteWindow = m.window;
    ch.remoteMaxPacket = m.maxPacket;
    this.channels.set(ch.id, ch);
    this.emit({ type: 'channelOpen', channel: ch, info });
  }

  private onOpenConfirmation(payload: Uint8Array): void {
    const m = ChannelOpenConfirmation.decode(payload);
    const ch = this.lookup(m.recipient, 'CHANNEL_OPEN_CONFIRMATION');
    if (ch.state !== 'opening') throw new ProtocolError(`CHANNEL_OPEN_CONFIRMATION for channel ${m.recipient} that is ${ch.state}`);
    if (m.maxPacket < 1) throw new ProtocolError(`CHANNEL_OPEN_CONFIRMATION with a maximum packet size of ${m.maxPacket}`);
    ch.remoteId = m.sender;
    ch.remoteWindow = m.window;
    ch.remoteMaxPacket = m.maxPacket;
    ch.state = 'open';
    this.emit({ type: 'channelOpened', channel: ch });
    this.flush(ch);
  }

  private onOpenFailure(payload: Uint8Array): void {
    const m = ChannelOpenFailureMsg.decode(payload);
    const ch = this.lookup(m.recipient, 'CHANNEL_OPEN_FAILURE');
    if (ch.state !== 'opening') throw new ProtocolError(`CHANNEL_OPEN_FAILURE for channel ${m.recipient} that is ${ch.state}`);
    this.release(ch);
    this.emit({ type: 'channelOpenFailed', channel: ch, reason: m.reason, description: m.description.slice(0, 1024) });
  }

  private onWindowAdjust(payload: Uint8Array): void {
    const m = ChannelWindowAdjust.decode(payload);
    const ch = this.openChannel(m.recipient, 'CHANNEL_WINDOW_ADJUST');
    if (ch.remoteWindow + m.bytes > MAX_WINDOW) {
      throw new ProtocolError(`CHANNEL_WINDOW_ADJUST of ${m.bytes} would take channel ${ch.id}'s window past 2^32-1`);
    }
    ch.remoteWindow += m.bytes;
    this.flush(ch);
  }

  private onData(payload: Uint8Array, extended: boolean, lent = false): void {
    // Decoded by hand: this is the hot path (layout of ChannelData / ChannelExtendedData).
    const header = extended ? 13 : 9;
    if (payload.length < header) throw new ProtocolError(`CHANNEL_${extended ? 'EXTENDED_' : ''}DATA truncated`);
    const recipient = u32(payload, 1);
    const dataType = extended ? u32(payload, 5) : 0;
    const len = u32(payload, header - 4);
    if (len !== payload.length - header) throw new ProtocolError(`CHANNEL_DATA length ${len} does not match the ${payload.length - header} bytes present`);
    const ch = this.openChannel(recipient, 'CHANNEL_DATA');
    if (ch.eofReceived) throw new ProtocolError(`data on channel ${ch.id} after EOF`);
    if (len > ch.localMaxPacket) throw new ProtocolError(`${len} bytes of data on channel ${ch.id} exceed its maximum packet of ${ch.localMaxPacket}`);
    if (len > ch.localWindow) throw new ProtocolError(`${len} bytes of data on channel ${ch.id} exceed its window of ${ch.localWindow}`);
    ch.localWindow -= len;
    if (ch.closeSent) return; // we are closing: drop what was in flight
    ch.unconsumed += len;
    const direct = extended ? undefined : ch.dataHandler;
    // Straight to the channel's handler, only when no earlier event waits in the queue (order is kept).
    if (direct && (this.opts.eventsIdle?.() ?? false)) {
      this.lending = true;
      try {
        direct(payload.subarray(header));
      } finally {
        this.lending = false;
      }
      if (ch.autoConsume && ch.state === 'open') this.channelConsume(ch, Math.min(len, ch.unconsumed));
      for (const c of this.deferredAdjust.splice(0)) this.maybeAdjust(c);
      return;
    }
    const data = lent ? payload.slice(header) : payload.subarray(header);
    if (extended) this.emit({ type: 'channelExtendedData', channel: ch, dataType, data });
    else this.emit({ type: 'channelData', channel: ch, data });
  }

  private onEof(payload: Uint8Array): void {
    const ch = this.openChannel(ChannelEof.decode(payload).recipient, 'CHANNEL_EOF');
    if (ch.eofReceived) throw new ProtocolError(`second EOF on channel ${ch.id}`);
    ch.eofReceived = true;
    if (!ch.closeSent) this.emit({ type: 'channelEof', channel: ch });
  }

  private onClose(payload: Uint8Array): void {
    const ch = this.openChannel(ChannelClose.decode(payload).recipient, 'CHANNEL_CLOSE');
    if (ch.closeReceived) throw new ProtocolError(`second CLOSE on channel ${ch.id}`);
    ch.closeReceived = true;
    if (!ch.closeSent) {
      // The peer is gone: whatever is still queued can't be delivered.
      ch.outbox.length = 0;
      ch.queued = 0;
      ch.ended = ch.closeQueued = true;
      ch.closeSent = true;
      this.t.send(ChannelClose.encode({ recipient: ch.remoteId }));
    }
    this.finish(ch);
  }

  private onRequest(payload: Uint8Array): void {
    const m = ChannelRequest.decode(payload);
    const ch = this.openChannel(m.recipient, 'CHANNEL_REQUEST');
    let id = 0;
    if (m.wantReply) {
      id = this.nextRequestId++;
      this.trackIncoming(() => ch.incoming.push({ id }));
    }
    const fail = () => {
      if (m.wantReply) this.channelReply(ch, id, false);
    };
    if (ch.closeSent) return fail();
    const isSession = ch.type === 'session';
    if (this.opts.role === 'client') {
      if (isSession && m.request === 'exit-status') {
        const r = decodeRequest(m.request, m.data) as { status: number };
        ch.exitStatus = r.status;
        this.emit({ type: 'exitStatus', channel: ch, status: r.status });
        return fail();
      }
      if (isSession && m.request === 'exit-signal') {
        const r = decodeRequest(m.request, m.data) as { signal: string; coreDumped: boolean; message: string };
        ch.exitSignal = r.signal;
        this.emit({ type: 'exitSignal', channel: ch, signal: r.signal, coreDumped: r.coreDumped, message: r.message.slice(0, 1024) });
        return fail();
      }
      return fail();
    }
    if (!isSession || !SERVER_SESSION_REQUESTS.has(m.request)) return fail();
    const request = decodeRequest(m.request, m.data);
    if (request.type === 'env' && ++ch.envCount > MAX_ENV_VARS) return fail();
    this.emit({ type: 'channelRequest', channel: ch, id, wantReply: m.wantReply, request });
  }

  private onRequestReply(payload: Uint8Array): void {
    const success = payload[0] === Msg.CHANNEL_SUCCESS;
    const recipient = (success ? ChannelSuccess : ChannelFailure).decode(payload).recipient;
    const ch = this.openChannel(recipient, success ? 'CHANNEL_SUCCESS' : 'CHANNEL_FAILURE');
    const name = ch.awaitingReplies.shift();
    if (name === undefined) throw new ProtocolError(`${success ? 'CHANNEL_SUCCESS' : 'CHANNEL_FAILURE'} on channel ${ch.id} without a request waiting`);
    this.emit({ type: 'channelRequestResult', channel: ch, request: name, success });
  }

  // ---------------------------------------------------------------- ChannelOwner (application calls)

  channelWrite(ch: Channel, data: Uint8Array, dataType: number | undefined, handOver = false): boolean {
    if (!(data instanceof Uint8Array)) throw new TypeError(`channel write takes a Uint8Array, got ${typeof data}`);
    if (this.t.closed) throw new Error('the connection is closed');
    if (ch.ended || ch.state === 'closed' || ch.closeReceived) throw new Error(`channel ${ch.id}: write after ${ch.ended ? 'end' : 'close'}`);
    if (ch.state === 'pending') throw new Error(`channel ${ch.id}: write before the channel was accepted`);
    if (ch.queued + data.length > CHANNEL_SEND_HARD_LIMIT) {
      throw new RangeError(`channel ${ch.id}: ${ch.queued + data.length} bytes queued would pass the ${CHANNEL_SEND_HARD_LIMIT}-byte limit; wait for channelWritable`);
    }
    if (data.length === 0) return ch.queued < CHANNEL_SEND_HIGH_WATER;
    const item: OutboxItem = { kind: 'data', bytes: data, off: 0, dataType };
    ch.outbox.push(item);
    ch.queued += data.length;
    this.flush(ch);
    // Whatever still waits must not alias the caller's buffer (unless it was handed over).
    if (!handOver && item.off < data.length && ch.outbox.includes(item) && item.bytes === data) {
      item.bytes = data.slice(item.off);
      item.off = 0;
    }
    const ok = ch.queued < CHANNEL_SEND_HIGH_WATER;
    if (!ok) ch.wantDrain = true;
    return ok;
  }

  channelEnqueue(ch: Channel, item: OutboxItem): void {
    if (this.t.closed || ch.state === 'closed' || ch.closeSent) return;
    if (item.kind === 'eof' && ch.closeReceived) return;
    if (item.kind === 'request') {
      // Requests wait in the outbox too (behind data); they count against the same bound.
      const size = REQUEST_OVERHEAD + item.name.length + item.data.length;
      if (ch.queued + size > CHANNEL_SEND_HARD_LIMIT) {
        throw new RangeError(`channel ${ch.id}: ${ch.queued + size} bytes queued would pass the ${CHANNEL_SEND_HARD_LIMIT}-byte limit`);
      }
      ch.queued += size;
    }
    ch.outbox.push(item);
    this.flush(ch);
  }

  channelConsume(ch: Channel, n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`consume() takes a byte count, got ${n}`);
    if (n > ch.unconsumed) throw new RangeError(`channel ${ch.id}: consume(${n}) exceeds the ${ch.unconsumed} bytes delivered and not consumed`);
    ch.unconsumed -= n;
    ch.pendingAdjust += n;
    // While a lent payload is being read, nothing may be sealed (it shares the cipher's buffer).
    if (this.lending) {
      if (!this.deferredAdjust.includes(ch)) this.deferredAdjust.push(ch);
      return;
    }
    this.maybeAdjust(ch);
  }

  /** Announces re-opened window in batches: once half the window is waiting. */
  private maybeAdjust(ch: Channel): void {
    if (ch.state === 'open' && !ch.closeSent && !ch.eofReceived && ch.pendingAdjust >= ch.windowSize / 2) {
      const bytes = ch.pendingAdjust;
      ch.pendingAdjust = 0;
      ch.localWindow += bytes;
      this.t.send(ChannelWindowAdjust.encode({ recipient: ch.remoteId, bytes }));
    }
  }

  channelAccept(ch: Channel): void {
    if (ch.state !== 'pending') throw new Error(`channel ${ch.id} is not waiting to be accepted (${ch.state})`);
    ch.state = 'open';
    this.t.send(
      ChannelOpenConfirmation.encode({ recipient: ch.remoteId, sender: ch.id, window: ch.localWindow, maxPacket: ch.localMaxPacket, data: new Uint8Array(0) }),
    );
    this.flush(ch);
  }

  channelReject(ch: Channel, reason: number, description: string): void {
    if (ch.state !== 'pending') throw new Error(`channel ${ch.id} is not waiting to be accepted (${ch.state})`);
    if (!Number.isInteger(reason) || reason < 0 || reason > 0xffffffff) throw new RangeError(`reason must be a uint32, got ${reason}`);
    this.release(ch);
    this.t.send(ChannelOpenFailureMsg.encode({ recipient: ch.remoteId, reason, description: String(description), language: '' }));
  }

  channelReply(ch: Channel, id: number, success: boolean): void {
    const entry = ch.incoming.find((e) => e.id === id);
    if (!entry) throw new Error(`channel ${ch.id}: no request ${id} is waiting for an answer`);
    if (entry.answer !== undefined) throw new Error(`channel ${ch.id}: request ${id} was already answered`);
    entry.answer = !!success;
    while (ch.incoming.length && ch.incoming[0].answer !== undefined) {
      const e = ch.incoming.shift()!;
      this.pendingIncoming--;
      // Replies bypass the outbox: they answer the peer, they are not our data.
      if (ch.state === 'open' && !ch.closeSent) {
        this.t.send((e.answer ? ChannelSuccess : ChannelFailure).encode({ recipient: ch.remoteId }));
      }
    }
  }

  // ---------------------------------------------------------------- sending

  /** Sends what the channel's outbox and the peer's window allow. */
  flush(ch: Channel): void {
    if (ch.state !== 'open') return;
    const t = this.t;
    const maxSend = Math.min(ch.remoteMaxPacket, CHANNEL_SEND_MAX_PACKET, t.maxPayload - 13);
    while (ch.outbox.length > 0) {
      if (t.blocked || t.closed) return;
      const item = ch.outbox[0];
      if (item.kind === 'data') {
        if (this.holdBack(ch)) return this.maybeWritable(ch);
        while (item.off < item.bytes.length) {
          if (ch.remoteWindow === 0 || t.blocked || t.closed) return this.maybeWritable(ch);
          const n = Math.min(item.bytes.length - item.off, ch.remoteWindow, maxSend);
          t.sendChannelData(ch.remoteId, item.bytes.subarray(item.off, item.off + n), item.dataType);
          ch.remoteWindow -= n;
          ch.queued -= n;
          item.off += n;
        }
        ch.outbox.shift();
        continue;
      }
      ch.outbox.shift();
      if (item.kind === 'eof') {
        if (!ch.eofSent) {
          ch.eofSent = true;
          t.send(ChannelEof.encode({ recipient: ch.remoteId }));
        }
      } else if (item.kind === 'request') {
        ch.queued -= REQUEST_OVERHEAD + item.name.length + item.data.length;
        t.send(ChannelRequest.encode({ recipient: ch.remoteId, request: item.name, wantReply: item.wantReply, data: item.data }));
        if (item.wantReply) ch.awaitingReplies.push(item.name);
      } else {
        ch.closeSent = true;
        ch.outbox.length = 0;
        ch.queued = 0;
        t.send(ChannelClose.encode({ recipient: ch.remoteId }));
        if (ch.closeReceived) this.finish(ch);
        return;
      }
    }
    this.maybeWritable(ch);
  }

  /**
   * Sender-side silly-window avoidance (see CHANNEL_SEND_HOLD_WINDOW): true while this channel's
   * data should wait for a wider window. Only when more is queued than the window admits (what fits
   * goes at once) and the window is open but small, and for at most CHANNEL_SEND_HOLD_MS
   * (handleTimeout sends it then).
   */
  private holdBack(ch: Channel): boolean {
    const now = this.opts.now;
    if (ch.remoteWindowPeak < ch.remoteWindow) ch.remoteWindowPeak = ch.remoteWindow;
    const enough = Math.min(CHANNEL_SEND_HOLD_WINDOW, Math.floor(ch.remoteWindowPeak / 2));
    // a closed window (0) holds nothing: no timer while the peer is stalled; its next adjust decides
    if (!now || ch.remoteWindow === 0 || ch.remoteWindow >= enough || ch.queued <= ch.remoteWindow) {
      if (ch.holdSince !== undefined) this.releaseHold(ch);
      return false;
    }
    const t = now();
    if (ch.holdSince === undefined) {
      ch.holdSince = t;
      this.held.add(ch);
      return true;
    }
    if (t - ch.holdSince < CHANNEL_SEND_HOLD_MS) return true;
    this.releaseHold(ch);
    return false;
  }

  private releaseHold(ch: Channel): void {
    ch.holdSince = undefined;
    this.held.delete(ch);
  }

  /** When a channel's held-back data is due (engine clock), or undefined. */
  nextDeadline(): number | undefined {
    let at: number | undefined;
    for (const ch of this.held) if (ch.holdSince !== undefined && (at === undefined || ch.holdSince + CHANNEL_SEND_HOLD_MS < at)) at = ch.holdSince + CHANNEL_SEND_HOLD_MS;
    return at;
  }

  /** Sends what was held back past CHANNEL_SEND_HOLD_MS. */
  handleTimeout(now: number): void {
    for (const ch of [...this.held]) {
      if (ch.state !== 'open' || ch.holdSince === undefined) {
        this.releaseHold(ch);
        continue;
      }
      if (now - ch.holdSince >= CHANNEL_SEND_HOLD_MS) {
        // the window is what it is: send into it, however small
        ch.holdSince = now - CHANNEL_SEND_HOLD_MS;
        this.flush(ch);
      }
    }
  }

  private maybeWritable(ch: Channel): void {
    if (ch.wantDrain && ch.queued < CHANNEL_SEND_HIGH_WATER / 2 && !ch.ended) {
      ch.wantDrain = false;
      this.emit({ type: 'channelWritable', channel: ch });
    }
  }

  /** After a key exchange: every channel sends what it can. */
  flushAll(): void {
    for (const ch of this.channels.values()) {
      if (this.t.blocked || this.t.closed) return;
      this.flush(ch);
    }
  }

  private finish(ch: Channel): void {
    if (ch.state === 'closed') return;
    this.release(ch);
    this.emit({ type: 'channelClose', channel: ch });
  }

  private release(ch: Channel): void {
    ch.state = 'closed';
    this.channels.delete(ch.id);
    this.releaseHold(ch);
    // answers the peer still waits for no longer matter
    this.pendingIncoming -= ch.incoming.length;
    ch.incoming.length = 0;
    ch.outbox.length = 0;
    ch.queued = 0;
  }

  /** The connection ended: every channel is gone. */
  abort(): void {
    for (const ch of this.channels.values()) {
      ch.state = 'closed';
      ch.outbox.length = 0;
      ch.queued = 0;
    }
    this.channels.clear();
    this.deferredOpens.length = 0;
  }
}

/** Bytes a queued request is counted as beyond its name and data (the message header). */
const REQUEST_OVERHEAD = 16;

function u32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}
