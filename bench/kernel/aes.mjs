// Benchmark cases for the aes family; see README.md for the shape.
// seashell's packet cases include what the transport does around a packet: copy the plaintext
// into the kernel IO buffer, seal, copy the sealed packet out; copy it in again, open, and hand
// the plaintext on as a view of the IO buffer. That is what the transport does (pooled output
// blocks allocated once; received channel data lent from the IO buffer). node:crypto and @noble/ciphers
// get the same bytes and return new buffers, as their APIs do.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { gcm, ctr } from '@noble/ciphers/aes.js';
import { AesGcmPacketCipher, AesCtrStream, aesGcm } from '@seashell/kernel';

/** One sealing and one opening packet cipher with the same key and IV (as the two ends have). */
function packetPair(key, iv) {
  return { tx: new AesGcmPacketCipher(key, iv), rx: new AesGcmPacketCipher(key, iv) };
}

function gcmCase(bits, textLen, name, bytes, targets) {
  const key = randomBytes(bits / 8);
  const iv = randomBytes(12);
  const packetLen = 4 + textLen;
  const packet = randomBytes(packetLen);
  packet.writeUInt32BE(textLen, 0);
  const aad = packet.subarray(0, 4);
  const text = packet.subarray(4);
  const { tx, rx } = packetPair(key, iv);
  const wire = new Uint8Array(packetLen + 16);
  // node:crypto and noble use a fresh IV per packet as the SSH counter would give.
  let counter = 0n;
  const nextIv = () => {
    const v = Buffer.from(iv);
    v.writeBigUInt64BE((v.readBigUInt64BE(4) + counter++) & 0xffffffffffffffffn, 4);
    return v;
  };
  return {
    name,
    bytes,
    impls: {
      seashell: () => {
        tx.ioView.set(packet);
        tx.seal(0, packetLen);
        wire.set(tx.ioView.subarray(0, packetLen + 16));
        rx.ioView.set(wire);
        if (!rx.open(0, packetLen)) throw new Error('open failed');
        return rx.ioView.subarray(4, packetLen); // lent, as the transport lends channel data
      },
      'node:crypto': () => {
        const n = nextIv();
        const c = createCipheriv(`aes-${bits}-gcm`, key, n);
        c.setAAD(aad);
        const ct = Buffer.concat([c.update(text), c.final()]);
        const tag = c.getAuthTag();
        const d = createDecipheriv(`aes-${bits}-gcm`, key, n);
        d.setAAD(aad);
        d.setAuthTag(tag);
        return Buffer.concat([d.update(ct), d.final()]);
      },
      '@noble/ciphers': () => {
        const n = nextIv();
        const sealed = gcm(key, n, aad).encrypt(text);
        return gcm(key, n, aad).decrypt(sealed);
      },
    },
    targets,
  };
}

function ctrCase(bits, len) {
  const key = randomBytes(bits / 8);
  const iv = randomBytes(16);
  const data = randomBytes(len);
  const stream = new AesCtrStream(key, iv);
  const nodeStream = createCipheriv(`aes-${bits}-ctr`, key, iv);
  return {
    name: `aes${bits}-ctr ${len / 1024} KiB`,
    bytes: len,
    impls: {
      seashell: () => stream.xor(data),
      'node:crypto': () => nodeStream.update(data),
      '@noble/ciphers': () => ctr(key, iv).encrypt(data),
    },
    targets: [{ vs: '@noble/ciphers', min: 5 }],
  };
}

function oneShotCase(bits, len) {
  const key = randomBytes(bits / 8);
  const iv = randomBytes(12);
  const aad = randomBytes(13);
  const data = randomBytes(len);
  return {
    name: `aes${bits}-gcm one-shot seal ${len / 1024} KiB`,
    bytes: len,
    impls: {
      seashell: () => aesGcm.seal(key, iv, aad, data),
      'node:crypto': () => {
        const c = createCipheriv(`aes-${bits}-gcm`, key, iv);
        c.setAAD(aad);
        return Buffer.concat([c.update(data), c.final(), c.getAuthTag()]);
      },
      '@noble/ciphers': () => gcm(key, iv, aad).encrypt(data),
    },
    targets: [{ vs: '@noble/ciphers', min: 5 }],
  };
}

export const cases = [
  gcmCase(128, 32768, 'aes128-gcm@openssh.com seal+open, 32 KiB', 32768, [{ vs: '@noble/ciphers', min: 5 }]),
  gcmCase(256, 32768, 'aes256-gcm@openssh.com seal+open, 32 KiB', 32768, [{ vs: '@noble/ciphers', min: 5 }]),
  ctrCase(128, 32768),
  ctrCase(256, 32768),
  gcmCase(128, 64, 'aes-gcm 64-byte packets (aes128-gcm@openssh.com seal+open, ns/packet)', 0, []),
  oneShotCase(128, 65536),
];
