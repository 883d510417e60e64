// SFTP v3 client (draft-ietf-secsh-filexfer-02 §4-§8, OpenSSH PROTOCOL §4). It owns no I/O: the
// binder feeds it the channel's bytes with receive() and writes what pollTransmit() returns
// (onTransmit says when something is waiting). Every operation is a promise method; requests
// carry ids, so any number may be in flight and replies may come in any order.
import { ProtocolError, SftpError } from '../wire/index.ts';
import { type Attrs, checkAttrs } from './attrs.ts';
import { type ExtensionPair, type NameEntry, type SftpMessage, decodePacket, encodePacket, encodeWriteHeader, packetName } from './codec.ts';
import { FXP, OpenFlags, SFTP_LIMITS, SFTP_VERSION, STATUS_TEXT, SftpStatus } from './constants.ts';
import * as ext from './extensions.ts';
import { EXTENSIONS, type ExtensionKey, type SftpLimits, type StatVfs } from './extensions.ts';
import { PacketFramer, PacketPool } from './framing.ts';
import { OutQueue } from './outqueue.ts';
import { MemorySink, type ReadStreamOptions, type WriteStreamOptions, createReadStream, createWriteStream, memorySource } from './streams.ts';
import { type GetSink, type LocalTree, type PutOptions, type PutSourceArg, type TransferOptions, type TransferResult, type TreeResult, getDirectory, getFile, putDirectory, putFile } from './transfer.ts';

export interface SftpClientOptions {
  /** Largest packet accepted from the server (default 256 KiB, as OpenSSH). */
  maxPacketLength?: number;
  /** Requests outstanding at once before further calls wait for a slot (default 4096). */
  maxOutstanding?: number;
  /** Called when bytes become ready for pollTransmit() (the queue went from empty to non-empty). Not called for INIT, which is waiting when the constructor returns. */
  onTransmit?: () => void;
  /** Extension pairs to send in INIT (none by default). */
  initExtensions?: ExtensionPair[];
}

/** What the server said in VERSION. */
export interface ServerInfo {
  version: number;
  extensions: Map<string, string>;
}

/** An open file or directory on the server. */
export class SftpHandle {
  constructor(
    /** The server's opaque handle bytes. */
    readonly bytes: Uint8Array,
    /** The path it was opened with (for error messages). */
    readonly path: string,
    readonly kind: 'file' | 'directory',
  ) {}
}

/** Open mode: a Node-style string ('r', 'r+', 'w', 'wx', 'w+', 'a', 'ax', 'a+') or OPEN pflags. */
export type OpenMode = string | number;

const MODES: Record<string, number> = {
  r: OpenFlags.READ,
  'r+': OpenFlags.READ | OpenFlags.WRITE,
  w: OpenFlags.WRITE | OpenFlags.CREAT | OpenFlags.TRUNC,
  wx: OpenFlags.WRITE | OpenFlags.CREAT | OpenFlags.TRUNC | OpenFlags.EXCL,
  'w+': OpenFlags.READ | OpenFlags.WRITE | OpenFlags.CREAT | OpenFlags.TRUNC,
  'wx+': OpenFlags.READ | OpenFlags.WRITE | OpenFlags.CREAT | OpenFlags.TRUNC | OpenFlags.EXCL,
  a: OpenFlags.WRITE | OpenFlags.CREAT | OpenFlags.APPEND,
  ax: OpenFlags.WRITE | OpenFlags.CREAT | OpenFlags.APPEND | OpenFlags.EXCL,
  'a+': OpenFlags.READ | OpenFlags.WRITE | OpenFlags.CREAT | OpenFlags.APPEND,
  'ax+': OpenFlags.READ | OpenFlags.WRITE | OpenFlags.CREAT | OpenFlags.APPEND | OpenFlags.EXCL,
};

/** OPEN pflags for a mode string (or the number itself, checked). */
export function openFlags(mode: OpenMode): number {
  if (typeof mode === 'number') {
    if (!Number.isInteger(mode) || mode < 0 || mode > 0x3f) throw new RangeError(`SFTP open: pflags must be a combination of OpenFlags, got ${mode}`);
    return mode;
  }
  const f = MODES[mode];
  if (f === undefined) throw new RangeError(`SFTP open: unknown mode ${JSON.stringify(mode)} (use r, r+, w, wx, w+, a, ax, a+)`);
  return f;
}

type Expect = typeof FXP.HANDLE | typeof FXP.DATA | typeof FXP.NAME | typeof FXP.ATTRS | typeof FXP.EXTENDED_REPLY | typeof FXP.STATUS;

interface Pending {
  expect: Expect;
  /** STATUS EOF resolves with null instead of rejecting (READ, READDIR). */
  eofOk: boolean;
  what: string;
  path?: string;
  /** For READ: the most bytes the reply may carry. */
  maxData?: number;
  resolve(m: SftpMessage | null): void;
  reject(e: Error): void;
}

type Body<M> = M extends { id: number } ? Omit<M, 'id'> : never;
type RequestBody = Body<SftpMessage>;

const utf8 = new TextEncoder();

export class SftpClient {
  private readonly framer: PacketFramer;
  private readonly pool: PacketPool;
  private readonly out: OutQueue;
  private readonly pending = new Map<number, Pending>();
  /** Requests encoded but not yet sent (before VERSION, or past maxOutstanding), in call order. */
  private readonly backlog: { packet: Uint8Array; data: Uint8Array | undefined; pending: Pending }[] = [];
  private readonly maxOutstanding: number;
  private nextId = 0;
  private info: ServerInfo | undefined;
  private failure: Error | undefined;
  private resolveReady!: (i: ServerInfo) => void;
  private rejectReady!: (e: Error) => void;
  private limitsCache: Promise<SftpLimits | undefined> | undefined;

  /** Resolves when the server's VERSION arrives; rejects if the session fails first. */
  readonly ready: Promise<ServerInfo>;

  constructor(options: SftpClientOptions = {}) {
    const maxPacket = options.maxPacketLength ?? SFTP_LIMITS.MAX_PACKET;
    if (!Number.isInteger(maxPacket) || maxPacket < SFTP_LIMITS.MIN_PACKET) throw new RangeError(`SFTP client: maxPacketLength must be an integer >= ${SFTP_LIMITS.MIN_PACKET}, got ${maxPacket}`);
    this.maxOutstanding = options.maxOutstanding ?? SFTP_LIMITS.MAX_OUTSTANDING;
    if (!Number.isInteger(this.maxOutstanding) || this.maxOutstanding < 1) throw new RangeError(`SFTP client: maxOutstanding must be a positive integer, got ${options.maxOutstanding}`);
    this.pool = new PacketPool(maxPacket);
    this.framer = new PacketFramer(maxPacket, 'SFTP client', this.pool);
    this.out = new OutQueue();
    this.ready = new Promise<ServerInfo>((res, rej) => {
      this.resolveReady = res;
      this.rejectReady = rej;
    });
    this.ready.catch(() => {}); // observed through the operations; never an unhandled rejection
    // INIT waits in the queue: the binder drains pollTransmit() once after construction
    // (onTransmit fires only for later packets, never from inside this constructor).
    this.out.push(encodePacket({ type: FXP.INIT, version: SFTP_VERSION, extensions: options.initExtensions ?? [] }));
    this.out.setListener(options.onTransmit);
  }

  // ---- the byte interface ------------------------------------------------------------------

  /**
   * Bytes from the channel, any split. Throws ProtocolError (and fails every request) if the
   * server breaks the protocol. `bytes` is not kept after this returns, unless `owned` is true:
   * then the caller hands the buffer over for good and whole packets in it are used without a copy.
   */
  receive(bytes: Uint8Array, owned = false): void {
    if (this.failure) throw this.failure;
    try {
      this.framer.push(bytes, (p) => this.onPacket(p), owned);
    } catch (e) {
      const err = e instanceof ProtocolError ? e : new ProtocolError(`SFTP client: ${(e as Error).message}`);
      this.fail(err);
      throw err;
    }
  }

  /**
   * Hands back a chunk read() (or a transfer) returned, once nothing uses it any more, so its
   * buffer can carry a later reply instead of a new allocation. Optional. Only large chunks of this
   * client are taken (others are ignored); the chunk must not be touched afterwards.
   */
  recycle(chunk: Uint8Array): void {
    if (chunk instanceof Uint8Array) this.pool.give(chunk);
  }

  /** The next bytes to write to the channel, or undefined. */
  pollTransmit(): Uint8Array | undefined {
    return this.out.poll();
  }

  /** Bytes waiting for pollTransmit(). */
  get transmitPending(): number {
    return this.out.length;
  }

  /** Largest packet this client accepts (reads are sized to fit it). */
  get maxPacketLength(): number {
    return this.framer.maxPacket;
  }

  /** Requests sent and not yet answered. */
  get outstanding(): number {
    return this.pending.size;
  }

  /** Requests waiting to be sent (before VERSION, or past maxOutstanding). */
  get queued(): number {
    return this.backlog.length;
  }

  /** The channel closed (or the binder gave up): every outstanding and later request fails. */
  destroy(reason?: Error): void {
    if (this.failure) return;
    this.fail(reason ?? new SftpError('SFTP session closed', SftpStatus.CONNECTION_LOST));
  }

  /** True once the session has failed or been closed. */
  get closed(): boolean {
    return this.failure !== undefined;
  }

  /** The server's version and extensions (undefined before VERSION). */
  get server(): ServerInfo | undefined {
    return this.info;
  }

  /** Whether the server announced an extension, with the version this client speaks. */
  supports(key: ExtensionKey): boolean {
    const e = EXTENSIONS[key];
    return this.info?.extensions.get(e.name) === e.version;
  }

  private fail(err: Error): void {
    this.failure = err;
    this.rejectReady(err);
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(err);
    for (const b of this.backlog.splice(0)) b.pending.reject(err);
    this.out.clear();
  }

  private onPacket(packet: Uint8Array): void {
    const msg = decodePacket(packet);
    if (!this.info) {
      if (msg.type !== FXP.VERSION) throw new ProtocolError(`SFTP client: expected VERSION, got ${packetName(msg.type)}`);
      if (msg.version !== SFTP_VERSION) throw new ProtocolError(`SFTP client: server speaks version ${msg.version}, only ${SFTP_VERSION} is supported`);
      const extensions = new Map<string, string>();
      for (const e of msg.extensions) if (!extensions.has(e.name)) extensions.set(e.name, e.data);
      this.info = { version: msg.version, extensions };
      this.resolveReady(this.info);
      this.drainBacklog();
      return;
    }
    if (!('id' in msg) || msg.type < FXP.STATUS) throw new ProtocolError(`SFTP client: unexpected ${packetName(msg.type)} from the server`);
    const p = this.pending.get(msg.id);
    if (!p) throw new ProtocolError(`SFTP client: reply ${packetName(msg.type)} for unknown request id ${msg.id}`);
    // validate before taking the request off the table, so a failure here fails it too
    if (msg.type !== FXP.STATUS && msg.type !== p.expect) throw new ProtocolError(`SFTP client: ${p.what} expects ${packetName(p.expect)} or STATUS, got ${packetName(msg.type)}`);
    if (msg.type === FXP.DATA && p.maxData !== undefined && msg.data.length > p.maxData) {
      throw new ProtocolError(`SFTP client: READ of ${p.maxData} bytes answered with ${msg.data.length}`);
    }
    this.pending.delete(msg.id);
    if (this.backlog.length > 0) this.drainBacklog();
    if (msg.type === FXP.STATUS) {
      if (msg.code === SftpStatus.OK && p.expect === FXP.STATUS) p.resolve(msg);
      else if (msg.code === SftpStatus.EOF && p.eofOk) p.resolve(null);
      else if (msg.code === SftpStatus.OK) p.reject(new SftpError(`${p.what}: server answered OK without the expected ${packetName(p.expect)}`, SftpStatus.BAD_MESSAGE, p.path));
      else p.reject(new SftpError(`${p.what}${p.path !== undefined ? ` ${p.path}` : ''}: ${msg.message || STATUS_TEXT[msg.code] || `status ${msg.code}`}`, msg.code, p.path));
      return;
    }
    p.resolve(msg);
  }

  // ---- requests ----------------------------------------------------------------------------

  private allocId(): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = (this.nextId + 1) >>> 0;
      if (!this.pending.has(id)) return id;
    }
  }

  /**
   * Sends a request and resolves with its reply (null for EOF where eofOk). The packet is encoded
   * now (so the caller may reuse its buffers at once) and sent in call order: before VERSION, or
   * while maxOutstanding requests are in flight, it waits in the backlog behind earlier calls.
   */
  private request(body: RequestBody, expect: Expect, what: string, path?: string, eofOk = false, maxData?: number): Promise<SftpMessage | null> {
    if (this.failure) return Promise.reject(this.failure);
    let packet: Uint8Array;
    try {
      packet = encodePacket({ ...body, id: 0 } as SftpMessage);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.send(packet, undefined, { expect, eofOk, what, path, maxData });
  }

  /** Queues an encoded packet (and, for a WRITE sent without copying, its data after it). */
  private send(packet: Uint8Array, data: Uint8Array | undefined, p: Omit<Pending, 'resolve' | 'reject'>): Promise<SftpMessage | null> {
    return new Promise<SftpMessage | null>((resolve, reject) => {
      const pending: Pending = { ...p, resolve, reject };
      if (!this.info || this.pending.size >= this.maxOutstanding || this.backlog.length > 0) this.backlog.push({ packet, data, pending });
      else this.transmit(packet, data, pending);
    });
  }

  private transmit(packet: Uint8Array, data: Uint8Array | undefined, pending: Pending): void {
    const id = this.allocId();
    packet[5] = id >>> 24; // the request id sits right after the length and type
    packet[6] = id >>> 16;
    packet[7] = id >>> 8;
    packet[8] = id;
    this.pending.set(id, pending);
    this.out.push(packet);
    if (data !== undefined && data.length > 0) this.out.push(data);
  }

  /** Sends backlogged requests, in order, while there is room. */
  private drainBacklog(): void {
    while (this.info && this.backlog.length > 0 && this.pending.size < this.maxOutstanding) {
      const { packet, data, pending } = this.backlog.shift()!;
      this.transmit(packet, data, pending);
    }
  }

  private async status(body: RequestBody, what: string, path?: string): Promise<void> {
    await this.request(body, FXP.STATUS, what, path);
  }

  private async attrs(body: RequestBody, what: string, path?: string): Promise<Attrs> {
    const m = (await this.request(body, FXP.ATTRS, what, path)) as Extract<SftpMessage, { type: typeof FXP.ATTRS }>;
    return m.attrs;
  }

  private async oneName(body: RequestBody, what: string, path?: string): Promise<string> {
    const m = (await this.request(body, FXP.NAME, what, path)) as Extract<SftpMessage, { type: typeof FXP.NAME }>;
    if (m.names.length !== 1) throw new SftpError(`${what} ${path ?? ''}: server returned ${m.names.length} names, expected 1`, SftpStatus.BAD_MESSAGE, path);
    return m.names[0].filename;
  }

  private async extended(key: ExtensionKey, data: Uint8Array, expect: Expect, path?: string): Promise<SftpMessage | null> {
    if (this.failure) throw this.failure;
    if (!this.info) await this.ready;
    const e = EXTENSIONS[key];
    if (!this.supports(key)) throw new SftpError(`${e.name}: not supported by the server`, SftpStatus.OP_UNSUPPORTED, path);
    return this.request({ type: FXP.EXTENDED, request: e.name, data }, expect, e.name, path);
  }

  private static checkPath(path: unknown, what: string): string {
    if (typeof path !== 'string') throw new TypeError(`SFTP ${what}: path must be a string, got ${typeof path}`);
    if (path.includes('\0')) throw new TypeError(`SFTP ${what}: path contains a NUL byte`);
    return path;
  }

  private static checkHandle(h: unknown, what: string, kind?: 'file' | 'directory'): SftpHandle {
    if (!(h instanceof SftpHandle)) throw new TypeError(`SFTP ${what}: expected an SftpHandle`);
    if (kind && h.kind !== kind) throw new TypeError(`SFTP ${what}: ${h.path} is a ${h.kind} handle, not a ${kind} handle`);
    return h;
  }

  // ---- v3 operations -----------------------------------------------------------------------

  /** Opens a file (draft-02 §6.3). */
  async open(path: string, mode: OpenMode = 'r', attrs: Attrs = {}): Promise<SftpHandle> {
    SftpClient.checkPath(path, 'open');
    const pflags = openFlags(mode);
    checkAttrs(attrs);
    const m = (await this.request({ type: FXP.OPEN, path, pflags, attrs }, FXP.HANDLE, 'open', path)) as Extract<SftpMessage, { type: typeof FXP.HANDLE }>;
    return new SftpHandle(m.handle, path, 'file');
  }

  /** Closes a file or directory handle. */
  async close(handle: SftpHandle): Promise<void> {
    SftpClient.checkHandle(handle, 'close');
    await this.status({ type: FXP.CLOSE, handle: handle.bytes }, 'close', handle.path);
  }

  /** Reads up to `length` bytes at `offset`; null at end of file. The server may return fewer bytes. */
  async read(handle: SftpHandle, offset: number, length: number): Promise<Uint8Array | null> {
    SftpClient.checkHandle(handle, 'read', 'file');
    if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`SFTP read: offset must be a non-negative safe integer, got ${offset}`);
    if (!Number.isInteger(length) || length < 0 || length > 0xffffffff) throw new RangeError(`SFTP read: length must be a uint32, got ${length}`);
    const m = await this.request({ type: FXP.READ, handle: handle.bytes, offset, length }, FXP.DATA, 'read', handle.path, true, length);
    return m === null ? null : (m as Extract<SftpMessage, { type: typeof FXP.DATA }>).data;
  }

  /**
   * Writes `data` at `offset`. Keep each write within the server's max-write-length (limits()).
   * The data is copied at once unless `handOver` is true: then it is sent as it is, and must not
   * change until the returned promise settles (transfers use this to avoid a copy per byte).
   */
  async write(handle: SftpHandle, offset: number, data: Uint8Array, handOver = false): Promise<void> {
    SftpClient.checkHandle(handle, 'write', 'file');
    if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`SFTP write: offset must be a non-negative safe integer, got ${offset}`);
    if (!(data instanceof Uint8Array)) throw new TypeError('SFTP write: data must be a Uint8Array');
    if (!handOver || data.length < 8192) {
      await this.status({ type: FXP.WRITE, handle: handle.bytes, offset, data }, 'write', handle.path);
      return;
    }
    if (this.failure) throw this.failure;
    const header = encodeWriteHeader(0, handle.bytes, offset, data.length);
    await this.send(header, data, { expect: FXP.STATUS, eofOk: false, what: 'write', path: handle.path });
  }

  /** Attributes of a path, following symbolic links. */
  async stat(path: string): Promise<Attrs> {
    SftpClient.checkPath(path, 'stat');
    return this.attrs({ type: FXP.STAT, path }, 'stat', path);
  }

  /** Attributes of a path, not following a final symbolic link. */
  async lstat(path: string): Promise<Attrs> {
    SftpClient.checkPath(path, 'lstat');
    return this.attrs({ type: FXP.LSTAT, path }, 'lstat', path);
  }

  /** Attributes of an open file. */
  async fstat(handle: SftpHandle): Promise<Attrs> {
    SftpClient.checkHandle(handle, 'fstat');
    return this.attrs({ type: FXP.FSTAT, handle: handle.bytes }, 'fstat', handle.path);
  }

  async setstat(path: string, attrs: Attrs): Promise<void> {
    SftpClient.checkPath(path, 'setstat');
    checkAttrs(attrs);
    await this.status({ type: FXP.SETSTAT, path, attrs }, 'setstat', path);
  }

  async fsetstat(handle: SftpHandle, attrs: Attrs): Promise<void> {
    SftpClient.checkHandle(handle, 'fsetstat');
    checkAttrs(attrs);
    await this.status({ type: FXP.FSETSTAT, handle: handle.bytes, attrs }, 'fsetstat', handle.path);
  }

  async opendir(path: string): Promise<SftpHandle> {
    SftpClient.checkPath(path, 'opendir');
    const m = (await this.request({ type: FXP.OPENDIR, path }, FXP.HANDLE, 'opendir', path)) as Extract<SftpMessage, { type: typeof FXP.HANDLE }>;
    return new SftpHandle(m.handle, path, 'directory');
  }

  /** The next batch of entries of an open directory; null when there are no more. */
  async readdir(handle: SftpHandle): Promise<NameEntry[] | null> {
    SftpClient.checkHandle(handle, 'readdir', 'directory');
    const m = await this.request({ type: FXP.READDIR, handle: handle.bytes }, FXP.NAME, 'readdir', handle.path, true);
    return m === null ? null : (m as Extract<SftpMessage, { type: typeof FXP.NAME }>).names;
  }

  /**
   * A directory's entries as an async iterator ('.' and '..' left out unless asked for). The
   * directory handle is closed when the loop ends, breaks or throws.
   */
  async *list(path: string, options: { includeDots?: boolean } = {}): AsyncGenerator<NameEntry, void, undefined> {
    const h = await this.opendir(path);
    try {
      for (;;) {
        const batch = await this.readdir(h);
        if (batch === null) return;
        for (const e of batch) {
          if (!options.includeDots && (e.filename === '.' || e.filename === '..')) continue;
          yield e;
        }
      }
    } finally {
      await this.close(h).catch(() => {});
    }
  }

  /** Every entry of a directory, as an array (at most maxEntries, default 1,000,000, else an error). */
  async readdirAll(path: string, options: { includeDots?: boolean; maxEntries?: number } = {}): Promise<NameEntry[]> {
    const max = options.maxEntries ?? SFTP_LIMITS.MAX_DIR_ENTRIES;
    const out: NameEntry[] = [];
    for await (const e of this.list(path, options)) {
      if (out.length >= max) throw new SftpError(`readdir ${path}: more than ${max} entries`, SftpStatus.FAILURE, path);
      out.push(e);
    }
    return out;
  }

  async remove(path: string): Promise<void> {
    SftpClient.checkPath(path, 'remove');
    await this.status({ type: FXP.REMOVE, path }, 'remove', path);
  }

  async mkdir(path: string, attrs: Attrs = {}): Promise<void> {
    SftpClient.checkPath(path, 'mkdir');
    checkAttrs(attrs);
    await this.status({ type: FXP.MKDIR, path, attrs }, 'mkdir', path);
  }

  async rmdir(path: string): Promise<void> {
    SftpClient.checkPath(path, 'rmdir');
    await this.status({ type: FXP.RMDIR, path }, 'rmdir', path);
  }

  /** The server's canonical absolute form of a path. */
  async realpath(path: string): Promise<string> {
    SftpClient.checkPath(path, 'realpath');
    return this.oneName({ type: FXP.REALPATH, path }, 'realpath', path);
  }

  /** draft-02 RENAME: fails if newPath exists on most servers. See posixRename() to replace. */
  async rename(oldPath: string, newPath: string): Promise<void> {
    SftpClient.checkPath(oldPath, 'rename');
    SftpClient.checkPath(newPath, 'rename');
    await this.status({ type: FXP.RENAME, oldPath, newPath }, 'rename', oldPath);
  }

  async readlink(path: string): Promise<string> {
    SftpClient.checkPath(path, 'readlink');
    return this.oneName({ type: FXP.READLINK, path }, 'readlink', path);
  }

  /** Creates linkPath pointing at targetPath (argument order as Node's fs.symlink; wire order as OpenSSH). */
  async symlink(targetPath: string, linkPath: string): Promise<void> {
    SftpClient.checkPath(targetPath, 'symlink');
    SftpClient.checkPath(linkPath, 'symlink');
    await this.status({ type: FXP.SYMLINK, targetPath, linkPath }, 'symlink', linkPath);
  }

  // ---- OpenSSH extensions (PROTOCOL §4.3-§4.12) --------------------------------------------

  /** rename(2) semantics: replaces newPath atomically. */
  async posixRename(oldPath: string, newPath: string): Promise<void> {
    SftpClient.checkPath(oldPath, 'posix-rename');
    SftpClient.checkPath(newPath, 'posix-rename');
    await this.extended('posixRename', ext.encodeTwoPaths(oldPath, newPath), FXP.STATUS, oldPath);
  }

  async statvfs(path: string): Promise<StatVfs> {
    SftpClient.checkPath(path, 'statvfs');
    const m = (await this.extended('statvfs', ext.encodeOneString(path), FXP.EXTENDED_REPLY, path)) as Extract<SftpMessage, { type: typeof FXP.EXTENDED_REPLY }>;
    return this.replyOrFail(() => ext.decodeStatVfs(m.data));
  }

  async fstatvfs(handle: SftpHandle): Promise<StatVfs> {
    SftpClient.checkHandle(handle, 'fstatvfs');
    const m = (await this.extended('fstatvfs', ext.encodeOneString(handle.bytes), FXP.EXTENDED_REPLY, handle.path)) as Extract<SftpMessage, { type: typeof FXP.EXTENDED_REPLY }>;
    return this.replyOrFail(() => ext.decodeStatVfs(m.data));
  }

  async hardlink(oldPath: string, newPath: string): Promise<void> {
    SftpClient.checkPath(oldPath, 'hardlink');
    SftpClient.checkPath(newPath, 'hardlink');
    await this.extended('hardlink', ext.encodeTwoPaths(oldPath, newPath), FXP.STATUS, newPath);
  }

  async fsync(handle: SftpHandle): Promise<void> {
    SftpClient.checkHandle(handle, 'fsync', 'file');
    await this.extended('fsync', ext.encodeOneString(handle.bytes), FXP.STATUS, handle.path);
  }

  /** setstat without following a final symbolic link. */
  async lsetstat(path: string, attrs: Attrs): Promise<void> {
    SftpClient.checkPath(path, 'lsetstat');
    checkAttrs(attrs);
    await this.extended('lsetstat', ext.encodePathAttrs(path, attrs), FXP.STATUS, path);
  }

  /** The server's limits (limits@openssh.com), asked once and cached. Rejects if unsupported. */
  async limits(): Promise<SftpLimits> {
    const l = await this.cachedLimits();
    if (!l) throw new SftpError(`${EXTENSIONS.limits.name}: not supported by the server`, SftpStatus.OP_UNSUPPORTED);
    return l;
  }

  /** limits@openssh.com if the server has it, else undefined (never rejects for lack of support). */
  cachedLimits(): Promise<SftpLimits | undefined> {
    if (!this.limitsCache) {
      this.limitsCache = (async () => {
        if (!this.info) await this.ready;
        if (!this.supports('limits')) return undefined;
        const m = (await this.extended('limits', new Uint8Array(0), FXP.EXTENDED_REPLY)) as Extract<SftpMessage, { type: typeof FXP.EXTENDED_REPLY }>;
        return this.replyOrFail(() => ext.decodeLimits(m.data));
      })();
      this.limitsCache.catch(() => (this.limitsCache = undefined));
    }
    return this.limitsCache;
  }

  /** Canonicalises a path with "~" and "~user" expanded. */
  async expandPath(path: string): Promise<string> {
    SftpClient.checkPath(path, 'expand-path');
    return this.extendedName('expandPath', ext.encodeOneString(path), path);
  }

  /** A user's home directory ('' for the current user). */
  async homeDirectory(username = ''): Promise<string> {
    if (typeof username !== 'string') throw new TypeError('SFTP home-directory: username must be a string');
    return this.extendedName('homeDirectory', ext.encodeOneString(username), username);
  }

  /** Copies bytes between two open files on the server (readLength 0: to end of file). */
  async copyData(from: SftpHandle, readOffset: number, readLength: number, to: SftpHandle, writeOffset: number): Promise<void> {
    SftpClient.checkHandle(from, 'copy-data', 'file');
    SftpClient.checkHandle(to, 'copy-data', 'file');
    const data = ext.encodeCopyData({ readHandle: from.bytes, readOffset, readLength, writeHandle: to.bytes, writeOffset });
    await this.extended('copyData', data, FXP.STATUS, to.path);
  }

  /** Names of user and group ids ('' where the server knows none). */
  async usersGroupsById(uids: readonly number[], gids: readonly number[]): Promise<{ users: string[]; groups: string[] }> {
    const data = ext.encodeUsersGroupsRequest(uids, gids);
    const m = (await this.extended('usersGroupsById', data, FXP.EXTENDED_REPLY)) as Extract<SftpMessage, { type: typeof FXP.EXTENDED_REPLY }>;
    return this.replyOrFail(() => ext.decodeUsersGroupsReply(m.data, uids.length, gids.length));
  }

  private async extendedName(key: ExtensionKey, data: Uint8Array, path: string): Promise<string> {
    const m = (await this.extended(key, data, FXP.NAME, path)) as Extract<SftpMessage, { type: typeof FXP.NAME }>;
    if (m.names.length !== 1) throw new SftpError(`${EXTENSIONS[key].name} ${path}: server returned ${m.names.length} names, expected 1`, SftpStatus.BAD_MESSAGE, path);
    return m.names[0].filename;
  }

  /** A malformed extension reply fails that call (as BAD_MESSAGE), not the session. */
  private replyOrFail<T>(decode: () => T): T {
    try {
      return decode();
    } catch (e) {
      throw new SftpError((e as Error).message, SftpStatus.BAD_MESSAGE);
    }
  }

  // ---- transfers (transfer.ts, streams.ts) ---------------------------------------------------

  /** Downloads a file into a sink, many requests in flight (see getFile). */
  get(remotePath: string, sink: GetSink, options?: TransferOptions): Promise<TransferResult> {
    return getFile(this, remotePath, sink, options);
  }

  /** Uploads a source (or a source factory) to a file, atomically by default (see putFile). */
  put(source: PutSourceArg, remotePath: string, options?: PutOptions): Promise<TransferResult> {
    return putFile(this, source, remotePath, options);
  }

  /** A whole remote file in memory (pipelined like get). */
  async readFile(remotePath: string, options?: TransferOptions): Promise<Uint8Array> {
    const sink = new MemorySink();
    await getFile(this, remotePath, sink, options);
    return sink.data!;
  }

  /** Writes a whole remote file from memory (atomically, like put). */
  async writeFile(remotePath: string, data: Uint8Array | string, options?: PutOptions): Promise<void> {
    const bytes = typeof data === 'string' ? utf8.encode(data) : data;
    if (!(bytes instanceof Uint8Array)) throw new TypeError('SFTP writeFile: data must be a Uint8Array or a string');
    await putFile(this, () => memorySource(bytes), remotePath, options);
  }

  /** Downloads a directory tree into a LocalTree. */
  getDirectory(remoteDir: string, local: LocalTree, options?: TransferOptions): Promise<TreeResult> {
    return getDirectory(this, remoteDir, local, options);
  }

  /** Uploads a LocalTree into a remote directory. */
  putDirectory(local: LocalTree, remoteDir: string, options?: PutOptions): Promise<TreeResult> {
    return putDirectory(this, local, remoteDir, options);
  }

  /** A remote file as a ReadableStream, read with many requests in flight. */
  createReadStream(path: string, options?: ReadStreamOptions): ReadableStream<Uint8Array> {
    return createReadStream(this, path, options);
  }

  /** A WritableStream onto a remote file, written with many requests in flight. */
  createWriteStream(path: string, options?: WriteStreamOptions): WritableStream<Uint8Array> {
    return createWriteStream(this, path, options);
  }

  /** Sends an EXTENDED request this client has no method for; resolves with the reply message. */
  async extendedRaw(request: string, data: Uint8Array, expect: 'status' | 'reply' = 'reply'): Promise<Uint8Array | undefined> {
    if (typeof request !== 'string' || !(data instanceof Uint8Array)) throw new TypeError('SFTP extended: request must be a string and data a Uint8Array');
    const m = await this.request({ type: FXP.EXTENDED, request, data }, expect === 'status' ? FXP.STATUS : FXP.EXTENDED_REPLY, request);
    return expect === 'status' ? undefined : (m as Extract<SftpMessage, { type: typeof FXP.EXTENDED_REPLY }>).data;
  }
}

/** UTF-8 encodes a string (helper for sources built from text). */
export const encodeText = (s: string): Uint8Array => utf8.encode(s);
