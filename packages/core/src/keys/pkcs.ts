// Private keys in the DER formats OpenSSL and `ssh-keygen -m PEM / -m PKCS8` write, unencrypted:
// PKCS#1 RSAPrivateKey (RFC 8017 A.1.2), SEC1 ECPrivateKey (RFC 5915 §3), and PKCS#8
// PrivateKeyInfo / OneAsymmetricKey (RFC 5208 §5, RFC 5958 §2) holding rsaEncryption,
// id-ecPublicKey (RFC 5480) or id-Ed25519 (RFC 8410 §7). Every key is checked for consistency.
import { DerError, DerReader, TAG } from './der.ts';
import type { PrivateKey } from './model.ts';
import { rsaPrivateKey } from './rsa.ts';
import { ecdsaCheckPair, ecdsaCurveByOid, ecdsaPrivateKey, ecdsaScalarSize } from './ecdsa.ts';
import type { EcdsaCurveName } from './model.ts';
import { ed25519PrivateKey } from './ed25519.ts';
import { bytesToBigint, equalBytes } from './bytes.ts';

const OID_RSA = '1.2.840.113549.1.1.1';
const OID_EC = '1.2.840.10045.2.1';
const OID_ED25519 = '1.3.101.112';
const OID_DSA = '1.2.840.10040.4.1';
const OID_ED448 = '1.3.101.113';

/** Raised for a key type that is recognised but not supported (DSA, Ed448, other curves). */
export class UnsupportedKeyError extends Error {}

/** PKCS#1 RSAPrivateKey (two-prime, version 0). */
export function decodePkcs1(der: Uint8Array): PrivateKey {
  const top = new DerReader(der, 'RSAPrivateKey');
  const r = top.sequence('RSAPrivateKey');
  top.end();
  const version = r.small('version');
  if (version !== 0) throw new UnsupportedKeyError(`RSAPrivateKey version ${version} (multi-prime RSA) is not supported`);
  const n = r.uint('modulus');
  const e = r.uint('publicExponent');
  const d = r.uint('privateExponent');
  const p = r.uint('prime1');
  const q = r.uint('prime2');
  const dp = r.uint('exponent1');
  const dq = r.uint('exponent2');
  const iqmp = r.uint('coefficient');
  r.end();
  const key = rsaPrivateKey({ n, e, d, p, q, iqmp });
  if (key.dp !== dp || key.dq !== dq) throw new RangeError('RSAPrivateKey CRT exponents do not match d');
  return key;
}

/** SEC1 ECPrivateKey; `curve` comes from the PKCS#8 wrapper when the parameters are absent. */
export function decodeSec1(der: Uint8Array, curve?: EcdsaCurveName): PrivateKey {
  const top = new DerReader(der, 'ECPrivateKey');
  const r = top.sequence('ECPrivateKey');
  top.end();
  if (r.small('version') !== 1) throw new DerError('ECPrivateKey version must be 1');
  const dBytes = r.octets('privateKey');
  let pub: Uint8Array | undefined;
  if (r.peekTag() === 0xa0) {
    const params = r.sequence('parameters', 0xa0);
    const oid = params.oid('namedCurve');
    params.end();
    const named = ecdsaCurveByOid(oid);
    if (!named) throw new UnsupportedKeyError(`EC curve ${oid} is not supported (nistp256, nistp384, nistp521 are)`);
    if (curve && curve !== named) throw new DerError('ECPrivateKey names a different curve from its PKCS#8 wrapper');
    curve = named;
  }
  if (r.peekTag() === 0xa1) {
    const pk = r.sequence('publicKey', 0xa1);
    pub = pk.bits('publicKey');
    pk.end();
  }
  r.end();
  if (!curve) throw new DerError('ECPrivateKey does not name its curve');
  if (dBytes.length !== ecdsaScalarSize(curve)) throw new DerError(`ECPrivateKey scalar has ${dBytes.length} bytes; ${curve} needs ${ecdsaScalarSize(curve)}`);
  const key = ecdsaPrivateKey(curve, bytesToBigint(dBytes));
  if (pub && !equalBytes(pub, key.point)) throw new RangeError('ECPrivateKey public key does not match its private scalar');
  ecdsaCheckPair(key);
  return key;
}

/** PKCS#8 PrivateKeyInfo (v1) or OneAsymmetricKey (v2), unencrypted. */
export function decodePkcs8(der: Uint8Array): PrivateKey {
  const top = new DerReader(der, 'PrivateKeyInfo');
  const r = top.sequence('PrivateKeyInfo');
  top.end();
  const version = r.small('version');
  if (version > 1) throw new DerError(`PrivateKeyInfo version ${version} is unknown`);
  const alg = r.sequence('privateKeyAlgorithm');
  const oid = alg.oid('algorithm');
  const inner = r.octets('privateKey');
  // [0] attributes and (v2) [1] publicKey may follow; neither changes the key.
  let pub: Uint8Array | undefined;
  if (r.peekTag() === 0xa0) r.element(0xa0, 'attributes');
  if (r.peekTag() === 0x81) pub = r.element(0x81, 'publicKey').body.subarray(1);
  r.end();
  switch (oid) {
    case OID_RSA: {
      if (!alg.done) alg.null('parameters');
      alg.end();
      return decodePkcs1(inner);
    }
    case OID_EC: {
      const curveOid = alg.oid('namedCurve');
      alg.end();
      const curve = ecdsaCurveByOid(curveOid);
      if (!curve) throw new UnsupportedKeyError(`EC curve ${curveOid} is not supported (nistp256, nistp384, nistp521 are)`);
      return decodeSec1(inner, curve);
    }
    case OID_ED25519: {
      alg.end();
      const seedReader = new DerReader(inner, 'CurvePrivateKey');
      const seed = seedReader.octets('CurvePrivateKey');
      seedReader.end();
      if (seed.length !== 32) throw new DerError(`Ed25519 private key has ${seed.length} bytes, not 32`);
      const key = ed25519PrivateKey(seed);
      if (pub && !equalBytes(pub, key.publicKey)) throw new RangeError('Ed25519 public key does not match its private key');
      return key;
    }
    case OID_DSA:
      throw new UnsupportedKeyError('DSA keys are not supported (OpenSSH removed ssh-dss)');
    case OID_ED448:
      throw new UnsupportedKeyError('Ed448 keys are not supported by SSH here');
    default:
      throw new UnsupportedKeyError(`PKCS#8 key algorithm ${oid} is not supported`);
  }
}

