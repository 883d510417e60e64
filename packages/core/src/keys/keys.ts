// Public key blobs (RFC 4253 §6.6) and the signature algorithm registry of the keys layer:
// blob <-> PublicKey for every family, a SignatureVerifier per algorithm name, and
// createSigner(privateKey, algorithm) giving the transport's HostKeySigner.
// ssh-rsa (SHA-1) is not in the defaults: it is in legacy.ts and must be asked for.
import { ProtocolError, SshReader, SshWriter } from '../wire/index.ts';
import type { HostKeySigner, SignatureVerifier } from '../algorithms/types.ts';
import type { KeyType, PrivateKey, PublicKey, SignatureAlgorithm } from './model.ts';
import { KeyFileError } from './errors.ts';
import { ed25519Signer, ed25519Verifier, readEd25519Public, writeEd25519Public } from './ed25519.ts';

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
};

/** The verifier for a signature algorithm name among the defaults, or undefined (ssh-rsa: see legacy.ts). */
export function getVerifier(name: string): SignatureVerifier | undefined {
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
 * ssh-ed25519, ecdsa-sha2-*, rsa-sha2-512). For ssh-rsa with SHA-1 use legacy.ts.
 */
export function createSigner(key: PrivateKey, algorithm?: SignatureAlgorithm): HostKeySigner {
  const alg = algorithm ?? signatureAlgorithmsFor(key.type)[0];
  if (keyTypeOf(alg) !== key.type) throw new RangeError(`a ${key.type} key cannot make ${alg} signatures`);
  switch (key.type) {
    case 'ssh-ed25519':
      return ed25519Signer(key);
    default:
      throw new RangeError(`unsupported key type ${JSON.stringify((key as { type: string }).type)}`);
  }
}

/** Verifies an SSH signature blob over `data` by the key in `publicBlob`; `algorithms` limits what is accepted (default: the defaults). */
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
  const v = getVerifier(alg);
  return v ? v.verify(publicBlob, data, signatureBlob) : false;
}
