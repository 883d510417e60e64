// Wycheproof signature vectors through the SSH verifiers: every valid case verifies, every
// invalid case is rejected. The vectors' signatures are converted to SSH signature blobs.
//
// ECDSA: Wycheproof gives ASN.1 DER signatures; SSH carries (mpint r, mpint s) (RFC 5656 §3.1.2).
// A case whose DER is itself malformed (BER lengths, extra bytes, wrong tags, non-minimal
// integers, ...) has no SSH form: its "invalidity" lives only in the DER layer. Those are
// counted, checked to be marked invalid, and their raw bytes are also fed to the verifier as
// the signature body (which must fail). Every case whose DER parses strictly becomes an SSH blob
// (negative or zero integers included, as mpints) and must verify exactly when valid.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWithPeer, sharedPath } from '../../../test-support/peers.ts';
import { SshWriter } from '../src/wire/index.ts';
import { encodePublicKey, getVerifier, type SignatureVerifier } from '../src/keys/index.ts';
import { ecdsaPublicKey } from '../src/keys/ecdsa.ts';
import { rsaPublicKey } from '../src/keys/rsa.ts';

const dir = sharedPath('wycheproof');
const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const load = (f: string) => JSON.parse(readFileSync(join(dir!, f), 'utf8'));
const sigBlob = (name: string, body: Uint8Array) => new SshWriter().string(name).string(body).finish();

/** Strict DER: SEQUENCE { INTEGER r, INTEGER s }, minimal lengths and integers, nothing trailing. */
function parseDerSig(b: Uint8Array): { r: bigint; s: bigint } | undefined {
  let p = 0;
  const len = (): number | undefined => {
    if (p >= b.length) return undefined;
    const first = b[p++];
    if (first < 0x80) return first;
    const n = first & 0x7f;
    if (n === 0 || n > 2 || p + n > b.length) return undefined;
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + b[p++];
    if (v < 0x80 || (n === 2 && v < 0x100)) return undefined;
    return v;
  };
  const int = (): bigint | undefined => {
    if (b[p++] !== 0x02) return undefined;
    const l = len();
    if (l === undefined || l === 0 || p + l > b.length) return undefined;
    const body = b.subarray(p, p + l);
    p += l;
    if (l > 1 && ((body[0] === 0 && !(body[1] & 0x80)) || (body[0] === 0xff && body[1] & 0x80))) return undefined;
    let v = BigInt('0x' + Buffer.from(body).toString('hex'));
    if (body[0] & 0x80) v -= 1n << BigInt(8 * l);
    return v;
  };
  if (b[p++] !== 0x30) return undefined;
  const l = len();
  if (l === undefined || p + l !== b.length) return undefined;
  const r = int();
  if (r === undefined) return undefined;
  const s = int();
  if (s === undefined || p !== b.length) return undefined;
  return { r, s };
}

interface Tally {
  valid: number;
  invalid: number;
  unrepresentable: number;
}

describeWithPeer('Wycheproof signatures', dir !== undefined, 'put the Wycheproof vectors in ../shared/wycheproof', () => {
  it('ed25519_test.json through ssh-ed25519', () => {
    const v = getVerifier('ssh-ed25519')!;
    const t: Tally = { valid: 0, invalid: 0, unrepresentable: 0 };
    for (const g of load('ed25519_test.json').testGroups) {
      const blob = new SshWriter().string('ssh-ed25519').string(hex(g.publicKey.pk)).finish();
      for (const c of g.tests) {
        const ok = v.verify(blob, hex(c.msg), sigBlob('ssh-ed25519', hex(c.sig)));
        expect(ok, `tcId ${c.tcId} ${c.comment}`).toBe(c.result === 'valid');
        t[c.result === 'valid' ? 'valid' : 'invalid']++;
      }
    }
    expect(t.valid).toBeGreaterThan(50);
    expect(t.invalid).toBeGreaterThan(50);
  });

  for (const [file, type] of [
    ['ecdsa_secp256r1_sha256_test.json', 'ecdsa-sha2-nistp256'],
    ['ecdsa_secp384r1_sha384_test.json', 'ecdsa-sha2-nistp384'],
    ['ecdsa_secp521r1_sha512_test.json', 'ecdsa-sha2-nistp521'],
  ] as const) {
    it(`${file} through ${type}`, () => {
      const v = getVerifier(type)!;
      const curve = type.slice(11) as 'nistp256';
      const t: Tally = { valid: 0, invalid: 0, unrepresentable: 0 };
      for (const g of load(file).testGroups) {
        const blob = encodePublicKey(ecdsaPublicKey(curve, hex(g.publicKey.uncompressed)));
        for (const c of g.tests) {
          const der = hex(c.sig);
          const rs = parseDerSig(der);
          const label = `tcId ${c.tcId} ${c.comment}`;
          if (!rs) {
            expect(c.result, `${label}: DER we can't parse strictly is a valid case`).toBe('invalid');
            expect(v.verify(blob, hex(c.msg), sigBlob(type, der)), label).toBe(false);
            t.unrepresentable++;
            continue;
          }
          const body = new SshWriter().mpint(rs.r).mpint(rs.s).finish();
          expect(v.verify(blob, hex(c.msg), sigBlob(type, body)), label).toBe(c.result === 'valid');
          t[c.result === 'valid' ? 'valid' : 'invalid']++;
        }
      }
      expect(t.valid).toBeGreaterThan(100);
      expect(t.invalid).toBeGreaterThan(50);
      expect(t.unrepresentable).toBeGreaterThan(0);
    });
  }

  for (const [file, alg] of [
    ['rsa_signature_2048_sha256_test.json', 'rsa-sha2-256'],
    ['rsa_signature_2048_sha512_test.json', 'rsa-sha2-512'],
    ['rsa_signature_3072_sha256_test.json', 'rsa-sha2-256'],
    ['rsa_signature_4096_sha512_test.json', 'rsa-sha2-512'],
  ] as const) {
    it(`${file} through ${alg} (acceptable = MissingNull: rejected, we re-encode with NULL)`, () => {
      const v: SignatureVerifier = getVerifier(alg)!;
      let valid = 0, invalid = 0;
      for (const g of load(file).testGroups) {
        const blob = encodePublicKey(rsaPublicKey(BigInt('0x' + g.publicKey.modulus), BigInt('0x' + g.publicKey.publicExponent)));
        for (const c of g.tests) {
          const ok = v.verify(blob, hex(c.msg), sigBlob(alg, hex(c.sig)));
          expect(ok, `tcId ${c.tcId} ${c.comment} ${c.flags}`).toBe(c.result === 'valid');
          if (c.result === 'valid') valid++;
          else invalid++;
        }
      }
      expect(valid).toBeGreaterThan(5);
      expect(invalid).toBeGreaterThan(100);
    });
  }
});
