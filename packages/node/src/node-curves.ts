// X25519 (RFC 7748, for curve25519-sha256, RFC 8731) and ssh-ed25519 signing and verification
// (RFC 8709, RFC 8032) through node:crypto (OpenSSL), for Node's registry. @noble/curves does
// these on BigInt; per connection they were most of a client's and server's CPU time
// (bench/connect.bench.mjs with --cpu-prof), and OpenSSL does each in tens of microseconds.
// Raw 32-byte keys become KeyObjects by prefixing the fixed DER headers of RFC 8410.
import { createPrivateKey, createPublicKey, diffieHellman, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';
import { SshReader, SshWriter, type HostKeySigner, type PrivateKey, type SignatureVerifier, type X25519Primitive } from '@seashell/core';

// RFC 8410 §10.3 / §7: SubjectPublicKeyInfo and OneAsymmetricKey headers for 32-byte keys.
const X25519_SPKI = Buffer.from('302a300506032b656e032100', 'hex');
const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const ED25519_SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const ED25519_PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');

function check32(what: string, b: unknown): Uint8Array {
  if (!(b instanceof Uint8Array) || b.length !== 32) {
    throw new RangeError(`${what} must be a Uint8Array of 32 bytes, got ${b instanceof Uint8Array ? `${b.length} bytes` : typeof b}`);
  }
  return b;
}

function x25519Private(secret: Uint8Array) {
  const der = Buffer.concat([X25519_PKCS8, check32('X25519 private key', secret)]);
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } finally {
    der.fill(0);
  }
}

/**
 * X25519 on OpenSSL. getSharedSecret throws when OpenSSL refuses the peer key (it fails the
 * derivation when the output would be all zero, i.e. for low-order points); the kex turns that
 * into KEY_EXCHANGE_FAILED.
 */
export const nodeX25519: X25519Primitive = {
  getPublicKey(secret) {
    const spki = createPublicKey(x25519Private(secret)).export({ format: 'der', type: 'spki' });
    return new Uint8Array(spki.subarray(X25519_SPKI.length));
  },
  getSharedSecret(secret, peer) {
    const publicKey = createPublicKey({ key: Buffer.concat([X25519_SPKI, check32('X25519 public key', peer)]), format: 'der', type: 'spki' });
    const out = diffieHellman({ privateKey: x25519Private(secret), publicKey });
    const copy = new Uint8Array(out);
    out.fill(0);
    return copy;
  },
};

/** Verifies a raw Ed25519 signature with OpenSSL; false (never a throw) for anything malformed. */
export function nodeEd25519VerifyRaw(publicKey: Uint8Array, data: Uint8Array, sig: Uint8Array): boolean {
  if (publicKey.length !== 32 || sig.length !== 64) return false;
  try {
    const key = createPublicKey({ key: Buffer.concat([ED25519_SPKI, publicKey]), format: 'der', type: 'spki' });
    return cryptoVerify(null, data, key, sig);
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
  const der = Buffer.concat([ED25519_PKCS8, check32('ssh-ed25519 seed', key.seed)]);
  let priv;
  try {
    priv = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } finally {
    der.fill(0);
  }
  const pub = createPublicKey(priv).export({ format: 'der', type: 'spki' }).subarray(ED25519_SPKI.length);
  if (!Buffer.from(key.publicKey).equals(pub)) throw new RangeError('ssh-ed25519 private key does not match its public key');
  const publicBlob = new SshWriter().string('ssh-ed25519').string(key.publicKey).finish();
  return [{
    publicBlob,
    algorithm: 'ssh-ed25519',
    sign(data: Uint8Array): Uint8Array {
      return new SshWriter(96).string('ssh-ed25519').string(new Uint8Array(cryptoSign(null, data, priv))).finish();
    },
  }];
}
