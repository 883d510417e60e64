// The FileSystem interface an SFTP server serves (draft-ietf-secsh-filexfer-02 §6, OpenSSH
// PROTOCOL §4), and the helpers backends share: POSIX path normalisation inside a root and the
// mapping from errors to status codes. Backends: MemoryFileSystem (memory-fs.ts) here, the jailed
// Node fs backend in @seashell/node.
import { SftpError } from '../wire/index.ts';
import type { Attrs } from './attrs.ts';
import { STATUS_TEXT, SftpStatus } from './constants.ts';
import type { StatVfs } from './extensions.ts';

/** One directory entry as a backend returns it; the server fills in longname when absent. */
export interface FsDirEntry {
  filename: string;
  attrs: Attrs;
  longname?: string;
}

/** An open file. Offsets are absolute; reads may return fewer bytes than asked, null at end of file. */
export interface FsFile {
  read(offset: number, length: number): Promise<Uint8Array | null>;
  /** Optional fast path: fills `into` from offset, resolves with the byte count (0 at end of file). The server then reads straight into its reply packet. */
  readInto?(offset: number, into: Uint8Array): Promise<number>;
  /** Writes at offset (or at the end, for a file opened with APPEND). */
  write(offset: number, data: Uint8Array): Promise<void>;
  stat(): Promise<Attrs>;
  setstat(attrs: Attrs): Promise<void>;
  close(): Promise<void>;
  /** fsync@openssh.com; absent means there is nothing to flush (the request succeeds). */
  sync?(): Promise<void>;
  /** fstatvfs@openssh.com; absent falls back to FileSystem.statvfs of the path it was opened with. */
  statvfs?(): Promise<StatVfs>;
}

/** An open directory: read() returns the next batch of entries, null when there are no more. */
export interface FsDirectory {
  read(): Promise<FsDirEntry[] | null>;
  close(): Promise<void>;
}

/**
 * What an SFTP server needs from a file system. Paths arrive as the client sent them (absolute,
 * or relative to the backend's home). Throw SftpError(message, code) for a precise status, or an
 * error with a Node-style errno `code` (ENOENT, EACCES, ...), which the server maps; anything else
 * becomes FAILURE. Messages of non-SftpError errors are never sent to the client (they may name
 * real paths); SftpError messages are.
 *
 * Optional methods are extensions: the server announces an extension only when its method exists.
 */
export interface FileSystem {
  /** flags: OpenFlags bits (READ, WRITE, APPEND, CREAT, TRUNC, EXCL); attrs apply to a file created. */
  open(path: string, flags: number, attrs: Attrs): Promise<FsFile>;
  opendir(path: string): Promise<FsDirectory>;
  stat(path: string): Promise<Attrs>;
  lstat(path: string): Promise<Attrs>;
  setstat(path: string, attrs: Attrs): Promise<void>;
  remove(path: string): Promise<void>;
  mkdir(path: string, attrs: Attrs): Promise<void>;
  rmdir(path: string): Promise<void>;
  /** Canonical absolute path (need not exist as a whole; OpenSSH requires the parent to). */
  realpath(path: string): Promise<string>;
  /** draft-02 RENAME: must fail when newPath exists. */
  rename(oldPath: string, newPath: string): Promise<void>;
  readlink(path: string): Promise<string>;
  /** Creates linkPath pointing at targetPath. */
  symlink(targetPath: string, linkPath: string): Promise<void>;

  /** posix-rename@openssh.com: rename(2), replacing newPath. */
  posixRename?(oldPath: string, newPath: string): Promise<void>;
  /** statvfs@openssh.com (and fstatvfs@openssh.com). */
  statvfs?(path: string): Promise<StatVfs>;
  /** hardlink@openssh.com: link(2). */
  hardlink?(oldPath: string, newPath: string): Promise<void>;
  /** lsetstat@openssh.com: setstat without following a final symlink. */
  lsetstat?(path: string, attrs: Attrs): Promise<void>;
  /** home-directory (and "~user" in expand-path@openssh.com); '' is the current user. */
  homeDirectory?(username: string): Promise<string>;
  /** users-groups-by-id@openssh.com: names for ids, '' where unknown, in request order. */
  usersGroupsById?(uids: number[], gids: number[]): Promise<{ users: string[]; groups: string[] }>;
  /** Called when the session ends, after every handle has been closed. */
  dispose?(): Promise<void>;
}

const ERRNO: Record<string, number> = {
  ENOENT: SftpStatus.NO_SUCH_FILE,
  ENOTDIR: SftpStatus.NO_SUCH_FILE,
  EBADF: SftpStatus.NO_SUCH_FILE,
  ELOOP: SftpStatus.NO_SUCH_FILE,
  EPERM: SftpStatus.PERMISSION_DENIED,
  EACCES: SftpStatus.PERMISSION_DENIED,
  EROFS: SftpStatus.PERMISSION_DENIED,
  ENAMETOOLONG: SftpStatus.BAD_MESSAGE,
  EINVAL: SftpStatus.BAD_MESSAGE,
  ENOSYS: SftpStatus.OP_UNSUPPORTED,
  ENOTSUP: SftpStatus.OP_UNSUPPORTED,
  EOPNOTSUPP: SftpStatus.OP_UNSUPPORTED,
};

/** The status code and message to send for an error a backend threw. */
export function statusOf(e: unknown): { code: number; message: string } {
  // Duck-typed so an SftpError from another copy of this package (dist vs src) still counts.
  const err = e as { name?: unknown; code?: unknown; message?: unknown } | null;
  if (err && err.name === 'SftpError' && typeof err.code === 'number' && err.code > 0 && err.code <= 0xffffffff) {
    return { code: err.code, message: typeof err.message === 'string' && err.message ? err.message : STATUS_TEXT[err.code] ?? 'Failure' };
  }
  if (err && typeof err.code === 'string' && ERRNO[err.code] !== undefined) {
    const code = ERRNO[err.code];
    return { code, message: STATUS_TEXT[code] };
  }
  return { code: SftpStatus.FAILURE, message: STATUS_TEXT[SftpStatus.FAILURE] };
}

/** Shorthand for backends: throw fsError(SftpStatus.NO_SUCH_FILE, 'no such file', path). */
export function fsError(code: number, message: string, path?: string): SftpError {
  return new SftpError(path !== undefined ? `${message}: ${path}` : message, code, path);
}

/**
 * Resolves a client path to a normalised absolute POSIX path inside a virtual root: relative
 * paths start at `cwd`, '.' and empty components vanish, '..' climbs but never above '/' (as
 * chroot does). The result starts with '/' and has no trailing slash (except '/').
 */
export function normalizePath(path: string, cwd = '/'): string {
  if (path.includes('\0')) throw fsError(SftpStatus.BAD_MESSAGE, 'path contains a NUL byte');
  const parts: string[] = [];
  const full = path.startsWith('/') ? path : `${cwd}/${path}`;
  for (const c of full.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') parts.pop();
    else parts.push(c);
  }
  return '/' + parts.join('/');
}

/** The directory part of a normalised path ('/' for '/x' and '/'). */
export function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

/** The last component of a normalised path ('' for '/'). */
export function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}
