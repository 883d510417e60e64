// SFTP v3 server (draft-ietf-secsh-filexfer-02 §4-§8, OpenSSH PROTOCOL §4) over a pluggable
// FileSystem. It owns no I/O: the binder feeds it the channel's bytes with receive() and writes
// what pollTransmit() returns. Many requests are served at once (see scheduler.ts for the order
// kept), replies go out as each finishes, and every table is bounded: open handles, admitted
// requests, queued input (report consumption with onInputConsumed to grant channel window) and
// queued output (no new request is admitted while replies wait to be sent).
import { ProtocolError } from '../wire/index.ts';
import { type Attrs, longname } from './attrs.ts';
import { type NameEntry, type SftpMessage, type SftpMessageOf, decodePacket, encodePacket, packetName, peekHeader } from './codec.ts';
import { FXP, OpenFlags, SFTP_LIMITS, SFTP_VERSION, STATUS_TEXT, SftpStatus } from './constants.ts';
import * as ext from './extensions.ts';
import { EXTENSIONS } from './extensions.ts';
import { type FileSystem, type FsDirEntry, type FsDirectory, type FsFile, fsError, statusOf } from './filesystem.ts';
import { PacketFramer, PacketPool } from './framing.ts';
import { OutQueue } from './outqueue.ts';
import { type JobSpec, Scheduler } from './scheduler.ts';

export interface SftpServerOptions {
  /** Largest packet accepted (default 256 KiB, as OpenSSH); also announced in limits@openssh.com. */
  maxPacketLength?: number;
  /** Largest READ served; longer requests get shorter DATA (default 255 KiB, as OpenSSH). */
  maxReadLength?: number;
  /** Open handles per session (default 1024). */
  maxHandles?: number;
  /** Requests admitted at once, running or waiting on an earlier one (default 128). */
  maxInFlight?: number;
  /** Bytes of received packets waiting to be admitted before the session fails (default 32 MiB). */
  maxQueuedInput?: number;
  /** Bytes of replies waiting for pollTransmit() before admission pauses (default 8 MiB). */
  maxQueuedOutput?: number;
  /** Called when bytes become ready for pollTransmit(). */
  onTransmit?: () => void;
  /** Called as received bytes are taken off the input queue: grant that much channel window. */
  onInputConsumed?: (bytes: number) => void;
  /** Call the FileSystem's dispose() when the session closes (default true; false for a backend shared by sessions). */
  disposeFileSystem?: boolean;
}

interface FileEntry {
  kind: 'file';
  file: FsFile;
  path: string;
  flags: number;
}
interface DirEntry {
  kind: 'dir';
  dir: FsDirectory;
  path: string;
  /** Entries read from the backend but not yet sent (a backend batch may be larger than one reply). */
  spill: FsDirEntry[];
  done: boolean;
}
type HandleEntry = FileEntry | DirEntry;

type Reply = Exclude<SftpMessage, { type: typeof FXP.INIT | typeof FXP.VERSION }>;
/** A reply already encoded (a DATA packet the backend read straight into). */
interface RawReply {
  raw: Uint8Array;
}

const latin1 = (b: Uint8Array): string => String.fromCharCode(...b);
const utf8 = new TextEncoder();

export class SftpServer {
  private readonly framer: PacketFramer;
  /** DATA replies are read into these; the binder hands them back once sent (recycle). */
  private readonly dataPool: PacketPool;
  private readonly out: OutQueue;
  private readonly scheduler = new Scheduler();
  private readonly handles = new Map<string, HandleEntry>();
  private readonly input: Uint8Array[] = [];
  private inputHead = 0;
  private inputBytes = 0;
  private handleCounter = 0;
  private opening = 0;
  private initialised = false;
  private closedFlag = false;
  private failure: Error | undefined;
  private readonly maxPacket: number;
  private readonly maxRead: number;
  private readonly maxHandles: number;
  private readonly maxInFlight: number;
  private readonly maxQueuedInput: number;
  private readonly maxQueuedOutput: number;
  private readonly onInputConsumed?: (bytes: number) => void;
  private readonly disposeFs: boolean;
  private idleWaiters: (() => void)[] = [];
  /** Reply bytes promised to admitted requests (a READ may answer with up to maxRead bytes). */
  private reservedOutput = 0;

  constructor(
    private readonly fs: FileSystem,
    options: SftpServerOptions = {},
  ) {
    if (!fs || typeof fs.open !== 'function') throw new TypeError('SFTP server: a FileSystem is required');
    const int = (v: number | undefined, d: number, min: number, name: string): number => {
      const x = v ?? d;
      if (!Number.isInteger(x) || x < min) throw new RangeError(`SFTP server: ${name} must be an integer >= ${min}, got ${v}`);
      return x;
    };
    this.maxPacket = int(options.maxPacketLength, SFTP_LIMITS.MAX_PACKET, SFTP_LIMITS.MIN_PACKET, 'maxPacketLength');
    this.maxRead = Math.min(int(options.maxReadLength, SFTP_LIMITS.MAX_DATA, 1, 'maxReadLength'), this.maxPacket - 1024);
    this.maxHandles = int(options.maxHandles, SFTP_LIMITS.MAX_HANDLES, 1, 'maxHandles');
    this.maxInFlight = int(options.maxInFlight, SFTP_LIMITS.MAX_IN_FLIGHT, 1, 'maxInFlight');
    this.maxQueuedInput = int(options.maxQueuedInput, SFTP_LIMITS.MAX_QUEUED_INPUT, this.maxPacket, 'maxQueuedInput');
    this.maxQueuedOutput = int(options.maxQueuedOutput, SFTP_LIMITS.MAX_QUEUED_OUTPUT, 1, 'maxQueuedOutput');
    this.onInputConsumed = options.onInputConsumed;
    this.disposeFs = options.disposeFileSystem ?? true;
    this.framer = new PacketFramer(this.maxPacket, 'SFTP server');
    this.dataPool = new PacketPool(13 + this.maxRead);
    this.out = new OutQueue(options.onTransmit);
  }

  // ---- the byte interface ------------------------------------------------------------------

  /**
   * Bytes from the channel, any split. Throws ProtocolError when the client breaks framing or the
   * handshake; the binder then closes the channel. `bytes` is not kept after this returns unless
   * `owned` is true (the caller hands the buffer over for good: no copy of whole packets).
   */
  receive(bytes: Uint8Array, owned = false): void {
    if (this.failure) throw this.failure;
    if (this.closedFlag) return;
    try {
      this.framer.push(bytes, (p) => {
        this.input.push(p);
        this.inputBytes += p.length + 4;
        if (this.inputBytes > this.maxQueuedInput) throw new ProtocolError(`SFTP server: client sent ${this.inputBytes} bytes of requests past the ${this.maxQueuedInput}-byte queue (flow control ignored)`);
      }, owned);
      this.pump();
    } catch (e) {
      const err = e instanceof ProtocolError ? e : new ProtocolError(`SFTP server: ${(e as Error).message}`);
      this.failure = err;
      void this.close();
      throw err;
    }
  }

  /** The next bytes to write to the channel, or undefined. Draining may admit waiting requests. */
  pollTransmit(): Uint8Array | undefined {
    const b = this.out.poll();
    if (b && this.inputHead < this.input.length) queueMicrotask(() => this.safePump());
    return b;
  }

  /**
   * Hands back a buffer pollTransmit() returned, once it has been sent and nothing refers to it, so
   * a later DATA reply can be read into it. Optional; buffers that are not the server's are ignored.
   */
  recycle(buffer: Uint8Array): void {
    if (buffer instanceof Uint8Array) this.dataPool.give(buffer);
  }

  /** Bytes waiting for pollTransmit(). */
  get transmitPending(): number {
    return this.out.length;
  }

  /** Received bytes not yet admitted (plus a partial packet). */
  get bufferedInput(): number {
    return this.inputBytes + this.framer.buffered;
  }

  /** Requests admitted and not finished. */
  get inFlight(): number {
    return this.scheduler.size;
  }

  /** Open handles. */
  get handleCount(): number {
    return this.handles.size;
  }

  /** Resolves when no request is running or waiting (for tests and orderly shutdown). */
  idle(): Promise<void> {
    if (this.scheduler.size === 0 && this.inputHead >= this.input.length) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** The channel closed: drop queued work, close every handle, dispose the backend. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.input.length = 0;
    this.inputHead = 0;
    this.inputBytes = 0;
    this.out.clear();
    const entries = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(entries.map((h) => (h.kind === 'file' ? h.file.close() : h.dir.close()).catch(() => {})));
    if (this.disposeFs) await this.fs.dispose?.().catch(() => {});
  }

  private safePump(): void {
    try {
      this.pump();
    } catch {
      /* pump failures are already recorded as this.failure */
    }
  }

  /** Admits queued packets while the bounds allow. */
  private pump(): void {
    while (this.inputHead < this.input.length && !this.closedFlag && !this.failure) {
      if (this.initialised && this.paused()) return;
      const p = this.input[this.inputHead];
      this.input[this.inputHead++] = undefined as unknown as Uint8Array;
      if (this.inputHead > 256 && this.inputHead * 2 > this.input.length) {
        this.input.splice(0, this.inputHead);
        this.inputHead = 0;
      }
      this.inputBytes -= p.length + 4;
      this.onInputConsumed?.(p.length + 4);
      try {
        this.admit(p);
      } catch (e) {
        this.failure = e as Error;
        void this.close();
        throw e;
      }
    }
    this.checkIdle();
  }

  /** Whether admission waits: too many requests, or too many reply bytes queued or promised. */
  private paused(): boolean {
    if (this.scheduler.size >= this.maxInFlight || this.out.length >= this.maxQueuedOutput) return true;
    // what admitted requests may still answer counts too, but one request always gets through
    return this.scheduler.size > 0 && this.out.length + this.reservedOutput >= this.maxQueuedOutput;
  }

  private checkIdle(): void {
    if (this.scheduler.size === 0 && this.inputHead >= this.input.length && this.idleWaiters.length > 0) {
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private send(msg: Reply | SftpMessageOf<typeof FXP.VERSION>): void {
    if (this.closedFlag) return;
    this.out.push(encodePacket(msg));
  }

  private sendStatus(id: number, code: number, message?: string): void {
    this.send({ type: FXP.STATUS, id, code, message: message ?? STATUS_TEXT[code] ?? '', language: '' });
  }

  // ---- admission ---------------------------------------------------------------------------

  private admit(packet: Uint8Array): void {
    const { type, id } = peekHeader(packet);
    if (!this.initialised) {
      if (type !== FXP.INIT) throw new ProtocolError(`SFTP server: expected INIT, got ${packetName(type)}`);
      const init = decodePacket(packet) as SftpMessageOf<typeof FXP.INIT>;
      if (init.version < SFTP_VERSION) throw new ProtocolError(`SFTP server: client speaks version ${init.version}; only ${SFTP_VERSION} is supported`);
      this.initialised = true;
      this.send({ type: FXP.VERSION, version: SFTP_VERSION, extensions: this.announcedExtensions() });
      return;
    }
    if (type === FXP.INIT || type === FXP.VERSION) throw new ProtocolError(`SFTP server: ${packetName(type)} after the handshake`);
    if (id === undefined) throw new ProtocolError(`SFTP server: ${packet.length}-byte packet too short for a request id`);
    if ((type >= FXP.STATUS && type <= FXP.ATTRS) || type === FXP.EXTENDED_REPLY) {
      this.sendStatus(id, SftpStatus.BAD_MESSAGE, `${packetName(type)} is a reply, not a request`);
      return;
    }
    if (packetName(type).startsWith('type ')) {
      this.sendStatus(id, SftpStatus.OP_UNSUPPORTED, `unknown request type ${type}`);
      return;
    }
    let msg: SftpMessage;
    try {
      msg = decodePacket(packet);
    } catch (e) {
      this.sendStatus(id, SftpStatus.BAD_MESSAGE, (e as Error).message);
      return;
    }
    const spec = this.specOf(msg);
    const reserve = msg.type === FXP.READ ? Math.min(msg.length, this.maxRead) + 13 : msg.type === FXP.READDIR ? this.maxPacket / 2 : 64;
    this.reservedOutput += reserve;
    this.scheduler.add(spec, (token) => void this.execute(msg, token, reserve));
  }

  private fileKey(handle: Uint8Array): string {
    const h = this.handles.get(latin1(handle));
    return h ? h.path : `#${latin1(handle)}`;
  }

  /** How a request relates to others (scheduler.ts). */
  private specOf(msg: SftpMessage): JobSpec {
    switch (msg.type) {
      case FXP.READ:
        return { path: false, mutates: false, files: [this.fileKey(msg.handle)], range: [msg.offset, msg.offset + Math.min(msg.length, this.maxRead)] };
      case FXP.WRITE: {
        const h = this.handles.get(latin1(msg.handle));
        const append = h?.kind === 'file' && (h.flags & OpenFlags.APPEND) !== 0;
        return { path: false, mutates: true, files: [this.fileKey(msg.handle)], range: append ? [0, Infinity] : [msg.offset, msg.offset + msg.data.length] };
      }
      case FXP.FSTAT:
      case FXP.READDIR:
        return { path: false, mutates: false, files: [this.fileKey(msg.handle)] };
      case FXP.CLOSE:
      case FXP.FSETSTAT:
        return { path: false, mutates: true, files: [this.fileKey(msg.handle)] };
      case FXP.STAT:
      case FXP.LSTAT:
      case FXP.REALPATH:
      case FXP.READLINK:
        return { path: true, mutates: false };
      case FXP.OPENDIR:
        return { path: true, mutates: true }; // takes a handle slot
      case FXP.OPEN:
        return { path: true, mutates: true };
      case FXP.EXTENDED:
        return this.extendedSpec(msg);
      default:
        return { path: true, mutates: true };
    }
  }

  private extendedSpec(msg: SftpMessageOf<typeof FXP.EXTENDED>): JobSpec {
    try {
      switch (msg.request) {
        case EXTENSIONS.fsync.name:
          return { path: false, mutates: true, files: [this.fileKey(ext.decodeOneHandle(msg.data, msg.request))] };
        case EXTENSIONS.fstatvfs.name:
          return { path: false, mutates: false, files: [this.fileKey(ext.decodeOneHandle(msg.data, msg.request))] };
        case EXTENSIONS.copyData.name: {
          const c = ext.decodeCopyData(msg.data);
          return { path: false, mutates: true, files: [this.fileKey(c.readHandle), this.fileKey(c.writeHandle)] };
        }
        case EXTENSIONS.statvfs.name:
        case EXTENSIONS.limits.name:
        case EXTENSIONS.expandPath.name:
        case EXTENSIONS.homeDirectory.name:
        case EXTENSIONS.usersGroupsById.name:
          return { path: true, mutates: false };
      }
    } catch {
      // malformed: execute() answers BAD_MESSAGE; order it like any mutation
    }
    return { path: true, mutates: true };
  }

  private announcedExtensions(): { name: string; data: string }[] {
    const fs = this.fs;
    const on: (keyof typeof EXTENSIONS)[] = [];
    if (fs.posixRename) on.push('posixRename');
    if (fs.statvfs) on.push('statvfs', 'fstatvfs');
    if (fs.hardlink) on.push('hardlink');
    on.push('fsync');
    if (fs.lsetstat) on.push('lsetstat');
    on.push('limits', 'expandPath', 'copyData');
    if (fs.homeDirectory) on.push('homeDirectory');
    if (fs.usersGroupsById) on.push('usersGroupsById');
    return on.map((k) => ({ name: EXTENSIONS[k].name, data: EXTENSIONS[k].version }));
  }

  // ---- execution ---------------------------------------------------------------------------

  private async execute(msg: SftpMessage, token: object, reserved: number): Promise<void> {
    const id = (msg as { id: number }).id;
    let reply: Reply | RawReply;
    try {
      reply = await this.serve(msg as Exclude<SftpMessage, { type: typeof FXP.INIT | typeof FXP.VERSION }>);
    } catch (e) {
      const { code, message } = statusOf(e);
      reply = { type: FXP.STATUS, id, code, message, language: '' };
    }
    this.reservedOutput -= reserved;
    if ('raw' in reply) {
      if (!this.closedFlag) this.out.push(reply.raw);
    } else this.send(reply);
    this.scheduler.done(token);
    if (!this.closedFlag && !this.failure) this.safePump();
    this.checkIdle();
  }

  private ok(id: number): Reply {
    return { type: FXP.STATUS, id, code: SftpStatus.OK, message: STATUS_TEXT[SftpStatus.OK], language: '' };
  }

  private file(handle: Uint8Array): FileEntry {
    const h = this.handles.get(latin1(handle));
    if (!h || h.kind !== 'file') throw fsError(SftpStatus.FAILURE, 'invalid file handle');
    return h;
  }

  private dir(handle: Uint8Array): DirEntry {
    const h = this.handles.get(latin1(handle));
    if (!h || h.kind !== 'dir') throw fsError(SftpStatus.FAILURE, 'invalid directory handle');
    return h;
  }

  private reserveHandle(): void {
    if (this.handles.size + this.opening >= this.maxHandles) throw fsError(SftpStatus.FAILURE, `too many open handles (limit ${this.maxHandles})`);
    this.opening++;
  }

  private addHandle(entry: HandleEntry): Uint8Array {
    this.opening--;
    const key = String(++this.handleCounter);
    if (this.closedFlag) {
      void (entry.kind === 'file' ? entry.file.close() : entry.dir.close()).catch(() => {});
      throw fsError(SftpStatus.CONNECTION_LOST, 'session closed');
    }
    this.handles.set(key, entry);
    return utf8.encode(key);
  }

  private static name(id: number, filename: string): Reply {
    return { type: FXP.NAME, id, names: [{ filename, longname: filename, attrs: {} }] };
  }

  private async serve(msg: Reply): Promise<Reply | RawReply> {
    const fs = this.fs;
    switch (msg.type) {
      case FXP.OPEN: {
        const m = msg as SftpMessageOf<typeof FXP.OPEN>;
        // neither READ nor WRITE: read-only, as OpenSSH's sftp-server does
        const pflags = m.pflags & (OpenFlags.READ | OpenFlags.WRITE) ? m.pflags : m.pflags | OpenFlags.READ;
        this.reserveHandle();
        let file: FsFile;
        try {
          file = await fs.open(m.path, pflags, m.attrs);
        } catch (e) {
          this.opening--;
          throw e;
        }
        return { type: FXP.HANDLE, id: m.id, handle: this.addHandle({ kind: 'file', file, path: m.path, flags: pflags }) };
      }
      case FXP.OPENDIR: {
        const m = msg as SftpMessageOf<typeof FXP.OPENDIR>;
        this.reserveHandle();
        let dir: FsDirectory;
        try {
          dir = await fs.opendir(m.path);
        } catch (e) {
          this.opening--;
          throw e;
        }
        return { type: FXP.HANDLE, id: m.id, handle: this.addHandle({ kind: 'dir', dir, path: m.path, spill: [], done: false }) };
      }
      case FXP.CLOSE: {
        const key = latin1(msg.handle);
        const h = this.handles.get(key);
        if (!h) throw fsError(SftpStatus.FAILURE, 'invalid handle');
        this.handles.delete(key);
        await (h.kind === 'file' ? h.file.close() : h.dir.close());
        return this.ok(msg.id);
      }
      case FXP.READ: {
        const m = msg as SftpMessageOf<typeof FXP.READ>;
        const f = this.file(m.handle);
        const len = Math.min(m.length, this.maxRead);
        if (len > 0 && f.file.readInto) {
          // read straight into the DATA packet: one copy fewer on the download path
          const packet = this.dataPool.take(13 + len);
          const n = await f.file.readInto(m.offset, packet.subarray(13));
          if (!Number.isInteger(n) || n < 0 || n > len) throw fsError(SftpStatus.FAILURE, 'backend read returned a bad length');
          if (n === 0) return { type: FXP.STATUS, id: m.id, code: SftpStatus.EOF, message: STATUS_TEXT[SftpStatus.EOF], language: '' };
          const dv = new DataView(packet.buffer);
          dv.setUint32(0, 9 + n);
          packet[4] = FXP.DATA;
          dv.setUint32(5, m.id);
          dv.setUint32(9, n);
          return { raw: n === len ? packet : packet.subarray(0, 13 + n) };
        }
        const data = len === 0 ? new Uint8Array(0) : await f.file.read(m.offset, len);
        if (data === null || data.length === 0) return { type: FXP.STATUS, id: m.id, code: SftpStatus.EOF, message: STATUS_TEXT[SftpStatus.EOF], language: '' };
        return { type: FXP.DATA, id: m.id, data: data.length > len ? data.subarray(0, len) : data };
      }
      case FXP.WRITE: {
        const m = msg as SftpMessageOf<typeof FXP.WRITE>;
        await this.file(m.handle).file.write(m.offset, m.data);
        return this.ok(m.id);
      }
      case FXP.STAT:
        return { type: FXP.ATTRS, id: msg.id, attrs: await fs.stat(msg.path) };
      case FXP.LSTAT:
        return { type: FXP.ATTRS, id: msg.id, attrs: await fs.lstat(msg.path) };
      case FXP.FSTAT: {
        const h = this.handles.get(latin1(msg.handle));
        if (!h) throw fsError(SftpStatus.FAILURE, 'invalid handle');
        return { type: FXP.ATTRS, id: msg.id, attrs: h.kind === 'file' ? await h.file.stat() : await fs.stat(h.path) };
      }
      case FXP.SETSTAT:
        await fs.setstat(msg.path, msg.attrs);
        return this.ok(msg.id);
      case FXP.FSETSTAT:
        await this.file(msg.handle).file.setstat(msg.attrs);
        return this.ok(msg.id);
      case FXP.READDIR:
        return this.readdir(msg.id, this.dir(msg.handle));
      case FXP.REMOVE:
        await fs.remove(msg.path);
        return this.ok(msg.id);
      case FXP.MKDIR:
        await fs.mkdir(msg.path, msg.attrs);
        return this.ok(msg.id);
      case FXP.RMDIR:
        await fs.rmdir(msg.path);
        return this.ok(msg.id);
      case FXP.REALPATH:
        return SftpServer.name(msg.id, await fs.realpath(msg.path));
      case FXP.RENAME:
        await fs.rename(msg.oldPath, msg.newPath);
        return this.ok(msg.id);
      case FXP.READLINK:
        return SftpServer.name(msg.id, await fs.readlink(msg.path));
      case FXP.SYMLINK:
        await fs.symlink(msg.targetPath, msg.linkPath);
        return this.ok(msg.id);
      case FXP.EXTENDED:
        return this.extended(msg);
      default:
        throw fsError(SftpStatus.OP_UNSUPPORTED, `${packetName(msg.type)} is not a request`);
    }
  }

  private async readdir(id: number, d: DirEntry): Promise<Reply> {
    while (d.spill.length === 0 && !d.done) {
      const batch = await d.dir.read();
      if (batch === null) d.done = true;
      else d.spill.push(...batch);
    }
    if (d.spill.length === 0) return { type: FXP.STATUS, id, code: SftpStatus.EOF, message: STATUS_TEXT[SftpStatus.EOF], language: '' };
    // Stay well inside the client's packet limit: at most READDIR_BATCH entries and half of maxPacket.
    const names: NameEntry[] = [];
    let bytes = 16;
    while (d.spill.length > 0 && names.length < SFTP_LIMITS.READDIR_BATCH) {
      const e = d.spill[0];
      const ln = e.longname ?? longname(e.filename, e.attrs);
      const size = 8 + utf8.encode(e.filename).length + utf8.encode(ln).length + 64 + (e.attrs.extended?.reduce((s, x) => s + 8 + x.type.length * 3 + x.data.length, 0) ?? 0);
      if (names.length > 0 && bytes + size > this.maxPacket / 2) break;
      if (size > this.maxPacket - 64) {
        d.spill.shift(); // an entry that can't fit any packet is skipped rather than sent broken
        continue;
      }
      names.push({ filename: e.filename, longname: ln, attrs: e.attrs });
      bytes += size;
      d.spill.shift();
    }
    if (names.length === 0) return this.readdir(id, d);
    return { type: FXP.NAME, id, names };
  }

  private async extended(msg: SftpMessageOf<typeof FXP.EXTENDED>): Promise<Reply> {
    const fs = this.fs;
    const { id, request, data } = msg;
    const reply = (d: Uint8Array): Reply => ({ type: FXP.EXTENDED_REPLY, id, data: d });
    const unsupported = () => fsError(SftpStatus.OP_UNSUPPORTED, `${request} is not supported`);
    let args: unknown;
    try {
      args = this.decodeExtended(request, data);
    } catch (e) {
      if ((e as Error).name === 'SftpError') throw e;
      throw fsError(SftpStatus.BAD_MESSAGE, (e as Error).message);
    }
    switch (request) {
      case EXTENSIONS.posixRename.name: {
        if (!fs.posixRename) throw unsupported();
        const [a, b] = args as [string, string];
        await fs.posixRename(a, b);
        return this.ok(id);
      }
      case EXTENSIONS.hardlink.name: {
        if (!fs.hardlink) throw unsupported();
        const [a, b] = args as [string, string];
        await fs.hardlink(a, b);
        return this.ok(id);
      }
      case EXTENSIONS.statvfs.name:
        if (!fs.statvfs) throw unsupported();
        return reply(ext.encodeStatVfs(await fs.statvfs(args as string)));
      case EXTENSIONS.fstatvfs.name: {
        const h = this.handles.get(latin1(args as Uint8Array));
        if (!h) throw fsError(SftpStatus.FAILURE, 'invalid handle');
        if (h.kind === 'file' && h.file.statvfs) return reply(ext.encodeStatVfs(await h.file.statvfs()));
        if (!fs.statvfs) throw unsupported();
        return reply(ext.encodeStatVfs(await fs.statvfs(h.path)));
      }
      case EXTENSIONS.fsync.name: {
        const f = this.file(args as Uint8Array);
        await f.file.sync?.();
        return this.ok(id);
      }
      case EXTENSIONS.lsetstat.name: {
        if (!fs.lsetstat) throw unsupported();
        const [p, a] = args as [string, Attrs];
        await fs.lsetstat(p, a);
        return this.ok(id);
      }
      case EXTENSIONS.limits.name:
        return reply(ext.encodeLimits({ maxPacketLength: this.maxPacket, maxReadLength: this.maxRead, maxWriteLength: this.maxPacket - 1024, maxOpenHandles: this.maxHandles }));
      case EXTENSIONS.expandPath.name:
        return SftpServer.name(id, await this.expandPath(args as string));
      case EXTENSIONS.homeDirectory.name:
        if (!fs.homeDirectory) throw unsupported();
        return SftpServer.name(id, await fs.homeDirectory(args as string));
      case EXTENSIONS.usersGroupsById.name: {
        if (!fs.usersGroupsById) throw unsupported();
        const { uids, gids } = args as { uids: number[]; gids: number[] };
        const r = await fs.usersGroupsById(uids, gids);
        if (r.users.length !== uids.length || r.groups.length !== gids.length) throw fsError(SftpStatus.FAILURE, 'backend returned the wrong number of names');
        return reply(ext.encodeUsersGroupsReply(r.users, r.groups));
      }
      case EXTENSIONS.copyData.name:
        await this.copyData(args as ext.CopyDataRequest);
        return this.ok(id);
      default:
        throw unsupported();
    }
  }

  private decodeExtended(request: string, data: Uint8Array): unknown {
    switch (request) {
      case EXTENSIONS.posixRename.name:
      case EXTENSIONS.hardlink.name:
        return ext.decodeTwoPaths(data, request);
      case EXTENSIONS.statvfs.name:
      case EXTENSIONS.expandPath.name:
      case EXTENSIONS.homeDirectory.name:
        return ext.decodeOnePath(data, request);
      case EXTENSIONS.fstatvfs.name:
      case EXTENSIONS.fsync.name:
        return ext.decodeOneHandle(data, request);
      case EXTENSIONS.lsetstat.name:
        return ext.decodePathAttrs(data, request);
      case EXTENSIONS.limits.name:
        return ext.decodeEmpty(data, request);
      case EXTENSIONS.usersGroupsById.name:
        return ext.decodeUsersGroupsRequest(data);
      case EXTENSIONS.copyData.name:
        return ext.decodeCopyData(data);
      default:
        return undefined;
    }
  }

  /** expand-path@openssh.com: "~" and "~/x" from the current user's home, "~user/x" from that user's, then realpath. */
  private async expandPath(path: string): Promise<string> {
    let p = path;
    if (p === '~' || p.startsWith('~/') || (p.startsWith('~') && p.length > 1)) {
      const slash = p.indexOf('/');
      const user = p.slice(1, slash < 0 ? undefined : slash);
      const rest = slash < 0 ? '' : p.slice(slash + 1);
      let home: string;
      if (this.fs.homeDirectory) home = await this.fs.homeDirectory(user);
      else if (user === '') home = await this.fs.realpath('.');
      else throw fsError(SftpStatus.NO_SUCH_FILE, 'no such user', user);
      p = rest ? `${home.replace(/\/+$/, '')}/${rest}` : home;
    }
    return this.fs.realpath(p);
  }

  /** copy-data (PROTOCOL §4.10), done with the backend's own read/write in COPY_CHUNK steps. */
  private async copyData(c: ext.CopyDataRequest): Promise<void> {
    const from = this.file(c.readHandle);
    const to = this.file(c.writeHandle);
    if (from === to || from.path === to.path) throw fsError(SftpStatus.FAILURE, 'copy-data: refusing to copy a file onto itself');
    if ((from.flags & OpenFlags.READ) === 0) throw fsError(SftpStatus.PERMISSION_DENIED, 'copy-data: source not open for reading');
    if ((to.flags & OpenFlags.WRITE) === 0) throw fsError(SftpStatus.PERMISSION_DENIED, 'copy-data: destination not open for writing');
    const untilEof = c.readLength === 0;
    let left = untilEof ? Infinity : c.readLength;
    let rOff = c.readOffset;
    let wOff = c.writeOffset;
    while (left > 0) {
      const want = Math.min(SFTP_LIMITS.COPY_CHUNK, left);
      const chunk = await from.file.read(rOff, want);
      if (chunk === null || chunk.length === 0) {
        if (untilEof) return;
        throw fsError(SftpStatus.EOF, 'copy-data: end of file before the requested length');
      }
      const data = chunk.length > want ? chunk.subarray(0, want) : chunk;
      await to.file.write(wOff, data);
      rOff += data.length;
      wOff += data.length;
      left -= data.length;
    }
  }
}
