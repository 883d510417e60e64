// Byte helpers for the keys layer: strict base64 (RFC 4648 §4) that says where it went wrong,
// big-endian bigint conversion, constant-time comparison and zeroing of secrets.

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(256).fill(-1);
for (let i = 0; i < 64; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/** Encodes bytes as base64 (standard alphabet); `pad` = false drops the trailing '='. */
export function base64Encode(bytes: Uint8Array, pad = true): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += B64[v >> 18] + B64[(v >> 12) & 63] + B64[(v >> 6) & 63] + B64[v & 63];
  }
  const left = bytes.length - i;
  if (left === 1) {
    const v = bytes[i] << 16;
    out += B64[v >> 18] + B64[(v >> 12) & 63] + (pad ? '==' : '');
  } else if (left === 2) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += B64[v >> 18] + B64[(v >> 12) & 63] + B64[(v >> 6) & 63] + (pad ? '=' : '');
  }
  return out;
}

/** Thrown by base64Decode; `offset` is the character index of the problem. */
export class Base64Error extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/**
 * Decodes standard base64. Padding is optional but, when present, must be correct; any character
 * outside the alphabet (whitespace included) is an error naming its offset.
 */
export function base64Decode(text: string): Uint8Array {
  let end = text.length;
  let pads = 0;
  while (end > 0 && text.charCodeAt(end - 1) === 0x3d /* = */ && pads < 2) {
    end--;
    pads++;
  }
  if (pads > 0 && text.length % 4 !== 0) throw new Base64Error('base64 padding is misplaced', end);
  if (end % 4 === 1) throw new Base64Error('base64 length is impossible (one character left over)', end - 1);
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    const v = c < 256 ? B64_INDEX[c] : -1;
    if (v < 0) throw new Base64Error(`character ${JSON.stringify(text[i])} is not base64`, i);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) throw new Base64Error('base64 has non-zero trailing bits', end - 1);
  return out;
}

/** Lower-case hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** Unsigned big-endian bytes to bigint. */
export function bytesToBigint(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  return BigInt('0x' + toHex(bytes));
}

/** Unsigned big-endian encoding of v in exactly `len` bytes (throws if it doesn't fit). */
export function bigintToBytes(v: bigint, len: number): Uint8Array {
  if (v < 0n) throw new RangeError('negative value');
  const out = new Uint8Array(len);
  let t = v;
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(t & 0xffn);
    t >>= 8n;
  }
  if (t !== 0n) throw new RangeError(`value does not fit in ${len} bytes`);
  return out;
}

/** Bit length of a non-negative bigint. */
export function bitLength(v: bigint): number {
  return v === 0n ? 0 : v.toString(2).length;
}

/** Byte-wise equality that takes the same time wherever the first difference is. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/** Overwrites secret bytes with zeros. */
export function wipe(...arrays: (Uint8Array | undefined)[]): void {
  for (const a of arrays) a?.fill(0);
}

/** The default randomness: the Web Crypto CSPRNG, in chunks of at most 65536 bytes. */
export function webRandom(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) globalThis.crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}
