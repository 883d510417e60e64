// GHASH (NIST SP 800-38D, 6.4) in constant time with WebAssembly SIMD, without carry-less
// multiply instructions and without tables indexed by secret data.
//
// Carry-less products from integer products "with holes": a 16-bit operand is split into its
// three bit classes (bit positions = 0, 1, 2 mod 3). Multiplying a class-a part by a class-b
// part with an ordinary integer multiply puts at each position of class a+b (mod 3) the number
// of bit pairs meeting there; at most 6 pairs can meet (a 16-bit class has <= 6 bits), 6 < 8,
// so a count never carries into the next position of the same class, and the low bit of each
// count is exactly the carry-less (XOR) sum. Garbage from the counts' upper bits only lands on
// positions of the other two classes, which a mask removes. Nine i32x4.mul give four 16x16
// carry-less products (one per lane).
//
// Layout: the four lanes hold four different blocks X0..X3, each multiplied by its own power of
// H (H^4, H^3, H^2, H^1: aggregated reduction, Horner's rule four blocks at a time:
// Y' = (Y + X0) H^4 + X1 H^3 + X2 H^2 + X3 H). A block is taken as the 128-bit big-endian
// integer R ("reflected" form: bit p of R is the coefficient of x^(127-p)), cut into eight
// 16-bit chunks, chunk i of every lane in one vector. The 128x128 product uses three levels of
// Karatsuba (27 leaf 16x16 products); the H side of every leaf is precomputed per key, already
// split into classes (ghashInitTable). Results stay as 32-bit words at 16-bit offsets; the four
// lanes are summed, the 256-bit product is assembled in scalar code and reduced modulo
// x^128 + x^7 + x^2 + x + 1 with shifts (no data-dependent branch or address anywhere).

import { copyBytes, zeroBlocks } from './aes_mem';

// Bytes of one precomputed table: 27 leaves x 3 classes x 16 bytes.
export const GHASH_TABLE_BYTES: usize = 1296;

// Scratch: K4 outputs (3 x 7 words), a 4-block staging buffer, and H powers at init.
const K4OUT: usize = memory.data(21 * 16, 16);
const STAGE: usize = memory.data(64, 16);
const POW: usize = memory.data(64, 16);

// @ts-ignore: decorator
@inline function xor3(a: v128, b: v128, c: v128): v128 { return v128.xor(v128.xor(a, b), c); }

// Class masks (input: 16-bit classes 0, 1, 2; output: 32-bit classes 0, 1, 2). Loaded from
// memory where they are used: a constant would be rebuilt in registers at every use.
const MASKS: usize = memory.data<u32>([
  0x9249, 0x9249, 0x9249, 0x9249, 0x2492, 0x2492, 0x2492, 0x2492, 0x4924, 0x4924, 0x4924, 0x4924,
  0x49249249, 0x49249249, 0x49249249, 0x49249249, 0x92492492, 0x92492492, 0x92492492, 0x92492492,
  0x24924924, 0x24924924, 0x24924924, 0x24924924,
], 16);

/** One 16x16 carry-less product per lane: a (16-bit values in u32 lanes) times the leaf at b. */
// @ts-ignore: decorator
@inline function k1(a: v128, b: usize): v128 {
  const a0 = v128.and(a, v128.load(MASKS, 0));
  const a1 = v128.and(a, v128.load(MASKS, 16));
  const a2 = v128.and(a, v128.load(MASKS, 32));
  const b0 = v128.load(b, 0);
  const b1 = v128.load(b, 16);
  const b2 = v128.load(b, 32);
  const p0 = xor3(i32x4.mul(a0, b0), i32x4.mul(a1, b2), i32x4.mul(a2, b1));
  const p1 = xor3(i32x4.mul(a0, b1), i32x4.mul(a1, b0), i32x4.mul(a2, b2));
  const p2 = xor3(i32x4.mul(a0, b2), i32x4.mul(a1, b1), i32x4.mul(a2, b0));
  return v128.or(v128.or(
    v128.and(p0, v128.load(MASKS, 48)),
    v128.and(p1, v128.load(MASKS, 64))),
    v128.and(p2, v128.load(MASKS, 80)));
}

// Leaf operands of the 9 second-level Karatsuba products (pairs of chunk vectors), and their
// 3-word results.
const K2IN: usize = memory.data(18 * 16, 16);
const K2OUT: usize = memory.data(27 * 16, 16);

/**
 * The nine 32x32 (two-chunk) products of the tree, one loop iteration each so that the
 * compiler keeps every iteration's values in registers: (v0, v1) times the leaves at t gives
 * words v0*b0, (v0^v1)*(b0^b1) - v0*b0 - v1*b1, v1*b1 at 16-bit offsets 0, 1, 2.
 */
// @ts-ignore: decorator
@inline function k2all(table: usize): void {
  for (let i: usize = 0; i < 9; i++) {
    const v0 = v128.load(K2IN + i * 32);
    const v1 = v128.load(K2IN + i * 32, 16);
    const t = table + i * 144;
    // Each product is stored before the next one's loads, so that the compiler (which keeps
    // memory operations in program order) cannot start all of them at once and spill.
    const o = K2OUT + i * 48;
    const z0 = k1(v0, t);
    v128.store(o, z0, 0);
    const z1 = k1(v1, t + 48);
    v128.store(o, z1, 32);
    const z2 = k1(v128.xor(v0, v1), t + 96);
    v128.store(o, xor3(z2, z0, z1), 16);
  }
}

/** Combines three 3-word K2 results (lo, hi, mid at K2OUT + 48 * (3j..3j+2)) into 7 words. */
// @ts-ignore: decorator
@inline function k4words(j: usize, out: usize): void {
  const p = K2OUT + j * 144;
  const L0 = v128.load(p, 0), L1 = v128.load(p, 16), L2 = v128.load(p, 32);
  const H0 = v128.load(p, 48), H1 = v128.load(p, 64), H2 = v128.load(p, 80);
  const X0 = xor3(v128.load(p, 96), L0, H0);
  const X1 = xor3(v128.load(p, 112), L1, H1);
  const X2 = xor3(v128.load(p, 128), L2, H2);
  v128.store(out, L0, 0);
  v128.store(out, L1, 16);
  v128.store(out, v128.xor(L2, X0), 32);
  v128.store(out, X1, 48);
  v128.store(out, v128.xor(H0, X2), 64);
  v128.store(out, H1, 80);
  v128.store(out, H2, 96);
}

/** Stores the K2 operand pairs of a 4-chunk operand u0..u3: (u0,u1), (u2,u3), (u0^u2, u1^u3). */
// @ts-ignore: decorator
@inline function k2operands(u0: v128, u1: v128, u2: v128, u3: v128, out: usize): void {
  v128.store(out, u0, 0);
  v128.store(out, u1, 16);
  v128.store(out, u2, 32);
  v128.store(out, u3, 48);
  v128.store(out, v128.xor(u0, u2), 64);
  v128.store(out, v128.xor(u1, u3), 80);
}

// @ts-ignore: decorator
@inline function unpackLo16(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
}
// @ts-ignore: decorator
@inline function unpackHi16(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);
}
// @ts-ignore: decorator
@inline function unpackLo32(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
}
// @ts-ignore: decorator
@inline function unpackHi32(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
}
// @ts-ignore: decorator
@inline function unpackLo64(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
}
// @ts-ignore: decorator
@inline function unpackHi64(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
}
/** Sums the four lanes of a, b, c, d: result lane j = sum of the lanes of the j-th argument. */
// @ts-ignore: decorator
@inline function laneSums(a: v128, b: v128, c: v128, d: v128): v128 {
  const s = v128.xor(unpackLo32(a, b), unpackHi32(a, b));
  const t = v128.xor(unpackLo32(c, d), unpackHi32(c, d));
  return v128.xor(unpackLo64(s, t), unpackHi64(s, t));
}
/** Block bytes -> 16-bit chunks of the big-endian integer, chunk 0 (least significant) first... */
// @ts-ignore: decorator
@inline function bswap16x8(x: v128): v128 { // swap the two bytes of each 16-bit lane
  return i8x16.swizzle(x, i8x16(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14));
}

/**
 * Y = (Y + X0) H^4 + X1 H^3 + X2 H^2 + X3 H for the four blocks at src, with acc (the 16-byte
 * GHASH state, block byte order) added to block accSlot instead of 0 (so a group of n < 4
 * blocks placed at the end of four, zero blocks before it, is hashed correctly).
 */
export function ghash4(acc: usize, table: usize, src: usize, accSlot: usize): void {
  let b0 = v128.load(src, 0);
  let b1 = v128.load(src, 16);
  let b2 = v128.load(src, 32);
  let b3 = v128.load(src, 48);
  const y = v128.load(acc);
  // Fold the state in without a branch on data (accSlot is public).
  b0 = v128.xor(b0, v128.and(y, i8x16.splat(<i8>-(<i32>(accSlot == 0)))));
  b1 = v128.xor(b1, v128.and(y, i8x16.splat(<i8>-(<i32>(accSlot == 1)))));
  b2 = v128.xor(b2, v128.and(y, i8x16.splat(<i8>-(<i32>(accSlot == 2)))));
  b3 = v128.xor(b3, v128.and(y, i8x16.splat(<i8>-(<i32>(accSlot == 3)))));
  // Transpose: block l's 16-bit big-endian word w goes to lane l of vector w. Word w of the
  // block is chunk 7 - w of the big-endian integer R.
  b0 = bswap16x8(b0); b1 = bswap16x8(b1); b2 = bswap16x8(b2); b3 = bswap16x8(b3);
  const t0 = unpackLo16(b0, b1), t1 = unpackLo16(b2, b3);
  const t2 = unpackHi16(b0, b1), t3 = unpackHi16(b2, b3);
  const q0 = unpackLo32(t0, t1), q1 = unpackHi32(t0, t1);
  const q2 = unpackLo32(t2, t3), q3 = unpackHi32(t2, t3);
  const c7 = i32x4.extend_low_i16x8_u(q0), c6 = i32x4.extend_high_i16x8_u(q0);
  const c5 = i32x4.extend_low_i16x8_u(q1), c4 = i32x4.extend_high_i16x8_u(q1);
  const c3 = i32x4.extend_low_i16x8_u(q2), c2 = i32x4.extend_high_i16x8_u(q2);
  const c1 = i32x4.extend_low_i16x8_u(q3), c0 = i32x4.extend_high_i16x8_u(q3);

  // Karatsuba top level: lo (chunks 0-3), hi (4-7), mid (lo ^ hi); each splits again twice.
  k2operands(c0, c1, c2, c3, K2IN);
  k2operands(c4, c5, c6, c7, K2IN + 96);
  k2operands(v128.xor(c0, c4), v128.xor(c1, c5), v128.xor(c2, c6), v128.xor(c3, c7), K2IN + 192);
  k2all(table);
  k4words(0, K4OUT);
  k4words(1, K4OUT + 112);
  k4words(2, K4OUT + 224);
  const L0 = v128.load(K4OUT, 0), L1 = v128.load(K4OUT, 16), L2 = v128.load(K4OUT, 32), L3 = v128.load(K4OUT, 48);
  const L4 = v128.load(K4OUT, 64), L5 = v128.load(K4OUT, 80), L6 = v128.load(K4OUT, 96);
  const H0 = v128.load(K4OUT, 112), H1 = v128.load(K4OUT, 128), H2 = v128.load(K4OUT, 144), H3 = v128.load(K4OUT, 160);
  const H4 = v128.load(K4OUT, 176), H5 = v128.load(K4OUT, 192), H6 = v128.load(K4OUT, 208);
  const X0 = xor3(v128.load(K4OUT, 224), L0, H0);
  const X1 = xor3(v128.load(K4OUT, 240), L1, H1);
  const X2 = xor3(v128.load(K4OUT, 256), L2, H2);
  const X3 = xor3(v128.load(K4OUT, 272), L3, H3);
  const X4 = xor3(v128.load(K4OUT, 288), L4, H4);
  const X5 = xor3(v128.load(K4OUT, 304), L5, H5);
  const X6 = xor3(v128.load(K4OUT, 320), L6, H6);
  // Words at 16-bit offsets d = 0..14, summed over the four lanes.
  const s0 = laneSums(L0, L1, L2, L3);                                         // d 0..3
  const s1 = laneSums(v128.xor(L4, X0), v128.xor(L5, X1), v128.xor(L6, X2), X3); // d 4..7
  const s2 = laneSums(v128.xor(X4, H0), v128.xor(X5, H1), v128.xor(X6, H2), H3); // d 8..11
  const s3 = laneSums(H4, H5, H6, i64x2.splat(0));                            // d 12..14

  // Assemble the 256-bit product Q = sum of word_d << 16d as four u64 (q0 least significant).
  const w0 = <u64><u32>i32x4.extract_lane(s0, 0), w1 = <u64><u32>i32x4.extract_lane(s0, 1);
  const w2 = <u64><u32>i32x4.extract_lane(s0, 2), w3 = <u64><u32>i32x4.extract_lane(s0, 3);
  const w4 = <u64><u32>i32x4.extract_lane(s1, 0), w5 = <u64><u32>i32x4.extract_lane(s1, 1);
  const w6 = <u64><u32>i32x4.extract_lane(s1, 2), w7 = <u64><u32>i32x4.extract_lane(s1, 3);
  const w8 = <u64><u32>i32x4.extract_lane(s2, 0), w9 = <u64><u32>i32x4.extract_lane(s2, 1);
  const w10 = <u64><u32>i32x4.extract_lane(s2, 2), w11 = <u64><u32>i32x4.extract_lane(s2, 3);
  const w12 = <u64><u32>i32x4.extract_lane(s3, 0), w13 = <u64><u32>i32x4.extract_lane(s3, 1);
  const w14 = <u64><u32>i32x4.extract_lane(s3, 2);
  const z0 = w0 ^ (w1 << 16) ^ (w2 << 32) ^ (w3 << 48);
  const z1 = (w3 >> 16) ^ w4 ^ (w5 << 16) ^ (w6 << 32) ^ (w7 << 48);
  const z2 = (w7 >> 16) ^ w8 ^ (w9 << 16) ^ (w10 << 32) ^ (w11 << 48);
  const z3 = (w11 >> 16) ^ w12 ^ (w13 << 16) ^ (w14 << 32);
  // The product of two reflected 128-bit values is reflected over 255 bits: shift left by one
  // so bit t is the coefficient of x^(255-t).
  const d0 = z0 << 1;
  const d1 = (z1 << 1) | (z0 >> 63);
  const e0 = (z2 << 1) | (z1 >> 63);
  const e1 = (z3 << 1) | (z2 >> 63);
  // (e1:e0) holds degrees 0..127, (d1:d0) degrees 128..255 as x^128 * D. Reduce:
  // x^128 = 1 + x + x^2 + x^7; multiplying by x^k is a right shift by k in this form, and the
  // bits shifted out (degrees >= 128) are folded back first (W), so one pass suffices.
  const v0 = d0;
  const v1 = d1 ^ (d0 << 63) ^ (d0 << 62) ^ (d0 << 57);
  const r0 = e0 ^ v0 ^ ((v0 >> 1) | (v1 << 63)) ^ ((v0 >> 2) | (v1 << 62)) ^ ((v0 >> 7) | (v1 << 57));
  const r1 = e1 ^ v1 ^ (v1 >> 1) ^ (v1 >> 2) ^ (v1 >> 7);
  // Back to block byte order.
  v128.store(acc, i8x16.swizzle(i64x2(<i64>r0, <i64>r1), i8x16(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)));
}

/** GHASH over nblocks whole blocks at src (any count; a short first group is front-padded). */
export function ghashBlocks(acc: usize, table: usize, src: usize, nblocks: usize): void {
  const r = nblocks & 3;
  if (r) {
    const off = (<usize>4 - r) << 4;
    zeroBlocks(STAGE, off);
    copyBytes(STAGE + off, src, r << 4);
    ghash4(acc, table, STAGE, 4 - r);
    src += r << 4;
    nblocks -= r;
  }
  while (nblocks) {
    ghash4(acc, table, src, 0);
    src += 64;
    nblocks -= 4;
  }
}

/** GHASH over len bytes at src, the last partial block zero-padded (SP 800-38D 7.1 step 4). */
export function ghashBytes(acc: usize, table: usize, src: usize, len: usize): void {
  const full = len >> 4;
  const rest = len & 15;
  if (!rest) { ghashBlocks(acc, table, src, full); return; }
  // Full blocks except the ones that go with the padded last block into the final group.
  const head = full & ~(3 as usize);
  if (head) ghashBlocks(acc, table, src, head);
  const tailFull = full - head;       // 0..3 whole blocks
  const n = tailFull + 1;             // blocks in the final group
  const off = (<usize>4 - n) << 4;
  zeroBlocks(STAGE, 64);
  copyBytes(STAGE + off, src + (head << 4), (tailFull << 4) + rest);
  ghash4(acc, table, STAGE, 4 - n);
  zeroBlocks(STAGE, 64);
}

/**
 * Zeroes the scratch that held products with powers of H (called at the end of every exported
 * GCM operation, so no key-derived values stay in static memory between calls).
 */
export function ghashWipe(): void {
  zeroBlocks(K2IN, 18 * 16);
  zeroBlocks(K2OUT, 27 * 16);
  zeroBlocks(K4OUT, 21 * 16);
  zeroBlocks(STAGE, 64);
}

// ---- Key setup (once per key) ----

/** Reflected-form GF(2^128) product (SP 800-38D Algorithm 1), bit-serial and branch-free. */
function gfMul(xh: u64, xl: u64, yh: u64, yl: u64, out: usize): void {
  let zh: u64 = 0, zl: u64 = 0;
  let vh = yh, vl = yl;
  for (let i = 0; i < 128; i++) {
    // Bit i of X in the spec's order is bit 127 - i of the integer.
    const bit = i < 64 ? (xh >> (63 - <u64>i)) & 1 : (xl >> (127 - <u64>i)) & 1;
    const m = 0 - bit;
    zh ^= vh & m;
    zl ^= vl & m;
    const lsb = vl & 1;
    vl = (vl >> 1) | (vh << 63);
    vh = (vh >> 1) ^ ((0 - lsb) & 0xe100000000000000);
  }
  store<u64>(out, zl);
  store<u64>(out, zh, 8);
}

/**
 * Precomputes the leaf table for H (16 bytes at h, block byte order): lane l holds
 * H^(4-l); every Karatsuba leaf is stored split into its three bit classes.
 */
export function ghashInitTable(h: usize, table: usize): void {
  const hh = bswap<u64>(load<u64>(h));
  const hl = bswap<u64>(load<u64>(h, 8));
  // POW + 16k: H^(k+1) as (low u64, high u64) of the big-endian integer.
  store<u64>(POW, hl);
  store<u64>(POW, hh, 8);
  for (let k: usize = 1; k < 4; k++) {
    gfMul(load<u64>(POW + ((k - 1) << 4), 8), load<u64>(POW + ((k - 1) << 4)), hh, hl, POW + (k << 4));
  }
  for (let lane: usize = 0; lane < 4; lane++) {
    const p = POW + ((3 - lane) << 4); // lane 0 gets H^4
    // Chunks of the integer, least significant first.
    const c0 = <u32>load<u16>(p, 0), c1 = <u32>load<u16>(p, 2), c2 = <u32>load<u16>(p, 4), c3 = <u32>load<u16>(p, 6);
    const c4 = <u32>load<u16>(p, 8), c5 = <u32>load<u16>(p, 10), c6 = <u32>load<u16>(p, 12), c7 = <u32>load<u16>(p, 14);
    // Leaves in the order k4/ghash4 consume them.
    let t = table + (lane << 2);
    t = putK4(c0, c1, c2, c3, t);
    t = putK4(c4, c5, c6, c7, t);
    putK4(c0 ^ c4, c1 ^ c5, c2 ^ c6, c3 ^ c7, t);
  }
  zeroBlocks(POW, 64);
}

function putLeaf(v: u32, t: usize): usize {
  store<u32>(t, v & 0x9249);
  store<u32>(t + 16, v & 0x2492);
  store<u32>(t + 32, v & 0x4924);
  return t + 48;
}

function putK4(u0: u32, u1: u32, u2: u32, u3: u32, t: usize): usize {
  t = putLeaf(u0, t);
  t = putLeaf(u1, t);
  t = putLeaf(u0 ^ u1, t);
  t = putLeaf(u2, t);
  t = putLeaf(u3, t);
  t = putLeaf(u2 ^ u3, t);
  const w0 = u0 ^ u2, w1 = u1 ^ u3;
  t = putLeaf(w0, t);
  t = putLeaf(w1, t);
  t = putLeaf(w0 ^ w1, t);
  return t;
}
