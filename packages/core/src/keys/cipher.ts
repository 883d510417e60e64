// Ciphers for encrypted openssh-key-v1 private sections (PROTOCOL.key; OpenSSH cipher.c):
// aes128/192/256-ctr and aes128/256-gcm@openssh.com (12-byte IV, no AAD, 16-byte tag after the
// encrypted blob). AES itself comes from the WebAssembly kernel (@seashell/kernel).
import { equalBytes } from './bytes.ts';

/** A cipher usable for key files. */
export interface KeyFileCipher {
  readonly name: string;
  readonly keyLength: number;
  readonly ivLength: number;
  readonly blockSize: number;
  /** Bytes of authentication tag following the encrypted blob (16 for GCM, else 0). */
  readonly tagLength: number;
}

const CIPHERS: Record<string, KeyFileCipher> = {
  none: { name: 'none', keyLength: 0, ivLength: 0, blockSize: 8, tagLength: 0 },
  'aes128-ctr': { name: 'aes128-ctr', keyLength: 16, ivLength: 16, blockSize: 16, tagLength: 0 },
  'aes192-ctr': { name: 'aes192-ctr', keyLength: 24, ivLength: 16, blockSize: 16, tagLength: 0 },
  'aes256-ctr': { name: 'aes256-ctr', keyLength: 32, ivLength: 16, blockSize: 16, tagLength: 0 },
  'aes128-gcm@openssh.com': { name: 'aes128-gcm@openssh.com', keyLength: 16, ivLength: 12, blockSize: 16, tagLength: 16 },
  'aes256-gcm@openssh.com': { name: 'aes256-gcm@openssh.com', keyLength: 32, ivLength: 12, blockSize: 16, tagLength: 16 },
};

/** Cipher names known to OpenSSH that key files here can't use (no CBC or ChaCha20 in this path). */
const KNOWN_UNSUPPORTED = ['aes128-cbc', 'aes192-cbc', 'aes256-cbc', '3des-cbc', 'chacha20-poly1305@openssh.com'];

/** The key-file cipher called `name`, undefined if unknown, or 'unsupported' if known but not offered. */
export function keyFileCipher(name: string): KeyFileCipher | 'unsupported' | undefined {
  if (Object.hasOwn(CIPHERS, name)) return CIPHERS[name];
  return KNOWN_UNSUPPORTED.includes(name) ? 'unsupported' : undefined;
}

/** Encrypts `data` (a whole number of blocks) in place semantics-free: returns ciphertext || tag. */
export function keyFileEncrypt(c: KeyFileCipher, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  if (c.name === 'none') return data.slice();
  throw new Error(`${c.name}: AES is not available yet in this build`);
}

/** Decrypts `data` and checks `tag` (GCM); returns undefined when the tag does not verify. */
export function keyFileDecrypt(c: KeyFileCipher, key: Uint8Array, iv: Uint8Array, data: Uint8Array, tag: Uint8Array): Uint8Array | undefined {
  if (c.name === 'none') return data.slice();
  void equalBytes;
  void tag;
  throw new Error(`${c.name}: AES is not available yet in this build`);
}
