// keys/: key records, public key blobs, signature algorithms (ssh-ed25519, ecdsa-sha2-*,
// rsa-sha2-*, legacy ssh-rsa), key files (openssh-key-v1, PKCS#1, SEC1, PKCS#8), key generation,
// fingerprints, known_hosts and authorized_keys. Web-standard only.
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
export type { SignatureVerifier, HostKeySigner } from '../algorithms/types.ts';
export { KeyFileError, isWrongPassphrase } from './errors.ts';
export type { KeyErrorCode } from './errors.ts';
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
export { ed25519Verifier, ed25519Signer, ed25519PrivateKey, ed25519PublicKey } from './ed25519.ts';
export { ecdsaVerifiers, ecdsaSigner, ecdsaPrivateKey, ecdsaPublicKey } from './ecdsa.ts';
export { rsaSha256Verifier, rsaSha512Verifier, rsaSigner, rsaPrivateKey, rsaPublicKey, RSA_MIN_BITS, RSA_MAX_BITS } from './rsa.ts';
export { legacySshRsaVerifier, legacySshRsaSigner } from './legacy.ts';
export { fingerprintSha256, fingerprintMd5 } from './fingerprint.ts';
export { generateKey } from './generate.ts';
export type { GenerateKeyOptions } from './generate.ts';
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
export type { ReadKeyOptions, PrivateKeyFormat, PrivateKeyInfo, PublicKeyLine } from './keyfile.ts';
export { DEFAULT_KDF_ROUNDS, encodeOpensshPrivateKey, decodeOpensshPrivateKey } from './openssh-key.ts';
export type { OpensshWriteOptions } from './openssh-key.ts';
export { bcryptPbkdf } from './bcrypt-pbkdf.ts';
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
export type { KnownHosts, KnownHostEntry, KnownHostStatus } from './known-hosts.ts';
export {
  parseAuthorizedKeys,
  parseAuthorizedKeyOptions,
  parseExpiryTime,
  findAuthorizedKey,
  MAX_AUTHORIZED_KEYS_LINES,
  MAX_OPTIONS,
} from './authorized-keys.ts';
export type { AuthorizedKeys, AuthorizedKey, AuthorizedKeyOptions, AuthorizedKeyContext } from './authorized-keys.ts';
export { matchPattern, matchPatternList, matchAddressList, fromAllowed, parseIp, parseCidr, MAX_PATTERN_ENTRIES } from './patterns.ts';
