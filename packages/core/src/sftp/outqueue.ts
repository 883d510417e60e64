// The outgoing byte queue shared by the SFTP client and server: packets wait here until the
// binder drains them with pollTransmit(). Small packets are coalesced into one buffer (64 READ
// requests become one channel write, not 64), large ones are handed out as they are (no copy).

/** Packets at least this big are returned alone, never copied into a batch. */
const LARGE = 8 * 1024;
/** A batch of small packets stops growing at this size. */
const BATCH = 64 * 1024;

export class OutQueue {
  private chunks: Uint8Array[] = [];
  private head = 0;
  private bytes = 0;

  constructor(private onReady?: () => void) {}

  /** Sets (or replaces) the callback fired when the queue goes from empty to non-empty. */
  setListener(onReady: (() => void) | undefined): void {
    this.onReady = onReady;
  }

  /** Bytes waiting to be transmitted. */
  get length(): number {
    return this.bytes;
  }

  push(packet: Uint8Array): void {
    const wasEmpty = this.bytes === 0;
    this.chunks.push(packet);
    this.bytes += packet.length;
    if (wasEmpty && this.onReady) this.onReady();
  }

  /** The next bytes to write, or undefined when nothing is waiting. */
  poll(): Uint8Array | undefined {
    if (this.head >= this.chunks.length) return undefined;
    const first = this.chunks[this.head];
    let end = this.head + 1;
    let total = first.length;
    if (first.length < LARGE) {
      while (end < this.chunks.length && this.chunks[end].length < LARGE && total + this.chunks[end].length <= BATCH) total += this.chunks[end++].length;
    }
    let out: Uint8Array;
    if (end === this.head + 1) out = first;
    else {
      out = new Uint8Array(total);
      let o = 0;
      for (let i = this.head; i < end; i++) {
        out.set(this.chunks[i], o);
        o += this.chunks[i].length;
      }
    }
    this.head = end;
    this.bytes -= total;
    if (this.head > 1024 || this.head === this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.bytes = 0;
  }
}
