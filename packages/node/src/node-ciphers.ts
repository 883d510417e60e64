// aes128-gcm@openssh.com / aes256-gcm@openssh.com (RFC 5647) packet ciphers that use OpenSSL
// through node:crypto, for Node (and Bun), behind the kernel's PacketCipher interface
// (wasm/src/packet.ts). DESIGN.md "The kernel and the hot path": the registry may pick a
// runtime's faster implementation of one algorithm where a benchmark in bench/ shows it faster.
// bench/node-ciphers.bench.mjs measured OpenSSL (AES-NI + PCLMUL) several times faster than the
// kernel on 32 KiB packets but several times slower on small ones, because node:crypto needs a
// fresh cipher object per packet (a new IV) and that setup costs more than the kernel's whole
// seal of a small packet. So the cipher used by default, HybridAesGcmPacketCipher, sends each
// packet to whichever is faster for its size; NodeAesGcmPacketCipher is node:crypto alone.
// Both also offer the transport's direct paths (core transport/packets.ts DirectOpenCipher and
// DirectSealCipher): node:crypto reads a received packet where it lies and its plaintext buffer
// becomes the payload, and a sealed packet goes straight to the output block, so the bulk path
// skips copying each packet into ioView and back (sftp.bench.mjs: copies per byte showed in
// client CPU at 32 KiB packets). sealTo wipes the plaintext it sealed from ioView, so none of
// it outlives its packet in the cipher's buffer (the last packet of a burst would otherwise stay
// there until the next one overwrote it); a 32 KiB fill costs ~1 us next to ~25 us of sealing.
// Sealing the payload from where it lies instead (three update() calls: head, body, padding)
// measured slower than copying it into ioView once: each update() allocates its output.
//
// Packet layout (RFC 5647 §7.3, as the kernel's AesGcmPacketCipher): packet_length (4 bytes) in
// clear as the AAD, the rest of the packet encrypted, a 16-byte tag after it. IV = 4-byte fixed
// field || 8-byte big-endian invocation counter, incremented after every packet (mod 2^64); the
// sequence number is not used. A failed open leaves the counter where it was and the packet's
// ciphertext as it was (no unauthenticated plaintext is written).
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import { AesGcmPacketCipher, type PacketCipher } from '@seashell/kernel';

const TAG_LENGTH = 16;
/** IO buffer size for NodeAesGcmPacketCipher: the kernel's (320 KiB), above any SSH packet we accept. */
const IO_SIZE = 320 * 1024;
/**
 * Packets with at least this many bytes (4 + packet_length) go to node:crypto in the hybrid; smaller
 * ones to the kernel. From bench/node-ciphers.bench.mjs: see the README there for the crossover.
 */
export const HYBRID_GCM_THRESHOLD = 2048;
/** The same options object for every cipher and decipher (one allocation less per packet). */
const GCM_OPTIONS = Object.freeze({ authTagLength: TAG_LENGTH });
/**
 * The hybrid moves its kernel's invocation counter on lazily (see HybridAesGcmPacketCipher): when
 * more than this many packets went through node:crypto since the kernel's last packet, it gets a
 * fresh key schedule at the current IV instead of that many empty seals.
 */
const KERNEL_CATCH_UP_LOOP = 32;

function checkKeyIv(key: unknown, iv: unknown): asserts key is Uint8Array {
  if (!(key instanceof Uint8Array) || (key.length !== 16 && key.length !== 32)) {
    throw new RangeError(`key must be a Uint8Array of 16 or 32 bytes, got ${key instanceof Uint8Array ? `${key.length} bytes` : typeof key}`);
  }
  if (!(iv instanceof Uint8Array) || iv.length !== 12) {
    throw new RangeError(`iv must be a Uint8Array of 12 bytes, got ${iv instanceof Uint8Array ? `${iv.length} bytes` : typeof iv}`);
  }
}

function wireName(key: Uint8Array): string {
  return key.length === 16 ? 'aes128-gcm@openssh.com' : 'aes256-gcm@openssh.com';
}

/** The node:crypto side: keys, the IV with its invocation counter, and one-packet seal / open on any buffer. */
class OpenSslGcm {
  private readonly key: Buffer;
  /**
   * The same key as a KeyObject for every cipher and decipher: node:crypto then takes it as it is
   * instead of importing key bytes for each packet (3-6% less CPU per 32 KiB packet). Its copy
   * lives inside node:crypto, which clears it when the object is collected; wipe() drops it.
   */
  private keyObject: KeyObject | undefined;
  private readonly iv: Buffer;
  private readonly alg: 'aes-128-gcm' | 'aes-256-gcm';
  /** A received packet's AAD (packet_length) and tag, copied here for setAAD / setAuthTag (no views made per packet). */
  private readonly aad = Buffer.alloc(4);
  private readonly tag = Buffer.alloc(TAG_LENGTH);

  constructor(key: Uint8Array, iv: Uint8Array) {
    this.key = Buffer.from(key);
    this.keyObject = createSecretKey(this.key);
    this.iv = Buffer.from(iv);
    this.alg = key.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm';
  }

  /** The key bytes and current IV (invocation counter included), for re-keying the hybrid's kernel side. */
  keyAndIv(): { key: Uint8Array; iv: Uint8Array } {
    return { key: this.key, iv: this.iv };
  }

  /**
   * Encrypts io[4, packetLen) with io[0, 4) as the AAD at the current IV: the ciphertext (one
   * piece, or two if final() returns any) and the tag. The counter is not moved.
   */
  private encrypt(io: Uint8Array, packetLen: number): [ct: Buffer, rest: Buffer, tag: Buffer] {
    const c = createCipheriv(this.alg, this.keyObject!, this.iv, GCM_OPTIONS);
    c.setAAD(io.subarray(0, 4));
    const ct = c.update(io.subarray(4, packetLen));
    const rest = c.final();
    return [ct, rest, c.getAuthTag()];
  }

  /**
   * Decrypts the packet at src[pos, pos + packetLen + 16) and checks its tag: the plaintext of
   * src[pos + 4, pos + packetLen) (one piece, or two if final() returns any), or null, with the
   * plaintext wiped, on a bad tag. The counter is not moved.
   */
  private decrypt(src: Uint8Array, pos: number, packetLen: number): [pt: Buffer, rest: Buffer] | null {
    const aad = this.aad, tag = this.tag;
    aad[0] = src[pos];
    aad[1] = src[pos + 1];
    aad[2] = src[pos + 2];
    aad[3] = src[pos + 3];
    for (let i = 0, t = pos + packetLen; i < TAG_LENGTH; i++) tag[i] = src[t + i];
    const d = createDecipheriv(this.alg, this.keyObject!, this.iv, GCM_OPTIONS);
    d.setAAD(aad);
    d.setAuthTag(tag);
    const pt = d.update(src.subarray(pos + 4, pos + packetLen));
    try {
      return [pt, d.final()];
    } catch {
      pt.fill(0);
      return null;
    }
  }

  /** Seals io[0, packetLen) in place, writes the tag at io[packetLen], advances the counter. */
  seal(io: Uint8Array, packetLen: number): void {
    this.sealTo(io, packetLen, io, 0);
  }

  /** Verifies io[packetLen, +16) and decrypts io[4, packetLen) in place; false (io untouched) on a bad tag. */
  open(io: Uint8Array, packetLen: number): boolean {
    const r = this.decrypt(io, 0, packetLen);
    if (r === null) return false;
    const [pt, rest] = r;
    io.set(pt, 4);
    if (rest.length) io.set(rest, 4 + pt.length);
    pt.fill(0);
    this.advance();
    return true;
  }

  /**
   * Seals io[0, packetLen) into dst[at, at + packetLen + 16) and advances the counter. When dst is
   * not io, io[4, packetLen) is wiped afterwards, so no plaintext stays there.
   */
  sealTo(io: Uint8Array, packetLen: number, dst: Uint8Array, at: number): void {
    const [ct, rest, tag] = this.encrypt(io, packetLen);
    if (dst !== io) {
      dst.set(io.subarray(0, 4), at);
      io.fill(0, 4, packetLen);
    }
    dst.set(ct, at + 4);
    if (rest.length) dst.set(rest, at + 4 + ct.length);
    dst.set(tag, at + packetLen);
    this.advance();
  }

  /**
   * Opens the packet at src[pos, pos + packetLen + 16) without writing to src: the plaintext of
   * src[pos + 4, pos + packetLen) in a new buffer, released only once the tag has been checked;
   * false (the plaintext wiped, the counter unmoved) on a bad tag.
   */
  openFrom(src: Uint8Array, pos: number, packetLen: number): Buffer | false {
    const r = this.decrypt(src, pos, packetLen);
    if (r === null) return false;
    this.advance();
    return r[1].length ? Buffer.concat(r) : r[0];
  }

  /** Increments the 64-bit big-endian invocation counter in iv[4, 12), wrapping. */
  advance(): void {
    const iv = this.iv;
    for (let i = 11; i >= 4; i--) {
      iv[i] = (iv[i] + 1) & 0xff;
      if (iv[i] !== 0) break;
    }
  }

  wipe(): void {
    this.key.fill(0);
    this.iv.fill(0);
    this.aad.fill(0);
    this.tag.fill(0);
    this.keyObject = undefined;
  }
}

function checkLen(name: string, packetLen: number, max: number): number {
  if (!Number.isInteger(packetLen) || packetLen < 4 || packetLen > max) {
    throw new RangeError(`${name}: packetLen must be an integer from 4 to ${max}, got ${packetLen}`);
  }
  return packetLen;
}

function checkSource(name: string, src: unknown, pos: number, packetLen: number): void {
  if (!(src instanceof Uint8Array)) throw new TypeError(`${name}: src must be a Uint8Array`);
  if (!Number.isInteger(pos) || pos < 0 || pos + packetLen + TAG_LENGTH > src.length) {
    throw new RangeError(`${name}: the packet at ${pos} (${packetLen} + ${TAG_LENGTH} bytes) is not inside src (${src.length} bytes)`);
  }
}

function checkTarget(name: string, dst: unknown, at: number, packetLen: number): void {
  if (!(dst instanceof Uint8Array)) throw new TypeError(`${name}: dst must be a Uint8Array`);
  if (!Number.isInteger(at) || at < 0 || at + packetLen + TAG_LENGTH > dst.length) {
    throw new RangeError(`${name}: ${packetLen} + ${TAG_LENGTH} bytes at ${at} do not fit in dst (${dst.length} bytes)`);
  }
}

function readLength(v: Uint8Array): number {
  return ((v[0] << 24) | (v[1] << 16) | (v[2] << 8) | v[3]) >>> 0;
}

/** aes*-gcm@openssh.com on node:crypto alone; ioView is its own buffer. */
export class NodeAesGcmPacketCipher implements PacketCipher {
  readonly name: string;
  readonly blockSize = 16;
  readonly macLength = TAG_LENGTH;
  readonly lengthInClear = true;
  readonly firstBlockLength = 4;
  readonly ioView: Uint8Array;
  private gcm: OpenSslGcm | undefined;

  /** key: 16 bytes (aes128-gcm) or 32 bytes (aes256-gcm); iv: the 12-byte initial IV. */
  constructor(key: Uint8Array, iv: Uint8Array) {
    checkKeyIv(key, iv);
    this.name = wireName(key);
    this.gcm = new OpenSslGcm(key, iv);
    this.ioView = new Uint8Array(IO_SIZE);
  }

  seal(_seq: number, packetLen: number): void {
    this.live().seal(this.ioView, checkLen(this.name, packetLen, IO_SIZE - TAG_LENGTH));
  }

  decryptLength(_seq: number): number {
    this.live();
    return readLength(this.ioView);
  }

  open(_seq: number, packetLen: number): boolean {
    return this.live().open(this.ioView, checkLen(this.name, packetLen, IO_SIZE - TAG_LENGTH));
  }

  /** DirectSealCipher (core's transport/packets.ts): the sealed packet written to dst[at, ...). */
  sealTo(_seq: number, packetLen: number, dst: Uint8Array, at: number): boolean {
    checkLen(this.name, packetLen, IO_SIZE - TAG_LENGTH);
    checkTarget(this.name, dst, at, packetLen);
    this.live().sealTo(this.ioView, packetLen, dst, at);
    return true;
  }

  /** DirectOpenCipher (core's transport/packets.ts): the packet read where it lies, the plaintext in a new buffer. */
  openFrom(_seq: number, src: Uint8Array, pos: number, packetLen: number): Uint8Array | false {
    checkLen(this.name, packetLen, IO_SIZE - TAG_LENGTH);
    checkSource(this.name, src, pos, packetLen);
    return this.live().openFrom(src, pos, packetLen);
  }

  dispose(): void {
    this.gcm?.wipe();
    this.gcm = undefined;
    this.ioView.fill(0);
  }

  private live(): OpenSslGcm {
    if (!this.gcm) throw new Error(`${this.name}: used after dispose()`);
    return this.gcm;
  }
}

/**
 * aes*-gcm@openssh.com with each packet on the faster side: packets of at least `threshold` bytes
 * (4 + packet_length) through node:crypto, smaller ones through the kernel's fused seal / open.
 * ioView is the kernel cipher's IO buffer (node:crypto reads and writes it in place), so small
 * packets cost nothing extra. The two sides keep separate invocation counters. The kernel's is
 * moved on lazily: packets node:crypto handled are counted (`kernelBehind`), and before the kernel
 * next seals or opens, it catches up, either by sealing that many empty packets (4 bytes, no text:
 * one AES block for the tag mask and two GHASH blocks, with the 20 bytes of IO buffer that
 * overwrites saved and put back), or, past KERNEL_CATCH_UP_LOOP packets, with a new kernel context
 * keyed at node:crypto's IV (same kernel instance, so the same IO buffer). A bulk transfer's big
 * packets then cost the kernel nothing.
 */
export class HybridAesGcmPacketCipher implements PacketCipher {
  readonly name: string;
  readonly blockSize = 16;
  readonly macLength = TAG_LENGTH;
  readonly lengthInClear = true;
  readonly firstBlockLength = 4;
  readonly ioView: Uint8Array;
  private kernel: AesGcmPacketCipher | undefined;
  private gcm: OpenSslGcm | undefined;
  private readonly threshold: number;
  private readonly maxPacket: number;
  private readonly saved = new Uint8Array(4 + TAG_LENGTH);
  /** Packets node:crypto handled since the kernel's counter was last brought level with it. */
  private kernelBehind = 0;

  /** key: 16 or 32 bytes; iv: the 12-byte initial IV; threshold: smallest packet sent to node:crypto. */
  constructor(key: Uint8Array, iv: Uint8Array, threshold = HYBRID_GCM_THRESHOLD) {
    checkKeyIv(key, iv);
    if (!Number.isInteger(threshold) || threshold < 4) throw new RangeError(`threshold must be an integer of at least 4, got ${threshold}`);
    this.name = wireName(key);
    this.kernel = new AesGcmPacketCipher(key, iv);
    this.gcm = new OpenSslGcm(key, iv);
    this.ioView = this.kernel.ioView;
    this.threshold = threshold;
    this.maxPacket = this.ioView.length - TAG_LENGTH;
  }

  seal(seq: number, packetLen: number): void {
    this.live();
    checkLen(this.name, packetLen, this.maxPacket);
    if (packetLen < this.threshold) {
      this.levelKernel().seal(seq, packetLen);
      this.gcm!.advance();
      return;
    }
    this.gcm!.seal(this.ioView, packetLen);
    this.kernelBehind++;
  }

  decryptLength(_seq: number): number {
    this.live();
    return readLength(this.ioView);
  }

  open(seq: number, packetLen: number): boolean {
    this.live();
    checkLen(this.name, packetLen, this.maxPacket);
    if (packetLen < this.threshold) {
      if (!this.levelKernel().open(seq, packetLen)) return false;
      this.gcm!.advance();
      return true;
    }
    if (!this.gcm!.open(this.ioView, packetLen)) return false;
    this.kernelBehind++;
    return true;
  }

  /**
   * DirectSealCipher (core's transport/packets.ts): a packet node:crypto seals is written straight
   * to dst (no copy back into ioView); false for a small one, which the caller seals with seal().
   */
  sealTo(_seq: number, packetLen: number, dst: Uint8Array, at: number): boolean {
    this.live();
    checkLen(this.name, packetLen, this.maxPacket);
    if (packetLen < this.threshold) return false;
    checkTarget(this.name, dst, at, packetLen);
    this.gcm!.sealTo(this.ioView, packetLen, dst, at);
    this.kernelBehind++;
    return true;
  }

  /**
   * DirectOpenCipher (core's transport/packets.ts): a packet node:crypto opens is read where it
   * lies and its plaintext comes back in node:crypto's new buffer (no copy into ioView and back);
   * null for a small one, which the caller opens in ioView with open().
   */
  openFrom(_seq: number, src: Uint8Array, pos: number, packetLen: number): Uint8Array | false | null {
    this.live();
    checkLen(this.name, packetLen, this.maxPacket);
    if (packetLen < this.threshold) return null;
    checkSource(this.name, src, pos, packetLen);
    const pt = this.gcm!.openFrom(src, pos, packetLen);
    if (pt === false) return false;
    this.kernelBehind++;
    return pt;
  }

  dispose(): void {
    this.kernel?.dispose();
    this.gcm?.wipe();
    this.kernel = undefined;
    this.gcm = undefined;
  }

  /**
   * The kernel cipher with its invocation counter level with node:crypto's, for a packet it is
   * about to seal or open (ioView holds that packet, so it is left as it is).
   */
  private levelKernel(): AesGcmPacketCipher {
    let k = this.kernel!;
    const behind = this.kernelBehind;
    if (behind === 0) return k;
    this.kernelBehind = 0;
    if (behind > KERNEL_CATCH_UP_LOOP) {
      const { key, iv } = this.gcm!.keyAndIv();
      const fresh = new AesGcmPacketCipher(key, iv);
      const a = fresh.ioView, b = this.ioView;
      // the same kernel instance has the same IO buffer; if not (every context slot taken), step
      if (a.buffer === b.buffer && a.byteOffset === b.byteOffset && a.length === b.length) {
        k.dispose();
        this.kernel = k = fresh;
        return k;
      }
      fresh.dispose();
    }
    const io = this.ioView;
    this.saved.set(io.subarray(0, this.saved.length));
    for (let i = 0; i < behind; i++) k.seal(0, 4);
    io.set(this.saved, 0);
    this.saved.fill(0);
    return k;
  }

  private live(): AesGcmPacketCipher {
    if (!this.kernel) throw new Error(`${this.name}: used after dispose()`);
    return this.kernel;
  }
}
