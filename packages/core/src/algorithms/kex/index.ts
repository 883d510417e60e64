// Key exchange registry: wire name -> KexMethod (RFC 4253 §7.1 names), and the default
// preference order, which follows OpenSSH 9.x's (sntrup761x25519-sha512 is not implemented).
// Legacy methods (SHA-1 exchange hash) live in their own record and are never offered unless
// a caller adds them explicitly.
import type { KexMethod } from '../types.ts';
import { curve25519Sha256, curve25519Sha256Libssh } from './curve25519.ts';
import { dhGroup14Sha1, dhGroup14Sha256, dhGroup16Sha512, dhGroup18Sha512 } from './dh.ts';
import { ecdhSha2Nistp256, ecdhSha2Nistp384, ecdhSha2Nistp521 } from './ecdh.ts';
import { dhGexSha256 } from './gex.ts';
import { mlkem768x25519Sha256 } from './mlkem.ts';

export { deriveKey, MAX_DERIVED_KEY } from './derive.ts';
export type { KeyLetter } from './derive.ts';
export { KexMsg } from './common.ts';
export { curve25519Sha256, curve25519Sha256Libssh } from './curve25519.ts';
export { ecdhSha2Nistp256, ecdhSha2Nistp384, ecdhSha2Nistp521 } from './ecdh.ts';
export { dhGroup14Sha1, dhGroup14Sha256, dhGroup16Sha512, dhGroup18Sha512, DH_EXPONENT_BITS, DH_MAX_BITS, DH_MIN_BITS, modPow } from './dh.ts';
export { chooseGroup, dhGexSha256, GEX_DEFAULT_SIZES, makeGexMethod } from './gex.ts';
export type { GexSizes } from './gex.ts';
export { parseModuli, MODULI_MAX_BITS } from './moduli.ts';
export { MODP_2048, MODP_3072, MODP_4096, MODP_6144, MODP_8192, MODP_GROUPS } from './modp-groups.ts';
export { mlkem768x25519Sha256 } from './mlkem.ts';

/** Every supported (non-legacy) key exchange method by wire name. */
export const kexMethods = {
  'mlkem768x25519-sha256': mlkem768x25519Sha256,
  'curve25519-sha256': curve25519Sha256,
  'curve25519-sha256@libssh.org': curve25519Sha256Libssh,
  'ecdh-sha2-nistp256': ecdhSha2Nistp256,
  'ecdh-sha2-nistp384': ecdhSha2Nistp384,
  'ecdh-sha2-nistp521': ecdhSha2Nistp521,
  'diffie-hellman-group-exchange-sha256': dhGexSha256,
  'diffie-hellman-group16-sha512': dhGroup16Sha512,
  'diffie-hellman-group18-sha512': dhGroup18Sha512,
  'diffie-hellman-group14-sha256': dhGroup14Sha256,
} as const satisfies Record<string, KexMethod>;

export type KexName = keyof typeof kexMethods;

/** Legacy methods: only offered when a caller enables them by name. */
export const legacyKexMethods = {
  'diffie-hellman-group14-sha1': dhGroup14Sha1,
} as const satisfies Record<string, KexMethod>;

export type LegacyKexName = keyof typeof legacyKexMethods;

/** Default offer, most preferred first (OpenSSH 9.x order, without sntrup761x25519-sha512). */
export const defaultKexNames: readonly KexName[] = Object.freeze([
  'mlkem768x25519-sha256',
  'curve25519-sha256',
  'curve25519-sha256@libssh.org',
  'ecdh-sha2-nistp256',
  'ecdh-sha2-nistp384',
  'ecdh-sha2-nistp521',
  'diffie-hellman-group-exchange-sha256',
  'diffie-hellman-group16-sha512',
  'diffie-hellman-group18-sha512',
  'diffie-hellman-group14-sha256',
] as const);

/** Looks a method up by wire name (legacy ones only when allowLegacy); undefined when unknown. */
export function findKexMethod(name: string, allowLegacy = false): KexMethod | undefined {
  if (Object.hasOwn(kexMethods, name)) return kexMethods[name as KexName];
  if (allowLegacy && Object.hasOwn(legacyKexMethods, name)) return legacyKexMethods[name as LegacyKexName];
  return undefined;
}
