// Reference PacketCipher implementations in plain JS (@noble/ciphers, @noble/hashes), written
// from OpenSSH PROTOCOL.chacha20poly1305, RFC 5647 and RFC 4344 / PROTOCOL §1.5. They let the
// transport be tested before (and cross-checked against) the WebAssembly kernel: a kernel
// cipher on one side and one of these on the other must interoperate.
import { chacha20orig } from '@noble/ciphers/chacha.js';
import { poly1305 } from '@noble/ciphers/_poly1305.js';
import { gcm, ctr } from '@noble/ciphers/aes.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { sha1 } from '@noble/hashes/legacy.js';
import type { PacketCipher } from '@seashell/kernel';
import type { CipherSpec, DirectionKeys, MacSpec } from '../../src/algorithms/registry.ts';

const IO_SIZE = 256 * 1024 + 256;

function nonce64(seq: number): Uint8Array {
  const n = new Uint8Array(8);
  new DataView(n.buffer).setUint32(4, seq >>> 0);
  return n;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/** chacha20-poly1305@openssh.com */
export function refChaCha(keys: DirectionKeys): PacketCipher {
  const k2 = keys.key.slice(0, 32); // main key
  const k1 = keys.key.slice(32, 64); // length key
  const io = new Uint8Array(IO_SIZE);
  const polyKey = (seq: number) => chacha20orig(k2, nonce64(seq), new Uint8Array(32), undefined, 0);
  return {
    name: 'chacha20-poly1305@openssh.com',
    blockSize: 8,
    macLength: 16,
    lengthInClear: false,
    firstBlockLength: 4,
    ioView: io,
    seal(seq, len) {
      const n = nonce64(seq);
      io.set(chacha20orig(k1, n, io.subarray(0, 4), undefined, 0), 0);
      io.set(chacha20orig(k2, n, io.subarray(4, len), undefined, 1), 4);
      io.set(poly1305(io.subarray(0, len), polyKey(seq)), len);
    },
    decryptLength(seq) {
      const b = chacha20orig(k1, nonce64(seq), io.subarray(0, 4), undefined, 0);
      return new DataView(b.buffer, b.byteOffset).getUint32(0);
    },
    open(seq, len) {
      const tag = poly1305(io.subarray(0, len), polyKey(seq));
      if (!equal(tag, io.subarray(len, len + 16))) return false;
      const n = nonce64(seq);
      io.set(chacha20orig(k1, n, io.subarray(0, 4), undefined, 0), 0);
      io.set(chacha20orig(k2, n, io.subarray(4, len), undefined, 1), 4);
      return true;
    },
    dispose() {
      k1.fill(0);
      k2.fill(0);
    },
  };
}

/** aes128-gcm@openssh.com / aes256-gcm@openssh.com (RFC 5647) */
export function refGcm(name: string) {
  return (keys: DirectionKeys): PacketCipher => {
    const key = keys.key.slice();
    const iv = keys.iv.slice(0, 12);
    const io = new Uint8Array(IO_SIZE);
    const bump = () => {
      // the 64-bit invocation counter in iv[4..12) increments per packet
      for (let i = 11; i >= 4; i--) {
        iv[i]++;
        if (iv[i] !== 0) break;
      }
    };
    return {
      name,
      blockSize: 16,
      macLength: 16,
      lengthInClear: true,
      firstBlockLength: 4,
      ioView: io,
      seal(_seq, len) {
        const out = gcm(key, iv, io.slice(0, 4)).encrypt(io.slice(4, len));
        io.set(out, 4);
        bump();
      },
      decryptLength() {
        return new DataView(io.buffer).getUint32(0);
      },
      open(_seq, len) {
        try {
          const out = gcm(key, iv, io.slice(0, 4)).decrypt(io.slice(4, len + 16));
          io.set(out, 4);
          bump();
          return true;
        } catch {
          return false;
        }
      },
      dispose() {
        key.fill(0);
      },
    };
  };
}

const hashes = { 'hmac-sha2-256': sha256, 'hmac-sha2-512': sha512, 'hmac-sha1': sha1 } as const;

function macHash(spec: MacSpec) {
  const base = spec.name.replace('-etm@openssh.com', '') as keyof typeof hashes;
  return hashes[base];
}

/** aes128/192/256-ctr with an HMAC, encrypt-and-MAC or -etm@openssh.com. */
export function refCtr(name: string) {
  return (keys: DirectionKeys): PacketCipher => {
    const key = keys.key.slice();
    const counter = keys.iv.slice(0, 16);
    const mac = keys.mac!;
    const h = macHash(mac.spec);
    const macKey = mac.key.slice();
    const etm = mac.spec.etm;
    const macLength = h.outputLen;
    const io = new Uint8Array(IO_SIZE);
    const advance = (blocks: number) => {
      let carry = blocks;
      for (let i = 15; i >= 0 && carry > 0; i--) {
        const v = counter[i] + (carry & 0xff);
        counter[i] = v & 0xff;
        carry = (carry >>> 8) + (v >> 8);
      }
    };
    const xor = (from: number, to: number) => {
      const out = ctr(key, counter.slice()).encrypt(io.slice(from, to));
      io.set(out, from);
      advance((to - from) / 16);
    };
    const computeMac = (seq: number, data: Uint8Array) => {
      const s = new Uint8Array(4);
      new DataView(s.buffer).setUint32(0, seq >>> 0);
      const m = hmac.create(h, macKey);
      m.update(s);
      m.update(data);
      return m.digest();
    };
    let firstDone = false;
    return {
      name: `${name}+${mac.spec.name}`,
      blockSize: 16,
      macLength,
      lengthInClear: etm,
      firstBlockLength: etm ? 4 : 16,
      ioView: io,
      seal(seq, len) {
        if (etm) {
          xor(4, len);
          io.set(computeMac(seq, io.subarray(0, len)), len);
        } else {
          const tag = computeMac(seq, io.subarray(0, len));
          xor(0, len);
          io.set(tag, len);
        }
      },
      decryptLength() {
        if (etm) return new DataView(io.buffer).getUint32(0);
        if (!firstDone) {
          xor(0, 16);
          firstDone = true;
        }
        return new DataView(io.buffer).getUint32(0);
      },
      open(seq, len) {
        if (etm) {
          if (!equal(computeMac(seq, io.subarray(0, len)), io.subarray(len, len + macLength))) return false;
          xor(4, len);
          return true;
        }
        firstDone = false;
        xor(16, len);
        return equal(computeMac(seq, io.subarray(0, len)), io.subarray(len, len + macLength));
      },
      dispose() {
        key.fill(0);
        macKey.fill(0);
      },
    };
  };
}

/** Cipher specs backed by the reference implementations. */
export const refCipherSpecs: Record<string, CipherSpec> = {
  'chacha20-poly1305@openssh.com': { name: 'chacha20-poly1305@openssh.com', keyLength: 64, ivLength: 0, aead: true, create: refChaCha },
  'aes128-gcm@openssh.com': { name: 'aes128-gcm@openssh.com', keyLength: 16, ivLength: 12, aead: true, create: refGcm('aes128-gcm@openssh.com') },
  'aes256-gcm@openssh.com': { name: 'aes256-gcm@openssh.com', keyLength: 32, ivLength: 12, aead: true, create: refGcm('aes256-gcm@openssh.com') },
  'aes128-ctr': { name: 'aes128-ctr', keyLength: 16, ivLength: 16, aead: false, create: refCtr('aes128-ctr') },
  'aes192-ctr': { name: 'aes192-ctr', keyLength: 24, ivLength: 16, aead: false, create: refCtr('aes192-ctr') },
  'aes256-ctr': { name: 'aes256-ctr', keyLength: 32, ivLength: 16, aead: false, create: refCtr('aes256-ctr') },
};
