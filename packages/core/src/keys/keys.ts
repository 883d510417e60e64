// Public key blobs (RFC 4253 §6.6) and the signature algorithm registry of the keys layer:
// blob <-> PublicKey for every family, a SignatureVerifier per algorithm name, and
// createSigner(privateKey, algorithm) giving the transport's HostKeySigner.
// ssh-rsa (SHA-1) is not in the defaults: it is in legacy.ts and must be asked for.
import { ProtocolError, SshReader, SshWriter } from '../wire/index.ts';
import type { HostKeySigner, RandomSource, SignatureVerifier } from '../algorithms/types.ts';
import type { KeyType, PrivateKey, PublicKey, SignatureAlgorithm } from './model.ts';
import { KeyFileError } from './errors.ts';
import { ed25519Signer, ed25519Verifier, readEd25519Public, writeEd25519Public } from './ed25519.ts';
import { ecdsaSigner, ecdsaVerifiers, readEcdsaPublic, writeEcdsaPublic } from './ecdsa.ts';
import { readRsaPublic, rsaSha256Verifier, rsaSha512Verifier, rsaSigner, writeRsaPublic } from './rsa.ts';
import { legacySshRsaSigner, legacySshRsaVerifier } from './legacy.ts';

/** Key types whose blobs this layer parses. */
export const KEY_TYPES: readonly KeyType[] = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa'];

/** Default signature algorithms in OpenSSH's preference order (no SHA-1). */
export const DEFAULT_SIGNATURE_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
] as const satisfies readonly SignatureAlgorithm[];

const VERIFIERS: Record<string, SignatureVerifier> = {
  'ssh-ed25519': ed25519Verifier,
  ...ecdsaVerifiers,
  'rsa-sha2-256': rsaSha256Verifier,
  'rsa-sha2-512': rsaSha512Verifier,
};

/**
 * The verifier for a signature algorithm name, or undefined if unknown. Legacy 'ssh-rsa' (SHA-1)
 * is returned only with `{ legacy: true }`.
 */
export function getVerifier(name: string, options: { legacy?: boolean } = {}): SignatureVerifier | undefined {
  if (name === 'ssh-rsa') return options.legacy ? legacySshRsaVerifier : undefined;
  return Object.hasOwn(VERIFIERS, name) ? VERIFIERS[name] : undefined;
}

/** Signature algorithms a key of this type can make, defaults first (ssh-rsa excluded). */
export function signatureAlgorithmsFor(type: KeyType): SignatureAlgorithm[] {
  return type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256'] : [type];
}

/** The key type that makes signatures of this algorithm, or undefined if unknown. */
export function keyTypeOf(algorithm: string): KeyType | undefined {
  if (algorithm === 'rsa-sha2-256' || algorithm === 'rsa-sha2-512' || algorithm === 'ssh-rsa') return 'ssh-rsa';
  return (KEY_TYPES as readonly string[]).includes(algorithm) ? (algorithm as KeyType) : undefined;
}

/** Encodes a public key as its SSH blob (RFC 4253 §6.6). */
export function encodePublicKey(key: PublicKey): Uint8Array {
  const w = new SshWriter(64);
  switch (key.type) {
    case 'ssh-ed25519':
      writeEd25519Public(w, key);
      break;
    case 'ecdsa-sha2-nistp256':
    case 'ecdsa-sha2-nistp384':
    case 'ecdsa-sha2-nistp521':
      writeEcdsaPublic(w, key);
      break;
    case 'ssh-rsa':
      writeRsaPublic(w, key);
      break;
    default:
      throw new KeyFileError('unsupported', `unsupported key type ${JSON.stringify((key as { type: string }).type)}`);
  }
  return w.finish();
}

/**
 * Decodes and validates an SSH public key blob. Throws KeyFileError: 'unsupported' for an
 * unknown type, 'truncated' / 'malformed' / 'invalid-key' otherwise (`file` names the source).
 */
export function parsePublicKey(blob: Uint8Array, file?: string, line?: number): PublicKey {
  let type = '';
  try {
    const r = new SshReader(blob, 'public key');
    type = r.text('key type');
    let key: PublicKey;
    switch (type) {
      case 'ssh-ed25519':
        key = readEd25519Public(r);
        break;
      case 'ecdsa-sha2-nistp256':
      case 'ecdsa-sha2-nistp384':
      case 'ecdsa-sha2-nistp521':
        key = readEcdsaPublic(r, type);
        break;
      case 'ssh-rsa':
        key = readRsaPublic(r);
        break;
      default:
        throw new KeyFileError('unsupported', `unsupported key type ${JSON.stringify(type.slice(0, 64))}`, file, line);
    }
    r.end();
    return key;
  } catch (e) {
    throw asKeyError(e, `${type || 'public key'} blob`, file, line);
  }
}

/** Maps reader / range errors to KeyFileError with a code. */
export function asKeyError(e: unknown, what: string, file?: string, line?: number): KeyFileError {
  if (e instanceof KeyFileError) return e;
  if (e instanceof ProtocolError) {
    const code = /truncated/.test(e.message) ? 'truncated' : 'malformed';
    return new KeyFileError(code, `${what}: ${e.message.replace(/^[^:]*: /, '')}`, file, line);
  }
  if (e instanceof RangeError) return new KeyFileError('invalid-key', `${what}: ${e.message}`, file, line);
  throw e;
}

/**
 * A signer for `key` using `algorithm` (default: the key type's first default algorithm:
 * ssh-ed25519, ecdsa-sha2-*, rsa-sha2-512). Legacy 'ssh-rsa' (SHA-1) needs `{ legacy: true }`.
 * `random` feeds RSA blinding only (default: Web Crypto); the other algorithms are deterministic.
 */
export function createSigner(
  key: PrivateKey,
  algorithm?: SignatureAlgorithm,
  options: { legacy?: boolean; random?: RandomSource } = {},
): HostKeySigner {
  const alg = algorithm ?? signatureAlgorithmsFor(key.type)[0];
  if (keyTypeOf(alg) !== key.type) throw new RangeError(`a ${key.type} key cannot make ${alg} signatures`);
  switch (key.type) {
    case 'ssh-ed25519':
      return ed25519Signer(key);
    case 'ecdsa-sha2-nistp256':
    case 'ecdsa-sha2-nistp384':
    case 'ecdsa-sha2-nistp521':
      return ecdsaSigner(key);
    case 'ssh-rsa':
      if (alg === 'ssh-rsa') {
        if (!options.legacy) throw new RangeError('ssh-rsa (SHA-1) signatures are legacy; pass { legacy: true } to make them');
        return legacySshRsaSigner(key, options.random);
      }
      return rsaSigner(key, alg as 'rsa-sha2-256' | 'rsa-sha2-512', options.random);
    default:
      throw new RangeError(`unsupported key type ${JSON.stringify((key as { type: string }).type)}`);
  }
}

/**
 * Verifies an SSH signature blob over `data` by the key in `publicBlob`. `algorithms` limits
 * which signature names are accepted (default: DEFAULT_SIGNATURE_ALGORITHMS; list 'ssh-rsa'
 * explicitly to accept SHA-1). Never throws: malformed input is false.
 */
export function verifySignature(
  publicBlob: Uint8Array,
  data: Uint8Array,
  signatureBlob: Uint8Array,
  algorithms: readonly string[] = DEFAULT_SIGNATURE_ALGORITHMS,
): boolean {
  let alg: string;
  try {
    alg = new SshReader(signatureBlob, 'signature').text('signature type');
  } catch {
    return false;
  }
  if (!algorithms.includes(alg)) return false;
  const v = getVerifier(alg, { legacy: true });
  return v ? v.verify(publicBlob, data, signatureBlob) : false;
}
