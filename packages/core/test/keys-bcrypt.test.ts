import { describe, expect, it } from 'vitest';
import { bcryptPbkdf } from '../src/keys/bcrypt-pbkdf.ts';
import { PI_WORDS_HEX } from '../src/keys/blowfish-pi.ts';
import { Blowfish } from '../src/keys/blowfish.ts';

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
    bf.expand0(new Uint8Array(8));
    const o = bf.encipher(0, 0);
    expect(o[0].toString(16).padStart(8, '0') + o[1].toString(16).padStart(8, '0')).toBe('4ef997456198dd78');
  });

  it('matches the OpenBSD bcrypt_pbkdf known answers', () => {
    expect(hex(bcryptPbkdf(e.encode('password'), e.encode('salt'), 32, 4))).toBe('5bbf0cc293587f1c3635555c27796598d47e579071bf427e9d8fbe842aba34d9');
    expect(hex(bcryptPbkdf(e.encode('password'), new Uint8Array([0]), 16, 4))).toBe('c12b566235eee04c212598970a579a67');
    expect(hex(bcryptPbkdf(new Uint8Array([0]), e.encode('salt'), 16, 4))).toBe('6051be18c2f4f82cbf0efee5471b4bb9');
  });

  it('refuses empty passphrase, empty salt, zero rounds and oversized keys', () => {
    expect(() => bcryptPbkdf(new Uint8Array(0), e.encode('s'), 16, 1)).toThrow(/empty passphrase/);
    expect(() => bcryptPbkdf(e.encode('p'), new Uint8Array(0), 16, 1)).toThrow(/salt/);
    expect(() => bcryptPbkdf(e.encode('p'), e.encode('s'), 16, 0)).toThrow(/rounds/);
    expect(() => bcryptPbkdf(e.encode('p'), e.encode('s'), 1025, 1)).toThrow(/key length/);
  });
});
