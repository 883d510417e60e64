// Key derivation of RFC 4253 §7.2: each key is HASH(K || H || letter || session_id), extended
// while more bytes are needed by K1 = that, Kn+1 = HASH(K || H || K1 || ... || Kn). K enters
// exactly as the method encodes it (mpint for DH/ECDH/curve25519, string for the ML-KEM hybrid),
// length prefix included, as OpenSSH hashes it.
import type { HashName } from '../types.ts';
import { hashBytes, hashLength, wipe } from './common.ts';

/** The six letters of RFC 4253 §7.2: IVs 'A'/'B', keys 'C'/'D', MAC keys 'E'/'F' (client to server first). */
export type KeyLetter = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';

/** Longest key we derive: well above any cipher or MAC here (64 bytes for chacha20-poly1305); bounds the work. */
export const MAX_DERIVED_KEY = 1024;

/**
 * Derives `length` bytes of key material.
 * @param hash the key exchange method's hash
 * @param k the shared secret K as encoded by the method (KexResult.sharedSecret)
 * @param h the exchange hash H of this key exchange
 * @param letter which key ('A'..'F')
 * @param sessionId H of the first key exchange of the connection
 * @param length bytes wanted (0..MAX_DERIVED_KEY)
 */
export function deriveKey(
  hash: HashName,
  k: Uint8Array,
  h: Uint8Array,
  letter: KeyLetter | string,
  sessionId: Uint8Array,
  length: number,
): Uint8Array {
  const outLen = hashLength(hash);
  if (!(k instanceof Uint8Array) || k.length < 4) throw new TypeError('deriveKey: K must be the encoded shared secret (at least a 4-byte length)');
  if (!(h instanceof Uint8Array) || h.length === 0) throw new TypeError('deriveKey: H must be a non-empty Uint8Array');
  if (!(sessionId instanceof Uint8Array) || sessionId.length === 0) throw new TypeError('deriveKey: sessionId must be a non-empty Uint8Array');
  if (typeof letter !== 'string' || !/^[A-F]$/.test(letter)) throw new TypeError(`deriveKey: letter must be one of A-F, got ${JSON.stringify(letter)}`);
  if (!Number.isInteger(length) || length < 0 || length > MAX_DERIVED_KEY) {
    throw new RangeError(`deriveKey: length must be an integer in [0, ${MAX_DERIVED_KEY}], got ${length}`);
  }
  const out = new Uint8Array(length);
  if (length === 0) return out;
  // First block: HASH(K || H || letter || session_id).
  const first = new Uint8Array(k.length + h.length + 1 + sessionId.length);
  first.set(k, 0);
  first.set(h, k.length);
  first[k.length + h.length] = letter.charCodeAt(0);
  first.set(sessionId, k.length + h.length + 1);
  let block = hashBytes(hash, first);
  wipe(first);
  // Later blocks: HASH(K || H || K1 || ... || Kn), over everything produced so far.
  const blocks = Math.ceil(length / outLen);
  const acc = new Uint8Array(k.length + h.length + blocks * outLen);
  acc.set(k, 0);
  acc.set(h, k.length);
  let produced = 0;
  for (;;) {
    acc.set(block, k.length + h.length + produced);
    const take = Math.min(outLen, length - produced);
    out.set(block.subarray(0, take), produced);
    produced += outLen;
    wipe(block);
    if (produced >= length) break;
    block = hashBytes(hash, acc.subarray(0, k.length + h.length + produced));
  }
  wipe(acc);
  return out;
}
