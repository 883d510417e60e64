// ChaCha20-Poly1305 wrappers over the kernel (wasm/assembly/chacha.ts):
//   - chacha20(): the ChaCha20 stream cipher, RFC 8439 §2.4 (12-byte nonce, 32-bit counter) or
//     the original variant with an 8-byte nonce and 64-bit counter (as OpenSSH uses it);
//   - poly1305(): the Poly1305 one-time authenticator, RFC 8439 §2.5;
//   - aeadChaCha20Poly1305: AEAD_CHACHA20_POLY1305, RFC 8439 §2.8;
//   - ChaChaPolyPacketCipher: chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305)
//     as a PacketCipher, one kernel call per packet.
// Inputs of any length stream through the kernel IO buffer in chunks.
import { kernel, allocContext, freeContext } from './kernel.ts';
import type { KernelContext, KernelInstance } from './kernel.ts';
import type { PacketCipher } from './packet.ts';
import { checkBytes, checkLength } from './util.ts';

interface ChaChaExports {
  chacha20_xor(keyPtr: number, noncePtr: number, nonceLen: number, ctrLo: number, ctrHi: number, ptr: number, len: number): void;
  poly1305_init(keyPtr: number): void;
  poly1305_update(ptr: number, len: number): void;
  poly1305_finish(outPtr: number): void;
  aead_init(keyPtr: number, noncePtr: number): void;
  aead_aad(ptr: number, len: number): void;
  aead_seal(ptr: number, len: number): void;
  aead_open(ptr: number, len: number): void;
  aead_tag(outPtr: number): void;
  aead_verify(tagPtr: number): number;
  chachassh_init(ctx: number, keyPtr: number): void;
  chachassh_seal(ctx: number, seq: number, ptr: number, packetLen: number): void;
  chachassh_length(ctx: number, seq: number, ptr: number): number;
  chachassh_open(ctx: number, seq: number, ptr: number, packetLen: number): number;
}

const fns = (k: KernelInstance): ChaChaExports => k.exports as unknown as ChaChaExports;

/** Bytes at the start of the IO buffer that hold a key and nonce during a one-shot call. */
const HEADER = 64;

/** Largest chunk (a multiple of 64 so the block counter stays aligned) that fits after HEADER. */
function chunkSize(k: KernelInstance): number {
  return (k.ioSize - HEADER) & ~0xffff;
}

const TWO32 = 2 ** 32;
const TWO64 = 1n << 64n;

/**
 * ChaCha20 keystream XOR (encrypts and decrypts alike). A 12-byte nonce selects RFC 8439 §2.4:
 * 32-bit block counter, 0 <= counter and counter + blocks <= 2^32. An 8-byte nonce selects the
 * original variant with a 64-bit block counter (number or bigint). Returns a new array.
 */
export function chacha20(key: Uint8Array, nonce: Uint8Array, counter: number | bigint, data: Uint8Array): Uint8Array {
  checkLength('key', key, 32);
  checkLength('nonce', nonce, 12, 8);
  checkBytes('data', data);
  const blocks = BigInt(Math.ceil(data.length / 64));
  let ctr: bigint;
  if (typeof counter === 'bigint') ctr = counter;
  else if (typeof counter === 'number' && Number.isSafeInteger(counter)) ctr = BigInt(counter);
  else throw new TypeError(`counter must be a non-negative safe integer or bigint, got ${typeof counter === 'number' ? counter : typeof counter}`);
  const limit = nonce.length === 12 ? BigInt(TWO32) : TWO64;
  if (ctr < 0n || ctr + blocks > limit) {
    throw new RangeError(
      `counter ${ctr} with ${data.length} bytes of data overflows the ${nonce.length === 12 ? 32 : 64}-bit block counter`,
    );
  }
  const k = kernel();
  const f = fns(k);
  const out = new Uint8Array(data.length);
  const chunk = chunkSize(k);
  const io = k.io;
  try {
    k.mem.set(key, io);
    k.mem.set(nonce, io + 32);
    for (let off = 0; off < data.length; off += chunk) {
      const n = Math.min(chunk, data.length - off);
      k.mem.set(data.subarray(off, off + n), io + HEADER);
      f.chacha20_xor(io, io + 32, nonce.length, Number(ctr & 0xffffffffn), Number(ctr >> 32n), io + HEADER, n);
      out.set(k.mem.subarray(io + HEADER, io + HEADER + n), off);
      ctr += BigInt(Math.ceil(n / 64));
    }
  } finally {
    k.mem.fill(0, io, io + HEADER);
  }
  return out;
}

/** Poly1305 tag (16 bytes) of msg under the 32-byte one-time key (RFC 8439 §2.5). */
export function poly1305(key: Uint8Array, msg: Uint8Array): Uint8Array {
  checkLength('key', key, 32);
  checkBytes('msg', msg);
  const k = kernel();
  const f = fns(k);
  const io = k.io;
  const chunk = chunkSize(k);
  k.mem.set(key, io);
  f.poly1305_init(io);
  k.mem.fill(0, io, io + 32);
  for (let off = 0; off < msg.length; off += chunk) {
    const n = Math.min(chunk, msg.length - off);
    k.mem.set(msg.subarray(off, off + n), io + HEADER);
    f.poly1305_update(io + HEADER, n);
  }
  f.poly1305_finish(io);
  return k.read(io, 16);
}

function aeadStart(k: KernelInstance, key: Uint8Array, nonce: Uint8Array, aad: Uint8Array): void {
  const f = fns(k);
  const io = k.io;
  k.mem.set(key, io);
  k.mem.set(nonce, io + 32);
  f.aead_init(io, io + 32);
  k.mem.fill(0, io, io + HEADER);
  const chunk = chunkSize(k);
  for (let off = 0; off < aad.length; off += chunk) {
    const n = Math.min(chunk, aad.length - off);
    k.mem.set(aad.subarray(off, off + n), io + HEADER);
    f.aead_aad(io + HEADER, n);
  }
}

function checkAead(key: unknown, nonce: unknown, aad: unknown): void {
  checkLength('key', key, 32);
  checkLength('nonce', nonce, 12);
  checkBytes('aad', aad);
}

/** Largest plaintext RFC 8439 allows under one nonce: 2^32 - 1 blocks (the 32-bit counter starts at 1). */
const MAX_TEXT = (TWO32 - 1) * 64;

/** AEAD_CHACHA20_POLY1305 (RFC 8439 §2.8): 32-byte key, 12-byte nonce, 16-byte tag appended. */
export const aeadChaCha20Poly1305 = {
  keyLength: 32,
  nonceLength: 12,
  tagLength: 16,

  /** Encrypts plaintext and authenticates it with aad; returns ciphertext || tag. */
  seal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    checkAead(key, nonce, aad);
    checkBytes('plaintext', plaintext);
    if (plaintext.length > MAX_TEXT) throw new RangeError(`plaintext must be at most ${MAX_TEXT} bytes, got ${plaintext.length}`);
    const k = kernel();
    const f = fns(k);
    const io = k.io;
    const chunk = chunkSize(k);
    const out = new Uint8Array(plaintext.length + 16);
    aeadStart(k, key, nonce, aad);
    for (let off = 0; off < plaintext.length; off += chunk) {
      const n = Math.min(chunk, plaintext.length - off);
      k.mem.set(plaintext.subarray(off, off + n), io + HEADER);
      f.aead_seal(io + HEADER, n);
      out.set(k.mem.subarray(io + HEADER, io + HEADER + n), off);
    }
    f.aead_tag(io);
    out.set(k.mem.subarray(io, io + 16), plaintext.length);
    return out;
  },

  /** Verifies and decrypts ciphertext || tag; returns the plaintext, or null when the tag does not match. */
  open(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null {
    checkAead(key, nonce, aad);
    checkBytes('sealed', sealed);
    if (sealed.length < 16) return null;
    const textLen = sealed.length - 16;
    if (textLen > MAX_TEXT) return null;
    const k = kernel();
    const f = fns(k);
    const io = k.io;
    const chunk = chunkSize(k);
    const out = new Uint8Array(textLen);
    aeadStart(k, key, nonce, aad);
    for (let off = 0; off < textLen; off += chunk) {
      const n = Math.min(chunk, textLen - off);
      k.mem.set(sealed.subarray(off, off + n), io + HEADER);
      f.aead_open(io + HEADER, n);
      out.set(k.mem.subarray(io + HEADER, io + HEADER + n), off);
    }
    k.mem.set(sealed.subarray(textLen), io);
    const ok = f.aead_verify(io) === 1;
    if (!ok) {
      out.fill(0);
      k.mem.fill(0, io + HEADER, io + HEADER + Math.min(chunk, textLen));
      return null;
    }
    return out;
  },
};

/**
 * chacha20-poly1305@openssh.com packet cipher (OpenSSH PROTOCOL.chacha20poly1305). Key: 64 bytes,
 * K_2 (payload and Poly1305 key) then K_1 (packet length). The packet_length field is
 * encrypted; the tag covers the encrypted length and payload. As in OpenSSH, packet_length
 * (packetLen - 4) must be a multiple of blockSize.
 */
export class ChaChaPolyPacketCipher implements PacketCipher {
  readonly name = 'chacha20-poly1305@openssh.com';
  readonly blockSize = 8;
  readonly macLength = 16;
  readonly lengthInClear = false;
  readonly firstBlockLength = 4;
  readonly ioView: Uint8Array;
  private ctx: KernelContext | undefined;
  private readonly f: ChaChaExports;
  private readonly io: number;
  private readonly maxPacket: number;

  /** Takes a kernel context slot and stores the 64-byte key in it. */
  constructor(key: Uint8Array) {
    checkLength('key', key, 64);
    const ctx = allocContext();
    this.ctx = ctx;
    this.f = fns(ctx.k);
    this.io = ctx.k.io;
    this.ioView = ctx.k.mem.subarray(ctx.k.io, ctx.k.io + ctx.k.ioSize);
    this.maxPacket = ctx.k.ioSize - this.macLength;
    // Stage the key in the slot itself (not the shared IO buffer, which may hold a packet).
    const staging = ctx.ptr + ctx.k.exports.ctxSlotSize() - 64;
    ctx.k.mem.set(key, staging);
    this.f.chachassh_init(ctx.ptr, staging);
    ctx.k.mem.fill(0, staging, staging + 64);
  }

  private live(): KernelContext {
    if (!this.ctx) throw new Error(`${this.name}: cipher used after dispose()`);
    return this.ctx;
  }

  private checkSeq(seq: number): void {
    if (!(Number.isInteger(seq) && seq >= 0 && seq < TWO32)) {
      throw new RangeError(`seq must be an integer in [0, 2^32), got ${seq}`);
    }
  }

  private checkPacketLen(packetLen: number): void {
    if (!Number.isInteger(packetLen) || packetLen < 4 + this.blockSize || packetLen > this.maxPacket) {
      throw new RangeError(
        `packetLen must be an integer from ${4 + this.blockSize} to ${this.maxPacket} (4 + packet_length, tag not counted), got ${packetLen}`,
      );
    }
    if ((packetLen - 4) % this.blockSize !== 0) {
      throw new RangeError(`packet_length (packetLen - 4) must be a multiple of ${this.blockSize}, got ${packetLen - 4}`);
    }
  }

  /** Seals ioView[0, packetLen) in place and appends the 16-byte tag. */
  seal(seq: number, packetLen: number): void {
    const ctx = this.live();
    this.checkSeq(seq);
    this.checkPacketLen(packetLen);
    const v = this.ioView;
    const declared = ((v[0]! << 24) | (v[1]! << 16) | (v[2]! << 8) | v[3]!) >>> 0;
    if (declared !== packetLen - 4) {
      throw new RangeError(`packet_length field says ${declared} but packetLen - 4 is ${packetLen - 4}`);
    }
    this.f.chachassh_seal(ctx.ptr, seq, this.io, packetLen);
  }

  /** Decrypts packet_length from the first 4 bytes of ioView, leaving them as they were. */
  decryptLength(seq: number): number {
    const ctx = this.live();
    this.checkSeq(seq);
    return this.f.chachassh_length(ctx.ptr, seq, this.io) >>> 0;
  }

  /** Verifies the tag, then decrypts ioView[0, packetLen) in place; false on a bad tag. */
  open(seq: number, packetLen: number): boolean {
    const ctx = this.live();
    this.checkSeq(seq);
    this.checkPacketLen(packetLen);
    return this.f.chachassh_open(ctx.ptr, seq, this.io, packetLen) === 1;
  }

  /** Wipes the key and releases the context slot. */
  dispose(): void {
    if (this.ctx) {
      freeContext(this.ctx);
      this.ctx = undefined;
    }
  }
}
