// The READ pipeline (sftp/pipeline.ts readPipelined) tops up in groups of READ_REFILL: after a
// reply is consumed no new READ goes out until that many slots are free, so the requests leave
// in one socket write instead of one per reply. Checked against a fake client whose replies the
// test releases one by one: the group size, the bound on requests in flight, the data in order,
// and that a small concurrency still refills one at a time (no stall).
import { describe, expect, it } from 'vitest';
import { READ_REFILL, readPipelined } from '../src/sftp/pipeline.ts';
import type { SftpClient, SftpHandle } from '../src/sftp/client.ts';

/** A fake client serving a file of `size` bytes (byte i = i & 0xff); replies wait until released. */
function fakeClient(size: number) {
  const waiting: { off: number; len: number; resolve: (d: Uint8Array | null) => void }[] = [];
  const issued: number[] = [];
  const client = {
    read(_h: SftpHandle, off: number, len: number): Promise<Uint8Array | null> {
      issued.push(off);
      return new Promise((resolve) => waiting.push({ off, len, resolve }));
    },
    recycle(): void {},
  } as unknown as SftpClient;
  /** Answers the oldest outstanding READ. */
  const releaseOne = (): boolean => {
    const r = waiting.shift();
    if (!r) return false;
    const n = Math.max(0, Math.min(r.len, size - r.off));
    r.resolve(n === 0 ? null : Uint8Array.from({ length: n }, (_, i) => (r.off + i) & 0xff));
    return true;
  };
  return { client, issued, waiting, releaseOne };
}

const tick = () => new Promise<void>((r) => setTimeout(r, 0));

describe('readPipelined: READs topped up in groups', () => {
  it(`with concurrency 64, new READs go out ${READ_REFILL} at a time, never more than 64 in flight, data in order`, async () => {
    const chunk = 1000, size = 300 * chunk;
    const f = fakeClient(size);
    const got: number[] = [];
    const done = readPipelined(f.client, {} as SftpHandle, { start: 0, sizeHint: size, chunkSize: chunk, concurrency: 64 }, (d, off) => {
      expect(off).toBe(got.length);
      got.push(...d);
    });
    await tick();
    expect(f.waiting.length).toBe(64);
    const groups: number[] = [];
    for (let i = 0; i < 400 && f.waiting.length > 0; i++) {
      const before = f.issued.length;
      f.releaseOne();
      await tick();
      expect(f.waiting.length).toBeLessThanOrEqual(64);
      const sent = f.issued.length - before;
      if (sent > 0) groups.push(sent);
    }
    await done;
    expect(got.length).toBe(size);
    expect(got.every((b, i) => b === (i & 0xff))).toBe(true);
    // every top-up but the last (the end of the file) is a whole group
    expect(groups.length).toBeGreaterThan(10);
    expect(groups.slice(0, -1).every((g) => g === READ_REFILL)).toBe(true);
  });

  it('with concurrency 4, each consumed reply is replaced at once', async () => {
    const chunk = 500, size = 20 * chunk;
    const f = fakeClient(size);
    let bytes = 0;
    const done = readPipelined(f.client, {} as SftpHandle, { start: 0, sizeHint: size, chunkSize: chunk, concurrency: 4 }, (d) => {
      bytes += d.length;
    });
    await tick();
    expect(f.waiting.length).toBe(4);
    for (let i = 0; i < 16; i++) {
      f.releaseOne();
      await tick();
      expect(f.waiting.length).toBe(4);
    }
    for (let i = 0; i < 50 && f.releaseOne(); i++) await tick();
    await done;
    expect(bytes).toBe(size);
  });
});
