// Interfaces between the transport and the algorithm families (DESIGN.md: the registry maps wire
// names to implementations). Key exchange methods and host keys plug in here; ciphers and MACs
// are the kernel's PacketCipher (@seashell/kernel, wasm/src/packet.ts).

/** Hash functions used by key exchange and signatures. */
export type HashName = 'sha1' | 'sha256' | 'sha384' | 'sha512';

/** Randomness handed in by the host (the engine draws none of its own). */
export type RandomSource = (n: number) => Uint8Array;

/** What a key exchange needs from the transport (RFC 4253 §8, exchange hash inputs). */
export interface KexContext {
  /** V_C and V_S: identification strings without CR LF. */
  readonly clientVersion: string;
  readonly serverVersion: string;
  /** I_C and I_S: the KEXINIT payloads as sent (message number included). */
  readonly clientKexinit: Uint8Array;
  readonly serverKexinit: Uint8Array;
  readonly random: RandomSource;
  /** Server side: the negotiated host key algorithm's key and signer. */
  readonly hostKey?: HostKeySigner;
  /** Server side, group exchange: the moduli to choose from (defaults to the RFC 3526 groups). */
  readonly moduli?: readonly DhGroup[];
}

/** A Diffie-Hellman group (RFC 4419 / OpenSSH moduli file entry). */
export interface DhGroup {
  readonly p: bigint;
  readonly g: bigint;
  /** Size in bits of p. */
  readonly bits: number;
}

/** Outcome of a finished key exchange. */
export interface KexResult {
  /** The shared secret K encoded as it enters the exchange hash and key derivation (mpint for DH/ECDH, string for sntrup/mlkem hybrids). */
  readonly sharedSecret: Uint8Array;
  /** The exchange hash H. */
  readonly exchangeHash: Uint8Array;
  /** K_S: the server's host key blob. */
  readonly hostKeyBlob: Uint8Array;
  /** The server's signature over H (client side: to verify; server side: as sent). */
  readonly signature: Uint8Array;
}

/** One side of one key exchange: a tiny state machine over KEX messages (numbers 30-49). */
export interface KexStep {
  /** Payloads (message number first) to send when the exchange starts. */
  start(): Uint8Array[];
  /** Handles one KEX message payload; returns what to send and, when done, the result. Throws ProtocolError on bad input. */
  receive(payload: Uint8Array): { send: Uint8Array[]; result?: KexResult };
}

/** A key exchange method, e.g. curve25519-sha256. */
export interface KexMethod {
  readonly name: string;
  /** Hash used for H and key derivation. */
  readonly hash: HashName;
  client(ctx: KexContext): KexStep;
  server(ctx: KexContext): KexStep;
}

/** A host key (or user key) able to sign: the private half. */
export interface HostKeySigner {
  /** Public key blob (RFC 4253 §6.6), e.g. string "ssh-ed25519" || string key. */
  readonly publicBlob: Uint8Array;
  /** Signature algorithm name used, e.g. 'rsa-sha2-256' for an RSA key. */
  readonly algorithm: string;
  /** Returns a signature blob: string algorithm-name || string signature (RFC 4253 §6.6). */
  sign(data: Uint8Array): Uint8Array;
}

/** Verifies signatures for one public key algorithm name (e.g. 'rsa-sha2-512'). */
export interface SignatureVerifier {
  readonly name: string;
  /** True when signatureBlob (string alg || string sig) is valid for data under publicBlob. */
  verify(publicBlob: Uint8Array, data: Uint8Array, signatureBlob: Uint8Array): boolean;
}
