// How `ssh-keygen -l` describes a key: "<bits> <fingerprint> <comment> (<TYPE>)".
import { fingerprintSha256, type PublicKey } from '@seashell/core';

/** Key size in bits as ssh-keygen reports it. */
export function keyBits(key: PublicKey): number {
  switch (key.type) {
    case 'ssh-ed25519':
      return 256;
    case 'ssh-rsa':
      return key.n.toString(2).length;
    default:
      return Number(key.curve.slice('nistp'.length));
  }
}

/** ED25519, ECDSA or RSA. */
export function keyTypeLabel(key: PublicKey): string {
  return key.type === 'ssh-ed25519' ? 'ED25519' : key.type === 'ssh-rsa' ? 'RSA' : 'ECDSA';
}

/** The line `ssh-keygen -l -f` prints for a key. */
export function fingerprintLine(key: PublicKey, comment: string): string {
  return `${keyBits(key)} ${fingerprintSha256(key)} ${comment || 'no comment'} (${keyTypeLabel(key)})`;
}
