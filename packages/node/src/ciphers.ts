// aes128-gcm@openssh.com and aes256-gcm@openssh.com (RFC 5647, OpenSSH PROTOCOL §1.6) on
// node:crypto, i.e. OpenSSL with AES-NI and carry-less multiply: on x86-64 about six times faster
// per byte than the WebAssembly kernel's AES-GCM (bench/kernel: the "aes128-gcm packet" cases
// measure both), so the Node adapter's registry (nodeRegistry) takes these by default. Every other
// algorithm stays the kernel's (DESIGN.md "The kernel and the hot path").
//
// The PacketCipher layout (@seashell/kernel packet.ts): [uint32 packet_length][padding_length]
// [payload][padding], then the 16-byte tag. packet_length travels in clear and is the AAD; the
// 12-byte nonce is the 4-byte fixed field and an 8-byte invocation counter from the derived IV,
// incremented after every packet (RFC 5647 §7.1).
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { PacketCipher } from '@seashell/kernel';
import { defaultRegistry, limits, type AlgorithmRegistry, type CipherSpec } from '@seashell/core';

const TAG = 16;

export class NodeAesGcmPacketCipher implements PacketCipher {
  readonly blockSize = 16;
  readonly macLength = TAG;
  readonly lengthInClear = true;
  readonly firstBlockLength = 4;
  /** This cipher's own packet buffer (not shared with any other cipher). */
  readonly ioView = new Uint8Array(limits.MAX_PACKET_SIZE + TAG);
  private key: Buffer;
  private readonly nonce: Buffer;
  private readonly algorithm: 'aes-128-gcm' | 'aes-256-gcm';
  private disposed = false;

  constructor(
    readonly name: string,
    key: Uint8Array,
    iv: Uint8Array,
  ) {
    if (!(key instanceof Uint8Array) || (key.length !== 16 && key.length !== 32)) throw new RangeError(`${name}: key must be 16 or 32 bytes`);
    if (!(iv instanceof Uint8Array) || iv.length !== 12) throw new RangeError(`${name}: iv must be 12 bytes, got ${iv?.length}`);
    this.algorithm = key.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm';
    this.key = Buffer.from(key);
    this.nonce = Buffer.from(iv);
  }

  private check(packetLen: number): void {
    if (this.disposed) throw new Error(`${this.name}: cipher was disposed`);
    if (!Number.isInteger(packetLen) || packetLen < 4 + this.blockSize || packetLen + TAG > this.ioView.length || (packetLen - 4) % this.blockSize !== 0) {
      throw new RangeError(`${this.name}: packet length ${packetLen} is not 4 plus a positive multiple of 16 within the buffer`);
    }
  }

  /** The invocation counter: the nonce's last 8 bytes, big-endian, plus one (wrapping). */
  private step(): void {
    const n = this.nonce;
    for (let i = 11; i >= 4; i--) {
      n[i] = (n[i] + 1) & 0xff;
      if (n[i] !== 0) break;
    }
  }

  seal(_seq: number, packetLen: number): void {
    this.check(packetLen);
    const io = this.ioView;
    const c = createCipheriv(this.algorithm, this.key, this.nonce, { authTagLength: TAG });
    c.setAAD(io.subarray(0, 4));
    const body = c.update(io.subarray(4, packetLen));
    c.final();
    io.set(body, 4);
    io.set(c.getAuthTag(), packetLen);
    this.step();
  }

  decryptLength(_seq: number): number {
    const io = this.ioView;
    return ((io[0] << 24) | (io[1] << 16) | (io[2] << 8) | io[3]) >>> 0;
  }

  open(_seq: number, packetLen: number): boolean {
    this.check(packetLen);
    const io = this.ioView;
    const d = createDecipheriv(this.algorithm, this.key, this.nonce, { authTagLength: TAG });
    d.setAAD(io.subarray(0, 4));
    d.setAuthTag(io.subarray(packetLen, packetLen + TAG));
    const body = d.update(io.subarray(4, packetLen));
    try {
      d.final();
    } catch {
      return false; // the plaintext never reaches ioView
    }
    io.set(body, 4);
    this.step();
    return true;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.key.fill(0);
    this.nonce.fill(0);
    this.ioView.fill(0);
  }
}

const gcm = (name: string, keyLength: number): CipherSpec => ({
  name,
  keyLength,
  ivLength: 12,
  aead: true,
  create: ({ key, iv }) => new NodeAesGcmPacketCipher(name, key, iv),
});

/** The node:crypto ciphers, by wire name. */
export const nodeCiphers: Record<string, CipherSpec> = {
  'aes128-gcm@openssh.com': gcm('aes128-gcm@openssh.com', 16),
  'aes256-gcm@openssh.com': gcm('aes256-gcm@openssh.com', 32),
};

/** The default registry with AES-GCM from node:crypto: what @seashell/node's connect and createServer use unless given a registry. */
export const nodeRegistry: AlgorithmRegistry = { ...defaultRegistry, cipher: { ...defaultRegistry.cipher, ...nodeCiphers } };
