// SFTP v3 message codec (draft-ietf-secsh-filexfer-02 §3-§7, with OpenSSH's SYMLINK argument order,
// PROTOCOL §4.1). One schema table drives both directions: each packet type lists its fields and
// their wire kinds, and the TypeScript message types are derived from the same table, so a field
// can't be encoded one way and decoded another. Trailing bytes are an error; every count is
// checked against the bytes present before anything is allocated.
import { ProtocolError, SshReader, SshWriter } from '../wire/index.ts';
import { type Attrs, decodeAttrs, encodeAttrs, readU64, writeU64 } from './attrs.ts';
import { FXP, SFTP_LIMITS } from './constants.ts';

/** One name/value pair of INIT/VERSION (draft-02 §4). */
export interface ExtensionPair {
  name: string;
  data: string;
}

/** One entry of a NAME reply (draft-02 §7). */
export interface NameEntry {
  filename: string;
  longname: string;
  attrs: Attrs;
}

/** The wire kinds a field can have, and the TypeScript type each decodes to. */
interface Kinds {
  u32: number;
  u64: number;
  text: string; // string, UTF-8 (invalid sequences become U+FFFD: file names are bytes on most servers)
  optText: string; // a trailing string some old peers omit; '' when absent
  bytes: Uint8Array;
  handle: Uint8Array; // string of at most 256 bytes (draft-02 §6.2)
  attrs: Attrs;
  names: NameEntry[];
  extensions: ExtensionPair[];
  rest: Uint8Array; // everything to the end of the packet
}
type Kind = keyof Kinds;
type FieldList = readonly (readonly [string, Kind])[];

const schema = <const S extends Record<number, { name: string; id: boolean; fields: FieldList }>>(s: S) => s;

/** Every SFTP v3 packet: its name, whether it carries a request id, and its fields in wire order. */
export const SCHEMA = schema({
  [FXP.INIT]: { name: 'INIT', id: false, fields: [['version', 'u32'], ['extensions', 'extensions']] },
  [FXP.VERSION]: { name: 'VERSION', id: false, fields: [['version', 'u32'], ['extensions', 'extensions']] },
  [FXP.OPEN]: { name: 'OPEN', id: true, fields: [['path', 'text'], ['pflags', 'u32'], ['attrs', 'attrs']] },
  [FXP.CLOSE]: { name: 'CLOSE', id: true, fields: [['handle', 'handle']] },
  [FXP.READ]: { name: 'READ', id: true, fields: [['handle', 'handle'], ['offset', 'u64'], ['length', 'u32']] },
  [FXP.WRITE]: { name: 'WRITE', id: true, fields: [['handle', 'handle'], ['offset', 'u64'], ['data', 'bytes']] },
  [FXP.LSTAT]: { name: 'LSTAT', id: true, fields: [['path', 'text']] },
  [FXP.FSTAT]: { name: 'FSTAT', id: true, fields: [['handle', 'handle']] },
  [FXP.SETSTAT]: { name: 'SETSTAT', id: true, fields: [['path', 'text'], ['attrs', 'attrs']] },
  [FXP.FSETSTAT]: { name: 'FSETSTAT', id: true, fields: [['handle', 'handle'], ['attrs', 'attrs']] },
  [FXP.OPENDIR]: { name: 'OPENDIR', id: true, fields: [['path', 'text']] },
  [FXP.READDIR]: { name: 'READDIR', id: true, fields: [['handle', 'handle']] },
  [FXP.REMOVE]: { name: 'REMOVE', id: true, fields: [['path', 'text']] },
  [FXP.MKDIR]: { name: 'MKDIR', id: true, fields: [['path', 'text'], ['attrs', 'attrs']] },
  [FXP.RMDIR]: { name: 'RMDIR', id: true, fields: [['path', 'text']] },
  [FXP.REALPATH]: { name: 'REALPATH', id: true, fields: [['path', 'text']] },
  [FXP.STAT]: { name: 'STAT', id: true, fields: [['path', 'text']] },
  [FXP.RENAME]: { name: 'RENAME', id: true, fields: [['oldPath', 'text'], ['newPath', 'text']] },
  [FXP.READLINK]: { name: 'READLINK', id: true, fields: [['path', 'text']] },
  // OpenSSH order (PROTOCOL §4.1): target first, then the link to create. Every deployed client
  // and server follows it, so this codec does too.
  [FXP.SYMLINK]: { name: 'SYMLINK', id: true, fields: [['targetPath', 'text'], ['linkPath', 'text']] },
  [FXP.STATUS]: { name: 'STATUS', id: true, fields: [['code', 'u32'], ['message', 'optText'], ['language', 'optText']] },
  [FXP.HANDLE]: { name: 'HANDLE', id: true, fields: [['handle', 'handle']] },
  [FXP.DATA]: { name: 'DATA', id: true, fields: [['data', 'bytes']] },
  [FXP.NAME]: { name: 'NAME', id: true, fields: [['names', 'names']] },
  [FXP.ATTRS]: { name: 'ATTRS', id: true, fields: [['attrs', 'attrs']] },
  [FXP.EXTENDED]: { name: 'EXTENDED', id: true, fields: [['request', 'text'], ['data', 'rest']] },
  [FXP.EXTENDED_REPLY]: { name: 'EXTENDED_REPLY', id: true, fields: [['data', 'rest']] },
});
type Schema = typeof SCHEMA;
type Fields<F extends FieldList> = { -readonly [E in F[number] as E[0]]: Kinds[E[1]] };
type MessageOf<T extends keyof Schema> = { type: T } & (Schema[T]['id'] extends true ? { id: number } : unknown) & Fields<Schema[T]['fields']>;

/** Any SFTP v3 message, discriminated by `type` (an FXP number). */
export type SftpMessage = { [T in keyof Schema]: MessageOf<T> }[keyof Schema];
/** The message of one packet type, e.g. `SftpMessageOf<typeof FXP.READ>`. */
export type SftpMessageOf<T extends keyof Schema> = MessageOf<T>;

/** Name of a packet type, for messages ("READ", "type 77"). */
export function packetName(type: number): string {
  return (SCHEMA as Record<number, { name: string }>)[type]?.name ?? `type ${type}`;
}

const utf8 = new TextEncoder();
const lenient = new TextDecoder('utf-8');

// ---- decoding ------------------------------------------------------------------------------

function readField(r: SshReader, kind: Kind, field: string): unknown {
  switch (kind) {
    case 'u32':
      return r.uint32(field);
    case 'u64':
      return readU64(r, field);
    case 'text':
      return lenient.decode(r.string(field));
    case 'optText':
      return r.remaining === 0 ? '' : lenient.decode(r.string(field));
    case 'bytes':
      return r.string(field);
    case 'handle': {
      const h = r.string(field);
      if (h.length > SFTP_LIMITS.MAX_HANDLE) throw new ProtocolError(`SFTP: handle of ${h.length} bytes is longer than ${SFTP_LIMITS.MAX_HANDLE}`);
      return h;
    }
    case 'attrs':
      return decodeAttrs(r);
    case 'names': {
      const count = r.uint32('name count');
      // each entry is at least two empty strings and an empty ATTRS: 12 bytes
      if (count > r.remaining / 12) throw new ProtocolError(`SFTP NAME: count ${count} exceeds the ${r.remaining} bytes left`);
      const names: NameEntry[] = [];
      for (let i = 0; i < count; i++) {
        const filename = lenient.decode(r.string('filename'));
        const longname = lenient.decode(r.string('longname'));
        names.push({ filename, longname, attrs: decodeAttrs(r) });
      }
      return names;
    }
    case 'extensions': {
      const out: ExtensionPair[] = [];
      while (r.remaining > 0) out.push({ name: lenient.decode(r.string('extension name')), data: lenient.decode(r.string('extension data')) });
      return out;
    }
    case 'rest':
      return r.rest();
  }
}

/**
 * Decodes one packet body (type byte onward, without the uint32 length). Byte fields are views
 * into `packet`: keep the packet alive (and unchanged) while the message is used.
 */
export function decodePacket(packet: Uint8Array): SftpMessage {
  if (packet.length === 0) throw new ProtocolError('SFTP: empty packet');
  const type = packet[0];
  const spec = (SCHEMA as Record<number, { name: string; id: boolean; fields: FieldList }>)[type];
  if (!spec) throw new ProtocolError(`SFTP: unknown packet type ${type}`);
  const r = new SshReader(packet.subarray(1), `SFTP ${spec.name}`);
  const msg: Record<string, unknown> = { type };
  if (spec.id) msg.id = r.uint32('request id');
  for (const [name, kind] of spec.fields) msg[name] = readField(r, kind, name);
  r.end();
  return msg as SftpMessage;
}

/** The type and request id at the start of a packet body, if that much is present (for error replies). */
export function peekHeader(packet: Uint8Array): { type: number; id?: number } {
  const type = packet.length > 0 ? packet[0] : -1;
  if (packet.length < 5) return { type };
  return { type, id: ((packet[1] << 24) | (packet[2] << 16) | (packet[3] << 8) | packet[4]) >>> 0 };
}

// ---- encoding ------------------------------------------------------------------------------

function writeField(w: SshWriter, kind: Kind, field: string, v: unknown): void {
  switch (kind) {
    case 'u32':
      if (typeof v !== 'number') throw new TypeError(`SFTP: ${field} must be a number`);
      w.uint32(v);
      return;
    case 'u64':
      writeU64(w, v as number, field);
      return;
    case 'text':
    case 'optText':
      if (typeof v !== 'string') throw new TypeError(`SFTP: ${field} must be a string, got ${typeof v}`);
      w.string(v);
      return;
    case 'bytes':
    case 'handle':
      if (!(v instanceof Uint8Array)) throw new TypeError(`SFTP: ${field} must be a Uint8Array`);
      if (kind === 'handle' && v.length > SFTP_LIMITS.MAX_HANDLE) throw new RangeError(`SFTP: handle longer than ${SFTP_LIMITS.MAX_HANDLE} bytes`);
      w.string(v);
      return;
    case 'attrs':
      encodeAttrs(w, v as Attrs);
      return;
    case 'names': {
      const names = v as NameEntry[];
      if (!Array.isArray(names)) throw new TypeError(`SFTP: ${field} must be an array`);
      w.uint32(names.length);
      for (const n of names) {
        w.string(n.filename).string(n.longname);
        encodeAttrs(w, n.attrs);
      }
      return;
    }
    case 'extensions':
      if (!Array.isArray(v)) throw new TypeError(`SFTP: ${field} must be an array`);
      for (const e of v as ExtensionPair[]) w.string(e.name).string(e.data);
      return;
    case 'rest':
      if (!(v instanceof Uint8Array)) throw new TypeError(`SFTP: ${field} must be a Uint8Array`);
      w.raw(v);
      return;
  }
}

function writeHeader(out: Uint8Array, length: number, type: number, id: number): void {
  out[0] = length >>> 24;
  out[1] = length >>> 16;
  out[2] = length >>> 8;
  out[3] = length;
  out[4] = type;
  out[5] = id >>> 24;
  out[6] = id >>> 16;
  out[7] = id >>> 8;
  out[8] = id;
}

function checkId(id: unknown): number {
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 0xffffffff) throw new RangeError(`SFTP: request id must be a uint32, got ${id}`);
  return id;
}

/** Encodes a WRITE straight into one exactly sized buffer: the hot path of uploads (one copy of the data). */
function encodeWrite(id: number, handle: Uint8Array, offset: number, data: Uint8Array): Uint8Array {
  if (handle.length > SFTP_LIMITS.MAX_HANDLE) throw new RangeError(`SFTP: handle longer than ${SFTP_LIMITS.MAX_HANDLE} bytes`);
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`SFTP: offset must be a non-negative safe integer, got ${offset}`);
  const len = 1 + 4 + 4 + handle.length + 8 + 4 + data.length;
  const out = new Uint8Array(4 + len);
  writeHeader(out, len, FXP.WRITE, id);
  const dv = new DataView(out.buffer);
  let p = 9;
  dv.setUint32(p, handle.length);
  out.set(handle, p + 4);
  p += 4 + handle.length;
  dv.setUint32(p, Math.floor(offset / 0x100000000));
  dv.setUint32(p + 4, offset >>> 0);
  dv.setUint32(p + 8, data.length);
  out.set(data, p + 12);
  return out;
}

/**
 * The header of a WRITE (everything before the data; its length field counts the data), for
 * sending the data as a separate buffer without copying it: the hot path of uploads.
 */
export function encodeWriteHeader(id: number, handle: Uint8Array, offset: number, dataLength: number): Uint8Array {
  if (!(handle instanceof Uint8Array)) throw new TypeError('SFTP WRITE: handle must be a Uint8Array');
  if (handle.length > SFTP_LIMITS.MAX_HANDLE) throw new RangeError(`SFTP: handle longer than ${SFTP_LIMITS.MAX_HANDLE} bytes`);
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`SFTP: offset must be a non-negative safe integer, got ${offset}`);
  const head = 1 + 4 + 4 + handle.length + 8 + 4;
  const out = new Uint8Array(4 + head);
  writeHeader(out, head + dataLength, FXP.WRITE, checkId(id));
  const dv = new DataView(out.buffer);
  let p = 9;
  dv.setUint32(p, handle.length);
  out.set(handle, p + 4);
  p += 4 + handle.length;
  dv.setUint32(p, Math.floor(offset / 0x100000000));
  dv.setUint32(p + 4, offset >>> 0);
  dv.setUint32(p + 8, dataLength);
  return out;
}

/** Encodes a DATA reply into one exactly sized buffer: the hot path of downloads. */
function encodeData(id: number, data: Uint8Array): Uint8Array {
  const len = 1 + 4 + 4 + data.length;
  const out = new Uint8Array(4 + len);
  writeHeader(out, len, FXP.DATA, id);
  new DataView(out.buffer).setUint32(9, data.length);
  out.set(data, 13);
  return out;
}

/** Encodes one message as a whole packet: uint32 length, type, body. Says which field is wrong. */
export function encodePacket(msg: SftpMessage): Uint8Array {
  const type = msg?.type as number;
  const spec = (SCHEMA as Record<number, { name: string; id: boolean; fields: FieldList }>)[type];
  if (!spec) throw new RangeError(`SFTP: cannot encode unknown packet type ${type}`);
  const m = msg as unknown as Record<string, unknown>;
  if (type === FXP.WRITE) {
    if (!(m.handle instanceof Uint8Array) || !(m.data instanceof Uint8Array)) throw new TypeError('SFTP WRITE: handle and data must be Uint8Arrays');
    return encodeWrite(checkId(m.id), m.handle, m.offset as number, m.data);
  }
  if (type === FXP.DATA) {
    if (!(m.data instanceof Uint8Array)) throw new TypeError('SFTP DATA: data must be a Uint8Array');
    return encodeData(checkId(m.id), m.data);
  }
  const w = new SshWriter(256);
  w.uint32(0).byte(type);
  if (spec.id) w.uint32(checkId(m.id));
  for (const [name, kind] of spec.fields) writeField(w, kind, name, m[name]);
  const out = w.finish();
  const len = out.length - 4;
  out[0] = len >>> 24;
  out[1] = len >>> 16;
  out[2] = len >>> 8;
  out[3] = len;
  return out;
}

/** UTF-8 bytes of a string (for extension payloads and tests). */
export const utf8Bytes = (s: string): Uint8Array => utf8.encode(s);
