// aes128-gcm@openssh.com / aes256-gcm@openssh.com packet cipher (RFC 5647): round trips of
// sealed packets, rejection of any modified byte, the per-packet invocation counter checked
// against node:crypto with the IVs OpenSSH would use (including the wrap of the low 64 bits),
// and the interface details the transport relies on.
import { createCipheriv, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AesGcmPacketCipher } from '../src/aes.ts';
import { kernel } from '../src/kernel.ts';

function bytes(seed: string, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let off = 0, n = 0; off < len; off += 32, n++) {
    const h = createHash('sha256').update(`${seed}/${n}`).digest();
    out.set(h.subarray(0, Math.min(32, len - off)), off);
  }
  return out;
}

/** An SSH packet whose encrypted part is textLen bytes (a multiple of 16). */
function packet(seed: string, textLen: number): Uint8Array {
  const p = bytes(seed, 4 + textLen);
  new DataView(p.buffer).setUint32(0, textLen);
  p[4] = 4 + (textLen % 200 > 4 ? 4 : 0);
  return p;
}

function pair(keyLen: number, seed: string, iv = bytes(`${seed}/iv`, 12)) {
  const key = bytes(`${seed}/key`, keyLen);
  return { key, iv, tx: new AesGcmPacketCipher(key, iv), rx: new AesGcmPacketCipher(key, iv) };
}

/** Seals p on tx and returns the wire bytes (copied out, as the transport does). */
function seal(tx: AesGcmPacketCipher, p: Uint8Array): Uint8Array {
  tx.ioView.set(p);
  tx.seal(0, p.length);
  return tx.ioView.slice(0, p.length + 16);
}

function open(rx: AesGcmPacketCipher, wire: Uint8Array): Uint8Array | null {
  rx.ioView.set(wire);
  return rx.open(0, wire.length - 16) ? rx.ioView.slice(0, wire.length - 16) : null;
}

const hex = (b: Uint8Array | null) => (b ? Buffer.from(b).toString('hex') : 'null');

describe('AesGcmPacketCipher', () => {
  it('names itself from the key size and has the GCM packet shape', () => {
    const a = pair(16, 'shape128');
    const b = pair(32, 'shape256');
    expect(a.tx.name).toBe('aes128-gcm@openssh.com');
    expect(b.tx.name).toBe('aes256-gcm@openssh.com');
    for (const c of [a.tx, b.tx]) {
      expect([c.blockSize, c.macLength, c.lengthInClear, c.firstBlockLength]).toEqual([16, 16, true, 4]);
      expect(c.ioView.length).toBe(kernel().ioSize);
    }
    for (const c of [a.tx, a.rx, b.tx, b.rx]) c.dispose();
  });

  it('opens what it seals, for sizes from one block up to 70,000 bytes, both key sizes', () => {
    for (const keyLen of [16, 32]) {
      const { tx, rx } = pair(keyLen, `roundtrip${keyLen}`);
      const sizes = [16, 32, 48, 64, 96, 112, 128, 144, 256, 1024, 4096, 32768, 65536, 70000 - (70000 % 16), 262144];
      for (const [i, n] of sizes.entries()) {
        const p = packet(`rt${keyLen}/${i}`, n);
        const wire = seal(tx, p);
        expect(hex(wire.subarray(0, 4)), `length in clear, ${n}`).toBe(hex(p.subarray(0, 4)));
        expect(hex(wire.subarray(4, 4 + n)) === hex(p.subarray(4)), `text encrypted, ${n}`).toBe(false);
        rx.ioView.set(wire);
        expect(rx.decryptLength(i)).toBe(n);
        expect(hex(open(rx, wire)), `size ${n}`).toBe(hex(p));
      }
      tx.dispose();
      rx.dispose();
    }
  });

  it('uses fixed || invocation counter as IV, +1 per packet, wrapping mod 2^64 (checked with node:crypto)', () => {
    for (const [keyLen, start] of [[16, 0n], [32, 0xfffffffffffffff9n], [16, 0x00000000fffffffbn]] as const) {
      const seed = `invocation${keyLen}/${start}`;
      const iv = bytes(`${seed}/iv`, 12);
      new DataView(iv.buffer).setBigUint64(4, start);
      const { key, tx, rx } = pair(keyLen, seed, iv);
      for (let k = 0; k < 12; k++) {
        const p = packet(`${seed}/${k}`, 16 * (1 + (k % 5)));
        const ivk = Buffer.from(iv);
        ivk.writeBigUInt64BE((start + BigInt(k)) & 0xffffffffffffffffn, 4);
        const c = createCipheriv(`aes-${keyLen * 8}-gcm` as 'aes-128-gcm', key, ivk);
        c.setAAD(p.subarray(0, 4));
        const expected = Buffer.concat([p.subarray(0, 4), c.update(p.subarray(4)), c.final(), c.getAuthTag()]);
        const wire = seal(tx, p);
        expect(hex(wire), `packet ${k}, invocation ${ivk.subarray(4).toString('hex')}`).toBe(expected.toString('hex'));
        expect(hex(open(rx, wire)), `packet ${k}`).toBe(hex(p));
      }
      tx.dispose();
      rx.dispose();
    }
  });

  it('also handles texts that are not a multiple of 16 bytes exactly as AES-GCM does (node:crypto)', () => {
    const { key, iv, tx, rx } = pair(32, 'odd');
    const start = new DataView(iv.buffer).getBigUint64(4);
    for (const [k, n] of [1, 5, 15, 17, 100, 111, 113, 127, 129, 1000].entries()) {
      const p = bytes(`odd/${k}`, 4 + n);
      const ivk = Buffer.from(iv);
      ivk.writeBigUInt64BE((start + BigInt(k)) & 0xffffffffffffffffn, 4);
      const c = createCipheriv('aes-256-gcm', key, ivk);
      c.setAAD(p.subarray(0, 4));
      const expected = Buffer.concat([p.subarray(0, 4), c.update(p.subarray(4)), c.final(), c.getAuthTag()]);
      const wire = seal(tx, p);
      expect(hex(wire), `text ${n}`).toBe(expected.toString('hex'));
      expect(hex(open(rx, wire)), `text ${n}`).toBe(hex(p));
    }
    tx.dispose();
    rx.dispose();
  });

  it('refuses a packet with any single byte changed (every byte of small packets, sampled for large)', () => {
    for (const keyLen of [16, 32]) {
      const { tx, rx } = pair(keyLen, `flip${keyLen}`);
      for (const n of [16, 32, 64, 4096]) {
        const p = packet(`flip${keyLen}/${n}`, n);
        const wire = seal(tx, p);
        const positions = wire.length <= 100
          ? [...wire.keys()]
          : [0, 1, 2, 3, 4, 5, 20, 100, 1000, 2047, 2048, 4095, 4099, 4100, 4110, wire.length - 1];
        for (const pos of positions) {
          for (const mask of [0x01, 0x80]) {
            const bad = wire.slice();
            bad[pos] ^= mask;
            rx.ioView.set(bad);
            expect(rx.open(0, p.length), `size ${n}, byte ${pos} ^ ${mask}`).toBe(false);
            // Nothing decrypted is left behind after a failure.
            expect(rx.ioView.subarray(4, p.length).every((x) => x === 0), `size ${n}, byte ${pos} zeroed`).toBe(true);
          }
        }
        // A failed open does not advance the invocation counter: the genuine packet still opens.
        expect(hex(open(rx, wire)), `size ${n} after failures`).toBe(hex(p));
      }
      tx.dispose();
      rx.dispose();
    }
  });

  it('refuses a packet replayed or reordered (the invocation counter has moved on)', () => {
    const { tx, rx } = pair(16, 'replay');
    const w1 = seal(tx, packet('replay/1', 32));
    const w2 = seal(tx, packet('replay/2', 32));
    expect(open(rx, w2)).toBeNull();
    expect(open(rx, w1)).not.toBeNull();
    expect(open(rx, w1)).toBeNull();
    expect(open(rx, w2)).not.toBeNull();
    tx.dispose();
    rx.dispose();
  });

  it('does not overwrite a packet laid out in the shared IO buffer when another cipher is created', () => {
    const { tx } = pair(16, 'shared-io');
    const p = packet('shared-io/1', 64);
    tx.ioView.set(p);
    const other = new AesGcmPacketCipher(bytes('other/key', 32), bytes('other/iv', 12));
    const stream = new AesGcmPacketCipher(bytes('other/key2', 16), bytes('other/iv2', 12));
    expect(hex(tx.ioView.slice(0, p.length))).toBe(hex(p));
    for (const c of [tx, other, stream]) c.dispose();
  });

  it('rejects bad keys, IVs and packet lengths with clear errors, and use after dispose', () => {
    expect(() => new AesGcmPacketCipher(new Uint8Array(24), new Uint8Array(12))).toThrow(/key must be 16 or 32 bytes, got 24/);
    expect(() => new AesGcmPacketCipher(new Uint8Array(16), new Uint8Array(16))).toThrow(/iv must be 12 bytes, got 16/);
    expect(() => new AesGcmPacketCipher('k' as unknown as Uint8Array, new Uint8Array(12))).toThrow(TypeError);
    const c = new AesGcmPacketCipher(new Uint8Array(16), new Uint8Array(12));
    expect(() => c.seal(0, 3)).toThrow(/packetLen must be an integer from 4/);
    expect(() => c.seal(0, c.ioView.length)).toThrow(RangeError);
    expect(() => c.open(0, 1.5)).toThrow(RangeError);
    c.dispose();
    expect(() => c.seal(0, 20)).toThrow(/after dispose/);
    expect(() => c.decryptLength(0)).toThrow(/after dispose/);
  });
});
