// Small fixed-size memory helpers for the aes family's hot paths. memory.fill / memory.copy
// become calls out of the wasm code in V8, which cost more than a few v128 stores for the
// 16..1024-byte scratch areas cleared or staged once per packet.

/** Zeroes n bytes at p; n must be a multiple of 16. */
// @ts-ignore: decorator
@inline export function zeroBlocks(p: usize, n: usize): void {
  const z = i64x2.splat(0);
  for (let i: usize = 0; i < n; i += 16) v128.store(p + i, z);
}

/** Copies n bytes (any n) from src to dst; the areas must not overlap. */
export function copyBytes(dst: usize, src: usize, n: usize): void {
  const full = n & ~(15 as usize);
  for (let i: usize = 0; i < full; i += 16) v128.store(dst + i, v128.load(src + i));
  for (let i = full; i < n; i++) store<u8>(dst + i, load<u8>(src + i));
}
