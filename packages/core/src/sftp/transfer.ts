// Whole-file and whole-tree SFTP transfers: get (remote -> sink) and put (source -> remote) with
// many requests in flight (pipeline.ts), progress, AbortSignal, atomic completion and resume.
//
// Atomicity: put writes to "<dest><partialSuffix>" and renames it over <dest> only when every byte
// is acknowledged (posix-rename@openssh.com when offered, else remove + rename), so a cut never
// leaves a destination that looks complete. get relies on its sink for the same (the Node sink
// writes "<dest>.seashell-part" and renames on commit; MemorySink only exposes data once committed).
//
// Resume checks the part already there before trusting it: it compares the bytes of a window just
// before the resume point (default the last 1 MiB; verify: 'full' compares the whole prefix) with
// the source, byte for byte (both sides are at hand, so no hash is needed). A mismatch restarts
// from zero (or throws, with onResumeMismatch: 'error'). A put partial may have holes near its end
// (the server may finish WRITEs out of order before a cut), so put resume first rolls back
// PUT_WINDOW bytes: the writer never has more than that between its lowest unacknowledged byte and
// its next, so everything below (size - PUT_WINDOW) is known to be written.
import { SftpError } from '../wire/index.ts';
import { type Attrs, isDirectory, isRegularFile } from './attrs.ts';
import type { SftpClient, SftpHandle } from './client.ts';
import { SFTP_LIMITS, SftpStatus } from './constants.ts';
import { WritePipeline, abortReason, chooseChunkSize, readPipelined } from './pipeline.ts';

/** The most bytes between the writer's lowest unacknowledged offset and its next (and the resume rollback). */
export const PUT_WINDOW = 32 * 1024 * 1024;
/** Default window compared before resuming. */
export const RESUME_VERIFY_BYTES = 1024 * 1024;
/** Suffix of a put's temporary remote file (and of the Node sink's local one). */
export const PARTIAL_SUFFIX = '.seashell-part';

export interface TransferProgress {
  /** Bytes in the destination so far (including a resumed prefix). */
  transferred: number;
  /** Total bytes, when known. */
  total?: number;
  /** For directory transfers: the file being moved (relative path). */
  path?: string;
}

export interface TransferOptions {
  /** Requests in flight (default 64). */
  concurrency?: number;
  /** Bytes per request (default: limits@openssh.com's, at most 255 KiB; else 32 KiB). */
  chunkSize?: number;
  signal?: AbortSignal;
  onProgress?: (p: TransferProgress) => void;
  /** Continue a partial destination after checking it (see the file comment). */
  resume?: boolean;
  /** How resume checks the part already there: 'tail' (default) or 'full'. */
  verify?: 'tail' | 'full';
  /** Bytes compared by verify: 'tail' (default 1 MiB). */
  verifyBytes?: number;
  /** What a failed check does: start over (default) or throw. */
  onResumeMismatch?: 'restart' | 'error';
}

export interface PutOptions extends TransferOptions {
  /** Write under a temporary name and rename at the end (default true). */
  atomic?: boolean;
  /** Suffix of the temporary name (default ".seashell-part"). */
  partialSuffix?: string;
  /** Permissions of the created file (default 0o644). */
  mode?: number;
  /** fsync@openssh.com before the rename, when offered (default false). */
  fsync?: boolean;
}

export interface TransferResult {
  /** Bytes now in the destination. */
  bytes: number;
  /** Where this run started (non-zero when resumed). */
  resumedFrom: number;
  /** True when a partial destination was found but failed the check and was started over. */
  resumeRejected: boolean;
}

/** A destination for get. Bytes arrive strictly in order, starting at begin()'s offset. */
export interface GetSink {
  /**
   * True when write() keeps no reference to its chunk once its promise settles (it copies or has
   * finished with it): the chunk's buffer is then reused for a later reply (SftpClient.recycle).
   */
  readonly transient?: boolean;
  /** Resume: bytes already there from an earlier attempt (0 or absent: none). */
  resumeOffset?(): Promise<number> | number;
  /** Resume: reads back part of what is already there, for the check. */
  readBack?(offset: number, length: number): Promise<Uint8Array> | Uint8Array;
  /** Before the first write: writing starts at `offset` (0, or the resume point: drop anything past it). */
  begin?(offset: number, total?: number): Promise<void> | void;
  write(chunk: Uint8Array): Promise<void> | void;
  /** Every byte is written: make the destination final (rename a temporary file, ...). */
  commit?(): Promise<void> | void;
  /** The transfer failed: keep the partial for resume, never as the final name. */
  abort?(reason: unknown): Promise<void> | void;
}

/** A source for put, read in order. */
export interface PutSource {
  /** Total bytes, when known (for progress and resume sanity checks). */
  size?: number;
  /**
   * Up to maxLength next bytes (fewer is fine); null at the end. The chunk is sent without being
   * copied: it must not change until put() settles.
   */
  read(maxLength: number): Promise<Uint8Array | null> | Uint8Array | null;
  /** Skips n bytes (default: read and discard). */
  skip?(n: number): Promise<void> | void;
  /** Optional: a chunk read() returned has been written and acknowledged; its buffer may be reused. */
  release?(chunk: Uint8Array): void;
  close?(): Promise<void> | void;
}

function concurrencyOf(o: TransferOptions): number {
  const c = o.concurrency ?? SFTP_LIMITS.DEFAULT_CONCURRENCY;
  if (!Number.isInteger(c) || c < 1 || c > 1024) throw new RangeError(`SFTP transfer: concurrency must be an integer in [1, 1024], got ${o.concurrency}`);
  return c;
}

function verifyWindow(o: TransferOptions, have: number): number {
  if (o.verify === 'full') return have;
  const n = o.verifyBytes ?? RESUME_VERIFY_BYTES;
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`SFTP transfer: verifyBytes must be a non-negative integer, got ${o.verifyBytes}`);
  return Math.min(have, n);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function mismatch(o: TransferOptions, what: string): void {
  if (o.onResumeMismatch === 'error') throw new SftpError(`resume: ${what}`, SftpStatus.FAILURE);
}

async function closeQuietly(client: SftpClient, h: SftpHandle): Promise<void> {
  if (client.closed) return;
  await client.close(h).catch(() => {});
}

/** Reads `n` bytes from a sequential source, exactly (fewer only at its end). */
async function readExactly(source: PutSource, n: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let got = 0;
  while (got < n) {
    const c = await source.read(n - got);
    if (c === null || c.length === 0) break;
    const piece = c.length > n - got ? c.subarray(0, n - got) : c;
    parts.push(piece);
    got += piece.length;
  }
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(got);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

async function skipSource(source: PutSource, n: number): Promise<void> {
  if (n <= 0) return;
  if (source.skip) return source.skip(n);
  let left = n;
  while (left > 0) {
    const c = await source.read(Math.min(left, 1024 * 1024));
    if (c === null || c.length === 0) throw new SftpError('resume: the source ended before the part already uploaded', SftpStatus.FAILURE);
    left -= Math.min(c.length, left);
  }
}

// ---- get -------------------------------------------------------------------------------------

/** Downloads a remote file into a sink with many READs in flight. */
export async function getFile(client: SftpClient, remotePath: string, sink: GetSink, options: TransferOptions = {}): Promise<TransferResult> {
  if (typeof remotePath !== 'string') throw new TypeError('SFTP get: remotePath must be a string');
  if (!sink || typeof sink.write !== 'function') throw new TypeError('SFTP get: sink must have a write(chunk) method');
  const concurrency = concurrencyOf(options);
  const signal = options.signal;
  if (signal?.aborted) throw abortReason(signal);
  let handle: SftpHandle | undefined;
  let begun = false;
  try {
    await client.ready;
    const chunkSize = await chooseChunkSize(client, 'read', options.chunkSize);
    handle = await client.open(remotePath, 'r');
    const attrs = await client.fstat(handle);
    const total = attrs.size !== undefined && isRegularFile(attrs) ? attrs.size : attrs.permissions === undefined ? attrs.size : undefined;
    let start = 0;
    let resumeRejected = false;
    if (options.resume && sink.resumeOffset) {
      const have = await sink.resumeOffset();
      if (have > 0) {
        if (total !== undefined && have > total) {
          mismatch(options, `the local part (${have} bytes) is longer than ${remotePath} (${total} bytes)`);
          resumeRejected = true;
        } else if (!sink.readBack) {
          throw new TypeError('SFTP get: resume needs a sink with readBack()');
        } else {
          const from = have - verifyWindow(options, have);
          let same = true;
          const reached = await readPipelined(client, handle, { start: from, end: have, chunkSize, concurrency, signal, recycle: true }, async (data, off) => {
            if (!same) return;
            const local = await sink.readBack!(off, data.length);
            if (!equalBytes(local, data)) same = false;
          });
          if (reached < have) same = false;
          if (same) start = have;
          else {
            mismatch(options, `the local part differs from ${remotePath}`);
            resumeRejected = true;
          }
        }
      }
    }
    await sink.begin?.(start, total);
    begun = true;
    let transferred = start;
    options.onProgress?.({ transferred, total });
    const end = await readPipelined(client, handle, { start, sizeHint: total, chunkSize, concurrency, signal, recycle: sink.transient === true }, async (data) => {
      await sink.write(data);
      transferred += data.length;
      options.onProgress?.({ transferred, total });
    });
    const h = handle;
    handle = undefined;
    await client.close(h);
    await sink.commit?.();
    return { bytes: end, resumedFrom: start, resumeRejected };
  } catch (e) {
    if (handle) await closeQuietly(client, handle);
    if (begun || sink.abort) await Promise.resolve(sink.abort?.(e)).catch(() => {});
    throw e;
  }
}

// ---- put -------------------------------------------------------------------------------------

async function replace(client: SftpClient, from: string, to: string): Promise<void> {
  if (client.supports('posixRename')) return client.posixRename(from, to);
  try {
    await client.rename(from, to);
  } catch (e) {
    // draft-02 RENAME refuses an existing target: remove it and try once more
    if (!(e instanceof SftpError) || e.code === SftpStatus.NO_SUCH_FILE) throw e;
    await client.remove(to).catch(() => {});
    await client.rename(from, to);
  }
}

/** A source, or a function that opens a fresh one (lets a resume whose check fails start over). */
export type PutSourceArg = PutSource | (() => PutSource | Promise<PutSource>);

/** A source with one chunk of push-back, so a resume check can hand back what it read past the resume point. */
class Rewindable implements PutSource {
  private back: Uint8Array | undefined;
  /** Chunks served from the push-back: pieces of one buffer, never released (another piece may be in use). */
  private readonly fromBack = new WeakSet<Uint8Array>();
  constructor(readonly inner: PutSource) {}
  get size(): number | undefined {
    return this.inner.size;
  }
  unread(b: Uint8Array): void {
    if (b.length > 0) this.back = b;
  }
  async read(n: number): Promise<Uint8Array | null> {
    if (this.back) {
      const b = this.back;
      const piece = b.length <= n ? b : b.subarray(0, n);
      this.back = b.length <= n ? undefined : b.subarray(n);
      this.fromBack.add(piece);
      return piece;
    }
    return this.inner.read(n);
  }
  async skip(n: number): Promise<void> {
    return skipSource(this.inner, n);
  }
  release(chunk: Uint8Array): void {
    if (!this.fromBack.has(chunk)) this.inner.release?.(chunk);
  }
  async close(): Promise<void> {
    await this.inner.close?.();
  }
}

/**
 * Uploads a source to a remote file with many WRITEs in flight, atomically by default. With
 * resume, the remote partial is compared with the source over its last PUT_WINDOW bytes (plus the
 * verify window before them; everything with 'full'), and the upload continues from the first byte
 * that differs. A difference before that region means another file: start over (needs a source
 * factory, since the check consumed the source) or throw.
 */
export async function putFile(client: SftpClient, sourceArg: PutSourceArg, remotePath: string, options: PutOptions = {}): Promise<TransferResult> {
  if (typeof remotePath !== 'string') throw new TypeError('SFTP put: remotePath must be a string');
  const open = async (): Promise<PutSource> => {
    const s = typeof sourceArg === 'function' ? await sourceArg() : sourceArg;
    if (!s || typeof s.read !== 'function') throw new TypeError('SFTP put: source must have a read(maxLength) method');
    return s;
  };
  const concurrency = concurrencyOf(options);
  const signal = options.signal;
  if (signal?.aborted) throw abortReason(signal);
  const atomic = options.atomic ?? true;
  const suffix = options.partialSuffix ?? PARTIAL_SUFFIX;
  if (atomic && (typeof suffix !== 'string' || suffix.length === 0 || suffix.includes('/'))) throw new RangeError('SFTP put: partialSuffix must be a non-empty name suffix without "/"');
  const target = atomic ? remotePath + suffix : remotePath;
  const mode = options.mode ?? 0o644;
  let source = new Rewindable(await open());
  try {
    await client.ready;
    const chunkSize = await chooseChunkSize(client, 'write', options.chunkSize);
    const window = Math.max(chunkSize, Math.min(PUT_WINDOW, concurrency * chunkSize));
    const total = source.size;
    let start = 0;
    let resumeRejected = false;
    if (options.resume) {
      const have = await client.stat(target).then(
        (a) => a.size ?? 0,
        (e) => {
          if (e instanceof SftpError && e.code === SftpStatus.NO_SUCH_FILE) return 0;
          throw e;
        },
      );
      const trusted = Math.max(0, have - PUT_WINDOW); // below this every byte was acknowledged
      if (total !== undefined && have > total) {
        mismatch(options, `the remote part (${have} bytes) is longer than the source (${total} bytes)`);
        resumeRejected = true;
      } else if (have > 0) {
        const from = trusted - verifyWindow(options, trusted);
        await source.skip(from);
        const readChunk = await chooseChunkSize(client, 'read', options.chunkSize);
        const check = await client.open(target, 'r');
        let firstDiff = -1;
        let reached = from;
        try {
          reached = await readPipelined(client, check, { start: from, end: have, chunkSize: readChunk, concurrency, signal, recycle: true }, async (data, off) => {
            if (firstDiff >= 0) return;
            const local = await readExactly(source, data.length);
            let i = 0;
            while (i < local.length && local[i] === data[i]) i++;
            if (i < data.length) {
              firstDiff = off + i;
              source.unread(local.subarray(i));
            }
          });
        } finally {
          await closeQuietly(client, check);
        }
        const matched = firstDiff >= 0 ? firstDiff : Math.min(reached, have);
        if (matched >= trusted) start = matched;
        else {
          mismatch(options, 'the remote part differs from the source');
          resumeRejected = true;
          if (typeof sourceArg !== 'function') throw new SftpError('resume: the remote part differs from the source, and a plain source cannot be read again; pass a source factory or put without resume', SftpStatus.FAILURE, remotePath);
          await Promise.resolve(source.close()).catch(() => {});
          source = new Rewindable(await open());
        }
      }
    }
    return await putFrom(client, source, remotePath, target, start, resumeRejected, chunkSize, concurrency, window, mode, total, options);
  } finally {
    await Promise.resolve(source.close()).catch(() => {});
  }
}

async function putFrom(
  client: SftpClient,
  source: PutSource,
  remotePath: string,
  target: string,
  start: number,
  resumeRejected: boolean,
  chunkSize: number,
  concurrency: number,
  window: number,
  mode: number,
  total: number | undefined,
  options: PutOptions,
): Promise<TransferResult> {
  const signal = options.signal;
  const handle = await client.open(target, start > 0 ? 'r+' : 'w', { permissions: mode });
  let closed = false;
  try {
    if (start > 0) await client.fsetstat(handle, { size: start });
    const writer = new WritePipeline(client, handle, start, concurrency, window, signal, true);
    let acked = start;
    options.onProgress?.({ transferred: acked, total });
    const onAck = (n: number) => {
      acked += n;
      options.onProgress?.({ transferred: acked, total });
    };
    for (;;) {
      if (signal?.aborted) throw abortReason(signal);
      const data = await source.read(chunkSize);
      if (data === null || data.length === 0) break;
      if (data.length <= chunkSize) {
        await writer.write(data, onAck, () => source.release?.(data));
        continue;
      }
      for (let o = 0; o < data.length; o += chunkSize) await writer.write(data.subarray(o, Math.min(data.length, o + chunkSize)), onAck);
    }
    await writer.flush();
    if (options.fsync && client.supports('fsync')) await client.fsync(handle);
    closed = true;
    await client.close(handle);
    if (target !== remotePath) await replace(client, target, remotePath);
    return { bytes: writer.offset, resumedFrom: start, resumeRejected };
  } catch (e) {
    if (!closed) await closeQuietly(client, handle);
    throw e;
  }
}

// ---- directory trees ---------------------------------------------------------------------------

/** The local side of a recursive transfer (implemented by adapters: Node fs, browser memory, ...). */
export interface LocalTree {
  /** get: creates a directory (relative path, '' is the root) if missing. */
  mkdir?(relPath: string): Promise<void> | void;
  /** get: a sink for a file (relative path). */
  sink?(relPath: string, attrs: Attrs): GetSink;
  /** put: the entries of a directory (relative path, '' is the root). */
  list?(relPath: string): Promise<LocalEntry[]> | LocalEntry[];
  /** put: a source for a file (relative path). */
  source?(relPath: string): Promise<PutSource> | PutSource;
}

export interface LocalEntry {
  name: string;
  type: 'file' | 'directory' | 'other';
}

export interface TreeResult {
  files: number;
  directories: number;
  bytes: number;
  /** Relative paths skipped: symbolic links, special files, names that aren't safe. */
  skipped: string[];
}

/** A name from a directory listing that can be joined to a path without leaving it. */
export function safeName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\\') && !name.includes('\0');
}

const join = (dir: string, name: string): string => (dir === '' ? name : `${dir}/${name}`);
const remoteJoin = (dir: string, rel: string): string => (rel === '' ? dir : dir === '/' ? `/${rel}` : `${dir.replace(/\/+$/, '')}/${rel}`);

/**
 * Downloads a remote directory tree. Regular files and directories are copied; symbolic links and
 * special files are skipped (listed in the result), as are names a hostile server could use to
 * climb out of the target ('..', names with '/'). Depth is bounded by MAX_TREE_DEPTH.
 */
export async function getDirectory(client: SftpClient, remoteDir: string, local: LocalTree, options: TransferOptions = {}): Promise<TreeResult> {
  if (!local.mkdir || !local.sink) throw new TypeError('SFTP getDirectory: the local tree needs mkdir() and sink()');
  const result: TreeResult = { files: 0, directories: 0, bytes: 0, skipped: [] };
  const root = await client.stat(remoteDir);
  if (!isDirectory(root)) throw new SftpError(`getDirectory: ${remoteDir} is not a directory`, SftpStatus.FAILURE, remoteDir);
  let done = 0;
  const walk = async (rel: string, depth: number): Promise<void> => {
    if (depth > SFTP_LIMITS.MAX_TREE_DEPTH) throw new SftpError(`getDirectory: deeper than ${SFTP_LIMITS.MAX_TREE_DEPTH} levels at ${rel}`, SftpStatus.FAILURE);
    if (options.signal?.aborted) throw abortReason(options.signal);
    await local.mkdir!(rel);
    result.directories++;
    const entries = await client.readdirAll(remoteJoin(remoteDir, rel));
    entries.sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
    for (const e of entries) {
      const childRel = join(rel, e.filename);
      if (!safeName(e.filename)) {
        result.skipped.push(join(rel, JSON.stringify(e.filename)));
        continue;
      }
      // READDIR attrs come from lstat on OpenSSH; ask when a server left permissions out
      const attrs = e.attrs.permissions === undefined ? await client.lstat(remoteJoin(remoteDir, childRel)) : e.attrs;
      if (isDirectory(attrs)) await walk(childRel, depth + 1);
      else if (isRegularFile(attrs)) {
        const base = done;
        const r = await getFile(client, remoteJoin(remoteDir, childRel), local.sink!(childRel, attrs), {
          ...options,
          onProgress: options.onProgress && ((p) => options.onProgress!({ transferred: base + p.transferred, path: childRel })),
        });
        done += r.bytes;
        result.files++;
        result.bytes += r.bytes;
      } else result.skipped.push(childRel);
    }
  };
  await walk('', 0);
  return result;
}

/** Uploads a local directory tree (files and directories; anything else skipped). */
export async function putDirectory(client: SftpClient, local: LocalTree, remoteDir: string, options: PutOptions = {}): Promise<TreeResult> {
  if (!local.list || !local.source) throw new TypeError('SFTP putDirectory: the local tree needs list() and source()');
  const result: TreeResult = { files: 0, directories: 0, bytes: 0, skipped: [] };
  let done = 0;
  const ensureDir = async (path: string): Promise<void> => {
    try {
      await client.mkdir(path);
    } catch (e) {
      const a = await client.stat(path).catch(() => undefined);
      if (!a || !isDirectory(a)) throw e;
    }
  };
  const walk = async (rel: string, depth: number): Promise<void> => {
    if (depth > SFTP_LIMITS.MAX_TREE_DEPTH) throw new SftpError(`putDirectory: deeper than ${SFTP_LIMITS.MAX_TREE_DEPTH} levels at ${rel}`, SftpStatus.FAILURE);
    if (options.signal?.aborted) throw abortReason(options.signal);
    await ensureDir(remoteJoin(remoteDir, rel));
    result.directories++;
    const entries = [...(await local.list!(rel))].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const childRel = join(rel, e.name);
      if (!safeName(e.name)) {
        result.skipped.push(join(rel, JSON.stringify(e.name)));
        continue;
      }
      if (e.type === 'directory') await walk(childRel, depth + 1);
      else if (e.type === 'file') {
        const base = done;
        const r = await putFile(client, await local.source!(childRel), remoteJoin(remoteDir, childRel), {
          ...options,
          onProgress: options.onProgress && ((p) => options.onProgress!({ transferred: base + p.transferred, path: childRel })),
        });
        done += r.bytes;
        result.files++;
        result.bytes += r.bytes;
      } else result.skipped.push(childRel);
    }
  };
  await walk('', 0);
  return result;
}
