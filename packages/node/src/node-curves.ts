// X25519 (RFC 7748, for curve25519-sha256, RFC 8731) and ssh-ed25519 signing and verification
// (RFC 8709, RFC 8032) through node:crypto (OpenSSL), for Node's registry. @noble/curves does
// these on BigInt; per connection they were most of a client's and server's CPU time
// (bench/connect.bench.mjs with --cpu-prof), and OpenSSL does each in tens of microseconds.
// Raw 32-byte keys become KeyObjects through JWK (RFC 8037 OKP keys): Node builds those straight
// from the raw bytes, where DER goes through OpenSSL's decoders at several times the cost (the
// fixed RFC 8410 DER headers remain the fallback).
import { createPrivateKey, createPublicKey, diffieHellman, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { SshReader, SshWriter, type HostKeySigner, type PrivateKey, type SignatureVerifier, type X25519Primitive } from '@seashell/core';

// RFC 8410 §7: OneAsymmetricKey headers for 32-byte private keys.
const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const ED25519_PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');

function check32(what: string, b: unknown): Uint8Array {
  if (!(b instanceof Uint8Array) || b.length !== 32) {
    throw new RangeError(`${what} must be a Uint8Array of 32 bytes, got ${b instanceof Uint8Array ? `${b.length} bytes` : typeof b}`);
  }
  return b;
}

/** A private KeyObject from a raw 32-byte X25519 or Ed25519 private key. */
function okpPrivate(crv: 'X25519' | 'Ed25519', raw: Uint8Array): KeyObject {
  // Node takes the key from d alone (x is not read for private keys, but must be a string).
  try {
    return createPrivateKey({ key: { kty: 'OKP', crv, d: Buffer.from(raw).toString('base64url'), x: '' }, format: 'jwk' });
  } catch {
    const der = Buffer.concat([crv === 'X25519' ? X25519_PKCS8 : ED25519_PKCS8, raw]);
    try {
      return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    } finally {
      der.fill(0);
    }
  }
}

/** A public KeyObject from a raw 32-byte X25519 or Ed25519 public key. */
function okpPublic(crv: 'X25519' | 'Ed25519', raw: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv, x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
}

/** The raw 32-byte public key of a private OKP KeyObject. */
function rawPublic(priv: KeyObject): Uint8Array {
  const { x } = createPublicKey(priv).export({ format: 'jwk' });
  return new Uint8Array(Buffer.from(x as string, 'base64url'));
}

// The kex asks for the public key and then the shared secret of the same private key array:
// keep its KeyObject between the two calls (dropped with the array, which the kex wipes).
const x25519Keys = new WeakMap<Uint8Array, KeyObject>();
function x25519Private(secret: Uint8Array): KeyObject {
  check32('X25519 private key', secret);
  let k = x25519Keys.get(secret);
  if (!k) {
    k = okpPrivate('X25519', secret);
    x25519Keys.set(secret, k);
  }
  return k;
}

/**
 * X25519 on OpenSSL. getSharedSecret throws when OpenSSL refuses the peer key (it fails the
 * derivation when the output would be all zero, i.e. for low-order points); the kex turns that
 * into KEY_EXCHANGE_FAILED.
 */
export const nodeX25519: X25519Primitive = {
  getPublicKey(secret) {
    return rawPublic(x25519Private(secret));
  },
  getSharedSecret(secret, peer) {
    const publicKey = okpPublic('X25519', check32('X25519 public key', peer));
    const privateKey = x25519Private(secret);
    x25519Keys.delete(secret);
    const out = diffieHellman({ privateKey, publicKey });
    const copy = new Uint8Array(out);
    out.fill(0);
    return copy;
  },
};

/** Verifies a raw Ed25519 signature with OpenSSL; false (never a throw) for anything malformed. */
export function nodeEd25519VerifyRaw(publicKey: Uint8Array, data: Uint8Array, sig: Uint8Array): boolean {
  if (publicKey.length !== 32 || sig.length !== 64) return false;
  try {
    return cryptoVerify(null, data, okpPublic('Ed25519', publicKey), sig);
  } catch {
    return false;
  }
}

/** 'ssh-ed25519' signature blobs (RFC 8709 §6) verified by OpenSSL. */
export const nodeEd25519Verifier: SignatureVerifier = {
  name: 'ssh-ed25519',
  verify(publicBlob: Uint8Array, data: Uint8Array, signatureBlob: Uint8Array): boolean {
    try {
      const kr = new SshReader(publicBlob, 'ssh-ed25519 key');
      if (kr.text('key type') !== 'ssh-ed25519') return false;
      const pub = kr.string('key');
      kr.end();
      const sr = new SshReader(signatureBlob, 'ssh-ed25519 signature');
      if (sr.text('signature type') !== 'ssh-ed25519') return false;
      const sig = sr.string('signature');
      sr.end();
      return nodeEd25519VerifyRaw(pub, data, sig);
    } catch {
      return false;
    }
  },
};

/**
 * An ssh-ed25519 signer on OpenSSL for an Ed25519 key record, or undefined for other key types
 * (the caller then uses the portable signers). Ed25519 signatures are deterministic (RFC 8032
 * §5.1.6), so these are byte for byte the portable signer's. Checks that the seed gives the
 * record's public key, as the portable signer does.
 */
export function nodeSigners(key: PrivateKey): HostKeySigner[] | undefined {
  if (key.type !== 'ssh-ed25519') return undefined;
  const priv = okpPrivate('Ed25519', check32('ssh-ed25519 seed', key.seed));
  if (!Buffer.from(key.publicKey).equals(rawPublic(priv))) throw new RangeError('ssh-ed25519 private key does not match its public key');
  const publicBlob = new SshWriter().string('ssh-ed25519').string(key.publicKey).finish();
  return [{
    publicBlob,
    algorithm: 'ssh-ed25519',
    sign(data: Uint8Array): Uint8Array {
      return new SshWriter(96).string('ssh-ed25519').string(new Uint8Array(cryptoSign(null, data, priv))).finish();
    },
  }];
}
