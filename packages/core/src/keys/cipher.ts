// Ciphers for encrypted openssh-key-v1 private sections (PROTOCOL.key; OpenSSH cipher.c):
// aes128/192/256-ctr and aes128/256-gcm@openssh.com (12-byte IV, no AAD, 16-byte tag after the
// encrypted blob). AES itself comes from the WebAssembly kernel (@seashell/kernel).
import { aesCtr, aesGcm } from '@seashell/kernel';

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

const NO_AAD = new Uint8Array(0);

/** Encrypts `data` (a whole number of blocks); returns ciphertext || tag (tag only for GCM). */
export function keyFileEncrypt(c: KeyFileCipher, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  if (key.length !== c.keyLength || iv.length !== c.ivLength) throw new RangeError(`${c.name}: wrong key or IV length`);
  if (c.name === 'none') return data.slice();
  if (c.tagLength) return aesGcm.seal(key, iv, NO_AAD, data);
  return aesCtr(key, iv, data);
}

/** Decrypts `data` and checks `tag` (GCM); returns undefined when the tag does not verify. */
export function keyFileDecrypt(c: KeyFileCipher, key: Uint8Array, iv: Uint8Array, data: Uint8Array, tag: Uint8Array): Uint8Array | undefined {
  if (key.length !== c.keyLength || iv.length !== c.ivLength || tag.length !== c.tagLength) throw new RangeError(`${c.name}: wrong key, IV or tag length`);
  if (c.name === 'none') return data.slice();
  if (c.tagLength) {
    const sealed = new Uint8Array(data.length + tag.length);
    sealed.set(data);
    sealed.set(tag, data.length);
    return aesGcm.open(key, iv, NO_AAD, sealed) ?? undefined;
  }
  return aesCtr(key, iv, data);
}
