// HMAC (RFC 2104) over SHA-1/256/384/512: every Wycheproof case (SHA-1/256/512) (valid tags, truncated tags, modified
// tags), and differential tests against node:crypto and @noble/hashes with random keys (including
// keys longer than the block, which RFC 2104 hashes first) and messages up to 70,000 bytes.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHmac as nodeCreateHmac } from 'node:crypto';
import { hmac as nobleHmac } from '@noble/hashes/hmac.js';
import { sha1 as nobleSha1 } from '@noble/hashes/legacy.js';
import { sha256 as nobleSha256, sha384 as nobleSha384, sha512 as nobleSha512 } from '@noble/hashes/sha2.js';
import { hmac, hmacVerify, createHmac, type HashAlgorithm } from '../src/sha.ts';
import { kernel } from '../src/kernel.ts';
import { sharedPath, describeWithPeer } from '../../test-support/peers.ts';

const ALGS: HashAlgorithm[] = ['sha1', 'sha256', 'sha384', 'sha512'];
const BLOCK = { sha1: 64, sha256: 64, sha384: 128, sha512: 128 };
const noble = { sha1: nobleSha1, sha256: nobleSha256, sha384: nobleSha384, sha512: nobleSha512 };
const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');
const fromHex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const nodeMac = (alg: HashAlgorithm, k: Uint8Array, m: Uint8Array) => nodeCreateHmac(alg, k).update(m).digest('hex');

/** Small seeded PRNG (xorshift32) so a failing case can be reproduced from its seed. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
  return {
    int: (n: number) => next() % n,
    bytes: (n: number) => { const b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = next() & 0xff; return b; },
  };
}

const wycheproof = sharedPath('wycheproof');
interface MacFile {
  numberOfTests: number;
  testGroups: { keySize: number; tagSize: number; tests: { tcId: number; comment: string; key: string; msg: string; tag: string; result: 'valid' | 'invalid' | 'acceptable' }[] }[];
}

describeWithPeer('HMAC: Wycheproof', !!wycheproof, 'the Wycheproof vectors in ../shared/wycheproof', () => {
  for (const [alg, file] of [['sha1', 'hmac_sha1_test.json'], ['sha256', 'hmac_sha256_test.json'], ['sha512', 'hmac_sha512_test.json']] as const) {
    it(`${file}: valid tags match (truncated to the group's tagSize), invalid ones are rejected`, () => {
      const data = JSON.parse(readFileSync(join(wycheproof!, file), 'utf8')) as MacFile;
      let seen = 0;
      for (const g of data.testGroups) {
        for (const t of g.tests) {
          seen++;
          const key = fromHex(t.key);
          const msg = fromHex(t.msg);
          const tag = fromHex(t.tag);
          const name = `${file} tcId ${t.tcId} (${t.comment})`;
          const mac = hmac(alg, key, msg).subarray(0, g.tagSize / 8);
          const ok = hmacVerify(alg, key, msg, tag);
          if (t.result === 'valid') {
            expect(hexOf(mac), name).toBe(t.tag);
            expect(ok, name).toBe(true);
            expect(hexOf(createHmac(alg, key).update(msg).digest().subarray(0, g.tagSize / 8)), name).toBe(t.tag);
          } else if (t.result === 'invalid') {
            expect(ok, name).toBe(false);
            expect(hexOf(mac), name).not.toBe(t.tag);
          } else {
            // 'acceptable' (none in these files today): whatever we decide must be consistent.
            expect(ok, name).toBe(hexOf(mac) === t.tag);
          }
        }
      }
      expect(seen).toBe(data.numberOfTests);
    });
  }
});

describe('HMAC agrees with node:crypto and @noble/hashes', () => {
  it('key lengths around the block size (0, 1, block-1, block, block+1, 2*block+3) on edge message lengths', () => {
    const r = rng(0x4ac1);
    for (const alg of ALGS) {
      const bl = BLOCK[alg];
      for (const kl of [0, 1, 20, 32, bl - 1, bl, bl + 1, 2 * bl + 3]) {
        const key = r.bytes(kl);
        for (const n of [0, 1, 55, 56, 63, 64, 65, 111, 112, 127, 128, 129, 1000]) {
          const m = r.bytes(n);
          const want = nodeMac(alg, key, m);
          expect(hexOf(hmac(alg, key, m)), `${alg} key ${kl} msg ${n}`).toBe(want);
          expect(hexOf(nobleHmac(noble[alg], key, m)), `noble ${alg} key ${kl} msg ${n}`).toBe(want);
        }
      }
    }
  });

  it('200 random keys (0..300 bytes) and messages (0..70,000 bytes), one-shot and streamed at random splits', () => {
    const r = rng(0x4ac2);
    for (let c = 0; c < 200; c++) {
      const alg = ALGS[c % 4];
      const key = r.bytes(r.int(301));
      const n = c % 2 ? r.int(400) : r.int(70_001);
      const m = r.bytes(n);
      const want = nodeMac(alg, key, m);
      const name = `case ${c} ${alg} key ${key.length} msg ${n}`;
      expect(hexOf(hmac(alg, key, m)), name).toBe(want);
      const h = createHmac(alg, key);
      let off = 0;
      while (off < n) {
        const step = r.int(3) === 0 ? r.int(n - off + 1) : r.int(200);
        h.update(m.subarray(off, off + step));
        off += step;
      }
      expect(hexOf(h.digest()), name + ' streamed').toBe(want);
      if (c % 10 === 0) expect(hexOf(nobleHmac(noble[alg], key, m)), name + ' noble').toBe(want);
    }
  });

  it('keys and messages larger than the kernel IO buffer', () => {
    const io = kernel().ioSize;
    const r = rng(0x4ac3);
    const bigKey = r.bytes(io + 5);
    const bigMsg = r.bytes(io + 100);
    for (const alg of ALGS) {
      expect(hexOf(hmac(alg, bigKey, r.bytes(10).fill(1))), `${alg} big key`).toBe(nodeMac(alg, bigKey, new Uint8Array(10).fill(1)));
      expect(hexOf(hmac(alg, r.bytes(0), bigMsg)), `${alg} big msg`).toBe(nodeMac(alg, new Uint8Array(0), bigMsg));
      expect(hexOf(hmac(alg, bigKey, bigMsg)), `${alg} both big`).toBe(nodeMac(alg, bigKey, bigMsg));
      expect(hexOf(createHmac(alg, bigKey).update(bigMsg).digest()), `${alg} streamed both big`).toBe(nodeMac(alg, bigKey, bigMsg));
    }
  });

  it('interleaved createHmac objects with different keys do not disturb each other', () => {
    const r = rng(0x4ac4);
    const keys = ALGS.map(() => r.bytes(40));
    const msgs = ALGS.map(() => r.bytes(3000));
    const hs = ALGS.map((a, i) => createHmac(a, keys[i]));
    for (let off = 0; off < 3000; off += 250) hs.forEach((h, i) => h.update(msgs[i].subarray(off, off + 250)));
    hs.forEach((h, i) => expect(hexOf(h.digest())).toBe(nodeMac(ALGS[i], keys[i], msgs[i])));
  });

  it('copy() forks the keyed state: one key, a shared prefix, then copies MAC different messages', () => {
    const r = rng(0x4ac6);
    for (const alg of ALGS) {
      const key = r.bytes(50);
      const pre = r.bytes(70);
      const keyed = createHmac(alg, key);
      const c0 = keyed.copy();
      keyed.update(pre);
      const c1 = keyed.copy();
      const msgs = [r.bytes(1), r.bytes(200), r.bytes(5000)];
      const tags = msgs.map((m) => hexOf(keyed.copy().update(m).digest()));
      c1.update(new Uint8Array([9]));
      expect(tags, alg).toEqual(msgs.map((m) => nodeMac(alg, key, new Uint8Array([...pre, ...m]))));
      expect(hexOf(c1.digest()), alg).toBe(nodeMac(alg, key, new Uint8Array([...pre, 9])));
      expect(hexOf(c0.update(msgs[2]).digest()), alg).toBe(nodeMac(alg, key, msgs[2]));
      expect(hexOf(keyed.digest()), alg).toBe(nodeMac(alg, key, pre));
      expect(() => keyed.copy()).toThrow(/already/);
      expect([c1.algorithm, c1.digestLength, c1.blockLength]).toEqual([keyed.algorithm, keyed.digestLength, keyed.blockLength]);
    }
  });
});

describe('HMAC API', () => {
  it('hmacVerify rejects a tag truncated below max(10 bytes, half the MAC) and one longer than the MAC', () => {
    const key = new Uint8Array(16).fill(3);
    const msg = new Uint8Array(5);
    const mac = hmac('sha256', key, msg);
    expect(hmacVerify('sha256', key, msg, mac)).toBe(true);
    expect(hmacVerify('sha256', key, msg, mac.subarray(0, 16))).toBe(true);
    expect(hmacVerify('sha256', key, msg, mac.subarray(0, 15))).toBe(false);
    expect(hmacVerify('sha256', key, msg, new Uint8Array([...mac, 0]))).toBe(false);
    expect(hmacVerify('sha1', key, msg, hmac('sha1', key, msg).subarray(0, 10))).toBe(true);
    expect(hmacVerify('sha1', key, msg, hmac('sha1', key, msg).subarray(0, 9))).toBe(false);
    expect(hmacVerify('sha256', key, msg, new Uint8Array(0))).toBe(false);
  });

  it('rejects bad arguments with clear errors', () => {
    expect(() => hmac('md5' as HashAlgorithm, new Uint8Array(1), new Uint8Array(1))).toThrow(/unknown hash algorithm 'md5'/);
    expect(() => hmac('sha256', 'key' as unknown as Uint8Array, new Uint8Array(1))).toThrow(/key must be a Uint8Array, got string/);
    expect(() => hmac('sha256', new Uint8Array(1), undefined as unknown as Uint8Array)).toThrow(/msg must be a Uint8Array, got undefined/);
    expect(() => createHmac('sha512', {} as unknown as Uint8Array)).toThrow(/key must be a Uint8Array, got Object/);
    const h = createHmac('sha1', new Uint8Array(4));
    h.digest();
    expect(() => h.update(new Uint8Array(1))).toThrow(/already/);
    expect(() => h.digest()).toThrow(/already/);
  });

  it('leaves no copy of the key, or of the key xor ipad/opad, in kernel memory', () => {
    const k = kernel();
    const key = rng(0x4ac5).bytes(48);
    hmac('sha256', key, new Uint8Array(100));
    createHmac('sha512', key).update(new Uint8Array(300)).digest();
    createHmac('sha1', key); // abandoned: its keyed state lives only in JS
    const memHex = Buffer.from(k.mem).toString('hex');
    for (const pad of [0, 0x36, 0x5c]) {
      expect(memHex.includes(hexOf(key.map((b) => b ^ pad).subarray(0, 32))), `pad ${pad}`).toBe(false);
    }
  });

  it('leaves no message schedule of the key block in kernel scratch (the schedule can be run backwards to the key)', () => {
    // W[48..63] + K[48..63] of the SHA-256 block K ^ opad: the last thing the compression function
    // writes to its schedule ring while keying. Computed here independently (FIPS 180-4 6.2.2).
    const K = [0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c,
      0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2];
    const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));
    const key = rng(0x4ac6).bytes(32);
    const block = new Uint8Array(64);
    block.set(key);
    const opad = block.map((b) => b ^ 0x5c);
    const dv = new DataView(opad.buffer);
    const w: number[] = [];
    for (let t = 0; t < 64; t++) {
      w[t] = t < 16 ? dv.getUint32(4 * t)
        : ((rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >>> 10)) + w[t - 7] + (rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >>> 3)) + w[t - 16]) >>> 0;
    }
    const tail = new Uint8Array(16);
    new DataView(tail.buffer).setUint32(0, (w[60] + K[60 - 43]) >>> 0, true); // W[60..63] + K[60..63], little-endian as stored
    new DataView(tail.buffer).setUint32(4, (w[61] + K[61 - 43]) >>> 0, true);
    new DataView(tail.buffer).setUint32(8, (w[62] + K[62 - 43]) >>> 0, true);
    new DataView(tail.buffer).setUint32(12, (w[63] + K[63 - 43]) >>> 0, true);
    createHmac('sha256', key); // keying only: its last compression is the K ^ opad block
    expect(Buffer.from(kernel().mem).toString('hex').includes(hexOf(tail))).toBe(false);
  });
});
