// Reusable blocks for the tunnel data path (forwarding.ts's ChannelPipe), so a busy tunnel copies
// each byte once into memory it already has, instead of allocating (and zero-filling, and later
// collecting) a fresh array per packet or per socket read:
// - ChunkBatch, receiving: each CHANNEL_DATA payload (a view lent by the decryptor) is copied into
//   a block, and a flush hands the filled blocks to the ByteStream as one write. The blocks come
//   back once the stream reports them written (ByteStream.write's `written`).
// - SendBlocks, sending: a stream's chunk (valid only during its data() call) is copied into a
//   block and the copy handed to the channel (Channel.write with handOver), so data that waits
//   for window space is neither copied again nor allocated per chunk. A block comes back once the
//   channel has sent everything in it, which the owner learns from the channel's queued count.
// Memory: blocks in use hold data flow control already bounds (the channel window, the stream's
// and the channel's high-water marks); free blocks go to one pool shared by every tunnel, at most
// POOL_MAX of them, and an idle tunnel holds none.

/** Bytes per block: several 32 KiB packets, one socket read's worth. */
export const BATCH_BLOCK = 256 * 1024;
/** Free blocks kept for reuse, for all tunnels together. */
const POOL_MAX = 16;
const pool: Uint8Array[] = [];

function takeBlock(): Uint8Array {
  return pool.pop() ?? new Uint8Array(BATCH_BLOCK);
}

function giveBlock(b: Uint8Array): void {
  if (pool.length < POOL_MAX) pool.push(b);
}

export class ChunkBatch {
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
    this.cur = takeBlock();
    this.owned.push(this.cur);
    this.used = 0;
  }

  /**
   * Takes the batch: the chunks to write and a function to call once they are written (their
   * blocks are then reused; calling it again does nothing). Undefined when the batch is empty.
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
        for (const b of blocks) giveBlock(b);
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

export class SendBlocks {
  /** Blocks holding bytes the channel may not have sent yet, oldest first, with the running total at their last byte. */
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
        this.cur = takeBlock();
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
   * The channel still holds `queued` bytes (the newest it was given, or more if it also queued
   * other things): blocks wholly before them go back to the pool, the current one included.
   */
  release(queued: number): void {
    const sent = this.total - queued;
    while (this.inUse.length > 0 && this.inUse[0].end <= sent) {
      const { block } = this.inUse.shift()!;
      if (block === this.cur) this.cur = undefined;
      giveBlock(block);
    }
  }
}
