// AES family of the kernel: AES-CTR (NIST SP 800-38A 6.5, with the whole 16-byte counter block
// incremented as one big-endian integer as SSH's aes*-ctr do, RFC 4344 4), AES-GCM (NIST
// SP 800-38D) and aes128-gcm@openssh.com / aes256-gcm@openssh.com packets (RFC 5647).
// The block cipher is the bitsliced constant-time AES in aes_core.ts.
import { aesEncrypt8, aesExpandKey } from './aes_core';

// ---- AES-CTR context (the first 2048 bytes of a context slot) ----
// Offsets inside the slot. The ctrmac family keeps its HMAC state at ctx + 2048.
const CTR_NR: usize = 0;     // u32 rounds (10/12/14), 0 = no key
const CTR_KSLEFT: usize = 4; // u32 unused keystream bytes kept at the end of CTR_KS (0..15)
const CTR_HI: usize = 16;    // u64 high half of the counter block, as a number
const CTR_LO: usize = 24;    // u64 low half
const CTR_KS: usize = 32;    // 16 bytes: keystream of the last, partly used block
const CTR_RK: usize = 64;    // (nr + 1) * 128 bytes of bitsliced round keys (<= 1920)
/** Bytes of a context used by the AES-CTR state (ctx .. ctx + 2048). */
export const AES_CTR_CTX_BYTES: usize = 2048;

// Counter blocks in, keystream out: 8 blocks.
const CTR_BUF: usize = memory.data(128, 64);

// @ts-ignore: decorator
@inline function bswapLanes(v: v128): v128 { // each u64 lane to big-endian bytes
  return i8x16.shuffle(v, v, 7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8);
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
  memory.fill(CTR_BUF, 0, 128);
}

/** Encrypts nblocks 16-byte blocks at ptr in place (ECB; for known-answer tests of the cipher). */
export function aes_encrypt_blocks(ctx: usize, ptr: usize, nblocks: usize): void {
  const nr = <i32>load<u32>(ctx + CTR_NR);
  while (nblocks > 0) {
    const n = nblocks < 8 ? nblocks : 8;
    memory.fill(CTR_BUF, 0, 128);
    memory.copy(CTR_BUF, ptr, n << 4);
    aesEncrypt8(ctx + CTR_RK, nr, CTR_BUF, CTR_BUF);
    memory.copy(ptr, CTR_BUF, n << 4);
    ptr += n << 4;
    nblocks -= n;
  }
  memory.fill(CTR_BUF, 0, 128);
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
