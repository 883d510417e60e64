// Kernel memory layout. Memory is sized once (asconfig.json: initial = maximum = 64 pages,
// 4 MiB) and never grows, so JS views over it never detach. Nothing on the hot path allocates:
// each primitive keeps its scratch in static segments (memory.data), the caller's data lives
// in the IO buffer, and keys live in fixed-size context slots.
//
//   [statics (data segments)] [IO buffer, IO_SIZE] [context slots, CTX_SLOT_SIZE each ...]

/** Bytes of the IO buffer: one SSH packet of up to 256 KiB plus length, MAC and slack. */
export const IO_SIZE: usize = 320 * 1024;
/** Bytes of one key context (bitsliced AES round keys, GHASH powers, HMAC states all fit). */
export const CTX_SLOT_SIZE: usize = 4096;

// @ts-ignore: decorator
@inline function align64(p: usize): usize { return (p + 63) & ~(63 as usize); }

/** Address of the IO buffer: callers write input here and read output from here. */
export function ioPtr(): usize { return align64(__heap_base); }
/** Size of the IO buffer in bytes. */
export function ioSize(): usize { return IO_SIZE; }
/** Address of context slot 0; slot i is at ctxBase() + i * CTX_SLOT_SIZE. */
export function ctxBase(): usize { return align64(__heap_base) + IO_SIZE; }
/** Size of one context slot in bytes. */
export function ctxSlotSize(): usize { return CTX_SLOT_SIZE; }
/** How many context slots fit in this instance's fixed memory. */
export function ctxSlots(): u32 {
  const end = (memory.size() as usize) << 16;
  return <u32>((end - ctxBase()) / CTX_SLOT_SIZE);
}
/** Zeroes len bytes at ptr (used to wipe keys from a slot when a context is released). */
export function wipe(ptr: usize, len: usize): void { memory.fill(ptr, 0, len); }
