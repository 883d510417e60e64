// An in-memory FileSystem for the SFTP server (tests and browsers): directories, regular files,
// symbolic links and hard links in a tree rooted at '/', with POSIX-like semantics and status
// codes as OpenSSH's sftp-server reports them. Owner permission bits are enforced (read 0o400,
// write 0o200, search 0o100) so permission errors can be exercised; nothing can leave the tree.
import type { SftpError } from '../wire/index.ts';
import type { Attrs } from './attrs.ts';
import { FileType, OpenFlags, SFTP_LIMITS, SftpStatus } from './constants.ts';
import type { StatVfs } from './extensions.ts';
import { type FileSystem, type FsDirEntry, type FsDirectory, type FsFile, basename, dirname, fsError, normalizePath } from './filesystem.ts';

interface Meta {
  mode: number; // permission bits (file type added on stat)
  uid: number;
  gid: number;
  atime: number;
  mtime: number;
}
interface FileNode extends Meta {
  kind: 'file';
  data: Uint8Array; // capacity >= size
  size: number;
}
interface DirNode extends Meta {
  kind: 'dir';
  entries: Map<string, Node>;
  parent: DirNode | undefined;
}
interface LinkNode extends Meta {
  kind: 'symlink';
  target: string;
}
type Node = FileNode | DirNode | LinkNode;

export interface MemoryFileSystemOptions {
  /** Owner ids given to new nodes (default 1000/1000). */
  uid?: number;
  gid?: number;
  /** The current user's home, where relative paths start (default '/'); created if missing. */
  home?: string;
  /** Seconds since 1970, for timestamps (default from Date.now). */
  now?: () => number;
  /** Other users' homes for home-directory and "~user" (name -> path). */
  users?: Record<string, string>;
  /** Names for users-groups-by-id@openssh.com. */
  userNames?: Record<number, string>;
  groupNames?: Record<number, string>;
  /** Total bytes the tree may hold (default 1 GiB): writes past it fail, as on a full disk. */
  capacity?: number;
}

const E = {
  noent: (p: string) => fsError(SftpStatus.NO_SUCH_FILE, 'No such file or directory', p),
  access: (p: string) => fsError(SftpStatus.PERMISSION_DENIED, 'Permission denied', p),
  exists: (p: string) => fsError(SftpStatus.FAILURE, 'File exists', p),
  notdir: (p: string) => fsError(SftpStatus.NO_SUCH_FILE, 'Not a directory', p),
  isdir: (p: string) => fsError(SftpStatus.FAILURE, 'Is a directory', p),
  notempty: (p: string) => fsError(SftpStatus.FAILURE, 'Directory not empty', p),
  loop: (p: string) => fsError(SftpStatus.NO_SUCH_FILE, 'Too many levels of symbolic links', p),
  full: (p: string) => fsError(SftpStatus.FAILURE, 'No space left on device', p),
};

export class MemoryFileSystem implements FileSystem {
  private readonly root: DirNode;
  private readonly uid: number;
  private readonly gid: number;
  private readonly now: () => number;
  private readonly home: string;
  private readonly capacity: number;
  private used = 0;

  constructor(private readonly options: MemoryFileSystemOptions = {}) {
    this.uid = options.uid ?? 1000;
    this.gid = options.gid ?? 1000;
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000));
    this.capacity = options.capacity ?? 1024 * 1024 * 1024;
    this.root = this.newDir(undefined, 0o755);
    this.home = normalizePath(options.home ?? '/');
    if (this.home !== '/') this.mkdirp(this.home);
  }

  // ---- helpers for tests and embedders (synchronous) ----------------------------------------

  /** Creates a directory and its parents. */
  mkdirp(path: string, mode = 0o755): void {
    let d = this.root;
    for (const c of normalizePath(path, this.home).split('/').filter(Boolean)) {
      let n = d.entries.get(c);
      if (!n) {
        n = this.newDir(d, mode);
        d.entries.set(c, n);
      }
      if (n.kind !== 'dir') throw E.notdir(path);
      d = n;
    }
  }

  /** Writes a whole file (parents created), replacing any file there. */
  writeFile(path: string, data: Uint8Array | string, mode = 0o644): void {
    const p = normalizePath(path, this.home);
    this.mkdirp(dirname(p));
    const d = this.walk(dirname(p), true, p) as DirNode;
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    const old = d.entries.get(basename(p));
    if (old?.kind === 'file') this.used -= old.size;
    d.entries.set(basename(p), { ...this.meta(mode), kind: 'file', data: bytes.slice(), size: bytes.length });
    this.used += bytes.length;
  }

  /** A whole file's bytes (following links), or undefined when there is no such file. */
  readFile(path: string): Uint8Array | undefined {
    try {
      const n = this.walk(normalizePath(path, this.home), true, path);
      return n.kind === 'file' ? n.data.slice(0, n.size) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Whether a path exists (without following a final link). */
  exists(path: string): boolean {
    try {
      this.walk(normalizePath(path, this.home), false, path);
      return true;
    } catch {
      return false;
    }
  }

  // ---- tree walking --------------------------------------------------------------------------

  private meta(mode: number): Meta {
    const t = this.now();
    return { mode: mode & 0o7777, uid: this.uid, gid: this.gid, atime: t, mtime: t };
  }

  private newDir(parent: DirNode | undefined, mode: number): DirNode {
    return { ...this.meta(mode), kind: 'dir', entries: new Map(), parent };
  }

  /** Resolves a normalised absolute path to its node; `follow` follows a final symlink. */
  private walk(abs: string, follow: boolean, shown: string): Node {
    return this.resolve(abs, follow, shown, { n: 0 }).node;
  }

  /** The node and its physical path (no links in it): relative link targets resolve from there. */
  private resolve(abs: string, follow: boolean, shown: string, hops: { n: number }): { node: Node; path: string } {
    let node: Node = this.root;
    let cur = '/';
    const parts = abs.split('/').filter(Boolean);
    for (let i = 0; i < parts.length; i++) {
      if (node.kind !== 'dir') throw E.notdir(shown);
      if (!(node.mode & 0o100)) throw E.access(shown);
      const next: Node | undefined = node.entries.get(parts[i]);
      if (!next) throw E.noent(shown);
      if (next.kind === 'symlink' && (i < parts.length - 1 || follow)) {
        if (++hops.n > SFTP_LIMITS.MAX_SYMLINK_HOPS) throw E.loop(shown);
        const r = this.resolve(normalizePath(next.target, cur), true, shown, hops);
        node = r.node;
        cur = r.path;
      } else {
        node = next;
        cur = cur === '/' ? `/${parts[i]}` : `${cur}/${parts[i]}`;
      }
    }
    return { node, path: cur };
  }

  /** The parent directory of a path (links followed) and the final name; the parent must be writable when `write`. */
  private parentOf(path: string, write: boolean): { dir: DirNode; name: string; abs: string } {
    const abs = normalizePath(path, this.home);
    if (abs === '/') throw fsError(SftpStatus.PERMISSION_DENIED, 'Operation not permitted on the root', path);
    const dir = this.walk(dirname(abs), true, path);
    if (dir.kind !== 'dir') throw E.notdir(path);
    if (write && !(dir.mode & 0o200)) throw E.access(path);
    return { dir, name: basename(abs), abs };
  }

  private attrsOf(n: Node): Attrs {
    const type = n.kind === 'dir' ? FileType.DIRECTORY : n.kind === 'symlink' ? FileType.SYMLINK : FileType.REGULAR;
    const size = n.kind === 'file' ? n.size : n.kind === 'symlink' ? n.target.length : 4096;
    return { size, uid: n.uid, gid: n.gid, permissions: type | n.mode, atime: n.atime, mtime: n.mtime };
  }

  private resize(f: FileNode, size: number, shown: string): void {
    if (size > f.size && this.used + (size - f.size) > this.capacity) throw E.full(shown);
    if (size > f.data.length) {
      const grown = new Uint8Array(Math.max(size, Math.min(f.data.length * 2, size + 64 * 1024 * 1024)));
      grown.set(f.data.subarray(0, f.size));
      f.data = grown;
    } else if (size < f.size) {
      f.data.fill(0, size, f.size);
    }
    this.used += size - f.size;
    f.size = size;
  }

  private applyAttrs(n: Node, a: Attrs, shown: string): void {
    if (a.size !== undefined) {
      if (n.kind !== 'file') throw E.isdir(shown);
      if (!(n.mode & 0o200)) throw E.access(shown);
      this.resize(n, a.size, shown);
    }
    if (a.permissions !== undefined) n.mode = a.permissions & 0o7777;
    if (a.uid !== undefined) {
      n.uid = a.uid;
      n.gid = a.gid!;
    }
    if (a.atime !== undefined) {
      n.atime = a.atime;
      n.mtime = a.mtime!;
    }
  }

  // ---- FileSystem ----------------------------------------------------------------------------

  async open(path: string, flags: number, attrs: Attrs): Promise<FsFile> {
    const { dir, name, abs } = this.parentOf(path, false);
    let n: Node | undefined;
    try {
      n = this.walk(abs, true, path);
    } catch (e) {
      if ((e as SftpError).code !== SftpStatus.NO_SUCH_FILE || !(flags & OpenFlags.CREAT)) throw e;
    }
    if (n && flags & OpenFlags.CREAT && flags & OpenFlags.EXCL) throw E.exists(path);
    if (!n) {
      if (dir.entries.has(name)) throw fsError(SftpStatus.PERMISSION_DENIED, 'refusing to create through a dangling symbolic link', path);
      if (!(dir.mode & 0o200)) throw E.access(path);
      const f: FileNode = { ...this.meta(attrs.permissions ?? 0o644), kind: 'file', data: new Uint8Array(0), size: 0 };
      dir.entries.set(name, f);
      dir.mtime = this.now();
      n = f;
    } else {
      if (n.kind === 'dir') throw E.isdir(path);
      if (n.kind !== 'file') throw fsError(SftpStatus.FAILURE, 'not a regular file', path);
      if (flags & OpenFlags.READ && !(n.mode & 0o400)) throw E.access(path);
      if (flags & OpenFlags.WRITE && !(n.mode & 0o200)) throw E.access(path);
      if (flags & OpenFlags.TRUNC && flags & OpenFlags.WRITE) this.resize(n, 0, path);
    }
    return this.fileHandle(n as FileNode, flags, path);
  }

  private fileHandle(f: FileNode, flags: number, path: string): FsFile {
    let closed = false;
    const live = () => {
      if (closed) throw fsError(SftpStatus.FAILURE, 'handle closed', path);
    };
    return {
      read: async (offset, length) => {
        live();
        if (!(flags & OpenFlags.READ)) throw fsError(SftpStatus.PERMISSION_DENIED, 'file not open for reading', path);
        if (offset >= f.size) return null;
        const end = Math.min(f.size, offset + length);
        f.atime = this.now();
        return f.data.slice(offset, end);
      },
      write: async (offset, data) => {
        live();
        if (!(flags & OpenFlags.WRITE)) throw fsError(SftpStatus.PERMISSION_DENIED, 'file not open for writing', path);
        const at = flags & OpenFlags.APPEND ? f.size : offset;
        if (at + data.length > f.size) this.resize(f, at + data.length, path);
        f.data.set(data, at);
        f.mtime = this.now();
      },
      stat: async () => {
        live();
        return this.attrsOf(f);
      },
      setstat: async (a) => {
        live();
        this.applyAttrs(f, a, path);
      },
      close: async () => {
        live();
        closed = true;
      },
      sync: async () => live(),
    };
  }

  async opendir(path: string): Promise<FsDirectory> {
    const abs = normalizePath(path, this.home);
    const d = this.walk(abs, true, path);
    if (d.kind !== 'dir') throw E.notdir(path);
    if (!(d.mode & 0o400)) throw E.access(path);
    const names: FsDirEntry[] = [
      { filename: '.', attrs: this.attrsOf(d) },
      { filename: '..', attrs: this.attrsOf(d.parent ?? d) },
      ...[...d.entries].map(([filename, n]) => ({ filename, attrs: this.attrsOf(n) })),
    ];
    let pos = 0;
    let closed = false;
    return {
      read: async () => {
        if (closed) throw fsError(SftpStatus.FAILURE, 'handle closed', path);
        if (pos >= names.length) return null;
        const batch = names.slice(pos, pos + 64);
        pos += batch.length;
        return batch;
      },
      close: async () => {
        closed = true;
      },
    };
  }

  async stat(path: string): Promise<Attrs> {
    return this.attrsOf(this.walk(normalizePath(path, this.home), true, path));
  }

  async lstat(path: string): Promise<Attrs> {
    return this.attrsOf(this.walk(normalizePath(path, this.home), false, path));
  }

  async setstat(path: string, attrs: Attrs): Promise<void> {
    this.applyAttrs(this.walk(normalizePath(path, this.home), true, path), attrs, path);
  }

  async lsetstat(path: string, attrs: Attrs): Promise<void> {
    this.applyAttrs(this.walk(normalizePath(path, this.home), false, path), attrs, path);
  }

  async remove(path: string): Promise<void> {
    const { dir, name } = this.parentOf(path, true);
    const n = dir.entries.get(name);
    if (!n) throw E.noent(path);
    if (n.kind === 'dir') throw E.isdir(path);
    dir.entries.delete(name);
    if (n.kind === 'file' && !this.linkedElsewhere(n)) this.used -= n.size;
    dir.mtime = this.now();
  }

  private linkedElsewhere(f: FileNode, from: DirNode = this.root): boolean {
    for (const n of from.entries.values()) {
      if (n === f) return true;
      if (n.kind === 'dir' && this.linkedElsewhere(f, n)) return true;
    }
    return false;
  }

  async mkdir(path: string, attrs: Attrs): Promise<void> {
    const { dir, name } = this.parentOf(path, true);
    if (dir.entries.has(name)) throw E.exists(path);
    dir.entries.set(name, this.newDir(dir, attrs.permissions ?? 0o755));
    dir.mtime = this.now();
  }

  async rmdir(path: string): Promise<void> {
    const { dir, name } = this.parentOf(path, true);
    const n = dir.entries.get(name);
    if (!n) throw E.noent(path);
    if (n.kind !== 'dir') throw E.notdir(path);
    if (n.entries.size > 0) throw E.notempty(path);
    dir.entries.delete(name);
    dir.mtime = this.now();
  }

  async realpath(path: string): Promise<string> {
    const abs = normalizePath(path, this.home);
    try {
      return this.resolve(abs, true, path, { n: 0 }).path;
    } catch (e) {
      // A missing final component is allowed (as OpenSSH): resolve the parent instead.
      if ((e as SftpError).code !== SftpStatus.NO_SUCH_FILE || abs === '/' || this.exists(abs)) throw e;
      const parent = this.resolve(dirname(abs), true, path, { n: 0 });
      if (parent.node.kind !== 'dir') throw E.notdir(path);
      return parent.path === '/' ? `/${basename(abs)}` : `${parent.path}/${basename(abs)}`;
    }
  }

  async rename(oldPath: string, newPath: string): Promise<void> {
    return this.move(oldPath, newPath, false);
  }

  async posixRename(oldPath: string, newPath: string): Promise<void> {
    return this.move(oldPath, newPath, true);
  }

  private async move(oldPath: string, newPath: string, replace: boolean): Promise<void> {
    const from = this.parentOf(oldPath, true);
    const to = this.parentOf(newPath, true);
    const n = from.dir.entries.get(from.name);
    if (!n) throw E.noent(oldPath);
    if (from.abs === to.abs) return;
    if (n.kind === 'dir') {
      for (let d: DirNode | undefined = to.dir; d; d = d.parent) if (d === n) throw fsError(SftpStatus.FAILURE, 'cannot move a directory into itself', newPath);
    }
    const existing = to.dir.entries.get(to.name);
    if (existing) {
      if (!replace) throw E.exists(newPath);
      if (existing.kind === 'dir' && n.kind !== 'dir') throw E.isdir(newPath);
      if (existing.kind !== 'dir' && n.kind === 'dir') throw E.notdir(newPath);
      if (existing.kind === 'dir' && existing.entries.size > 0) throw E.notempty(newPath);
      if (existing.kind === 'file' && existing !== n) {
        to.dir.entries.delete(to.name);
        if (!this.linkedElsewhere(existing)) this.used -= existing.size;
      }
    }
    from.dir.entries.delete(from.name);
    to.dir.entries.set(to.name, n);
    if (n.kind === 'dir') n.parent = to.dir;
    from.dir.mtime = to.dir.mtime = this.now();
  }

  async readlink(path: string): Promise<string> {
    const n = this.walk(normalizePath(path, this.home), false, path);
    if (n.kind !== 'symlink') throw fsError(SftpStatus.FAILURE, 'not a symbolic link', path);
    return n.target;
  }

  async symlink(targetPath: string, linkPath: string): Promise<void> {
    const { dir, name } = this.parentOf(linkPath, true);
    if (dir.entries.has(name)) throw E.exists(linkPath);
    if (targetPath.includes('\0')) throw fsError(SftpStatus.BAD_MESSAGE, 'target contains a NUL byte');
    dir.entries.set(name, { ...this.meta(0o777), kind: 'symlink', target: targetPath });
    dir.mtime = this.now();
  }

  async hardlink(oldPath: string, newPath: string): Promise<void> {
    const from = this.parentOf(oldPath, false);
    const n = from.dir.entries.get(from.name);
    if (!n) throw E.noent(oldPath);
    if (n.kind === 'dir') throw fsError(SftpStatus.PERMISSION_DENIED, 'hard links to directories are not allowed', oldPath);
    const to = this.parentOf(newPath, true);
    if (to.dir.entries.has(to.name)) throw E.exists(newPath);
    to.dir.entries.set(to.name, n);
  }

  async statvfs(path: string): Promise<StatVfs> {
    this.walk(normalizePath(path, this.home), true, path);
    const bsize = 4096;
    const blocks = Math.ceil(this.capacity / bsize);
    const free = Math.max(0, blocks - Math.ceil(this.used / bsize));
    return { bsize, frsize: bsize, blocks, bfree: free, bavail: free, files: 1 << 20, ffree: 1 << 20, favail: 1 << 20, fsid: 0x5ea5e11n, flag: 0, namemax: 255 };
  }

  async homeDirectory(username: string): Promise<string> {
    if (username === '') return this.home;
    const h = this.options.users?.[username];
    if (h === undefined) throw fsError(SftpStatus.NO_SUCH_FILE, 'no such user', username);
    return normalizePath(h);
  }

  async usersGroupsById(uids: number[], gids: number[]): Promise<{ users: string[]; groups: string[] }> {
    return {
      users: uids.map((u) => this.options.userNames?.[u] ?? ''),
      groups: gids.map((g) => this.options.groupNames?.[g] ?? ''),
    };
  }
}

