// The algorithm registry (DESIGN.md house style 3): every wire name the transport can negotiate,
// `as const`, mapped to its implementation: key exchange methods (algorithms/kex/), signature
// verifiers for host keys (keys/), packet ciphers and MACs (@seashell/kernel), compression
// ('none' only). The default preference order follows OpenSSH 9.x. Legacy names (hmac-sha1,
// ssh-rsa) live in legacy.ts and are off unless asked for.
import type { PacketCipher } from '@seashell/kernel';
import type { KexMethod, SignatureVerifier } from './types.ts';
import { kexMethods, defaultKexNames } from './kex/index.ts';
import { getVerifier, DEFAULT_SIGNATURE_ALGORITHMS } from '../keys/index.ts';
import type { AlgorithmLists } from '../transport/kexinit.ts';
import { kernelCiphers, kernelMacs } from './ciphers.ts';

/** A MAC for the non-AEAD ciphers (RFC 4253 §6.4, RFC 6668, OpenSSH PROTOCOL §1.5 for -etm). */
export interface MacSpec {
  readonly name: string;
  /** Key length in bytes (the hash's output length for HMAC-SHA2). */
  readonly keyLength: number;
  /** Encrypt-then-MAC (-etm@openssh.com): the length travels in clear and the MAC covers ciphertext. */
  readonly etm: boolean;
}

/** Keys for one direction of a packet cipher, derived per RFC 4253 §7.2. */
export interface DirectionKeys {
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
  /** Present for non-AEAD ciphers: the negotiated MAC and its key. */
  readonly mac?: { readonly spec: MacSpec; readonly key: Uint8Array };
}

/** A packet cipher by wire name. */
export interface CipherSpec {
  readonly name: string;
  readonly keyLength: number;
  readonly ivLength: number;
  /** AEAD ciphers (chacha20-poly1305, aes-gcm) carry their own tag and ignore the negotiated MAC. */
  readonly aead: boolean;
  /** Makes the PacketCipher for one direction; the caller may wipe the key arrays afterwards. */
  create(keys: DirectionKeys): PacketCipher;
}

/** Wire name -> implementation, per category. */
export interface AlgorithmRegistry {
  readonly kex: Readonly<Record<string, KexMethod>>;
  /** Signature verifiers by signature algorithm name, i.e. the host key algorithms. */
  readonly signature: Readonly<Record<string, SignatureVerifier>>;
  readonly cipher: Readonly<Record<string, CipherSpec>>;
  readonly mac: Readonly<Record<string, MacSpec>>;
  readonly compression: Readonly<Record<string, true>>;
}

/** Host key / signature algorithms available by default (no SHA-1). */
export const signatureNames = DEFAULT_SIGNATURE_ALGORITHMS;

function verifiers(names: readonly string[]): Record<string, SignatureVerifier> {
  const out: Record<string, SignatureVerifier> = {};
  for (const n of names) {
    const v = getVerifier(n);
    if (!v) throw new Error(`internal: no verifier for ${n}`);
    out[n] = v;
  }
  return out;
}

/** The registry with everything Seashell implements, legacy names excluded. */
export const defaultRegistry: AlgorithmRegistry = {
  kex: kexMethods,
  signature: verifiers(signatureNames),
  cipher: kernelCiphers,
  mac: kernelMacs,
  compression: { none: true },
};

/**
 * Every name in OpenSSH 9.x's default order, including ones whose implementation may not be in a
 * given registry; the defaults are these lists filtered by what the registry has.
 */
export const preferenceOrder: AlgorithmLists = {
  kex: [...defaultKexNames],
  hostKey: [...signatureNames],
  cipher: [
    'chacha20-poly1305@openssh.com',
    'aes128-ctr',
    'aes192-ctr',
    'aes256-ctr',
    'aes128-gcm@openssh.com',
    'aes256-gcm@openssh.com',
  ],
  mac: ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com', 'hmac-sha2-256', 'hmac-sha2-512'],
  compression: ['none'],
};

/**
 * The default offer for a registry: preferenceOrder limited to what the registry implements.
 * Names outside preferenceOrder (legacy ones, a caller's own additions) are never offered unless
 * listed explicitly in the connection's algorithm lists.
 */
export function registryDefaults(registry: AlgorithmRegistry): AlgorithmLists {
  const order = (cat: keyof AlgorithmLists, table: Readonly<Record<string, unknown>>) => preferenceOrder[cat].filter((n) => Object.hasOwn(table, n));
  return {
    kex: order('kex', registry.kex),
    hostKey: order('hostKey', registry.signature),
    cipher: order('cipher', registry.cipher),
    mac: order('mac', registry.mac),
    compression: order('compression', registry.compression),
  };
}

/** The default offer of the default registry. */
export const defaultAlgorithms: AlgorithmLists = registryDefaults(defaultRegistry);

/**
 * Checks a caller's algorithm lists against a registry: every name must be known, lists
 * non-empty. Missing categories take the defaults. Throws naming the unknown algorithm.
 */
export function resolveAlgorithms(registry: AlgorithmRegistry, lists: Partial<AlgorithmLists> = {}): AlgorithmLists {
  const defaults = registryDefaults(registry);
  const pick = (cat: keyof AlgorithmLists, table: Readonly<Record<string, unknown>>): readonly string[] => {
    const l = lists[cat] ?? defaults[cat];
    if (!Array.isArray(l) || l.length === 0) throw new RangeError(`algorithms.${cat} must be a non-empty list of names`);
    for (const n of l) {
      if (typeof n !== 'string' || !Object.hasOwn(table, n)) {
        throw new RangeError(`algorithms.${cat}: ${JSON.stringify(n)} is not supported (known: ${Object.keys(table).join(', ')})`);
      }
    }
    return [...l];
  };
  return {
    kex: pick('kex', registry.kex),
    hostKey: pick('hostKey', registry.signature),
    cipher: pick('cipher', registry.cipher),
    mac: pick('mac', registry.mac),
    compression: pick('compression', registry.compression),
  };
}
