// The one schema-driven codec for SSH messages (DESIGN.md house style 2, like Go's struct tags):
// a message is a record whose fields are described by data (a Schema); encode and decode walk
// that description with SshWriter / SshReader (RFC 4251 §5 types). Decoding is strict: a
// truncated field, invalid UTF-8, a list count larger than the bytes present (Go
// CVE-2025-58181) or trailing bytes are ProtocolErrors.
import { ProtocolError, SshReader, SshWriter } from '../wire/index.ts';

/**
 * How one field is carried:
 * - 'byte' | 'boolean' | 'uint32' | 'uint64': fixed-size integers (uint64 as bigint)
 * - 'string': an SSH string as raw bytes; 'text': an SSH string decoded as UTF-8
 * - 'names': a name-list; 'mpint': a multiple-precision integer (bigint)
 * - 'rest': every remaining byte (type-specific data, decoded by a second schema); last field only
 * - { fixed: n }: exactly n raw bytes (the KEXINIT cookie)
 * - { list: schema }: uint32 count, then that many entries of the schema
 */
export type FieldSpec =
  | 'byte'
  | 'boolean'
  | 'uint32'
  | 'uint64'
  | 'string'
  | 'text'
  | 'names'
  | 'mpint'
  | 'rest'
  | { readonly fixed: number }
  | { readonly list: Schema };

/** Field name -> spec, in wire order (object key order is the order on the wire). */
export type Schema = { readonly [field: string]: FieldSpec };

/** The JS value a field spec decodes to. */
export type FieldValue<F> = F extends 'byte' | 'uint32'
  ? number
  : F extends 'boolean'
    ? boolean
    : F extends 'uint64' | 'mpint'
      ? bigint
      : F extends 'string' | 'rest'
        ? Uint8Array
        : F extends 'text'
          ? string
          : F extends 'names'
            ? string[]
            : F extends { readonly fixed: number }
              ? Uint8Array
              : F extends { readonly list: infer S extends Schema }
                ? Decoded<S>[]
                : never;

/** The record type a schema describes. */
export type Decoded<S extends Schema> = { -readonly [K in keyof S]: FieldValue<S[K]> };

/** Encoder and decoder of one schema (a message body without its number, or type-specific data). */
export interface StructCodec<S extends Schema = Schema> {
  readonly name: string;
  readonly schema: S;
  /** Writes the fields into w. Throws TypeError / RangeError naming the field when a value is wrong. */
  write(w: SshWriter, value: Decoded<S>): void;
  /** Reads the fields from r (does not check for trailing bytes). */
  read(r: SshReader): Decoded<S>;
  /** Encodes to bytes. */
  encode(value: Decoded<S>): Uint8Array;
  /** Decodes bytes, rejecting trailing bytes. */
  decode(bytes: Uint8Array): Decoded<S>;
}

/** A message codec: a message number followed by a schema. */
export interface MessageCodec<S extends Schema = Schema> extends StructCodec<S> {
  readonly id: number;
  /** Encodes to a payload starting with the message number. */
  encode(value: Decoded<S>): Uint8Array;
  /** Decodes a payload (message number first), rejecting a wrong number or trailing bytes. */
  decode(payload: Uint8Array): Decoded<S>;
}

/** The fewest bytes one value of a field can take: bounds list counts before any allocation. */
export function minSize(spec: FieldSpec): number {
  if (typeof spec === 'object') {
    if ('fixed' in spec) return spec.fixed;
    return 4;
  }
  switch (spec) {
    case 'byte':
    case 'boolean':
      return 1;
    case 'uint64':
      return 8;
    case 'rest':
      return 0;
    default:
      return 4;
  }
}

function schemaMinSize(schema: Schema): number {
  let n = 0;
  for (const k in schema) n += minSize(schema[k]);
  return n;
}

function checkSchema(name: string, schema: Schema): void {
  const keys = Object.keys(schema);
  keys.forEach((k, i) => {
    const spec = schema[k];
    if (spec === 'rest' && i !== keys.length - 1) throw new TypeError(`${name}: 'rest' must be the last field (${k})`);
    if (typeof spec === 'object' && 'list' in spec) {
      checkSchema(`${name}.${k}`, spec.list);
      if (schemaMinSize(spec.list) < 1) throw new TypeError(`${name}.${k}: list entries must take at least one byte`);
      if (Object.values(spec.list).includes('rest')) throw new TypeError(`${name}.${k}: list entries can't hold 'rest'`);
    }
    if (typeof spec === 'object' && 'fixed' in spec && !(Number.isInteger(spec.fixed) && spec.fixed > 0)) {
      throw new TypeError(`${name}.${k}: fixed size must be a positive integer`);
    }
  });
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v instanceof Uint8Array) return `Uint8Array(${v.length})`;
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function writeField(w: SshWriter, where: string, spec: FieldSpec, v: unknown): void {
  const bad = (want: string): never => {
    throw new TypeError(`${where} must be ${want}, got ${describe(v)}`);
  };
  if (typeof spec === 'object') {
    if ('fixed' in spec) {
      if (!(v instanceof Uint8Array)) bad(`a Uint8Array of ${spec.fixed} bytes`);
      if ((v as Uint8Array).length !== spec.fixed) throw new RangeError(`${where} must be ${spec.fixed} bytes, got ${(v as Uint8Array).length}`);
      w.raw(v as Uint8Array);
      return;
    }
    if (!Array.isArray(v)) bad('an array');
    const arr = v as Record<string, unknown>[];
    w.uint32(arr.length);
    arr.forEach((entry, i) => {
      if (entry === null || typeof entry !== 'object') throw new TypeError(`${where}[${i}] must be an object, got ${describe(entry)}`);
      for (const k in spec.list) writeField(w, `${where}[${i}].${k}`, spec.list[k], entry[k]);
    });
    return;
  }
  switch (spec) {
    case 'byte':
      if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 255) bad('an integer 0..255');
      w.byte(v as number);
      return;
    case 'boolean':
      if (typeof v !== 'boolean') bad('a boolean');
      w.boolean(v as boolean);
      return;
    case 'uint32':
      if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 0xffffffff) bad('an integer 0..2^32-1');
      w.uint32(v as number);
      return;
    case 'uint64':
      if (typeof v !== 'bigint' || v < 0n || v > 0xffffffffffffffffn) bad('a bigint 0..2^64-1');
      w.uint64(v as bigint);
      return;
    case 'mpint':
      if (typeof v !== 'bigint') bad('a bigint');
      w.mpint(v as bigint);
      return;
    case 'string':
      if (!(v instanceof Uint8Array)) bad('a Uint8Array');
      w.string(v as Uint8Array);
      return;
    case 'text':
      if (typeof v !== 'string') bad('a string');
      w.string(v as string);
      return;
    case 'names':
      if (!Array.isArray(v) || !v.every((n) => typeof n === 'string')) bad('an array of strings');
      try {
        w.nameList(v as string[]);
      } catch (e) {
        throw new RangeError(`${where}: ${(e as Error).message}`);
      }
      return;
    case 'rest':
      if (!(v instanceof Uint8Array)) bad('a Uint8Array');
      w.raw(v as Uint8Array);
      return;
  }
}

function readField(r: SshReader, where: string, spec: FieldSpec): unknown {
  if (typeof spec === 'object') {
    if ('fixed' in spec) return r.raw(spec.fixed, where);
    const count = r.uint32(`${where} count`);
    const min = schemaMinSize(spec.list);
    // The count is checked against the bytes actually present before anything is sized by it.
    if (count > Math.floor(r.remaining / min)) {
      throw new ProtocolError(`${where}: count ${count} exceeds what the remaining ${r.remaining} bytes can hold`);
    }
    const out: Record<string, unknown>[] = [];
    for (let i = 0; i < count; i++) {
      const entry: Record<string, unknown> = {};
      for (const k in spec.list) entry[k] = readField(r, `${where}[${i}].${k}`, spec.list[k]);
      out.push(entry);
    }
    return out;
  }
  switch (spec) {
    case 'byte':
      return r.byte(where);
    case 'boolean':
      return r.boolean(where);
    case 'uint32':
      return r.uint32(where);
    case 'uint64':
      return r.uint64(where);
    case 'mpint':
      return r.mpint(where);
    case 'string':
      return r.string(where);
    case 'text':
      return r.text(where);
    case 'names':
      return r.nameList(where);
    case 'rest':
      return r.rest();
  }
}

function makeStruct<S extends Schema>(name: string, schema: S): StructCodec<S> {
  checkSchema(name, schema);
  const keys = Object.keys(schema);
  const codec: StructCodec<S> = {
    name,
    schema,
    write(w, value) {
      if (value === null || typeof value !== 'object') throw new TypeError(`${name}: value must be an object, got ${describe(value)}`);
      const rec = value as Record<string, unknown>;
      for (const k of keys) writeField(w, `${name}.${k}`, schema[k], rec[k]);
    },
    read(r) {
      const out: Record<string, unknown> = {};
      for (const k of keys) out[k] = readField(r, k, schema[k]);
      return out as Decoded<S>;
    },
    encode(value) {
      const w = new SshWriter(64);
      codec.write(w, value);
      return w.finish();
    },
    decode(bytes) {
      if (!(bytes instanceof Uint8Array)) throw new TypeError(`${name}: expected a Uint8Array, got ${describe(bytes)}`);
      const r = new SshReader(bytes, name);
      const v = codec.read(r);
      r.end();
      return v;
    },
  };
  return codec;
}

/** Defines type-specific data carried in a 'rest' field (e.g. the "exec" request's command). */
export function struct<const S extends Schema>(name: string, schema: S): StructCodec<S> {
  return makeStruct(name, schema);
}

/** Defines a message: number `id` followed by the schema's fields. */
export function message<const S extends Schema>(id: number, name: string, schema: S): MessageCodec<S> {
  if (!Number.isInteger(id) || id < 1 || id > 255) throw new RangeError(`${name}: message number must be 1..255, got ${id}`);
  const body = makeStruct(name, schema);
  return {
    id,
    name,
    schema,
    write(w, value) {
      w.byte(id);
      body.write(w, value);
    },
    read(r) {
      const n = r.byte('message number');
      if (n !== id) throw new ProtocolError(`${name}: expected message ${id}, got ${n}`);
      return body.read(r);
    },
    encode(value) {
      const w = new SshWriter(64);
      w.byte(id);
      body.write(w, value);
      return w.finish();
    },
    decode(payload) {
      if (!(payload instanceof Uint8Array)) throw new TypeError(`${name}: expected a Uint8Array, got ${describe(payload)}`);
      const r = new SshReader(payload, name);
      const n = r.byte('message number');
      if (n !== id) throw new ProtocolError(`${name}: expected message ${id}, got ${n}`);
      const v = body.read(r);
      r.end();
      return v;
    },
  };
}
