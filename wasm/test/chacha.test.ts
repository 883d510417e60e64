// ChaCha20, Poly1305 and the RFC 8439 AEAD against Wycheproof and, differentially, against
// node:crypto (OpenSSL) and @noble/ciphers: random keys, nonces and lengths 0..70,000, both
// directions, plus inputs longer than the kernel IO buffer (streamed in chunks).
import { describe, expect, it } from 'vitest';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { poly1305 as noblePoly1305 } from '@noble/ciphers/_poly1305.js';
import { aeadChaCha20Poly1305, chacha20, poly1305, kernel } from '../src/index.ts';
import { sharedPath, describeWithPeer } from '../../test-support/peers.ts';

const aead = aeadChaCha20Poly1305;
const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const cat = (...a: Uint8Array[]) => new Uint8Array(Buffer.concat(a));

/** Deterministic PRNG so a failing case can be reproduced from its index. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** Lengths 0..70,000: edges around 16/64/256-byte structure first, then random ones. */
function lengths(count: number, seed: number): number[] {
  const edges = [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 191, 192, 193, 255, 256, 257, 319, 320, 511, 512, 513, 1023, 1024, 1025, 4095, 4096, 4097, 65535, 65536, 65537, 70000];
  const r = rng(seed);
  const out = [...edges];
  while (out.length < count) out.push(Math.floor(r() * 70001));
  return out;
}

function nodeSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Uint8Array {
  const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  c.setAAD(aad);
  return cat(c.update(pt), c.final(), c.getAuthTag());
}

function nodeOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array {
  const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  d.setAAD(aad);
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  return cat(d.update(sealed.subarray(0, sealed.length - 16)), d.final());
}

const wycheproof = sharedPath('wycheproof');

describeWithPeer('Wycheproof chacha20_poly1305_test.json', wycheproof !== undefined, 'the Wycheproof vectors in ../shared/wycheproof', () => {
  interface WTest { tcId: number; comment: string; flags: string[]; key: string; iv: string; aad: string; msg: string; ct: string; tag: string; result: string }
  interface WGroup { ivSize: number; keySize: number; tagSize: number; tests: WTest[] }
  const file = JSON.parse(readFileSync(join(wycheproof ?? '', 'chacha20_poly1305_test.json'), 'utf8')) as { numberOfTests: number; testGroups: WGroup[] };

  it('has every case of the file (no group silently skipped)', () => {
    expect(file.testGroups.reduce((n, g) => n + g.tests.length, 0)).toBe(file.numberOfTests);
  });

  for (const g of file.testGroups) {
    for (const t of g.tests) {
      it(`tcId ${t.tcId} ${t.result} (${t.comment || t.flags.join(',')}, iv ${g.ivSize} bits)`, () => {
        const key = hex(t.key);
        const iv = hex(t.iv);
        const aad = hex(t.aad);
        const msg = hex(t.msg);
        const sealed = cat(hex(t.ct), hex(t.tag));
        if (t.result === 'valid') {
          expect(Buffer.from(aead.seal(key, iv, aad, msg)).toString('hex')).toBe(t.ct + t.tag);
          expect(Buffer.from(aead.open(key, iv, aad, sealed) ?? [0xde, 0xad]).toString('hex')).toBe(t.msg);
        } else if (t.result === 'invalid') {
          if (iv.length !== 12) {
            // RFC 8439 takes a 96-bit nonce only: both directions refuse other sizes
            expect(() => aead.open(key, iv, aad, sealed)).toThrow(/nonce must be 12 bytes/);
            expect(() => aead.seal(key, iv, aad, msg)).toThrow(/nonce must be 12 bytes/);
          } else {
            expect(aead.open(key, iv, aad, sealed)).toBeNull();
          }
        } else {
          // 'acceptable' (none in the current file): either outcome, but no crash
          const r = aead.open(key, iv, aad, sealed);
          expect(r === null || r instanceof Uint8Array).toBe(true);
        }
      });
    }
  }
});

describe('AEAD_CHACHA20_POLY1305 against node:crypto and @noble/ciphers', () => {
  const lens = lengths(200, 0xc4a);
  const r = rng(7);

  it('seals like node:crypto and @noble/ciphers, and opens what they seal (200 cases, 0..70,000 bytes)', () => {
    lens.forEach((len, i) => {
      const key = randomBytes(32);
      const nonce = randomBytes(12);
      const aadLen = i % 10 === 9 ? Math.floor(r() * 70001) : Math.floor(r() * 300);
      const aad = randomBytes(aadLen);
      const pt = randomBytes(len);
      const ours = aead.seal(key, nonce, aad, pt);
      const theirs = nodeSeal(key, nonce, aad, pt);
      expect(Buffer.from(ours).equals(theirs), `case ${i}: len ${len}, aad ${aadLen}: seal differs from node:crypto`).toBe(true);
      expect(Buffer.from(nodeOpen(key, nonce, aad, ours)).equals(pt), `case ${i}: node:crypto cannot open ours`).toBe(true);
      const noble = chacha20poly1305(key, nonce, aad);
      expect(Buffer.from(noble.decrypt(ours)).equals(pt), `case ${i}: noble cannot open ours`).toBe(true);
      const nobleSealed = chacha20poly1305(key, nonce, aad).encrypt(pt);
      const opened = aead.open(key, nonce, aad, nobleSealed);
      expect(opened && Buffer.from(opened).equals(pt), `case ${i}: we cannot open noble's`).toBe(true);
    });
  });

  it('rejects a single flipped bit anywhere in ciphertext, tag or AAD (sampled positions)', () => {
    for (const len of [0, 1, 16, 63, 64, 65, 300, 4097]) {
      const key = randomBytes(32);
      const nonce = randomBytes(12);
      const aad = randomBytes(len % 37);
      const sealed = aead.seal(key, nonce, aad, randomBytes(len));
      const positions = new Set([0, sealed.length - 1, sealed.length - 16, Math.floor(sealed.length / 2)]);
      for (let k = 0; k < 12; k++) positions.add(Math.floor(Math.random() * sealed.length));
      for (const p of positions) {
        const bad = sealed.slice();
        bad[p]! ^= 1 << (p % 8);
        expect(aead.open(key, nonce, aad, bad), `len ${len}, byte ${p}`).toBeNull();
      }
      if (aad.length) {
        const badAad = aad.slice();
        badAad[0]! ^= 0x80;
        expect(aead.open(key, nonce, badAad, sealed)).toBeNull();
      }
      expect(aead.open(key, randomBytes(12), aad, sealed)).toBeNull();
    }
  });

  it('streams inputs larger than the IO buffer (plaintext and AAD up to 700 KiB)', () => {
    const io = kernel().ioSize;
    for (const [len, aadLen] of [[io + 1, 0], [2 * io + 100, 5], [300, io + 17], [io * 2 - 64, io * 2 - 63]] as const) {
      const key = randomBytes(32);
      const nonce = randomBytes(12);
      const aad = randomBytes(aadLen);
      const pt = randomBytes(len);
      const ours = aead.seal(key, nonce, aad, pt);
      expect(Buffer.from(ours).equals(nodeSeal(key, nonce, aad, pt)), `len ${len} aad ${aadLen}`).toBe(true);
      expect(Buffer.from(aead.open(key, nonce, aad, ours)!).equals(pt)).toBe(true);
      const bad = ours.slice();
      bad[len >> 1]! ^= 4;
      expect(aead.open(key, nonce, aad, bad)).toBeNull();
    }
  });

  it('returns null for inputs too short to hold a tag', () => {
    const key = randomBytes(32);
    const nonce = randomBytes(12);
    for (let n = 0; n < 16; n++) expect(aead.open(key, nonce, new Uint8Array(0), randomBytes(n))).toBeNull();
  });

  it('rejects wrong sizes and types with errors that name the argument', () => {
    const k = randomBytes(32);
    const n = randomBytes(12);
    const e = new Uint8Array(0);
    expect(() => aead.seal(randomBytes(16), n, e, e)).toThrow(/key must be 32 bytes, got 16/);
    expect(() => aead.seal(k, randomBytes(8), e, e)).toThrow(/nonce must be 12 bytes, got 8/);
    expect(() => aead.seal(k, n, 'aad' as unknown as Uint8Array, e)).toThrow(/aad must be a Uint8Array, got string/);
    expect(() => aead.seal(k, n, e, [1, 2] as unknown as Uint8Array)).toThrow(/plaintext must be a Uint8Array, got Array/);
    expect(() => aead.open(k, n, e, null as unknown as Uint8Array)).toThrow(/sealed must be a Uint8Array, got null/);
    expect(() => aead.open(randomBytes(33), n, e, randomBytes(16))).toThrow(/key must be 32 bytes, got 33/);
  });
});

describe('chacha20() against node:crypto', () => {
  it('IETF variant (12-byte nonce, 32-bit counter) matches OpenSSL for lengths 0..70,000', () => {
    const r = rng(99);
    lengths(80, 0x5eed).forEach((len, i) => {
      const key = randomBytes(32);
      const nonce = randomBytes(12);
      const counter = i % 3 === 0 ? Math.floor(r() * 1000) : i % 3 === 1 ? 0 : 2 ** 32 - 1 - Math.ceil(len / 64);
      const data = randomBytes(len);
      const iv = Buffer.alloc(16);
      iv.writeUInt32LE(counter, 0);
      Buffer.from(nonce).copy(iv, 4);
      const want = createCipheriv('chacha20', key, iv).update(data);
      expect(Buffer.from(chacha20(key, nonce, counter, data)).equals(want), `case ${i} len ${len} counter ${counter}`).toBe(true);
    });
  });

  it('original variant (8-byte nonce, 64-bit counter) matches OpenSSL, including the carry into the high word', () => {
    const r = rng(3);
    const counters = [0n, 1n, 0xfffffffen, 0xffffffffn, 0x1_0000_0000n, 0x1234_5678_9abcn, 0xffff_ffff_ffff_f000n];
    lengths(60, 0xabc).forEach((len, i) => {
      const key = randomBytes(32);
      const nonce = randomBytes(8);
      const counter = counters[i % counters.length]!;
      const data = randomBytes(len);
      const iv = Buffer.alloc(16);
      iv.writeBigUInt64LE(counter, 0);
      Buffer.from(nonce).copy(iv, 8);
      const want = createCipheriv('chacha20', key, iv).update(data);
      const arg = r() < 0.5 && counter <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(counter) : counter;
      expect(Buffer.from(chacha20(key, nonce, arg, data)).equals(want), `case ${i} len ${len} counter ${counter}`).toBe(true);
    });
  });

  it('streams data larger than the IO buffer with the counter continuing across chunks', () => {
    const len = kernel().ioSize * 2 + 333;
    const key = randomBytes(32);
    const nonce = randomBytes(12);
    const data = randomBytes(len);
    const iv = Buffer.concat([Buffer.from([5, 0, 0, 0]), nonce]);
    expect(Buffer.from(chacha20(key, nonce, 5, data)).equals(createCipheriv('chacha20', key, iv).update(data))).toBe(true);
  });

  it('refuses a counter that would wrap the 32-bit block counter (no silent keystream reuse)', () => {
    const key = randomBytes(32);
    const nonce = randomBytes(12);
    expect(chacha20(key, nonce, 2 ** 32 - 1, new Uint8Array(64)).length).toBe(64);
    expect(() => chacha20(key, nonce, 2 ** 32 - 1, new Uint8Array(65))).toThrow(/overflows the 32-bit block counter/);
    expect(() => chacha20(key, nonce, 2 ** 32, new Uint8Array(1))).toThrow(/overflows/);
    expect(() => chacha20(key, randomBytes(8), (1n << 64n) - 1n, new Uint8Array(65))).toThrow(/overflows the 64-bit block counter/);
    expect(() => chacha20(key, nonce, -1, new Uint8Array(1))).toThrow(/overflows/);
    expect(() => chacha20(key, nonce, 1.5, new Uint8Array(1))).toThrow(/counter must be a non-negative safe integer/);
    expect(() => chacha20(key, randomBytes(16), 0, new Uint8Array(1))).toThrow(/nonce must be 12 or 8 bytes, got 16/);
    expect(() => chacha20(randomBytes(31), nonce, 0, new Uint8Array(1))).toThrow(/key must be 32 bytes, got 31/);
  });
});

describe('poly1305() against @noble/ciphers', () => {
  it('matches for lengths 0..70,000 (scalar and SIMD paths, every tail length)', () => {
    lengths(150, 0x1305).forEach((len, i) => {
      const key = randomBytes(32);
      const msg = randomBytes(len);
      expect(Buffer.from(poly1305(key, msg)).equals(Buffer.from(noblePoly1305(msg, key))), `case ${i} len ${len}`).toBe(true);
    });
  });

  it('handles limb edge values: all-ones messages and keys with r at its clamped maximum', () => {
    for (const len of [16, 64, 256, 1024, 4096, 4100]) {
      const msg = new Uint8Array(len).fill(0xff);
      for (const key of [new Uint8Array(32).fill(0xff), cat(new Uint8Array(16).fill(0xff), new Uint8Array(16)), randomBytes(32)]) {
        expect(Buffer.from(poly1305(key, msg)).equals(Buffer.from(noblePoly1305(msg, key))), `len ${len}`).toBe(true);
      }
    }
  });

  it('streams messages larger than the IO buffer', () => {
    const key = randomBytes(32);
    const msg = randomBytes(kernel().ioSize * 2 + 7);
    expect(Buffer.from(poly1305(key, msg)).equals(Buffer.from(noblePoly1305(msg, key)))).toBe(true);
  });

  it('rejects a wrong key size', () => {
    expect(() => poly1305(randomBytes(16), new Uint8Array(1))).toThrow(/key must be 32 bytes, got 16/);
  });
});
