// ChaCha20 block function and stream cipher (RFC 8439 §2.1-§2.4), in two flavours sharing one
// core: the IETF variant (96-bit nonce, 32-bit block counter in word 12) and the original
// 64-bit-nonce variant OpenSSH uses (64-bit block counter in words 12-13, nonce in 14-15).
//
// Bulk data runs four blocks at a time: 16 v128 registers hold state word i of four blocks
// (one block per lane), so a round is plain lane-wise adds, xors and rotates; rotations by 16
// and 8 are byte shuffles (pshufb), by 12 and 7 shift/shift/or. The double round is unrolled
// five times (measured best: x2 and x10 are slower). A 4x4 transpose at the end turns lanes
// back into consecutive 64-byte blocks. Single blocks (packet lengths, short tails) use a
// row-per-vector layout instead, which needs only three lane rotations per round.
//
// The round code runs close to the limit of the machine as V8 (Node 20, x64) compiles it: ~4 SIMD
// ops per cycle on Zen 3. Measured and not kept (32 KiB, fine-grained A/B): rotations by 8 or
// 16 as shifts (-9..-11%), the left shift of rot12 as a multiply (-9%), row 2 (words 8-11)
// kept in memory to free registers (-7..-14%), eight blocks per call in two interleaved groups
// (no gain, worse under load), a fifth block on the integer units beside the four SIMD ones
// (-34%), precomputing the counter-independent first-round columns 1-3 once per call (within
// 0.5%), and Poly1305 woven into the rounds, scalar (-35%: the integer code is too long) or
// SIMD (no gain: both saturate the same units, and TurboFan orders pure SIMD ops itself, so
// source-level interleaving changes nothing). Payload misalignment (SSH data starts at offset
// 4) costs under 1%.
//
// A "state" here is 16 little-endian u32 words in memory: constants, key, counter, nonce.

/** Four per-lane initial states: v128 i (at LANES + 16 i) holds word i of blocks 0..3. */
export const LANES: usize = memory.data(256, 64);
/** Keystream scratch: four blocks. Wiped by the callers after use. */
export const KS: usize = memory.data(256, 64);
/** 256 zero bytes: XOR source when only keystream is wanted. Never written. */
export const ZERO: usize = memory.data(256, 64);

// Rotations by 16 and 8 are byte permutations: i8x16.swizzle with a constant mask compiles to
// one pshufb whose mask V8 keeps in a register (an i8x16.shuffle's mask is rematerialized at
// every use, and shifts cost two shift-port uops plus an or). Measured: +11% over shifts.
// @ts-ignore: decorator
@inline function rotl16(x: v128, m: v128): v128 { return i8x16.swizzle(x, m); }
// @ts-ignore: decorator
@inline function rotl8(x: v128, m: v128): v128 { return i8x16.swizzle(x, m); }
// @ts-ignore: decorator
@inline function rotl12(x: v128): v128 { return v128.or(i32x4.shl(x, 12), i32x4.shr_u(x, 20)); }
// @ts-ignore: decorator
@inline function rotl7(x: v128): v128 { return v128.or(i32x4.shl(x, 7), i32x4.shr_u(x, 25)); }

/**
 * Zeroes n bytes at p (n a multiple of 16). Inline stores: V8 compiles memory.fill to an
 * out-of-line call, which costs more than the stores for the small scratch areas wiped here.
 */
// @ts-ignore: decorator
@inline export function zero(p: usize, n: usize): void {
  for (let i: usize = 0; i < n; i += 16) v128.store(p + i, i32x4.splat(0));
}

/** Copies n bytes (n < 16 or any small count) byte by byte; for partial blocks. */
// @ts-ignore: decorator
@inline export function copySmall(dst: usize, src: usize, n: usize): void {
  for (let i: usize = 0; i < n; i++) store<u8>(dst + i, load<u8>(src + i));
}

/** Writes the 16-word state for key (32 bytes), counter and nonce words at w. */
export function setState(w: usize, key: usize, c12: u32, c13: u32, n14: u32, n15: u32): void {
  store<u32>(w, 0x61707865, 0);
  store<u32>(w, 0x3320646e, 4);
  store<u32>(w, 0x79622d32, 8);
  store<u32>(w, 0x6b206574, 12);
  v128.store(w, v128.load(key, 0), 16);
  v128.store(w, v128.load(key, 16), 32);
  store<u32>(w, c12, 48);
  store<u32>(w, c13, 52);
  store<u32>(w, n14, 56);
  store<u32>(w, n15, 60);
}

/** Fills LANES from the state at w: every word splatted, except the counter. */
export function splatLanes(w: usize): void {
  for (let i: usize = 0; i < 16; i++) {
    v128.store(LANES + (i << 4), i32x4.splat(load<i32>(w + (i << 2))));
  }
}

/** Sets the counter lanes to blocks c, c+1, c+2, c+3 (64-bit counter when ctr64, else 32-bit in word 12 only). */
// @ts-ignore: decorator
@inline export function setCounterLanes(c: u64, ctr64: bool): void {
  if (ctr64) {
    const c1 = c + 1, c2 = c + 2, c3 = c + 3;
    v128.store(LANES, i32x4(<i32>c, <i32>c1, <i32>c2, <i32>c3), 192);
    v128.store(LANES, i32x4(<i32>(c >> 32), <i32>(c1 >> 32), <i32>(c2 >> 32), <i32>(c3 >> 32)), 208);
  } else {
    const c0 = <i32>c;
    v128.store(LANES, i32x4(c0, c0 + 1, c0 + 2, c0 + 3), 192);
  }
}

// @ts-ignore: decorator
@inline function xorOut(a: v128, b: v128, c: v128, d: v128, src: usize, dst: usize): void {
  // 4x4 transpose: row j of the result is lanes j of a, b, c, d = 16 bytes of block j.
  const t0 = i32x4.shuffle(a, b, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(a, b, 2, 6, 3, 7);
  const t2 = i32x4.shuffle(c, d, 0, 4, 1, 5);
  const t3 = i32x4.shuffle(c, d, 2, 6, 3, 7);
  v128.store(dst, v128.xor(v128.load(src, 0), i64x2.shuffle(t0, t2, 0, 2)), 0);
  v128.store(dst, v128.xor(v128.load(src, 64), i64x2.shuffle(t0, t2, 1, 3)), 64);
  v128.store(dst, v128.xor(v128.load(src, 128), i64x2.shuffle(t1, t3, 0, 2)), 128);
  v128.store(dst, v128.xor(v128.load(src, 192), i64x2.shuffle(t1, t3, 1, 3)), 192);
}

/**
 * Runs ChaCha20 on the four lane states in LANES and XORs the four keystream blocks (lane j ->
 * bytes 64j..64j+63) with 256 bytes at src into dst (src may equal dst); then, for n > 1, the
 * next 256 bytes with every lane's counter four blocks on, and so on for n chunks. The counter
 * words advance in registers (word 13 taking the carry when ctr64), so one call covers a whole
 * packet: measured 3-4% faster than a call, a LANES reload and a counter store per chunk.
 */
export function chacha4(src: usize, dst: usize, n: usize = 1, ctr64: bool = false): void {
  const st = LANES;
  const R8 = i8x16(3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14), R16 = i8x16(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
  let c12 = v128.load(st, 192), c13 = v128.load(st, 208);
  while (true) {
    let x0 = v128.load(st, 0), x1 = v128.load(st, 16), x2 = v128.load(st, 32), x3 = v128.load(st, 48);
    let x4 = v128.load(st, 64), x5 = v128.load(st, 80), x6 = v128.load(st, 96), x7 = v128.load(st, 112);
    let x8 = v128.load(st, 128), x9 = v128.load(st, 144), x10 = v128.load(st, 160), x11 = v128.load(st, 176);
    let x12 = c12, x13 = c13, x14 = v128.load(st, 224), x15 = v128.load(st, 240);
    for (let i = 0; i < 2; i++) {
      x0 = i32x4.add(x0, x4); x12 = rotl16(v128.xor(x12, x0), R16);
      x1 = i32x4.add(x1, x5); x13 = rotl16(v128.xor(x13, x1), R16);
      x2 = i32x4.add(x2, x6); x14 = rotl16(v128.xor(x14, x2), R16);
      x3 = i32x4.add(x3, x7); x15 = rotl16(v128.xor(x15, x3), R16);
      x8 = i32x4.add(x8, x12); x4 = rotl12(v128.xor(x4, x8));
      x9 = i32x4.add(x9, x13); x5 = rotl12(v128.xor(x5, x9));
      x10 = i32x4.add(x10, x14); x6 = rotl12(v128.xor(x6, x10));
      x11 = i32x4.add(x11, x15); x7 = rotl12(v128.xor(x7, x11));
      x0 = i32x4.add(x0, x4); x12 = rotl8(v128.xor(x12, x0), R8);
      x1 = i32x4.add(x1, x5); x13 = rotl8(v128.xor(x13, x1), R8);
      x2 = i32x4.add(x2, x6); x14 = rotl8(v128.xor(x14, x2), R8);
      x3 = i32x4.add(x3, x7); x15 = rotl8(v128.xor(x15, x3), R8);
      x8 = i32x4.add(x8, x12); x4 = rotl7(v128.xor(x4, x8));
      x9 = i32x4.add(x9, x13); x5 = rotl7(v128.xor(x5, x9));
      x10 = i32x4.add(x10, x14); x6 = rotl7(v128.xor(x6, x10));
      x11 = i32x4.add(x11, x15); x7 = rotl7(v128.xor(x7, x11));
      x0 = i32x4.add(x0, x5); x15 = rotl16(v128.xor(x15, x0), R16);
      x1 = i32x4.add(x1, x6); x12 = rotl16(v128.xor(x12, x1), R16);
      x2 = i32x4.add(x2, x7); x13 = rotl16(v128.xor(x13, x2), R16);
      x3 = i32x4.add(x3, x4); x14 = rotl16(v128.xor(x14, x3), R16);
      x10 = i32x4.add(x10, x15); x5 = rotl12(v128.xor(x5, x10));
      x11 = i32x4.add(x11, x12); x6 = rotl12(v128.xor(x6, x11));
      x8 = i32x4.add(x8, x13); x7 = rotl12(v128.xor(x7, x8));
      x9 = i32x4.add(x9, x14); x4 = rotl12(v128.xor(x4, x9));
      x0 = i32x4.add(x0, x5); x15 = rotl8(v128.xor(x15, x0), R8);
      x1 = i32x4.add(x1, x6); x12 = rotl8(v128.xor(x12, x1), R8);
      x2 = i32x4.add(x2, x7); x13 = rotl8(v128.xor(x13, x2), R8);
      x3 = i32x4.add(x3, x4); x14 = rotl8(v128.xor(x14, x3), R8);
      x10 = i32x4.add(x10, x15); x5 = rotl7(v128.xor(x5, x10));
      x11 = i32x4.add(x11, x12); x6 = rotl7(v128.xor(x6, x11));
      x8 = i32x4.add(x8, x13); x7 = rotl7(v128.xor(x7, x8));
      x9 = i32x4.add(x9, x14); x4 = rotl7(v128.xor(x4, x9));
      x0 = i32x4.add(x0, x4); x12 = rotl16(v128.xor(x12, x0), R16);
      x1 = i32x4.add(x1, x5); x13 = rotl16(v128.xor(x13, x1), R16);
      x2 = i32x4.add(x2, x6); x14 = rotl16(v128.xor(x14, x2), R16);
      x3 = i32x4.add(x3, x7); x15 = rotl16(v128.xor(x15, x3), R16);
      x8 = i32x4.add(x8, x12); x4 = rotl12(v128.xor(x4, x8));
      x9 = i32x4.add(x9, x13); x5 = rotl12(v128.xor(x5, x9));
      x10 = i32x4.add(x10, x14); x6 = rotl12(v128.xor(x6, x10));
      x11 = i32x4.add(x11, x15); x7 = rotl12(v128.xor(x7, x11));
      x0 = i32x4.add(x0, x4); x12 = rotl8(v128.xor(x12, x0), R8);
      x1 = i32x4.add(x1, x5); x13 = rotl8(v128.xor(x13, x1), R8);
      x2 = i32x4.add(x2, x6); x14 = rotl8(v128.xor(x14, x2), R8);
      x3 = i32x4.add(x3, x7); x15 = rotl8(v128.xor(x15, x3), R8);
      x8 = i32x4.add(x8, x12); x4 = rotl7(v128.xor(x4, x8));
      x9 = i32x4.add(x9, x13); x5 = rotl7(v128.xor(x5, x9));
      x10 = i32x4.add(x10, x14); x6 = rotl7(v128.xor(x6, x10));
      x11 = i32x4.add(x11, x15); x7 = rotl7(v128.xor(x7, x11));
      x0 = i32x4.add(x0, x5); x15 = rotl16(v128.xor(x15, x0), R16);
      x1 = i32x4.add(x1, x6); x12 = rotl16(v128.xor(x12, x1), R16);
      x2 = i32x4.add(x2, x7); x13 = rotl16(v128.xor(x13, x2), R16);
      x3 = i32x4.add(x3, x4); x14 = rotl16(v128.xor(x14, x3), R16);
      x10 = i32x4.add(x10, x15); x5 = rotl12(v128.xor(x5, x10));
      x11 = i32x4.add(x11, x12); x6 = rotl12(v128.xor(x6, x11));
      x8 = i32x4.add(x8, x13); x7 = rotl12(v128.xor(x7, x8));
      x9 = i32x4.add(x9, x14); x4 = rotl12(v128.xor(x4, x9));
      x0 = i32x4.add(x0, x5); x15 = rotl8(v128.xor(x15, x0), R8);
      x1 = i32x4.add(x1, x6); x12 = rotl8(v128.xor(x12, x1), R8);
      x2 = i32x4.add(x2, x7); x13 = rotl8(v128.xor(x13, x2), R8);
      x3 = i32x4.add(x3, x4); x14 = rotl8(v128.xor(x14, x3), R8);
      x10 = i32x4.add(x10, x15); x5 = rotl7(v128.xor(x5, x10));
      x11 = i32x4.add(x11, x12); x6 = rotl7(v128.xor(x6, x11));
      x8 = i32x4.add(x8, x13); x7 = rotl7(v128.xor(x7, x8));
      x9 = i32x4.add(x9, x14); x4 = rotl7(v128.xor(x4, x9));
      x0 = i32x4.add(x0, x4); x12 = rotl16(v128.xor(x12, x0), R16);
      x1 = i32x4.add(x1, x5); x13 = rotl16(v128.xor(x13, x1), R16);
      x2 = i32x4.add(x2, x6); x14 = rotl16(v128.xor(x14, x2), R16);
      x3 = i32x4.add(x3, x7); x15 = rotl16(v128.xor(x15, x3), R16);
      x8 = i32x4.add(x8, x12); x4 = rotl12(v128.xor(x4, x8));
      x9 = i32x4.add(x9, x13); x5 = rotl12(v128.xor(x5, x9));
      x10 = i32x4.add(x10, x14); x6 = rotl12(v128.xor(x6, x10));
      x11 = i32x4.add(x11, x15); x7 = rotl12(v128.xor(x7, x11));
      x0 = i32x4.add(x0, x4); x12 = rotl8(v128.xor(x12, x0), R8);
      x1 = i32x4.add(x1, x5); x13 = rotl8(v128.xor(x13, x1), R8);
      x2 = i32x4.add(x2, x6); x14 = rotl8(v128.xor(x14, x2), R8);
      x3 = i32x4.add(x3, x7); x15 = rotl8(v128.xor(x15, x3), R8);
      x8 = i32x4.add(x8, x12); x4 = rotl7(v128.xor(x4, x8));
      x9 = i32x4.add(x9, x13); x5 = rotl7(v128.xor(x5, x9));
      x10 = i32x4.add(x10, x14); x6 = rotl7(v128.xor(x6, x10));
      x11 = i32x4.add(x11, x15); x7 = rotl7(v128.xor(x7, x11));
      x0 = i32x4.add(x0, x5); x15 = rotl16(v128.xor(x15, x0), R16);
      x1 = i32x4.add(x1, x6); x12 = rotl16(v128.xor(x12, x1), R16);
      x2 = i32x4.add(x2, x7); x13 = rotl16(v128.xor(x13, x2), R16);
      x3 = i32x4.add(x3, x4); x14 = rotl16(v128.xor(x14, x3), R16);
      x10 = i32x4.add(x10, x15); x5 = rotl12(v128.xor(x5, x10));
      x11 = i32x4.add(x11, x12); x6 = rotl12(v128.xor(x6, x11));
      x8 = i32x4.add(x8, x13); x7 = rotl12(v128.xor(x7, x8));
      x9 = i32x4.add(x9, x14); x4 = rotl12(v128.xor(x4, x9));
      x0 = i32x4.add(x0, x5); x15 = rotl8(v128.xor(x15, x0), R8);
      x1 = i32x4.add(x1, x6); x12 = rotl8(v128.xor(x12, x1), R8);
      x2 = i32x4.add(x2, x7); x13 = rotl8(v128.xor(x13, x2), R8);
      x3 = i32x4.add(x3, x4); x14 = rotl8(v128.xor(x14, x3), R8);
      x10 = i32x4.add(x10, x15); x5 = rotl7(v128.xor(x5, x10));
      x11 = i32x4.add(x11, x12); x6 = rotl7(v128.xor(x6, x11));
      x8 = i32x4.add(x8, x13); x7 = rotl7(v128.xor(x7, x8));
      x9 = i32x4.add(x9, x14); x4 = rotl7(v128.xor(x4, x9));
      x0 = i32x4.add(x0, x4); x12 = rotl16(v128.xor(x12, x0), R16);
      x1 = i32x4.add(x1, x5); x13 = rotl16(v128.xor(x13, x1), R16);
      x2 = i32x4.add(x2, x6); x14 = rotl16(v128.xor(x14, x2), R16);
      x3 = i32x4.add(x3, x7); x15 = rotl16(v128.xor(x15, x3), R16);
      x8 = i32x4.add(x8, x12); x4 = rotl12(v128.xor(x4, x8));
      x9 = i32x4.add(x9, x13); x5 = rotl12(v128.xor(x5, x9));
      x10 = i32x4.add(x10, x14); x6 = rotl12(v128.xor(x6, x10));
      x11 = i32x4.add(x11, x15); x7 = rotl12(v128.xor(x7, x11));
      x0 = i32x4.add(x0, x4); x12 = rotl8(v128.xor(x12, x0), R8);
      x1 = i32x4.add(x1, x5); x13 = rotl8(v128.xor(x13, x1), R8);
      x2 = i32x4.add(x2, x6); x14 = rotl8(v128.xor(x14, x2), R8);
      x3 = i32x4.add(x3, x7); x15 = rotl8(v128.xor(x15, x3), R8);
      x8 = i32x4.add(x8, x12); x4 = rotl7(v128.xor(x4, x8));
      x9 = i32x4.add(x9, x13); x5 = rotl7(v128.xor(x5, x9));
      x10 = i32x4.add(x10, x14); x6 = rotl7(v128.xor(x6, x10));
      x11 = i32x4.add(x11, x15); x7 = rotl7(v128.xor(x7, x11));
      x0 = i32x4.add(x0, x5); x15 = rotl16(v128.xor(x15, x0), R16);
      x1 = i32x4.add(x1, x6); x12 = rotl16(v128.xor(x12, x1), R16);
      x2 = i32x4.add(x2, x7); x13 = rotl16(v128.xor(x13, x2), R16);
      x3 = i32x4.add(x3, x4); x14 = rotl16(v128.xor(x14, x3), R16);
      x10 = i32x4.add(x10, x15); x5 = rotl12(v128.xor(x5, x10));
      x11 = i32x4.add(x11, x12); x6 = rotl12(v128.xor(x6, x11));
      x8 = i32x4.add(x8, x13); x7 = rotl12(v128.xor(x7, x8));
      x9 = i32x4.add(x9, x14); x4 = rotl12(v128.xor(x4, x9));
      x0 = i32x4.add(x0, x5); x15 = rotl8(v128.xor(x15, x0), R8);
      x1 = i32x4.add(x1, x6); x12 = rotl8(v128.xor(x12, x1), R8);
      x2 = i32x4.add(x2, x7); x13 = rotl8(v128.xor(x13, x2), R8);
      x3 = i32x4.add(x3, x4); x14 = rotl8(v128.xor(x14, x3), R8);
      x10 = i32x4.add(x10, x15); x5 = rotl7(v128.xor(x5, x10));
      x11 = i32x4.add(x11, x12); x6 = rotl7(v128.xor(x6, x11));
      x8 = i32x4.add(x8, x13); x7 = rotl7(v128.xor(x7, x8));
      x9 = i32x4.add(x9, x14); x4 = rotl7(v128.xor(x4, x9));
      x0 = i32x4.add(x0, x4); x12 = rotl16(v128.xor(x12, x0), R16);
      x1 = i32x4.add(x1, x5); x13 = rotl16(v128.xor(x13, x1), R16);
      x2 = i32x4.add(x2, x6); x14 = rotl16(v128.xor(x14, x2), R16);
      x3 = i32x4.add(x3, x7); x15 = rotl16(v128.xor(x15, x3), R16);
      x8 = i32x4.add(x8, x12); x4 = rotl12(v128.xor(x4, x8));
      x9 = i32x4.add(x9, x13); x5 = rotl12(v128.xor(x5, x9));
      x10 = i32x4.add(x10, x14); x6 = rotl12(v128.xor(x6, x10));
      x11 = i32x4.add(x11, x15); x7 = rotl12(v128.xor(x7, x11));
      x0 = i32x4.add(x0, x4); x12 = rotl8(v128.xor(x12, x0), R8);
      x1 = i32x4.add(x1, x5); x13 = rotl8(v128.xor(x13, x1), R8);
      x2 = i32x4.add(x2, x6); x14 = rotl8(v128.xor(x14, x2), R8);
      x3 = i32x4.add(x3, x7); x15 = rotl8(v128.xor(x15, x3), R8);
      x8 = i32x4.add(x8, x12); x4 = rotl7(v128.xor(x4, x8));
      x9 = i32x4.add(x9, x13); x5 = rotl7(v128.xor(x5, x9));
      x10 = i32x4.add(x10, x14); x6 = rotl7(v128.xor(x6, x10));
      x11 = i32x4.add(x11, x15); x7 = rotl7(v128.xor(x7, x11));
      x0 = i32x4.add(x0, x5); x15 = rotl16(v128.xor(x15, x0), R16);
      x1 = i32x4.add(x1, x6); x12 = rotl16(v128.xor(x12, x1), R16);
      x2 = i32x4.add(x2, x7); x13 = rotl16(v128.xor(x13, x2), R16);
      x3 = i32x4.add(x3, x4); x14 = rotl16(v128.xor(x14, x3), R16);
      x10 = i32x4.add(x10, x15); x5 = rotl12(v128.xor(x5, x10));
      x11 = i32x4.add(x11, x12); x6 = rotl12(v128.xor(x6, x11));
      x8 = i32x4.add(x8, x13); x7 = rotl12(v128.xor(x7, x8));
      x9 = i32x4.add(x9, x14); x4 = rotl12(v128.xor(x4, x9));
      x0 = i32x4.add(x0, x5); x15 = rotl8(v128.xor(x15, x0), R8);
      x1 = i32x4.add(x1, x6); x12 = rotl8(v128.xor(x12, x1), R8);
      x2 = i32x4.add(x2, x7); x13 = rotl8(v128.xor(x13, x2), R8);
      x3 = i32x4.add(x3, x4); x14 = rotl8(v128.xor(x14, x3), R8);
      x10 = i32x4.add(x10, x15); x5 = rotl7(v128.xor(x5, x10));
      x11 = i32x4.add(x11, x12); x6 = rotl7(v128.xor(x6, x11));
      x8 = i32x4.add(x8, x13); x7 = rotl7(v128.xor(x7, x8));
      x9 = i32x4.add(x9, x14); x4 = rotl7(v128.xor(x4, x9));
    }
    xorOut(i32x4.add(x0, v128.load(st, 0)), i32x4.add(x1, v128.load(st, 16)),
      i32x4.add(x2, v128.load(st, 32)), i32x4.add(x3, v128.load(st, 48)), src, dst);
    xorOut(i32x4.add(x4, v128.load(st, 64)), i32x4.add(x5, v128.load(st, 80)),
      i32x4.add(x6, v128.load(st, 96)), i32x4.add(x7, v128.load(st, 112)), src + 16, dst + 16);
    xorOut(i32x4.add(x8, v128.load(st, 128)), i32x4.add(x9, v128.load(st, 144)),
      i32x4.add(x10, v128.load(st, 160)), i32x4.add(x11, v128.load(st, 176)), src + 32, dst + 32);
    xorOut(i32x4.add(x12, c12), i32x4.add(x13, c13),
      i32x4.add(x14, v128.load(st, 224)), i32x4.add(x15, v128.load(st, 240)), src + 48, dst + 48);
    if (--n == 0) break;
    src += 256; dst += 256;
    const next = i32x4.add(c12, i32x4.splat(4));
    // 64-bit counter: lanes whose low word wrapped carry into word 13 (lt_u gives -1 there)
    if (ctr64) c13 = i32x4.sub(c13, i32x4.lt_u(next, c12));
    c12 = next;
  }
}

/** One keystream block for the state at w (its counter words as they are) into out (64 bytes). */
export function chacha1(w: usize, out: usize): void {
  const a0 = v128.load(w, 0), b0 = v128.load(w, 16), c0 = v128.load(w, 32), d0 = v128.load(w, 48);
  let a = a0, b = b0, c = c0, d = d0;
  const R8 = i8x16(3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14), R16 = i8x16(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
  for (let i = 0; i < 10; i++) {
    // column round
    a = i32x4.add(a, b); d = rotl16(v128.xor(d, a), R16);
    c = i32x4.add(c, d); b = rotl12(v128.xor(b, c));
    a = i32x4.add(a, b); d = rotl8(v128.xor(d, a), R8);
    c = i32x4.add(c, d); b = rotl7(v128.xor(b, c));
    // diagonal round: rotate rows 1, 2, 3 left by 1, 2, 3 lanes so diagonals line up as columns
    b = i32x4.shuffle(b, b, 1, 2, 3, 0);
    c = i32x4.shuffle(c, c, 2, 3, 0, 1);
    d = i32x4.shuffle(d, d, 3, 0, 1, 2);
    a = i32x4.add(a, b); d = rotl16(v128.xor(d, a), R16);
    c = i32x4.add(c, d); b = rotl12(v128.xor(b, c));
    a = i32x4.add(a, b); d = rotl8(v128.xor(d, a), R8);
    c = i32x4.add(c, d); b = rotl7(v128.xor(b, c));
    b = i32x4.shuffle(b, b, 3, 0, 1, 2);
    c = i32x4.shuffle(c, c, 2, 3, 0, 1);
    d = i32x4.shuffle(d, d, 1, 2, 3, 0);
  }
  v128.store(out, i32x4.add(a, a0), 0);
  v128.store(out, i32x4.add(b, b0), 16);
  v128.store(out, i32x4.add(c, c0), 32);
  v128.store(out, i32x4.add(d, d0), 48);
}

/** dst[i] = src[i] ^ ks[i] for n bytes (dst may equal src). */
export function xorBytes(dst: usize, src: usize, ks: usize, n: usize): void {
  let i: usize = 0;
  for (; i + 16 <= n; i += 16) v128.store(dst + i, v128.xor(v128.load(src + i), v128.load(ks + i)));
  for (; i < n; i++) store<u8>(dst + i, load<u8>(src + i) ^ load<u8>(ks + i));
}

/** Reads the block counter of state w (64-bit when ctr64, else word 12 only). */
// @ts-ignore: decorator
@inline function getCounter(w: usize, ctr64: bool): u64 {
  return ctr64 ? load<u64>(w, 48) : <u64>load<u32>(w, 48);
}

// @ts-ignore: decorator
@inline function putCounter(w: usize, c: u64, ctr64: bool): void {
  if (ctr64) store<u64>(w, c, 48);
  else store<u32>(w, <u32>c, 48);
}

/**
 * XORs len bytes at src with the keystream of state w into dst (in place when src == dst),
 * starting at w's counter, and advances w's counter by the blocks used (ceil(len / 64)).
 * The 32-bit counter of the IETF variant wraps; callers reject lengths that would wrap it.
 */
export function chachaXor(w: usize, src: usize, dst: usize, len: usize, ctr64: bool): void {
  let c = getCounter(w, ctr64);
  if (len >= 256) {
    splatLanes(w);
    setCounterLanes(c, ctr64);
    const n = len >> 8;
    chacha4(src, dst, n, ctr64);
    c += <u64>n << 2; src += n << 8; dst += n << 8; len -= n << 8;
  }
  if (len > 64) {
    // 2 to 4 blocks left: one four-lane pass into scratch (faster than two single blocks)
    splatLanes(w);
    setCounterLanes(c, ctr64);
    chacha4(ZERO, KS);
    xorBytes(dst, src, KS, len);
    c += (len + 63) >> 6;
    zero(KS, 256);
  } else {
    while (len > 0) {
      putCounter(w, c, ctr64);
      chacha1(w, KS);
      const n = len < 64 ? len : 64;
      xorBytes(dst, src, KS, n);
      c++; src += n; dst += n; len -= n;
    }
    zero(KS, 64);
  }
  putCounter(w, c, ctr64);
  zero(LANES, 256);
}
