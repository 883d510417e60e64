// Fixed-group Diffie-Hellman (RFC 8268, RFC 4253 §8): the RFC 3526 primes as typed in, fixed
// transcripts checked against node:crypto's DiffieHellman, exponent size, and range checks.
import { createDiffieHellman, createHash, getDiffieHellman } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DH_EXPONENT_BITS, kexMethods, legacyKexMethods, modPow, MODP_2048, MODP_3072, MODP_4096, MODP_6144, MODP_8192 } from '../src/algorithms/kex/index.ts';
import type { RandomSource } from '../src/algorithms/types.ts';
import { expectAgreement, hex, makePair, runKex, seededRandom, sshMpint, sshMpintFromBytes, sshStr } from './kex-helpers.ts';

/** pi * 2^bits, floor, by Machin's formula on bigint (for an independent check of the primes). */
function piScaled(bits: number): bigint {
  const guard = 64n;
  const one = 1n << (BigInt(bits) + guard);
  const arctanInv = (x: bigint): bigint => {
    let sum = 0n;
    let term = one / x;
    const x2 = x * x;
    for (let k = 0n; term !== 0n; k++) {
      sum += (k & 1n ? -term : term) / (2n * k + 1n);
      term /= x2;
    }
    return sum;
  };
  return (16n * arctanInv(5n) - 4n * arctanInv(239n)) >> guard;
}

describe('RFC 3526 MODP groups', () => {
  const groups = [
    [MODP_2048, 'modp14', 2048, 124476n],
    [MODP_3072, 'modp15', 3072, 1690314n],
    [MODP_4096, 'modp16', 4096, 240904n],
    [MODP_6144, 'modp17', 6144, 929484n],
    [MODP_8192, 'modp18', 8192, 4743158n],
  ] as const;
  const pi = piScaled(8192 - 130);
  for (const [g, nodeName, bits, k] of groups) {
    it(`${bits}-bit group equals node:crypto's ${nodeName} and RFC 3526's formula with k = ${k}`, () => {
      expect(g.bits).toBe(bits);
      expect(g.g).toBe(2n);
      expect(g.p.toString(16)).toBe(getDiffieHellman(nodeName).getPrime('hex').replace(/^0+/, ''));
      const n = BigInt(bits);
      const floorPi = pi >> BigInt(8192 - bits); // floor(2^(bits-130) * pi)
      expect(g.p).toBe((1n << n) - (1n << (n - 64n)) - 1n + (1n << 64n) * (floorPi + k));
    });
  }

  it('modPow agrees with node:crypto for random exponents', () => {
    for (let i = 0; i < 4; i++) {
      const x = BigInt('0x' + createHash('sha512').update(`x${i}`).digest('hex'));
      const dh = createDiffieHellman(getDiffieHellman('modp14').getPrime(), Buffer.from([2]));
      dh.setPrivateKey(Buffer.from(x.toString(16).padStart(128, '0'), 'hex'));
      expect(modPow(2n, x, MODP_2048.p).toString(16)).toBe(dh.generateKeys('hex').replace(/^0+/, ''));
    }
    expect(modPow(5n, 0n, 7n)).toBe(1n);
    expect(() => modPow(2n, 3n, 1n)).toThrow(RangeError);
  });
});

const fixed = [
  { method: kexMethods['diffie-hellman-group14-sha256'], node: 'modp14', hash: 'sha256' },
  { method: kexMethods['diffie-hellman-group16-sha512'], node: 'modp16', hash: 'sha512' },
  { method: kexMethods['diffie-hellman-group18-sha512'], node: 'modp18', hash: 'sha512' },
  { method: legacyKexMethods['diffie-hellman-group14-sha1'], node: 'modp14', hash: 'sha1' },
] as const;

/** The exponent the implementation draws: DH_EXPONENT_BITS/8 bytes with the top bit set. */
function exponentFrom(random: RandomSource): Buffer {
  const b = Buffer.from(random(DH_EXPONENT_BITS / 8));
  b[0] |= 0x80;
  return b;
}

for (const f of fixed) {
  describe(`${f.method.name}`, () => {
    it('client and server agree on K and H; the signature verifies over H', () => {
      const pair = makePair();
      const r = runKex(f.method, pair);
      expectAgreement(r, pair);
      expect(f.method.hash).toBe(f.hash);
      expect(r.messages.map((m) => m[0])).toEqual([30, 31]);
    });

    it('a fixed-randomness transcript: e, f, K and H match node:crypto', () => {
      const pair = makePair({ clientRandom: seededRandom(`${f.method.name} c`), serverRandom: seededRandom(`${f.method.name} s`) });
      const r = runKex(f.method, pair);
      expectAgreement(r, pair);
      const prime = getDiffieHellman(f.node).getPrime();
      const client = createDiffieHellman(prime, Buffer.from([2]));
      client.setPrivateKey(exponentFrom(seededRandom(`${f.method.name} c`)));
      const e = client.generateKeys();
      const server = createDiffieHellman(prime, Buffer.from([2]));
      server.setPrivateKey(exponentFrom(seededRandom(`${f.method.name} s`)));
      const fv = server.generateKeys();
      expect(hex(r.messages[0])).toBe(hex(Buffer.concat([Buffer.from([30]), sshMpintFromBytes(e)])));
      const K = sshMpintFromBytes(client.computeSecret(fv));
      const x = pair.clientCtx;
      const H = createHash(f.hash)
        .update(Buffer.concat([sshStr(x.clientVersion), sshStr(x.serverVersion), sshStr(x.clientKexinit), sshStr(x.serverKexinit), sshStr(pair.hostKey.publicBlob), sshMpintFromBytes(e), sshMpintFromBytes(fv), K]))
        .digest();
      expect(hex(r.client.sharedSecret)).toBe(hex(K));
      expect(hex(r.client.exchangeHash)).toBe(hex(H));
      expect(hex(r.messages[1])).toBe(hex(Buffer.concat([Buffer.from([31]), sshStr(pair.hostKey.publicBlob), sshMpintFromBytes(fv), sshStr(pair.hostKey.sign(H))])));
    });

    it(`private exponents are ${DH_EXPONENT_BITS} bits (never small): both sides draw ${DH_EXPONENT_BITS / 8} bytes and set the top bit`, () => {
      const asked: number[] = [];
      const zeros: RandomSource = (n) => {
        asked.push(n);
        return new Uint8Array(n); // all zero: the exponent is still exactly 2^(bits-1)
      };
      const pair = makePair({ clientRandom: zeros, serverRandom: zeros });
      const r = runKex(f.method, pair);
      expect(asked).toEqual([DH_EXPONENT_BITS / 8, DH_EXPONENT_BITS / 8]);
      const p = BigInt('0x' + getDiffieHellman(f.node).getPrime('hex'));
      const x = 1n << BigInt(DH_EXPONENT_BITS - 1);
      const e = modPow(2n, x, p);
      expect(hex(r.messages[0])).toBe(hex(Buffer.concat([Buffer.from([30]), sshMpint(e)])));
      expect(hex(r.client.sharedSecret)).toBe(hex(sshMpint(modPow(e, x, p))));
    });
  });
}
