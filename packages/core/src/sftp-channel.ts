// SFTP over an SSH session channel's "sftp" subsystem (draft-ietf-secsh-filexfer-02 §1, RFC 4254
// §6.5): the binders that join the sans-I/O SftpClient / SftpServer (sftp/) to a Channel, for the
// promise API (client.ts sftp(), server.ts's subsystem handler).
//
// Flow control. Client: every byte the server sends is taken by SftpClient at once (its own
// request table bounds what can arrive), so the channel window is re-opened immediately and stays
// full. Server: window is granted only as SftpServer admits requests (onInputConsumed), so a client
// that floods requests is held back by the window, not by memory. Both ways, what the SFTP side
// wants to send is drained into the channel until the channel reports backpressure, and resumes on
// channelWritable; packets produced in one turn are written together (one microtask), so 64 READ
// requests leave as one channel write, not 64.
import type { Channel } from './connection/channel.ts';
import type { ConnectionEvent } from './events.ts';
import { ChannelOpenError, SftpError } from './wire/index.ts';
import { SftpClient, type SftpClientOptions } from './sftp/client.ts';
import { SftpServer, type SftpServerOptions } from './sftp/server.ts';
import type { FileSystem } from './sftp/filesystem.ts';
import { SftpStatus } from './sftp/constants.ts';

/** Bytes of the peer's stderr kept for error messages. */
const STDERR_KEEP = 4096;

const text = new TextDecoder();

/** Options of SshClient.sftp(). */
export interface SftpSessionOptions extends Omit<SftpClientOptions, 'onTransmit'> {
  /** The channel's receive window (default SFTP_CHANNEL_WINDOW). */
  window?: number;
  /** Largest data packet the server may send on the channel (default SFTP_CHANNEL_MAX_PACKET). */
  maxPacket?: number;
}

/**
 * Receive window of an SFTP client channel. The client takes every byte at once, so the window
 * only bounds bytes in flight; it must cover the replies the pipeline asks for (64 x 255 KiB).
 */
export const SFTP_CHANNEL_WINDOW = 16 * 1024 * 1024;
/** Largest data packet an SFTP client channel accepts: big packets cost less per byte. */
export const SFTP_CHANNEL_MAX_PACKET = 256 * 1024 - 64;

/** What a channel binder needs from the connection it runs on. */
export interface ChannelHost {
  /** Asks the driver to move bytes soon. */
  kick(): void;
}

/**
 * An SFTP client session on an SSH channel: every SftpClient method (open, read, stat, list, get,
 * put, createReadStream, ...), plus end() to close the channel.
 */
export class SftpSession extends SftpClient {
  /** Settles when the channel is closed (by end(), the server, or the connection ending). */
  readonly ended: Promise<void>;
  /** @internal */
  readonly binding: SftpClientBinding;

  /** @internal use SshClient.sftp() */
  constructor(ch: Channel, host: ChannelHost, options: SftpClientOptions = {}) {
    let flush: () => void = () => {};
    super({ ...options, onTransmit: () => flush() });
    this.binding = new SftpClientBinding(ch, host, this);
    flush = () => this.binding.scheduleFlush();
    this.ended = this.binding.ended;
  }

  /** Closes the channel (outstanding requests fail); resolves once it is closed. */
  end(): Promise<void> {
    this.binding.close();
    return this.ended;
  }
}

/** @internal Joins an SftpClient to a session channel; used by SshClient as the channel's sink. */
export class SftpClientBinding {
  /** Resolves with the session once VERSION arrived; rejects if the subsystem could not start. */
  readonly started: Promise<SftpSession>;
  readonly ended: Promise<void>;
  private resolveStarted!: (s: SftpSession) => void;
  private rejectStarted!: (e: Error) => void;
  private resolveEnded!: () => void;
  private isStarted = false;
  private subsystemOk = false;
  private blocked = false;
  private flushQueued = false;
  private closed = false;
  private stderr = '';

  constructor(
    readonly ch: Channel,
    private readonly host: ChannelHost,
    private readonly client: SftpSession,
  ) {
    this.started = new Promise((res, rej) => {
      this.resolveStarted = res;
      this.rejectStarted = rej;
    });
    this.started.catch(() => {});
    this.ended = new Promise((r) => (this.resolveEnded = r));
    ch.subsystem('sftp');
    host.kick();
  }

  /** Drains the client's output into the channel in a microtask (so one turn's packets go together). */
  scheduleFlush(): void {
    if (this.flushQueued || this.blocked || this.closed) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.closed || !this.subsystemOk) return;
    const ch = this.ch;
    if (ch.state !== 'open' || ch.closeQueued || ch.closeReceived) return;
    let wrote = false;
    while (!this.blocked) {
      const b = this.client.pollTransmit();
      if (!b) break;
      wrote = true;
      // pollTransmit's buffers are nobody else's (fresh packets, or put data handed over)
      if (!ch.write(b, true)) this.blocked = true;
    }
    if (wrote) this.host.kick();
  }

  /** Bytes from the server: into the client (which copies them unless `owned`). */
  private take(data: Uint8Array, owned: boolean): void {
    if (this.closed || this.client.closed) return;
    try {
      this.client.receive(data, owned);
    } catch {
      // a protocol error: SftpClient failed every request with it; the channel goes too (after
      // this call: nothing may be sent while a lent payload is read)
      queueMicrotask(() => this.close());
    }
  }

  close(): void {
    if (this.ch.state !== 'closed') {
      this.ch.close();
      this.host.kick();
    }
  }

  private fail(e: Error): void {
    this.client.destroy(e);
    if (!this.isStarted) this.rejectStarted(e);
  }

  event(ev: ConnectionEvent): void {
    switch (ev.type) {
      case 'channelOpenFailed':
        this.closed = true;
        this.fail(new ChannelOpenError(`the server refused a session channel for SFTP: ${ev.description}`, ev.reason));
        this.resolveEnded();
        break;
      case 'channelRequestResult':
        if (ev.request !== 'subsystem') break;
        if (!ev.success) {
          const why = this.stderr.trim();
          this.fail(new SftpError(`the server refused the sftp subsystem${why ? `: ${why}` : ''}`, SftpStatus.NO_CONNECTION));
          this.close();
          break;
        }
        this.subsystemOk = true;
        // From here on the server's bytes go straight into the SFTP client as they are decrypted.
        this.ch.setDataHandler((d) => this.take(d, false));
        this.flush(); // INIT has been waiting since the client was made
        this.client.ready.then(
          () => {
            this.isStarted = true;
            this.resolveStarted(this.client);
          },
          (e: Error) => this.rejectStarted(e),
        );
        break;
      case 'channelData':
        // An event's payload is ours to keep, so whole SFTP packets in it are used without a copy.
        this.take(ev.data, true);
        ev.channel.consume(ev.data.length);
        break;
      case 'channelExtendedData':
        ev.channel.consume(ev.data.length);
        if (this.stderr.length < STDERR_KEEP) this.stderr += text.decode(ev.data).slice(0, STDERR_KEEP - this.stderr.length);
        break;
      case 'channelWritable':
        this.blocked = false;
        this.flush();
        break;
      case 'channelEof':
        // the server sends nothing more: nothing outstanding can be answered
        this.fail(new SftpError(`SFTP session ended by the server${this.stderr.trim() ? `: ${this.stderr.trim()}` : ''}`, SftpStatus.CONNECTION_LOST));
        this.close();
        break;
      case 'channelClose':
        this.closed = true;
        this.fail(new SftpError(`SFTP session closed${this.stderr.trim() ? `: ${this.stderr.trim()}` : ''}`, SftpStatus.CONNECTION_LOST));
        this.resolveEnded();
        break;
    }
  }

  /** The byte stream drained (nothing to do: the channel's own queue is what we wait on). */
  drained(): void {}

  /** The connection ended. */
  abort(error: Error): void {
    this.closed = true;
    this.fail(error);
    this.resolveEnded();
  }
}

/** Who asked for an SFTP session on the server, for a FileSystem factory. */
export interface SftpSessionInfo {
  readonly username: string;
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  /** The key that logged the user in (publickey), if any. */
  readonly userKey?: { readonly algorithm: string; readonly type: string; readonly blob: Uint8Array; readonly fingerprint: string };
}

/** A FileSystem shared by every session, or a factory making one per session (disposed when its session ends). */
export type SftpFileSystemSource = FileSystem | ((session: SftpSessionInfo) => FileSystem | Promise<FileSystem>);

/** @internal Joins an SftpServer to an accepted session channel. */
export class SftpServerBinding {
  private server: SftpServer | undefined;
  private blocked = false;
  private flushQueued = false;
  private closed = false;
  private eof = false;
  private finishing = false;
  /** Data that arrived while the FileSystem factory was still running. */
  private early: Uint8Array[] | undefined = [];
  /** Buffers handed to the channel and the running total at each one's end, oldest first. */
  private readonly handed: { buf: Uint8Array; end: number }[] = [];
  private handedBytes = 0;
  private closeCbs: (() => void)[] = [];

  constructor(
    private readonly ch: Channel,
    private readonly host: ChannelHost,
    source: SftpFileSystemSource,
    info: SftpSessionInfo,
    private readonly options: Omit<SftpServerOptions, 'onTransmit' | 'onInputConsumed'> = {},
  ) {
    const shared = typeof source !== 'function';
    // The client's bytes go straight into the server as they are decrypted; window is granted as
    // the server admits requests (onInputConsumed), not as bytes arrive.
    ch.setDataHandler((d) => this.take(d, false), false);
    Promise.resolve()
      .then(() => (typeof source === 'function' ? source(info) : source))
      .then(
        (fs) => this.startWith(fs, shared),
        (e: Error) => {
          this.ch.writeStderr(new TextEncoder().encode(`sftp: cannot open the file system: ${e?.message ?? e}\n`));
          this.finish(1);
        },
      );
  }

  /** Called when the session is over (for the server's bookkeeping). */
  onClose(cb: () => void): void {
    this.closeCbs.push(cb);
  }

  private startWith(fs: FileSystem, shared: boolean): void {
    if (this.closed) {
      if (!shared) void fs.dispose?.();
      return;
    }
    const server = new SftpServer(fs, {
      ...this.options,
      disposeFileSystem: !shared,
      onTransmit: () => this.scheduleFlush(),
      onInputConsumed: (n) => {
        if (this.ch.state === 'open' && !this.closed) this.ch.consume(n);
      },
    });
    this.server = server;
    const early = this.early ?? [];
    this.early = undefined;
    for (const d of early) if (!this.receive(d, true)) return;
    this.maybeFinish();
    this.host.kick();
  }

  /** Bytes from the client (`owned`: ours to keep; otherwise valid only during this call). */
  private take(data: Uint8Array, owned: boolean): void {
    this.recycleSent();
    if (this.closed || this.finishing) {
      this.ch.consume(data.length);
      return;
    }
    if (this.early) this.early.push(owned ? data : data.slice());
    else this.receive(data, owned);
  }

  private receive(data: Uint8Array, owned: boolean): boolean {
    try {
      this.server!.receive(data, owned);
      return true;
    } catch {
      // a framing or handshake error: the session cannot go on (closed after this call: nothing
      // may be sent while a lent payload is read)
      queueMicrotask(() => this.finish(1));
      return false;
    }
  }

  private scheduleFlush(): void {
    if (this.flushQueued || this.blocked || this.closed) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      this.flush();
    });
  }

  private flush(): void {
    const s = this.server;
    if (!s || this.closed || this.finishing) return;
    let wrote = false;
    while (!this.blocked) {
      if (this.ch.state !== 'open' || this.ch.closeQueued || this.ch.closeReceived) return;
      const b = s.pollTransmit();
      if (!b) break;
      wrote = true;
      this.handedBytes += b.length;
      this.handed.push({ buf: b, end: this.handedBytes });
      if (!this.ch.write(b, true)) this.blocked = true;
    }
    this.recycleSent();
    if (wrote) this.host.kick();
    this.maybeFinish();
  }

  /**
   * Gives the server back the buffers the channel has sent: the channel sends in order and
   * `queued` counts what still waits, so everything that ends before (handed - queued) is gone.
   */
  private recycleSent(): void {
    const s = this.server;
    if (!s || this.handed.length === 0) return;
    const sent = this.handedBytes - this.ch.queued;
    let i = 0;
    while (i < this.handed.length && this.handed[i].end <= sent) s.recycle(this.handed[i++].buf);
    if (i > 0) this.handed.splice(0, i);
  }

  /** After the client's EOF: once every request is answered and sent, exit 0 and close. */
  private maybeFinish(): void {
    const s = this.server;
    if (!this.eof || !s || this.finishing || this.closed) return;
    if (s.inFlight > 0 || s.bufferedInput > 0 || s.transmitPending > 0) {
      void s.idle().then(() => this.scheduleFlush());
      return;
    }
    this.finish(0);
  }

  private finish(code: number): void {
    if (this.finishing || this.closed) return;
    this.finishing = true;
    const ch = this.ch;
    if (ch.state === 'open' && !ch.closeQueued && !ch.closeReceived) {
      ch.sendExitStatus(code);
      ch.end();
      ch.close();
    }
    void this.server?.close();
    this.host.kick();
  }

  event(ev: ConnectionEvent): void {
    switch (ev.type) {
      case 'channelData':
        this.take(ev.data, true);
        break;
      case 'channelExtendedData':
        ev.channel.consume(ev.data.length);
        break;
      case 'channelWritable':
        this.blocked = false;
        this.flush();
        break;
      case 'channelEof':
        this.eof = true;
        this.maybeFinish();
        break;
      case 'channelClose':
        this.gone();
        break;
    }
  }

  drained(): void {}

  signal(_name: string): void {}

  /** The channel or the connection is gone. */
  gone(): void {
    if (this.closed) return;
    this.closed = true;
    this.early = undefined;
    this.handed.length = 0;
    void this.server?.close();
    for (const cb of this.closeCbs.splice(0)) cb();
  }
}
