// SshWriter: encodes the SSH data types of RFC 4251 §5 into a growable buffer. Used for messages,
// exchange-hash inputs, signatures and key blobs. Hot-path packets are written straight into
// kernel memory by the transport instead (see transport/).

const utf8 = new TextEncoder();

export class SshWriter {
  private buf: Uint8Array;
  private pos = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  byte(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  boolean(v: boolean): this {
    return this.byte(v ? 1 : 0);
  }

  uint32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`uint32 out of range: ${v}`);
    this.ensure(4);
    const b = this.buf, p = this.pos;
    b[p] = v >>> 24;
    b[p + 1] = v >>> 16;
    b[p + 2] = v >>> 8;
    b[p + 3] = v;
    this.pos += 4;
    return this;
  }

  uint64(v: bigint): this {
    if (v < 0n || v > 0xffffffffffffffffn) throw new RangeError(`uint64 out of range: ${v}`);
    this.uint32(Number(v >> 32n));
    return this.uint32(Number(v & 0xffffffffn));
  }

  /** Raw bytes with no length prefix. */
  raw(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** An SSH string: uint32 length then the bytes (a JS string is UTF-8 encoded). */
  string(v: Uint8Array | string): this {
    const b = typeof v === 'string' ? utf8.encode(v) : v;
    this.uint32(b.length);
    return this.raw(b);
  }

  /** A name-list: names joined by commas; each must be non-empty printable US-ASCII without commas. */
  nameList(names: readonly string[]): this {
    for (const n of names) {
      if (!/^[\x21-\x2b\x2d-\x7e]+$/.test(n)) throw new RangeError(`invalid name in name-list: ${JSON.stringify(n)}`);
    }
    return this.string(names.join(','));
  }

  /** An mpint (two's complement, big-endian, minimal). */
  mpint(v: bigint): this {
    return this.string(mpintBytes(v));
  }

  /** The bytes written (a copy, sized exactly). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

/** Minimal two's-complement big-endian bytes of v, as an mpint's body (RFC 4251 §5). */
export function mpintBytes(v: bigint): Uint8Array {
  if (v === 0n) return new Uint8Array(0);
  // Smallest len with -2^(8len-1) <= v < 2^(8len-1).
  const m = v < 0n ? -v - 1n : v; // magnitude bits that must sit below the sign bit
  const len = (m === 0n ? 0 : m.toString(2).length >> 3) + 1;
  let t = v < 0n ? (1n << BigInt(8 * len)) + v : v;
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(t & 0xffn);
    t >>= 8n;
  }
  return out;
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
