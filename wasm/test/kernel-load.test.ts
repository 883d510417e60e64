import { describe, expect, it } from 'vitest';
import { kernel, allocContext, freeContext } from '../src/index.ts';

describe('kernel loading', () => {
  it('instantiates synchronously with fixed memory and an aligned IO buffer', () => {
    const k = kernel();
    expect(k.io % 64).toBe(0);
    expect(k.ioSize).toBeGreaterThanOrEqual(256 * 1024 + 64);
    expect(k.exports.memory.buffer.byteLength).toBe(64 * 65536);
    expect(k.exports.ctxSlots()).toBeGreaterThan(100);
  });

  it('hands out distinct context slots and wipes them on release', () => {
    const a = allocContext();
    const b = allocContext();
    expect(a.ptr).not.toBe(b.ptr);
    a.k.mem.fill(0xaa, a.ptr, a.ptr + 64);
    freeContext(a);
    expect(a.k.mem.subarray(a.ptr, a.ptr + 64).every((x) => x === 0)).toBe(true);
    freeContext(b);
  });

  it('makes another instance when one runs out of slots', () => {
    const n = kernel().exports.ctxSlots();
    const taken = Array.from({ length: n + 1 }, () => allocContext());
    expect(new Set(taken.map((c) => c.k)).size).toBeGreaterThan(1);
    for (const c of taken) freeContext(c);
  });
});
