// SFTP v3 file attributes: the ATTRS structure of draft-ietf-secsh-filexfer-02 §5, its codec,
// and helpers to read the POSIX file type out of `permissions` and to print an `ls -l` line
// (the READDIR longname, draft-02 §7 SSH_FXP_NAME).
import { ProtocolError, SshReader, SshWriter } from '../wire/index.ts';
import { AttrFlags, FileType } from './constants.ts';

/** One extended attribute pair (draft-02 §5: string type, string data). */
export interface ExtendedAttr {
  type: string;
  data: Uint8Array;
}

/**
 * File attributes. Every field is optional: only those present are sent. uid and gid go together,
 * as do atime and mtime (seconds since 1970, uint32 on the wire).
 */
export interface Attrs {
  size?: number;
  uid?: number;
  gid?: number;
  permissions?: number;
  atime?: number;
  mtime?: number;
  extended?: ExtendedAttr[];
}

const MAX_SAFE_HI = 0x1fffff; // Number.MAX_SAFE_INTEGER >>> 32

/** Reads a uint64 as a number, refusing values past 2^53 - 1 (offsets and lengths must be exact). */
export function readU64(r: SshReader, field: string): number {
  const hi = r.uint32(field);
  const lo = r.uint32(field);
  if (hi > MAX_SAFE_HI) throw new ProtocolError(`SFTP: ${field} ${hi}·2^32+${lo} is past 2^53-1`);
  return hi * 0x100000000 + lo;
}

/** Writes a non-negative safe integer as a uint64. */
export function writeU64(w: SshWriter, v: number, field: string): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`SFTP: ${field} must be a non-negative safe integer, got ${v}`);
  w.uint32(Math.floor(v / 0x100000000));
  w.uint32(v >>> 0);
}

function checkU32(v: number, field: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`SFTP attrs: ${field} must be a uint32, got ${v}`);
}

/** Checks that attrs can be encoded; says which field is wrong. */
export function checkAttrs(a: Attrs): void {
  if (a === null || typeof a !== 'object') throw new TypeError('SFTP attrs must be an object');
  if (a.size !== undefined && (!Number.isSafeInteger(a.size) || a.size < 0)) throw new RangeError(`SFTP attrs: size must be a non-negative safe integer, got ${a.size}`);
  if ((a.uid === undefined) !== (a.gid === undefined)) throw new RangeError('SFTP attrs: uid and gid must be given together');
  if (a.uid !== undefined) checkU32(a.uid, 'uid');
  if (a.gid !== undefined) checkU32(a.gid, 'gid');
  if (a.permissions !== undefined) checkU32(a.permissions, 'permissions');
  if ((a.atime === undefined) !== (a.mtime === undefined)) throw new RangeError('SFTP attrs: atime and mtime must be given together');
  if (a.atime !== undefined) checkU32(a.atime, 'atime');
  if (a.mtime !== undefined) checkU32(a.mtime, 'mtime');
  if (a.extended !== undefined) {
    if (!Array.isArray(a.extended)) throw new TypeError('SFTP attrs: extended must be an array');
    for (const e of a.extended) {
      if (typeof e?.type !== 'string' || !(e.data instanceof Uint8Array)) throw new TypeError('SFTP attrs: each extended pair needs a string type and Uint8Array data');
    }
  }
}

export function encodeAttrs(w: SshWriter, a: Attrs): void {
  checkAttrs(a);
  let flags = 0;
  if (a.size !== undefined) flags |= AttrFlags.SIZE;
  if (a.uid !== undefined) flags |= AttrFlags.UIDGID;
  if (a.permissions !== undefined) flags |= AttrFlags.PERMISSIONS;
  if (a.atime !== undefined) flags |= AttrFlags.ACMODTIME;
  if (a.extended !== undefined && a.extended.length > 0) flags |= AttrFlags.EXTENDED;
  w.uint32(flags >>> 0);
  if (a.size !== undefined) writeU64(w, a.size, 'size');
  if (a.uid !== undefined) w.uint32(a.uid).uint32(a.gid!);
  if (a.permissions !== undefined) w.uint32(a.permissions);
  if (a.atime !== undefined) w.uint32(a.atime).uint32(a.mtime!);
  if (flags & AttrFlags.EXTENDED) {
    w.uint32(a.extended!.length);
    for (const e of a.extended!) w.string(e.type).string(e.data);
  }
}

const KNOWN_FLAGS = AttrFlags.SIZE | AttrFlags.UIDGID | AttrFlags.PERMISSIONS | AttrFlags.ACMODTIME | AttrFlags.EXTENDED;
const lenient = new TextDecoder('utf-8');

/** Decodes ATTRS. Unknown flag bits are an error (v3 defines no others); counts are checked against the bytes present. */
export function decodeAttrs(r: SshReader): Attrs {
  const flags = r.uint32('attrs flags');
  if ((flags & ~KNOWN_FLAGS) !== 0) throw new ProtocolError(`SFTP attrs: unknown flag bits 0x${((flags & ~KNOWN_FLAGS) >>> 0).toString(16)}`);
  const a: Attrs = {};
  if (flags & AttrFlags.SIZE) {
    // Some servers report huge sizes for special files; a size past 2^53 is rounded, never refused.
    const hi = r.uint32('size');
    const lo = r.uint32('size');
    a.size = hi * 0x100000000 + lo;
  }
  if (flags & AttrFlags.UIDGID) {
    a.uid = r.uint32('uid');
    a.gid = r.uint32('gid');
  }
  if (flags & AttrFlags.PERMISSIONS) a.permissions = r.uint32('permissions');
  if (flags & AttrFlags.ACMODTIME) {
    a.atime = r.uint32('atime');
    a.mtime = r.uint32('mtime');
  }
  if (flags & AttrFlags.EXTENDED) {
    const count = r.uint32('extended count');
    // each pair is at least two empty strings: 8 bytes
    if (count > r.remaining / 8) throw new ProtocolError(`SFTP attrs: extended count ${count} exceeds the ${r.remaining} bytes left`);
    a.extended = [];
    for (let i = 0; i < count; i++) {
      const type = lenient.decode(r.string('extended type'));
      const data = r.string('extended data');
      a.extended.push({ type, data });
    }
  }
  return a;
}

/** The file type bits of attrs.permissions, or undefined when permissions weren't sent. */
export function fileType(a: Attrs): number | undefined {
  return a.permissions === undefined ? undefined : a.permissions & FileType.MASK;
}
export const isDirectory = (a: Attrs): boolean => fileType(a) === FileType.DIRECTORY;
export const isRegularFile = (a: Attrs): boolean => fileType(a) === FileType.REGULAR;
export const isSymbolicLink = (a: Attrs): boolean => fileType(a) === FileType.SYMLINK;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function modeString(perm: number): string {
  const t = perm & FileType.MASK;
  const kind = t === FileType.DIRECTORY ? 'd' : t === FileType.SYMLINK ? 'l' : t === FileType.CHAR ? 'c' : t === FileType.BLOCK ? 'b' : t === FileType.FIFO ? 'p' : t === FileType.SOCKET ? 's' : '-';
  let s = kind;
  const rwx = 'rwxrwxrwx';
  for (let i = 0; i < 9; i++) s += perm & (0o400 >> i) ? rwx[i] : '-';
  if (perm & 0o4000) s = s.slice(0, 3) + (perm & 0o100 ? 's' : 'S') + s.slice(4);
  if (perm & 0o2000) s = s.slice(0, 6) + (perm & 0o010 ? 's' : 'S') + s.slice(7);
  if (perm & 0o1000) s = s.slice(0, 9) + (perm & 0o001 ? 't' : 'T');
  return s;
}

/**
 * An `ls -l` style line for a READDIR longname. The date is printed in UTC as "Mon DD  YYYY"
 * (the engine reads no clock, so it can't choose between time-of-day and year as ls does).
 */
export function longname(filename: string, a: Attrs, owner?: string, group?: string): string {
  const mode = a.permissions !== undefined ? modeString(a.permissions) : '?---------';
  const o = (owner ?? (a.uid !== undefined ? String(a.uid) : '?')).padEnd(8);
  const g = (group ?? (a.gid !== undefined ? String(a.gid) : '?')).padEnd(8);
  const size = String(a.size ?? 0).padStart(8);
  let date = '            ';
  if (a.mtime !== undefined) {
    const d = new Date(a.mtime * 1000);
    date = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)}  ${d.getUTCFullYear()}`;
  }
  return `${mode}    1 ${o} ${g} ${size} ${date} ${filename}`;
}
