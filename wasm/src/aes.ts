// AES family wrappers over the kernel (wasm/assembly/aes.ts): AES-CTR (NIST SP 800-38A 6.5;
// the 16-byte counter block is one big-endian integer, as SSH's aes*-ctr use it, RFC 4344 4),
// AES-GCM (NIST SP 800-38D) and the aes128-gcm@openssh.com / aes256-gcm@openssh.com packet
// cipher (RFC 5647). The AES inside is bitsliced and table-free, GHASH uses integer multiplies
// with holes: neither indexes memory with secret data (see the kernel files' headers).
import { allocContext, freeContext, type KernelContext, type KernelInstance } from './kernel.ts';
import type { PacketCipher } from './packet.ts';
import { checkBytes, checkLength } from './util.ts';

/** The kernel exports this family uses. */
interface AesExports {
  aes_ctr_init(ctx: number, keyPtr: number, keyLen: number, ivPtr: number): void;
  aes_ctr_xor(ctx: number, ptr: number, len: number): void;
  aes_init(ctx: number, keyPtr: number, keyLen: number): number;
  aes_encrypt_blocks(ctx: number, ptr: number, nblocks: number): void;
  gcm_key(ctx: number, keyPtr: number, keyLen: number): number;
  gcm_start(ctx: number, ivPtr: number, ivLen: number): number;
  gcm_aad(ctx: number, ptr: number, len: number): void;
  gcm_encrypt(ctx: number, ptr: number, len: number): void;
  gcm_decrypt(ctx: number, ptr: number, len: number): void;
  gcm_finish(ctx: number, tagPtr: number): void;
  gcm_verify(ctx: number, tagPtr: number): number;
  gcm_init(ctx: number, keyPtr: number, keyLen: number, ivPtr: number): number;
  gcm_seal(ctx: number, ptr: number, packetLen: number): void;
  gcm_open(ctx: number, ptr: number, packetLen: number): number;
}

const TAG_LENGTH = 16;

function ex(k: KernelInstance): AesExports {
  return k.exports as unknown as AesExports;
}

/** Largest chunk streamed through the IO buffer at once: a multiple of 128 (8 AES blocks). */
function chunkSize(k: KernelInstance): number {
  return Math.floor(k.ioSize / 128) * 128;
}

/**
 * Where init arguments (key, IV) are staged: inside the context slot itself, past everything
 * the kernel keeps there (GCM state ends at 3432), so the shared IO buffer is never touched.
 */
const STAGING_OFFSET = 3584;

/** Copies keys/IVs into the context's staging area, runs init, then wipes the staging area. */
function withArgsInSlot<T>(c: KernelContext, parts: Uint8Array[], init: (ptrs: number[]) => T): T {
  const ptrs: number[] = [];
  let at = c.ptr + STAGING_OFFSET;
  for (const p of parts) {
    c.k.mem.set(p, at);
    ptrs.push(at);
    at += (p.length + 15) & ~15;
  }
  try {
    return init(ptrs);
  } finally {
    c.k.mem.fill(0, c.ptr + STAGING_OFFSET, at);
  }
}

/** Runs fn with a freshly keyed context, always wiping and releasing it afterwards. */
function withContext<T>(fn: (c: KernelContext) => T): T {
  const c = allocContext();
  try {
    return fn(c);
  } finally {
    freeContext(c);
  }
}

/** Streams non-empty data through op in IO-buffer-sized chunks, copying the results to out. */
function streamInPlace(k: KernelInstance, data: Uint8Array, out: Uint8Array | undefined, op: (ptr: number, len: number) => void): void {
  const step = chunkSize(k);
  for (let off = 0; off < data.length; off += step) {
    const n = Math.min(step, data.length - off);
    k.mem.set(data.subarray(off, off + n), k.io);
    op(k.io, n);
    if (out) out.set(k.mem.subarray(k.io, k.io + n), off);
  }
  k.mem.fill(0, k.io, k.io + Math.min(step, data.length));
}

function checkGcmArgs(key: unknown, iv: unknown, aad: unknown): void {
  checkLength('key', key, 16, 24, 32);
  const v = checkBytes('iv', iv);
  if (v.length === 0) throw new RangeError('iv must be at least 1 byte (12 recommended), got 0');
  checkBytes('aad', aad);
}

function gcmStart(k: KernelInstance, c: KernelContext, key: Uint8Array, iv: Uint8Array): void {
  const e = ex(k);
  withArgsInSlot(c, [key], ([kp]) => e.gcm_key(c.ptr, kp, key.length));
  // The IV may be longer than one block; it is not secret, but it goes through the IO buffer.
  const step = chunkSize(k);
  if (iv.length > step) throw new RangeError(`iv must be at most ${step} bytes, got ${iv.length}`);
  k.writeIo(iv);
  if (!e.gcm_start(c.ptr, k.io, iv.length)) throw new RangeError('iv must not be empty');
}

/**
 * AES-GCM (NIST SP 800-38D) with 16-byte tags. Keys are 16, 24 or 32 bytes; the IV should be
 * 12 bytes (other non-empty lengths are accepted and turned into J0 with GHASH, 7.1 step 2).
 */
export const aesGcm = {
  /** Encrypts plaintext and authenticates it with aad; returns ciphertext || 16-byte tag. */
  seal(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    checkGcmArgs(key, iv, aad);
    checkBytes('plaintext', plaintext);
    return withContext((c) => {
      const k = c.k;
      const e = ex(k);
      gcmStart(k, c, key, iv);
      if (aad.length) streamInPlace(k, aad, undefined, (p, n) => e.gcm_aad(c.ptr, p, n));
      const out = new Uint8Array(plaintext.length + TAG_LENGTH);
      if (plaintext.length) streamInPlace(k, plaintext, out, (p, n) => e.gcm_encrypt(c.ptr, p, n));
      e.gcm_finish(c.ptr, k.io);
      out.set(k.mem.subarray(k.io, k.io + TAG_LENGTH), plaintext.length);
      k.mem.fill(0, k.io, k.io + TAG_LENGTH);
      return out;
    });
  },

  /** Verifies and decrypts ciphertext || tag; returns the plaintext, or null if authentication fails. */
  open(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null {
    checkGcmArgs(key, iv, aad);
    checkBytes('sealed', sealed);
    if (sealed.length < TAG_LENGTH) {
      throw new RangeError(`sealed must be at least ${TAG_LENGTH} bytes (ciphertext || tag), got ${sealed.length}`);
    }
    return withContext((c) => {
      const k = c.k;
      const e = ex(k);
      gcmStart(k, c, key, iv);
      if (aad.length) streamInPlace(k, aad, undefined, (p, n) => e.gcm_aad(c.ptr, p, n));
      const ctLen = sealed.length - TAG_LENGTH;
      const out = new Uint8Array(ctLen);
      if (ctLen) streamInPlace(k, sealed.subarray(0, ctLen), out, (p, n) => e.gcm_decrypt(c.ptr, p, n));
      k.writeIo(sealed.subarray(ctLen));
      const ok = e.gcm_verify(c.ptr, k.io) === 1;
      k.mem.fill(0, k.io, k.io + TAG_LENGTH);
      if (!ok) {
        out.fill(0);
        return null;
      }
      return out;
    });
  },
};

/**
 * AES-CTR: data XOR the keystream from the 16-byte initial counter block iv, the whole block
 * incremented as a 128-bit big-endian integer (wrapping). Keys are 16, 24 or 32 bytes.
 */
export function aesCtr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  checkLength('key', key, 16, 24, 32);
  checkLength('iv', iv, 16);
  checkBytes('data', data);
  return withContext((c) => {
    const k = c.k;
    const e = ex(k);
    withArgsInSlot(c, [key, iv], ([kp, ip]) => e.aes_ctr_init(c.ptr, kp, key.length, ip));
    const out = new Uint8Array(data.length);
    if (data.length) streamInPlace(k, data, out, (p, n) => e.aes_ctr_xor(c.ptr, p, n));
    return out;
  });
}

/** FIPS-197 forward cipher on whole 16-byte blocks (ECB); for known-answer tests of the core. */
export function aesEncryptBlocks(key: Uint8Array, blocks: Uint8Array): Uint8Array {
  checkLength('key', key, 16, 24, 32);
  checkBytes('blocks', blocks);
  if (blocks.length % 16) throw new RangeError(`blocks must be a multiple of 16 bytes, got ${blocks.length}`);
  return withContext((c) => {
    const k = c.k;
    const e = ex(k);
    withArgsInSlot(c, [key], ([kp]) => e.aes_init(c.ptr, kp, key.length));
    const out = new Uint8Array(blocks.length);
    streamInPlace(k, blocks, out, (p, n) => e.aes_encrypt_blocks(c.ptr, p, n / 16));
    return out;
  });
}

/**
 * A continuing AES-CTR keystream (SSH aes128-ctr / aes192-ctr / aes256-ctr, RFC 4344): the
 * counter and any partly used keystream block carry over between xor() calls.
 */
export class AesCtrStream {
  private ctx: KernelContext | undefined;

  /** key: 16, 24 or 32 bytes; iv: the 16-byte initial counter block. */
  constructor(key: Uint8Array, iv: Uint8Array) {
    checkLength('key', key, 16, 24, 32);
    checkLength('iv', iv, 16);
    const c = allocContext();
    withArgsInSlot(c, [key, iv], ([kp, ip]) => ex(c.k).aes_ctr_init(c.ptr, kp, key.length, ip));
    this.ctx = c;
  }

  /** Returns data XOR the next data.length keystream bytes. */
  xor(data: Uint8Array): Uint8Array {
    checkBytes('data', data);
    const c = this.live();
    const out = new Uint8Array(data.length);
    if (data.length) streamInPlace(c.k, data, out, (p, n) => ex(c.k).aes_ctr_xor(c.ptr, p, n));
    return out;
  }

  /** Wipes the key schedule and counter and releases the kernel context. */
  dispose(): void {
    if (this.ctx) freeContext(this.ctx);
    this.ctx = undefined;
  }

  private live(): KernelContext {
    if (!this.ctx) throw new Error('AesCtrStream: used after dispose()');
    return this.ctx;
  }
}

/**
 * aes128-gcm@openssh.com / aes256-gcm@openssh.com (RFC 5647) over the kernel's fused packet
 * operations. The 4-byte packet length travels in clear as the AAD; the rest of the packet is
 * encrypted; the 16-byte tag follows. The IV is the 12 bytes from key derivation: a 4-byte fixed
 * field and an 8-byte big-endian invocation counter that the kernel increments after every
 * packet (mod 2^64), so the seq argument is not used. A failed open leaves the invocation counter
 * where it was and zeroes the decrypted bytes (the connection must be closed anyway).
 */
export class AesGcmPacketCipher implements PacketCipher {
  /** 'aes128-gcm@openssh.com' or 'aes256-gcm@openssh.com', from the key length. */
  readonly name: string;
  /** Padding granularity (the AES block). */
  readonly blockSize = 16;
  /** The GCM tag length. */
  readonly macLength = TAG_LENGTH;
  /** packet_length is the AAD, sent unencrypted. */
  readonly lengthInClear = true;
  /** Only the 4-byte length is needed to know the packet's size. */
  readonly firstBlockLength = 4;
  /** This cipher's kernel IO buffer. */
  readonly ioView: Uint8Array;
  private ctx: KernelContext | undefined;
  private readonly e: AesExports;
  private readonly io: number;
  private readonly maxPacket: number;

  /** key: 16 bytes (aes128-gcm) or 32 bytes (aes256-gcm); iv: the 12-byte initial IV. */
  constructor(key: Uint8Array, iv: Uint8Array) {
    checkLength('key', key, 16, 32);
    checkLength('iv', iv, 12);
    const c = allocContext();
    this.e = ex(c.k);
    withArgsInSlot(c, [key, iv], ([kp, ip]) => this.e.gcm_init(c.ptr, kp, key.length, ip));
    this.ctx = c;
    this.name = key.length === 16 ? 'aes128-gcm@openssh.com' : 'aes256-gcm@openssh.com';
    this.io = c.k.io;
    this.ioView = c.k.mem.subarray(c.k.io, c.k.io + c.k.ioSize);
    this.maxPacket = c.k.ioSize - TAG_LENGTH;
  }

  /** Encrypts io[4, packetLen) in place with io[0, 4) as AAD and writes the tag at io[packetLen]. */
  seal(_seq: number, packetLen: number): void {
    this.e.gcm_seal(this.live().ptr, this.io, this.checkLen(packetLen));
  }

  /** The packet_length field (in clear for GCM): the big-endian uint32 at io[0, 4). */
  decryptLength(_seq: number): number {
    this.live();
    const v = this.ioView;
    return ((v[0] << 24) | (v[1] << 16) | (v[2] << 8) | v[3]) >>> 0;
  }

  /** Verifies the tag at io[packetLen] and decrypts io[4, packetLen) in place; false if it does not match. */
  open(_seq: number, packetLen: number): boolean {
    return this.e.gcm_open(this.live().ptr, this.io, this.checkLen(packetLen)) === 1;
  }

  /** Wipes the keys and releases the kernel context. */
  dispose(): void {
    if (this.ctx) freeContext(this.ctx);
    this.ctx = undefined;
  }

  private live(): KernelContext {
    if (!this.ctx) throw new Error(`${this.name}: used after dispose()`);
    return this.ctx;
  }

  private checkLen(packetLen: number): number {
    if (!Number.isInteger(packetLen) || packetLen < 4 || packetLen > this.maxPacket) {
      throw new RangeError(`packetLen must be an integer from 4 to ${this.maxPacket}, got ${packetLen}`);
    }
    return packetLen;
  }
}
