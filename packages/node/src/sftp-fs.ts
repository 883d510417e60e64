// The SFTP server's Node file system backend, jailed to a root directory, and the Node fs sinks
// and sources get/put and the recursive transfers use locally (temporary name + rename on commit).
//
// The jail: client paths are virtual ('/' is the root directory); they are normalised with '..'
// clamped at '/', then resolved with realpath and checked to stay inside the root's real path, so
// neither '..', absolute paths nor symbolic links (planted locally or made by the client) lead out.
// A final component that is a link is resolved and checked too; creating through a dangling link
// fails (refused outright when it aims outside). Files are opened with O_NOFOLLOW on the resolved path, so a link swapped in at the
// last moment fails instead of being followed. Symlinks the client creates must point inside: an
// absolute target is stored relative to the link's directory (so it works in the jail and outside
// it), a relative one that climbs out is refused. What remains: a local process (or concurrent
// requests) swapping a *directory* for a link between the check and the use; OpenSSH avoids that
// only with a real chroot.
import { constants as C, promises as fsp, readSync, writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import type { Attrs, FileSystem, FsDirEntry, FsDirectory, FsFile, GetSink, LocalEntry, LocalTree, PutSource, StatVfs } from '@seashell/core';
import { OpenFlags, PARTIAL_SUFFIX, SftpError, SftpStatus, StatvfsFlags, normalizePath } from '@seashell/core';

export interface NodeFileSystemOptions {
  /** The directory served as '/'. */
  root: string;
  /** The client's home inside the jail (virtual, default '/'): where relative paths start. */
  home?: string;
  /** Refuse every change (PERMISSION_DENIED). */
  readOnly?: boolean;
  /** Answer users-groups-by-id@openssh.com from /etc/passwd and /etc/group (default true). */
  lookupNames?: boolean;
}

const ERRNO_TEXT: Record<string, [number, string]> = {
  ENOENT: [SftpStatus.NO_SUCH_FILE, 'No such file or directory'],
  ENOTDIR: [SftpStatus.NO_SUCH_FILE, 'Not a directory'],
  ELOOP: [SftpStatus.NO_SUCH_FILE, 'Too many levels of symbolic links'],
  EBADF: [SftpStatus.NO_SUCH_FILE, 'Bad file descriptor'],
  EACCES: [SftpStatus.PERMISSION_DENIED, 'Permission denied'],
  EPERM: [SftpStatus.PERMISSION_DENIED, 'Operation not permitted'],
  EROFS: [SftpStatus.PERMISSION_DENIED, 'Read-only file system'],
  EEXIST: [SftpStatus.FAILURE, 'File exists'],
  EISDIR: [SftpStatus.FAILURE, 'Is a directory'],
  ENOTEMPTY: [SftpStatus.FAILURE, 'Directory not empty'],
  ENOSPC: [SftpStatus.FAILURE, 'No space left on device'],
  EXDEV: [SftpStatus.FAILURE, 'Cross-device link'],
  EMLINK: [SftpStatus.FAILURE, 'Too many links'],
  EBUSY: [SftpStatus.FAILURE, 'Device or resource busy'],
  EINVAL: [SftpStatus.BAD_MESSAGE, 'Invalid argument'],
  ENAMETOOLONG: [SftpStatus.BAD_MESSAGE, 'File name too long'],
  ENOTSUP: [SftpStatus.OP_UNSUPPORTED, 'Operation not supported'],
  EOPNOTSUPP: [SftpStatus.OP_UNSUPPORTED, 'Operation not supported'],
  ENOSYS: [SftpStatus.OP_UNSUPPORTED, 'Function not implemented'],
};

/** An fs error as an SftpError naming the virtual path only (the real root never reaches the client). */
function wrap(e: unknown, vpath: string): Error {
  if ((e as Error)?.name === 'SftpError') return e as Error;
  const code = (e as { code?: unknown })?.code;
  const known = typeof code === 'string' ? ERRNO_TEXT[code] : undefined;
  if (known) return new SftpError(`${known[1]}: ${vpath}`, known[0], vpath);
  return new SftpError(`Failure: ${vpath}`, SftpStatus.FAILURE, vpath);
}

const denied = (vpath: string, why: string) => new SftpError(`${why}: ${vpath}`, SftpStatus.PERMISSION_DENIED, vpath);

function toAttrs(st: { size: number; uid: number; gid: number; mode: number; atimeMs: number; mtimeMs: number }): Attrs {
  return {
    size: st.size,
    uid: st.uid,
    gid: st.gid,
    permissions: st.mode,
    atime: Math.max(0, Math.min(0xffffffff, Math.floor(st.atimeMs / 1000))),
    mtime: Math.max(0, Math.min(0xffffffff, Math.floor(st.mtimeMs / 1000))),
  };
}

/** The SFTP FileSystem over node:fs, jailed to options.root. Build it with NodeFileSystem.create(). */
export class NodeFileSystem implements FileSystem {
  private names: Promise<{ users: Map<number, string>; groups: Map<number, string> }> | undefined;

  private constructor(
    /** The root's real path (links resolved). */
    readonly realRoot: string,
    private readonly home: string,
    private readonly options: NodeFileSystemOptions,
  ) {}

  static async create(options: NodeFileSystemOptions): Promise<NodeFileSystem> {
    if (!options || typeof options.root !== 'string' || options.root === '') throw new TypeError('NodeFileSystem: options.root must be a directory path');
    const realRoot = await fsp.realpath(path.resolve(options.root));
    const st = await fsp.stat(realRoot);
    if (!st.isDirectory()) throw new TypeError(`NodeFileSystem: root ${options.root} is not a directory`);
    return new NodeFileSystem(realRoot, normalizePath(options.home ?? '/'), options);
  }

  // ---- the jail ------------------------------------------------------------------------------

  private inside(real: string): boolean {
    return real === this.realRoot || real.startsWith(this.realRoot.endsWith(path.sep) ? this.realRoot : this.realRoot + path.sep);
  }

  /** Real path -> virtual path (for realpath and readlink replies). */
  private toVirtual(real: string): string {
    const rel = path.relative(this.realRoot, real);
    return rel === '' ? '/' : '/' + rel.split(path.sep).join('/');
  }

  private virtual(p: string): string {
    if (typeof p !== 'string') throw new SftpError('path must be a string', SftpStatus.BAD_MESSAGE);
    // On Windows a backslash is a separator to node:path, so "a\\..\\.." would climb after the
    // '..' clamping: refuse it there (elsewhere it is an ordinary file name character).
    if (path.sep === '\\' && p.includes('\\')) throw new SftpError('Backslashes are not allowed in paths here', SftpStatus.BAD_MESSAGE, p);
    return normalizePath(p, this.home);
  }

  /**
   * The real path for a virtual one: its directory resolved with realpath and checked to be in the
   * jail; with `follow`, a final symbolic link resolved and checked as well. A final component that
   * doesn't exist is returned as parent + name (for creation).
   */
  private async resolve(v: string, follow: boolean): Promise<string> {
    if (v === '/') return this.realRoot;
    const parentV = v.slice(0, v.lastIndexOf('/')) || '/';
    const name = v.slice(v.lastIndexOf('/') + 1);
    let parent: string;
    try {
      parent = await fsp.realpath(path.join(this.realRoot, parentV));
    } catch (e) {
      throw wrap(e, v);
    }
    if (!this.inside(parent)) throw denied(v, 'Path leads outside the served directory');
    const full = path.join(parent, name);
    if (!follow) return full;
    let st;
    try {
      st = await fsp.lstat(full);
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') return full;
      throw wrap(e, v);
    }
    if (!st.isSymbolicLink()) return full;
    let real: string;
    try {
      real = await fsp.realpath(full);
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENOENT') throw wrap(e, v);
      // A dangling link: refuse one aimed outside; one aimed inside is handed back as the link
      // itself, so reads fail with ENOENT and creation with ELOOP (O_NOFOLLOW), never elsewhere.
      const target = await fsp.readlink(full).catch((x) => Promise.reject(wrap(x, v)));
      if (!this.inside(path.resolve(parent, target))) throw denied(v, 'Symbolic link leads outside the served directory');
      return full;
    }
    if (!this.inside(real)) throw denied(v, 'Symbolic link leads outside the served directory');
    return real;
  }

  private writable(v: string): void {
    if (this.options.readOnly) throw denied(v, 'Read-only');
  }

  // ---- files ---------------------------------------------------------------------------------

  async open(p: string, flags: number, attrs: Attrs): Promise<FsFile> {
    const v = this.virtual(p);
    const write = (flags & OpenFlags.WRITE) !== 0;
    if (write || flags & (OpenFlags.CREAT | OpenFlags.TRUNC)) this.writable(v);
    const real = await this.resolve(v, true);
    let oflags = flags & OpenFlags.READ && write ? C.O_RDWR : write ? C.O_WRONLY : C.O_RDONLY;
    if (flags & OpenFlags.CREAT) oflags |= C.O_CREAT;
    if (flags & OpenFlags.TRUNC) oflags |= C.O_TRUNC;
    if (flags & OpenFlags.EXCL) oflags |= C.O_EXCL;
    if (flags & OpenFlags.APPEND) oflags |= C.O_APPEND;
    // O_NOFOLLOW: the resolved final component is not a link, so one swapped in now fails.
    // O_NONBLOCK: opening a FIFO must not hang the server (non-regular files are refused below).
    oflags |= C.O_NOFOLLOW | C.O_NONBLOCK;
    let fh: FileHandle;
    try {
      fh = await fsp.open(real, oflags, (attrs.permissions ?? 0o644) & 0o7777);
    } catch (e) {
      throw wrap(e, v);
    }
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw new SftpError(`${st.isDirectory() ? 'Is a directory' : 'Not a regular file'}: ${v}`, SftpStatus.FAILURE, v);
    } catch (e) {
      await fh.close().catch(() => {});
      throw wrap(e, v);
    }
    return this.fileHandle(fh, v, real, flags);
  }

  private fileHandle(fh: FileHandle, v: string, real: string, flags: number): FsFile {
    const readInto = async (offset: number, buf: Uint8Array): Promise<number> => {
      let got = 0;
      try {
        // a short read here is only the end of the file, or a file still being written
        while (got < buf.length) {
          const { bytesRead } = await fh.read(buf, got, buf.length - got, offset + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
      } catch (e) {
        throw wrap(e, v);
      }
      return got;
    };
    return {
      readInto,
      read: async (offset, length) => {
        const buf = new Uint8Array(length);
        const got = await readInto(offset, buf);
        return got === 0 ? null : got === length ? buf : buf.subarray(0, got);
      },
      write: async (offset, data) => {
        this.writable(v);
        try {
          let done = 0;
          while (done < data.length) {
            const { bytesWritten } = await fh.write(data, done, data.length - done, flags & OpenFlags.APPEND ? null : offset + done);
            done += bytesWritten;
          }
        } catch (e) {
          throw wrap(e, v);
        }
      },
      stat: async () => toAttrs(await fh.stat().catch((e) => Promise.reject(wrap(e, v)))),
      setstat: async (a) => {
        this.writable(v);
        try {
          if (a.size !== undefined) await fh.truncate(a.size);
          if (a.permissions !== undefined) await fh.chmod(a.permissions & 0o7777);
          if (a.uid !== undefined) await fh.chown(a.uid, a.gid!);
          if (a.atime !== undefined) await fh.utimes(a.atime, a.mtime!);
        } catch (e) {
          throw wrap(e, v);
        }
      },
      close: async () => {
        await fh.close().catch((e) => Promise.reject(wrap(e, v)));
      },
      sync: async () => {
        await fh.sync().catch((e) => Promise.reject(wrap(e, v)));
      },
      statvfs: () => this.statvfsReal(real, v),
    };
  }

  async opendir(p: string): Promise<FsDirectory> {
    const v = this.virtual(p);
    const real = await this.resolve(v, true);
    let dir: Awaited<ReturnType<typeof fsp.opendir>>;
    let self: Attrs;
    let parent: Attrs;
    try {
      dir = await fsp.opendir(real);
      self = toAttrs(await fsp.stat(real));
      parent = real === this.realRoot ? self : toAttrs(await fsp.stat(path.dirname(real)));
    } catch (e) {
      throw wrap(e, v);
    }
    let first = true;
    let done = false;
    return {
      read: async (): Promise<FsDirEntry[] | null> => {
        if (done) return null;
        const out: FsDirEntry[] = [];
        if (first) {
          first = false;
          out.push({ filename: '.', attrs: self }, { filename: '..', attrs: parent });
        }
        try {
          while (out.length < 100) {
            const d = await dir.read();
            if (d === null) {
              done = true;
              break;
            }
            // READDIR attributes come from lstat (as OpenSSH): a link is listed as a link
            const st = await fsp.lstat(path.join(real, d.name)).catch(() => undefined);
            out.push({ filename: d.name, attrs: st ? toAttrs(st) : {} });
          }
        } catch (e) {
          throw wrap(e, v);
        }
        return out.length === 0 ? null : out;
      },
      close: async () => {
        await dir.close().catch(() => {});
      },
    };
  }

  // ---- paths ---------------------------------------------------------------------------------

  async stat(p: string): Promise<Attrs> {
    const v = this.virtual(p);
    const real = await this.resolve(v, true);
    return toAttrs(await fsp.stat(real).catch((e) => Promise.reject(wrap(e, v))));
  }

  async lstat(p: string): Promise<Attrs> {
    const v = this.virtual(p);
    const real = await this.resolve(v, false);
    return toAttrs(await fsp.lstat(real).catch((e) => Promise.reject(wrap(e, v))));
  }

  async setstat(p: string, a: Attrs): Promise<void> {
    const v = this.virtual(p);
    this.writable(v);
    const real = await this.resolve(v, true);
    try {
      if (a.size !== undefined) await fsp.truncate(real, a.size);
      if (a.permissions !== undefined) await fsp.chmod(real, a.permissions & 0o7777);
      if (a.uid !== undefined) await fsp.chown(real, a.uid, a.gid!);
      if (a.atime !== undefined) await fsp.utimes(real, a.atime, a.mtime!);
    } catch (e) {
      throw wrap(e, v);
    }
  }

  async lsetstat(p: string, a: Attrs): Promise<void> {
    const v = this.virtual(p);
    this.writable(v);
    const real = await this.resolve(v, false);
    try {
      const link = (await fsp.lstat(real)).isSymbolicLink();
      if (link && (a.size !== undefined || a.permissions !== undefined)) throw new SftpError(`Cannot change the size or mode of a symbolic link: ${v}`, SftpStatus.OP_UNSUPPORTED, v);
      if (a.size !== undefined) await fsp.truncate(real, a.size);
      if (a.permissions !== undefined) await fsp.chmod(real, a.permissions & 0o7777);
      if (a.uid !== undefined) await fsp.lchown(real, a.uid, a.gid!);
      if (a.atime !== undefined) await fsp.lutimes(real, a.atime, a.mtime!);
    } catch (e) {
      throw wrap(e, v);
    }
  }

  async remove(p: string): Promise<void> {
    const v = this.virtual(p);
    this.writable(v);
    const real = await this.resolve(v, false);
    await fsp.unlink(real).catch((e) => Promise.reject(wrap(e, v)));
  }

  async mkdir(p: string, a: Attrs): Promise<void> {
    const v = this.virtual(p);
    this.writable(v);
    const real = await this.resolve(v, false);
    await fsp.mkdir(real, (a.permissions ?? 0o755) & 0o7777).catch((e) => Promise.reject(wrap(e, v)));
  }

  async rmdir(p: string): Promise<void> {
    const v = this.virtual(p);
    this.writable(v);
    if (v === '/') throw denied(v, 'Refusing to remove the served directory');
    const real = await this.resolve(v, false);
    await fsp.rmdir(real).catch((e) => Promise.reject(wrap(e, v)));
  }

  async realpath(p: string): Promise<string> {
    const v = this.virtual(p);
    return this.toVirtual(await this.resolve(v, true));
  }

  async rename(oldPath: string, newPath: string): Promise<void> {
    return this.move(oldPath, newPath, false);
  }

  async posixRename(oldPath: string, newPath: string): Promise<void> {
    return this.move(oldPath, newPath, true);
  }

  private async move(oldPath: string, newPath: string, replace: boolean): Promise<void> {
    const vo = this.virtual(oldPath);
    const vn = this.virtual(newPath);
    this.writable(vo);
    if (vo === '/' || vn === '/') throw denied(vo, 'Refusing to move the served directory');
    const from = await this.resolve(vo, false);
    const to = await this.resolve(vn, false);
    if (!replace) {
      // draft-02 RENAME must not replace: for files, link + unlink gives that atomically (as OpenSSH)
      const st = await fsp.lstat(from).catch((e) => Promise.reject(wrap(e, vo)));
      if (st.isFile()) {
        try {
          await fsp.link(from, to);
        } catch (e) {
          const code = (e as { code?: string }).code;
          if (code === 'EEXIST') throw wrap(e, vn);
          if (code !== 'EPERM' && code !== 'EXDEV' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw wrap(e, vn);
          // a file system without hard links: check, then rename
          if (await fsp.lstat(to).then(() => true, () => false)) throw new SftpError(`File exists: ${vn}`, SftpStatus.FAILURE, vn);
          return fsp.rename(from, to).catch((x) => Promise.reject(wrap(x, vo)));
        }
        await fsp.unlink(from).catch((e) => Promise.reject(wrap(e, vo)));
        return;
      }
      if (await fsp.lstat(to).then(() => true, () => false)) throw new SftpError(`File exists: ${vn}`, SftpStatus.FAILURE, vn);
    }
    await fsp.rename(from, to).catch((e) => Promise.reject(wrap(e, vo)));
  }

  async readlink(p: string): Promise<string> {
    const v = this.virtual(p);
    const real = await this.resolve(v, false);
    const target = await fsp.readlink(real).catch((e) => Promise.reject(wrap(e, v)));
    // an absolute target inside the jail is shown as its virtual path; anything else as written
    return path.isAbsolute(target) && this.inside(target) ? this.toVirtual(target) : target;
  }

  async symlink(targetPath: string, linkPath: string): Promise<void> {
    const vl = this.virtual(linkPath);
    this.writable(vl);
    if (typeof targetPath !== 'string' || targetPath.includes('\0') || targetPath === '') throw new SftpError('Invalid symbolic link target', SftpStatus.BAD_MESSAGE, vl);
    const linkDirV = vl.slice(0, vl.lastIndexOf('/')) || '/';
    let stored: string;
    if (targetPath.startsWith('/')) {
      // store absolute targets relative to the link, so they point at the same place in the jail
      const t = normalizePath(targetPath);
      stored = path.posix.relative(linkDirV, t) || '.';
    } else {
      // a relative target may not climb out of the jail from where the link sits
      let depth = linkDirV.split('/').filter(Boolean).length;
      for (const c of targetPath.split('/')) {
        if (c === '..') depth--;
        else if (c !== '' && c !== '.') depth++;
        if (depth < 0) throw denied(vl, 'Symbolic link target leads outside the served directory');
      }
      stored = targetPath;
    }
    const real = await this.resolve(vl, false);
    await fsp.symlink(stored, real).catch((e) => Promise.reject(wrap(e, vl)));
  }

  async hardlink(oldPath: string, newPath: string): Promise<void> {
    const vo = this.virtual(oldPath);
    const vn = this.virtual(newPath);
    this.writable(vn);
    const from = await this.resolve(vo, false);
    const to = await this.resolve(vn, false);
    const st = await fsp.lstat(from).catch((e) => Promise.reject(wrap(e, vo)));
    if (st.isSymbolicLink()) {
      // link(2) on a link copies the link: its target must be checked like any the client makes
      const real = await fsp.realpath(from).catch(() => undefined);
      if (real === undefined || !this.inside(real)) throw denied(vo, 'Symbolic link leads outside the served directory');
    }
    await fsp.link(from, to).catch((e) => Promise.reject(wrap(e, vn)));
  }

  async statvfs(p: string): Promise<StatVfs> {
    const v = this.virtual(p);
    return this.statvfsReal(await this.resolve(v, true), v);
  }

  private async statvfsReal(real: string, v: string): Promise<StatVfs> {
    const s = await fsp.statfs(real).catch((e) => Promise.reject(wrap(e, v)));
    return {
      bsize: s.bsize,
      frsize: s.bsize,
      blocks: s.blocks,
      bfree: s.bfree,
      bavail: s.bavail,
      files: s.files,
      ffree: s.ffree,
      favail: s.ffree,
      fsid: 0n,
      flag: this.options.readOnly ? StatvfsFlags.RDONLY : 0,
      namemax: 255,
    };
  }

  async homeDirectory(username: string): Promise<string> {
    if (username === '') return this.home;
    throw new SftpError(`No such user: ${username}`, SftpStatus.NO_SUCH_FILE, username);
  }

  async usersGroupsById(uids: number[], gids: number[]): Promise<{ users: string[]; groups: string[] }> {
    if (this.options.lookupNames === false) return { users: uids.map(() => ''), groups: gids.map(() => '') };
    this.names ??= (async () => ({ users: await readIdFile('/etc/passwd'), groups: await readIdFile('/etc/group') }))();
    const n = await this.names;
    return { users: uids.map((u) => n.users.get(u) ?? ''), groups: gids.map((g) => n.groups.get(g) ?? '') };
  }
}

/** name:x:id:... lines of /etc/passwd or /etc/group (read at most 1 MiB; unreadable -> none). */
async function readIdFile(file: string): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  let text: string;
  try {
    const fh = await fsp.open(file, 'r');
    try {
      const buf = new Uint8Array(1024 * 1024);
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      text = new TextDecoder().decode(buf.subarray(0, bytesRead));
    } finally {
      await fh.close();
    }
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    const id = Number(f[2]);
    if (f.length >= 3 && f[0] && Number.isInteger(id) && !out.has(id)) out.set(id, f[0]);
  }
  return out;
}

// ---- local sinks and sources for get/put ---------------------------------------------------------

/**
 * A get destination on disk: bytes go to "<file><suffix>" and that is renamed to <file> on commit,
 * so a cut never leaves a file that looks complete. resumeOffset/readBack read the partial.
 */
export class NodeFileSink implements GetSink {
  /** write() is done with each chunk when it resolves (the client reuses its buffer). */
  readonly transient = true;
  private fh: FileHandle | undefined;
  private pos = 0;
  readonly partialPath: string;

  constructor(
    readonly file: string,
    /** Permissions of the file created. */
    private readonly mode = 0o644,
    suffix = PARTIAL_SUFFIX,
    /**
     * Write with blocking calls instead of the thread pool (cheaper per chunk; right for a
     * command-line transfer, wrong for a server that must keep serving while the disk is slow).
     */
    private readonly sync = false,
  ) {
    this.partialPath = file + suffix;
  }

  async resumeOffset(): Promise<number> {
    return fsp.stat(this.partialPath).then((s) => s.size, () => 0);
  }

  async readBack(offset: number, length: number): Promise<Uint8Array> {
    const fh = await fsp.open(this.partialPath, 'r');
    try {
      const buf = new Uint8Array(length);
      const { bytesRead } = await fh.read(buf, 0, length, offset);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }

  async begin(offset: number): Promise<void> {
    this.fh = await fsp.open(this.partialPath, offset > 0 ? 'r+' : 'w', this.mode);
    if (offset > 0) await this.fh.truncate(offset);
    this.pos = offset;
  }

  async write(chunk: Uint8Array): Promise<void> {
    let done = 0;
    if (this.sync) {
      const fd = this.fh!.fd;
      while (done < chunk.length) {
        const n = writeSync(fd, chunk, done, chunk.length - done, this.pos);
        done += n;
        this.pos += n;
      }
      return;
    }
    while (done < chunk.length) {
      const { bytesWritten } = await this.fh!.write(chunk, done, chunk.length - done, this.pos);
      done += bytesWritten;
      this.pos += bytesWritten;
    }
  }

  async commit(): Promise<void> {
    const fh = this.fh!;
    this.fh = undefined;
    await fh.sync();
    await fh.close();
    await fsp.rename(this.partialPath, this.file);
  }

  async abort(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    await fh?.close().catch(() => {});
  }
}

/**
 * A put source reading a local file (or a FIFO / device, without a size) in order, with skip for
 * resume. Chunks the transfer releases (acknowledged by the server) are read into again, so an
 * upload reuses a few buffers instead of allocating one per request.
 */
export async function nodeFileSource(file: string, options: { sync?: boolean } = {}): Promise<PutSource> {
  const fh = await fsp.open(file, 'r');
  // blocking reads cost half as much CPU as thread-pool ones; only for regular files (a FIFO may block)
  const st = await fh.stat();
  let pos = 0;
  const free: ArrayBuffer[] = [];
  const lent = new WeakSet<ArrayBuffer>();
  const source: PutSource = {
    size: st.isFile() ? st.size : undefined,
    async read(max) {
      let ab = free.pop();
      while (ab && ab.byteLength < max) ab = free.pop();
      const buf = ab ? new Uint8Array(ab, 0, max) : new Uint8Array(max);
      const bytesRead = options.sync && st.isFile() ? readSync(fh.fd, buf, 0, max, pos) : (await fh.read(buf, 0, max, st.isFile() ? pos : null)).bytesRead;
      pos += bytesRead;
      if (bytesRead === 0) return null;
      lent.add(buf.buffer as ArrayBuffer);
      return buf.subarray(0, bytesRead);
    },
    release(chunk) {
      const ab = chunk.buffer as ArrayBuffer;
      if (!lent.has(ab)) return;
      lent.delete(ab);
      if (free.length < 128) free.push(ab);
    },
    async skip(n) {
      if (st.isFile()) pos += n;
      else await skipStream(source, n);
    },
    async close() {
      await fh.close().catch(() => {});
    },
  };
  return source;
}

async function skipStream(src: PutSource, n: number): Promise<void> {
  for (let left = n; left > 0; ) {
    const c = await src.read(Math.min(left, 1 << 20));
    if (!c) throw new Error('source ended while skipping');
    left -= c.length;
  }
}

/** A LocalTree on disk under a directory, for getDirectory / putDirectory. */
export class NodeLocalTree implements LocalTree {
  constructor(readonly dir: string) {}

  private at(rel: string): string {
    const p = path.resolve(this.dir, ...rel.split('/'));
    const base = path.resolve(this.dir);
    if (p !== base && !p.startsWith(base + path.sep)) throw new Error(`NodeLocalTree: ${rel} leads outside ${this.dir}`);
    return p;
  }

  async mkdir(rel: string): Promise<void> {
    await fsp.mkdir(this.at(rel), { recursive: true });
  }

  sink(rel: string, attrs: Attrs): GetSink {
    return new NodeFileSink(this.at(rel), (attrs.permissions ?? 0o644) & 0o777);
  }

  async list(rel: string): Promise<LocalEntry[]> {
    const entries = await fsp.readdir(this.at(rel), { withFileTypes: true });
    return entries.map((e) => ({ name: e.name, type: e.isFile() ? 'file' : e.isDirectory() ? 'directory' : 'other' }));
  }

  source(rel: string): Promise<PutSource> {
    return nodeFileSource(this.at(rel));
  }
}
