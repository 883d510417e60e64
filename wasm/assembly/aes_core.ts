// Constant-time AES-128/192/256 forward cipher (FIPS-197), bitsliced over eight blocks with
// WebAssembly SIMD. This file is table-free by construction: no load anywhere in it uses an
// address derived from key or data bytes, and no branch depends on them.
//
// Representation (after Käsper & Schwabe, "Faster and Timing-Attack Resistant AES-GCM", 2009):
// eight 16-byte blocks are held in eight v128 "planes". Byte k of plane j holds, in its bit b,
// bit j of state byte k of block b. So every plane keeps the AES state's byte positions, and:
//   - SubBytes is a Boolean circuit evaluated on the planes with v128 AND/XOR: the 113-gate
//     straight-line program of Boyar & Peralta ("A new combinational logic minimization
//     technique with applications to cryptology", SEA 2010), its four XNORs turned into XORs
//     and the S-box constant 0x63 folded into the round keys instead;
//   - ShiftRows and the byte rotations inside a column that MixColumns needs are byte shuffles
//     with constant indices, so one shuffle moves that bit of every byte of all eight blocks;
//   - MixColumns' multiplication by x (xtime) is a renaming of planes plus three XORs;
//   - AddRoundKey XORs planes with a pre-bitsliced round key (each key bit spread to a byte of
//     0x00 or 0xff, the same for all eight blocks).
// Converting blocks to planes and back is an 8x8 bit-matrix transpose per byte position (three
// layers of "swapmove"), which is its own inverse.
//
// Shuffles and V8 (measured on x64, Node 20): i8x16.shuffle with a general byte pattern makes
// V8 rebuild the pshufb index vector from immediates at every use (4 extra instructions), so
// ShiftRows and rot1 are i8x16.swizzle with a constant index vector (built once per round);
// rot2 stays an i8x16.shuffle because V8 lowers that 16-bit pattern to pshuflw + pshufhw with
// no constant at all, which measured faster than a swizzle. Keeping the state in rotating byte
// orders to skip ShiftRows (as fixslicing does) was tried and was not faster here: the
// frame-dependent MixColumns constants and branches cost what the eight shuffles saved.
//
// Round keys: (nr + 1) bitsliced keys of 128 bytes each, stored by aesExpandKey.

import { zeroBlocks } from './aes_mem';

/** Bytes of one bitsliced round key (eight planes of 16 bytes). */
export const RK_BYTES: usize = 128;

// Scratch for key expansion: the expanded key words (up to 60), and one 8-block buffer.
const W_WORDS: usize = memory.data(240, 16);
const SB_BUF: usize = memory.data(128, 16);
// Round keys for "SubBytes only": round 0 = all zero, round 1 = the folded S-box constant.
const SB_KEYS: usize = memory.data(256, 16);
let sbKeysReady = false;

// @ts-ignore: decorator
@inline function rot1(x: v128): v128 { // byte 4c+r <- byte 4c+(r+1)%4 (rotate rows inside each column)
  return i8x16.swizzle(x, i8x16(1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12));
}
// @ts-ignore: decorator
@inline function rot2(x: v128): v128 { // byte 4c+r <- byte 4c+(r+2)%4
  return i8x16.shuffle(x, x, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
}
// @ts-ignore: decorator
@inline function shiftRows(x: v128): v128 { // FIPS-197 5.1.2: byte 4c+r <- byte 4((c+r)%4)+r
  return i8x16.swizzle(x, i8x16(0, 5, 10, 15, 4, 9, 14, 3, 8, 13, 2, 7, 12, 1, 6, 11));
}

/**
 * Encrypts the eight 16-byte blocks at src into dst (may be the same address) with the
 * bitsliced round keys at rk (nr rounds). Straight-line SIMD code, no secret-dependent
 * addresses or branches.
 */
export function aesEncrypt8(rk: usize, nr: i32, src: usize, dst: usize): void {
  let x0 = v128.load(src, 0);
  let x1 = v128.load(src, 16);
  let x2 = v128.load(src, 32);
  let x3 = v128.load(src, 48);
  let x4 = v128.load(src, 64);
  let x5 = v128.load(src, 80);
  let x6 = v128.load(src, 96);
  let x7 = v128.load(src, 112);
  let t: v128;
  const m1 = i64x2.splat(0x5555555555555555);
  const m2 = i64x2.splat(0x3333333333333333);
  const m4 = i64x2.splat(0x0f0f0f0f0f0f0f0f);
  // Transpose: blocks -> planes.
  t = v128.and(v128.xor(i64x2.shr_u(x0, 1), x1), m1); x1 = v128.xor(x1, t); x0 = v128.xor(x0, i64x2.shl(t, 1));
  t = v128.and(v128.xor(i64x2.shr_u(x2, 1), x3), m1); x3 = v128.xor(x3, t); x2 = v128.xor(x2, i64x2.shl(t, 1));
  t = v128.and(v128.xor(i64x2.shr_u(x4, 1), x5), m1); x5 = v128.xor(x5, t); x4 = v128.xor(x4, i64x2.shl(t, 1));
  t = v128.and(v128.xor(i64x2.shr_u(x6, 1), x7), m1); x7 = v128.xor(x7, t); x6 = v128.xor(x6, i64x2.shl(t, 1));
  t = v128.and(v128.xor(i64x2.shr_u(x0, 2), x2), m2); x2 = v128.xor(x2, t); x0 = v128.xor(x0, i64x2.shl(t, 2));
  t = v128.and(v128.xor(i64x2.shr_u(x1, 2), x3), m2); x3 = v128.xor(x3, t); x1 = v128.xor(x1, i64x2.shl(t, 2));
  t = v128.and(v128.xor(i64x2.shr_u(x4, 2), x6), m2); x6 = v128.xor(x6, t); x4 = v128.xor(x4, i64x2.shl(t, 2));
  t = v128.and(v128.xor(i64x2.shr_u(x5, 2), x7), m2); x7 = v128.xor(x7, t); x5 = v128.xor(x5, i64x2.shl(t, 2));
  t = v128.and(v128.xor(i64x2.shr_u(x0, 4), x4), m4); x4 = v128.xor(x4, t); x0 = v128.xor(x0, i64x2.shl(t, 4));
  t = v128.and(v128.xor(i64x2.shr_u(x1, 4), x5), m4); x5 = v128.xor(x5, t); x1 = v128.xor(x1, i64x2.shl(t, 4));
  t = v128.and(v128.xor(i64x2.shr_u(x2, 4), x6), m4); x6 = v128.xor(x6, t); x2 = v128.xor(x2, i64x2.shl(t, 4));
  t = v128.and(v128.xor(i64x2.shr_u(x3, 4), x7), m4); x7 = v128.xor(x7, t); x3 = v128.xor(x3, i64x2.shl(t, 4));

  // AddRoundKey 0.
  x0 = v128.xor(x0, v128.load(rk, 0));
  x1 = v128.xor(x1, v128.load(rk, 16));
  x2 = v128.xor(x2, v128.load(rk, 32));
  x3 = v128.xor(x3, v128.load(rk, 48));
  x4 = v128.xor(x4, v128.load(rk, 64));
  x5 = v128.xor(x5, v128.load(rk, 80));
  x6 = v128.xor(x6, v128.load(rk, 96));
  x7 = v128.xor(x7, v128.load(rk, 112));

  let k = rk;
  for (let round = 1; round <= nr; round++) {
    k += RK_BYTES;
    // SubBytes: Boyar-Peralta circuit. U0 is the most significant bit (plane 7).
    const U0 = x7, U1 = x6, U2 = x5, U3 = x4, U4 = x3, U5 = x2, U6 = x1, U7 = x0;
    const T1 = v128.xor(U0, U3);
    const T2 = v128.xor(U0, U5);
    const T3 = v128.xor(U0, U6);
    const T4 = v128.xor(U3, U5);
    const T5 = v128.xor(U4, U6);
    const T6 = v128.xor(T1, T5);
    const T7 = v128.xor(U1, U2);
    const T8 = v128.xor(U7, T6);
    const T9 = v128.xor(U7, T7);
    const T10 = v128.xor(T6, T7);
    const T11 = v128.xor(U1, U5);
    const T12 = v128.xor(U2, U5);
    const T13 = v128.xor(T3, T4);
    const T14 = v128.xor(T6, T11);
    const T15 = v128.xor(T5, T11);
    const T16 = v128.xor(T5, T12);
    const T17 = v128.xor(T9, T16);
    const T18 = v128.xor(U3, U7);
    const T19 = v128.xor(T7, T18);
    const T20 = v128.xor(T1, T19);
    const T21 = v128.xor(U6, U7);
    const T22 = v128.xor(T7, T21);
    const T23 = v128.xor(T2, T22);
    const T24 = v128.xor(T2, T10);
    const T25 = v128.xor(T20, T17);
    const T26 = v128.xor(T3, T16);
    const T27 = v128.xor(T1, T12);
    const M1 = v128.and(T13, T6);
    const M2 = v128.and(T23, T8);
    const M3 = v128.xor(T14, M1);
    const M4 = v128.and(T19, U7);
    const M5 = v128.xor(M4, M1);
    const M6 = v128.and(T3, T16);
    const M7 = v128.and(T22, T9);
    const M8 = v128.xor(T26, M6);
    const M9 = v128.and(T20, T17);
    const M10 = v128.xor(M9, M6);
    const M11 = v128.and(T1, T15);
    const M12 = v128.and(T4, T27);
    const M13 = v128.xor(M12, M11);
    const M14 = v128.and(T2, T10);
    const M15 = v128.xor(M14, M11);
    const M16 = v128.xor(M3, M2);
    const M17 = v128.xor(M5, T24);
    const M18 = v128.xor(M8, M7);
    const M19 = v128.xor(M10, M15);
    const M20 = v128.xor(M16, M13);
    const M21 = v128.xor(M17, M15);
    const M22 = v128.xor(M18, M13);
    const M23 = v128.xor(M19, T25);
    const M24 = v128.xor(M22, M23);
    const M25 = v128.and(M22, M20);
    const M26 = v128.xor(M21, M25);
    const M27 = v128.xor(M20, M21);
    const M28 = v128.xor(M23, M25);
    const M29 = v128.and(M28, M27);
    const M30 = v128.and(M26, M24);
    const M31 = v128.and(M20, M23);
    const M32 = v128.and(M27, M31);
    const M33 = v128.xor(M27, M25);
    const M34 = v128.and(M21, M22);
    const M35 = v128.and(M24, M34);
    const M36 = v128.xor(M24, M25);
    const M37 = v128.xor(M21, M29);
    const M38 = v128.xor(M32, M33);
    const M39 = v128.xor(M23, M30);
    const M40 = v128.xor(M35, M36);
    const M41 = v128.xor(M38, M40);
    const M42 = v128.xor(M37, M39);
    const M43 = v128.xor(M37, M38);
    const M44 = v128.xor(M39, M40);
    const M45 = v128.xor(M42, M41);
    const M46 = v128.and(M44, T6);
    const M47 = v128.and(M40, T8);
    const M48 = v128.and(M39, U7);
    const M49 = v128.and(M43, T16);
    const M50 = v128.and(M38, T9);
    const M51 = v128.and(M37, T17);
    const M52 = v128.and(M42, T15);
    const M53 = v128.and(M45, T27);
    const M54 = v128.and(M41, T10);
    const M55 = v128.and(M44, T13);
    const M56 = v128.and(M40, T23);
    const M57 = v128.and(M39, T19);
    const M58 = v128.and(M43, T3);
    const M59 = v128.and(M38, T22);
    const M60 = v128.and(M37, T20);
    const M61 = v128.and(M42, T1);
    const M62 = v128.and(M45, T4);
    const M63 = v128.and(M41, T2);
    const L0 = v128.xor(M61, M62);
    const L1 = v128.xor(M50, M56);
    const L2 = v128.xor(M46, M48);
    const L3 = v128.xor(M47, M55);
    const L4 = v128.xor(M54, M58);
    const L5 = v128.xor(M49, M61);
    const L6 = v128.xor(M62, L5);
    const L7 = v128.xor(M46, L3);
    const L8 = v128.xor(M51, M59);
    const L9 = v128.xor(M52, M53);
    const L10 = v128.xor(M53, L4);
    const L11 = v128.xor(M60, L2);
    const L12 = v128.xor(M48, M51);
    const L13 = v128.xor(M50, L0);
    const L14 = v128.xor(M52, M61);
    const L15 = v128.xor(M55, L1);
    const L16 = v128.xor(M56, L0);
    const L17 = v128.xor(M57, L1);
    const L18 = v128.xor(M58, L8);
    const L19 = v128.xor(M63, L4);
    const L20 = v128.xor(L0, L1);
    const L21 = v128.xor(L1, L7);
    const L22 = v128.xor(L3, L12);
    const L23 = v128.xor(L18, L2);
    const L24 = v128.xor(L15, L9);
    const L25 = v128.xor(L6, L10);
    const L26 = v128.xor(L7, L9);
    const L27 = v128.xor(L8, L10);
    const L28 = v128.xor(L11, L14);
    const L29 = v128.xor(L11, L17);
    // S-box outputs without the XNORs' complements (0x63 is folded into the round keys).
    let s7 = v128.xor(L6, L24);
    let s6 = v128.xor(L16, L26);
    let s5 = v128.xor(L19, L28);
    let s4 = v128.xor(L6, L21);
    let s3 = v128.xor(L20, L22);
    let s2 = v128.xor(L25, L29);
    let s1 = v128.xor(L13, L27);
    let s0 = v128.xor(L6, L23);
    // ShiftRows.
    s0 = shiftRows(s0); s1 = shiftRows(s1); s2 = shiftRows(s2); s3 = shiftRows(s3);
    s4 = shiftRows(s4); s5 = shiftRows(s5); s6 = shiftRows(s6); s7 = shiftRows(s7);
    if (round < nr) {
      // MixColumns: out = xtime(a ^ rot1 a) ^ rot1 a ^ rot2(a ^ rot1 a).
      const r0 = rot1(s0), r1 = rot1(s1), r2 = rot1(s2), r3 = rot1(s3);
      const r4 = rot1(s4), r5 = rot1(s5), r6 = rot1(s6), r7 = rot1(s7);
      const t0 = v128.xor(s0, r0), t1 = v128.xor(s1, r1), t2 = v128.xor(s2, r2), t3 = v128.xor(s3, r3);
      const t4 = v128.xor(s4, r4), t5 = v128.xor(s5, r5), t6 = v128.xor(s6, r6), t7 = v128.xor(s7, r7);
      x0 = v128.xor(v128.xor(t7, r0), rot2(t0));
      x1 = v128.xor(v128.xor(v128.xor(t0, t7), r1), rot2(t1));
      x2 = v128.xor(v128.xor(t1, r2), rot2(t2));
      x3 = v128.xor(v128.xor(v128.xor(t2, t7), r3), rot2(t3));
      x4 = v128.xor(v128.xor(v128.xor(t3, t7), r4), rot2(t4));
      x5 = v128.xor(v128.xor(t4, r5), rot2(t5));
      x6 = v128.xor(v128.xor(t5, r6), rot2(t6));
      x7 = v128.xor(v128.xor(t6, r7), rot2(t7));
    } else {
      x0 = s0; x1 = s1; x2 = s2; x3 = s3; x4 = s4; x5 = s5; x6 = s6; x7 = s7;
    }
    x0 = v128.xor(x0, v128.load(k, 0));
    x1 = v128.xor(x1, v128.load(k, 16));
    x2 = v128.xor(x2, v128.load(k, 32));
    x3 = v128.xor(x3, v128.load(k, 48));
    x4 = v128.xor(x4, v128.load(k, 64));
    x5 = v128.xor(x5, v128.load(k, 80));
    x6 = v128.xor(x6, v128.load(k, 96));
    x7 = v128.xor(x7, v128.load(k, 112));
  }

  // Transpose back: planes -> blocks.
  t = v128.and(v128.xor(i64x2.shr_u(x0, 1), x1), m1); x1 = v128.xor(x1, t); x0 = v128.xor(x0, i64x2.shl(t, 1));
  t = v128.and(v128.xor(i64x2.shr_u(x2, 1), x3), m1); x3 = v128.xor(x3, t); x2 = v128.xor(x2, i64x2.shl(t, 1));
  t = v128.and(v128.xor(i64x2.shr_u(x4, 1), x5), m1); x5 = v128.xor(x5, t); x4 = v128.xor(x4, i64x2.shl(t, 1));
  t = v128.and(v128.xor(i64x2.shr_u(x6, 1), x7), m1); x7 = v128.xor(x7, t); x6 = v128.xor(x6, i64x2.shl(t, 1));
  t = v128.and(v128.xor(i64x2.shr_u(x0, 2), x2), m2); x2 = v128.xor(x2, t); x0 = v128.xor(x0, i64x2.shl(t, 2));
  t = v128.and(v128.xor(i64x2.shr_u(x1, 2), x3), m2); x3 = v128.xor(x3, t); x1 = v128.xor(x1, i64x2.shl(t, 2));
  t = v128.and(v128.xor(i64x2.shr_u(x4, 2), x6), m2); x6 = v128.xor(x6, t); x4 = v128.xor(x4, i64x2.shl(t, 2));
  t = v128.and(v128.xor(i64x2.shr_u(x5, 2), x7), m2); x7 = v128.xor(x7, t); x5 = v128.xor(x5, i64x2.shl(t, 2));
  t = v128.and(v128.xor(i64x2.shr_u(x0, 4), x4), m4); x4 = v128.xor(x4, t); x0 = v128.xor(x0, i64x2.shl(t, 4));
  t = v128.and(v128.xor(i64x2.shr_u(x1, 4), x5), m4); x5 = v128.xor(x5, t); x1 = v128.xor(x1, i64x2.shl(t, 4));
  t = v128.and(v128.xor(i64x2.shr_u(x2, 4), x6), m4); x6 = v128.xor(x6, t); x2 = v128.xor(x2, i64x2.shl(t, 4));
  t = v128.and(v128.xor(i64x2.shr_u(x3, 4), x7), m4); x7 = v128.xor(x7, t); x3 = v128.xor(x3, i64x2.shl(t, 4));
  v128.store(dst, x0, 0);
  v128.store(dst, x1, 16);
  v128.store(dst, x2, 32);
  v128.store(dst, x3, 48);
  v128.store(dst, x4, 64);
  v128.store(dst, x5, 80);
  v128.store(dst, x6, 96);
  v128.store(dst, x7, 112);
}

/** Spreads a 16-byte round key (with the S-box constant folded in when fold) into 8 planes at dst. */
function bitsliceKey(rk: v128, fold: bool, dst: usize): void {
  if (fold) rk = v128.xor(rk, i8x16.splat(0x63));
  for (let j = 0; j < 8; j++) {
    const b: i32 = 1 << j;
    const bit = i8x16.splat(<i8>b);
    v128.store(dst + (<usize>j << 4), i8x16.eq(v128.and(rk, bit), bit));
  }
}

function initSbKeys(): void {
  bitsliceKey(v128.splat<i8>(0), false, SB_KEYS);
  bitsliceKey(v128.splat<i8>(0), true, SB_KEYS + RK_BYTES);
  sbKeysReady = true;
}

/** SubWord (FIPS-197 5.2) computed with the bitsliced circuit: no table, no secret branch. */
function subWord(w: u32): u32 {
  if (!sbKeysReady) initSbKeys();
  // One round with zero round keys is SubBytes then ShiftRows; row 0 (bytes 0, 4, 8, 12) is
  // not shifted, so the word's bytes go there.
  zeroBlocks(SB_BUF, 128);
  store<u8>(SB_BUF, <u8>w);
  store<u8>(SB_BUF + 4, <u8>(w >> 8));
  store<u8>(SB_BUF + 8, <u8>(w >> 16));
  store<u8>(SB_BUF + 12, <u8>(w >> 24));
  aesEncrypt8(SB_KEYS, 1, SB_BUF, SB_BUF);
  const r = <u32>load<u8>(SB_BUF) | (<u32>load<u8>(SB_BUF + 4) << 8) |
    (<u32>load<u8>(SB_BUF + 8) << 16) | (<u32>load<u8>(SB_BUF + 12) << 24);
  zeroBlocks(SB_BUF, 128);
  return r;
}

/**
 * FIPS-197 KeyExpansion (section 5.2) for a 16-, 24- or 32-byte key at key, storing the
 * bitsliced round keys at rk. Returns the number of rounds (10, 12, 14), or 0 for a bad length.
 */
export function aesExpandKey(key: usize, keyLen: u32, rk: usize): i32 {
  if (keyLen != 16 && keyLen != 24 && keyLen != 32) return 0;
  const nk = <i32>(keyLen >> 2);
  const nr = nk + 6;
  const total = 4 * (nr + 1);
  // Words are kept as little-endian u32 loads of the key bytes (byte 0 in the low bits).
  for (let i = 0; i < nk; i++) store<u32>(W_WORDS + (<usize>i << 2), load<u32>(key + (<usize>i << 2)));
  let rcon: u32 = 1;
  for (let i = nk; i < total; i++) {
    let temp = load<u32>(W_WORDS + (<usize>(i - 1) << 2));
    if (i % nk == 0) {
      temp = subWord(rotr<u32>(temp, 8)) ^ rcon;
      rcon = (rcon << 1) ^ (((rcon >> 7) & 1) * 0x11b);
    } else if (nk > 6 && i % nk == 4) {
      temp = subWord(temp);
    }
    store<u32>(W_WORDS + (<usize>i << 2), load<u32>(W_WORDS + (<usize>(i - nk) << 2)) ^ temp);
  }
  for (let r = 0; r <= nr; r++) {
    bitsliceKey(v128.load(W_WORDS + (<usize>r << 4)), r > 0, rk + <usize>r * RK_BYTES);
  }
  zeroBlocks(W_WORDS, 240);
  return nr;
}
