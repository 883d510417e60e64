// ecdsa-sha2-nistp256/384/521 (RFC 5656): signatures cross-checked with node:crypto both ways,
// and the signature blob's edge cases.
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SshReader, SshWriter } from '../src/wire/index.ts';
import { createSigner, generateKey, getVerifier, parsePrivateKey, publicOf, encodePublicKey, type EcdsaPrivateKey } from '../src/keys/index.ts';
import { bigintToBytes, bytesToBigint } from '../src/keys/bytes.ts';

const CURVES = [
  { bits: 256, nodeCurve: 'P-256', hash: 'sha256', size: 32 },
  { bits: 384, nodeCurve: 'P-384', hash: 'sha384', size: 48 },
  { bits: 521, nodeCurve: 'P-521', hash: 'sha512', size: 66 },
] as const;
const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');

function nodeKeys(k: EcdsaPrivateKey, crv: string, size: number) {
  const x = k.point.subarray(1, 1 + size), y = k.point.subarray(1 + size);
  const jwk = { kty: 'EC', crv, x: b64u(x), y: b64u(y) };
  return {
    pub: createPublicKey({ key: jwk, format: 'jwk' }),
    priv: createPrivateKey({ key: { ...jwk, d: b64u(bigintToBytes(k.d, size)) }, format: 'jwk' }),
  };
}

for (const c of CURVES) {
  const type = `ecdsa-sha2-nistp${c.bits}` as const;
  describe(type, () => {
    const key = generateKey({ type: 'ecdsa', bits: c.bits }) as EcdsaPrivateKey;
    const signer = createSigner(key);
    const v = getVerifier(type)!;
    const data = new TextEncoder().encode(`exchange hash for ${type}`);
    const { pub, priv } = nodeKeys(key, c.nodeCurve, c.size);

    const sshSig = (r: bigint, s: bigint) => new SshWriter().string(type).string(new SshWriter().mpint(r).mpint(s).finish()).finish();
    const rsOf = (blob: Uint8Array) => {
      const o = new SshReader(blob);
      expect(o.text()).toBe(type);
      const inner = new SshReader(o.string());
      return { r: inner.mpint(), s: inner.mpint() };
    };

    it('our signatures verify here and in node:crypto', () => {
      expect(signer.algorithm).toBe(type);
      const sig = signer.sign(data);
      expect(v.verify(signer.publicBlob, data, sig)).toBe(true);
      const { r, s } = rsOf(sig);
      const p1363 = Buffer.concat([bigintToBytes(r, c.size), bigintToBytes(s, c.size)]);
      expect(nodeVerify(c.hash, data, { key: pub, dsaEncoding: 'ieee-p1363' }, p1363)).toBe(true);
    });

    it('node:crypto signatures verify here, including high-S ones; tampering fails', () => {
      for (let i = 0; i < 4; i++) {
        const p1363 = nodeSign(c.hash, data, { key: priv, dsaEncoding: 'ieee-p1363' });
        const r = bytesToBigint(p1363.subarray(0, c.size)), s = bytesToBigint(p1363.subarray(c.size));
        const n = BigInt('0x' + { 256: 'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 384: 'ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973', 521: '01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409' }[c.bits]);
        expect(v.verify(signer.publicBlob, data, sshSig(r, s))).toBe(true);
        expect(v.verify(signer.publicBlob, data, sshSig(r, n - s))).toBe(true); // the other valid S
        expect(v.verify(signer.publicBlob, data, sshSig(r, s + n))).toBe(false); // s >= n
        expect(v.verify(signer.publicBlob, data, sshSig(r + n, s))).toBe(false);
        expect(v.verify(signer.publicBlob, data, sshSig(-r, s))).toBe(false);
        expect(v.verify(signer.publicBlob, data, sshSig(0n, s))).toBe(false);
        expect(v.verify(signer.publicBlob, new Uint8Array([1, ...data]), sshSig(r, s))).toBe(false);
      }
    });

    it('rejects malformed signature blobs: trailing bytes, non-minimal mpints, wrong name, other curve key', () => {
      const sig = signer.sign(data);
      const { r, s } = rsOf(sig);
      const inner = new SshWriter().mpint(r).mpint(s).finish();
      expect(v.verify(signer.publicBlob, data, new SshWriter().string(type).string(new Uint8Array([...inner, 0])).finish())).toBe(false);
      expect(v.verify(signer.publicBlob, data, new Uint8Array([...sig, 0]))).toBe(false);
      const nonMinimal = new SshWriter().string(new Uint8Array([0, 0, ...bigintToBytes(r, c.size)])).mpint(s).finish();
      expect(v.verify(signer.publicBlob, data, new SshWriter().string(type).string(nonMinimal).finish())).toBe(false);
      expect(v.verify(signer.publicBlob, data, new SshWriter().string('ecdsa-sha2-nistp999').string(inner).finish())).toBe(false);
      const other = createSigner(generateKey({ type: 'ecdsa', bits: c.bits === 256 ? 384 : 256 }));
      expect(v.verify(other.publicBlob, data, sig)).toBe(false);
      expect(v.verify(signer.publicBlob.subarray(0, 30), data, sig)).toBe(false);
    });

    it('PKCS#8 and SEC1 exports from node:crypto read back as the same key', () => {
      for (const [type2, label] of [['pkcs8', 'PRIVATE KEY'], ['sec1', 'EC PRIVATE KEY']] as const) {
        const pem = priv.export({ type: type2, format: 'pem' }) as string;
        expect(pem).toContain(label);
        const back = parsePrivateKey(pem, { file: `key.${type2}` });
        expect(encodePublicKey(back.publicKey)).toEqual(encodePublicKey(publicOf(key)));
        expect((back.privateKey as EcdsaPrivateKey).d).toBe(key.d);
      }
    });
  });
}

describe('ed25519 PKCS#8 (RFC 8410) from node:crypto', () => {
  it('reads an Ed25519 PKCS#8 key with the same public key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const back = parsePrivateKey(pem, { file: 'ed.p8' });
    const raw = (publicKey.export({ format: 'jwk' }) as { x: string }).x;
    expect(b64u((back.publicKey as { publicKey: Uint8Array }).publicKey)).toBe(raw);
    const data = new TextEncoder().encode('hi');
    const sig = createSigner(back.privateKey).sign(data);
    expect(nodeVerify(null, data, publicKey, new SshReader(sig).string() && new SshReader(sig.subarray(4 + 11)).string())).toBe(true);
  });
});
