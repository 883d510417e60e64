// Streaming SHA-1 / SHA-256 / SHA-384 / SHA-512 (FIPS 180-4: padding 5.1, parsing 5.2, computation 6) and
// HMAC (RFC 2104, FIPS 198-1) over them, on contexts that live in kernel memory. Internal to the
// kernel: sha.ts exports the JS-facing functions, ctrmac.ts uses these for SSH packet MACs.
// Not re-exported by index.ts, so nothing here becomes a wasm export by itself.
//
// Hash context (HASH_CTX_BYTES, anywhere in memory, 8-byte aligned):
//   [0, 64)    chaining state: SHA-1 5 u32, SHA-256 8 u32, SHA-384/512 8 u64 (native byte order)
//   [64, 192)  bytes of the current, not yet full block
//   [192, 200) u64 total message bytes so far (the fill of the block buffer is total % blockLen)
//   [200, 204) u32 algorithm id (ALG_SHA1 / ALG_SHA256 / ALG_SHA512 / ALG_SHA384)
// HMAC key (HMAC_KEY_BYTES): the precomputed inner and outer states, RFC 2104 section 4 ("the
// intermediate results ... may be precomputed"), so a MAC costs the message blocks + 2 finals:
//   [0, 64)    state after compressing K ^ ipad
//   [64, 128)  state after compressing K ^ opad
//   [128, 132) u32 algorithm id, then padding to 144 bytes
import { sha1Blocks, sha1WipeSchedule, SHA1_IV } from './sha1_block';
import { sha256Blocks, sha256WipeSchedule, SHA256_IV } from './sha256_block';
import { sha512Blocks, sha512WipeSchedule, SHA512_IV, SHA384_IV } from './sha512_block';
import { zero16, copy16, copyBytes, zeroRange } from './sha_mem';

export const ALG_SHA1: u32 = 1;
export const ALG_SHA256: u32 = 2;
export const ALG_SHA512: u32 = 3;
export const ALG_SHA384: u32 = 4;

export const HASH_CTX_BYTES: usize = 208;
export const HMAC_KEY_BYTES: usize = 144;

const ST: usize = 0;
const BUF: usize = 64;
const TOTAL: usize = 192;
const ALG: usize = 200;

// Scratch for HMAC keying (the padded key) and the inner digest; wiped after each use. The
// compression functions' schedule rings are wiped after every final and every HMAC keying.
const PAD: usize = memory.data(128, 64);
const KEYCTX: usize = memory.data(<i32>HASH_CTX_BYTES, 64);
const INNER: usize = memory.data(64, 64);

/** Block length in bytes of algorithm alg. */
// @ts-ignore: decorator
@inline export function blockLen(alg: u32): usize { return is512(alg) ? 128 : 64; }

/** True for the SHA-512 compression function's users (SHA-512, SHA-384). */
// @ts-ignore: decorator
@inline function is512(alg: u32): bool { return alg == ALG_SHA512 || alg == ALG_SHA384; }

/** Digest length in bytes of algorithm alg (0 for an unknown id). */
export function digestLen(alg: u32): usize {
  return alg == ALG_SHA1 ? 20 : alg == ALG_SHA256 ? 32 : alg == ALG_SHA512 ? 64 : alg == ALG_SHA384 ? 48 : 0;
}

/** Compresses n whole blocks at p into the state at st. */
// @ts-ignore: decorator
@inline function compress(alg: u32, st: usize, p: usize, n: usize): void {
  if (alg == ALG_SHA256) sha256Blocks(st, p, n);
  else if (is512(alg)) sha512Blocks(st, p, n);
  else sha1Blocks(st, p, n);
}

/** Zeroes alg's message-schedule scratch (key-derived after HMAC keying, message-derived otherwise). */
// @ts-ignore: decorator
@inline function wipeSchedule(alg: u32): void {
  if (alg == ALG_SHA256) sha256WipeSchedule();
  else if (is512(alg)) sha512WipeSchedule();
  else sha1WipeSchedule();
}

/** Copies the initial hash value of alg into the state at st. */
// @ts-ignore: decorator
@inline function setIv(alg: u32, st: usize): void {
  if (alg == ALG_SHA256) copy16(st, SHA256_IV, 32);
  else if (alg == ALG_SHA512) copy16(st, SHA512_IV, 64);
  else if (alg == ALG_SHA384) copy16(st, SHA384_IV, 64);
  else copyBytes(st, SHA1_IV, 20);
}

/** Starts a hash of algorithm alg in ctx; returns the digest length, 0 for an unknown id. */
export function hashInit(ctx: usize, alg: u32): u32 {
  const dl = digestLen(alg);
  if (dl == 0) return 0;
  zero16(ctx, HASH_CTX_BYTES);
  setIv(alg, ctx + ST);
  store<u32>(ctx + ALG, alg);
  return <u32>dl;
}

/** Absorbs len bytes at p. Whole blocks are compressed straight from p (no copy). */
export function hashUpdate(ctx: usize, p: usize, len: usize): void {
  const alg = load<u32>(ctx + ALG);
  const bl = blockLen(alg);
  const total = load<u64>(ctx + TOTAL);
  store<u64>(ctx + TOTAL, total + <u64>len);
  let fill = <usize>total & (bl - 1);
  if (fill) {
    const take = len < bl - fill ? len : bl - fill;
    copyBytes(ctx + BUF + fill, p, take);
    p += take;
    len -= take;
    fill += take;
    if (fill < bl) return;
    compress(alg, ctx + ST, ctx + BUF, 1);
  }
  const n = len / bl;
  if (n) {
    compress(alg, ctx + ST, p, n);
    p += n * bl;
    len -= n * bl;
  }
  if (len) copyBytes(ctx + BUF, p, len);
}

/**
 * Pads, compresses the last block(s) and writes the big-endian digest to out; returns its length.
 * The context's block buffer is wiped; the context must be re-initialised before reuse.
 */
export function hashFinal(ctx: usize, out: usize): u32 {
  const alg = load<u32>(ctx + ALG);
  const bl = blockLen(alg);
  const lenBytes: usize = is512(alg) ? 16 : 8;
  const total = load<u64>(ctx + TOTAL);
  const fill = <usize>total & (bl - 1);
  const buf = ctx + BUF;
  store<u8>(buf + fill, 0x80);
  zeroRange(buf, fill + 1, bl);
  if (fill + 1 > bl - lenBytes) {
    compress(alg, ctx + ST, buf, 1);
    zero16(buf, bl);
  }
  // Message length in bits, big-endian, in the block's last 8 (or 16) bytes.
  if (is512(alg)) store<u64>(buf + bl - 16, bswap<u64>(total >> 61));
  store<u64>(buf + bl - 8, bswap<u64>(total << 3));
  compress(alg, ctx + ST, buf, 1);
  zero16(buf, bl);
  wipeSchedule(alg);
  const st = ctx + ST;
  if (is512(alg)) {
    const dl: usize = alg == ALG_SHA512 ? 64 : 48; // SHA-384: the first six words
    for (let i: usize = 0; i < dl; i += 8) store<u64>(out + i, bswap<u64>(load<u64>(st + i)));
    return <u32>dl;
  }
  const dl = alg == ALG_SHA256 ? 32 : 20;
  for (let i: usize = 0; i < <usize>dl; i += 4) store<u32>(out + i, bswap<u32>(load<u32>(st + i)));
  return <u32>dl;
}

/**
 * Keys an HMAC: writes the inner and outer states for key (keyLen bytes at keyPtr) to hk.
 * Keys longer than the block are hashed first (RFC 2104 section 2). Returns the MAC length, 0 for
 * an unknown id. Wipes its scratch.
 */
export function hmacSetKey(hk: usize, alg: u32, keyPtr: usize, keyLen: usize): u32 {
  const dl = digestLen(alg);
  if (dl == 0) return 0;
  const bl = blockLen(alg);
  zero16(PAD, 128);
  if (keyLen > bl) {
    hashInit(KEYCTX, alg);
    hashUpdate(KEYCTX, keyPtr, keyLen);
    hashFinal(KEYCTX, PAD);
    zero16(KEYCTX, HASH_CTX_BYTES);
  } else {
    copyBytes(PAD, keyPtr, keyLen);
  }
  const ipad = i8x16.splat(0x36);
  for (let i: usize = 0; i < bl; i += 16) v128.store(PAD + i, v128.xor(v128.load(PAD + i), ipad));
  zero16(hk, HMAC_KEY_BYTES);
  setIv(alg, hk);
  compress(alg, hk, PAD, 1);
  const swap = i8x16.splat(0x36 ^ 0x5c); // K ^ ipad -> K ^ opad
  for (let i: usize = 0; i < bl; i += 16) v128.store(PAD + i, v128.xor(v128.load(PAD + i), swap));
  setIv(alg, hk + 64);
  compress(alg, hk + 64, PAD, 1);
  store<u32>(hk + 128, alg);
  zero16(PAD, 128);
  wipeSchedule(alg);
  return <u32>dl;
}

/** Starts a MAC under the key hk in ctx: the inner hash with K ^ ipad already absorbed. */
export function hmacStart(ctx: usize, hk: usize): void {
  const alg = load<u32>(hk + 128);
  copy16(ctx + ST, hk, 64);
  store<u64>(ctx + TOTAL, <u64>blockLen(alg));
  store<u32>(ctx + ALG, alg);
}

/** Finishes the MAC in ctx: out = H(K ^ opad || H(K ^ ipad || msg)); returns its length. */
export function hmacFinish(ctx: usize, hk: usize, out: usize): u32 {
  const dl = hashFinal(ctx, INNER);
  const alg = load<u32>(hk + 128);
  copy16(ctx + ST, hk + 64, 64);
  store<u64>(ctx + TOTAL, <u64>blockLen(alg));
  store<u32>(ctx + ALG, alg);
  hashUpdate(ctx, INNER, dl);
  zero16(INNER, 64);
  return hashFinal(ctx, out);
}
