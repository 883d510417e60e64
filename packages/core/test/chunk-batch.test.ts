// The reusable blocks of the tunnel data path (chunk-batch.ts): bytes come out as they went in,
// across block boundaries, and a block is reused only once whoever holds its bytes is done with
// them (written by the stream; sent by the channel), never while they may still be read.
import { describe, expect, it } from 'vitest';
import { BATCH_BLOCK, ChunkBatch, SendBlocks } from '../src/chunk-batch.ts';

function pattern(n: number, seed: number): Uint8Array {
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = (i * 31 + seed) & 0xff;
  return a;
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) out.set(c, (o += c.length) - c.length);
  return out;
}

/** Byte equality (vitest's deep toEqual is slow on arrays this size). */
function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

describe('ChunkBatch', () => {
  it('gives back every appended byte in order, across block boundaries, and nothing when empty', () => {
    const b = new ChunkBatch();
    expect(b.take()).toBeUndefined();
    const parts = [pattern(32768, 1), pattern(BATCH_BLOCK - 1000, 2), pattern(5000, 3), pattern(BATCH_BLOCK + 7, 4)];
    for (const p of parts) b.append(p);
    expect(b.bytes).toBe(parts.reduce((n, p) => n + p.length, 0));
    const t = b.take()!;
    expect(same(concat(t.chunks), concat(parts))).toBe(true);
    expect(b.bytes).toBe(0);
    expect(b.take()).toBeUndefined();
  });

  it('copies: changing the source after append() does not change the batch', () => {
    const b = new ChunkBatch();
    const src = pattern(1000, 5);
    b.append(src);
    src.fill(0);
    expect(same(concat(b.take()!.chunks), pattern(1000, 5))).toBe(true);
  });

  it('does not reuse a block before written(), and does after', () => {
    const b = new ChunkBatch();
    b.append(pattern(4096, 6));
    const first = b.take()!;
    b.append(pattern(4096, 7));
    const second = b.take()!;
    // not written yet: the first batch's bytes are intact and in a different block
    expect(second.chunks[0].buffer).not.toBe(first.chunks[0].buffer);
    expect(same(first.chunks[0], pattern(4096, 6))).toBe(true);
    first.written();
    b.append(pattern(4096, 8));
    const third = b.take()!;
    expect(third.chunks[0].buffer).toBe(first.chunks[0].buffer);
    expect(same(third.chunks[0], pattern(4096, 8))).toBe(true);
    expect(same(second.chunks[0], pattern(4096, 7))).toBe(true);
  });

  it('clear() drops the batch and reports its size', () => {
    const b = new ChunkBatch();
    b.append(pattern(100, 9));
    expect(b.clear()).toBe(100);
    expect(b.take()).toBeUndefined();
  });
});

describe('SendBlocks', () => {
  it('copies a chunk into views that hold the same bytes, split only at block ends', () => {
    const s = new SendBlocks();
    const a = pattern(BATCH_BLOCK - 10, 1);
    expect(same(concat(s.copy(a)), a)).toBe(true);
    const b = pattern(100, 2);
    const views = s.copy(b);
    expect(views.length).toBe(2);
    expect(views[0].length).toBe(10);
    expect(same(concat(views), b)).toBe(true);
  });

  it('never overwrites bytes the channel still holds; reuses blocks once they are sent', () => {
    const s = new SendBlocks();
    const held: Uint8Array[] = [];
    const sent: Uint8Array[] = [];
    let queued = 0;
    // the channel holds everything: nothing may be reused
    for (let i = 0; i < 6; i++) {
      s.release(queued);
      const v = s.copy(pattern(100_000, i));
      held.push(...v);
      queued += 100_000;
    }
    expect(same(concat(held), concat(Array.from({ length: 6 }, (_, i) => pattern(100_000, i))))).toBe(true);
    // the channel sent all but the newest 150 000 bytes
    queued = 150_000;
    s.release(queued);
    for (let i = 6; i < 12; i++) {
      const v = s.copy(pattern(100_000, i));
      sent.push(...v);
      queued += 100_000;
      s.release(queued);
    }
    // the bytes still queued at the release (the last 150 000 of the first six chunks) are intact
    const firstSix = concat(Array.from({ length: 6 }, (_, i) => pattern(100_000, i)));
    expect(same(concat(held).subarray(600_000 - 150_000), firstSix.subarray(600_000 - 150_000))).toBe(true);
    expect(same(concat(sent), concat(Array.from({ length: 6 }, (_, i) => pattern(100_000, i + 6))))).toBe(true);
    // and some block was reused (the first one, wholly sent)
    expect(sent.some((v) => v.buffer === held[0].buffer)).toBe(true);
  });

  it('starts the current block over once the channel has sent everything', () => {
    const s = new SendBlocks();
    const [v1] = s.copy(pattern(1000, 1));
    s.release(0);
    const [v2] = s.copy(pattern(1000, 2));
    expect(v2.buffer).toBe(v1.buffer);
    expect(v2.byteOffset).toBe(v1.byteOffset);
  });
});
