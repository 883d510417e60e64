// OpenSSH's SFTP extensions (openssh-portable PROTOCOL §4.3-§4.12): their names, the versions
// announced in VERSION, and the codecs of their request and reply payloads (what follows the
// request name of an EXTENDED packet, and the body of an EXTENDED_REPLY).
import { ProtocolError, SshReader, SshWriter } from '../wire/index.ts';
import { type Attrs, decodeAttrs, encodeAttrs, readU64, writeU64 } from './attrs.ts';
import { SFTP_LIMITS } from './constants.ts';

/** Extension names and the version each is announced with (PROTOCOL §4.2: clients must check it). */
export const EXTENSIONS = {
  posixRename: { name: 'posix-rename@openssh.com', version: '1' },
  statvfs: { name: 'statvfs@openssh.com', version: '2' },
  fstatvfs: { name: 'fstatvfs@openssh.com', version: '2' },
  hardlink: { name: 'hardlink@openssh.com', version: '1' },
  fsync: { name: 'fsync@openssh.com', version: '1' },
  lsetstat: { name: 'lsetstat@openssh.com', version: '1' },
  limits: { name: 'limits@openssh.com', version: '1' },
  expandPath: { name: 'expand-path@openssh.com', version: '1' },
  copyData: { name: 'copy-data', version: '1' },
  homeDirectory: { name: 'home-directory', version: '1' },
  usersGroupsById: { name: 'users-groups-by-id@openssh.com', version: '1' },
} as const;
export type ExtensionKey = keyof typeof EXTENSIONS;

/** statvfs@openssh.com / fstatvfs@openssh.com reply (PROTOCOL §4.4). fsid is a bigint: it often uses all 64 bits. */
export interface StatVfs {
  bsize: number;
  frsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
  favail: number;
  fsid: bigint;
  flag: number;
  namemax: number;
}

/** limits@openssh.com reply (PROTOCOL §4.8). 0 means "no specific limit". */
export interface SftpLimits {
  maxPacketLength: number;
  maxReadLength: number;
  maxWriteLength: number;
  maxOpenHandles: number;
}

/** copy-data request (PROTOCOL §4.10). readLength 0 copies to end of file. */
export interface CopyDataRequest {
  readHandle: Uint8Array;
  readOffset: number;
  readLength: number;
  writeHandle: Uint8Array;
  writeOffset: number;
}

const lenient = new TextDecoder('utf-8');

/** A uint64 that may exceed 2^53 (statvfs counters): rounded to a number rather than refused. */
function u64Loose(r: SshReader, field: string): number {
  const hi = r.uint32(field);
  return hi * 0x100000000 + r.uint32(field);
}

function reader(data: Uint8Array, what: string): SshReader {
  return new SshReader(data, `SFTP ${what}`);
}

function handleField(r: SshReader, field: string): Uint8Array {
  const h = r.string(field);
  if (h.length > SFTP_LIMITS.MAX_HANDLE) throw new ProtocolError(`SFTP: ${field} of ${h.length} bytes is longer than ${SFTP_LIMITS.MAX_HANDLE}`);
  return h;
}

// ---- requests: two paths, one path, one handle, path + attrs -------------------------------

export function encodeTwoPaths(a: string, b: string): Uint8Array {
  return new SshWriter().string(a).string(b).finish();
}
export function decodeTwoPaths(data: Uint8Array, what: string): [string, string] {
  const r = reader(data, what);
  const a = lenient.decode(r.string('oldpath'));
  const b = lenient.decode(r.string('newpath'));
  r.end();
  return [a, b];
}

export function encodeOneString(s: string | Uint8Array): Uint8Array {
  return new SshWriter().string(s).finish();
}
export function decodeOnePath(data: Uint8Array, what: string): string {
  const r = reader(data, what);
  const s = lenient.decode(r.string('path'));
  r.end();
  return s;
}
export function decodeOneHandle(data: Uint8Array, what: string): Uint8Array {
  const r = reader(data, what);
  const h = handleField(r, 'handle');
  r.end();
  return h;
}

export function encodePathAttrs(path: string, attrs: Attrs): Uint8Array {
  const w = new SshWriter().string(path);
  encodeAttrs(w, attrs);
  return w.finish();
}
export function decodePathAttrs(data: Uint8Array, what: string): [string, Attrs] {
  const r = reader(data, what);
  const p = lenient.decode(r.string('path'));
  const a = decodeAttrs(r);
  r.end();
  return [p, a];
}

export function decodeEmpty(data: Uint8Array, what: string): void {
  reader(data, what).end();
}

// ---- copy-data ----------------------------------------------------------------------------

export function encodeCopyData(c: CopyDataRequest): Uint8Array {
  const w = new SshWriter().string(c.readHandle);
  writeU64(w, c.readOffset, 'read offset');
  writeU64(w, c.readLength, 'read length');
  w.string(c.writeHandle);
  writeU64(w, c.writeOffset, 'write offset');
  return w.finish();
}
export function decodeCopyData(data: Uint8Array): CopyDataRequest {
  const r = reader(data, 'copy-data');
  const readHandle = handleField(r, 'read handle');
  const readOffset = readU64(r, 'read offset');
  const readLength = readU64(r, 'read length');
  const writeHandle = handleField(r, 'write handle');
  const writeOffset = readU64(r, 'write offset');
  r.end();
  return { readHandle, readOffset, readLength, writeHandle, writeOffset };
}

// ---- users-groups-by-id --------------------------------------------------------------------

function encodeIds(ids: readonly number[], field: string): Uint8Array {
  const w = new SshWriter(4 * ids.length + 4);
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) throw new RangeError(`SFTP users-groups-by-id: ${field} must be uint32s, got ${id}`);
    w.uint32(id);
  }
  return w.finish();
}
function decodeIds(b: Uint8Array, field: string): number[] {
  if (b.length % 4 !== 0) throw new ProtocolError(`SFTP users-groups-by-id: ${field} is ${b.length} bytes, not a multiple of 4`);
  if (b.length / 4 > SFTP_LIMITS.MAX_ID_LOOKUPS) throw new ProtocolError(`SFTP users-groups-by-id: more than ${SFTP_LIMITS.MAX_ID_LOOKUPS} ${field}`);
  const r = new SshReader(b, 'SFTP users-groups-by-id');
  const out: number[] = [];
  while (r.remaining > 0) out.push(r.uint32(field));
  return out;
}

export function encodeUsersGroupsRequest(uids: readonly number[], gids: readonly number[]): Uint8Array {
  return new SshWriter().string(encodeIds(uids, 'uids')).string(encodeIds(gids, 'gids')).finish();
}
export function decodeUsersGroupsRequest(data: Uint8Array): { uids: number[]; gids: number[] } {
  const r = reader(data, 'users-groups-by-id');
  const uids = decodeIds(r.string('uids'), 'uids');
  const gids = decodeIds(r.string('gids'), 'gids');
  r.end();
  return { uids, gids };
}

function encodeNames(names: readonly string[]): Uint8Array {
  const w = new SshWriter();
  for (const n of names) w.string(n);
  return w.finish();
}
function decodeNames(b: Uint8Array, expected: number, field: string): string[] {
  const r = new SshReader(b, 'SFTP users-groups-by-id reply');
  const out: string[] = [];
  while (r.remaining > 0) {
    if (out.length >= expected) throw new ProtocolError(`SFTP users-groups-by-id reply: more ${field} than ids asked for (${expected})`);
    out.push(lenient.decode(r.string(field)));
  }
  if (out.length !== expected) throw new ProtocolError(`SFTP users-groups-by-id reply: ${out.length} ${field} for ${expected} ids`);
  return out;
}

export function encodeUsersGroupsReply(users: readonly string[], groups: readonly string[]): Uint8Array {
  return new SshWriter().string(encodeNames(users)).string(encodeNames(groups)).finish();
}
export function decodeUsersGroupsReply(data: Uint8Array, uidCount: number, gidCount: number): { users: string[]; groups: string[] } {
  const r = reader(data, 'users-groups-by-id reply');
  const users = decodeNames(r.string('usernames'), uidCount, 'usernames');
  const groups = decodeNames(r.string('groupnames'), gidCount, 'groupnames');
  r.end();
  return { users, groups };
}

// ---- statvfs / limits replies ----------------------------------------------------------------

const STATVFS_FIELDS = ['bsize', 'frsize', 'blocks', 'bfree', 'bavail', 'files', 'ffree', 'favail', 'fsid', 'flag', 'namemax'] as const;

export function encodeStatVfs(s: StatVfs): Uint8Array {
  const w = new SshWriter(88);
  for (const f of STATVFS_FIELDS) {
    if (f === 'fsid') w.uint64(BigInt.asUintN(64, s.fsid));
    else writeU64(w, s[f], f);
  }
  return w.finish();
}
export function decodeStatVfs(data: Uint8Array): StatVfs {
  const r = reader(data, 'statvfs reply');
  const s = {} as Record<string, number | bigint>;
  for (const f of STATVFS_FIELDS) s[f] = f === 'fsid' ? r.uint64(f) : u64Loose(r, f);
  r.end();
  return s as unknown as StatVfs;
}

export function encodeLimits(l: SftpLimits): Uint8Array {
  const w = new SshWriter(32);
  writeU64(w, l.maxPacketLength, 'max-packet-length');
  writeU64(w, l.maxReadLength, 'max-read-length');
  writeU64(w, l.maxWriteLength, 'max-write-length');
  writeU64(w, l.maxOpenHandles, 'max-open-handles');
  return w.finish();
}
export function decodeLimits(data: Uint8Array): SftpLimits {
  const r = reader(data, 'limits reply');
  const l = {
    maxPacketLength: u64Loose(r, 'max-packet-length'),
    maxReadLength: u64Loose(r, 'max-read-length'),
    maxWriteLength: u64Loose(r, 'max-write-length'),
    maxOpenHandles: u64Loose(r, 'max-open-handles'),
  };
  r.end();
  return l;
}
