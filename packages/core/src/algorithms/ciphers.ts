// Packet ciphers and MACs by wire name, backed by @seashell/kernel's fused packet operations
// (wasm/src/packet.ts): chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305),
// aes128/256-gcm@openssh.com (RFC 5647), aes128/192/256-ctr (RFC 4344) with hmac-sha2-256/512
// (RFC 6668) and their -etm@openssh.com forms (OpenSSH PROTOCOL §1.5).
import { AesGcmPacketCipher, ChaChaPolyPacketCipher, CtrHmacPacketCipher, type CtrHmacMac } from '@seashell/kernel';
import type { CipherSpec, MacSpec } from './registry.ts';

/** MACs usable with the CTR ciphers (hmac-sha1 is in legacy.ts). */
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

const ctr = (name: string, keyLength: number): CipherSpec => ({
  name,
  keyLength,
  ivLength: 16,
  aead: false,
  create: ({ key, iv, mac }) => {
    if (!mac) throw new TypeError(`${name} needs a MAC`);
    return new CtrHmacPacketCipher({ key, iv, mac: mac.spec.name as CtrHmacMac, macKey: mac.key });
  },
});

/** Every packet cipher, by wire name. */
export const kernelCiphers: Record<string, CipherSpec> = {
  'chacha20-poly1305@openssh.com': {
    name: 'chacha20-poly1305@openssh.com',
    keyLength: 64,
    ivLength: 0,
    aead: true,
    create: ({ key }) => new ChaChaPolyPacketCipher(key),
  },
  'aes128-ctr': ctr('aes128-ctr', 16),
  'aes192-ctr': ctr('aes192-ctr', 24),
  'aes256-ctr': ctr('aes256-ctr', 32),
  'aes128-gcm@openssh.com': gcm('aes128-gcm@openssh.com', 16),
  'aes256-gcm@openssh.com': gcm('aes256-gcm@openssh.com', 32),
};
