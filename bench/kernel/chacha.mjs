// Benchmark cases for the chacha family; see README.md for the shape.
// The seashell packet cases do what the transport does around a packet: copy the plaintext
// packet into the kernel IO buffer, seal, copy the sealed packet out; copy it into the other
// end's IO buffer, open, and hand the plaintext on as a view of the IO buffer. That is what the
// transport does: sealed packets are appended to pooled output blocks allocated once, and
// received channel data is lent from the IO buffer (its consumer copies what it keeps), so no
// copy or 32 KiB allocation is counted that the transport does not make. node:crypto and @noble/ciphers get the same
// bytes (RFC 8439 AEAD with the 4-byte length as AAD) and return new buffers, as their APIs do.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ChaChaPolyPacketCipher, aeadChaCha20Poly1305, chacha20, poly1305 } from '@seashell/kernel';

function packetCase(name, packetLen, bytes, targets, withNoble) {
  const key = randomBytes(64);
  const { tx, rx } = { tx: new ChaChaPolyPacketCipher(key), rx: new ChaChaPolyPacketCipher(key) };
  const packet = randomBytes(packetLen);
  packet.writeUInt32BE(packetLen - 4, 0);
  const aad = packet.subarray(0, 4);
  const text = packet.subarray(4);
  const akey = key.subarray(0, 32);
  const wire = new Uint8Array(packetLen + 16);
  let seq = 0;
  const nonce = Buffer.alloc(12);
  const nextNonce = () => {
    nonce.writeUInt32BE(seq++ >>> 0, 8);
    return nonce;
  };
  const impls = {
    seashell: () => {
      const s = seq++ >>> 0;
      tx.ioView.set(packet);
      tx.seal(s, packetLen);
      wire.set(tx.ioView.subarray(0, packetLen + 16));
      rx.ioView.set(wire);
      if (rx.decryptLength(s) !== packetLen - 4) throw new Error('length mismatch');
      if (!rx.open(s, packetLen)) throw new Error('open failed');
      return rx.ioView.subarray(4, packetLen);
    },
    'node:crypto': () => {
      const n = nextNonce();
      const c = createCipheriv('chacha20-poly1305', akey, n, { authTagLength: 16 });
      c.setAAD(aad);
      const ct = Buffer.concat([c.update(text), c.final()]);
      const tag = c.getAuthTag();
      const d = createDecipheriv('chacha20-poly1305', akey, n, { authTagLength: 16 });
      d.setAAD(aad);
      d.setAuthTag(tag);
      return Buffer.concat([d.update(ct), d.final()]);
    },
  };
  if (withNoble) {
    impls['@noble/ciphers'] = () => {
      const n = nextNonce();
      const sealed = chacha20poly1305(akey, n, aad).encrypt(text);
      return chacha20poly1305(akey, n, aad).decrypt(sealed);
    };
  }
  return { name, bytes, impls, targets };
}

function primitiveCases() {
  const key = randomBytes(32);
  const nonce = randomBytes(12);
  const data = randomBytes(32768);
  const iv = Buffer.concat([Buffer.from([1, 0, 0, 0]), nonce]);
  return [
    {
      name: 'chacha20 32 KiB',
      bytes: data.length,
      impls: {
        seashell: () => chacha20(key, nonce, 1, data),
        'node:crypto': () => createCipheriv('chacha20', key, iv).update(data),
      },
    },
    {
      name: 'poly1305 32 KiB',
      bytes: data.length,
      impls: { seashell: () => poly1305(key, data) },
    },
    {
      name: 'aead chacha20-poly1305 seal 32 KiB',
      bytes: data.length,
      impls: {
        seashell: () => aeadChaCha20Poly1305.seal(key, nonce, new Uint8Array(0), data),
        'node:crypto': () => {
          const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
          return Buffer.concat([c.update(data), c.final(), c.getAuthTag()]);
        },
        '@noble/ciphers': () => chacha20poly1305(key, nonce).encrypt(data),
      },
    },
  ];
}

export const cases = [
  packetCase('chacha20-poly1305@openssh.com seal+open, 32 KiB', 32768 + 4, 32768, [
    { vs: 'node:crypto', min: 0.6 },
    { vs: '@noble/ciphers', min: 8 },
  ], true),
  // packet_length 64 (a multiple of the block size 8, as OpenSSH requires): 68 bytes + tag
  packetCase('chacha20-poly1305@openssh.com seal+open, 64-byte packets', 68, 0, [{ vs: 'node:crypto', min: 1 }], false),
  ...primitiveCases(),
];
