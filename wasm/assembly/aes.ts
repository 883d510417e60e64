// AES family of the kernel: AES-CTR (NIST SP 800-38A 6.5, with the whole 16-byte counter block
// incremented as one big-endian integer as SSH's aes*-ctr do, RFC 4344 4), AES-GCM (NIST
// SP 800-38D) and aes128-gcm@openssh.com / aes256-gcm@openssh.com packets (RFC 5647).
// The block cipher is the bitsliced constant-time AES in aes_core.ts.
import { copyBytes, zeroBlocks } from './aes_mem';
import { aesEncrypt8, aesExpandKey } from './aes_core';
import { ghash4, ghashBlocks, ghashBytes, ghashInitTable, ghashWipe } from './ghash';

// ---- AES-CTR context (the first 2048 bytes of a context slot) ----
// Offsets inside the slot. The ctrmac family keeps its HMAC state at ctx + 2048.
const CTR_NR: usize = 0;     // u32 rounds (10/12/14), 0 = no key
const CTR_KSLEFT: usize = 4; // u32 unused keystream bytes kept at the end of CTR_KS (0..15)
const CTR_HI: usize = 16;    // u64 high half of the counter block, as a number
const CTR_LO: usize = 24;    // u64 low half
const CTR_KS: usize = 32;    // 16 bytes: keystream of the last, partly used block
const CTR_RK: usize = 64;    // (nr + 1) * 128 bytes of bitsliced round keys (<= 1920)
// The AES-CTR state ends below ctx + 2048 (CTR_RK + 15 * 128 = 1984 for AES-256).

// Counter blocks in, keystream out: 8 blocks.
const CTR_BUF: usize = memory.data(128, 64);

// @ts-ignore: decorator
@inline function bswapLanes(v: v128): v128 { // each u64 lane to big-endian bytes
  return i8x16.swizzle(v, i8x16(7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8));
}

/** Writes the 8 counter blocks (hi:lo) + 0..7 as big-endian 16-byte blocks into CTR_BUF. */
// @ts-ignore: decorator
@inline function ctrBlocks128(hi: u64, lo: u64): void {
  for (let i: u64 = 0; i < 8; i++) {
    const l = lo + i;
    const h = hi + <u64>(l < lo);
    v128.store(CTR_BUF + (<usize>i << 4), bswapLanes(i64x2(<i64>h, <i64>l)));
  }
}

/**
 * Keys AES-CTR: keyLen 16, 24 or 32 bytes at keyPtr, 16-byte initial counter block at ivPtr.
 * Uses ctx .. ctx + 2048 only. Returns nothing; a bad key length leaves the context unkeyed.
 */
export function aes_ctr_init(ctx: usize, keyPtr: usize, keyLen: u32, ivPtr: usize): void {
  const nr = aesExpandKey(keyPtr, keyLen, ctx + CTR_RK);
  store<u32>(ctx + CTR_NR, <u32>nr);
  store<u32>(ctx + CTR_KSLEFT, 0);
  store<u64>(ctx + CTR_HI, bswap<u64>(load<u64>(ivPtr)));
  store<u64>(ctx + CTR_LO, bswap<u64>(load<u64>(ivPtr, 8)));
  v128.store(ctx + CTR_KS, i64x2.splat(0));
}

/**
 * XORs len bytes at ptr (in place) with the AES-CTR keystream, continuing where the last call
 * stopped (any lengths; a partly used keystream block is kept for the next call).
 */
export function aes_ctr_xor(ctx: usize, ptr: usize, len: usize): void {
  const nr = <i32>load<u32>(ctx + CTR_NR);
  const rk = ctx + CTR_RK;
  // Leftover keystream from the previous call.
  let left = <usize>load<u32>(ctx + CTR_KSLEFT);
  while (left > 0 && len > 0) {
    store<u8>(ptr, load<u8>(ptr) ^ load<u8>(ctx + CTR_KS + 16 - left));
    ptr++; len--; left--;
  }
  store<u32>(ctx + CTR_KSLEFT, <u32>left);
  if (len == 0) return;
  let hi = load<u64>(ctx + CTR_HI);
  let lo = load<u64>(ctx + CTR_LO);
  while (len >= 128) {
    ctrBlocks128(hi, lo);
    aesEncrypt8(rk, nr, CTR_BUF, CTR_BUF);
    for (let i: usize = 0; i < 128; i += 16) {
      v128.store(ptr + i, v128.xor(v128.load(ptr + i), v128.load(CTR_BUF + i)));
    }
    const l = lo + 8;
    hi += <u64>(l < lo);
    lo = l;
    ptr += 128; len -= 128;
  }
  if (len > 0) {
    ctrBlocks128(hi, lo);
    aesEncrypt8(rk, nr, CTR_BUF, CTR_BUF);
    const full = len & ~(15 as usize);
    for (let i: usize = 0; i < full; i += 16) {
      v128.store(ptr + i, v128.xor(v128.load(ptr + i), v128.load(CTR_BUF + i)));
    }
    let nblocks = full >> 4;
    const rest = len & 15;
    if (rest) {
      for (let i: usize = 0; i < rest; i++) {
        store<u8>(ptr + full + i, load<u8>(ptr + full + i) ^ load<u8>(CTR_BUF + full + i));
      }
      v128.store(ctx + CTR_KS, v128.load(CTR_BUF + full));
      store<u32>(ctx + CTR_KSLEFT, <u32>(16 - <u32>rest));
      nblocks++;
    }
    const l = lo + <u64>nblocks;
    hi += <u64>(l < lo);
    lo = l;
  }
  store<u64>(ctx + CTR_HI, hi);
  store<u64>(ctx + CTR_LO, lo);
  zeroBlocks(CTR_BUF, 128);
}

/** Encrypts nblocks 16-byte blocks at ptr in place (ECB; for known-answer tests of the cipher). */
export function aes_encrypt_blocks(ctx: usize, ptr: usize, nblocks: usize): void {
  const nr = <i32>load<u32>(ctx + CTR_NR);
  while (nblocks > 0) {
    const n = nblocks < 8 ? nblocks : 8;
    zeroBlocks(CTR_BUF, 128);
    copyBytes(CTR_BUF, ptr, n << 4);
    aesEncrypt8(ctx + CTR_RK, nr, CTR_BUF, CTR_BUF);
    copyBytes(ptr, CTR_BUF, n << 4);
    ptr += n << 4;
    nblocks -= n;
  }
  zeroBlocks(CTR_BUF, 128);
}

/** Keys the context for aes_encrypt_blocks / aes_ctr_xor with a zero counter; returns rounds (0 = bad key length). */
export function aes_init(ctx: usize, keyPtr: usize, keyLen: u32): i32 {
  const nr = aesExpandKey(keyPtr, keyLen, ctx + CTR_RK);
  store<u32>(ctx + CTR_NR, <u32>nr);
  store<u32>(ctx + CTR_KSLEFT, 0);
  store<u64>(ctx + CTR_HI, 0);
  store<u64>(ctx + CTR_LO, 0);
  return nr;
}

// ---- AES-GCM (NIST SP 800-38D) ----
// A GCM context uses the same key layout (nr at 0, round keys at CTR_RK) and adds:
const GCM_TABLE: usize = 2048;  // 1296 bytes: GHASH leaf table for H^4..H^1 (ghash.ts)
const GCM_ACC: usize = 3344;    // 16 bytes: GHASH state, block byte order
const GCM_J0: usize = 3360;     // 16 bytes: pre-counter block J0 (its first 12 bytes prefix every counter block)
const GCM_EJ0: usize = 3376;    // 16 bytes: E(K, J0), the tag mask (one-shot streaming)
const GCM_CTR: usize = 3392;    // u32: next counter value (inc32 of J0's last word, streaming)
const GCM_ALEN: usize = 3400;   // u64: AAD bytes so far
const GCM_CLEN: usize = 3408;   // u64: text bytes so far
const GCM_INVOC: usize = 3416;  // u64: SSH invocation counter (RFC 5647 7.1), as a number
const GCM_FIXED: usize = 3424;  // 4 bytes: SSH fixed field of the IV
// ctx + 3584 .. 3632 is left free: the TS wrapper stages init arguments (key, IV) there.

// Scratch: the first GHASH group of a packet (AAD block + up to 7 blocks + length block), the
// computed tag, the length block, and the last partial batch (up to 8 blocks + length block).
const GROUP: usize = memory.data(160, 16);
const TAG: usize = memory.data(16, 16);
const LENBLK: usize = memory.data(16, 16);
const TAIL: usize = memory.data(144, 16);

/** Writes 8 GCM counter blocks: J0's 12-byte prefix then big-endian ctr, ctr+1, ... (inc32). */
// @ts-ignore: decorator
@inline function gcmCounters(prefix: v128, ctr: u32): void {
  for (let i: u32 = 0; i < 8; i++) {
    v128.store(CTR_BUF + (<usize>i << 4), i32x4.replace_lane(prefix, 3, bswap<u32>(ctr + i)));
  }
}

/** XORs n bytes at p with the keystream at ks (whole blocks with SIMD, a partial tail bytewise). */
// @ts-ignore: decorator
@inline function xorKeystream(p: usize, ks: usize, n: usize): void {
  const full = n & ~(15 as usize);
  for (let i: usize = 0; i < full; i += 16) {
    v128.store(p + i, v128.xor(v128.load(p + i), v128.load(ks + i)));
  }
  for (let i = full; i < n; i++) store<u8>(p + i, load<u8>(p + i) ^ load<u8>(ks + i));
}

/**
 * CTR-encrypts or -decrypts len bytes at p starting at counter ctr, hashing the ciphertext into
 * the GHASH state (before decrypting, after encrypting) eight blocks at a time while they are
 * in cache. Only the final call of a message may have len % 16 != 0. With withLength, the
 * length block already in LENBLK is hashed last. Returns the next counter.
 */
function gcmCryptHash(ctx: usize, p: usize, len: usize, ctr: u32, decrypt: bool, withLength: bool): u32 {
  const nr = <i32>load<u32>(ctx + CTR_NR);
  const rk = ctx + CTR_RK;
  const acc = ctx + GCM_ACC;
  const tbl = ctx + GCM_TABLE;
  const prefix = v128.load(ctx + GCM_J0);
  while (len >= 128) {
    gcmCounters(prefix, ctr);
    aesEncrypt8(rk, nr, CTR_BUF, CTR_BUF);
    if (decrypt) { ghash4(acc, tbl, p, 0); ghash4(acc, tbl, p + 64, 0); }
    for (let i: usize = 0; i < 128; i += 16) {
      v128.store(p + i, v128.xor(v128.load(p + i), v128.load(CTR_BUF + i)));
    }
    if (!decrypt) { ghash4(acc, tbl, p, 0); ghash4(acc, tbl, p + 64, 0); }
    p += 128; len -= 128; ctr += 8;
  }
  if (len) {
    // Last, partial batch: its ciphertext (zero-padded to whole blocks) and, at the end of a
    // message, the length block go through GHASH together.
    gcmCounters(prefix, ctr);
    aesEncrypt8(rk, nr, CTR_BUF, CTR_BUF);
    const nb = (len + 15) >> 4;
    zeroBlocks(TAIL, 144);
    if (decrypt) copyBytes(TAIL, p, len);
    xorKeystream(p, CTR_BUF, len);
    if (!decrypt) copyBytes(TAIL, p, len);
    if (withLength) v128.store(TAIL + (nb << 4), v128.load(LENBLK));
    ghashBlocks(acc, tbl, TAIL, nb + <usize>withLength);
    zeroBlocks(TAIL, 144);
    ctr += <u32>nb;
  } else if (withLength) {
    ghashBlocks(acc, tbl, LENBLK, 1);
  }
  return ctr;
}

/** The GCM length block [len(A)]64 || [len(C)]64 in bits, big-endian, at LENBLK. */
// @ts-ignore: decorator
@inline function lengthBlock(aadBytes: u64, textBytes: u64): void {
  store<u64>(LENBLK, bswap<u64>(aadBytes << 3));
  store<u64>(LENBLK, bswap<u64>(textBytes << 3), 8);
}

/** Keys AES and GHASH (H = E(K, 0^128)) into a GCM context. Returns rounds, 0 for a bad key length. */
function gcmKey(ctx: usize, keyPtr: usize, keyLen: u32): i32 {
  const nr = aesExpandKey(keyPtr, keyLen, ctx + CTR_RK);
  store<u32>(ctx + CTR_NR, <u32>nr);
  if (nr == 0) return 0;
  zeroBlocks(CTR_BUF, 128);
  aesEncrypt8(ctx + CTR_RK, nr, CTR_BUF, CTR_BUF);
  ghashInitTable(CTR_BUF, ctx + GCM_TABLE);
  zeroBlocks(CTR_BUF, 128);
  return nr;
}

/** Keys a context for one-shot AES-GCM (gcm_start ... gcm_finish). Returns rounds, 0 for a bad key length. */
export function gcm_key(ctx: usize, keyPtr: usize, keyLen: u32): i32 {
  return gcmKey(ctx, keyPtr, keyLen);
}

/**
 * Starts a message: IV of ivLen bytes at ivPtr (SP 800-38D 7.1 step 2: J0 = IV || 0^31 || 1
 * for 96-bit IVs, else GHASH of the padded IV and its length). Returns 0 if ivLen is 0.
 */
export function gcm_start(ctx: usize, ivPtr: usize, ivLen: usize): i32 {
  if (ivLen == 0) return 0;
  const acc = ctx + GCM_ACC;
  v128.store(acc, i64x2.splat(0));
  if (ivLen == 12) {
    memory.copy(ctx + GCM_J0, ivPtr, 12);
    store<u32>(ctx + GCM_J0 + 12, bswap<u32>(1));
  } else {
    ghashBytes(acc, ctx + GCM_TABLE, ivPtr, ivLen);
    lengthBlock(0, <u64>ivLen);
    ghashBlocks(acc, ctx + GCM_TABLE, LENBLK, 1);
    v128.store(ctx + GCM_J0, v128.load(acc));
    v128.store(acc, i64x2.splat(0));
  }
  // E(K, J0) for the tag.
  zeroBlocks(CTR_BUF, 128);
  v128.store(CTR_BUF, v128.load(ctx + GCM_J0));
  aesEncrypt8(ctx + CTR_RK, <i32>load<u32>(ctx + CTR_NR), CTR_BUF, CTR_BUF);
  v128.store(ctx + GCM_EJ0, v128.load(CTR_BUF));
  zeroBlocks(CTR_BUF, 128);
  store<u32>(ctx + GCM_CTR, bswap<u32>(load<u32>(ctx + GCM_J0 + 12)) + 1);
  store<u64>(ctx + GCM_ALEN, 0);
  store<u64>(ctx + GCM_CLEN, 0);
  ghashWipe();
  return 1;
}

/** Hashes len bytes of additional data; only the last call may have len % 16 != 0. */
export function gcm_aad(ctx: usize, ptr: usize, len: usize): void {
  ghashBytes(ctx + GCM_ACC, ctx + GCM_TABLE, ptr, len);
  store<u64>(ctx + GCM_ALEN, load<u64>(ctx + GCM_ALEN) + <u64>len);
  ghashWipe();
}

/** Encrypts len bytes at ptr in place; only the last call may have len % 16 != 0. */
export function gcm_encrypt(ctx: usize, ptr: usize, len: usize): void {
  store<u32>(ctx + GCM_CTR, gcmCryptHash(ctx, ptr, len, load<u32>(ctx + GCM_CTR), false, false));
  store<u64>(ctx + GCM_CLEN, load<u64>(ctx + GCM_CLEN) + <u64>len);
  zeroBlocks(CTR_BUF, 128);
  ghashWipe();
}

/** Decrypts len bytes at ptr in place (hashing the ciphertext); only the last call may have len % 16 != 0. */
export function gcm_decrypt(ctx: usize, ptr: usize, len: usize): void {
  store<u32>(ctx + GCM_CTR, gcmCryptHash(ctx, ptr, len, load<u32>(ctx + GCM_CTR), true, false));
  store<u64>(ctx + GCM_CLEN, load<u64>(ctx + GCM_CLEN) + <u64>len);
  zeroBlocks(CTR_BUF, 128);
  ghashWipe();
}

/** Computes the tag into TAG (SP 800-38D 7.1 steps 5-6). */
function gcmTag(ctx: usize): void {
  lengthBlock(load<u64>(ctx + GCM_ALEN), load<u64>(ctx + GCM_CLEN));
  ghashBlocks(ctx + GCM_ACC, ctx + GCM_TABLE, LENBLK, 1);
  v128.store(TAG, v128.xor(v128.load(ctx + GCM_ACC), v128.load(ctx + GCM_EJ0)));
  ghashWipe();
}

/** Writes the 16-byte tag of the message to tagPtr. */
export function gcm_finish(ctx: usize, tagPtr: usize): void {
  gcmTag(ctx);
  v128.store(tagPtr, v128.load(TAG));
  v128.store(TAG, i64x2.splat(0));
}

/** Compares the message's tag with the 16 bytes at tagPtr in constant time: 1 equal, 0 not. */
export function gcm_verify(ctx: usize, tagPtr: usize): i32 {
  gcmTag(ctx);
  const ok = !v128.any_true(v128.xor(v128.load(TAG), v128.load(tagPtr)));
  v128.store(TAG, i64x2.splat(0));
  return <i32>ok;
}

// ---- aes128-gcm@openssh.com / aes256-gcm@openssh.com (RFC 5647) ----

/**
 * Keys a context for SSH AES-GCM packets: key (16 or 32 bytes) and the 12-byte IV from key
 * derivation (4-byte fixed field || 8-byte big-endian invocation counter). Returns rounds, or
 * 0 for a bad key length.
 */
export function gcm_init(ctx: usize, keyPtr: usize, keyLen: u32, ivPtr: usize): i32 {
  const nr = gcmKey(ctx, keyPtr, keyLen);
  store<u32>(ctx + GCM_FIXED, load<u32>(ivPtr));
  store<u64>(ctx + GCM_INVOC, bswap<u64>(load<u64>(ivPtr, 4)));
  return nr;
}

/**
 * One packet: IV = fixed || invocation counter, AAD = the 4-byte packet length at ptr,
 * text = ptr + 4 .. ptr + packetLen. Batch 0 of the CTR keystream covers J0 (the tag mask)
 * and the first 7 text blocks, so its GHASH group [AAD, C1..C7] lines up with the batches
 * after it. Leaves the computed tag in TAG.
 */
function gcmPacket(ctx: usize, ptr: usize, packetLen: usize, decrypt: bool): void {
  const nr = <i32>load<u32>(ctx + CTR_NR);
  const acc = ctx + GCM_ACC;
  const tbl = ctx + GCM_TABLE;
  // J0 = fixed || invocation || 00000001.
  const j0p = ctx + GCM_J0;
  store<u32>(j0p, load<u32>(ctx + GCM_FIXED));
  store<u64>(j0p + 4, bswap<u64>(load<u64>(ctx + GCM_INVOC)));
  store<u32>(j0p + 12, bswap<u32>(1));
  const j0 = v128.load(j0p);
  v128.store(acc, i64x2.splat(0));
  const text = ptr + 4;
  const len = packetLen - 4;
  gcmCounters(j0, 1);
  aesEncrypt8(ctx + CTR_RK, nr, CTR_BUF, CTR_BUF);
  const ej0 = v128.load(CTR_BUF);
  const n0 = len < 112 ? len : 112;
  const last = len <= 112;
  // GROUP = [AAD block][C1 .. C7][length block if this is the whole packet].
  zeroBlocks(GROUP, 144);
  store<u32>(GROUP, load<u32>(ptr));
  if (decrypt) copyBytes(GROUP + 16, text, n0);
  xorKeystream(text, CTR_BUF + 16, n0);
  if (!decrypt) copyBytes(GROUP + 16, text, n0);
  let nb: usize = 1 + ((n0 + 15) >> 4);
  if (last) {
    lengthBlock(4, <u64>len);
    v128.store(GROUP + (nb << 4), v128.load(LENBLK));
    nb++;
  }
  ghashBlocks(acc, tbl, GROUP, nb);
  if (!last) {
    lengthBlock(4, <u64>len);
    gcmCryptHash(ctx, text + 112, len - 112, 9, decrypt, true);
  }
  v128.store(TAG, v128.xor(v128.load(acc), ej0));
  zeroBlocks(CTR_BUF, 128);
  zeroBlocks(GROUP, 144);
  ghashWipe();
}

/** Seals the packet at ptr (packetLen bytes, length field first) in place; writes the tag at ptr + packetLen. */
export function gcm_seal(ctx: usize, ptr: usize, packetLen: usize): void {
  gcmPacket(ctx, ptr, packetLen, false);
  v128.store(ptr + packetLen, v128.load(TAG));
  v128.store(TAG, i64x2.splat(0));
  store<u64>(ctx + GCM_INVOC, load<u64>(ctx + GCM_INVOC) + 1);
}

/**
 * Opens the packet at ptr (packetLen bytes, then the 16-byte tag): decrypts in place and
 * returns 1 if the tag matches. On a mismatch returns 0, zeroes the decrypted text (nothing
 * unauthenticated is left behind) and does not advance the invocation counter.
 */
export function gcm_open(ctx: usize, ptr: usize, packetLen: usize): i32 {
  gcmPacket(ctx, ptr, packetLen, true);
  const ok = !v128.any_true(v128.xor(v128.load(TAG), v128.load(ptr + packetLen)));
  v128.store(TAG, i64x2.splat(0));
  if (!ok) {
    memory.fill(ptr + 4, 0, packetLen - 4);
    return 0;
  }
  store<u64>(ctx + GCM_INVOC, load<u64>(ctx + GCM_INVOC) + 1);
  return 1;
}
