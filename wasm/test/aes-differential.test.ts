// Differential property tests of AES-CTR and AES-GCM against node:crypto (OpenSSL) and
// @noble/ciphers: random keys, IVs and lengths 0..70,000 including block edges, both
// directions (ours seals, theirs opens, and the reverse), uneven streaming, counter carries
// across the 32- and 64-bit boundaries and the full 128-bit wrap, and inputs larger than the
// kernel's IO buffer (streamed in chunks). noble is compared on 12-byte IVs (it refuses some
// other lengths) and on texts up to 20,000 bytes (it is slow).
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { ctr as nobleCtr, gcm as nobleGcm } from '@noble/ciphers/aes.js';
import { describe, expect, it } from 'vitest';
import { aesCtr, aesGcm, AesCtrStream } from '../src/aes.ts';
import { kernel } from '../src/kernel.ts';

/** Deterministic byte source (SHA-256 in counter mode) so a failure can be replayed. */
function rng(seed: string) {
  let n = 0;
  let pool = new Uint8Array(0);
  const bytes = (len: number): Uint8Array => {
    const out = new Uint8Array(len);
    let off = 0;
    while (off < len) {
      if (pool.length === 0) pool = new Uint8Array(createHash('sha256').update(`${seed}/${n++}`).digest());
      const take = Math.min(pool.length, len - off);
      out.set(pool.subarray(0, take), off);
      pool = pool.subarray(take);
      off += take;
    }
    return out;
  };
  const int = (max: number) => {
    const b = bytes(4);
    return (((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0) % max;
  };
  return { bytes, int };
}

const EDGE_LENGTHS = [0, 1, 2, 15, 16, 17, 31, 32, 33, 63, 64, 65, 111, 112, 113, 127, 128, 129, 255, 256, 257,
  1023, 1024, 1025, 4095, 4096, 4097, 65535, 65536, 65537, 70000];
const KEY_SIZES = [16, 24, 32];
const hex = (b: Uint8Array | null) => (b ? Buffer.from(b).toString('hex') : 'null');

function nodeGcmSeal(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, pt: Uint8Array): Uint8Array {
  const c = createCipheriv(`aes-${key.length * 8}-gcm` as 'aes-128-gcm', key, iv);
  c.setAAD(aad);
  return new Uint8Array(Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]));
}

function nodeGcmOpen(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null {
  const d = createDecipheriv(`aes-${key.length * 8}-gcm` as 'aes-128-gcm', key, iv);
  d.setAAD(aad);
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  try {
    return new Uint8Array(Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]));
  } catch {
    return null;
  }
}

function nodeCtr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const c = createCipheriv(`aes-${key.length * 8}-ctr` as 'aes-128-ctr', key, iv);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

describe('AES-GCM against node:crypto and @noble/ciphers', () => {
  const r = rng('gcm-differential');
  const cases: { key: Uint8Array; iv: Uint8Array; aad: Uint8Array; pt: Uint8Array }[] = [];
  for (let i = 0; i < 200; i++) {
    const key = r.bytes(KEY_SIZES[i % 3]);
    const iv = r.bytes(i % 10 === 9 ? 1 + r.int(40) : 12);
    const aadLen = i % 7 === 0 ? EDGE_LENGTHS[r.int(EDGE_LENGTHS.length)] : r.int(100);
    const ptLen = i < EDGE_LENGTHS.length ? EDGE_LENGTHS[i] : r.int(70001);
    cases.push({ key, iv, aad: r.bytes(aadLen), pt: r.bytes(ptLen) });
  }

  it('seals exactly as node:crypto does, and node:crypto and noble open what we seal', () => {
    for (const [i, c] of cases.entries()) {
      const label = `case ${i}: key ${c.key.length}, iv ${c.iv.length}, aad ${c.aad.length}, text ${c.pt.length}`;
      const ours = aesGcm.seal(c.key, c.iv, c.aad, c.pt);
      expect(hex(ours), label).toBe(hex(nodeGcmSeal(c.key, c.iv, c.aad, c.pt)));
      expect(hex(nodeGcmOpen(c.key, c.iv, c.aad, ours)), label).toBe(hex(c.pt));
      if (c.iv.length === 12 && c.pt.length <= 20000) expect(hex(nobleGcm(c.key, c.iv, c.aad).decrypt(ours)), label).toBe(hex(c.pt));
    }
  });

  it('opens what node:crypto and noble seal, and refuses a modified tag, ciphertext or AAD', () => {
    for (const [i, c] of cases.entries()) {
      const label = `case ${i}: key ${c.key.length}, iv ${c.iv.length}, aad ${c.aad.length}, text ${c.pt.length}`;
      const theirs = nodeGcmSeal(c.key, c.iv, c.aad, c.pt);
      expect(hex(aesGcm.open(c.key, c.iv, c.aad, theirs)), label).toBe(hex(c.pt));
      if (c.iv.length === 12 && c.pt.length <= 20000) {
        expect(hex(aesGcm.open(c.key, c.iv, c.aad, nobleGcm(c.key, c.iv, c.aad).encrypt(c.pt))), label).toBe(hex(c.pt));
      }
      const bad = theirs.slice();
      bad[i % bad.length] ^= 1 << (i % 8);
      expect(aesGcm.open(c.key, c.iv, c.aad, bad), label).toBeNull();
      if (c.aad.length) {
        const badAad = c.aad.slice();
        badAad[i % badAad.length] ^= 0x80;
        expect(aesGcm.open(c.key, c.iv, badAad, theirs), label).toBeNull();
      }
    }
  });

  it('streams inputs larger than the kernel IO buffer (AAD and text)', () => {
    const r2 = rng('gcm-large');
    const big = kernel().ioSize * 2 + 1000;
    for (const [aadLen, ptLen] of [[0, big], [big, 5], [big + 7, big - 9]]) {
      const key = r2.bytes(16);
      const iv = r2.bytes(12);
      const aad = r2.bytes(aadLen);
      const pt = r2.bytes(ptLen);
      const ours = aesGcm.seal(key, iv, aad, pt);
      expect(hex(ours)).toBe(hex(nodeGcmSeal(key, iv, aad, pt)));
      expect(hex(aesGcm.open(key, iv, aad, ours))).toBe(hex(pt));
    }
  });
});

describe('AES-CTR against node:crypto and @noble/ciphers', () => {
  it('matches both on random keys, counters and lengths 0..70,000, both directions', () => {
    const r = rng('ctr-differential');
    for (let i = 0; i < 200; i++) {
      const key = r.bytes(KEY_SIZES[i % 3]);
      const iv = r.bytes(16);
      const len = i < EDGE_LENGTHS.length ? EDGE_LENGTHS[i] : r.int(70001);
      const data = r.bytes(len);
      const label = `case ${i}: key ${key.length}, length ${len}`;
      const ours = aesCtr(key, iv, data);
      expect(hex(ours), label).toBe(hex(nodeCtr(key, iv, data)));
      if (len <= 20000) expect(hex(ours), label).toBe(hex(nobleCtr(key, iv).encrypt(data)));
      // Decryption is the same operation: their ciphertext back through ours.
      expect(hex(aesCtr(key, iv, nodeCtr(key, iv, data))), label).toBe(hex(data));
    }
  });

  it('keeps the counter and the partly used block across uneven AesCtrStream.xor calls', () => {
    const r = rng('ctr-stream');
    for (let i = 0; i < 40; i++) {
      const key = r.bytes(KEY_SIZES[i % 3]);
      const iv = r.bytes(16);
      const data = r.bytes(r.int(5000));
      const s = new AesCtrStream(key, iv);
      const out = new Uint8Array(data.length);
      for (let off = 0; off < data.length; ) {
        const n = Math.min(data.length - off, r.int(300));
        out.set(s.xor(data.subarray(off, off + n)), off);
        off += n;
      }
      s.dispose();
      expect(hex(out), `case ${i}`).toBe(hex(nodeCtr(key, iv, data)));
    }
  });

  const carryCases: [string, string][] = [
    ['carry across the low 32 bits', '0123456789abcdef00000000fffffff0'],
    ['carry across the 64-bit boundary', '0123456789abcdefffffffffffffffe0'],
    ['carry through bytes 0-7 (only the top byte stays)', '00ffffffffffffffffffffffffffffe0'],
    ['full 128-bit wrap from ff..ff', 'ffffffffffffffffffffffffffffffff'],
    ['full 128-bit wrap just after a batch boundary', 'fffffffffffffffffffffffffffffff9'],
  ];
  for (const [what, ivHex] of carryCases) {
    it(`increments the whole 16-byte counter big-endian: ${what}`, () => {
      const r = rng(what);
      const iv = new Uint8Array(Buffer.from(ivHex, 'hex'));
      for (const keyLen of KEY_SIZES) {
        const key = r.bytes(keyLen);
        const data = r.bytes(16 * 40 + 5);
        const expected = hex(nodeCtr(key, iv, data));
        expect(hex(aesCtr(key, iv, data))).toBe(expected);
        expect(hex(nobleCtr(key, iv).encrypt(data))).toBe(expected);
        // Across the carry in small uneven steps, so the carry happens between calls too.
        const s = new AesCtrStream(key, iv);
        const parts: Uint8Array[] = [];
        for (let off = 0; off < data.length; off += 7) parts.push(s.xor(data.subarray(off, off + 7)));
        s.dispose();
        expect(hex(new Uint8Array(Buffer.concat(parts)))).toBe(expected);
      }
    });
  }

  it('streams inputs larger than the kernel IO buffer', () => {
    const r = rng('ctr-large');
    const key = r.bytes(32);
    const iv = r.bytes(16);
    const data = r.bytes(kernel().ioSize * 3 + 77);
    expect(hex(aesCtr(key, iv, data))).toBe(hex(nodeCtr(key, iv, data)));
  });
});
