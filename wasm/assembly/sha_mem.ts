// Small copies and fills for the SHA/HMAC and ctrmac code. V8 compiles memory.copy and
// memory.fill to out-of-line calls, which cost about as much as a third of a SHA-256 block for
// the 20-200 byte moves a MAC makes (measured); these inline v128 loops do not. Unaligned
// addresses are fine for v128.load/store.

/** Zeroes n bytes at p; n a multiple of 16. */
// @ts-ignore: decorator
@inline export function zero16(p: usize, n: usize): void {
  for (let i: usize = 0; i < n; i += 16) v128.store(p + i, i64x2.splat(0));
}

/** Copies n bytes from s to d (not overlapping); n a multiple of 16. */
// @ts-ignore: decorator
@inline export function copy16(d: usize, s: usize, n: usize): void {
  for (let i: usize = 0; i < n; i += 16) v128.store(d + i, v128.load(s + i));
}

/** Copies n bytes from s to d (not overlapping), any n: 16 bytes at a time, then bytes. */
export function copyBytes(d: usize, s: usize, n: usize): void {
  let i: usize = 0;
  for (; i + 16 <= n; i += 16) v128.store(d + i, v128.load(s + i));
  for (; i < n; i++) store<u8>(d + i, load<u8>(s + i));
}

/** Zeroes bytes [from, to) at p, any bounds: bytes up to a 16-byte boundary of the offset, then 16 at a time. */
export function zeroRange(p: usize, from: usize, to: usize): void {
  let i = from;
  for (; i < to && (i & 15) != 0; i++) store<u8>(p + i, 0);
  for (; i + 16 <= to; i += 16) v128.store(p + i, i64x2.splat(0));
  for (; i < to; i++) store<u8>(p + i, 0);
}
