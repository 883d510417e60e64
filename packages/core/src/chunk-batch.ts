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

/**
 * The sending side's counterpart: a stream's chunk (valid only during its data() call) is copied
 * into reusable blocks and the copy handed to the channel (Channel.write with handOver), so data
 * that must wait for window space is neither copied again nor allocated per chunk. A block is
 * reused once the channel has sent everything up to its end, which the owner learns from the
 * channel's queued byte count (release()). Blocks in use are bounded by what the channel may
 * queue before it reports backpressure, plus one chunk.
 */
export class SendBlocks {
  private readonly free: Uint8Array[] = [];
  /** Blocks holding bytes the channel may not have sent yet, oldest first, with the total appended up to their end. */
  private readonly inUse: { block: Uint8Array; end: number }[] = [];
  private cur: Uint8Array | undefined;
  private used = 0;
  /** Bytes copied in so far. */
  private total = 0;

  /** Copies `data` into the blocks; returns the copy as one or more views (in order). */
  copy(data: Uint8Array): Uint8Array[] {
    const views: Uint8Array[] = [];
    let off = 0;
    while (off < data.length) {
      if (this.cur === undefined || this.used === this.cur.length) {
        this.cur = this.free.pop() ?? new Uint8Array(BATCH_BLOCK);
        this.used = 0;
        this.inUse.push({ block: this.cur, end: this.total });
      }
      const k = Math.min(data.length - off, this.cur.length - this.used);
      this.cur.set(off === 0 && k === data.length ? data : data.subarray(off, off + k), this.used);
      views.push(this.cur.subarray(this.used, this.used + k));
      this.used += k;
      off += k;
      this.total += k;
      this.inUse[this.inUse.length - 1].end = this.total;
    }
    return views;
  }

  /**
   * The channel still holds `queued` bytes (the newest it was given): blocks wholly before them
   * may be reused. The current block stays current.
   */
  release(queued: number): void {
    const sent = this.total - queued;
    while (this.inUse.length > 0 && this.inUse[0].end <= sent && this.inUse[0].block !== this.cur) {
      const { block } = this.inUse.shift()!;
      if (this.free.length < POOL_MAX) this.free.push(block);
    }
    // everything sent: the current block can start over
    if (queued === 0 && this.inUse.length === 1 && this.inUse[0].block === this.cur) {
      this.used = 0;
      this.inUse[0].end = this.total;
    }
  }
}
