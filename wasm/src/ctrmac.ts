// SSH packet cipher aes128/192/256-ctr (RFC 4344 section 4) + HMAC (RFC 4253 section 6.4;
// hmac-sha2-256 / hmac-sha2-512 from RFC 6668) in both MAC forms: encrypt-and-MAC (hmac-sha1,
// hmac-sha2-256, hmac-sha2-512) and encrypt-then-MAC (the same names + '-etm@openssh.com',
// OpenSSH PROTOCOL section 1.5). Each seal/open is one call into the kernel's fused operations
// (wasm/assembly/ctrmac.ts) on the packet laid out in the IO buffer.
import { allocContext, freeContext, type KernelContext } from './kernel.ts';
import type { PacketCipher } from './packet.ts';
import { checkLength } from './util.ts';

interface CtrMacExports {
  ctrmac_init(ctx: number, keyPtr: number, keyLen: number, ivPtr: number, macAlg: number, macKeyPtr: number, macKeyLen: number, etm: number): number;
  ctrmac_seal(ctx: number, seq: number, ptr: number, packetLen: number): void;
  ctrmac_decrypt_length(ctx: number, ptr: number): number;
  ctrmac_open(ctx: number, seq: number, ptr: number, packetLen: number): number;
}

/** SSH MAC names this cipher supports, with or without the '-etm@openssh.com' suffix. */
export type CtrHmacMac =
  | 'hmac-sha1' | 'hmac-sha2-256' | 'hmac-sha2-512'
  | 'hmac-sha1-etm@openssh.com' | 'hmac-sha2-256-etm@openssh.com' | 'hmac-sha2-512-etm@openssh.com';

/** Keys for a CtrHmacPacketCipher, as SSH key derivation produces them (RFC 4253 section 7.2). */
export interface CtrHmacOptions {
  /** AES key: 16, 24 or 32 bytes (aes128-ctr, aes192-ctr, aes256-ctr). */
  key: Uint8Array;
  /** Initial counter block: 16 bytes. */
  iv: Uint8Array;
  /** SSH MAC name. */
  mac: CtrHmacMac;
  /** MAC key: the hash's output length (20 for hmac-sha1, 32 for hmac-sha2-256, 64 for hmac-sha2-512). */
  macKey: Uint8Array;
}

const MACS: Record<string, { alg: number; length: number }> = {
  'hmac-sha1': { alg: 1, length: 20 },
  'hmac-sha2-256': { alg: 2, length: 32 },
  'hmac-sha2-512': { alg: 3, length: 64 },
};
const ETM = '-etm@openssh.com';
/** Offset in the context slot where init arguments are staged (past the AES and HMAC state, as aes.ts does). */
const STAGING = 3584;

/**
 * aes*-ctr with hmac-sha1 / hmac-sha2-256 / hmac-sha2-512, encrypt-and-MAC or encrypt-then-MAC,
 * as one PacketCipher. seq is the SSH sequence number (taken mod 2^32).
 * Encrypt-then-MAC: a failed open() leaves the packet and the cipher state untouched.
 * Encrypt-and-MAC: decryptLength() decrypts the first block in place and open() the rest; a
 * failed open() zeroes the decrypted packet and leaves the keystream advanced, so the cipher
 * cannot open further packets (the connection must be closed, RFC 4253 section 6.4).
 */
export class CtrHmacPacketCipher implements PacketCipher {
  /** e.g. 'aes128-ctr+hmac-sha2-256-etm@openssh.com'. */
  readonly name: string;
  /** Padding granularity (the AES block). */
  readonly blockSize = 16;
  /** 20, 32 or 64 (the hash output; SSH does not truncate these MACs). */
  readonly macLength: number;
  /** True for the -etm@openssh.com MACs. */
  readonly lengthInClear: boolean;
  /** 4 when the length is in clear (etm), else one AES block (16). */
  readonly firstBlockLength: number;
  /** This cipher's kernel IO buffer. */
  readonly ioView: Uint8Array;
  private ctx: KernelContext | undefined;
  private readonly e: CtrMacExports;
  private readonly io: number;
  private readonly maxPacket: number;
  private firstBlockOpen = false;

  /** Keys the cipher; see CtrHmacOptions. */
  constructor(opts: CtrHmacOptions) {
    if (typeof opts !== 'object' || opts === null) throw new TypeError('CtrHmacPacketCipher: options must be an object { key, iv, mac, macKey }');
    const { key, iv, mac, macKey } = opts;
    checkLength('key', key, 16, 24, 32);
    checkLength('iv', iv, 16);
    const etm = typeof mac === 'string' && mac.endsWith(ETM);
    const base = typeof mac === 'string' ? (etm ? mac.slice(0, -ETM.length) : mac) : '';
    const m = Object.hasOwn(MACS, base) ? MACS[base] : undefined;
    if (!m) {
      throw new RangeError(`mac must be one of ${Object.keys(MACS).flatMap((n) => [`'${n}'`, `'${n}${ETM}'`]).join(', ')}, got ${typeof mac === 'string' ? `'${mac}'` : typeof mac}`);
    }
    checkLength('macKey', macKey, m.length);
    const c = allocContext();
    const k = c.k;
    this.e = k.exports as unknown as CtrMacExports;
    // Keys are staged in this context's own slot, never in the IO buffer, which other ciphers on
    // the same kernel instance share: keying must not clobber a packet laid out there.
    const kp = c.ptr + STAGING, ip = kp + 32, mp = kp + 48;
    try {
      k.mem.set(key, kp);
      k.mem.set(iv, ip);
      k.mem.set(macKey, mp);
      if (this.e.ctrmac_init(c.ptr, kp, key.length, ip, m.alg, mp, macKey.length, etm ? 1 : 0) !== m.length) {
        throw new Error('seashell kernel: ctrmac_init failed');
      }
    } catch (err) {
      freeContext(c);
      throw err;
    } finally {
      k.mem.fill(0, kp, mp + 64);
    }
    this.ctx = c;
    this.name = `aes${key.length * 8}-ctr+${mac}`;
    this.macLength = m.length;
    this.lengthInClear = etm;
    this.firstBlockLength = etm ? 4 : 16;
    this.io = k.io;
    this.ioView = k.mem.subarray(k.io, k.io + k.ioSize);
    this.maxPacket = k.ioSize - m.length;
  }

  /** Seals io[0, packetLen) in place and writes the MAC at io[packetLen]. */
  seal(seq: number, packetLen: number): void {
    const ptr = this.live().ptr;
    this.e.ctrmac_seal(ptr, checkSeq(seq), this.io, this.checkLen(packetLen));
  }

  /** packet_length from the first firstBlockLength bytes (encrypt-and-MAC decrypts that block in place). */
  decryptLength(_seq: number): number {
    const ptr = this.live().ptr;
    if (!this.lengthInClear) this.firstBlockOpen = true;
    return this.e.ctrmac_decrypt_length(ptr, this.io) >>> 0;
  }

  /** Verifies and decrypts io[0, packetLen + macLength) in place; false if the MAC does not match. */
  open(seq: number, packetLen: number): boolean {
    const ptr = this.live().ptr;
    const s = checkSeq(seq);
    const n = this.checkLen(packetLen);
    if (!this.lengthInClear) {
      if (!this.firstBlockOpen) throw new Error(`${this.name}: decryptLength() must be called before open()`);
      this.firstBlockOpen = false;
    }
    return this.e.ctrmac_open(ptr, s, this.io, n) === 1;
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
    const min = this.firstBlockLength;
    if (!Number.isInteger(packetLen) || packetLen < min || packetLen > this.maxPacket) {
      throw new RangeError(`packetLen must be an integer from ${min} to ${this.maxPacket}, got ${packetLen}`);
    }
    return packetLen;
  }
}

/** SSH sequence numbers are uint32 and wrap (RFC 4253 section 6.4): any non-negative integer, mod 2^32. */
function checkSeq(seq: number): number {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError(`seq must be a non-negative integer, got ${seq}`);
  return seq % 0x100000000;
}
