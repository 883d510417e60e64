// ecdsa-sha2-nistp256 / nistp384 / nistp521 (RFC 5656 §3): public key blob
//   string "ecdsa-sha2-[id]" || string [id] || string Q (uncompressed SEC1 point);
// signature blob  string "ecdsa-sha2-[id]" || string (mpint r || mpint s), §3.1.2.
// Hashes: SHA-256 for nistp256, SHA-384 for nistp384, SHA-512 for nistp521 (§6.2.1).
// Verification accepts high-S signatures (as OpenSSL and OpenSSH do); r and s must be in [1, n-1].
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { SshReader, SshWriter } from '../wire/index.ts';
import type { HostKeySigner, SignatureVerifier } from '../algorithms/types.ts';
import type { EcdsaCurveName, EcdsaKeyType, EcdsaPrivateKey, EcdsaPublicKey } from './model.ts';
import { bigintToBytes, bytesToBigint, equalBytes } from './bytes.ts';

type Curve = typeof p256;
interface CurveInfo {
  readonly curve: Curve;
  readonly hash: (m: Uint8Array) => Uint8Array;
  /** Byte length of a field element / scalar. */
  readonly size: number;
  readonly n: bigint;
  /** DER OID of the named curve (RFC 5480 §2.1.1.1), for PKCS#8 / SEC1 key files. */
  readonly oid: string;
}

const CURVES: Record<EcdsaCurveName, CurveInfo> = {
  nistp256: { curve: p256, hash: sha256, size: 32, n: p256.Point.Fn.ORDER, oid: '1.2.840.10045.3.1.7' },
  nistp384: { curve: p384, hash: sha384, size: 48, n: p384.Point.Fn.ORDER, oid: '1.3.132.0.34' },
  nistp521: { curve: p521, hash: sha512, size: 66, n: p521.Point.Fn.ORDER, oid: '1.3.132.0.35' },
};

/** The ECDSA key types, one per curve. */
export const ECDSA_KEY_TYPES: readonly EcdsaKeyType[] = ['ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521'];

/** The curve name of an ECDSA key type, or undefined if `type` is not one. */
export function ecdsaCurveOf(type: string): EcdsaCurveName | undefined {
  const c = type.startsWith('ecdsa-sha2-') ? type.slice(11) : '';
  return Object.hasOwn(CURVES, c) ? (c as EcdsaCurveName) : undefined;
}

/** The curve whose named-curve OID is `oid` (dotted form), or undefined. */
export function ecdsaCurveByOid(oid: string): EcdsaCurveName | undefined {
  for (const [name, info] of Object.entries(CURVES)) if (info.oid === oid) return name as EcdsaCurveName;
  return undefined;
}

/** Byte length of a scalar / coordinate on the curve. */
export function ecdsaScalarSize(curve: EcdsaCurveName): number {
  return CURVES[curve].size;
}

/** Validates Q (uncompressed, on the curve, not the identity) and returns the key record. */
export function ecdsaPublicKey(curve: EcdsaCurveName, point: Uint8Array): EcdsaPublicKey {
  const info = CURVES[curve];
  if (!info) throw new RangeError(`unknown ECDSA curve ${JSON.stringify(curve)}`);
  if (point.length !== 1 + 2 * info.size || point[0] !== 0x04) {
    throw new RangeError(`ecdsa-sha2-${curve} public key must be an uncompressed point of ${1 + 2 * info.size} bytes`);
  }
  try {
    info.curve.Point.fromBytes(point).assertValidity();
  } catch {
    throw new RangeError(`ecdsa-sha2-${curve} public key is not a point on the curve`);
  }
  return { type: `ecdsa-sha2-${curve}`, curve, point: point.slice() };
}

/** Builds an ECDSA private key from its scalar d (1 <= d < n); Q is derived. */
export function ecdsaPrivateKey(curve: EcdsaCurveName, d: bigint): EcdsaPrivateKey {
  const info = CURVES[curve];
  if (!info) throw new RangeError(`unknown ECDSA curve ${JSON.stringify(curve)}`);
  if (d <= 0n || d >= info.n) throw new RangeError(`ecdsa-sha2-${curve} private scalar is out of range`);
  const point = info.curve.getPublicKey(bigintToBytes(d, info.size), false);
  return { type: `ecdsa-sha2-${curve}`, curve, point, d };
}

/** Checks that the private scalar d matches the public point. */
export function ecdsaCheckPair(k: EcdsaPrivateKey): void {
  const derived = ecdsaPrivateKey(k.curve, k.d);
  if (!equalBytes(derived.point, k.point)) throw new RangeError(`${k.type} private key does not match its public key`);
}

/** Reads the body of an ecdsa-sha2-* public key blob after the type name. */
export function readEcdsaPublic(r: SshReader, type: EcdsaKeyType): EcdsaPublicKey {
  const curve = ecdsaCurveOf(type)!;
  const id = r.text('curve identifier');
  if (id !== curve) throw new RangeError(`${type} key names curve ${JSON.stringify(id.slice(0, 32))}`);
  return ecdsaPublicKey(curve, r.string('Q'));
}

/** Writes the ecdsa-sha2-* public key blob. */
export function writeEcdsaPublic(w: SshWriter, k: EcdsaPublicKey): void {
  w.string(k.type).string(k.curve).string(k.point);
}

/** Signs `data` (hashed with the curve's hash); returns r and s. Deterministic k (RFC 6979). */
export function ecdsaSignRaw(k: EcdsaPrivateKey, data: Uint8Array): { r: bigint; s: bigint } {
  const info = CURVES[k.curve];
  const dBytes = bigintToBytes(k.d, info.size);
  try {
    const sig = info.curve.sign(info.hash(data), dBytes, { prehash: false, format: 'compact' });
    return { r: bytesToBigint(sig.subarray(0, info.size)), s: bytesToBigint(sig.subarray(info.size)) };
  } finally {
    dBytes.fill(0);
  }
}

/** Verifies (r, s) over `data` with Q; false (never a throw) for anything invalid. */
export function ecdsaVerifyRaw(curve: EcdsaCurveName, point: Uint8Array, data: Uint8Array, r: bigint, s: bigint): boolean {
  const info = CURVES[curve];
  if (!info || r <= 0n || s <= 0n || r >= info.n || s >= info.n) return false;
  try {
    const sig = new Uint8Array(2 * info.size);
    sig.set(bigintToBytes(r, info.size), 0);
    sig.set(bigintToBytes(s, info.size), info.size);
    return info.curve.verify(sig, info.hash(data), point, { prehash: false, lowS: false, format: 'compact' });
  } catch {
    return false;
  }
}

/** A HostKeySigner for an ECDSA key. */
export function ecdsaSigner(k: EcdsaPrivateKey): HostKeySigner {
  ecdsaCheckPair(k);
  const w = new SshWriter(160);
  writeEcdsaPublic(w, k);
  const publicBlob = w.finish();
  return {
    publicBlob,
    algorithm: k.type,
    sign(data: Uint8Array): Uint8Array {
      const { r, s } = ecdsaSignRaw(k, data);
      const inner = new SshWriter(160).mpint(r).mpint(s).finish();
      return new SshWriter(200).string(k.type).string(inner).finish();
    },
  };
}

/** Parses the inner ECDSA signature (mpint r || mpint s), rejecting negatives and trailing bytes. */
export function parseEcdsaSignature(inner: Uint8Array): { r: bigint; s: bigint } | undefined {
  try {
    const r = new SshReader(inner, 'ecdsa signature');
    const rv = r.mpint('r');
    const sv = r.mpint('s');
    r.end();
    if (rv <= 0n || sv <= 0n) return undefined;
    return { r: rv, s: sv };
  } catch {
    return undefined;
  }
}

function makeVerifier(type: EcdsaKeyType): SignatureVerifier {
  const curve = ecdsaCurveOf(type)!;
  return {
    name: type,
    verify(publicBlob: Uint8Array, data: Uint8Array, signatureBlob: Uint8Array): boolean {
      try {
        const kr = new SshReader(publicBlob, type);
        if (kr.text('key type') !== type) return false;
        const key = readEcdsaPublic(kr, type);
        kr.end();
        const sr = new SshReader(signatureBlob, type + ' signature');
        if (sr.text('signature type') !== type) return false;
        const inner = sr.string('signature');
        sr.end();
        const rs = parseEcdsaSignature(inner);
        return rs !== undefined && ecdsaVerifyRaw(curve, key.point, data, rs.r, rs.s);
      } catch {
        return false;
      }
    },
  };
}

/** Verifiers for ecdsa-sha2-nistp256 / 384 / 521 signature blobs. */
export const ecdsaVerifiers: Readonly<Record<EcdsaKeyType, SignatureVerifier>> = {
  'ecdsa-sha2-nistp256': makeVerifier('ecdsa-sha2-nistp256'),
  'ecdsa-sha2-nistp384': makeVerifier('ecdsa-sha2-nistp384'),
  'ecdsa-sha2-nistp521': makeVerifier('ecdsa-sha2-nistp521'),
};

/** A fresh random ECDSA key on `curve`, from `random` (32/48/66 bytes plus margin, reduced mod n). */
export function ecdsaGenerate(curve: EcdsaCurveName, random: (n: number) => Uint8Array): EcdsaPrivateKey {
  const info = CURVES[curve];
  if (!info) throw new RangeError(`unknown ECDSA curve ${JSON.stringify(curve)}`);
  // FIPS 186-5 A.2.1: take 64 extra bits and reduce, so the bias is negligible.
  const seed = random(info.size + 8);
  if (seed.length !== info.size + 8) throw new RangeError('random source returned the wrong number of bytes');
  const d = (bytesToBigint(seed) % (info.n - 1n)) + 1n;
  seed.fill(0);
  return ecdsaPrivateKey(curve, d);
}
