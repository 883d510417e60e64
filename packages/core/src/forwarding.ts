// TCP forwarding (RFC 4254 §7) and unix-socket forwarding (OpenSSH PROTOCOL §2.4, streamlocal):
// the pipe that joins one channel to one ByteStream with backpressure both ways, the socket
// factory an adapter supplies (core opens no sockets), and the server's forwarding policy (default
// like OpenSSH with PermitOpen/GatewayPorts narrowed to loopback: direct-tcpip only to loopback
// targets, tcpip-forward only on loopback addresses; unix sockets only where the policy says).
//
// Flow control: bytes from the stream go into the channel until it reports backpressure, then the
// stream is paused until the channel (or the connection's byte stream) drains. Bytes from the
// channel are consumed (re-opening the peer's window) only once the stream took them; a stream
// that stops accepting holds the peer back instead of growing memory.
//
// Copies (chunk-batch.ts): received data is taken straight from the decryptor
// (Channel.setDataHandler) and copied once into reusable blocks that reach the stream as one
// write per turn. A stream's chunks go to the channel as they are when the stream says they may be
// kept (ByteStream.chunksKept), else copied into reusable blocks; either way data that waits for
// window space is not copied again.
import { ChunkBatch, SendBlocks } from './chunk-batch.ts';
import type { Channel } from './connection/channel.ts';
import type { ConnectionEvent } from './events.ts';
import type { ByteStream } from './stream.ts';

/** Where a forwarded connection came from. */
export interface StreamPeer {
  readonly address: string;
  readonly port: number;
}

/** A listening socket made by NetFactory.listen. */
export interface Listener {
  /** The port actually bound (useful when 0 was asked for). */
  readonly port: number;
  close(): void;
}

/** A listening unix socket made by NetFactory.listenUnix. */
export interface UnixListener {
  /** The socket's path. */
  readonly path: string;
  /** Stops listening and removes the socket file (connections already accepted stay open). */
  close(): void;
}

/** Options of NetFactory.listenUnix. */
export interface UnixListenOptions {
  /**
   * Remove an existing socket file at the path first (OpenSSH's StreamLocalBindUnlink). Default
   * false: an existing path is refused.
   */
  unlinkExisting?: boolean;
}

/** Sockets for forwarding, supplied by the runtime adapter (Node: node:net). */
export interface NetFactory {
  /** Opens a TCP connection; rejects with a message saying why (refused, unreachable, ...). */
  connect(host: string, port: number): Promise<ByteStream>;
  /** Listens on host:port; each accepted connection arrives paused (data flows after start()). */
  listen(host: string, port: number, onStream: (stream: ByteStream, peer: StreamPeer) => void): Promise<Listener>;
  /** Connects to a unix socket (direct-streamlocal@openssh.com). Optional. */
  connectUnix?(path: string): Promise<ByteStream>;
  /**
   * Listens on a unix socket at `path` (streamlocal-forward@openssh.com on the server; a local
   * unix-socket forward on the client). The socket is accessible to its owner only (OpenSSH's
   * StreamLocalBindMask 0177); an existing path is refused unless options.unlinkExisting; each
   * accepted connection arrives paused (data flows after start()). Rejects with a message saying
   * why (exists, permission denied, path too long, ...). Optional.
   */
  listenUnix?(path: string, onStream: (stream: ByteStream) => void, options?: UnixListenOptions): Promise<UnixListener>;
  /**
   * Server side of agent forwarding: a private local socket (Node: a unix socket in a 0700
   * directory) whose connections are relayed to the client's agent. Optional.
   */
  listenAgent?(onStream: (stream: ByteStream) => void): Promise<{ readonly path: string; close(): void }>;
}

/** Per-channel event sink shared by the client and server promise APIs. */
export interface ChannelSink {
  event(ev: ConnectionEvent): void;
  /** The connection ended. */
  abort(error: Error): void;
  /** The connection's byte stream drained: writers waiting on it may continue. */
  drained(): void;
}

/** True for 127.0.0.0/8, ::1, localhost and IPv4-mapped loopback. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** What a server allows clients to forward. A function decides per request; true allows all. */
export interface ForwardingPolicy {
  /** direct-tcpip (ssh -L / -D): may the user connect to host:port? Default: loopback targets only. */
  local?: boolean | ((target: { host: string; port: number; username: string }) => boolean);
  /** direct-streamlocal@openssh.com (ssh -L to a unix socket): may the user connect to this path? Default: no. */
  unix?: boolean | ((target: { path: string; username: string }) => boolean);
  /** tcpip-forward (ssh -R): may the user listen on bindHost:bindPort? Default: loopback addresses only. */
  remote?: boolean | ((bind: { host: string; port: number; username: string }) => boolean);
  /**
   * streamlocal-forward@openssh.com (ssh -R /path.sock:...): may the user make the server listen on
   * a unix socket at this path? Default: no. The path is passed as the client sent it (it may be
   * relative or contain ".."): a function should compare whole, normalized paths.
   */
  remoteUnix?: boolean | ((bind: { path: string; username: string }) => boolean);
  /**
   * For remoteUnix: remove an existing socket file at the path before listening, like OpenSSH's
   * StreamLocalBindUnlink (default false: a path that exists is refused).
   */
  streamLocalBindUnlink?: boolean;
}

/** Applies a unix-socket rule (policy.unix or policy.remoteUnix, default deny); a throwing function denies. */
export function unixAllowed(rule: boolean | ((req: { path: string; username: string }) => boolean) | undefined, req: { path: string; username: string }): boolean {
  if (rule === true) return true;
  if (typeof rule !== 'function') return false;
  try {
    return rule(req) === true;
  } catch {
    return false;
  }
}

/** Applies a policy; returns undefined when allowed or the reason it is refused. */
export function checkForward(policy: ForwardingPolicy | undefined, kind: 'local' | 'remote', req: { host: string; port: number; username: string }): string | undefined {
  const rule = policy?.[kind];
  if (rule === true) return undefined;
  if (rule === false) return `${kind === 'local' ? 'port forwarding' : 'remote port forwarding'} is disabled on this server`;
  if (typeof rule === 'function') {
    let ok = false;
    try {
      ok = rule(req) === true;
    } catch {
      ok = false;
    }
    return ok ? undefined : `forwarding ${kind === 'local' ? 'to' : 'on'} ${req.host}:${req.port} is not permitted`;
  }
  // default: loopback only
  const host = kind === 'remote' && (req.host === '' || req.host === 'localhost') ? '127.0.0.1' : req.host;
  return isLoopbackHost(host) ? undefined : `forwarding ${kind === 'local' ? 'to' : 'on'} ${req.host}:${req.port} is not permitted (only loopback addresses are allowed)`;
}

/**
 * Joins an open channel and a byte stream. Call start() once the channel is open. The pipe ends
 * the channel when the stream ends, closes it when the stream closes, and the other way round.
 */
export class ChannelPipe implements ChannelSink {
  private owed = 0;
  /** Channel data received in this turn, written to the stream as one batch (one write, not one syscall per packet). */
  private readonly batch = new ChunkBatch();
  /** Copies of stream chunks the channel may still hold (when the stream's chunks may not be kept). */
  private readonly sendBlocks = new SendBlocks();
  private streamPaused = false;
  private streamEnded = false;
  private streamClosed = false;
  private started = false;

  constructor(
    private readonly ch: Channel,
    private readonly stream: ByteStream,
    private readonly kick: () => void,
    private readonly connBlocked: () => boolean,
  ) {
    // Data is copied into the batch as it is decrypted; the window re-opens as the stream takes it.
    ch.setDataHandler((d) => this.received(d), false);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.stream.start({
      data: (d) => {
        const ch = this.ch;
        if (ch.state !== 'open' || ch.ended || ch.closeReceived) return;
        let ok: boolean;
        if (this.stream.chunksKept === true) ok = ch.write(d, true);
        else {
          ok = true;
          // As much as the window takes now goes straight out (sealed from the chunk itself; the
          // channel copies whatever a key exchange holds back); the rest waits as a copy in a block.
          const now = ch.queued === 0 ? Math.min(d.length, ch.remoteWindow) : 0;
          if (now > 0) ok = ch.write(now === d.length ? d : d.subarray(0, now));
          if (now < d.length) for (const v of this.sendBlocks.copy(now === 0 ? d : d.subarray(now))) ok = ch.write(v, true);
          // what went out at once frees its block now (an idle tunnel holds none)
          this.sendBlocks.release(ch.queued);
        }
        this.kick();
        if (!ok || this.connBlocked()) {
          this.streamPaused = true;
          this.stream.pause();
        }
      },
      drain: () => {
        if (this.owed > 0 && this.ch.state === 'open') {
          const n = this.owed;
          this.owed = 0;
          this.ch.consume(n);
          this.kick();
        }
      },
      end: () => {
        this.streamEnded = true;
        if (this.ch.state === 'open' && !this.ch.closeReceived) this.ch.end();
        this.maybeClose();
        this.kick();
      },
      close: () => {
        this.streamClosed = true;
        this.ch.close();
        this.kick();
      },
    });
  }

  private maybeClose(): void {
    if (this.streamEnded && this.ch.eofReceived) this.ch.close();
  }

  private resumeStream(): void {
    if (this.streamPaused && !this.connBlocked()) {
      this.streamPaused = false;
      this.stream.resume();
    }
  }

  event(ev: ConnectionEvent): void {
    switch (ev.type) {
      case 'channelData':
      case 'channelExtendedData':
        if (ev.type === 'channelExtendedData') ev.channel.consume(ev.data.length);
        else this.received(ev.data);
        break;
      case 'channelWritable':
        this.sendBlocks.release(this.ch.queued);
        this.resumeStream();
        break;
      case 'channelEof':
        this.flushBatch();
        if (!this.streamClosed) this.stream.end();
        this.maybeClose();
        break;
      case 'channelClose':
        this.flushBatch();
        if (!this.streamClosed) {
          this.streamClosed = true;
          if (this.started) this.stream.end();
          else this.stream.destroy();
        }
        break;
      case 'channelOpenFailed':
        // never started: end() lets anything written to it already (a refusal reply) go out
        this.streamClosed = true;
        this.stream.end();
        break;
    }
  }

  /** Channel data (a view valid only during the call): copied into the batch, written at the end of this turn. */
  private received(d: Uint8Array): void {
    if (this.streamClosed) {
      if (this.ch.state === 'open') this.ch.consume(d.length);
      return;
    }
    if (this.batch.bytes === 0) queueMicrotask(() => this.flushBatch());
    this.batch.append(d);
  }

  private flushBatch(): void {
    const n = this.batch.bytes;
    if (n === 0) return;
    if (this.streamClosed) {
      this.batch.clear();
      if (this.ch.state === 'open') this.ch.consume(n);
    } else {
      const { chunks, written } = this.batch.take()!;
      if (this.stream.write(chunks, written)) {
        if (this.ch.state === 'open') this.ch.consume(n);
      } else this.owed += n;
    }
    this.kick();
  }

  abort(error: Error): void {
    if (this.streamClosed) return;
    this.streamClosed = true;
    this.stream.destroy(error);
  }

  drained(): void {
    this.resumeStream();
  }
}
