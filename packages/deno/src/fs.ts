// The SFTP server's Deno file system backend (the FileSystem of packages/core/src/sftp/
// filesystem.ts on Deno's fs APIs), jailed to a root directory like @seashell/node's.
//
// The jail: client paths are virtual ('/' is the root); they are normalised with '..' clamped at
// '/', the parent directory is resolved with realPath and must stay inside the root's real path,
// and a final symbolic link is resolved and checked too, so neither '..', absolute paths nor links
// lead out. Links the client creates must point inside. What remains: Deno.open has no
// O_NOFOLLOW, so a local process swapping a component for a link between check and open is not
// stopped (OpenSSH avoids that only with a real chroot). Deno.FsFile has no positional I/O, so each
// open file serialises its seek+read / seek+write pairs.
import type { Attrs, FileSystem, FsDirEntry, FsDirectory, FsFile } from '@seashell/core';
import { OpenFlags, SftpError, SftpStatus, normalizePath } from '@seashell/core';

export interface DenoFileSystemOptions {
  /** The directory served as '/'. */
  root: string;
  /** The client's home inside the jail (virtual, default '/'): where relative paths start. */
  home?: string;
  /** Refuse every change (PERMISSION_DENIED). */
  readOnly?: boolean;
}

/** Deno error classes -> SFTP status and the text sent (naming only the virtual path). */
function wrap(e: unknown, v: string): Error {
  if ((e as Error)?.name === 'SftpError') return e as Error;
  const E = Deno.errors;
  const pick: Array<[unknown, number, string]> = [
    [E.NotFound, SftpStatus.NO_SUCH_FILE, 'No such file or directory'],
    [E.PermissionDenied, SftpStatus.PERMISSION_DENIED, 'Permission denied'],
    [E.NotCapable, SftpStatus.PERMISSION_DENIED, 'Not allowed by Deno permissions'],
    [E.AlreadyExists, SftpStatus.FAILURE, 'File exists'],
    [E.IsADirectory, SftpStatus.FAILURE, 'Is a directory'],
    [E.NotADirectory, SftpStatus.NO_SUCH_FILE, 'Not a directory'],
    [E.FilesystemLoop, SftpStatus.NO_SUCH_FILE, 'Too many levels of symbolic links'],
    [E.InvalidData, SftpStatus.BAD_MESSAGE, 'Invalid argument'],
    [E.NotSupported, SftpStatus.OP_UNSUPPORTED, 'Operation not supported'],
  ];
  for (const [cls, code, text] of pick) if (cls && e instanceof (cls as new () => Error)) return new SftpError(`${text}: ${v}`, code, v);
  const code = (e as { code?: unknown })?.code;
  if (code === 'ENOTEMPTY') return new SftpError(`Directory not empty: ${v}`, SftpStatus.FAILURE, v);
  return new SftpError(`Failure: ${v}`, SftpStatus.FAILURE, v);
}

const denied = (v: string, why: string) => new SftpError(`${why}: ${v}`, SftpStatus.PERMISSION_DENIED, v);
const secs = (d: Date | null) => Math.max(0, Math.min(0xffffffff, Math.floor((d?.getTime() ?? 0) / 1000)));

function toAttrs(st: Deno.FileInfo): Attrs {
  // Windows has no mode: synthesise the file type bits at least.
  const mode = st.mode ?? (st.isDirectory ? 0o040755 : st.isSymlink ? 0o120777 : 0o100644);
  return { size: st.size, uid: st.uid ?? 0, gid: st.gid ?? 0, permissions: mode, atime: secs(st.atime), mtime: secs(st.mtime) };
}

/** The SFTP FileSystem over Deno's fs, jailed to options.root. Build it with DenoFileSystem.create(). */
export class DenoFileSystem implements FileSystem {
  private constructor(
    readonly realRoot: string,
    private readonly home: string,
    private readonly options: DenoFileSystemOptions,
  ) {}

  static async create(options: DenoFileSystemOptions): Promise<DenoFileSystem> {
    if (!options || typeof options.root !== 'string' || options.root === '') throw new TypeError('DenoFileSystem: options.root must be a directory path');
    const realRoot = await Deno.realPath(options.root);
    if (!(await Deno.stat(realRoot)).isDirectory) throw new TypeError(`DenoFileSystem: root ${options.root} is not a directory`);
    return new DenoFileSystem(realRoot.replace(/\/+$/, '') || '/', normalizePath(options.home ?? '/'), options);
  }

  private inside(real: string): boolean {
    return real === this.realRoot || real.startsWith(this.realRoot === '/' ? '/' : this.realRoot + '/');
  }

  private toVirtual(real: string): string {
    return real === this.realRoot ? '/' : real.slice(this.realRoot === '/' ? 0 : this.realRoot.length);
  }

  private virtual(p: string): string {
    if (typeof p !== 'string') throw new SftpError('path must be a string', SftpStatus.BAD_MESSAGE);
    return normalizePath(p, this.home);
  }

  private writable(v: string): void {
    if (this.options.readOnly) throw denied(v, 'Read-only');
  }

  /** The real path for a virtual one (parent resolved and checked; a final link too with `follow`). */
  private async resolve(v: string, follow: boolean): Promise<string> {
    if (v === '/') return this.realRoot;
    const parentV = v.slice(0, v.lastIndexOf('/')) || '/';
    const name = v.slice(v.lastIndexOf('/') + 1);
    let parent: string;
    try {
      parent = await Deno.realPath(this.realRoot + parentV);
    } catch (e) {
      throw wrap(e, v);
    }
    if (!this.inside(parent)) throw denied(v, 'Path leads outside the served directory');
    const full = `${parent === '/' ? '' : parent}/${name}`;
    if (!follow) return full;
    let st: Deno.FileInfo;
    try {
      st = await Deno.lstat(full);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return full;
      throw wrap(e, v);
    }
    if (!st.isSymlink) return full;
    let real: string;
    try {
      real = await Deno.realPath(full);
    } catch {
      throw new SftpError(`No such file or directory: ${v}`, SftpStatus.NO_SUCH_FILE, v);
    }
    if (!this.inside(real)) throw denied(v, 'Symbolic link leads outside the served directory');
    return real;
  }

  async open(p: string, flags: number, attrs: Attrs): Promise<FsFile> {
    const v = this.virtual(p);
    const write = (flags & OpenFlags.WRITE) !== 0;
    if (write || flags & (OpenFlags.CREAT | OpenFlags.TRUNC)) this.writable(v);
    const real = await this.resolve(v, true);
    let file: Deno.FsFile;
    try {
      file = await Deno.open(real, {
        read: (flags & OpenFlags.READ) !== 0 || !write,
        write: write && !(flags & OpenFlags.APPEND),
        append: (flags & OpenFlags.APPEND) !== 0,
        create: (flags & OpenFlags.CREAT) !== 0 && !(flags & OpenFlags.EXCL),
        createNew: (flags & OpenFlags.CREAT) !== 0 && (flags & OpenFlags.EXCL) !== 0,
        truncate: (flags & OpenFlags.TRUNC) !== 0,
        mode: (attrs.permissions ?? 0o644) & 0o7777,
      });
    } catch (e) {
      throw wrap(e, v);
    }
    try {
      const st = await file.stat();
      if (!st.isFile) throw new SftpError(`${st.isDirectory ? 'Is a directory' : 'Not a regular file'}: ${v}`, SftpStatus.FAILURE, v);
    } catch (e) {
      file.close();
      throw wrap(e, v);
    }
    return this.fileHandle(file, v, real, flags);
  }

  private fileHandle(file: Deno.FsFile, v: string, real: string, flags: number): FsFile {
    // seek+read and seek+write must not interleave: one operation at a time per handle.
    let chain: Promise<unknown> = Promise.resolve();
    const serial = <T>(f: () => Promise<T>): Promise<T> => {
      const r = chain.then(f, f);
      chain = r.catch(() => {});
      return r;
    };
    const append = (flags & OpenFlags.APPEND) !== 0;
    let closed = false;
    const readInto = (offset: number, into: Uint8Array) =>
      serial(async () => {
        try {
          await file.seek(offset, Deno.SeekMode.Start);
          let got = 0;
          while (got < into.length) {
            const n = await file.read(into.subarray(got));
            if (n === null || n === 0) break;
            got += n;
          }
          return got;
        } catch (e) {
          throw wrap(e, v);
        }
      });
    return {
      readInto,
      read: async (offset, length) => {
        const buf = new Uint8Array(length);
        const n = await readInto(offset, buf);
        return n === 0 && length > 0 ? null : buf.subarray(0, n);
      },
      write: (offset, data) =>
        serial(async () => {
          if (!append) await file.seek(offset, Deno.SeekMode.Start);
          for (let o = 0; o < data.length; ) o += await file.write(data.subarray(o));
        }).catch((e) => Promise.reject(wrap(e, v))),
      stat: () => serial(() => file.stat()).then(toAttrs, (e) => Promise.reject(wrap(e, v))),
      setstat: (attrs) => serial(() => this.applyAttrs(real, v, attrs, file)),
      sync: () => serial(() => file.sync()).catch((e) => Promise.reject(wrap(e, v))),
      close: () =>
        serial(async () => {
          if (closed) return;
          closed = true;
          file.close();
        }),
    };
  }

  private async applyAttrs(real: string, v: string, a: Attrs, file?: Deno.FsFile): Promise<void> {
    this.writable(v);
    try {
      if (a.size !== undefined) {
        if (file) await file.truncate(a.size);
        else await Deno.truncate(real, a.size);
      }
      if (a.permissions !== undefined) await Deno.chmod(real, a.permissions & 0o7777);
      if (a.uid !== undefined && a.gid !== undefined) await Deno.chown(real, a.uid, a.gid);
      if (a.atime !== undefined && a.mtime !== undefined) await Deno.utime(real, a.atime, a.mtime);
    } catch (e) {
      throw wrap(e, v);
    }
  }

  async opendir(p: string): Promise<FsDirectory> {
    const v = this.virtual(p);
    const real = await this.resolve(v, true);
    let st: Deno.FileInfo;
    try {
      st = await Deno.stat(real);
    } catch (e) {
      throw wrap(e, v);
    }
    if (!st.isDirectory) throw new SftpError(`Not a directory: ${v}`, SftpStatus.NO_SUCH_FILE, v);
    const it = Deno.readDir(real)[Symbol.asyncIterator]();
    let done = false;
    let first = true;
    return {
      read: async () => {
        if (done) return null;
        const out: FsDirEntry[] = [];
        if (first) {
          first = false;
          out.push({ filename: '.', attrs: toAttrs(st) }, { filename: '..', attrs: toAttrs(st) });
        }
        try {
          while (out.length < 100) {
            const r = await it.next();
            if (r.done) {
              done = true;
              break;
            }
            const lst = await Deno.lstat(`${real}/${r.value.name}`).catch(() => undefined);
            if (lst) out.push({ filename: r.value.name, attrs: toAttrs(lst) });
          }
        } catch (e) {
          throw wrap(e, v);
        }
        return out.length ? out : null;
      },
      close: async () => {
        done = true;
        await it.return?.();
      },
    };
  }

  async stat(p: string): Promise<Attrs> {
    const v = this.virtual(p);
    try {
      return toAttrs(await Deno.stat(await this.resolve(v, true)));
    } catch (e) {
      throw wrap(e, v);
    }
  }

  async lstat(p: string): Promise<Attrs> {
    const v = this.virtual(p);
    try {
      return toAttrs(await Deno.lstat(await this.resolve(v, false)));
    } catch (e) {
      throw wrap(e, v);
    }
  }

  async setstat(p: string, attrs: Attrs): Promise<void> {
    const v = this.virtual(p);
    await this.applyAttrs(await this.resolve(v, true), v, attrs);
  }

  async remove(p: string): Promise<void> {
    const v = this.virtual(p);
    this.writable(v);
    const real = await this.resolve(v, false);
    try {
      if ((await Deno.lstat(real)).isDirectory) throw new SftpError(`Is a directory: ${v}`, SftpStatus.FAILURE, v);
      await Deno.remove(real);
    } catch (e) {
      throw wrap(e, v);
    }
  }

  async mkdir(p: string, attrs: Attrs): Promise<void> {
    const v = this.virtual(p);
    this.writable(v);
    try {
      await Deno.mkdir(await this.resolve(v, false), { mode: (attrs.permissions ?? 0o755) & 0o7777 });
    } catch (e) {
      throw wrap(e, v);
    }
  }

  async rmdir(p: string): Promise<void> {
    const v = this.virtual(p);
    this.writable(v);
    if (v === '/') throw denied(v, 'Cannot remove the served directory');
    const real = await this.resolve(v, false);
    try {
      if (!(await Deno.lstat(real)).isDirectory) throw new SftpError(`Not a directory: ${v}`, SftpStatus.NO_SUCH_FILE, v);
      await Deno.remove(real);
    } catch (e) {
      throw wrap(e, v);
    }
  }

  async realpath(p: string): Promise<string> {
    const v = this.virtual(p);
    const real = await this.resolve(v, true);
    try {
      return this.toVirtual(await Deno.realPath(real));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return v; // the parent exists (resolve checked it)
      throw wrap(e, v);
    }
  }

  async rename(oldPath: string, newPath: string): Promise<void> {
    const vo = this.virtual(oldPath);
    const vn = this.virtual(newPath);
    this.writable(vo);
    const ro = await this.resolve(vo, false);
    const rn = await this.resolve(vn, false);
    // draft-02: RENAME fails when the new name exists.
    if (await Deno.lstat(rn).then(() => true, () => false)) throw new SftpError(`File exists: ${vn}`, SftpStatus.FAILURE, vn);
    try {
      await Deno.rename(ro, rn);
    } catch (e) {
      throw wrap(e, vo);
    }
  }

  async posixRename(oldPath: string, newPath: string): Promise<void> {
    const vo = this.virtual(oldPath);
    const vn = this.virtual(newPath);
    this.writable(vo);
    try {
      await Deno.rename(await this.resolve(vo, false), await this.resolve(vn, false));
    } catch (e) {
      throw wrap(e, vo);
    }
  }

  async readlink(p: string): Promise<string> {
    const v = this.virtual(p);
    try {
      return await Deno.readLink(await this.resolve(v, false));
    } catch (e) {
      throw wrap(e, v);
    }
  }

  async symlink(targetPath: string, linkPath: string): Promise<void> {
    const vl = this.virtual(linkPath);
    this.writable(vl);
    const real = await this.resolve(vl, false);
    // The target must stay inside: store it relative to the link's directory.
    const vt = normalizePath(targetPath, vl.slice(0, vl.lastIndexOf('/')) || '/');
    const linkDir = (vl.slice(0, vl.lastIndexOf('/')) || '/').split('/').filter(Boolean);
    const tparts = vt.split('/').filter(Boolean);
    let common = 0;
    while (common < linkDir.length && common < tparts.length && linkDir[common] === tparts[common]) common++;
    const rel = [...Array(linkDir.length - common).fill('..'), ...tparts.slice(common)].join('/') || '.';
    try {
      await Deno.symlink(rel, real);
    } catch (e) {
      throw wrap(e, vl);
    }
  }

  async homeDirectory(): Promise<string> {
    return this.home;
  }
}
