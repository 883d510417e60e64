// node:crypto aes-gcm@openssh.com packet ciphers against the kernel's AesGcmPacketCipher: same
// keys give the same sealed bytes packet after packet, each opens the other's packets, tampering
// fails without moving the invocation counter, the hybrid keeps its two counters in step
// when packets alternate between the kernel and node:crypto, and no plaintext is left in the IO
// buffer once a packet is sealed.
import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { AesGcmPacketCipher, type PacketCipher } from '@seashell/kernel';
import { HybridAesGcmPacketCipher, NodeAesGcmPacketCipher, HYBRID_GCM_THRESHOLD } from '../src/node-ciphers.ts';
import { OutputBuffer, PacketOpener, PacketSealer } from '../../core/src/transport/packets.ts';

type Make = (key: Uint8Array, iv: Uint8Array) => PacketCipher;
const kernel: Make = (k, iv) => new AesGcmPacketCipher(k, iv);
const node: Make = (k, iv) => new NodeAesGcmPacketCipher(k, iv);
const hybrid: Make = (k, iv) => new HybridAesGcmPacketCipher(k, iv);
const hybridSmall: Make = (k, iv) => new HybridAesGcmPacketCipher(k, iv, 64);
const makers: Record<string, Make> = { node, hybrid, hybridSmall };

/** A plaintext packet of 4 + packetLength bytes, packetLength a positive multiple of 16. */
function packet(packetLength: number): Uint8Array {
  const p = randomBytes(4 + packetLength);
  p.writeUInt32BE(packetLength, 0);
  return new Uint8Array(p);
}

function seal(c: PacketCipher, p: Uint8Array): Uint8Array {
  c.ioView.set(p);
  c.seal(0, p.length);
  return c.ioView.slice(0, p.length + 16);
}

function open(c: PacketCipher, wire: Uint8Array): Uint8Array | null {
  c.ioView.set(wire);
  const len = c.decryptLength(0) + 4;
  expect(len).toBe(wire.length - 16);
  return c.open(0, len) ? c.ioView.slice(0, len) : null;
}

// Sizes on both sides of the hybrid's thresholds (64 and the default), up to a 32 KiB packet.
const LENGTHS = [16, 32, 48, 64, 112, 128, 1024, HYBRID_GCM_THRESHOLD - 20, HYBRID_GCM_THRESHOLD + 12, 32768, 16, 35008, 48];

describe.each([16, 32])('aes%i-gcm: node:crypto ciphers vs the kernel', (keyLen) => {
  for (const [label, make] of Object.entries(makers)) {
    it(`${label}: same sealed bytes as the kernel, packet after packet`, () => {
      const key = randomBytes(keyLen), iv = randomBytes(12);
      const a = kernel(key, iv), b = make(key, iv);
      expect(b.name).toBe(a.name);
      for (const n of LENGTHS) {
        const p = packet(n);
        expect(seal(b, p)).toEqual(seal(a, p));
      }
      a.dispose();
      b.dispose();
    });

    it(`${label}: opens the kernel's packets and the kernel opens its packets`, () => {
      const key = randomBytes(keyLen), iv = randomBytes(12);
      const kTx = kernel(key, iv), kRx = kernel(key, iv), tx = make(key, iv), rx = make(key, iv);
      for (const n of LENGTHS) {
        const p1 = packet(n), p2 = packet(n);
        expect(open(rx, seal(kTx, p1))).toEqual(p1);
        expect(open(kRx, seal(tx, p2))).toEqual(p2);
      }
      for (const c of [kTx, kRx, tx, rx]) c.dispose();
    });

    it(`${label}: a tampered packet fails, leaves no plaintext and does not move the counter`, () => {
      const key = randomBytes(keyLen), iv = randomBytes(12);
      const tx = kernel(key, iv), rx = make(key, iv);
      for (const n of [32, 32768]) {
        const p = packet(n);
        const wire = seal(tx, p);
        for (const at of [0, 3, 4, 5, wire.length - 17, wire.length - 16, wire.length - 1]) {
          const bad = wire.slice();
          bad[at] ^= 0x01;
          rx.ioView.set(bad);
          expect(rx.open(0, wire.length - 16)).toBe(false);
          expect(Buffer.from(rx.ioView.subarray(5, wire.length - 16)).includes(Buffer.from(p.subarray(5, 21)))).toBe(false);
        }
        // the counter did not move: the genuine packet still opens
        expect(open(rx, wire)).toEqual(p);
      }
      tx.dispose();
      rx.dispose();
    });
  }
});

type Direct = PacketCipher & {
  sealTo(seq: number, packetLen: number, dst: Uint8Array, at: number): boolean;
  openFrom(seq: number, src: Uint8Array, pos: number, packetLen: number): Uint8Array | false | null;
};

/** Seals through sealTo when the cipher takes the packet (into a buffer at an offset), else seal(). */
function sealDirect(c: Direct, p: Uint8Array): { wire: Uint8Array; direct: boolean } {
  c.ioView.set(p);
  const dst = new Uint8Array(p.length + 16 + 10).fill(0xee);
  if (c.sealTo(0, p.length, dst, 7)) {
    expect(dst.subarray(0, 7).every((b) => b === 0xee) && dst.subarray(7 + p.length + 16).every((b) => b === 0xee)).toBe(true);
    return { wire: dst.slice(7, 7 + p.length + 16), direct: true };
  }
  c.seal(0, p.length);
  return { wire: c.ioView.slice(0, p.length + 16), direct: false };
}

/** Opens through openFrom where the packet lies in a bigger buffer, else open() in ioView. */
function openDirect(c: Direct, wire: Uint8Array): Uint8Array | null {
  const src = new Uint8Array(wire.length + 9);
  src.set(wire, 5);
  const before = src.slice();
  c.ioView.set(wire.subarray(0, 4));
  const len = c.decryptLength(0) + 4;
  const r = c.openFrom(0, src, 5, len);
  expect(src).toEqual(before); // src is never written
  if (r === null) return open(c, wire);
  if (r === false) return null;
  return new Uint8Array([...wire.subarray(0, 4), ...r]);
}

describe.each([16, 32])('aes%i-gcm: the direct paths (sealTo, openFrom)', (keyLen) => {
  for (const [label, make] of Object.entries(makers)) {
    it(`${label}: the same bytes as the kernel, mixed with in-place packets, counters in step`, () => {
      const key = randomBytes(keyLen), iv = randomBytes(12);
      const kTx = kernel(key, iv), kRx = kernel(key, iv), tx = make(key, iv) as Direct, rx = make(key, iv) as Direct;
      let directSeals = 0;
      for (const [i, n] of LENGTHS.entries()) {
        const p = packet(n);
        // every third packet through the in-place calls: the two paths share one counter
        const { wire, direct } = i % 3 === 2 ? { wire: seal(tx, p), direct: false } : sealDirect(tx, p);
        if (direct) directSeals++;
        expect(wire).toEqual(seal(kTx, p));
        expect(i % 3 === 1 ? open(rx, wire) : openDirect(rx, wire)).toEqual(p);
        expect(open(kRx, wire)).toEqual(p);
      }
      expect(directSeals).toBeGreaterThan(0);
      for (const c of [kTx, kRx, tx, rx]) c.dispose();
    });

    it(`${label}: openFrom on a tampered packet returns false, releases nothing and does not move the counter`, () => {
      const key = randomBytes(keyLen), iv = randomBytes(12);
      const tx = kernel(key, iv), rx = make(key, iv) as Direct;
      const p = packet(32768);
      const wire = seal(tx, p);
      for (const at of [0, 3, 4, 5, wire.length - 17, wire.length - 16, wire.length - 1]) {
        const bad = wire.slice();
        bad[at] ^= 0x01;
        rx.ioView.set(bad.subarray(0, 4));
        const len = rx.decryptLength(0) + 4;
        if (len !== wire.length - 16) continue; // a changed length is the transport's to refuse
        expect(rx.openFrom(0, bad, 0, len)).toBe(false);
      }
      expect(openDirect(rx, wire)).toEqual(p);
      tx.dispose();
      rx.dispose();
    });

    it(`${label}: sealTo and openFrom check where the packet is`, () => {
      const c = make(randomBytes(keyLen), randomBytes(12)) as Direct;
      c.ioView.set(packet(32768));
      expect(() => c.sealTo(0, 32772, new Uint8Array(32772), 0)).toThrow(/do not fit/);
      expect(() => c.sealTo(0, 32772, new Uint8Array(40000), -1)).toThrow(/do not fit/);
      expect(() => c.openFrom(0, new Uint8Array(32772), 0, 32772)).toThrow(/not inside src/);
      c.dispose();
      expect(() => c.sealTo(0, 32772, new Uint8Array(40000), 0)).toThrow(/after dispose/);
    });
  }
});

describe('invocation counter', () => {
  it('wraps from 2^64 - 1 to 0 the way the kernel does', () => {
    const key = randomBytes(16);
    const iv = new Uint8Array(12).fill(0xff);
    iv.set([1, 2, 3, 4]);
    for (const make of Object.values(makers)) {
      const a = kernel(key, iv), b = make(key, iv);
      for (const n of [16, 32768, 32, 32768]) {
        const p = packet(n);
        expect(seal(b, p)).toEqual(seal(a, p));
      }
      a.dispose();
      b.dispose();
    }
  });

  it('hybrid: counters stay in step when many large packets are followed by small ones (regression: kernel counter left behind)', () => {
    const key = randomBytes(32), iv = randomBytes(12);
    const a = kernel(key, iv), b = hybrid(key, iv), rx = hybrid(key, iv);
    for (let i = 0; i < 20; i++) {
      const p = packet(i % 5 === 4 ? 32 : 8192);
      const wire = seal(b, p);
      expect(wire).toEqual(seal(a, p));
      expect(open(rx, wire)).toEqual(p);
    }
    for (const c of [a, b, rx]) c.dispose();
  });
});

/** True when any 32-byte window of `text` (taken every 1 KiB, and its last 32 bytes) is somewhere in `buf`. */
function holdsPieceOf(buf: Uint8Array, text: Uint8Array): boolean {
  const hay = Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  for (let at = 0; at + 32 <= text.length; at += 1024) if (hay.includes(text.subarray(at, at + 32))) return true;
  return hay.includes(text.subarray(text.length - 32));
}

describe.each([16, 32])('aes%i-gcm: no plaintext left in the IO buffer after a seal', (keyLen) => {
  for (const [label, make] of Object.entries({ node, hybrid })) {
    it(`${label}: sealTo wipes the plaintext it sealed out of ioView`, () => {
      const c = make(randomBytes(keyLen), randomBytes(12)) as Direct;
      const p = packet(32768);
      c.ioView.set(p);
      expect(c.sealTo(0, p.length, new Uint8Array(p.length + 16), 0)).toBe(true);
      expect(holdsPieceOf(c.ioView, p.subarray(4))).toBe(false);
      c.dispose();
    });
  }

  it('hybrid: the transport seals channel data, bulk or small, without leaving any of it in ioView', () => {
    const key = randomBytes(keyLen), iv = randomBytes(12);
    const c = hybrid(key, iv);
    const out = new OutputBuffer();
    const sealer = new PacketSealer(out, (n) => new Uint8Array(randomBytes(n)));
    sealer.setCipher(c);
    const header = (len: number) => (t: Uint8Array, o: number) => {
      t[o] = 94;
      new DataView(t.buffer, t.byteOffset).setUint32(o + 5, len);
    };
    const bodies = [randomBytes(32768), randomBytes(100), randomBytes(32000)].map((b) => new Uint8Array(b));
    for (const body of bodies) {
      // as the transport seals CHANNEL_DATA: the payload is laid out in ioView, then sealed
      sealer.seal(9 + body.length, (t, o) => {
        header(body.length)(t, o);
        t.set(body, o + 9);
      });
      expect(holdsPieceOf(c.ioView, body)).toBe(false); // a small one was sealed in place: only ciphertext stays
    }
    const opener = new PacketOpener();
    opener.setCipher(kernel(key, iv));
    const got: Uint8Array[] = [];
    for (let b; (b = out.take()); ) opener.feed(b, (payload) => (got.push(payload.slice(9)), true));
    expect(got).toEqual(bodies);
  });
});

/**
 * Seals `run` big packets (node:crypto) and then one small one (the kernel) with the hybrid b and
 * the kernel a, checking each pair of sealed packets is equal; returns how many kernel seals b made
 * (a's own not counted): stepping costs one per big packet, re-keying none.
 */
function kernelSealsForRun(a: PacketCipher, b: PacketCipher, run: number): number {
  const spy = vi.spyOn(AesGcmPacketCipher.prototype, 'seal');
  try {
    for (let i = 0; i < run; i++) {
      const p = packet(2064);
      expect(seal(b, p)).toEqual(seal(a, p));
    }
    const p = packet(32);
    expect(seal(b, p)).toEqual(seal(a, p));
    return spy.mock.contexts.filter((c) => c !== a).length;
  } finally {
    spy.mockRestore();
  }
}

describe('hybrid: the kernel counter caught up lazily', () => {
  // Runs of big packets (node:crypto; 2068 bytes, just over the threshold) of every length around the catch-up threshold (32), then
  // small ones (the kernel): the kernel must be level again whether it stepped or was re-keyed.
  const runs = [1, 2, 31, 32, 33, 34, 100];

  it('sealing: the same bytes as the kernel after each run of big packets', () => {
    const key = randomBytes(16), iv = randomBytes(12);
    const a = kernel(key, iv), b = hybrid(key, iv) as Direct;
    for (const run of runs) {
      for (let i = 0; i < run; i++) {
        const p = packet(2064);
        // both node:crypto paths: in place and into another buffer
        const wire = i % 2 ? seal(b, p) : sealDirect(b, p).wire;
        expect(wire).toEqual(seal(a, p));
      }
      for (const n of [32, 48]) {
        const p = packet(n);
        expect(seal(b, p)).toEqual(seal(a, p));
      }
    }
    a.dispose();
    b.dispose();
  });

  it('opening: small packets after each run of big ones open, and a tampered one still fails', () => {
    const key = randomBytes(32), iv = randomBytes(12);
    const tx = kernel(key, iv), rx = hybrid(key, iv) as Direct;
    for (const run of runs) {
      for (let i = 0; i < run; i++) {
        const p = packet(2064);
        expect(i % 2 ? open(rx, seal(tx, p)) : openDirect(rx, seal(tx, p))).toEqual(p);
      }
      const p = packet(32);
      const wire = seal(tx, p);
      const bad = wire.slice();
      bad[10] ^= 1;
      rx.ioView.set(bad);
      expect(rx.open(0, bad.length - 16)).toBe(false);
      expect(open(rx, wire)).toEqual(p);
    }
    tx.dispose();
    rx.dispose();
  });

  it('when its kernel instance has no free context slot, it steps the counter instead (same bytes)', () => {
    const key = randomBytes(16), iv = randomBytes(12);
    const a = kernel(key, iv), b = hybrid(key, iv);
    // fill every free slot of b's kernel instance (bounded: the kernel has a few dozen per instance)
    const fillers: PacketCipher[] = [];
    for (let i = 0; i < 4096; i++) {
      const f = kernel(key, iv);
      if (f.ioView.buffer !== b.ioView.buffer) {
        f.dispose();
        break;
      }
      fillers.push(f);
    }
    expect(fillers.length).toBeLessThan(4096);
    // b's kernel stepped 40 times and sealed the small packet
    expect(kernelSealsForRun(a, b, 40)).toBe(41);
    for (const c of [a, b, ...fillers]) c.dispose();
  });

  it('with a free slot, a long run is caught up by re-keying, not by stepping', () => {
    const key = randomBytes(16), iv = randomBytes(12);
    const a = kernel(key, iv), b = hybrid(key, iv);
    expect(kernelSealsForRun(a, b, 100)).toBe(1);
    a.dispose();
    b.dispose();
  });
});

describe('argument checks', () => {
  for (const [label, make] of Object.entries(makers)) {
    it(`${label}: rejects bad keys, IVs and lengths, and use after dispose`, () => {
      expect(() => make(new Uint8Array(24), new Uint8Array(12))).toThrow(/key must be .* 16 or 32 bytes, got 24 bytes/);
      expect(() => make(new Uint8Array(16), new Uint8Array(16))).toThrow(/iv must be .* 12 bytes, got 16 bytes/);
      const c = make(new Uint8Array(16), new Uint8Array(12));
      expect(() => c.seal(0, 3)).toThrow(/packetLen must be an integer from 4/);
      expect(() => c.seal(0, 1.5)).toThrow(/packetLen/);
      expect(() => c.open(0, c.ioView.length)).toThrow(/packetLen/);
      c.dispose();
      expect(() => c.seal(0, 20)).toThrow(/after dispose/);
      expect(() => c.decryptLength(0)).toThrow(/after dispose/);
    });
  }
  it('the IO buffer holds the largest SSH packet and its tag', () => {
    for (const make of Object.values(makers)) {
      const c = make(new Uint8Array(32), new Uint8Array(12));
      expect(c.ioView.length).toBeGreaterThanOrEqual(256 * 1024 + 16);
      c.dispose();
    }
  });
});
