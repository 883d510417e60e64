// Key fingerprints exactly as `ssh-keygen -l` prints them (OpenSSH sshkey_fingerprint):
// "SHA256:" + unpadded base64 of SHA-256(blob), or "MD5:" + colon-separated hex of MD5(blob).
import { sha256 } from '@noble/hashes/sha2.js';
import { md5 } from '@noble/hashes/legacy.js';
import type { PublicKey } from './model.ts';
import { encodePublicKey } from './keys.ts';
import { base64Encode, toHex } from './bytes.ts';

function blobOf(key: PublicKey | Uint8Array): Uint8Array {
  return key instanceof Uint8Array ? key : encodePublicKey(key);
}

/** `SHA256:<base64 without padding>` of a public key (or its blob), as `ssh-keygen -l -E sha256`. */
export function fingerprintSha256(key: PublicKey | Uint8Array): string {
  return 'SHA256:' + base64Encode(sha256(blobOf(key)), false);
}

/** `MD5:aa:bb:…` of a public key (or its blob), as `ssh-keygen -l -E md5`. */
export function fingerprintMd5(key: PublicKey | Uint8Array): string {
  return 'MD5:' + toHex(md5(blobOf(key))).match(/../g)!.join(':');
}
