// ssh-ed25519 (RFC 8709): public key blob  string "ssh-ed25519" || string A (32 bytes);
// signature blob  string "ssh-ed25519" || string sig (64 bytes, RFC 8032 §5.1.6). Signing is
// deterministic, so no randomness is needed. Verification uses RFC 8032's strict encoding
// rules (canonical points and S < L), not ZIP-215.
import { ed25519 } from '@noble/curves/ed25519.js';
import { SshReader, SshWriter } from '../wire/index.ts';
import type { HostKeySigner, SignatureVerifier } from '../algorithms/types.ts';
import type { Ed25519PrivateKey, Ed25519PublicKey } from './model.ts';
import { equalBytes } from './bytes.ts';

const NAME = 'ssh-ed25519';

/**
 * Public keys that decoded to a curve point lately. A server parses the same few keys on every
 * connection (authorized_keys lines, the client's key in each auth request), and the check is a
 * square root on BigInt, hundreds of microseconds each. Only keys that passed are remembered,
 * and at most VALID_CACHE_SIZE of them (then the set starts over).
 */
const validKeys = new Set<string>();
const VALID_CACHE_SIZE = 256;

/** Checks that `publicKey` is 32 bytes and decodes to a curve point; returns the key record. */
export function ed25519PublicKey(publicKey: Uint8Array): Ed25519PublicKey {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
    throw new RangeError(`ssh-ed25519 public key must be 32 bytes, got ${publicKey?.length}`);
  }
  const id = String.fromCharCode(...publicKey);
  if (!validKeys.has(id)) {
    if (!ed25519.utils.isValidPublicKey(publicKey, false)) throw new RangeError('ssh-ed25519 public key is not a point on the curve');
    if (validKeys.size >= VALID_CACHE_SIZE) validKeys.clear();
    validKeys.add(id);
  }
  return { type: NAME, publicKey: publicKey.slice() };
}

/**
 * An Ed25519 private key record from a seed and the public key stored beside it (openssh-key-v1
 * keeps both), without deriving the public key here, as OpenSSH does not either: deriving is a
 * scalar multiplication on BigInt, and every signer checks the pair before its first signature
 * (ed25519Signer here, nodeSigners on Node), so a mismatched file still fails before use.
 */
export function ed25519PrivateKeyWithPublic(seed: Uint8Array, publicKey: Uint8Array): Ed25519PrivateKey {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new RangeError(`ssh-ed25519 seed must be 32 bytes, got ${seed?.length}`);
  return { type: NAME, publicKey: ed25519PublicKey(publicKey).publicKey, seed: seed.slice() };
}

/** Builds an Ed25519 private key record from its 32-byte seed (public key derived). */
export function ed25519PrivateKey(seed: Uint8Array): Ed25519PrivateKey {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new RangeError(`ssh-ed25519 seed must be 32 bytes, got ${seed?.length}`);
  return { type: NAME, publicKey: ed25519.getPublicKey(seed), seed: seed.slice() };
}

/** Reads the body of an ssh-ed25519 public key blob (after the type name). */
export function readEd25519Public(r: SshReader): Ed25519PublicKey {
  return ed25519PublicKey(r.string('ssh-ed25519 public key'));
}

/** Writes the ssh-ed25519 public key blob. */
export function writeEd25519Public(w: SshWriter, k: Ed25519PublicKey): void {
  w.string(NAME).string(k.publicKey);
}

/** Raw Ed25519 signature (64 bytes) of `data`. */
export function ed25519SignRaw(k: Ed25519PrivateKey, data: Uint8Array): Uint8Array {
  return ed25519.sign(data, k.seed);
}

/** Verifies a raw 64-byte signature; false (never a throw) for any malformed input. */
export function ed25519VerifyRaw(publicKey: Uint8Array, data: Uint8Array, sig: Uint8Array): boolean {
  if (publicKey.length !== 32 || sig.length !== 64) return false;
  try {
    return ed25519.verify(sig, data, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/** A HostKeySigner for an Ed25519 key. */
export function ed25519Signer(k: Ed25519PrivateKey): HostKeySigner {
  const derived = ed25519.getPublicKey(k.seed);
  if (!equalBytes(derived, k.publicKey)) throw new RangeError('ssh-ed25519 private key does not match its public key');
  const w = new SshWriter();
  writeEd25519Public(w, k);
  const publicBlob = w.finish();
  return {
    publicBlob,
    algorithm: NAME,
    sign(data: Uint8Array): Uint8Array {
      return new SshWriter(96).string(NAME).string(ed25519SignRaw(k, data)).finish();
    },
  };
}

/** Verifier for 'ssh-ed25519' signature blobs (RFC 8709 §6). */
export const ed25519Verifier: SignatureVerifier = {
  name: NAME,
  verify(publicBlob: Uint8Array, data: Uint8Array, signatureBlob: Uint8Array): boolean {
    try {
      const kr = new SshReader(publicBlob, 'ssh-ed25519 key');
      if (kr.text('key type') !== NAME) return false;
      const pub = kr.string('key');
      kr.end();
      const sr = new SshReader(signatureBlob, 'ssh-ed25519 signature');
      if (sr.text('signature type') !== NAME) return false;
      const sig = sr.string('signature');
      sr.end();
      return ed25519VerifyRaw(pub, data, sig);
    } catch {
      return false;
    }
  },
};
