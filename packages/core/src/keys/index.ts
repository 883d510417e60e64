// keys/: key records, public key blobs, signature algorithms (ssh-ed25519, ecdsa-sha2-*,
// rsa-sha2-*, legacy ssh-rsa), key files, fingerprints, known_hosts and authorized_keys.
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
export { fingerprintSha256, fingerprintMd5 } from './fingerprint.ts';
