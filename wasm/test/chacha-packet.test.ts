// chacha20-poly1305@openssh.com packet cipher: differential against an independent construction
// (node:crypto chacha20 + @noble/ciphers poly1305, test-vectors/generate/chacha-openssh.mjs),
// round trips, single-byte tampering anywhere in a sealed packet, decryptLength, size checks,
// several ciphers sharing or not sharing a kernel instance, and dispose.
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { ChaChaPolyPacketCipher, allocContext, freeContext, kernel } from '../src/index.ts';
import type { PacketCipher } from '../src/index.ts';
// @ts-ignore: plain .mjs generator without type declarations
import { sealPacket } from '../../test-vectors/generate/chacha-openssh.mjs';

const seal = sealPacket as (key: Uint8Array, seq: number, packet: Uint8Array) => Buffer;

/** A plaintext packet: uint32 packet_length || padding_length || payload || padding. */
function makePacket(packetLength: number): Uint8Array {
  const p = new Uint8Array(4 + packetLength);
  p.set(randomBytes(packetLength), 4);
  new DataView(p.buffer).setUint32(0, packetLength);
  p[4] = 4 + (packetLength % 7);
  return p;
}

function pair(key = randomBytes(64)) {
  return { key, tx: new ChaChaPolyPacketCipher(key), rx: new ChaChaPolyPacketCipher(key) };
}

function sealWith(c: PacketCipher, seq: number, packet: Uint8Array): Uint8Array {
  c.ioView.set(packet);
  c.seal(seq, packet.length);
  return c.ioView.slice(0, packet.length + c.macLength);
}

function openWith(c: PacketCipher, seq: number, wire: Uint8Array): Uint8Array | null {
  c.ioView.set(wire);
  const len = c.decryptLength(seq);
  if (len + 4 + c.macLength !== wire.length) throw new Error(`decryptLength said ${len} for a ${wire.length}-byte wire packet`);
  return c.open(seq, len + 4) ? c.ioView.slice(0, len + 4) : null;
}

const SEQS = [0, 1, 2, 7, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

describe('ChaChaPolyPacketCipher', () => {
  it('has the PacketCipher constants OpenSSH uses', () => {
    const { tx } = pair();
    expect([tx.name, tx.blockSize, tx.macLength, tx.lengthInClear, tx.firstBlockLength]).toEqual([
      'chacha20-poly1305@openssh.com', 8, 16, false, 4,
    ]);
    expect(tx.ioView.length).toBe(kernel().ioSize);
    tx.dispose();
  });

  it('seals exactly like the independent construction and opens what it seals (packet_length 8..70,000)', () => {
    const lens = [8, 16, 24, 56, 64, 72, 120, 128, 136, 184, 192, 200, 248, 256, 264, 376, 384, 392, 504, 512, 1024, 4096, 32768, 35000, 65536, 70000];
    for (let k = 0; k < 40; k++) lens.push(8 * (1 + Math.floor(Math.random() * 8750)));
    lens.forEach((len, i) => {
      const { key, tx, rx } = pair();
      const seq = SEQS[i % SEQS.length]!;
      const packet = makePacket(len);
      const wire = sealWith(tx, seq, packet);
      expect(Buffer.from(wire).equals(seal(key, seq, packet)), `packet_length ${len} seq ${seq}: differs from the independent construction`).toBe(true);
      const opened = openWith(rx, seq, wire);
      expect(opened && Buffer.from(opened).equals(Buffer.from(packet)), `packet_length ${len} seq ${seq}: round trip`).toBe(true);
      // and the other direction: the construction's packet opens with ours
      const other = (seq ^ 1) >>> 0;
      const theirs = seal(key, other, packet);
      expect(Buffer.from(openWith(rx, other, theirs) ?? []).equals(Buffer.from(packet))).toBe(true);
      tx.dispose();
      rx.dispose();
    });
  });

  it('keeps sealing correctly over a run of consecutive sequence numbers with one key', () => {
    const { key, tx, rx } = pair();
    for (let seq = 0; seq < 300; seq++) {
      const packet = makePacket(8 * (1 + (seq % 40)));
      const wire = sealWith(tx, seq, packet);
      expect(Buffer.from(wire).equals(seal(key, seq, packet))).toBe(true);
      expect(Buffer.from(openWith(rx, seq, wire)!).equals(Buffer.from(packet))).toBe(true);
    }
    tx.dispose();
    rx.dispose();
  });

  it('rejects every single-byte change of a small sealed packet (length, body and tag)', () => {
    for (const len of [8, 16, 56, 64, 120, 136, 256]) {
      const { tx, rx } = pair();
      const seq = 1000 + len;
      const wire = sealWith(tx, seq, makePacket(len));
      for (let p = 0; p < wire.length; p++) {
        for (const flip of [0x01, 0x80, 0xff]) {
          const bad = wire.slice();
          bad[p]! ^= flip;
          rx.ioView.set(bad);
          expect(rx.open(seq, wire.length - 16), `packet_length ${len}: byte ${p} ^ ${flip} accepted`).toBe(false);
        }
      }
      rx.ioView.set(wire);
      expect(rx.open(seq, wire.length - 16)).toBe(true);
      tx.dispose();
      rx.dispose();
    }
  });

  it('rejects changed bytes of large sealed packets (all of length and tag, sampled body)', () => {
    for (const len of [1024, 32768, 65536 + 8]) {
      const { tx, rx } = pair();
      const wire = sealWith(tx, 77, makePacket(len));
      const positions = new Set<number>();
      for (let p = 0; p < 4; p++) positions.add(p);
      for (let p = wire.length - 16; p < wire.length; p++) positions.add(p);
      for (const p of [4, 5, 63, 64, 131, 132, 133, 255, 256, 257, wire.length - 17]) positions.add(p);
      for (let k = 0; k < 60; k++) positions.add(4 + Math.floor(Math.random() * (wire.length - 20)));
      for (const p of positions) {
        const bad = wire.slice();
        bad[p]! ^= 1 << (p & 7);
        rx.ioView.set(bad);
        expect(rx.open(77, len + 4), `packet_length ${len}: byte ${p}`).toBe(false);
      }
      tx.dispose();
      rx.dispose();
    }
  });

  it('rejects a packet opened with the wrong sequence number or the wrong key', () => {
    const { tx, rx } = pair();
    const other = new ChaChaPolyPacketCipher(randomBytes(64));
    const wire = sealWith(tx, 5, makePacket(64));
    rx.ioView.set(wire);
    expect(rx.open(6, 68)).toBe(false);
    other.ioView.set(wire);
    expect(other.open(5, 68)).toBe(false);
    rx.ioView.set(wire);
    expect(rx.open(5, 68)).toBe(true);
    for (const c of [tx, rx, other]) c.dispose();
  });

  it('does not release unauthenticated plaintext: a failed open leaves the buffer as received', () => {
    const { tx, rx } = pair();
    const wire = sealWith(tx, 9, makePacket(1000));
    const bad = wire.slice();
    bad[500]! ^= 1;
    rx.ioView.set(bad);
    expect(rx.open(9, 1004)).toBe(false);
    expect(Buffer.from(rx.ioView.subarray(0, bad.length)).equals(Buffer.from(bad))).toBe(true);
    tx.dispose();
    rx.dispose();
  });

  it('decryptLength reads packet_length without modifying the buffer, for every sequence number edge', () => {
    const { key, rx } = pair();
    for (const seq of SEQS) {
      for (const len of [8, 32, 1024, 262144]) {
        const wire = seal(key, seq, makePacket(len).subarray(0, len + 4));
        rx.ioView.set(wire.subarray(0, 4));
        const before = rx.ioView.slice(0, 16);
        expect(rx.decryptLength(seq)).toBe(len);
        expect(Buffer.from(rx.ioView.subarray(0, 16)).equals(Buffer.from(before))).toBe(true);
      }
    }
    rx.dispose();
  });

  it('rejects packet sizes that are not valid for this cipher, with a message saying why', () => {
    const { tx } = pair();
    const max = tx.ioView.length - 16;
    for (const bad of [-1, 0, 3, 4, 11, 12.5, NaN, Infinity, max + 1, max + 8]) {
      expect(() => tx.seal(0, bad), String(bad)).toThrow(/packetLen must be an integer from 12 to/);
      expect(() => tx.open(0, bad), String(bad)).toThrow(/packetLen must be an integer from 12 to/);
    }
    for (const bad of [13, 15, 17, 23, 1001]) {
      expect(() => tx.open(0, bad)).toThrow(/packet_length \(packetLen - 4\) must be a multiple of 8/);
    }
    // the plaintext length field must agree with packetLen
    tx.ioView.set(makePacket(64));
    expect(() => tx.seal(0, 76)).toThrow(/packet_length field says 64 but packetLen - 4 is 72/);
    for (const bad of [-1, 2 ** 32, 1.5, NaN]) {
      expect(() => tx.seal(bad, 68)).toThrow(/seq must be an integer in \[0, 2\^32\)/);
      expect(() => tx.decryptLength(bad)).toThrow(/seq must be an integer/);
    }
    expect(() => new ChaChaPolyPacketCipher(randomBytes(32))).toThrow(/key must be 64 bytes, got 32/);
    expect(() => new ChaChaPolyPacketCipher('k' as unknown as Uint8Array)).toThrow(/key must be a Uint8Array, got string/);
    // the largest packet that fits still works
    const big = makePacket(max - 4 - ((max - 4) % 8));
    const { key, rx } = pair();
    const wire = sealWith(rx, 3, big);
    expect(Buffer.from(wire).equals(seal(key, 3, big))).toBe(true);
    tx.dispose();
    rx.dispose();
  });

  it('works for ciphers in different kernel instances (each uses its own IO buffer)', () => {
    // exhaust the slots of the current instances so the next ciphers land in a new instance
    const n = kernel().exports.ctxSlots();
    const hogs = Array.from({ length: n }, () => allocContext());
    const { key, tx, rx } = pair();
    const spare = pair(key);
    try {
      const packet = makePacket(512);
      const wire = sealWith(tx, 11, packet);
      expect(Buffer.from(wire).equals(seal(key, 11, packet))).toBe(true);
      expect(Buffer.from(openWith(spare.rx, 11, wire)!).equals(Buffer.from(packet))).toBe(true);
      expect(Buffer.from(openWith(rx, 11, sealWith(spare.tx, 11, packet))!).equals(Buffer.from(packet))).toBe(true);
    } finally {
      for (const h of hogs) freeContext(h);
      for (const c of [tx, rx, spare.tx, spare.rx]) c.dispose();
    }
  });

  it('dispose wipes the key from its context slot and blocks further use', () => {
    const { tx } = pair();
    const ctx = (tx as unknown as { ctx: { k: { mem: Uint8Array }; ptr: number } }).ctx;
    expect(ctx.k.mem.subarray(ctx.ptr, ctx.ptr + 64).some((b) => b !== 0)).toBe(true);
    tx.dispose();
    expect(ctx.k.mem.subarray(ctx.ptr, ctx.ptr + 4096).every((b) => b === 0)).toBe(true);
    expect(() => tx.seal(0, 12)).toThrow(/used after dispose/);
    expect(() => tx.open(0, 12)).toThrow(/used after dispose/);
    expect(() => tx.decryptLength(0)).toThrow(/used after dispose/);
    tx.dispose(); // idempotent
  });

  it('does not leave the key in the staging area of its slot after construction', () => {
    const key = new Uint8Array(64).fill(0x5a);
    const tx = new ChaChaPolyPacketCipher(key);
    const ctx = (tx as unknown as { ctx: { k: { mem: Uint8Array; exports: { ctxSlotSize(): number } }; ptr: number } }).ctx;
    const slot = ctx.k.mem.subarray(ctx.ptr, ctx.ptr + ctx.k.exports.ctxSlotSize());
    expect(slot.subarray(64).every((b) => b === 0)).toBe(true);
    tx.dispose();
  });
});
