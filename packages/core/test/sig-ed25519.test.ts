import { describe, expect, it } from 'vitest';
import { createSigner, ed25519PrivateKey, ed25519Verifier, encodePublicKey, parsePublicKey, fingerprintSha256 } from '../src/keys/index.ts';
import { createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';

const seed = Uint8Array.from({ length: 32 }, (_, i) => i);

describe('ssh-ed25519 signer and verifier (RFC 8709)', () => {
  it('signs and verifies; the blob round-trips', () => {
    const key = ed25519PrivateKey(seed);
    const signer = createSigner(key);
    expect(signer.algorithm).toBe('ssh-ed25519');
    const data = new TextEncoder().encode('exchange hash');
    const sig = signer.sign(data);
    expect(ed25519Verifier.verify(signer.publicBlob, data, sig)).toBe(true);
    expect(ed25519Verifier.verify(signer.publicBlob, new Uint8Array(3), sig)).toBe(false);
    const pub = parsePublicKey(signer.publicBlob);
    expect(encodePublicKey(pub)).toEqual(signer.publicBlob);
    expect(fingerprintSha256(pub)).toBe('SHA256:' + createHash('sha256').update(signer.publicBlob).digest('base64').replace(/=+$/, ''));
  });

  it('signatures agree with node:crypto', () => {
    const key = ed25519PrivateKey(seed);
    const data = new TextEncoder().encode('hello');
    const sig = createSigner(key).sign(data).subarray(4 + 11 + 4);
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(key.publicKey)]);
    expect(nodeVerify(null, data, createPublicKey({ key: spki, format: 'der', type: 'spki' }), sig)).toBe(true);
  });

  it('rejects a signature blob with trailing bytes or the wrong name', () => {
    const key = ed25519PrivateKey(seed);
    const s = createSigner(key);
    const data = new Uint8Array(5);
    const sig = s.sign(data);
    const extra = new Uint8Array(sig.length + 1);
    extra.set(sig);
    expect(ed25519Verifier.verify(s.publicBlob, data, extra)).toBe(false);
    const renamed = sig.slice();
    renamed[4 + 10] ^= 1;
    expect(ed25519Verifier.verify(s.publicBlob, data, renamed)).toBe(false);
  });
});
