// SFTP packet framing (draft-ietf-secsh-filexfer-02 §3): each packet is a uint32 length and that
// many bytes. The framer takes bytes in any split and hands out whole packets. A length past the
// bound is refused as soon as its four bytes are seen, before anything is allocated; a partial
// packet is buffered only up to the bound.
import { ProtocolError } from '../wire/index.ts';

/** Packets at least this long are assembled in pooled buffers (when the framer has a pool). */
const POOLED_MIN = 64 * 1024;

/**
 * Reusable buffers for large packets: a download's DATA replies are assembled in a few buffers
 * handed back (give) once their data has been written, instead of a new 256 KiB allocation for
 * each (at hundreds of MiB/s those allocations drive the garbage collector). Only buffers this
 * pool handed out and not yet received back are taken, so a chunk given back twice, or one that
 * never came from here, is ignored.
 */
export class PacketPool {
  private readonly free: ArrayBuffer[] = [];
  private readonly out = new WeakSet<ArrayBuffer>();

  constructor(
    /** Capacity of each buffer (the largest packet). */
    readonly size: number,
    /** Buffers kept for reuse at most. */
    readonly keep = 16,
  ) {}

  /** A view of `len` bytes (len <= size) on a free or new buffer; its contents are arbitrary. */
  take(len: number): Uint8Array {
    const b = this.free.pop() ?? new ArrayBuffer(this.size);
    this.out.add(b);
    return new Uint8Array(b, 0, len);
  }

  /** Hands back a view on one of this pool's buffers: it will carry a later packet. */
  give(view: Uint8Array): void {
    const b = view.buffer as ArrayBuffer;
    if (!this.out.has(b)) return;
    this.out.delete(b);
    if (this.free.length < this.keep) this.free.push(b);
  }
}

export class PacketFramer {
  private header = new Uint8Array(4);
  private headerFill = 0;
  private packet: Uint8Array | undefined;
  private fill = 0;

  constructor(
    /** Largest packet length accepted (type + body). */
    readonly maxPacket: number,
    private readonly what = 'SFTP',
    /** Where large packets that span several chunks are assembled (default: a new buffer each). */
    private readonly pool?: PacketPool,
  ) {
    if (!Number.isInteger(maxPacket) || maxPacket < 5 || maxPacket > 0x7fffffff) throw new RangeError(`${what}: max packet must be an integer in [5, 2^31), got ${maxPacket}`);
  }

  /** Bytes held for a packet not yet complete. */
  get buffered(): number {
    return this.headerFill + this.fill;
  }

  /**
   * Takes the next bytes of the stream and calls onPacket for each complete packet (type byte
   * onward). Each packet handed out is its own copy, so `bytes` is not retained after this returns;
   * with `owned` the caller gives `bytes` away (never to touch it again) and whole packets inside it
   * are handed out as views, saving a copy.
   */
  push(bytes: Uint8Array, onPacket: (packet: Uint8Array) => void, owned = false): void {
    let p = 0;
    const n = bytes.length;
    while (p < n) {
      if (this.packet === undefined) {
        // Fast path: a whole header and packet inside this chunk.
        if (this.headerFill === 0 && n - p >= 4) {
          const len = ((bytes[p] << 24) | (bytes[p + 1] << 16) | (bytes[p + 2] << 8) | bytes[p + 3]) >>> 0;
          this.checkLength(len);
          if (n - p - 4 >= len) {
            onPacket(owned ? bytes.subarray(p + 4, p + 4 + len) : bytes.slice(p + 4, p + 4 + len));
            p += 4 + len;
            continue;
          }
          this.packet = this.alloc(len);
          this.fill = 0;
          p += 4;
          continue;
        }
        const take = Math.min(4 - this.headerFill, n - p);
        this.header.set(bytes.subarray(p, p + take), this.headerFill);
        this.headerFill += take;
        p += take;
        if (this.headerFill < 4) return;
        const h = this.header;
        const len = ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0;
        this.headerFill = 0;
        this.checkLength(len);
        this.packet = this.alloc(len);
        this.fill = 0;
        continue;
      }
      const pkt = this.packet;
      const take = Math.min(pkt.length - this.fill, n - p);
      pkt.set(bytes.subarray(p, p + take), this.fill);
      this.fill += take;
      p += take;
      if (this.fill === pkt.length) {
        this.packet = undefined;
        this.fill = 0;
        onPacket(pkt);
      }
    }
  }

  private alloc(len: number): Uint8Array {
    return this.pool && len >= POOLED_MIN && len <= this.pool.size ? this.pool.take(len) : new Uint8Array(len);
  }

  private checkLength(len: number): void {
    if (len === 0) throw new ProtocolError(`${this.what}: packet of length 0`);
    if (len > this.maxPacket) throw new ProtocolError(`${this.what}: packet of ${len} bytes is over the ${this.maxPacket}-byte limit`);
  }
}
