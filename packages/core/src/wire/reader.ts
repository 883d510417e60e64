// SshReader: decodes the SSH data types of RFC 4251 §5 (byte, boolean, uint32, uint64, string,
// mpint, name-list) from a Uint8Array without copying. Every read is bounds-checked against
// the bytes actually present, so an attacker-given length can never size an allocation
// (Go CVE-2025-58181): a string longer than the rest of the packet is an error, not a buffer.
import { ProtocolError } from './errors.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class SshReader {
  private pos = 0;
  constructor(
    private readonly buf: Uint8Array,
    /** What is being decoded, for error messages (e.g. 'KEXINIT'). */
    private readonly what = 'message',
  ) {}

  /** Bytes not read yet. */
  get remaining(): number {
    return this.buf.length - this.pos;
  }

  /** Current offset. */
  get offset(): number {
    return this.pos;
  }

  private need(n: number, field: string): void {
    if (n > this.buf.length - this.pos) {
      throw new ProtocolError(`${this.what}: truncated reading ${field} (need ${n} bytes at offset ${this.pos}, have ${this.buf.length - this.pos})`);
    }
  }

  byte(field = 'byte'): number {
    this.need(1, field);
    return this.buf[this.pos++];
  }

  boolean(field = 'boolean'): boolean {
    return this.byte(field) !== 0;
  }

  uint32(field = 'uint32'): number {
    this.need(4, field);
    const b = this.buf, p = this.pos;
    this.pos += 4;
    return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
  }

  uint64(field = 'uint64'): bigint {
    const hi = this.uint32(field);
    const lo = this.uint32(field);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** Raw bytes, n of them (a view, not a copy). */
  raw(n: number, field = 'bytes'): Uint8Array {
    this.need(n, field);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** An SSH string as bytes (a view into the packet, not a copy). */
  string(field = 'string'): Uint8Array {
    const n = this.uint32(field + ' length');
    return this.raw(n, field);
  }

  /** An SSH string decoded as UTF-8 (invalid UTF-8 is an error). */
  text(field = 'text'): string {
    const b = this.string(field);
    try {
      return utf8.decode(b);
    } catch {
      throw new ProtocolError(`${this.what}: ${field} is not valid UTF-8`);
    }
  }

  /** A name-list (comma-separated US-ASCII names); empty names are an error. */
  nameList(field = 'name-list'): string[] {
    const b = this.string(field);
    if (b.length === 0) return [];
    let s = '';
    for (const c of b) {
      if (c <= 0x20 || c >= 0x7f) throw new ProtocolError(`${this.what}: ${field} has a byte 0x${c.toString(16)} that isn't printable US-ASCII`);
      s += String.fromCharCode(c);
    }
    const names = s.split(',');
    if (names.some((n) => n.length === 0)) throw new ProtocolError(`${this.what}: ${field} has an empty name`);
    return names;
  }

  /** An mpint as a bigint (two's complement, big-endian; non-minimal encodings rejected). */
  mpint(field = 'mpint'): bigint {
    const b = this.string(field);
    if (b.length === 0) return 0n;
    if (b.length > 1 && ((b[0] === 0 && (b[1] & 0x80) === 0) || (b[0] === 0xff && (b[1] & 0x80) !== 0))) {
      throw new ProtocolError(`${this.what}: ${field} has a non-minimal encoding`);
    }
    let v = 0n;
    for (const x of b) v = (v << 8n) | BigInt(x);
    if (b[0] & 0x80) v -= 1n << BigInt(b.length * 8);
    return v;
  }

  /** Everything left (a view). */
  rest(): Uint8Array {
    const out = this.buf.subarray(this.pos);
    this.pos = this.buf.length;
    return out;
  }

  /** Throws unless every byte was read: trailing bytes are an error (house style). */
  end(): void {
    if (this.pos !== this.buf.length) {
      throw new ProtocolError(`${this.what}: ${this.buf.length - this.pos} unexpected trailing bytes`);
    }
  }
}
