// Binary packet protocol (RFC 4253 §6): uint32 packet_length, byte padding_length, payload,
// random padding, then the MAC or tag. Before the first NEWKEYS packets travel in the clear
// (the "none" path below); afterwards a PacketCipher (@seashell/kernel, wasm/src/packet.ts)
// seals and opens each packet in place in kernel memory: we lay the plaintext out in
// cipher.ioView, one call seals it, and we copy the result out once.
//
// Inbound, the length is checked against MAX_PACKET_SIZE, the minimum and the block size before
// any buffer is sized for the packet (russh CVE-2024-43410). Sequence numbers are uint32 and
// wrap (RFC 4253 §6.4); strict KEX resets them (transport.ts).
import { DisconnectReason, ProtocolError } from '../wire/index.ts';
import type { PacketCipher } from '@seashell/kernel';
import type { RandomSource } from '../algorithms/types.ts';
import { MAX_PACKET_SIZE, MAX_PAYLOAD_SIZE, MIN_PACKET_SIZE, MIN_PADDING } from '../limits.ts';

/** Block size of the cleartext "none" path (RFC 4253 §6: at least 8). */
const NONE_BLOCK = 8;

/**
 * True when the padding covers only the part after packet_length: AEAD and encrypt-then-MAC
 * modes, where the length is authenticated separately (OpenSSH's aadlen). This is the case when
 * the length can be read from 4 bytes alone (chacha20-poly1305, aes-gcm, -etm MACs).
 */
export function padsAfterLength(c: PacketCipher): boolean {
  return c.lengthInClear || c.firstBlockLength === 4;
}

/**
 * Outbound bytes waiting for the socket, in blocks: packets are appended to the current block,
 * which is closed and queued when the next packet does not fit (no doubling and re-copying of one
 * big buffer at bulk rates). take() hands out one block at a time, whole, except that a small
 * final block is copied out and its buffer kept: window adjusts and SFTP requests don't cost a
 * fresh block each.
 */
export class OutputBuffer {
  private buf: Uint8Array;
  private len = 0;
  private readonly ready: Uint8Array[] = [];
  private readyBytes = 0;
  /** Blocks handed out by take() and not yet given back; and given-back blocks ready for reuse. */
  private readonly out = new WeakSet<ArrayBuffer>();
  private readonly free: ArrayBuffer[] = [];

  constructor(private readonly blockSize = 256 * 1024) {
    this.buf = new Uint8Array(blockSize);
  }

  /**
   * A block take() returned has been written out: its buffer may carry later packets. Blocks not
   * from take(), or given back twice, are ignored.
   */
  release(block: Uint8Array): void {
    const b = block.buffer as ArrayBuffer;
    if (!this.out.has(b)) return;
    this.out.delete(b);
    if (b.byteLength === this.blockSize && this.free.length < 8) this.free.push(b);
  }

  private newBlock(n: number): Uint8Array {
    if (n <= this.blockSize) {
      const b = this.free.pop();
      if (b) return new Uint8Array(b);
    }
    return new Uint8Array(Math.max(this.blockSize, n));
  }

  /** Bytes waiting in all blocks. */
  get length(): number {
    return this.readyBytes + this.len;
  }

  /** Where the next bytes go in the buffer reserve() returned. */
  get offset(): number {
    return this.len;
  }

  /** Makes room for n more contiguous bytes and returns the buffer; write at `offset`, then commit(n). */
  reserve(n: number): Uint8Array {
    if (this.len + n > this.buf.length) {
      if (this.len > 0) {
        this.ready.push(this.buf.subarray(0, this.len));
        this.readyBytes += this.len;
      }
      this.buf = this.newBlock(n);
      this.len = 0;
    }
    return this.buf;
  }

  commit(n: number): void {
    this.len += n;
  }

  /** Appends bytes (the version line, a sealed packet). */
  append(b: Uint8Array): void {
    this.reserve(b.length).set(b, this.len);
    this.len += b.length;
  }

  /** The next block of bytes to send, in order, or undefined when nothing is waiting. */
  take(): Uint8Array | undefined {
    if (this.ready.length > 0) {
      const b = this.ready.shift()!;
      this.readyBytes -= b.length;
      this.out.add(b.buffer as ArrayBuffer);
      return b;
    }
    if (this.len === 0) return undefined;
    if (this.len <= this.blockSize / 16) {
      const small = this.buf.slice(0, this.len);
      this.len = 0;
      return small;
    }
    const out = this.buf.subarray(0, this.len);
    this.out.add(out.buffer as ArrayBuffer);
    this.buf = this.newBlock(0);
    this.len = 0;
    return out;
  }
}

/** Writes the payload of a packet into `target` at `offset` (exactly the announced length). */
export type PayloadWriter = (target: Uint8Array, offset: number) => void;

/**
 * A PacketCipher that can also put a sealed packet straight into another buffer (packages/node's
 * node:crypto AES-GCM, whose ciphertext comes out in a new buffer anyway): the transport's output
 * block instead of ioView, saving the copy from ioView to the output.
 */
export interface DirectSealCipher extends PacketCipher {
  /**
   * Seals the plaintext packet laid out in io[0, packetLen) as seal() would, but writes what goes
   * on the wire (packetLen + macLength bytes) to dst[at, ...) and leaves ioView's contents
   * unspecified; false, with nothing done, when this packet is not one it seals this way (the
   * caller then uses seal()).
   */
  sealTo(seq: number, packetLen: number, dst: Uint8Array, at: number): boolean;
}

function directSealer(c: PacketCipher): DirectSealCipher | null {
  return typeof (c as Partial<DirectSealCipher>).sealTo === 'function' ? (c as DirectSealCipher) : null;
}

/** The sending half of the binary packet protocol. */
export class PacketSealer {
  /** Sequence number of the next packet (uint32, wraps). */
  seq = 0;
  /** Bytes and packets sent since the last key exchange (for rekey decisions). */
  bytes = 0;
  packets = 0;
  private cipher: PacketCipher | null = null;
  private direct: DirectSealCipher | null = null;
  private pad: Uint8Array = new Uint8Array(0);
  private padPos = 0;

  constructor(
    private readonly out: OutputBuffer,
    private readonly random: RandomSource,
  ) {}

  /** Installs the cipher to use from the next packet on (after sending NEWKEYS); disposes the old one. */
  setCipher(c: PacketCipher): void {
    if (c.ioView.length < MAX_PACKET_SIZE + c.macLength) {
      throw new RangeError(`${c.name}: kernel IO buffer of ${c.ioView.length} bytes cannot hold a ${MAX_PACKET_SIZE}-byte packet`);
    }
    this.cipher?.dispose();
    this.cipher = c;
    this.direct = directSealer(c);
  }

  /** Largest payload one packet can carry. */
  get maxPayload(): number {
    return MAX_PAYLOAD_SIZE;
  }

  /** Seals a packet whose payload (payloadLen bytes) is written by `fill`. */
  seal(payloadLen: number, fill: PayloadWriter): void {
    if (!Number.isInteger(payloadLen) || payloadLen < 1 || payloadLen > this.maxPayload) {
      throw new RangeError(`payload of ${payloadLen} bytes: must be 1..${this.maxPayload}`);
    }
    const c = this.cipher;
    const block = c ? Math.max(c.blockSize, NONE_BLOCK) : NONE_BLOCK;
    const aad = c ? padsAfterLength(c) : false;
    const unpadded = 1 + payloadLen + (aad ? 0 : 4);
    let padding = block - (unpadded % block);
    if (padding < MIN_PADDING) padding += block;
    const packetLength = 1 + payloadLen + padding;
    const total = 4 + packetLength;
    const mac = c ? c.macLength : 0;
    const target = c ? c.ioView : this.out.reserve(total);
    const base = c ? 0 : this.out.offset;
    target[base] = packetLength >>> 24;
    target[base + 1] = packetLength >>> 16;
    target[base + 2] = packetLength >>> 8;
    target[base + 3] = packetLength;
    target[base + 4] = padding;
    fill(target, base + 5);
    this.fillPadding(target, base + 5 + payloadLen, padding);
    if (c) {
      const d = this.direct;
      const dst = d ? this.out.reserve(total + mac) : null;
      if (dst && d!.sealTo(this.seq, total, dst, this.out.offset)) {
        this.out.commit(total + mac);
      } else {
        c.seal(this.seq, total);
        this.out.append(c.ioView.subarray(0, total + mac));
      }
    } else {
      this.out.commit(total);
    }
    this.seq = (this.seq + 1) >>> 0;
    this.bytes += total + mac;
    this.packets++;
  }

  /** Seals a packet with an already encoded payload. */
  sealPayload(payload: Uint8Array): void {
    this.seal(payload.length, (t, o) => t.set(payload, o));
  }

  private fillPadding(target: Uint8Array, at: number, n: number): void {
    if (this.padPos + n > this.pad.length) {
      this.pad = this.random(1024);
      if (!(this.pad instanceof Uint8Array) || this.pad.length !== 1024) throw new TypeError('random source must return the number of bytes asked for');
      this.padPos = 0;
    }
    target.set(this.pad.subarray(this.padPos, this.padPos + n), at);
    this.padPos += n;
  }

  /** Releases the cipher's kernel context. */
  dispose(): void {
    this.cipher?.dispose();
    this.cipher = null;
  }
}

/**
 * Called for each packet opened; return false to stop (the rest stays buffered). When `lent` is
 * true the payload is a view of the cipher's buffer, valid only until the handler returns and
 * only while nothing is sealed (see PacketOpener.lendChannelData).
 */
export type PacketHandler = (payload: Uint8Array, seq: number, lent: boolean) => boolean;

/** SSH_MSG_CHANNEL_DATA (RFC 4254 §5.2), the one message whose payload may be lent. */
const CHANNEL_DATA = 94;

/**
 * A PacketCipher that can also open a packet where it lies in the receive buffer, into a new
 * buffer of its own, instead of in place in ioView (packages/node's node:crypto AES-GCM, whose
 * output is a new buffer anyway): that saves copying the ciphertext into ioView and the plaintext
 * back. The payload it gives is the caller's to keep (not lent).
 */
export interface DirectOpenCipher extends PacketCipher {
  /**
   * Opens the packet at src[pos, pos + packetLen + macLength) (packetLen = 4 + packet_length, as
   * decryptLength read it from ioView) without writing to src. Returns bytes [4, packetLen) of the
   * plaintext (padding_length, payload, padding) in a new buffer nobody else holds; false when the
   * tag is wrong (nothing of the plaintext released, the cipher's state unchanged); null when this
   * packet is not one it opens directly (the caller then uses open() on ioView).
   */
  openFrom(seq: number, src: Uint8Array, pos: number, packetLen: number): Uint8Array | false | null;
}

function directOpener(c: PacketCipher): DirectOpenCipher | null {
  return typeof (c as Partial<DirectOpenCipher>).openFrom === 'function' ? (c as DirectOpenCipher) : null;
}

/** The receiving half of the binary packet protocol. */
export class PacketOpener {
  /** Sequence number of the next packet (uint32, wraps). */
  seq = 0;
  /** Bytes and packets received since the last key exchange. */
  bytes = 0;
  packets = 0;
  private cipher: PacketCipher | null = null;
  private direct: DirectOpenCipher | null = null;
  private pend: Uint8Array = new Uint8Array(0);
  private pendStart = 0;
  private pendEnd = 0;
  /** The current packet's total length (4 + packet_length) once its first block was read, and that block as decryptLength left it (firstLen bytes of `first`, kept from packet to packet). */
  private total = -1;
  private first = new Uint8Array(16);
  private firstLen = 0;
  /** What open() says about the packet it returned the payload of (fields, not a new object per packet). */
  private openedSeq = 0;
  private openedConsumed = 0;
  private openedLent = false;
  /**
   * Hand CHANNEL_DATA payloads out as views of the cipher's IO buffer instead of copies (the
   * receiver copies what it keeps). Saves an allocation and a copy of every byte received on the
   * bulk path. The view dies when the next packet is opened or anything is sealed (the IO buffer
   * is shared with the sending side), so the transport and the channel layer use it before either.
   */
  lendChannelData = false;

  /** Installs the cipher for packets after NEWKEYS; disposes the old one. */
  setCipher(c: PacketCipher): void {
    if (this.total >= 0) throw new ProtocolError('internal: cipher change in the middle of a packet');
    if (c.ioView.length < MAX_PACKET_SIZE + c.macLength) {
      throw new RangeError(`${c.name}: kernel IO buffer of ${c.ioView.length} bytes cannot hold a ${MAX_PACKET_SIZE}-byte packet`);
    }
    this.cipher?.dispose();
    this.cipher = c;
    this.direct = directOpener(c);
  }

  /** Bytes received and not yet turned into packets. */
  get buffered(): number {
    return this.pendEnd - this.pendStart;
  }

  /** Keeps bytes for later without opening anything (while the transport is paused). */
  push(chunk: Uint8Array): void {
    this.append(chunk);
  }

  /** Takes bytes in any split and calls `onPacket` for each complete packet, in order. */
  feed(chunk: Uint8Array, onPacket: PacketHandler): void {
    let off = 0;
    // Bytes from earlier chunks are waiting: complete their packets in pend, taking from the chunk
    // only what each needs, so that once pend is empty the rest of the chunk is read where it
    // lies (at bulk rates most packets straddle two socket chunks; copying whole chunks into pend
    // cost a pass over every byte received).
    while (this.pendEnd > this.pendStart) {
      const have = this.pendEnd - this.pendStart;
      const need = this.needed();
      if (have < need) {
        const n = Math.min(need - have, chunk.length - off);
        if (n === 0) return;
        this.append(chunk.subarray(off, off + n));
        off += n;
        if (have + n < need) return;
      }
      let payload: Uint8Array | undefined;
      try {
        payload = this.open(this.pend, this.pendStart, this.pendEnd);
      } catch (e) {
        this.append(chunk.subarray(off));
        throw e;
      }
      if (payload === undefined) continue; // the length is known now: top up to the whole packet
      this.pendStart += this.openedConsumed;
      if (this.pendStart === this.pendEnd) this.pendStart = this.pendEnd = 0;
      if (!onPacket(payload, this.openedSeq, this.openedLent)) {
        this.append(chunk.subarray(off));
        return;
      }
    }
    let pos = off;
    const end = chunk.length;
    try {
      while (pos < end) {
        const payload = this.open(chunk, pos, end);
        if (payload === undefined) break;
        pos += this.openedConsumed;
        if (!onPacket(payload, this.openedSeq, this.openedLent)) break;
      }
    } finally {
      if (pos < end) this.append(chunk.subarray(pos, end));
    }
  }

  /** Bytes pend must hold before its next packet can be opened (or, before that, its length read). */
  private needed(): number {
    if (this.total >= 0) return this.total + (this.cipher ? this.cipher.macLength : 0);
    return this.cipher ? this.cipher.firstBlockLength : 4;
  }

  private append(b: Uint8Array): void {
    if (b.length === 0) return;
    const have = this.pendEnd - this.pendStart;
    if (this.pendEnd + b.length > this.pend.length) {
      if (have + b.length <= this.pend.length && this.pendStart > 0) {
        this.pend.copyWithin(0, this.pendStart, this.pendEnd);
      } else {
        const next = new Uint8Array(Math.max(have + b.length, 2 * this.pend.length, 4096));
        next.set(this.pend.subarray(this.pendStart, this.pendEnd));
        this.pend = next;
      }
      this.pendStart = 0;
      this.pendEnd = have;
    }
    this.pend.set(b, this.pendEnd);
    this.pendEnd += b.length;
  }

  /**
   * Opens one packet from src[pos, end) if it is complete: its payload, with its sequence number,
   * the bytes it took and whether the payload is lent in openedSeq / openedConsumed / openedLent.
   */
  private open(src: Uint8Array, pos: number, end: number): Uint8Array | undefined {
    const c = this.cipher;
    const avail = end - pos;
    if (this.total < 0) {
      const firstLen = c ? c.firstBlockLength : 4;
      if (avail < firstLen) return undefined;
      let packetLength: number;
      if (c) {
        const io = c.ioView;
        for (let i = 0; i < firstLen; i++) io[i] = src[pos + i];
        packetLength = c.decryptLength(this.seq) >>> 0;
        if (this.first.length < firstLen) this.first = new Uint8Array(firstLen);
        const first = this.first;
        for (let i = 0; i < firstLen; i++) first[i] = io[i];
        this.firstLen = firstLen;
      } else {
        packetLength = ((src[pos] << 24) | (src[pos + 1] << 16) | (src[pos + 2] << 8) | src[pos + 3]) >>> 0;
      }
      this.total = checkLength(packetLength, c);
    }
    const mac = c ? c.macLength : 0;
    const total = this.total;
    if (avail < total + mac) return undefined;
    let plain: Uint8Array;
    let at: number;
    const d = this.direct;
    if (d) {
      const r = d.openFrom(this.seq, src, pos, total);
      if (r === false) throw new ProtocolError('message authentication code incorrect', DisconnectReason.MAC_ERROR);
      if (r !== null) return this.opened(r, 0, total, mac, false);
    }
    if (c) {
      const n = this.firstLen;
      const io = c.ioView, first = this.first;
      for (let i = 0; i < n; i++) io[i] = first[i];
      io.set(src.subarray(pos + n, pos + total + mac), n);
      if (!c.open(this.seq, total)) throw new ProtocolError('message authentication code incorrect', DisconnectReason.MAC_ERROR);
      plain = c.ioView;
      at = 0;
    } else {
      plain = src;
      at = pos;
    }
    return this.opened(plain, at + 4, total, mac, true);
  }

  /**
   * The packet whose plaintext from padding_length on is at plain[at, ...): its payload, and the
   * counters moved on. `shared`: plain is the cipher's buffer (or the receive buffer), so the
   * payload is copied unless it may be lent; otherwise plain is ours and the payload a view of it.
   */
  private opened(plain: Uint8Array, at: number, total: number, mac: number, shared: boolean): Uint8Array {
    const padding = plain[at];
    const payloadLen = total - 5 - padding;
    if (padding < MIN_PADDING) throw new ProtocolError(`packet padding of ${padding} bytes is under the minimum of ${MIN_PADDING}`);
    if (payloadLen < 1) throw new ProtocolError(`packet padding of ${padding} bytes leaves no room for a payload`);
    const lent = shared && this.lendChannelData && plain[at + 1] === CHANNEL_DATA;
    const payload = lent || !shared ? plain.subarray(at + 1, at + 1 + payloadLen) : plain.slice(at + 1, at + 1 + payloadLen);
    this.openedSeq = this.seq;
    this.openedConsumed = total + mac;
    this.openedLent = lent;
    this.seq = (this.seq + 1) >>> 0;
    this.bytes += total + mac;
    this.packets++;
    this.total = -1;
    this.first.fill(0, 0, this.firstLen);
    this.firstLen = 0;
    return payload;
  }

  /** Releases the cipher's kernel context and drops buffered bytes. */
  dispose(): void {
    this.cipher?.dispose();
    this.cipher = null;
    this.pend = new Uint8Array(0);
    this.pendStart = this.pendEnd = 0;
  }
}

/**
 * Checks a received packet_length before anything is sized by it: at most MAX_PACKET_SIZE in
 * all, at least the minimum, a whole number of blocks (russh CVE-2024-43410). Returns
 * 4 + packet_length.
 */
export function checkLength(packetLength: number, c: PacketCipher | null): number {
  const block = c ? Math.max(c.blockSize, NONE_BLOCK) : NONE_BLOCK;
  const aad = c ? padsAfterLength(c) : false;
  const total = 4 + packetLength;
  if (total > MAX_PACKET_SIZE) throw new ProtocolError(`packet length ${packetLength} exceeds the maximum of ${MAX_PACKET_SIZE - 4}`);
  const padded = aad ? packetLength : total;
  const min = aad ? Math.max(block, 1 + MIN_PADDING + 1) : Math.max(MIN_PACKET_SIZE, block);
  if (padded < min) throw new ProtocolError(`packet length ${packetLength} is under the minimum`);
  if (padded % block !== 0) throw new ProtocolError(`packet length ${packetLength} is not a multiple of the ${block}-byte block size`);
  return total;
}
