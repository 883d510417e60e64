import { describe, expect, it } from 'vitest';
import { bcryptPbkdf } from '../src/keys/bcrypt-pbkdf.ts';
import { PI_WORDS_HEX } from '../src/keys/blowfish-pi.ts';
import { Blowfish, streamWords } from '../src/keys/blowfish.ts';

const e = new TextEncoder();
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('Blowfish and bcrypt_pbkdf', () => {
  it('the Blowfish initial state is the hex expansion of pi (recomputed with Machin’s formula)', () => {
    const words = 18 + 1024;
    const bits = BigInt(words * 32 + 64);
    const one = 1n << bits;
    const atanInv = (x: number) => {
      const x2 = BigInt(x * x);
      let term = one / BigInt(x), sum = term, sign = -1n;
      for (let k = 1n; term !== 0n && k < 100_000n; k++) {
        term /= x2;
        sum += (sign * term) / (2n * k + 1n);
        sign = -sign;
      }
      return sum;
    };
    const frac = 16n * atanInv(5) - 4n * atanInv(239) - 3n * one;
    expect(PI_WORDS_HEX).toBe((frac >> 64n).toString(16).padStart(words * 8, '0'));
  });

  it('Blowfish encrypts the classic all-zero-key vector', () => {
    // Schneier's test vector: key 00…00 (8 bytes), plaintext 00…00 -> 4ef997456198dd78.
    const bf = new Blowfish();
    bf.expand0(streamWords(new Uint8Array(8)));
    bf.encipher(0, 0);
    expect(bf.l.toString(16).padStart(8, '0') + bf.r.toString(16).padStart(8, '0')).toBe('4ef997456198dd78');
  });

  it('matches the OpenBSD bcrypt_pbkdf known answers', () => {
    expect(hex(bcryptPbkdf(e.encode('password'), e.encode('salt'), 32, 4))).toBe('5bbf0cc293587f1c3635555c27796598d47e579071bf427e9d8fbe842aba34d9');
    expect(hex(bcryptPbkdf(e.encode('password'), new Uint8Array([0]), 16, 4))).toBe('c12b566235eee04c212598970a579a67');
    expect(hex(bcryptPbkdf(new Uint8Array([0]), e.encode('salt'), 16, 4))).toBe('6051be18c2f4f82cbf0efee5471b4bb9');
  });

  it('streamWords cycles through bytes like Blowfish_stream2word, for any length', () => {
    const w = (b: number[]) => Array.from(streamWords(Uint8Array.from(b)), (x) => x.toString(16).padStart(8, '0'));
    expect(w([1, 2, 3, 4, 5, 6, 7, 8])).toEqual(['01020304', '05060708']);
    expect(w([1, 2, 3])).toEqual(['01020301', '02030102', '03010203']);
    expect(w([1, 2, 3, 4, 5, 6])).toEqual(['01020304', '05060102', '03040506']);
    expect(w([9])).toEqual(['09090909']);
  });

  it('rounds and key length both change the output (bytes are interleaved across blocks)', () => {
    // the same inputs with rounds 1 and 2 differ, and the output spreads over the whole key
    const k1 = bcryptPbkdf(e.encode('pw'), e.encode('salt'), 48, 1);
    const k2 = bcryptPbkdf(e.encode('pw'), e.encode('salt'), 48, 2);
    expect(hex(k1)).not.toBe(hex(k2));
    expect(hex(bcryptPbkdf(e.encode('pw'), e.encode('salt'), 24, 1))).not.toBe(hex(k1.subarray(0, 24)));
  });

  it('refuses empty passphrase, empty salt, zero rounds and oversized keys', () => {
    expect(() => bcryptPbkdf(new Uint8Array(0), e.encode('s'), 16, 1)).toThrow(/empty passphrase/);
    expect(() => bcryptPbkdf(e.encode('p'), new Uint8Array(0), 16, 1)).toThrow(/salt/);
    expect(() => bcryptPbkdf(e.encode('p'), e.encode('s'), 16, 0)).toThrow(/rounds/);
    expect(() => bcryptPbkdf(e.encode('p'), e.encode('s'), 1025, 1)).toThrow(/key length/);
  });
});
