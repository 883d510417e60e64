// RSA for SSH on BigInt: public key blob  string "ssh-rsa" || mpint e || mpint n  (RFC 4253 §6.6);
// rsa-sha2-256 / rsa-sha2-512 signatures (RFC 8332 §3): RSASSA-PKCS1-v1_5 (RFC 8017 §8.2) with
// SHA-256 / SHA-512. Verification re-encodes EMSA-PKCS1-v1_5 (§9.2) and compares all k bytes,
// never parsing the decrypted block. Signing uses CRT, base blinding and a check that s^e = m
// (so a fault in one CRT half can't leak a factor). Key generation: Miller–Rabin primes, e = 65537.
// BigInt arithmetic is not constant-time; blinding hides the message from the timing, not d.
// ssh-rsa (SHA-1) lives in legacy.ts.
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { SshReader, SshWriter } from '../wire/index.ts';
import type { HostKeySigner, RandomSource, SignatureVerifier } from '../algorithms/types.ts';
import type { RsaPrivateKey, RsaPublicKey } from './model.ts';
import { bigintToBytes, bitLength, bytesToBigint, equalBytes, webRandom } from './bytes.ts';

/** Smallest modulus accepted, in bits (OpenSSH SSH_RSA_MINIMUM_MODULUS_SIZE). */
export const RSA_MIN_BITS = 1024;
/** Largest modulus accepted, in bits (OpenSSH / OpenSSL limit; bounds the work a peer can cause). */
export const RSA_MAX_BITS = 16384;

/** A hash for EMSA-PKCS1-v1_5: the function and its DER DigestInfo prefix (RFC 8017 §9.2 note 1). */
export interface RsaHash {
  readonly name: string;
  readonly digest: (m: Uint8Array) => Uint8Array;
  readonly prefix: Uint8Array;
}

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((h) => parseInt(h, 16)));

/** SHA-256 with its DigestInfo prefix. */
export const RSA_SHA256: RsaHash = { name: 'sha256', digest: sha256, prefix: hex('3031300d060960864801650304020105000420') };
/** SHA-512 with its DigestInfo prefix. */
export const RSA_SHA512: RsaHash = { name: 'sha512', digest: sha512, prefix: hex('3051300d060960864801650304020305000440') };

// ---------------------------------------------------------------- arithmetic

/** base^exp mod m (m odd > 1), left-to-right with a fixed 4-bit window. */
export function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  if (m <= 1n) throw new RangeError('modulus must be > 1');
  if (exp < 0n) throw new RangeError('negative exponent');
  let b = base % m;
  if (b < 0n) b += m;
  const table: bigint[] = [1n, b];
  for (let i = 2; i < 16; i++) table.push((table[i - 1] * b) % m);
  const digits = exp.toString(16);
  let r = 1n;
  for (let i = 0; i < digits.length; i++) {
    if (i > 0) {
      r = (r * r) % m;
      r = (r * r) % m;
      r = (r * r) % m;
      r = (r * r) % m;
    }
    r = (r * table[parseInt(digits[i], 16)]) % m;
  }
  return r;
}

/** a^-1 mod m, or throws if gcd(a, m) != 1. */
export function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [((a % m) + m) % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw new RangeError('value is not invertible');
  return ((oldS % m) + m) % m;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}

// ---------------------------------------------------------------- keys

/** Above this modulus size e may have at most RSA_MAX_LARGE_EXPONENT_BITS bits (OpenSSL's rule), so a
 * large key with a huge exponent can't make one verification cost a full-size exponentiation. */
export const RSA_SMALL_MODULUS_BITS = 3072;
/** Largest public exponent, in bits, accepted with a modulus over RSA_SMALL_MODULUS_BITS. */
export const RSA_MAX_LARGE_EXPONENT_BITS = 64;

/**
 * Validates n and e (odd n of 1024..16384 bits; odd e with 3 <= e < n, and e of at most 64 bits
 * when n has more than 3072) and returns the record.
 */
export function rsaPublicKey(n: bigint, e: bigint): RsaPublicKey {
  const bits = bitLength(n);
  if (n <= 0n || bits < RSA_MIN_BITS) throw new RangeError(`ssh-rsa modulus has ${bits} bits; at least ${RSA_MIN_BITS} are required`);
  if (bits > RSA_MAX_BITS) throw new RangeError(`ssh-rsa modulus has ${bits} bits; at most ${RSA_MAX_BITS} are accepted`);
  if ((n & 1n) === 0n) throw new RangeError('ssh-rsa modulus is even');
  if (e < 3n || (e & 1n) === 0n || e >= n) throw new RangeError('ssh-rsa public exponent must be odd, at least 3 and below n');
  if (bits > RSA_SMALL_MODULUS_BITS && bitLength(e) > RSA_MAX_LARGE_EXPONENT_BITS) {
    throw new RangeError(`ssh-rsa public exponent has ${bitLength(e)} bits; at most ${RSA_MAX_LARGE_EXPONENT_BITS} are accepted with a modulus over ${RSA_SMALL_MODULUS_BITS} bits`);
  }
  return { type: 'ssh-rsa', n, e };
}

/**
 * Builds a private key from n, e, d, p, q (and iqmp if known), checking that they belong together:
 * n = p·q, q^-1 mod p matches, and d inverts e (a test value round-trips).
 */
export function rsaPrivateKey(parts: { n: bigint; e: bigint; d: bigint; p: bigint; q: bigint; iqmp?: bigint }): RsaPrivateKey {
  const { n, e, d, p, q } = parts;
  rsaPublicKey(n, e);
  if (p <= 1n || q <= 1n || p * q !== n) throw new RangeError('ssh-rsa private key: p·q is not n');
  if (d <= 1n || d >= n) throw new RangeError('ssh-rsa private key: d is out of range');
  const iqmp = modInverse(q, p);
  if (parts.iqmp !== undefined && parts.iqmp !== iqmp) throw new RangeError('ssh-rsa private key: iqmp is not q^-1 mod p');
  const key: RsaPrivateKey = { type: 'ssh-rsa', n, e, d, p, q, iqmp, dp: d % (p - 1n), dq: d % (q - 1n) };
  const t = 0x1234567890abcdefn % n;
  if (rsaPrivateOp(key, modPow(t, e, n)) !== t) throw new RangeError('ssh-rsa private key: d does not invert e');
  return key;
}

/** Reads the body of an ssh-rsa public key blob after the type name (e then n). */
export function readRsaPublic(r: SshReader): RsaPublicKey {
  const e = r.mpint('e');
  const n = r.mpint('n');
  return rsaPublicKey(n, e);
}

/** Writes the ssh-rsa public key blob. */
export function writeRsaPublic(w: SshWriter, k: RsaPublicKey): void {
  w.string('ssh-rsa').mpint(k.e).mpint(k.n);
}

/** Size in bytes of the modulus (k in RFC 8017). */
export function rsaModulusBytes(k: RsaPublicKey): number {
  return (bitLength(k.n) + 7) >> 3;
}

/** m^d mod n through the CRT (RFC 8017 §5.1.2 2.b). */
function rsaPrivateOp(k: RsaPrivateKey, c: bigint): bigint {
  const m1 = modPow(c % k.p, k.dp, k.p);
  const m2 = modPow(c % k.q, k.dq, k.q);
  let h = ((m1 - m2) * k.iqmp) % k.p;
  if (h < 0n) h += k.p;
  return m2 + h * k.q;
}

// ---------------------------------------------------------------- PKCS#1 v1.5

/** EMSA-PKCS1-v1_5 encoding (RFC 8017 §9.2) of `data` for a k-byte modulus. */
export function emsaPkcs1v15(hash: RsaHash, data: Uint8Array, k: number): Uint8Array {
  const h = hash.digest(data);
  const tLen = hash.prefix.length + h.length;
  if (k < tLen + 11) throw new RangeError('RSA modulus too short for this hash');
  const em = new Uint8Array(k);
  em[1] = 0x01;
  em.fill(0xff, 2, k - tLen - 1);
  em[k - tLen - 1] = 0x00;
  em.set(hash.prefix, k - tLen);
  em.set(h, k - h.length);
  return em;
}

/** Per-key blinding pair (r^e, r^-1), squared after each use (as OpenSSL's BN_BLINDING does). */
const blinding = new WeakMap<RsaPrivateKey, { a: bigint; ai: bigint }>();

function blindingFor(k: RsaPrivateKey, random: RandomSource): { a: bigint; ai: bigint } {
  let b = blinding.get(k);
  if (!b) {
    const len = rsaModulusBytes(k);
    for (let tries = 0; tries < 64 && !b; tries++) {
      const r = bytesToBigint(random(len)) % k.n;
      if (r > 1n && gcd(r, k.n) === 1n) b = { a: modPow(r, k.e, k.n), ai: modInverse(r, k.n) };
    }
    if (!b) throw new RangeError('random source gave no usable blinding value');
    blinding.set(k, b);
  }
  return b;
}

/** RSASSA-PKCS1-v1_5 signature (k bytes) of `data`. `random` feeds the blinding. */
export function rsaSignRaw(k: RsaPrivateKey, hash: RsaHash, data: Uint8Array, random: RandomSource = webRandom): Uint8Array {
  const len = rsaModulusBytes(k);
  const m = bytesToBigint(emsaPkcs1v15(hash, data, len));
  const b = blindingFor(k, random);
  const sBlind = rsaPrivateOp(k, (m * b.a) % k.n);
  const s = (sBlind * b.ai) % k.n;
  blinding.set(k, { a: (b.a * b.a) % k.n, ai: (b.ai * b.ai) % k.n });
  if (modPow(s, k.e, k.n) !== m) throw new Error('RSA signature failed its own check (fault or bad key)');
  return bigintToBytes(s, len);
}

/**
 * RSASSA-PKCS1-v1_5 verification. A signature shorter than the modulus is left-padded with zeros
 * (as OpenSSH does); a longer one, or one not below n, fails. Never throws.
 */
export function rsaVerifyRaw(key: RsaPublicKey, hash: RsaHash, data: Uint8Array, sig: Uint8Array): boolean {
  try {
    const len = rsaModulusBytes(key);
    if (sig.length > len || sig.length === 0) return false;
    const s = bytesToBigint(sig);
    if (s >= key.n) return false;
    const em = bigintToBytes(modPow(s, key.e, key.n), len);
    return equalBytes(em, emsaPkcs1v15(hash, data, len));
  } catch {
    return false;
  }
}

/** A HostKeySigner making `algorithm` signatures with `hash` (rsa-sha2-256 / rsa-sha2-512, or ssh-rsa via legacy.ts). */
export function rsaSignerWith(k: RsaPrivateKey, algorithm: string, hash: RsaHash, random: RandomSource = webRandom): HostKeySigner {
  rsaPrivateKey(k);
  const w = new SshWriter(rsaModulusBytes(k) + 32);
  writeRsaPublic(w, k);
  const publicBlob = w.finish();
  return {
    publicBlob,
    algorithm,
    sign(data: Uint8Array): Uint8Array {
      const sig = rsaSignRaw(k, hash, data, random);
      return new SshWriter(sig.length + 32).string(algorithm).string(sig).finish();
    },
  };
}

/** A verifier for `algorithm` over ssh-rsa keys with `hash`; the signature's name must equal `algorithm`. */
export function rsaVerifierWith(algorithm: string, hash: RsaHash): SignatureVerifier {
  return {
    name: algorithm,
    verify(publicBlob: Uint8Array, data: Uint8Array, signatureBlob: Uint8Array): boolean {
      try {
        const kr = new SshReader(publicBlob, 'ssh-rsa key');
        if (kr.text('key type') !== 'ssh-rsa') return false;
        const key = readRsaPublic(kr);
        kr.end();
        const sr = new SshReader(signatureBlob, algorithm + ' signature');
        if (sr.text('signature type') !== algorithm) return false;
        const sig = sr.string('signature');
        sr.end();
        return rsaVerifyRaw(key, hash, data, sig);
      } catch {
        return false;
      }
    },
  };
}

/** rsa-sha2-256 verifier (RFC 8332). */
export const rsaSha256Verifier: SignatureVerifier = rsaVerifierWith('rsa-sha2-256', RSA_SHA256);
/** rsa-sha2-512 verifier (RFC 8332). */
export const rsaSha512Verifier: SignatureVerifier = rsaVerifierWith('rsa-sha2-512', RSA_SHA512);

/** A signer for rsa-sha2-256 or rsa-sha2-512. */
export function rsaSigner(k: RsaPrivateKey, algorithm: 'rsa-sha2-256' | 'rsa-sha2-512' = 'rsa-sha2-512', random: RandomSource = webRandom): HostKeySigner {
  return rsaSignerWith(k, algorithm, algorithm === 'rsa-sha2-256' ? RSA_SHA256 : RSA_SHA512, random);
}

// ---------------------------------------------------------------- key generation

const SMALL_PRIMES: number[] = (() => {
  const out: number[] = [];
  const limit = 2048;
  const sieve = new Uint8Array(limit);
  for (let i = 2; i < limit; i++) {
    if (sieve[i]) continue;
    out.push(i);
    for (let j = i * i; j < limit; j += i) sieve[j] = 1;
  }
  return out;
})();

/** Miller–Rabin with `rounds` random bases (FIPS 186-5 B.3.1). `n` odd > 3. */
export function isProbablePrime(n: bigint, rounds: number, random: RandomSource): boolean {
  if (n < 2n) return false;
  for (const p of SMALL_PRIMES) {
    const bp = BigInt(p);
    if (n === bp) return true;
    if (n % bp === 0n) return false;
  }
  let d = n - 1n;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  const len = (bitLength(n) + 7) >> 3;
  for (let i = 0; i < rounds; i++) {
    const a = 2n + (bytesToBigint(random(len + 8)) % (n - 3n));
    let x = modPow(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    let composite = true;
    for (let j = 1; j < s; j++) {
      x = (x * x) % n;
      if (x === n - 1n) {
        composite = false;
        break;
      }
    }
    if (composite) return false;
  }
  return true;
}

/** Miller–Rabin rounds for a random prime candidate of `bits` bits (FIPS 186-5 Table B.1, 2^-100). */
function mrRounds(bits: number): number {
  return bits >= 1536 ? 4 : bits >= 1024 ? 5 : 8;
}

/** A random prime of exactly `bits` bits with the top two bits set and gcd(p-1, e) = 1. */
function randomPrime(bits: number, e: bigint, random: RandomSource): bigint {
  const len = (bits + 7) >> 3;
  // Each start gets a sieved incremental search over 4096 odd offsets; by the prime number
  // theorem a prime is expected within ~bits·ln2/2 odd numbers, so 64 starts is ample.
  for (let start = 0; start < 64; start++) {
    const bytes = random(len);
    if (bytes.length !== len) throw new RangeError('random source returned the wrong number of bytes');
    let c = bytesToBigint(bytes) >> BigInt(len * 8 - bits);
    c |= (3n << BigInt(bits - 2)) | 1n;
    const residues = SMALL_PRIMES.map((p) => Number(c % BigInt(p)));
    const eMod = Number(c % e);
    const eNum = Number(e);
    for (let delta = 0; delta < 8192; delta += 2) {
      let ok = true;
      for (let i = 1; i < SMALL_PRIMES.length; i++) {
        if ((residues[i] + delta) % SMALL_PRIMES[i] === 0) {
          ok = false;
          break;
        }
      }
      if (!ok || (eMod + delta) % eNum === 1) continue;
      const cand = c + BigInt(delta);
      if (bitLength(cand) !== bits) break;
      if (isProbablePrime(cand, mrRounds(bits), random)) return cand;
    }
  }
  throw new Error(`no ${bits}-bit prime found (is the random source working?)`);
}

/**
 * Generates an RSA key of `bits` bits (1024..16384; 2048, 3072, 4096 are usual) with e = 65537.
 * Slow on BigInt: a few seconds for 2048 bits, much longer for 4096.
 */
export function rsaGenerate(bits: number, random: RandomSource = webRandom): RsaPrivateKey {
  if (!Number.isInteger(bits) || bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
    throw new RangeError(`RSA key size must be an integer from ${RSA_MIN_BITS} to ${RSA_MAX_BITS} bits, got ${bits}`);
  }
  const e = 65537n;
  const pBits = (bits + 1) >> 1;
  const qBits = bits - pBits;
  for (let attempt = 0; attempt < 16; attempt++) {
    const p = randomPrime(pBits, e, random);
    const q = randomPrime(qBits, e, random);
    if (p === q) continue;
    // FIPS 186-5 A.1.3: |p - q| > 2^(bits/2 - 100)
    const diff = p > q ? p - q : q - p;
    if (bitLength(diff) <= (bits >> 1) - 100) continue;
    const n = p * q;
    if (bitLength(n) !== bits) continue;
    const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n);
    const d = modInverse(e, lambda);
    if (bitLength(d) <= bits >> 1) continue;
    const [P, Q] = p > q ? [p, q] : [q, p];
    return rsaPrivateKey({ n, e, d, p: P, q: Q });
  }
  throw new Error('RSA key generation failed repeatedly (is the random source working?)');
}
