// Benchmark cases for the ctrmac family (aes-ctr + HMAC SSH packets); see README.md for the shape.
// One op = seal a 32 KiB packet and open it again, as a connection's two directions would: the
// seashell side lays the packet out in the kernel IO buffer and makes one call each way; the
// node:crypto side uses a long-lived createCipheriv/createDecipheriv pair (aes-128-ctr) and a
// createHmac per packet, like a transport built on node:crypto would.
import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import { CtrHmacPacketCipher } from '@seashell/kernel';

const fill = (n, seed) => {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) >>> 0; b[i] = x >>> 24; }
  return b;
};
const N = 32768;
const key = fill(16, 1);
const iv = fill(16, 2);
const macKey = fill(32, 3);
const plain = fill(N, 4);
new DataView(plain.buffer).setUint32(0, N - 4);

function seashellCase(mac) {
  const sealer = new CtrHmacPacketCipher({ key, iv, mac, macKey });
  const opener = new CtrHmacPacketCipher({ key, iv, mac, macKey });
  let seq = 0;
  return () => {
    sealer.ioView.set(plain);
    sealer.seal(seq, N);
    opener.ioView.set(sealer.ioView.subarray(0, N + 32));
    opener.decryptLength(seq);
    if (!opener.open(seq, N)) throw new Error('open failed');
    seq++;
  };
}

function nodeCase(etm) {
  const enc = createCipheriv('aes-128-ctr', key, iv);
  const dec = createDecipheriv('aes-128-ctr', key, iv);
  const seqBuf = Buffer.alloc(4);
  let seq = 0;
  return () => {
    seqBuf.writeUInt32BE(seq);
    let wire, tag;
    if (etm) {
      wire = Buffer.concat([plain.subarray(0, 4), enc.update(plain.subarray(4))]);
      tag = createHmac('sha256', macKey).update(seqBuf).update(wire).digest();
      if (!timingSafeEqual(createHmac('sha256', macKey).update(seqBuf).update(wire).digest(), tag)) throw new Error('open failed');
      dec.update(wire.subarray(4));
    } else {
      tag = createHmac('sha256', macKey).update(seqBuf).update(plain).digest();
      wire = enc.update(plain);
      const back = dec.update(wire);
      if (!timingSafeEqual(createHmac('sha256', macKey).update(seqBuf).update(back).digest(), tag)) throw new Error('open failed');
    }
    seq++;
  };
}

export const cases = [
  {
    name: 'aes128-ctr + hmac-sha2-256-etm seal+open, 32 KiB',
    bytes: N,
    impls: { seashell: seashellCase('hmac-sha2-256-etm@openssh.com'), 'node:crypto': nodeCase(true) },
  },
  {
    name: 'aes128-ctr + hmac-sha2-256 (encrypt-and-MAC) seal+open, 32 KiB',
    bytes: N,
    impls: { seashell: seashellCase('hmac-sha2-256'), 'node:crypto': nodeCase(false) },
  },
];
