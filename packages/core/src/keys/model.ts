// The key records of the keys layer: public and private keys of each SSH public key algorithm
// family as plain typed data (RFC 4253 §6.6 ssh-rsa, RFC 5656 §3.1 ecdsa-sha2-*, RFC 8709 ssh-ed25519).
// Blob encoding lives in each family's file; keys.ts dispatches on `type`.

/** The NIST curves SSH names (RFC 5656 §10.1). */
export type EcdsaCurveName = 'nistp256' | 'nistp384' | 'nistp521';
/** The ECDSA key type names (RFC 5656 §6.2). */
export type EcdsaKeyType = `ecdsa-sha2-${EcdsaCurveName}`;
/** Public key algorithm names of the key blobs this layer reads and writes. */
export type KeyType = 'ssh-ed25519' | EcdsaKeyType | 'ssh-rsa';

/** Signature algorithm names (RFC 8709, RFC 5656, RFC 8332; 'ssh-rsa' is SHA-1 and legacy). */
export type SignatureAlgorithm = 'ssh-ed25519' | EcdsaKeyType | 'rsa-sha2-256' | 'rsa-sha2-512' | 'ssh-rsa';

/** An Ed25519 public key: the 32-byte encoded point A (RFC 8032 §5.1.5). */
export interface Ed25519PublicKey {
  readonly type: 'ssh-ed25519';
  readonly publicKey: Uint8Array;
}
/** An ECDSA public key: Q as an uncompressed SEC1 point (0x04 || X || Y). */
export interface EcdsaPublicKey {
  readonly type: EcdsaKeyType;
  readonly curve: EcdsaCurveName;
  readonly point: Uint8Array;
}
/** An RSA public key: modulus n and public exponent e. */
export interface RsaPublicKey {
  readonly type: 'ssh-rsa';
  readonly n: bigint;
  readonly e: bigint;
}
/** Any public key this layer handles. */
export type PublicKey = Ed25519PublicKey | EcdsaPublicKey | RsaPublicKey;

/** An Ed25519 private key: the 32-byte seed (RFC 8032 §5.1.5) with its public key. */
export interface Ed25519PrivateKey extends Ed25519PublicKey {
  readonly seed: Uint8Array;
}
/** An ECDSA private key: the scalar d with its public point. */
export interface EcdsaPrivateKey extends EcdsaPublicKey {
  readonly d: bigint;
}
/** An RSA private key with its CRT parameters (RFC 8017 §3.2). */
export interface RsaPrivateKey extends RsaPublicKey {
  readonly d: bigint;
  readonly p: bigint;
  readonly q: bigint;
  /** q^-1 mod p. */
  readonly iqmp: bigint;
  /** d mod (p-1). */
  readonly dp: bigint;
  /** d mod (q-1). */
  readonly dq: bigint;
}
/** Any private key this layer handles. */
export type PrivateKey = Ed25519PrivateKey | EcdsaPrivateKey | RsaPrivateKey;

/** A private key read from (or to be written to) a key file, with its comment. */
export interface KeyPair {
  readonly privateKey: PrivateKey;
  readonly publicKey: PublicKey;
  readonly comment: string;
}
