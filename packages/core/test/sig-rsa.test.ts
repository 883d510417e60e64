// RSA on BigInt: rsa-sha2-256 / rsa-sha2-512 (RFC 8332) and legacy ssh-rsa, cross-checked with
// node:crypto both ways; key generation, Miller–Rabin and the modular helpers.
import { checkPrimeSync, createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { SshReader, SshWriter } from '../src/wire/index.ts';
import {
  createSigner,
  encodePublicKey,
  generateKey,
  getVerifier,
  parsePrivateKey,
  verifySignature,
  type RsaPrivateKey,
} from '../src/keys/index.ts';
import { isProbablePrime, modInverse, modPow } from '../src/keys/rsa.ts';
import { bigintToBytes, bitLength, webRandom } from '../src/keys/bytes.ts';

const b64u = (v: bigint) => Buffer.from(bigintToBytes(v, Math.ceil(bitLength(v) / 8))).toString('base64url');
let key: RsaPrivateKey;
const data = new TextEncoder().encode('exchange hash');
const sigBody = (blob: Uint8Array) => {
  const r = new SshReader(blob);
  r.text();
  return r.string();
};

describe('RSA arithmetic', () => {
  it('modPow agrees with a naive computation and handles edge cases', () => {
    const m = 1000000007n;
    for (const [b, e] of [[2n, 10n], [3n, 0n], [0n, 5n], [123456789n, 98765n], [-5n, 3n]] as const) {
      let naive = 1n;
      for (let i = 0n; i < e; i++) naive = (naive * b) % m;
      expect(modPow(b, e, m)).toBe(((naive % m) + m) % m);
    }
    expect(() => modPow(2n, -1n, m)).toThrow(RangeError);
  });

  it('modInverse inverts and refuses non-invertible values', () => {
    expect((modInverse(65537n, 1000000007n - 1n) * 65537n) % (1000000007n - 1n)).toBe(1n);
    expect(() => modInverse(6n, 9n)).toThrow(/not invertible/);
  });

  it('Miller–Rabin: primes, Carmichael numbers and strong pseudoprimes to base 2', () => {
    const r = webRandom;
    for (const p of [2n, 3n, 65537n, 2147483647n, (1n << 127n) - 1n, (1n << 521n) - 1n]) expect(isProbablePrime(p, 20, r), `${p}`).toBe(true);
    for (const c of [1n, 4n, 561n, 41041n, 825265n, 2047n, 3215031751n, ((1n << 127n) - 1n) * 65537n]) expect(isProbablePrime(c, 20, r), `${c}`).toBe(false);
  });
});

describe('RSA keys and signatures', () => {
  beforeAll(() => {
    key = generateKey({ type: 'rsa', bits: 2048 }) as RsaPrivateKey;
  });

  it('generates a sound 2048-bit key with e = 65537', () => {
    expect(bitLength(key.n)).toBe(2048);
    expect(key.e).toBe(65537n);
    expect(key.p * key.q).toBe(key.n);
    expect(checkPrimeSync(bigintToBytes(key.p, 128).buffer as ArrayBuffer)).toBe(true);
    expect(checkPrimeSync(bigintToBytes(key.q, 128).buffer as ArrayBuffer)).toBe(true);
    expect(bitLength(key.p > key.q ? key.p - key.q : key.q - key.p)).toBeGreaterThan(1024 - 100);
    expect((key.iqmp * key.q) % key.p).toBe(1n);
  });

  it('refuses sizes outside 1024..16384 bits', () => {
    expect(() => generateKey({ type: 'rsa', bits: 512 })).toThrow(RangeError);
    expect(() => generateKey({ type: 'rsa', bits: 20000 })).toThrow(RangeError);
  });

  function nodeKeys() {
    const jwk = { kty: 'RSA', n: b64u(key.n), e: b64u(key.e) };
    return {
      pub: createPublicKey({ key: jwk, format: 'jwk' }),
      priv: createPrivateKey({
        key: { ...jwk, d: b64u(key.d), p: b64u(key.p), q: b64u(key.q), dp: b64u(key.dp), dq: b64u(key.dq), qi: b64u(key.iqmp) },
        format: 'jwk',
      }),
    };
  }

  for (const [alg, hash] of [['rsa-sha2-256', 'sha256'], ['rsa-sha2-512', 'sha512']] as const) {
    it(`${alg}: our signatures verify in node:crypto and node's verify here`, () => {
      const { pub, priv } = nodeKeys();
      const signer = createSigner(key, alg);
      expect(signer.algorithm).toBe(alg);
      const sig = signer.sign(data);
      expect(sigBody(sig).length).toBe(256);
      expect(nodeVerify(hash, data, pub, sigBody(sig))).toBe(true);
      expect(getVerifier(alg)!.verify(signer.publicBlob, data, sig)).toBe(true);
      // PKCS#1 v1.5 is deterministic: the blinding must not change the result
      expect(signer.sign(data)).toEqual(sig);
      const theirs = nodeSign(hash, data, priv);
      expect(new Uint8Array(theirs)).toEqual(sigBody(sig));
      expect(getVerifier(alg)!.verify(signer.publicBlob, data, new SshWriter().string(alg).string(theirs).finish())).toBe(true);
    });
  }

  it('a signature is only valid under its own algorithm name', () => {
    const s256 = createSigner(key, 'rsa-sha2-256');
    const sig = s256.sign(data);
    const relabelled = new SshWriter().string('rsa-sha2-512').string(sigBody(sig)).finish();
    expect(getVerifier('rsa-sha2-512')!.verify(s256.publicBlob, data, relabelled)).toBe(false);
    expect(getVerifier('rsa-sha2-512')!.verify(s256.publicBlob, data, sig)).toBe(false);
  });

  it('a signature one byte short (leading zero stripped) is accepted, as OpenSSH does; longer or >= n is not', () => {
    const signer = createSigner(key, 'rsa-sha2-256');
    const v = getVerifier('rsa-sha2-256')!;
    // find data whose signature starts with a zero byte (bounded search, ~1/256 per try; node signs fast)
    const { priv } = nodeKeys();
    let found = false;
    for (let i = 0; i < 4000 && !found; i++) {
      const d = new TextEncoder().encode(`m${i}`);
      const s = new Uint8Array(nodeSign('sha256', d, priv));
      if (s[0] !== 0) continue;
      found = true;
      expect(v.verify(signer.publicBlob, d, new SshWriter().string('rsa-sha2-256').string(s.subarray(1)).finish())).toBe(true);
      expect(v.verify(signer.publicBlob, d, new SshWriter().string('rsa-sha2-256').string(new Uint8Array([0, ...s])).finish())).toBe(false);
    }
    expect(found).toBe(true);
    const big = bigintToBytes(key.n, 256);
    expect(v.verify(signer.publicBlob, data, new SshWriter().string('rsa-sha2-256').string(big).finish())).toBe(false);
    expect(v.verify(signer.publicBlob, data, new SshWriter().string('rsa-sha2-256').string(new Uint8Array(0)).finish())).toBe(false);
  });

  it('legacy ssh-rsa (SHA-1) is opt-in for signing and verifying', () => {
    expect(() => createSigner(key, 'ssh-rsa')).toThrow(/legacy/);
    expect(getVerifier('ssh-rsa')).toBeUndefined();
    const signer = createSigner(key, 'ssh-rsa', { legacy: true });
    const sig = signer.sign(data);
    expect(nodeVerify('sha1', data, nodeKeys().pub, sigBody(sig))).toBe(true);
    expect(getVerifier('ssh-rsa', { legacy: true })!.verify(signer.publicBlob, data, sig)).toBe(true);
    expect(verifySignature(signer.publicBlob, data, sig)).toBe(false);
    expect(verifySignature(signer.publicBlob, data, sig, ['ssh-rsa'])).toBe(true);
  });

  it('PKCS#1 and PKCS#8 exports from node:crypto read back as the same key', () => {
    const { priv } = nodeKeys();
    for (const type of ['pkcs1', 'pkcs8'] as const) {
      const back = parsePrivateKey(priv.export({ type, format: 'pem' }) as string, { file: `k.${type}` });
      expect(encodePublicKey(back.publicKey)).toEqual(encodePublicKey(key));
      expect((back.privateKey as RsaPrivateKey).d).toBe(key.d);
    }
  });

  it('an inconsistent private key is refused (p·q != n, wrong iqmp)', () => {
    expect(() => createSigner({ ...key, q: key.q + 2n })).toThrow(/p·q/);
    expect(() => createSigner({ ...key, iqmp: key.iqmp + 1n })).toThrow(/iqmp/);
  });
});

describe('RSA public key limits', () => {
  it('a modulus over 3072 bits with an exponent over 64 bits is refused (bounded verification cost)', async () => {
    const { rsaPublicKey } = await import('../src/keys/rsa.ts');
    const n4096 = (1n << 4095n) + 1n;
    expect(() => rsaPublicKey(n4096, (1n << 64n) + 1n)).toThrow(/64 are accepted/);
    expect(rsaPublicKey(n4096, (1n << 63n) + 1n).e).toBe((1n << 63n) + 1n);
    const n2048 = (1n << 2047n) + 1n;
    expect(rsaPublicKey(n2048, (1n << 100n) + 1n).n).toBe(n2048);
    expect(() => rsaPublicKey((1n << 16384n) + 1n, 65537n)).toThrow(/at most 16384/);
  });
});
