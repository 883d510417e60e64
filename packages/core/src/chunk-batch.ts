// Gathers received channel data for one ByteStream write (forwarding.ts's ChannelPipe): each
// CHANNEL_DATA payload is copied into a large reusable block, and a flush hands the filled blocks
// to the stream as one batch. The blocks come back once the stream reports them written
// (ByteStream.write's `written`), so a busy tunnel copies each byte once into memory it already
// has, instead of allocating (and zero-filling, and later collecting) a fresh array per packet.
// Memory: blocks in use hold data the stream has not written yet, which flow control bounds (the
// channel's window is re-opened only once the stream accepts a batch); at most POOL_MAX free
// blocks are kept.

/** Bytes per block: several 32 KiB packets, one socket read's worth. */
export const BATCH_BLOCK = 256 * 1024;
/** Free blocks kept for reuse. */
const POOL_MAX = 4;

export class ChunkBatch {
  private readonly free: Uint8Array[] = [];
  /** Filled blocks (views) of this batch, oldest first, not counting the current one. */
  private full: Uint8Array[] = [];
  /** The blocks behind `full` and `cur`, returned to the pool once written. */
  private owned: Uint8Array[] = [];
  private cur: Uint8Array | undefined;
  private used = 0;
  /** Bytes in the batch. */
  bytes = 0;

  /** Copies `data` (which may be a lent view) into the batch. */
  append(data: Uint8Array): void {
    let off = 0;
    const n = data.length;
    this.bytes += n;
    while (off < n) {
      if (this.cur === undefined || this.used === this.cur.length) this.nextBlock();
      const cur = this.cur!;
      const k = Math.min(n - off, cur.length - this.used);
      cur.set(off === 0 && k === n ? data : data.subarray(off, off + k), this.used);
      this.used += k;
      off += k;
    }
  }

  private nextBlock(): void {
    if (this.cur !== undefined) this.full.push(this.cur.subarray(0, this.used));
    this.cur = this.free.pop() ?? new Uint8Array(BATCH_BLOCK);
    this.owned.push(this.cur);
    this.used = 0;
  }

  /**
   * Takes the batch: the chunks to write and a function to call once they are written (their
   * blocks are then reused). Returns undefined when the batch is empty.
   */
  take(): { chunks: Uint8Array[]; written: () => void } | undefined {
    if (this.bytes === 0) return undefined;
    const chunks = this.full;
    if (this.cur !== undefined && this.used > 0) chunks.push(this.cur.subarray(0, this.used));
    const blocks = this.owned;
    this.full = [];
    this.owned = [];
    this.cur = undefined;
    this.used = 0;
    this.bytes = 0;
    let done = false;
    return {
      chunks,
      written: () => {
        if (done) return;
        done = true;
        for (const b of blocks) if (this.free.length < POOL_MAX) this.free.push(b);
      },
    };
  }

  /** Drops the batch (the stream is gone); returns how many bytes it held. */
  clear(): number {
    const n = this.bytes;
    this.take()?.written(); // nothing was written from them: the blocks are free again
    return n;
  }
}
