// Legacy algorithms, off by default: SHA-1 based ones that OpenSSH 9.x no longer offers
// (ssh-rsa signatures, hmac-sha1 and its -etm form, diffie-hellman-group14-sha1). A caller
// that must talk to an old peer builds a registry with withLegacy() and names the legacy
// algorithms explicitly in its algorithm lists; they are never added to the default offer.
import type { AlgorithmRegistry, MacSpec } from './registry.ts';
import type { KexMethod, SignatureVerifier } from './types.ts';
import { legacyKexMethods } from './kex/index.ts';
import { getVerifier } from '../keys/index.ts';

/** hmac-sha1 (RFC 4253 §6.4) and hmac-sha1-etm@openssh.com. */
export const legacyMacs: Readonly<Record<string, MacSpec>> = {
  'hmac-sha1': { name: 'hmac-sha1', keyLength: 20, etm: false },
  'hmac-sha1-etm@openssh.com': { name: 'hmac-sha1-etm@openssh.com', keyLength: 20, etm: true },
};

/** ssh-rsa: RSA with SHA-1 signatures (RFC 4253 §6.6). */
export const legacySignatures: Readonly<Record<string, SignatureVerifier>> = {
  'ssh-rsa': getVerifier('ssh-rsa', { legacy: true })!,
};

/** diffie-hellman-group14-sha1 (RFC 4253 §8.2). */
export const legacyKex: Readonly<Record<string, KexMethod>> = legacyKexMethods;

/** Every legacy name, per category. */
export const legacyNames = {
  kex: Object.keys(legacyKex),
  hostKey: Object.keys(legacySignatures),
  mac: Object.keys(legacyMacs),
} as const;

/**
 * A registry with the legacy algorithms added. They still have to be named in the connection's
 * algorithm lists to be offered, e.g. `algorithms: { hostKey: [...defaultAlgorithms.hostKey, 'ssh-rsa'] }`.
 */
export function withLegacy(registry: AlgorithmRegistry): AlgorithmRegistry {
  return {
    kex: { ...registry.kex, ...legacyKex },
    signature: { ...registry.signature, ...legacySignatures },
    cipher: registry.cipher,
    mac: { ...registry.mac, ...legacyMacs },
    compression: registry.compression,
  };
}
