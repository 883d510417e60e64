// Packet ciphers and MACs by wire name, backed by @seashell/kernel's fused packet operations
// (wasm/src/packet.ts): chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305),
// aes128/256-gcm@openssh.com (RFC 5647), aes128/192/256-ctr (RFC 4344) with hmac-sha2-256/512
// (RFC 6668) and their -etm@openssh.com forms (OpenSSH PROTOCOL §1.5).
import { AesGcmPacketCipher } from '@seashell/kernel';
import type { CipherSpec, MacSpec } from './registry.ts';

/** MACs usable with the CTR ciphers. */
export const kernelMacs: Record<string, MacSpec> = {
  'hmac-sha2-256-etm@openssh.com': { name: 'hmac-sha2-256-etm@openssh.com', keyLength: 32, etm: true },
  'hmac-sha2-512-etm@openssh.com': { name: 'hmac-sha2-512-etm@openssh.com', keyLength: 64, etm: true },
  'hmac-sha2-256': { name: 'hmac-sha2-256', keyLength: 32, etm: false },
  'hmac-sha2-512': { name: 'hmac-sha2-512', keyLength: 64, etm: false },
};

const gcm = (name: string, keyLength: number): CipherSpec => ({
  name,
  keyLength,
  ivLength: 12,
  aead: true,
  create: ({ key, iv }) => new AesGcmPacketCipher(key, iv),
});

/** Ciphers whose kernel family has landed. */
export const kernelCiphers: Record<string, CipherSpec> = {
  'aes128-gcm@openssh.com': gcm('aes128-gcm@openssh.com', 16),
  'aes256-gcm@openssh.com': gcm('aes256-gcm@openssh.com', 32),
};
