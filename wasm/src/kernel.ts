// Loads the embedded kernel module synchronously (no fs, no fetch) in Node, Deno, Bun and
// browsers, and hands out key-context slots. An instance has fixed memory (4 MiB: an IO buffer
// for one packet plus context slots); when its slots run out, another instance of the same
// compiled module is made, so any number of connections can hold keys at once.
import { KERNEL_WASM_BASE64 } from './generated/kernel-bytes.ts';

/** The exports every kernel instance has, whatever the algorithm family. */
export interface KernelCore {
  readonly memory: WebAssembly.Memory;
  ioPtr(): number;
  ioSize(): number;
  ctxBase(): number;
  ctxSlotSize(): number;
  ctxSlots(): number;
  wipe(ptr: number, len: number): void;
}

/** One kernel instance: its exports, a byte view of its memory, and where its IO buffer is. */
export class KernelInstance {
  /** Raw exports; family wrappers cast this to their own export interface. */
  readonly exports: KernelCore & Record<string, unknown>;
  /** Byte view over the whole memory. Memory never grows, so this view never detaches. */
  readonly mem: Uint8Array;
  /** Address of the IO buffer. */
  readonly io: number;
  /** Size of the IO buffer in bytes. */
  readonly ioSize: number;
  private readonly freeSlots: number[] = [];
  private readonly slotSize: number;
  private readonly base: number;

  constructor(module: WebAssembly.Module) {
    const instance = new WebAssembly.Instance(module, {
      env: {
        abort(_msg: number, _file: number, line: number, col: number): never {
          throw new Error(`seashell kernel: abort at ${line}:${col}`);
        },
      },
    });
    this.exports = instance.exports as unknown as KernelCore & Record<string, unknown>;
    this.mem = new Uint8Array(this.exports.memory.buffer);
    this.io = this.exports.ioPtr() >>> 0;
    this.ioSize = this.exports.ioSize() >>> 0;
    this.slotSize = this.exports.ctxSlotSize() >>> 0;
    this.base = this.exports.ctxBase() >>> 0;
    for (let i = this.exports.ctxSlots() - 1; i >= 0; i--) this.freeSlots.push(i);
  }

  /** Address of a free context slot, or -1 when this instance has none left. */
  allocSlot(): number {
    const i = this.freeSlots.pop();
    return i === undefined ? -1 : this.base + i * this.slotSize;
  }

  /** Wipes a slot's keys and returns it to the free list. */
  freeSlot(ptr: number): void {
    this.exports.wipe(ptr, this.slotSize);
    this.freeSlots.push((ptr - this.base) / this.slotSize);
  }

  /** Copies bytes into the IO buffer at offset (default 0); throws if they do not fit. */
  writeIo(data: Uint8Array, offset = 0): number {
    if (offset + data.length > this.ioSize) {
      throw new RangeError(`seashell kernel: ${data.length} bytes at offset ${offset} exceed the ${this.ioSize}-byte IO buffer`);
    }
    this.mem.set(data, this.io + offset);
    return this.io + offset;
  }

  /** Copies len bytes out of kernel memory at ptr. */
  read(ptr: number, len: number): Uint8Array {
    return this.mem.slice(ptr, ptr + len);
  }
}

function decodeBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

let compiled: WebAssembly.Module | undefined;
let shared: KernelInstance | undefined;
const pool: KernelInstance[] = [];

/** The compiled kernel module (compiled once, synchronously, on first use). */
export function kernelModule(): WebAssembly.Module {
  if (!compiled) compiled = new WebAssembly.Module(decodeBase64(KERNEL_WASM_BASE64) as BufferSource);
  return compiled;
}

/** The shared instance used by one-shot functions (they never keep state between calls). */
export function kernel(): KernelInstance {
  if (!shared) shared = new KernelInstance(kernelModule());
  return shared;
}

/** A context slot for keys that live as long as a connection direction. */
export interface KernelContext {
  readonly k: KernelInstance;
  readonly ptr: number;
}

/** Takes a context slot from the first instance with one free, making a new instance if none has. */
export function allocContext(): KernelContext {
  for (const k of pool) {
    const ptr = k.allocSlot();
    if (ptr >= 0) return { k, ptr };
  }
  const k = new KernelInstance(kernelModule());
  pool.push(k);
  return { k, ptr: k.allocSlot() };
}

/** Wipes and releases a context slot taken with allocContext. */
export function freeContext(ctx: KernelContext): void {
  ctx.k.freeSlot(ctx.ptr);
}
