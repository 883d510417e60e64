// Generates the unrolled SHA-1 / SHA-256 / SHA-512 compression functions of the kernel
// (sha1_block.ts, sha256_block.ts, sha512_block.ts, FIPS 180-4 section 6) so the round
// variables' rotating roles never have to be written out by hand. The round constants and
// initial values are computed here from their definition (fractional parts of cube / square
// roots of the first primes, FIPS 180-4 4.2.2, 4.2.3, 5.3.3, 5.3.4, 5.3.5).
//   node wasm/assembly/sha_gen.mjs      (rewrites the three files next to this one)
import { writeFileSync } from 'node:fs';
const opt = Object.fromEntries(process.argv.slice(2).filter((a) => a.includes('=')).map((a) => a.split('=')));
const hx32 = (x) => '0x' + (x >>> 0).toString(16).padStart(8, '0');
const hx64 = (x) => '0x' + x.toString(16).padStart(16, '0');

// ---------- constants (FIPS 180-4 4.2), computed from their definition ----------
function primes(n) { const p = []; for (let c = 2; p.length < n; c++) if (p.every((q) => c % q)) p.push(c); return p; }
// frac(cbrt(p)) to 64 bits, via BigInt integer cube root of p * 2^(3*64)
function icbrt(n) { let x = BigInt(Math.floor(Math.cbrt(Number(n)))); for (;;) { const y = (2n * x + n / (x * x)) / 3n; if (y >= x) { while (x * x * x > n) x--; while ((x + 1n) ** 3n <= n) x++; return x; } x = y; } }
function isqrt(n) { let x = BigInt(Math.floor(Math.sqrt(Number(n)))); for (;;) { const y = (x + n / x) / 2n; if (y >= x) { while (x * x > n) x--; while ((x + 1n) ** 2n <= n) x++; return x; } x = y; } }
const K512 = primes(80).map((p) => icbrt(BigInt(p) << 192n) & ((1n << 64n) - 1n));
const K256 = K512.slice(0, 64).map((k) => Number(k >> 32n));
export const IV512 = primes(8).map((p) => isqrt(BigInt(p) << 128n) & ((1n << 64n) - 1n));
export const IV256 = IV512.map((k) => Number(k >> 32n));
export const IV384 = primes(16).slice(8).map((p) => isqrt(BigInt(p) << 128n) & ((1n << 64n) - 1n));

// Byte swaps as swizzles with constant indices: V8 emits one pshufb for these.
const bswap32 = 'i8x16.swizzle(v, i8x16(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12))';
const bswap64 = 'i8x16.swizzle(v, i8x16(7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8))';

// ---------- SHA-256 ----------
function sha256() {
  const V = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  const round = (i, wk) => {
    const [A, B, C, D, E, F, G, H] = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => V[(k - (i % 8) + 8) % 8]);
    // T1 = u + s; e' = d + T1 is written (d + u) + s so that only s = Σ1(e) is on e's critical
    // path (measured: fewer spills and ~10% faster in V8 than t = h + ... + Σ1; d += t).
    // Where this round stands (V8 11.3 / Node 20, Zen 3 EPYC, session 3; wasm/scripts/sha256-x64.mjs
    // prints all of it): TurboFan emits 2379 x64 instructions per block, 37.2 per round: the 23
    // ALU ops a round needs (3 rotates + 2 xors per Σ, 3 ops each for Ch and Maj, 7 adds; 1483
    // emitted per block for 1472 needed), 4.1 register copies forced by x64's 2-operand forms (of
    // e and a for the Σs, which rorx would remove but V8 does not emit it; of f for f ^ g and of a
    // for a ^ b), 2.35 spill stores/reloads (c and d live on the stack: V8 leaves 11 usable GPRs),
    // 1.1 loads (W+K; V8 never folds a wasm load into an ALU operand), 6.2 vector ops (the
    // schedule). It runs at ~440 cycles per block at the measured 3.24 GHz (5.4 instructions per
    // cycle). Bounds: the a and e chains are each 6 cycles per round with nested Σ (384), 4 ALUs
    // for 1483 ops (371), 6-wide dispatch (397). OpenSSL's AVX2+BMI2 assembly (rorx; SHA-NI masked
    // with OPENSSL_ia32cap) measures 443 in the same process, its AVX one 481. hmac-sha2-256 at
    // 32 KiB needs <= ~409 cycles per compression for 4x @noble/hashes (516 compressions; 2-2.5 us
    // per call go to copy-in, wipe and JS outside the kernel): faster than OpenSSL's assembly on
    // this CPU, so that target is blocked here (3.7x). Fewer instructions alone do not pay: 24
    // fewer per block (state reloaded from st per block instead of carried in locals) 0%; no
    // schedule at all (wrong digest, timing only) 424 cycles, still above 409.
    // Measured and slower: Σ as three independent rotations (-22%), as rotr6(e) ^ rotr11(e ^
    // rotr14(e)) (-2%, more movs and spills despite the shorter chain), as rotr6(e ^ rotr5(e)) ^
    // rotr25(e) or rotr6(e ^ rotr5(e) ^ rotr19(e)) for both (-3%: +190 instructions, copies and
    // spills), either Σ alone in such a form (-8%, -9%), the 6-add T1 form (-8%), Maj as (a & b) |
    // (c & (a | b)) (-5%), the whole schedule computed before the rounds into a 256-byte buffer
    // (-24%) or 1-2 groups earlier (0 / -1%), d read back from a memory ring of a values instead of
    // spilled by V8 (-8%), K as a lea displacement ((h + W) + K with W alone in the ring: -6%,
    // binaryen puts the 2-cycle 3-operand lea after Ch and V8 spills more), 16 rounds per loop
    // iteration instead of 64 unrolled (-24%: spills at the loop edges).
    return `    u = ${H} + ${wk} + (${G} ^ (${E} & (${F} ^ ${G}))); s = rotr<u32>(${E} ^ rotr<u32>(${E} ^ rotr<u32>(${E}, 14), 5), 6);\n` +
      `    ${D} = (${D} + u) + s; x = ${A} ^ ${B}; ${H} = (u + s) + (${B} ^ (x & y)) + rotr<u32>(${A} ^ rotr<u32>(${A} ^ rotr<u32>(${A}, 9), 11), 2); y = x;\n`;
  };
  let s = `// SHA-256 compression function (FIPS 180-4 6.2.2), fully unrolled. GENERATED by sha_gen.mjs.
// State in locals, message schedule four words at a time in SIMD (interleaved with the rounds so
// the vector and integer units overlap); W[t] + K[t] goes through a 64-byte ring in memory that
// the rounds read as scalar loads (measured faster in V8 than i32x4.extract_lane). σ1 of the
// schedule only ever has two inputs ready at once; it runs on (x, x, y, y) so 64-bit shifts do
// the rotations.
// Σ0/Σ1 are written as nested rotations (Σ1(e) = rotr6(e ^ rotr5(e ^ rotr14(e)))): fewer registers.

const WK: usize = memory.data(64, 64); // W[t] + K[t], ring of 16 words

/** Zeroes the schedule ring (it holds the last block's W[t], from which the block can be recomputed). */
export function sha256WipeSchedule(): void { for (let i: usize = 0; i < 64; i += 16) v128.store(WK + i, i64x2.splat(0)); }

const K256: usize = memory.data<u32>([${K256.map(hx32).join(', ')}], 64);

/** Initial hash value H(0) (FIPS 180-4 5.3.3), 8 u32 words. */
export const SHA256_IV: usize = memory.data<u32>([${IV256.map(hx32).join(', ')}], 16);

// @ts-ignore: decorator
@inline function load_be32x4(p: usize, off: usize): v128 {
  const v = v128.load(p + off);
  return ${bswap32};
}

/** Runs n 64-byte blocks at p through the state (8 u32 words at st, native byte order). */
export function sha256Blocks(st: usize, p: usize, n: usize): void {
  let a = load<u32>(st), b = load<u32>(st, 4), c = load<u32>(st, 8), d = load<u32>(st, 12);
  let e = load<u32>(st, 16), f = load<u32>(st, 20), g = load<u32>(st, 24), h = load<u32>(st, 28);
  let X0: v128, X1: v128, X2: v128, X3: v128;
  let u: u32, s: u32, x: u32, y: u32;
  while (n) {
    X0 = load_be32x4(p, 0); X1 = load_be32x4(p, 16); X2 = load_be32x4(p, 32); X3 = load_be32x4(p, 48);
`;
  const Xs = ['X0', 'X1', 'X2', 'X3'];
  const wk = (q, v) => `v128.store(WK, i32x4.add(${v}, v128.load(K256, ${16 * q})), ${(16 * q) % 64});`;
  for (let q = 0; q < 4; q++) s += `    ${wk(q, Xs[q])}\n`;
  s += `    y = b ^ c;\n`;
  for (let i = 0; i < 64; i += 4) {
    for (let j = 0; j < 4; j++) s += round(i + j, `load<u32>(WK, ${(4 * (i + j)) % 64})`);
    const nq = i / 4 + 4;
    if (nq < 16) {
      const X = (k) => Xs[(nq + k) % 4];
      s += `    { // W[${4 * nq}..${4 * nq + 3}]
      const w15 = i8x16.shuffle(${X(0)}, ${X(1)}, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19);
      const w7 = i8x16.shuffle(${X(2)}, ${X(3)}, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19);
      let v = i32x4.add(i32x4.add(${X(0)}, sigma0x4(w15)), w7);
      const sa = sigma1dup(i32x4.shuffle(${X(3)}, ${X(3)}, 2, 2, 3, 3)); // σ1(W[t-2]), σ1(W[t-1]) in lanes 0, 2
      v = i32x4.add(v, i32x4.shuffle(sa, i32x4.splat(0), 0, 2, 4, 4));
      const sb = sigma1dup(i32x4.shuffle(v, v, 0, 0, 1, 1)); // σ1(W[t]), σ1(W[t+1]) in lanes 0, 2
      v = i32x4.add(v, i32x4.shuffle(i32x4.splat(0), sb, 0, 0, 4, 6));
      ${X(0)} = v;
      ${wk(nq, 'v')}
    }\n`;
    }
  }
  s += `    a += load<u32>(st); b += load<u32>(st, 4); c += load<u32>(st, 8); d += load<u32>(st, 12);
    e += load<u32>(st, 16); f += load<u32>(st, 20); g += load<u32>(st, 24); h += load<u32>(st, 28);
    store<u32>(st, a); store<u32>(st, b, 4); store<u32>(st, c, 8); store<u32>(st, d, 12);
    store<u32>(st, e, 16); store<u32>(st, f, 20); store<u32>(st, g, 24); store<u32>(st, h, 28);
    p += 64; n--;
  }
}

// @ts-ignore: decorator
@inline function sigma0x4(x: v128): v128 { // rotr7 ^ rotr18 ^ shr3, per lane
  return v128.xor(v128.xor(v128.or(i32x4.shr_u(x, 7), i32x4.shl(x, 25)), v128.or(i32x4.shr_u(x, 18), i32x4.shl(x, 14))), i32x4.shr_u(x, 3));
}
// @ts-ignore: decorator
@inline function sigma1dup(d: v128): v128 { // lanes (x, x, y, y) -> σ1(x) in lane 0, σ1(y) in lane 2 (64-bit shifts rotate)
  return v128.xor(v128.xor(i64x2.shr_u(d, 17), i64x2.shr_u(d, 19)), i32x4.shr_u(d, 10));
}
`;
  return s;
}

// ---------- SHA-512 ----------
function sha512() {
  const V = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  const round = (i, wk) => {
    const [A, B, C, D, E, F, G, H] = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => V[(k - (i % 8) + 8) % 8]);
    // Same arrangement as SHA-256: e' = (d + u) + Σ1(e).
    return `    u = ${H} + ${wk} + (${G} ^ (${E} & (${F} ^ ${G}))); s = rotr<u64>(${E} ^ rotr<u64>(${E} ^ rotr<u64>(${E}, 23), 4), 14);\n` +
      `    ${D} = (${D} + u) + s; x = ${A} ^ ${B}; ${H} = (u + s) + (${B} ^ (x & y)) + rotr<u64>(${A} ^ rotr<u64>(${A} ^ rotr<u64>(${A}, 5), 6), 28); y = x;\n`;
  };
  let s = `// SHA-512 compression function (FIPS 180-4 6.4.2), fully unrolled. GENERATED by sha_gen.mjs.
// Native 64-bit state in locals; message schedule two words at a time in SIMD (i64x2), interleaved
// with the rounds; W[t] + K[t] goes through a 128-byte ring in memory read as scalar loads.
// Σ0/Σ1 as nested rotations.

const WK: usize = memory.data(128, 64); // W[t] + K[t], ring of 16 words

/** Zeroes the schedule ring (it holds the last block's W[t], from which the block can be recomputed). */
export function sha512WipeSchedule(): void { for (let i: usize = 0; i < 128; i += 16) v128.store(WK + i, i64x2.splat(0)); }

const K512: usize = memory.data<u64>([${K512.map(hx64).join(', ')}], 64);

/** Initial hash value H(0) (FIPS 180-4 5.3.5), 8 u64 words. */
export const SHA512_IV: usize = memory.data<u64>([${IV512.map(hx64).join(', ')}], 16);

/** SHA-384's initial hash value H(0) (FIPS 180-4 5.3.4), 8 u64 words; SHA-384 is SHA-512 from it, truncated. */
export const SHA384_IV: usize = memory.data<u64>([${IV384.map(hx64).join(', ')}], 16);

// @ts-ignore: decorator
@inline function load_be64x2(p: usize, off: usize): v128 {
  const v = v128.load(p + off);
  return ${bswap64};
}

/** Runs n 128-byte blocks at p through the state (8 u64 words at st, native byte order). */
export function sha512Blocks(st: usize, p: usize, n: usize): void {
  let a = load<u64>(st), b = load<u64>(st, 8), c = load<u64>(st, 16), d = load<u64>(st, 24);
  let e = load<u64>(st, 32), f = load<u64>(st, 40), g = load<u64>(st, 48), h = load<u64>(st, 56);
  let X0: v128, X1: v128, X2: v128, X3: v128, X4: v128, X5: v128, X6: v128, X7: v128;
  let u: u64, s: u64, x: u64, y: u64;
  while (n) {
`;
  const Xs = ['X0', 'X1', 'X2', 'X3', 'X4', 'X5', 'X6', 'X7'];
  const wk = (q, v) => `v128.store(WK, i64x2.add(${v}, v128.load(K512, ${16 * q})), ${(16 * q) % 128});`;
  for (let q = 0; q < 8; q++) s += `    X${q} = load_be64x2(p, ${16 * q}); ${wk(q, 'X' + q)}\n`;
  s += `    y = b ^ c;\n`;
  const ahead = Number(opt.ahead ?? 8); // schedule computed this many pairs ahead (<= 8)
  for (let i = 0; i < 80; i += 2) {
    for (let j = 0; j < 2; j++) s += round(i + j, `load<u64>(WK, ${(8 * (i + j)) % 128})`);
    const nq = i / 2 + 8; // pair index to compute next (W[2nq], W[2nq+1])
    if (nq < 40) {
      const X = (k) => Xs[(nq + k) % 8]; // X(k) = W[2nq-16+2k .. +1]
      s += `    { // W[${2 * nq}..${2 * nq + 1}]
      const w15 = i8x16.shuffle(${X(0)}, ${X(1)}, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23);
      const w7 = i8x16.shuffle(${X(4)}, ${X(5)}, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23);
      const v = i64x2.add(i64x2.add(${X(0)}, sigma0x2(w15)), i64x2.add(w7, sigma1x2(${X(7)})));
      ${X(0)} = v;
      ${wk(nq, 'v')}
    }\n`;
    }
  }
  s += `    a += load<u64>(st); b += load<u64>(st, 8); c += load<u64>(st, 16); d += load<u64>(st, 24);
    e += load<u64>(st, 32); f += load<u64>(st, 40); g += load<u64>(st, 48); h += load<u64>(st, 56);
    store<u64>(st, a); store<u64>(st, b, 8); store<u64>(st, c, 16); store<u64>(st, d, 24);
    store<u64>(st, e, 32); store<u64>(st, f, 40); store<u64>(st, g, 48); store<u64>(st, h, 56);
    p += 128; n--;
  }
}

// @ts-ignore: decorator
@inline function sigma0x2(x: v128): v128 { // rotr1 ^ rotr8 ^ shr7, per lane (rotr8 is a byte shuffle)
  const r8 = i8x16.shuffle(x, x, 1, 2, 3, 4, 5, 6, 7, 0, 9, 10, 11, 12, 13, 14, 15, 8);
  return v128.xor(v128.xor(v128.or(i64x2.shr_u(x, 1), i64x2.shl(x, 63)), r8), i64x2.shr_u(x, 7));
}
// @ts-ignore: decorator
@inline function sigma1x2(x: v128): v128 { // rotr19 ^ rotr61 ^ shr6, per lane
  return v128.xor(v128.xor(v128.or(i64x2.shr_u(x, 19), i64x2.shl(x, 45)), v128.or(i64x2.shr_u(x, 61), i64x2.shl(x, 3))), i64x2.shr_u(x, 6));
}
`;
  return s;
}

// ---------- SHA-1 ----------
function sha1() {
  const V = ['a', 'b', 'c', 'd', 'e'];
  const Kc = [0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xca62c1d6];
  const round = (i, wk) => {
    const [A, B, C, D, E] = [0, 1, 2, 3, 4].map((k) => V[(k - (i % 5) + 5) % 5]);
    let f;
    if (i < 20) f = `(${D} ^ (${B} & (${C} ^ ${D})))`;
    else if (i < 40 || i >= 60) f = `(${B} ^ ${C} ^ ${D})`;
    else f = `(${B} & ${C}) + (${D} & (${B} ^ ${C}))`;
    return `    ${E} += ${wk} + ${f} + rotl<u32>(${A}, 5); ${B} = rotl<u32>(${B}, 30);\n`;
  };
  let s = `// SHA-1 compression function (FIPS 180-4 6.1.2), fully unrolled. GENERATED by sha_gen.mjs.
// State in locals; message schedule four words at a time in SIMD: W[16..31] by the definition
// with the lane-3 fix-up, W[32..79] by the equivalent W[t] = rotl2(W[t-6]^W[t-16]^W[t-28]^W[t-32]).
// W[t] + K goes through a 64-byte ring in memory read as scalar loads.

const WK: usize = memory.data(64, 64); // W[t] + K, ring of 16 words

/** Zeroes the schedule ring (it holds the last block's W[t], from which the block can be recomputed). */
export function sha1WipeSchedule(): void { for (let i: usize = 0; i < 64; i += 16) v128.store(WK + i, i64x2.splat(0)); }

/** Initial hash value H(0) (FIPS 180-4 5.3.1), 5 u32 words. */
export const SHA1_IV: usize = memory.data<u32>([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0], 16);

// @ts-ignore: decorator
@inline function load_be32x4(p: usize, off: usize): v128 {
  const v = v128.load(p + off);
  return ${bswap32};
}
// @ts-ignore: decorator
@inline function rotl1x4(x: v128): v128 { return v128.or(i32x4.shl(x, 1), i32x4.shr_u(x, 31)); }
// @ts-ignore: decorator
@inline function rotl2x4(x: v128): v128 { return v128.or(i32x4.shl(x, 2), i32x4.shr_u(x, 30)); }

/** Runs n 64-byte blocks at p through the state (5 u32 words at st, native byte order). */
export function sha1Blocks(st: usize, p: usize, n: usize): void {
  let a = load<u32>(st), b = load<u32>(st, 4), c = load<u32>(st, 8), d = load<u32>(st, 12), e = load<u32>(st, 16);
  let X0: v128, X1: v128, X2: v128, X3: v128, X4: v128, X5: v128, X6: v128, X7: v128;
  while (n) {
`;
  const kv = (q) => `i32x4.splat(${hx32(Kc[Math.floor(q / 5)])})`;
  const wk = (q, v) => `v128.store(WK, i32x4.add(${v}, ${kv(q)}), ${(16 * q) % 64});`;
  for (let q = 0; q < 4; q++) s += `    X${q} = load_be32x4(p, ${16 * q}); ${wk(q, 'X' + q)}\n`;
  const X = (k) => `X${((k % 8) + 8) % 8}`; // X(q) holds W[4q..4q+3] (ring of 8)
  for (let i = 0; i < 80; i += 4) {
    for (let j = 0; j < 4; j++) s += round(i + j, `load<u32>(WK, ${(4 * (i + j)) % 64})`);
    const q = i / 4 + 4; // vector to compute: W[4q..4q+3]
    if (q < 20) {
      if (q < 8) {
        // W[t..t+3] with t = 4q: rotl1(W[t-3..t] ^ W[t-8..t-5] ^ W[t-14..t-11] ^ W[t-16..t-13]); lane 3 uses W[t] -> fix-up
        s += `    { // W[${4 * q}..${4 * q + 3}]
      const w3 = i8x16.shuffle(${X(q - 1)}, i32x4.splat(0), 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19); // W[t-3], W[t-2], W[t-1], 0
      const w14 = i8x16.shuffle(${X(q - 4)}, ${X(q - 3)}, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23);
      const u = v128.xor(v128.xor(w3, ${X(q - 2)}), v128.xor(w14, ${X(q - 4)}));
      let v = rotl1x4(u);
      v = v128.xor(v, rotl1x4(i8x16.shuffle(i32x4.splat(0), v, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19))); // lane 3 ^= rotl1(W[t])
      ${X(q)} = v;
      ${wk(q, 'v')}
    }\n`;
      } else {
        // W[t..t+3] = rotl2(W[t-6..t-3] ^ W[t-16..t-13] ^ W[t-28..t-25] ^ W[t-32..t-29])
        s += `    { // W[${4 * q}..${4 * q + 3}]
      const w6 = i8x16.shuffle(${X(q - 2)}, ${X(q - 1)}, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23);
      const v = rotl2x4(v128.xor(v128.xor(w6, ${X(q - 4)}), v128.xor(${X(q - 7)}, ${X(q - 8)})));
      ${X(q)} = v;
      ${wk(q, 'v')}
    }\n`;
      }
    }
  }
  s += `    a += load<u32>(st); b += load<u32>(st, 4); c += load<u32>(st, 8); d += load<u32>(st, 12); e += load<u32>(st, 16);
    store<u32>(st, a); store<u32>(st, b, 4); store<u32>(st, c, 8); store<u32>(st, d, 12); store<u32>(st, e, 16);
    p += 64; n--;
  }
}
`;
  return s;
}

const out = opt.out ?? new URL('.', import.meta.url).pathname;
writeFileSync(`${out}/sha256_block.ts`, sha256());
writeFileSync(`${out}/sha512_block.ts`, sha512());
writeFileSync(`${out}/sha1_block.ts`, sha1());
