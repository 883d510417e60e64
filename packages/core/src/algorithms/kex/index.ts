// Key exchange registry: wire name -> KexMethod (RFC 4253 §7.1 names), and the default
// preference order, which follows OpenSSH 9.x's (sntrup761x25519-sha512 is not offered).
import type { KexMethod } from '../types.ts';
import { curve25519Sha256, curve25519Sha256Libssh } from './curve25519.ts';

export { deriveKey, MAX_DERIVED_KEY } from './derive.ts';
export type { KeyLetter } from './derive.ts';
export { KexMsg } from './common.ts';
export { curve25519Sha256, curve25519Sha256Libssh } from './curve25519.ts';

/** Every key exchange method by wire name. */
export const kexMethods = {
  'curve25519-sha256': curve25519Sha256,
  'curve25519-sha256@libssh.org': curve25519Sha256Libssh,
} as const satisfies Record<string, KexMethod>;

export type KexName = keyof typeof kexMethods;

/** Default offer, most preferred first (OpenSSH 9.x order). */
export const defaultKexNames: readonly KexName[] = ['curve25519-sha256', 'curve25519-sha256@libssh.org'];
