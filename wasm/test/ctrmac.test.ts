// aes*-ctr + HMAC SSH packets (RFC 4253 6.4, RFC 4344, RFC 6668, OpenSSH PROTOCOL 1.5 for the
// -etm@openssh.com forms) against an independent node:crypto implementation: both directions
// over sequences of packets (the keystream continues across packets, seq wraps past 2^32-1),
// payloads up to 70,000 bytes, every byte of small sealed packets flipped, and the wrapper's API.
import { describe, expect, it } from 'vitest';
import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual, type Cipher, type Decipher } from 'node:crypto';
import { CtrHmacPacketCipher, type CtrHmacMac } from '../src/ctrmac.ts';

const MACS = { 'hmac-sha1': ['sha1', 20], 'hmac-sha2-256': ['sha256', 32], 'hmac-sha2-512': ['sha512', 64] } as const;
type MacBase = keyof typeof MACS;
const BASES = Object.keys(MACS) as MacBase[];
const KEYLENS = [16, 24, 32];

/** Small seeded PRNG (xorshift32) so a failing case can be reproduced from its seed. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
  return {
    int: (n: number) => next() % n,
    bytes: (n: number) => { const b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = next() & 0xff; return b; },
  };
}
type Rng = ReturnType<typeof rng>;

/** An unencrypted SSH packet (RFC 4253 6) with random padding; etm pads what follows the length. */
function makePacket(r: Rng, payloadLen: number, etm: boolean): Uint8Array {
  let pad = 16 - (((etm ? 1 : 5) + payloadLen) % 16);
  if (pad < 4) pad += 16;
  const len = 1 + payloadLen + pad;
  const p = new Uint8Array(4 + len);
  new DataView(p.buffer).setUint32(0, len);
  p[4] = pad;
  p.set(r.bytes(payloadLen + pad), 5);
  return p;
}

interface Keys { key: Uint8Array; iv: Uint8Array; macKey: Uint8Array; base: MacBase; etm: boolean }
const macName = (k: Keys) => (k.etm ? `${k.base}-etm@openssh.com` : k.base) as CtrHmacMac;
const newKeys = (r: Rng, keyLen: number, base: MacBase, etm: boolean): Keys =>
  ({ key: r.bytes(keyLen), iv: r.bytes(16), macKey: r.bytes(MACS[base][1]), base, etm });
const ours = (k: Keys) => new CtrHmacPacketCipher({ key: k.key, iv: k.iv, mac: macName(k), macKey: k.macKey });
const seqBytes = (seq: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(seq >>> 0); return b; };

/** The reference: node:crypto's AES-CTR and HMAC, written from the RFCs independently of the kernel. */
class NodeSide {
  private readonly enc: Cipher;
  private readonly dec: Decipher;
  constructor(private readonly k: Keys) {
    const alg = `aes-${k.key.length * 8}-ctr`;
    this.enc = createCipheriv(alg, k.key, k.iv);
    this.dec = createDecipheriv(alg, k.key, k.iv);
  }
  private mac(seq: number, data: Uint8Array): Buffer {
    return createHmac(MACS[this.k.base][0], this.k.macKey).update(seqBytes(seq)).update(data).digest();
  }
  seal(seq: number, plain: Uint8Array): Uint8Array {
    if (this.k.etm) {
      const wire = Buffer.concat([plain.subarray(0, 4), this.enc.update(plain.subarray(4))]);
      return Buffer.concat([wire, this.mac(seq, wire)]);
    }
    const tag = this.mac(seq, plain);
    return Buffer.concat([this.enc.update(plain), tag]);
  }
  open(seq: number, sealed: Uint8Array, n: number): Uint8Array | null {
    const tag = sealed.subarray(n);
    if (this.k.etm) {
      if (!timingSafeEqual(this.mac(seq, sealed.subarray(0, n)), tag)) return null;
      return Buffer.concat([sealed.subarray(0, 4), this.dec.update(sealed.subarray(4, n))]);
    }
    const plain = this.dec.update(sealed.subarray(0, n));
    return timingSafeEqual(this.mac(seq, plain), tag) ? plain : null;
  }
}

function sealOurs(c: CtrHmacPacketCipher, seq: number, plain: Uint8Array): Uint8Array {
  c.ioView.set(plain);
  c.seal(seq, plain.length);
  return c.ioView.slice(0, plain.length + c.macLength);
}

/** Opens like the transport does: decryptLength on the first block, then open; null on a bad MAC. */
function openOurs(c: CtrHmacPacketCipher, seq: number, sealed: Uint8Array, n: number): Uint8Array | null {
  c.ioView.set(sealed);
  c.decryptLength(seq); // a forged length field shows here; open() must still catch it
  return c.open(seq, n) ? c.ioView.slice(0, n) : null;
}

const hexOf = (b: Uint8Array | null) => (b ? Buffer.from(b).toString('hex') : 'null');
const EDGE_PAYLOADS = [0, 1, 11, 15, 16, 17, 63, 64, 65, 127, 128, 129, 1000, 32768, 70000];

describe('aes-ctr + HMAC packets agree with node:crypto (both directions, packet sequences)', () => {
  let caseNo = 0;
  for (const etm of [false, true]) {
    for (const base of BASES) {
      for (const keyLen of KEYLENS) {
        const label = `aes${keyLen * 8}-ctr+${etm ? `${base}-etm@openssh.com` : base}`;
        it(`${label}: ours seals -> node opens, node seals -> ours opens, open(seal(x)) == x`, () => {
          const r = rng(0xc7a0 + caseNo++);
          const k = newKeys(r, keyLen, base, etm);
          const [sealer, opener] = [ours(k), ours(k)];
          const [nodeSealer, nodeOpener] = [new NodeSide(k), new NodeSide(k)];
          // Start near the wrap for some cases so seq 2^32-1 -> 0 is crossed.
          let seq = caseNo % 3 === 0 ? 0xffffffff - 5 : r.int(1000);
          const payloads = [...EDGE_PAYLOADS, ...Array.from({ length: 8 }, () => (r.int(2) ? r.int(300) : r.int(70_001)))];
          for (const pl of payloads) {
            const name = `${label} seq ${seq} payload ${pl}`;
            // Ours -> node.
            const p1 = makePacket(r, pl, etm);
            const s1 = sealOurs(sealer, seq, p1);
            expect(hexOf(nodeOpener.open(seq, s1, p1.length)), name + ' (ours -> node)').toBe(hexOf(p1));
            // Node -> ours.
            const p2 = makePacket(r, pl, etm);
            const s2 = nodeSealer.seal(seq, p2);
            expect(hexOf(openOurs(opener, seq, s2, p2.length)), name + ' (node -> ours)').toBe(hexOf(p2));
            seq = (seq + 1) % 2 ** 32;
          }
          for (const c of [sealer, opener]) c.dispose();
        });
      }
    }
  }

  it('the largest packet the IO buffer holds (ioSize - macLength) round-trips with node:crypto', () => {
    const r = rng(0xc7b1);
    for (const etm of [false, true]) {
      const k = newKeys(r, 32, 'hmac-sha2-512', etm);
      const c = ours(k);
      const n = c.ioView.length - c.macLength;
      const p = r.bytes(n);
      new DataView(p.buffer).setUint32(0, n - 4);
      const sealed = sealOurs(c, 42, p);
      expect(hexOf(new NodeSide(k).open(42, sealed, n))).toBe(hexOf(p));
      const o = ours(k);
      expect(hexOf(openOurs(o, 42, sealed, n))).toBe(hexOf(p));
      expect(() => c.seal(43, n + 1)).toThrow(RangeError);
      c.dispose();
      o.dispose();
    }
  });
});

describe('forged packets are rejected', () => {
  for (const etm of [false, true]) {
    for (const base of BASES) {
      const label = etm ? `${base}-etm@openssh.com` : base;
      it(`${label}: flipping any single byte of a small sealed packet (length, body or MAC) fails open`, () => {
        const r = rng(0xf11b + BASES.indexOf(base) + (etm ? 10 : 0));
        for (const keyLen of KEYLENS) {
          const k = newKeys(r, keyLen, base, etm);
          const seq = keyLen === 32 ? 0xffffffff : r.int(1 << 20);
          const plain = makePacket(r, 10, etm);
          const sealed = sealOurs(ours(k), seq, plain);
          const n = plain.length;
          // etm: one opener serves every forgery, since a failed open leaves its state alone.
          const shared = etm ? ours(k) : undefined;
          for (let pos = 0; pos < sealed.length; pos++) {
            const forged = sealed.slice();
            forged[pos] ^= 1 << r.int(8);
            const c = shared ?? ours(k);
            expect(openOurs(c, seq, forged, n), `${label} aes${keyLen * 8} byte ${pos} of ${sealed.length}`).toBeNull();
            if (!shared) c.dispose();
          }
          // ...and after all those failures the genuine packet still opens.
          if (shared) {
            expect(hexOf(openOurs(shared, seq, sealed, n))).toBe(hexOf(plain));
            shared.dispose();
          }
        }
      });

      it(`${label}: flipping sampled bytes of a 40 KB packet fails open; the wrong seq fails open`, () => {
        const r = rng(0xf12b + BASES.indexOf(base) + (etm ? 10 : 0));
        const k = newKeys(r, 16, base, etm);
        const plain = makePacket(r, 40_000, etm);
        const sealed = sealOurs(ours(k), 1000, plain);
        const n = plain.length;
        const positions = [0, 3, 4, 5, 15, 16, 17, n - 1, n, sealed.length - 1, ...Array.from({ length: 30 }, () => r.int(sealed.length))];
        for (const pos of positions) {
          const forged = sealed.slice();
          forged[pos] ^= 0x80;
          const c = ours(k);
          expect(openOurs(c, 1000, forged, n), `${label} byte ${pos}`).toBeNull();
          c.dispose();
        }
        for (const seq of [999, 1001, 1000 + 2 ** 31]) {
          const c = ours(k);
          expect(openOurs(c, seq, sealed, n), `${label} seq ${seq}`).toBeNull();
          c.dispose();
        }
        const c = ours(k);
        expect(hexOf(openOurs(c, 1000, sealed, n))).toBe(hexOf(plain));
        c.dispose();
      });
    }
  }

  it('a failed encrypt-then-MAC open leaves the packet bytes as they were (nothing decrypted)', () => {
    const r = rng(0xf13b);
    const k = newKeys(r, 16, 'hmac-sha2-256', true);
    const sealed = sealOurs(ours(k), 5, makePacket(r, 100, true));
    sealed[sealed.length - 1] ^= 1;
    const c = ours(k);
    c.ioView.set(sealed);
    expect(c.open(5, sealed.length - 32)).toBe(false);
    expect(hexOf(c.ioView.slice(0, sealed.length))).toBe(hexOf(sealed));
    c.dispose();
  });

  it('a failed encrypt-and-MAC open zeroes the decrypted packet (no unauthenticated plaintext left)', () => {
    const r = rng(0xf14b);
    const k = newKeys(r, 16, 'hmac-sha2-256', false);
    const plain = makePacket(r, 100, false);
    const sealed = sealOurs(ours(k), 5, plain);
    sealed[sealed.length - 1] ^= 1;
    const c = ours(k);
    c.ioView.set(sealed);
    c.decryptLength(5);
    expect(c.open(5, plain.length)).toBe(false);
    expect(c.ioView.subarray(0, plain.length).every((b) => b === 0)).toBe(true);
    c.dispose();
  });
});

describe('CtrHmacPacketCipher API', () => {
  const r = rng(0xa91);
  it('describes itself per PacketCipher: name, blockSize, macLength, lengthInClear, firstBlockLength', () => {
    for (const etm of [false, true]) {
      for (const base of BASES) {
        for (const keyLen of KEYLENS) {
          const k = newKeys(r, keyLen, base, etm);
          const c = ours(k);
          expect(c.name).toBe(`aes${keyLen * 8}-ctr+${macName(k)}`);
          expect(c.blockSize).toBe(16);
          expect(c.macLength).toBe(MACS[base][1]);
          expect(c.lengthInClear).toBe(etm);
          expect(c.firstBlockLength).toBe(etm ? 4 : 16);
          c.dispose();
        }
      }
    }
  });

  it('rejects bad keys, IVs, MAC names and MAC key lengths with clear errors', () => {
    const ok = { key: r.bytes(16), iv: r.bytes(16), mac: 'hmac-sha2-256' as CtrHmacMac, macKey: r.bytes(32) };
    expect(() => new CtrHmacPacketCipher({ ...ok, key: r.bytes(20) })).toThrow(/key must be 16 or 24 or 32 bytes, got 20/);
    expect(() => new CtrHmacPacketCipher({ ...ok, iv: r.bytes(12) })).toThrow(/iv must be 16 bytes, got 12/);
    expect(() => new CtrHmacPacketCipher({ ...ok, mac: 'hmac-md5' as CtrHmacMac })).toThrow(/mac must be one of .*'hmac-sha2-256-etm@openssh.com'.*got 'hmac-md5'/);
    expect(() => new CtrHmacPacketCipher({ ...ok, mac: 'hmac-sha2-256-etm@openssh' as CtrHmacMac })).toThrow(/mac must be one of/);
    expect(() => new CtrHmacPacketCipher({ ...ok, mac: 'constructor' as CtrHmacMac })).toThrow(/mac must be one of/);
    expect(() => new CtrHmacPacketCipher({ ...ok, mac: 'toString-etm@openssh.com' as CtrHmacMac })).toThrow(/mac must be one of/);
    expect(() => new CtrHmacPacketCipher({ ...ok, macKey: r.bytes(20) })).toThrow(/macKey must be 32 bytes, got 20/);
    expect(() => new CtrHmacPacketCipher({ ...ok, mac: 'hmac-sha1', macKey: r.bytes(32) })).toThrow(/macKey must be 20 bytes, got 32/);
    expect(() => new CtrHmacPacketCipher({ ...ok, key: 'secret' as unknown as Uint8Array })).toThrow(/key must be a Uint8Array, got string/);
    expect(() => new CtrHmacPacketCipher(undefined as unknown as never)).toThrow(/options must be an object/);
  });

  it('rejects packet lengths outside [firstBlockLength, ioSize - macLength], non-integers and bad seqs', () => {
    for (const etm of [false, true]) {
      const c = ours(newKeys(r, 16, 'hmac-sha1', etm));
      expect(() => c.seal(0, etm ? 3 : 15)).toThrow(/packetLen must be an integer from/);
      expect(() => c.seal(0, 16.5)).toThrow(RangeError);
      expect(() => c.seal(0, c.ioView.length)).toThrow(RangeError);
      expect(() => c.seal(-1, 32)).toThrow(/seq must be a non-negative integer/);
      expect(() => c.seal(1.5, 32)).toThrow(/seq/);
      c.dispose();
    }
  });

  it('takes seq mod 2^32 (a transport counter past 2^32 - 1 means seq 0 again)', () => {
    const k = newKeys(r, 16, 'hmac-sha2-256', true);
    const p = makePacket(r, 20, true);
    const a = sealOurs(ours(k), 0, p);
    const b = sealOurs(ours(k), 2 ** 32, p);
    expect(hexOf(b)).toBe(hexOf(a));
  });

  it('encrypt-and-MAC open() without decryptLength() first throws instead of misdecrypting', () => {
    const c = ours(newKeys(r, 16, 'hmac-sha2-256', false));
    expect(() => c.open(0, 32)).toThrow(/decryptLength\(\) must be called before open\(\)/);
    c.dispose();
  });

  it('cannot be used after dispose(), and dispose() wipes the keys from its context slot', () => {
    const k = newKeys(r, 32, 'hmac-sha2-512', true);
    const c = ours(k);
    const ctx = (c as unknown as { ctx: { k: { mem: Uint8Array }; ptr: number } }).ctx;
    const slot = () => ctx.k.mem.subarray(ctx.ptr, ctx.ptr + 4096);
    expect(slot().some((b) => b !== 0)).toBe(true);
    c.dispose();
    expect(slot().every((b) => b === 0)).toBe(true);
    expect(() => c.seal(0, 32)).toThrow(/used after dispose/);
    expect(() => c.decryptLength(0)).toThrow(/used after dispose/);
    c.dispose(); // idempotent
  });

  it('creating a cipher leaves a packet laid out in the shared IO buffer by another cipher intact', () => {
    const k = newKeys(r, 16, 'hmac-sha2-256', true);
    const a = ours(k);
    const plain = makePacket(r, 200, true);
    a.ioView.set(plain);
    const others = Array.from({ length: 3 }, () => ours(newKeys(r, 32, 'hmac-sha2-512', false)));
    expect(others.some((o) => o.ioView.buffer === a.ioView.buffer)).toBe(true); // same kernel instance
    expect(hexOf(a.ioView.slice(0, plain.length))).toBe(hexOf(plain));
    a.seal(9, plain.length);
    expect(hexOf(new NodeSide(k).open(9, a.ioView.slice(0, plain.length + 32), plain.length))).toBe(hexOf(plain));
    for (const c of [a, ...others]) c.dispose();
  });

  it('leaves no raw key bytes in kernel memory after keying (IO buffer, staging area of the slot)', () => {
    const k = newKeys(r, 32, 'hmac-sha2-512', false);
    const c = ours(k);
    const mem = Buffer.from(c.ioView.buffer as ArrayBuffer).toString('hex');
    for (const secret of [k.key, k.macKey]) expect(mem.includes(hexOf(secret.subarray(0, 16)))).toBe(false);
    c.dispose();
  });
});
