// keys/: key records, public key blobs, signature algorithms (ssh-ed25519, ecdsa-sha2-*,
// rsa-sha2-*, legacy ssh-rsa), key files (openssh-key-v1, PKCS#1, SEC1, PKCS#8), key generation,
// fingerprints, known_hosts and authorized_keys. Web-standard only. Each name below is documented
// where it is declared; the comments here say what each group is for.

/** Key records: public and private keys of each family as plain typed data (model.ts). */
export type {
  EcdsaCurveName,
  EcdsaKeyType,
  KeyType,
  SignatureAlgorithm,
  Ed25519PublicKey,
  EcdsaPublicKey,
  RsaPublicKey,
  PublicKey,
  Ed25519PrivateKey,
  EcdsaPrivateKey,
  RsaPrivateKey,
  PrivateKey,
  KeyPair,
} from './model.ts';

/** The transport's contracts that signers and verifiers here implement (algorithms/types.ts). */
export type { SignatureVerifier, HostKeySigner } from '../algorithms/types.ts';

/** KeyFileError (a KeyParseError with a code) and the wrong-passphrase test. */
export { KeyFileError, isWrongPassphrase } from './errors.ts';
/** Machine-readable reasons of KeyFileError. */
export type { KeyErrorCode } from './errors.ts';

/** Key blobs and the signature registry: verifiers by name, signers for keys (keys.ts). */
export {
  KEY_TYPES,
  DEFAULT_SIGNATURE_ALGORITHMS,
  getVerifier,
  signatureAlgorithmsFor,
  keyTypeOf,
  encodePublicKey,
  parsePublicKey,
  createSigner,
  verifySignature,
} from './keys.ts';

/** ssh-ed25519 (RFC 8709). */
export { ed25519Verifier, ed25519Signer, ed25519PrivateKey, ed25519PublicKey } from './ed25519.ts';
/** ecdsa-sha2-nistp256/384/521 (RFC 5656). */
export { ecdsaVerifiers, ecdsaSigner, ecdsaPrivateKey, ecdsaPublicKey } from './ecdsa.ts';
/** rsa-sha2-256 / rsa-sha2-512 (RFC 8332) on BigInt. */
export { rsaSha256Verifier, rsaSha512Verifier, rsaSigner, rsaPrivateKey, rsaPublicKey, RSA_MIN_BITS, RSA_MAX_BITS } from './rsa.ts';
/** ssh-rsa with SHA-1: legacy, never in the defaults. */
export { legacySshRsaVerifier, legacySshRsaSigner } from './legacy.ts';

/** Fingerprints as `ssh-keygen -l` prints them. */
export { fingerprintSha256, fingerprintMd5 } from './fingerprint.ts';

/** Key generation (ed25519, ecdsa, rsa). */
export { generateKey } from './generate.ts';
/** Options of generateKey. */
export type { GenerateKeyOptions } from './generate.ts';

/** Reading and writing key files and public key lines. */
export {
  parsePrivateKey,
  privateKeyInfo,
  publicOf,
  formatPrivateKey,
  parsePublicKeyLine,
  parsePublicKeyFile,
  formatPublicKeyLine,
  MAX_KEY_LINE,
} from './keyfile.ts';
/** Types of the key file functions. */
export type { ReadKeyOptions, PrivateKeyFormat, PrivateKeyInfo, PublicKeyLine } from './keyfile.ts';
/** openssh-key-v1 as bytes (PROTOCOL.key). */
export { DEFAULT_KDF_ROUNDS, encodeOpensshPrivateKey, decodeOpensshPrivateKey } from './openssh-key.ts';
/** Options for writing openssh-key-v1 files. */
export type { OpensshWriteOptions } from './openssh-key.ts';
/** OpenSSH's bcrypt_pbkdf. */
export { bcryptPbkdf } from './bcrypt-pbkdf.ts';

/** known_hosts: parse, look up, format new lines (plain or hashed). */
export {
  parseKnownHosts,
  lookupKnownHost,
  knownHostEntries,
  knownHostName,
  entryMatchesHost,
  hashHostName,
  formatKnownHostsLine,
  MAX_KNOWN_HOSTS_LINES,
} from './known-hosts.ts';
/** known_hosts records. */
export type { KnownHosts, KnownHostEntry, KnownHostStatus } from './known-hosts.ts';

/** authorized_keys: parse lines with options, find the entry that authorizes a key. */
export {
  parseAuthorizedKeys,
  parseAuthorizedKeyOptions,
  parseExpiryTime,
  findAuthorizedKey,
  MAX_AUTHORIZED_KEYS_LINES,
  MAX_OPTIONS,
} from './authorized-keys.ts';
/** authorized_keys records. */
export type { AuthorizedKeys, AuthorizedKey, AuthorizedKeyOptions, AuthorizedKeyContext } from './authorized-keys.ts';

/** OpenSSH pattern lists, address lists with CIDR, and from= checks. */
export { matchPattern, matchPatternList, matchAddressList, fromAllowed, parseIp, parseCidr, MAX_PATTERN_ENTRIES } from './patterns.ts';
