// Legacy signature algorithm ssh-rsa: RSASSA-PKCS1-v1_5 with SHA-1 (RFC 4253 §6.6). SHA-1 is
// broken for collisions, so this is never in the defaults; callers opt in explicitly (e.g. for
// an old peer that knows nothing newer). OpenSSH disables it by default since 8.8.
import { sha1 } from '@noble/hashes/legacy.js';
import type { HostKeySigner, RandomSource, SignatureVerifier } from '../algorithms/types.ts';
import type { RsaPrivateKey } from './model.ts';
import { type RsaHash, rsaSignerWith, rsaVerifierWith } from './rsa.ts';
import { webRandom } from './bytes.ts';

/** SHA-1 with its DigestInfo prefix (RFC 8017 §9.2 note 1). */
export const RSA_SHA1: RsaHash = {
  name: 'sha1',
  digest: sha1,
  prefix: Uint8Array.from([0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14]),
};

/** Verifier for legacy 'ssh-rsa' (SHA-1) signatures. Not in the defaults. */
export const legacySshRsaVerifier: SignatureVerifier = rsaVerifierWith('ssh-rsa', RSA_SHA1);

/** A signer making legacy 'ssh-rsa' (SHA-1) signatures. Use only when a peer supports nothing else. */
export function legacySshRsaSigner(k: RsaPrivateKey, random: RandomSource = webRandom): HostKeySigner {
  return rsaSignerWith(k, 'ssh-rsa', RSA_SHA1, random);
}
