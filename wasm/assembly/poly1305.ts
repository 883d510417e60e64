// Poly1305 one-time authenticator (RFC 8439 §2.5), radix 2^26 (five limbs).
//
// Long messages run four blocks at a time with SIMD: lane j of five i32x4 accumulators takes
// blocks j, j+4, j+8, ... of the message; each step is H = H * r^4 + M, the 26x26-bit limb
// products made with i64x2.extmul_{low,high}_i32x4_u (pmuludq) into i64x2 pairs, carried and
// narrowed back to i32x4. At the end lane j is multiplied by r^(4-j) and the lanes are summed,
// which equals the serial Horner evaluation. Short messages and the tail use the scalar path.
// V8 lowers each extmul to two unpacks and one pmuludq, so the unpacks are ~40% of the loop's
// SIMD ops; no other wasm SIMD op multiplies 32x32 -> 64 more cheaply (i64x2.mul is eight ops;
// f64x2 products need as many conversion ops). The seven carries per step (two interleaved
// chains) bring every limb back to 26 bits plus a few carry bits before it is narrowed; one
// six-step chain does less work but measured 5-10% slower as V8 compiles it. Eight lanes in two
// independent accumulators (r^8 per step, one's carries overlapping the other's products)
// measured the same as four: the loop is bound by SIMD throughput, not by its dependencies.
//
// State (POLY_STATE_SIZE bytes, 64-aligned):
//   0 h[5] u32 | 20 r[5] | 40 5*r[1..4] | 56 s[4] (the key's second half) | 72 buffered bytes
//   76 powers-ready flag | 80 buf[16] | 128 RV[5] v128: (r^4, r^3, r^2, r) per limb
//   208 SV[5]: 5*RV | 288 R4[5]: r^4 splatted | 368 S4[5]: 5*r^4 splatted | 448 r^2, r^3, r^4 scalar

/** Bytes of one Poly1305 state. */
export const POLY_STATE_SIZE: usize = 512;
/** Messages shorter than this use the scalar path (the SIMD setup costs about three blocks). */
export const POLY_SIMD_MIN: usize = 256;

import { zero, copySmall } from './chacha_core';

const M26: u64 = 0x3ffffff;

/** Starts a MAC: clamps r from key[0..16), keeps s = key[16..32), h = 0. */
export function polyInit(st: usize, key: usize): void {
  const t0 = load<u32>(key, 0), t1 = load<u32>(key, 4), t2 = load<u32>(key, 8), t3 = load<u32>(key, 12);
  const r0 = t0 & 0x3ffffff;
  const r1 = ((t0 >>> 26) | (t1 << 6)) & 0x3ffff03;
  const r2 = ((t1 >>> 20) | (t2 << 12)) & 0x3ffc0ff;
  const r3 = ((t2 >>> 14) | (t3 << 18)) & 0x3f03fff;
  const r4 = (t3 >>> 8) & 0x00fffff;
  zero(st, 16);
  store<u32>(st, 0, 16);
  store<u32>(st, r0, 20); store<u32>(st, r1, 24); store<u32>(st, r2, 28); store<u32>(st, r3, 32); store<u32>(st, r4, 36);
  store<u32>(st, r1 * 5, 40); store<u32>(st, r2 * 5, 44); store<u32>(st, r3 * 5, 48); store<u32>(st, r4 * 5, 52);
  v128.store(st, v128.load(key, 16), 56);
  store<u32>(st, 0, 72);
  store<u32>(st, 0, 76);
}

/** Wipes a state (keys, powers, accumulator). */
export function polyWipe(st: usize): void {
  if (load<u32>(st, 76)) zero(st + 128, POLY_STATE_SIZE - 128);
  zero(st, 128);
}

/** out = a * b mod 2^130 - 5 for five-limb numbers at a, b (partially reduced: limbs < 2^26 + 2^12). */
function mulLimbs(out: usize, a: usize, b: usize): void {
  const a0 = <u64>load<u32>(a, 0), a1 = <u64>load<u32>(a, 4), a2 = <u64>load<u32>(a, 8), a3 = <u64>load<u32>(a, 12), a4 = <u64>load<u32>(a, 16);
  const b0 = <u64>load<u32>(b, 0), b1 = <u64>load<u32>(b, 4), b2 = <u64>load<u32>(b, 8), b3 = <u64>load<u32>(b, 12), b4 = <u64>load<u32>(b, 16);
  const c1 = b1 * 5, c2 = b2 * 5, c3 = b3 * 5, c4 = b4 * 5;
  let d0 = a0 * b0 + a1 * c4 + a2 * c3 + a3 * c2 + a4 * c1;
  let d1 = a0 * b1 + a1 * b0 + a2 * c4 + a3 * c3 + a4 * c2;
  let d2 = a0 * b2 + a1 * b1 + a2 * b0 + a3 * c4 + a4 * c3;
  let d3 = a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0 + a4 * c4;
  let d4 = a0 * b4 + a1 * b3 + a2 * b2 + a3 * b1 + a4 * b0;
  let c: u64;
  c = d0 >> 26; d0 &= M26; d1 += c;
  c = d1 >> 26; d1 &= M26; d2 += c;
  c = d2 >> 26; d2 &= M26; d3 += c;
  c = d3 >> 26; d3 &= M26; d4 += c;
  c = d4 >> 26; d4 &= M26; d0 += c * 5;
  c = d0 >> 26; d0 &= M26; d1 += c;
  store<u32>(out, <u32>d0, 0); store<u32>(out, <u32>d1, 4); store<u32>(out, <u32>d2, 8);
  store<u32>(out, <u32>d3, 12); store<u32>(out, <u32>d4, 16);
}

/** Computes r^2, r^3, r^4 and the SIMD multiplier vectors once per key. */
export function polyPowers(st: usize): void {
  if (load<u32>(st, 76)) return;
  const r1 = st + 20, r2 = st + 448, r3 = st + 468, r4 = st + 488;
  mulLimbs(r2, r1, r1);
  mulLimbs(r3, r2, r1);
  mulLimbs(r4, r2, r2);
  const five = i32x4.splat(5);
  for (let k: usize = 0; k < 5; k++) {
    const o = k << 2;
    const rv = i32x4(load<i32>(r4 + o), load<i32>(r3 + o), load<i32>(r2 + o), load<i32>(r1 + o));
    v128.store(st + 128 + (k << 4), rv);
    v128.store(st + 208 + (k << 4), i32x4.mul(rv, five));
    v128.store(st + 288 + (k << 4), i32x4.splat(load<i32>(r4 + o)));
    v128.store(st + 368 + (k << 4), i32x4.splat(load<i32>(r4 + o) * 5));
  }
  store<u32>(st, 1, 76);
}

/** Absorbs n full 16-byte blocks at m, each with 2^128 added (hibit = 1 << 24) or not (hibit = 0). */
export function polyBlocks(st: usize, m: usize, n: usize, hibit: u32): void {
  let h0 = <u64>load<u32>(st, 0), h1 = <u64>load<u32>(st, 4), h2 = <u64>load<u32>(st, 8), h3 = <u64>load<u32>(st, 12), h4 = <u64>load<u32>(st, 16);
  const r0 = <u64>load<u32>(st, 20), r1 = <u64>load<u32>(st, 24), r2 = <u64>load<u32>(st, 28), r3 = <u64>load<u32>(st, 32), r4 = <u64>load<u32>(st, 36);
  const s1 = <u64>load<u32>(st, 40), s2 = <u64>load<u32>(st, 44), s3 = <u64>load<u32>(st, 48), s4 = <u64>load<u32>(st, 52);
  const hb = <u64>hibit;
  while (n > 0) {
    const t0 = load<u32>(m, 0), t1 = load<u32>(m, 4), t2 = load<u32>(m, 8), t3 = load<u32>(m, 12);
    h0 += <u64>(t0 & 0x3ffffff);
    h1 += <u64>(((t0 >>> 26) | (t1 << 6)) & 0x3ffffff);
    h2 += <u64>(((t1 >>> 20) | (t2 << 12)) & 0x3ffffff);
    h3 += <u64>(((t2 >>> 14) | (t3 << 18)) & 0x3ffffff);
    h4 += <u64>(t3 >>> 8) | hb;
    let d0 = h0 * r0 + h1 * s4 + h2 * s3 + h3 * s2 + h4 * s1;
    let d1 = h0 * r1 + h1 * r0 + h2 * s4 + h3 * s3 + h4 * s2;
    let d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s4 + h4 * s3;
    let d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s4;
    let d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0;
    let c: u64;
    c = d0 >> 26; h0 = d0 & M26; d1 += c;
    c = d1 >> 26; h1 = d1 & M26; d2 += c;
    c = d2 >> 26; h2 = d2 & M26; d3 += c;
    c = d3 >> 26; h3 = d3 & M26; d4 += c;
    c = d4 >> 26; h4 = d4 & M26; h0 += c * 5;
    c = h0 >> 26; h0 &= M26; h1 += c;
    m += 16; n--;
  }
  store<u32>(st, <u32>h0, 0); store<u32>(st, <u32>h1, 4); store<u32>(st, <u32>h2, 8);
  store<u32>(st, <u32>h3, 12); store<u32>(st, <u32>h4, 16);
}

// @ts-ignore: decorator
@inline function mlo(a: v128, b: v128): v128 { return i64x2.extmul_low_i32x4_u(a, b); }
// @ts-ignore: decorator
@inline function mhi(a: v128, b: v128): v128 { return i64x2.extmul_high_i32x4_u(a, b); }
// @ts-ignore: decorator
@inline function add64(a: v128, b: v128): v128 { return i64x2.add(a, b); }
// @ts-ignore: decorator
@inline function sum5(a: v128, b: v128, c: v128, d: v128, e: v128): v128 {
  return i64x2.add(i64x2.add(a, b), i64x2.add(i64x2.add(c, d), e));
}

/**
 * Absorbs ng >= 1 groups of four full blocks (64 ng bytes at m) with the four-lane SIMD
 * evaluation; polyPowers(st) must have run.
 */
export function polySimd(st: usize, m: usize, ng: usize): void {
  const mask = i32x4.splat(0x3ffffff);
  const hib = i32x4.splat(1 << 24);
  const m64 = i64x2.splat(0x3ffffff);
  // the running scalar h joins lane 0 (it is multiplied by r^n like the first block)
  let h0 = i32x4(load<i32>(st, 0), 0, 0, 0);
  let h1 = i32x4(load<i32>(st, 4), 0, 0, 0);
  let h2 = i32x4(load<i32>(st, 8), 0, 0, 0);
  let h3 = i32x4(load<i32>(st, 12), 0, 0, 0);
  let h4 = i32x4(load<i32>(st, 16), 0, 0, 0);
  const r0 = v128.load(st, 288), r1 = v128.load(st, 304), r2 = v128.load(st, 320), r3 = v128.load(st, 336), r4 = v128.load(st, 352);
  const s1 = v128.load(st, 384), s2 = v128.load(st, 400), s3 = v128.load(st, 416), s4 = v128.load(st, 432);
  while (true) {
    // four blocks -> word k of each block in lanes, then 26-bit limbs
    const b0 = v128.load(m, 0), b1 = v128.load(m, 16), b2 = v128.load(m, 32), b3 = v128.load(m, 48);
    const t0 = i32x4.shuffle(b0, b1, 0, 4, 1, 5);
    const t1 = i32x4.shuffle(b0, b1, 2, 6, 3, 7);
    const t2 = i32x4.shuffle(b2, b3, 0, 4, 1, 5);
    const t3 = i32x4.shuffle(b2, b3, 2, 6, 3, 7);
    const w0 = i64x2.shuffle(t0, t2, 0, 2), w1 = i64x2.shuffle(t0, t2, 1, 3);
    const w2 = i64x2.shuffle(t1, t3, 0, 2), w3 = i64x2.shuffle(t1, t3, 1, 3);
    h0 = i32x4.add(h0, v128.and(w0, mask));
    h1 = i32x4.add(h1, v128.and(v128.or(i32x4.shr_u(w0, 26), i32x4.shl(w1, 6)), mask));
    h2 = i32x4.add(h2, v128.and(v128.or(i32x4.shr_u(w1, 20), i32x4.shl(w2, 12)), mask));
    h3 = i32x4.add(h3, v128.and(v128.or(i32x4.shr_u(w2, 14), i32x4.shl(w3, 18)), mask));
    h4 = i32x4.add(h4, v128.or(i32x4.shr_u(w3, 8), hib));
    m += 64;
    if (--ng == 0) break;
    // H *= r^4 in every lane
    let l0 = sum5(mlo(h0, r0), mlo(h1, s4), mlo(h2, s3), mlo(h3, s2), mlo(h4, s1));
    let u0 = sum5(mhi(h0, r0), mhi(h1, s4), mhi(h2, s3), mhi(h3, s2), mhi(h4, s1));
    let l1 = sum5(mlo(h0, r1), mlo(h1, r0), mlo(h2, s4), mlo(h3, s3), mlo(h4, s2));
    let u1 = sum5(mhi(h0, r1), mhi(h1, r0), mhi(h2, s4), mhi(h3, s3), mhi(h4, s2));
    let l2 = sum5(mlo(h0, r2), mlo(h1, r1), mlo(h2, r0), mlo(h3, s4), mlo(h4, s3));
    let u2 = sum5(mhi(h0, r2), mhi(h1, r1), mhi(h2, r0), mhi(h3, s4), mhi(h4, s3));
    let l3 = sum5(mlo(h0, r3), mlo(h1, r2), mlo(h2, r1), mlo(h3, r0), mlo(h4, s4));
    let u3 = sum5(mhi(h0, r3), mhi(h1, r2), mhi(h2, r1), mhi(h3, r0), mhi(h4, s4));
    let l4 = sum5(mlo(h0, r4), mlo(h1, r3), mlo(h2, r2), mlo(h3, r1), mlo(h4, r0));
    let u4 = sum5(mhi(h0, r4), mhi(h1, r3), mhi(h2, r2), mhi(h3, r1), mhi(h4, r0));
    // partial carry, two interleaved chains (0->1->2->3, 3->4->0->1)
    let cl: v128, cu: v128;
    cl = i64x2.shr_u(l0, 26); cu = i64x2.shr_u(u0, 26); l0 = v128.and(l0, m64); u0 = v128.and(u0, m64); l1 = add64(l1, cl); u1 = add64(u1, cu);
    cl = i64x2.shr_u(l3, 26); cu = i64x2.shr_u(u3, 26); l3 = v128.and(l3, m64); u3 = v128.and(u3, m64); l4 = add64(l4, cl); u4 = add64(u4, cu);
    cl = i64x2.shr_u(l1, 26); cu = i64x2.shr_u(u1, 26); l1 = v128.and(l1, m64); u1 = v128.and(u1, m64); l2 = add64(l2, cl); u2 = add64(u2, cu);
    cl = i64x2.shr_u(l4, 26); cu = i64x2.shr_u(u4, 26); l4 = v128.and(l4, m64); u4 = v128.and(u4, m64);
    l0 = add64(l0, add64(cl, i64x2.shl(cl, 2))); u0 = add64(u0, add64(cu, i64x2.shl(cu, 2)));
    cl = i64x2.shr_u(l2, 26); cu = i64x2.shr_u(u2, 26); l2 = v128.and(l2, m64); u2 = v128.and(u2, m64); l3 = add64(l3, cl); u3 = add64(u3, cu);
    cl = i64x2.shr_u(l0, 26); cu = i64x2.shr_u(u0, 26); l0 = v128.and(l0, m64); u0 = v128.and(u0, m64); l1 = add64(l1, cl); u1 = add64(u1, cu);
    cl = i64x2.shr_u(l3, 26); cu = i64x2.shr_u(u3, 26); l3 = v128.and(l3, m64); u3 = v128.and(u3, m64); l4 = add64(l4, cl); u4 = add64(u4, cu);
    // narrow the i64x2 halves back to one i32x4 per limb
    h0 = i32x4.shuffle(l0, u0, 0, 2, 4, 6);
    h1 = i32x4.shuffle(l1, u1, 0, 2, 4, 6);
    h2 = i32x4.shuffle(l2, u2, 0, 2, 4, 6);
    h3 = i32x4.shuffle(l3, u3, 0, 2, 4, 6);
    h4 = i32x4.shuffle(l4, u4, 0, 2, 4, 6);
  }
  // last step: lane j times r^(4-j), then sum the lanes
  const q0 = v128.load(st, 128), q1 = v128.load(st, 144), q2 = v128.load(st, 160), q3 = v128.load(st, 176), q4 = v128.load(st, 192);
  const p1 = v128.load(st, 224), p2 = v128.load(st, 240), p3 = v128.load(st, 256), p4 = v128.load(st, 272);
  const e0 = add64(sum5(mlo(h0, q0), mlo(h1, p4), mlo(h2, p3), mlo(h3, p2), mlo(h4, p1)),
    sum5(mhi(h0, q0), mhi(h1, p4), mhi(h2, p3), mhi(h3, p2), mhi(h4, p1)));
  const e1 = add64(sum5(mlo(h0, q1), mlo(h1, q0), mlo(h2, p4), mlo(h3, p3), mlo(h4, p2)),
    sum5(mhi(h0, q1), mhi(h1, q0), mhi(h2, p4), mhi(h3, p3), mhi(h4, p2)));
  const e2 = add64(sum5(mlo(h0, q2), mlo(h1, q1), mlo(h2, q0), mlo(h3, p4), mlo(h4, p3)),
    sum5(mhi(h0, q2), mhi(h1, q1), mhi(h2, q0), mhi(h3, p4), mhi(h4, p3)));
  const e3 = add64(sum5(mlo(h0, q3), mlo(h1, q2), mlo(h2, q1), mlo(h3, q0), mlo(h4, p4)),
    sum5(mhi(h0, q3), mhi(h1, q2), mhi(h2, q1), mhi(h3, q0), mhi(h4, p4)));
  const e4 = add64(sum5(mlo(h0, q4), mlo(h1, q3), mlo(h2, q2), mlo(h3, q1), mlo(h4, q0)),
    sum5(mhi(h0, q4), mhi(h1, q3), mhi(h2, q2), mhi(h3, q1), mhi(h4, q0)));
  let d0 = <u64>i64x2.extract_lane(e0, 0) + <u64>i64x2.extract_lane(e0, 1);
  let d1 = <u64>i64x2.extract_lane(e1, 0) + <u64>i64x2.extract_lane(e1, 1);
  let d2 = <u64>i64x2.extract_lane(e2, 0) + <u64>i64x2.extract_lane(e2, 1);
  let d3 = <u64>i64x2.extract_lane(e3, 0) + <u64>i64x2.extract_lane(e3, 1);
  let d4 = <u64>i64x2.extract_lane(e4, 0) + <u64>i64x2.extract_lane(e4, 1);
  let c: u64;
  c = d0 >> 26; d0 &= M26; d1 += c;
  c = d1 >> 26; d1 &= M26; d2 += c;
  c = d2 >> 26; d2 &= M26; d3 += c;
  c = d3 >> 26; d3 &= M26; d4 += c;
  c = d4 >> 26; d4 &= M26; d0 += c * 5;
  c = d0 >> 26; d0 &= M26; d1 += c;
  store<u32>(st, <u32>d0, 0); store<u32>(st, <u32>d1, 4); store<u32>(st, <u32>d2, 8);
  store<u32>(st, <u32>d3, 12); store<u32>(st, <u32>d4, 16);
}

/** Absorbs len bytes at m (any length; a partial block waits in the state's buffer). */
export function polyUpdate(st: usize, m: usize, len: usize): void {
  let buffered = <usize>load<u32>(st, 72);
  if (buffered) {
    let take: usize = 16 - buffered;
    if (take > len) take = len;
    copySmall(st + 80 + buffered, m, take);
    buffered += take; m += take; len -= take;
    if (buffered < 16) { store<u32>(st, <u32>buffered, 72); return; }
    polyBlocks(st, st + 80, 1, 1 << 24);
    buffered = 0;
  }
  if (len >= POLY_SIMD_MIN) {
    polyPowers(st);
    const ng = len >> 6;
    polySimd(st, m, ng);
    m += ng << 6; len -= ng << 6;
  }
  const nb = len >> 4;
  if (nb) { polyBlocks(st, m, nb, 1 << 24); m += nb << 4; len -= nb << 4; }
  copySmall(st + 80, m, len);
  store<u32>(st, <u32>len, 72);
}

/** Completes the current 16-byte block with zeros (RFC 8439 §2.8 pad16); no-op when aligned. */
export function polyPad16(st: usize): void {
  const buffered = <usize>load<u32>(st, 72);
  if (!buffered) return;
  for (let i = buffered; i < 16; i++) store<u8>(st + 80 + i, 0);
  polyBlocks(st, st + 80, 1, 1 << 24);
  store<u32>(st, 0, 72);
}

/** Finishes the MAC: the 16-byte tag goes to out. The state is wiped. Constant time. */
export function polyFinish(st: usize, out: usize): void {
  const buffered = <usize>load<u32>(st, 72);
  if (buffered) {
    // final partial block: append 0x01, zero-fill, no 2^128 bit
    store<u8>(st + 80 + buffered, 1);
    for (let i = buffered + 1; i < 16; i++) store<u8>(st + 80 + i, 0);
    polyBlocks(st, st + 80, 1, 0);
  }
  let h0 = load<u32>(st, 0), h1 = load<u32>(st, 4), h2 = load<u32>(st, 8), h3 = load<u32>(st, 12), h4 = load<u32>(st, 16);
  // full carry
  let c: u32;
  c = h1 >>> 26; h1 &= 0x3ffffff; h2 += c;
  c = h2 >>> 26; h2 &= 0x3ffffff; h3 += c;
  c = h3 >>> 26; h3 &= 0x3ffffff; h4 += c;
  c = h4 >>> 26; h4 &= 0x3ffffff; h0 += c * 5;
  c = h0 >>> 26; h0 &= 0x3ffffff; h1 += c;
  // g = h + 5 - 2^130; use g when it does not borrow (h >= p)
  let g0 = h0 + 5; c = g0 >>> 26; g0 &= 0x3ffffff;
  let g1 = h1 + c; c = g1 >>> 26; g1 &= 0x3ffffff;
  let g2 = h2 + c; c = g2 >>> 26; g2 &= 0x3ffffff;
  let g3 = h3 + c; c = g3 >>> 26; g3 &= 0x3ffffff;
  const g4 = h4 + c - (1 << 26);
  const useG = (g4 >>> 31) - 1; // all ones when g4 did not go negative
  const useH = ~useG;
  h0 = (h0 & useH) | (g0 & useG);
  h1 = (h1 & useH) | (g1 & useG);
  h2 = (h2 & useH) | (g2 & useG);
  h3 = (h3 & useH) | (g3 & useG);
  h4 = (h4 & useH) | (g4 & useG);
  // to 4 x 32 bits, + s mod 2^128
  const w0 = h0 | (h1 << 26);
  const w1 = (h1 >>> 6) | (h2 << 20);
  const w2 = (h2 >>> 12) | (h3 << 14);
  const w3 = (h3 >>> 18) | (h4 << 8);
  let f: u64;
  f = <u64>w0 + <u64>load<u32>(st, 56); store<u32>(out, <u32>f, 0);
  f = <u64>w1 + <u64>load<u32>(st, 60) + (f >> 32); store<u32>(out, <u32>f, 4);
  f = <u64>w2 + <u64>load<u32>(st, 64) + (f >> 32); store<u32>(out, <u32>f, 8);
  f = <u64>w3 + <u64>load<u32>(st, 68) + (f >> 32); store<u32>(out, <u32>f, 12);
  polyWipe(st);
}

/** 1 when the 16 bytes at a and b are equal, else 0; constant time. */
export function tagEqual(a: usize, b: usize): u32 {
  const x = (load<u64>(a, 0) ^ load<u64>(b, 0)) | (load<u64>(a, 8) ^ load<u64>(b, 8));
  return <u32>(((x | (0 - x)) >> 63) ^ 1);
}

