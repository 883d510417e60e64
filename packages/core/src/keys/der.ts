// A small strict DER reader (ITU-T X.690 §10) for the private key files this layer reads:
// PKCS#1 RSAPrivateKey (RFC 8017 A.1.2), PKCS#8 PrivateKeyInfo / OneAsymmetricKey (RFC 5208,
// RFC 5958), SEC1 ECPrivateKey (RFC 5915) and Ed25519 CurvePrivateKey (RFC 8410 §7).
// Definite lengths only, every length checked against the bytes present, depth bounded by
// the caller's structure (no recursion on input).

/** A DER decoding error; callers turn it into a KeyFileError naming the file. */
export class DerError extends Error {}

/** Universal tags used here. */
export const TAG = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
} as const;

/** Reads consecutive DER elements from a byte range. */
export class DerReader {
  private pos = 0;
  constructor(
    private readonly buf: Uint8Array,
    private readonly what = 'DER',
  ) {}

  /** True when every byte has been read. */
  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  /** The tag of the next element, or -1 at the end. */
  peekTag(): number {
    return this.pos < this.buf.length ? this.buf[this.pos] : -1;
  }

  /** Reads one element; checks its tag when `tag` is given. Returns the tag and contents (a view). */
  element(tag?: number, field = 'element'): { tag: number; body: Uint8Array } {
    const b = this.buf;
    if (this.pos + 2 > b.length) throw new DerError(`${this.what}: truncated at ${field}`);
    const t = b[this.pos++];
    if ((t & 0x1f) === 0x1f) throw new DerError(`${this.what}: multi-byte tags are not used in key files (${field})`);
    if (tag !== undefined && t !== tag) throw new DerError(`${this.what}: expected tag 0x${tag.toString(16)} for ${field}, found 0x${t.toString(16)}`);
    let len = b[this.pos++];
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0) throw new DerError(`${this.what}: indefinite length in ${field} (BER, not DER)`);
      if (n > 4) throw new DerError(`${this.what}: length of ${field} is too large`);
      if (this.pos + n > b.length) throw new DerError(`${this.what}: truncated length of ${field}`);
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + b[this.pos++];
      if (len < 0x80 || (n > 1 && b[this.pos - n] === 0)) throw new DerError(`${this.what}: non-minimal length in ${field}`);
    }
    if (len > b.length - this.pos) throw new DerError(`${this.what}: ${field} is truncated (needs ${len} bytes, ${b.length - this.pos} left)`);
    const body = b.subarray(this.pos, this.pos + len);
    this.pos += len;
    return { tag: t, body };
  }

  /** A SEQUENCE (or other constructed tag), as a reader over its contents. */
  sequence(field = 'SEQUENCE', tag: number = TAG.SEQUENCE): DerReader {
    return new DerReader(this.element(tag, field).body, `${this.what} ${field}`);
  }

  /** A non-negative INTEGER as bigint (minimal encoding required). */
  uint(field = 'INTEGER'): bigint {
    const body = this.element(TAG.INTEGER, field).body;
    if (body.length === 0) throw new DerError(`${this.what}: empty INTEGER ${field}`);
    if (body.length > 1 && ((body[0] === 0 && !(body[1] & 0x80)) || (body[0] === 0xff && body[1] & 0x80))) {
      throw new DerError(`${this.what}: non-minimal INTEGER ${field}`);
    }
    if (body[0] & 0x80) throw new DerError(`${this.what}: ${field} is negative`);
    let v = 0n;
    for (const x of body) v = (v << 8n) | BigInt(x);
    return v;
  }

  /** A small non-negative INTEGER (a version field) as a number. */
  small(field = 'version'): number {
    const v = this.uint(field);
    if (v > 1000n) throw new DerError(`${this.what}: ${field} ${v} is out of range`);
    return Number(v);
  }

  /** An OCTET STRING's contents. */
  octets(field = 'OCTET STRING'): Uint8Array {
    return this.element(TAG.OCTET_STRING, field).body;
  }

  /** A BIT STRING's contents (no unused bits allowed). */
  bits(field = 'BIT STRING'): Uint8Array {
    const body = this.element(TAG.BIT_STRING, field).body;
    if (body.length === 0 || body[0] !== 0) throw new DerError(`${this.what}: ${field} has unused bits`);
    return body.subarray(1);
  }

  /** An OBJECT IDENTIFIER in dotted form. */
  oid(field = 'OID'): string {
    const body = this.element(TAG.OID, field).body;
    if (body.length === 0 || body.length > 64) throw new DerError(`${this.what}: bad OID ${field}`);
    const parts: number[] = [];
    let v = 0;
    for (let i = 0; i < body.length; i++) {
      if (v === 0 && body[i] === 0x80) throw new DerError(`${this.what}: non-minimal OID ${field}`);
      v = v * 128 + (body[i] & 0x7f);
      if (v > 2 ** 40) throw new DerError(`${this.what}: OID arc too large in ${field}`);
      if (!(body[i] & 0x80)) {
        parts.push(v);
        v = 0;
      } else if (i === body.length - 1) throw new DerError(`${this.what}: truncated OID ${field}`);
    }
    const first = parts[0] < 80 ? Math.floor(parts[0] / 40) : 2;
    return [first, parts[0] - first * 40, ...parts.slice(1)].join('.');
  }

  /** NULL (e.g. AlgorithmIdentifier parameters of rsaEncryption). */
  null(field = 'NULL'): void {
    if (this.element(TAG.NULL, field).body.length !== 0) throw new DerError(`${this.what}: NULL ${field} has contents`);
  }

  /** Throws unless every byte was read. */
  end(): void {
    if (this.pos !== this.buf.length) throw new DerError(`${this.what}: ${this.buf.length - this.pos} unexpected trailing bytes`);
  }
}
