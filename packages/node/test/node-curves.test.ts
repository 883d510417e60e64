// node:crypto X25519 and ssh-ed25519 signing and verification against @noble/curves (what core uses) on every
// Wycheproof vector: the same accept / reject decision and the same shared secrets, so putting
// them in Node's registry changes speed only.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { x25519 } from '@noble/curves/ed25519.js';
import { ed25519Verifier, generateKey, signersFor, SshWriter } from '@seashell/core';
import { describeWithPeer, sharedPath } from '../../../test-support/peers.ts';

const wycheproof = sharedPath('wycheproof');
const WYCHEPROOF_HINT = 'needs ../shared/wycheproof beside the repository';
import { nodeEd25519Verifier, nodeSigners, nodeX25519 } from '../src/node-curves.ts';

const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const load = (name: string) => JSON.parse(readFileSync(`${sharedPath('wycheproof')}/${name}`, 'utf8'));
const blob = (type: string, body: Uint8Array) => new SshWriter().string(type).string(body).finish();

describeWithPeer('ssh-ed25519 verification: node:crypto agrees with @noble/curves on Wycheproof', !!wycheproof, WYCHEPROOF_HINT, () => {
  it('every ed25519_test.json vector gets the same decision (and valid ones verify)', () => {
    const data = load('ed25519_test.json');
    let n = 0;
    for (const g of data.testGroups) {
      const pub = hex(g.publicKey.pk);
      for (const t of g.tests) {
        const k = blob('ssh-ed25519', pub);
        const s = blob('ssh-ed25519', hex(t.sig));
        const msg = hex(t.msg);
        const ours = nodeEd25519Verifier.verify(k, msg, s);
        expect({ tcId: t.tcId, ok: ours }).toEqual({ tcId: t.tcId, ok: ed25519Verifier.verify(k, msg, s) });
        if (t.result === 'valid') expect(ours).toBe(true);
        if (t.result === 'invalid') expect(ours).toBe(false);
        n++;
      }
    }
    expect(n).toBeGreaterThan(100);
  });

  it('rejects malformed blobs without throwing', () => {
    const k = blob('ssh-ed25519', new Uint8Array(32));
    expect(nodeEd25519Verifier.verify(k, new Uint8Array(1), blob('ssh-rsa', new Uint8Array(64)))).toBe(false);
    expect(nodeEd25519Verifier.verify(k, new Uint8Array(1), blob('ssh-ed25519', new Uint8Array(63)))).toBe(false);
    expect(nodeEd25519Verifier.verify(blob('ssh-ed25519', new Uint8Array(31)), new Uint8Array(1), blob('ssh-ed25519', new Uint8Array(64)))).toBe(false);
    expect(nodeEd25519Verifier.verify(new Uint8Array([0, 0, 0, 9]), new Uint8Array(1), new Uint8Array(0))).toBe(false);
  });
});

describeWithPeer('X25519: node:crypto agrees with @noble/curves on Wycheproof', !!wycheproof, WYCHEPROOF_HINT, () => {
  it('every x25519_test.json vector: same shared secret, or both refuse', () => {
    const data = load('x25519_test.json');
    let n = 0;
    for (const g of data.testGroups) {
      for (const t of g.tests) {
        const priv = hex(t.private), pub = hex(t.public);
        if (pub.length !== 32 || priv.length !== 32) continue;
        const run = (f: () => Uint8Array) => {
          try {
            const out = f();
            return out.every((b) => b === 0) ? 'zero' : Buffer.from(out).toString('hex');
          } catch {
            return 'refused';
          }
        };
        const a = run(() => nodeX25519.getSharedSecret(priv, pub));
        const b = run(() => x25519.getSharedSecret(priv, pub));
        // zero and refused both end the key exchange (x25519Shared turns both into KEY_EXCHANGE_FAILED)
        const norm = (r: string) => (r === 'zero' ? 'refused' : r);
        expect({ tcId: t.tcId, r: norm(a) }).toEqual({ tcId: t.tcId, r: norm(b) });
        if (norm(a) !== 'refused') expect(a).toBe(t.shared);
        n++;
      }
    }
    expect(n).toBeGreaterThan(100);
  });

  it('public keys match noble for random secrets', () => {
    for (let i = 0; i < 20; i++) {
      const s = crypto.getRandomValues(new Uint8Array(32));
      expect(nodeX25519.getPublicKey(s)).toEqual(x25519.getPublicKey(s));
    }
  });
});

describe('ssh-ed25519 signer on node:crypto', () => {
  it('gives byte-identical public blobs and signatures to the portable signer (Ed25519 is deterministic)', () => {
    for (let i = 0; i < 5; i++) {
      const key = generateKey({ type: 'ed25519' });
      const [mine] = nodeSigners(key)!;
      const [theirs] = signersFor(key);
      expect(mine.algorithm).toBe('ssh-ed25519');
      expect(mine.publicBlob).toEqual(theirs.publicBlob);
      for (const n of [0, 1, 32, 1000]) {
        const data = crypto.getRandomValues(new Uint8Array(n));
        const sig = mine.sign(data);
        expect(sig).toEqual(theirs.sign(data));
        expect(ed25519Verifier.verify(mine.publicBlob, data, sig)).toBe(true);
      }
    }
  });

  it('refuses a key record whose public key does not match its seed', () => {
    const key = generateKey({ type: 'ed25519' });
    const other = generateKey({ type: 'ed25519' });
    expect(() => nodeSigners({ ...key, publicKey: (other as typeof key).publicKey })).toThrow(/does not match/);
  });

  it('leaves other key types to the portable signers', () => {
    expect(nodeSigners(generateKey({ type: 'ecdsa' }))).toBeUndefined();
  });
});
