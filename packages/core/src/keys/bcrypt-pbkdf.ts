// bcrypt_pbkdf as OpenSSH defines it (openbsd-compat/bcrypt_pbkdf.c; PROTOCOL.key "kdfname
// bcrypt"): a PBKDF2-like construction whose PRF is bcrypt_hash(SHA-512(pass), SHA-512(salt||count)).
// bcrypt_hash runs the eksblowfish schedule with 64 rounds and encrypts the 32-byte string
// "OxychromaticBlowfishSwatDynamite" 64 times, output as little-endian words. Output bytes of
// each block are spread across the key with a stride, so every block is needed for any prefix.
import { sha512 } from '@noble/hashes/sha2.js';
import { Blowfish, streamWords } from './blowfish.ts';

const MAGIC = new TextEncoder().encode('OxychromaticBlowfishSwatDynamite');
const HASH_LEN = 32;
/**
 * Most rounds accepted in a key file. ssh-keygen writes 16 by default and -a sets any number;
 * values past a few hundred are rare. Each round costs ~10-30 ms here (two blocks for a
 * 48-byte key), so 16384 rounds is already minutes: a file asking for more is refused as
 * malformed rather than hanging the loader for hours.
 */
export const BCRYPT_MAX_ROUNDS = 16384;

/** bcrypt_hash: one 32-byte output from SHA-512 digests of the passphrase and salt. */
export function bcryptHash(sha2pass: Uint8Array, sha2salt: Uint8Array): Uint8Array {
  const bf = new Blowfish();
  const pass = streamWords(sha2pass);
  const salt = streamWords(sha2salt);
  bf.expandSalted(salt, pass);
  for (let i = 0; i < 64; i++) {
    bf.expand0(salt);
    bf.expand0(pass);
  }
  const c = streamWords(MAGIC);
  for (let i = 0; i < 64; i++) {
    for (let j = 0; j < 8; j += 2) {
      bf.encipher(c[j], c[j + 1]);
      c[j] = bf.l;
      c[j + 1] = bf.r;
    }
  }
  const out = new Uint8Array(HASH_LEN);
  for (let i = 0; i < 8; i++) {
    out[4 * i] = c[i];
    out[4 * i + 1] = c[i] >>> 8;
    out[4 * i + 2] = c[i] >>> 16;
    out[4 * i + 3] = c[i] >>> 24;
  }
  bf.s.fill(0);
  pass.fill(0);
  salt.fill(0);
  return out;
}

/**
 * Derives `keyLength` bytes from `passphrase` and `salt` with `rounds` rounds (OpenSSH's
 * bcrypt_pbkdf). Passphrase and salt must be non-empty; keyLength 1..1024; rounds >= 1.
 */
export function bcryptPbkdf(passphrase: Uint8Array, salt: Uint8Array, keyLength: number, rounds: number): Uint8Array {
  if (passphrase.length === 0) throw new RangeError('bcrypt_pbkdf: empty passphrase');
  if (salt.length === 0 || salt.length > 1 << 20) throw new RangeError('bcrypt_pbkdf: salt must be 1 byte to 1 MiB');
  if (!Number.isInteger(keyLength) || keyLength < 1 || keyLength > HASH_LEN * HASH_LEN) throw new RangeError('bcrypt_pbkdf: key length must be 1..1024');
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError('bcrypt_pbkdf: rounds must be >= 1');
  const stride = Math.ceil(keyLength / HASH_LEN);
  const amt = Math.ceil(keyLength / stride);
  const key = new Uint8Array(keyLength);
  const sha2pass = sha512(passphrase);
  const countSalt = new Uint8Array(salt.length + 4);
  countSalt.set(salt);
  let left = keyLength;
  for (let count = 1; left > 0; count++) {
    countSalt[salt.length] = count >>> 24;
    countSalt[salt.length + 1] = count >>> 16;
    countSalt[salt.length + 2] = count >>> 8;
    countSalt[salt.length + 3] = count;
    let tmp = bcryptHash(sha2pass, sha512(countSalt));
    const out = tmp.slice();
    for (let i = 1; i < rounds; i++) {
      const next = bcryptHash(sha2pass, sha512(tmp));
      tmp.fill(0);
      tmp = next;
      for (let j = 0; j < HASH_LEN; j++) out[j] ^= tmp[j];
    }
    tmp.fill(0);
    let i = 0;
    for (; i < Math.min(amt, left); i++) {
      const dest = i * stride + (count - 1);
      if (dest >= keyLength) break;
      key[dest] = out[i];
    }
    out.fill(0);
    left -= i;
  }
  sha2pass.fill(0);
  return key;
}
