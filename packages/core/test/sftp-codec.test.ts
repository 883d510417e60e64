// SFTP codec: round trip of every message type (fast-check), framing in any split, and fuzzing:
// no input crashes the decoder or the framer (only ProtocolError), and nothing allocates past the
// packet limit.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError, SshWriter } from '../src/wire/index.ts';
import {
  type Attrs,
  FXP,
  PacketFramer,
  SCHEMA,
  SFTP_LIMITS,
  type SftpMessage,
  decodeAttrs,
  decodePacket,
  encodeAttrs,
  encodePacket,
} from '../src/sftp/index.ts';
import * as ext from '../src/sftp/extensions.ts';
import { SshReader } from '../src/wire/index.ts';

const RUNS = { numRuns: 300, seed: 0x5f7b };

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.maxSafeInteger().map((n) => Math.abs(n));
// Strings that survive a UTF-8 round trip (no lone surrogates)
const text = fc.string({ unit: 'grapheme', maxLength: 40 });
const bytes = fc.uint8Array({ maxLength: 300 });
const handle = fc.uint8Array({ maxLength: 256 });

const attrs: fc.Arbitrary<Attrs> = fc
  .record(
    {
      size: u64,
      ids: fc.tuple(u32, u32),
      permissions: u32,
      times: fc.tuple(u32, u32),
      extended: fc.array(fc.record({ type: text, data: bytes }), { minLength: 1, maxLength: 3 }),
    },
    { requiredKeys: [] },
  )
  .map((r) => {
    const a: Attrs = {};
    if (r.size !== undefined) a.size = r.size;
    if (r.ids) [a.uid, a.gid] = r.ids;
    if (r.permissions !== undefined) a.permissions = r.permissions;
    if (r.times) [a.atime, a.mtime] = r.times;
    if (r.extended) a.extended = r.extended;
    return a;
  });

const extensionPairs = fc.array(fc.record({ name: text, data: text }), { maxLength: 5 });
const names = fc.array(fc.record({ filename: text, longname: text, attrs }), { maxLength: 5 });

const kindArb: Record<string, fc.Arbitrary<unknown>> = {
  u32,
  u64,
  text,
  optText: text,
  bytes,
  handle,
  attrs,
  names,
  extensions: extensionPairs,
  rest: bytes,
};

/** An arbitrary valid message of each type, built from the schema itself. */
function messageArb(type: number): fc.Arbitrary<SftpMessage> {
  const spec = (SCHEMA as Record<number, { id: boolean; fields: readonly (readonly [string, string])[] }>)[type];
  const rec: Record<string, fc.Arbitrary<unknown>> = {};
  if (spec.id) rec.id = u32;
  for (const [name, kind] of spec.fields) rec[name] = kindArb[kind];
  return fc.record(rec).map((r) => ({ type, ...r }) as SftpMessage);
}

const TYPES = Object.keys(SCHEMA).map(Number);
const anyMessage = fc.oneof(...TYPES.map(messageArb));

function body(packet: Uint8Array): Uint8Array {
  return packet.subarray(4);
}

describe('SFTP codec round trip', () => {
  for (const type of TYPES) {
    it(`${(SCHEMA as Record<number, { name: string }>)[type].name} decodes to what was encoded`, () => {
      fc.assert(
        fc.property(messageArb(type), (m) => {
          const packet = encodePacket(m);
          const len = new DataView(packet.buffer, packet.byteOffset).getUint32(0);
          expect(len).toBe(packet.length - 4);
          expect(decodePacket(body(packet))).toEqual(m);
        }),
        { ...RUNS, numRuns: 100 },
      );
    });
  }

  it('ATTRS with every flag round-trips, and flags are what draft-02 §5 says', () => {
    const w = new SshWriter();
    encodeAttrs(w, { size: 2 ** 40 + 5, uid: 1, gid: 2, permissions: 0o100644, atime: 3, mtime: 4, extended: [{ type: 'a@b', data: new Uint8Array([9]) }] });
    const b = w.finish();
    expect([...b.subarray(0, 4)]).toEqual([0x80, 0, 0, 0x0f]);
    expect(decodeAttrs(new SshReader(b))).toEqual({ size: 2 ** 40 + 5, uid: 1, gid: 2, permissions: 0o100644, atime: 3, mtime: 4, extended: [{ type: 'a@b', data: new Uint8Array([9]) }] });
  });

  it('known bytes: OPEN and SYMLINK (OpenSSH order) as OpenSSH sends them', () => {
    const open = encodePacket({ type: FXP.OPEN, id: 7, path: '/a', pflags: 0x1a, attrs: { permissions: 0o644 } });
    expect(Buffer.from(open).toString('hex')).toBe('00000017' + '03' + '00000007' + '000000022f61' + '0000001a' + '00000004' + '000001a4');
    const sym = encodePacket({ type: FXP.SYMLINK, id: 1, targetPath: 't', linkPath: 'l' });
    expect(Buffer.from(sym).toString('hex')).toBe('0000000f' + '14' + '00000001' + '0000000174' + '000000016c');
  });

  it('STATUS without message and language (old servers) decodes with empty strings', () => {
    const p = new Uint8Array([FXP.STATUS, 0, 0, 0, 5, 0, 0, 0, 2]);
    expect(decodePacket(p)).toEqual({ type: FXP.STATUS, id: 5, code: 2, message: '', language: '' });
  });

  it('extension payloads round-trip', () => {
    fc.assert(
      fc.property(text, text, attrs, handle, handle, u64, u64, u64, fc.array(u32, { maxLength: 20 }), fc.array(u32, { maxLength: 20 }), (a, b, at, h1, h2, o1, o2, o3, uids, gids) => {
        expect(ext.decodeTwoPaths(ext.encodeTwoPaths(a, b), 'x')).toEqual([a, b]);
        expect(ext.decodeOnePath(ext.encodeOneString(a), 'x')).toBe(a);
        expect(ext.decodeOneHandle(ext.encodeOneString(h1), 'x')).toEqual(h1);
        expect(ext.decodePathAttrs(ext.encodePathAttrs(a, at), 'x')).toEqual([a, at]);
        const cd = { readHandle: h1, readOffset: o1, readLength: o2, writeHandle: h2, writeOffset: o3 };
        expect(ext.decodeCopyData(ext.encodeCopyData(cd))).toEqual(cd);
        expect(ext.decodeUsersGroupsRequest(ext.encodeUsersGroupsRequest(uids, gids))).toEqual({ uids, gids });
        const users = uids.map((u) => `u${u}`);
        const groups = gids.map(() => b);
        expect(ext.decodeUsersGroupsReply(ext.encodeUsersGroupsReply(users, groups), uids.length, gids.length)).toEqual({ users, groups });
        const l = { maxPacketLength: o1, maxReadLength: o2, maxWriteLength: o3, maxOpenHandles: 5 };
        expect(ext.decodeLimits(ext.encodeLimits(l))).toEqual(l);
        const sv = { bsize: o1, frsize: 1, blocks: o2, bfree: 3, bavail: 4, files: o3, ffree: 6, favail: 7, fsid: 0xffffffffffffffffn, flag: 1, namemax: 255 };
        expect(ext.decodeStatVfs(ext.encodeStatVfs(sv))).toEqual(sv);
      }),
      { ...RUNS, numRuns: 100 },
    );
  });
});

describe('SFTP codec rejects what it must', () => {
  it('trailing bytes are an error', () => {
    const p = body(encodePacket({ type: FXP.CLOSE, id: 1, handle: new Uint8Array([1]) }));
    const longer = new Uint8Array(p.length + 1);
    longer.set(p);
    expect(() => decodePacket(longer)).toThrow(/trailing/);
  });

  it('regression (Go CVE-2025-58181): a NAME count of 0xFFFFFFFF in a 100-byte packet fails without allocating', () => {
    const p = new Uint8Array(100);
    p.set([FXP.NAME, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff]);
    expect(() => decodePacket(p)).toThrow(/count 4294967295 exceeds/);
  });

  it('an ATTRS extended count past the bytes present fails before allocating', () => {
    const p = new Uint8Array([FXP.ATTRS, 0, 0, 0, 1, 0x80, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff]);
    expect(() => decodePacket(p)).toThrow(/extended count .* exceeds/);
  });

  it('unknown ATTRS flag bits, an unknown packet type, an empty packet, a handle over 256 bytes', () => {
    expect(() => decodePacket(new Uint8Array([FXP.ATTRS, 0, 0, 0, 1, 0, 0, 0x10, 0]))).toThrow(/unknown flag bits 0x1000/);
    expect(() => decodePacket(new Uint8Array([77, 0, 0, 0, 1]))).toThrow(/unknown packet type 77/);
    expect(() => decodePacket(new Uint8Array(0))).toThrow(/empty/);
    const w = new SshWriter().byte(FXP.HANDLE).uint32(1).string(new Uint8Array(257));
    expect(() => decodePacket(w.finish())).toThrow(/handle of 257 bytes/);
  });

  it('an offset past 2^53 is refused rather than rounded', () => {
    const w = new SshWriter().byte(FXP.READ).uint32(1).string(new Uint8Array(1)).uint32(0x00200000).uint32(0).uint32(10);
    expect(() => decodePacket(w.finish())).toThrow(/past 2\^53/);
  });

  it('the encoder says which field is wrong', () => {
    expect(() => encodePacket({ type: FXP.READ, id: 1, handle: new Uint8Array(1), offset: -1, length: 1 })).toThrow(/offset/);
    expect(() => encodePacket({ type: FXP.OPEN, id: 1, path: 5 as unknown as string, pflags: 1, attrs: {} })).toThrow(/path must be a string/);
    expect(() => encodePacket({ type: FXP.CLOSE, id: 2 ** 32, handle: new Uint8Array(1) })).toThrow(/request id/);
    expect(() => encodePacket({ type: 99 } as unknown as SftpMessage)).toThrow(/unknown packet type 99/);
    expect(() => encodePacket({ type: FXP.SETSTAT, id: 1, path: '/', attrs: { atime: 1 } })).toThrow(/atime and mtime/);
  });
});

describe('SFTP framing', () => {
  it('reassembles packets from any split', () => {
    fc.assert(
      fc.property(fc.array(anyMessage, { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 50 }), (msgs, cuts) => {
        const stream = Buffer.concat(msgs.map(encodePacket));
        const framer = new PacketFramer(1 << 20);
        const got: SftpMessage[] = [];
        let p = 0;
        let i = 0;
        while (p < stream.length) {
          const n = Math.min(cuts[i++ % cuts.length], stream.length - p);
          framer.push(new Uint8Array(stream.subarray(p, p + n)), (pkt) => got.push(decodePacket(pkt)));
          p += n;
        }
        expect(got).toEqual(msgs);
        expect(framer.buffered).toBe(0);
      }),
      { ...RUNS, numRuns: 200 },
    );
  });

  it('regression (russh CVE-2024-43410): a length over the limit is refused on its four bytes, before allocating', () => {
    const f = new PacketFramer(SFTP_LIMITS.MAX_PACKET);
    expect(() => f.push(new Uint8Array([0x00, 0x04, 0x00, 0x01]), () => {})).toThrow(/262145 bytes is over the 262144-byte limit/);
    const g = new PacketFramer(SFTP_LIMITS.MAX_PACKET);
    g.push(new Uint8Array([0xff, 0xff]), () => {});
    expect(() => g.push(new Uint8Array([0xff, 0xff]), () => {})).toThrow(ProtocolError);
    expect(() => new PacketFramer(1000).push(new Uint8Array([0, 0, 0, 0]), () => {})).toThrow(/length 0/);
  });

  it('buffers a partial packet only up to the bound', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 700 }), { maxLength: 40 }), (chunks) => {
        const max = 1000;
        const f = new PacketFramer(max);
        try {
          for (const c of chunks) {
            f.push(c, (pkt) => expect(pkt.length).toBeLessThanOrEqual(max));
            expect(f.buffered).toBeLessThanOrEqual(max + 4);
          }
        } catch (e) {
          expect(e).toBeInstanceOf(ProtocolError);
        }
      }),
      RUNS,
    );
  });

  it('hands out copies: the caller may reuse its buffer', () => {
    const packet = encodePacket({ type: FXP.DATA, id: 1, data: new Uint8Array([1, 2, 3]) });
    const f = new PacketFramer(1000);
    let got: Uint8Array | undefined;
    const buf = new Uint8Array(packet);
    f.push(buf, (p) => (got = p));
    buf.fill(0);
    expect(decodePacket(got!)).toEqual({ type: FXP.DATA, id: 1, data: new Uint8Array([1, 2, 3]) });
  });
});

describe('SFTP decoder fuzzing', () => {
  const onlyProtocolErrors = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
    }
  };

  it('random bytes never crash decodePacket (only ProtocolError)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TYPES, 0, 42, 255), fc.uint8Array({ maxLength: 400 }), (type, rest) => {
        const p = new Uint8Array(1 + rest.length);
        p[0] = type;
        p.set(rest, 1);
        onlyProtocolErrors(() => decodePacket(p));
      }),
      { ...RUNS, numRuns: 2000 },
    );
  });

  it('mutated valid packets never crash decodePacket', () => {
    fc.assert(
      fc.property(anyMessage, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.nat(), (m, flips, cut) => {
        const p = body(encodePacket(m)).slice();
        for (const [pos, v] of flips) p[pos % p.length] = v;
        onlyProtocolErrors(() => decodePacket(p));
        onlyProtocolErrors(() => decodePacket(p.subarray(0, cut % (p.length + 1))));
      }),
      { ...RUNS, numRuns: 2000 },
    );
  });

  it('random bytes never crash the extension decoders', () => {
    const decoders: ((d: Uint8Array) => unknown)[] = [
      (d) => ext.decodeTwoPaths(d, 'x'),
      (d) => ext.decodeOnePath(d, 'x'),
      (d) => ext.decodeOneHandle(d, 'x'),
      (d) => ext.decodePathAttrs(d, 'x'),
      (d) => ext.decodeCopyData(d),
      (d) => ext.decodeUsersGroupsRequest(d),
      (d) => ext.decodeUsersGroupsReply(d, 3, 2),
      (d) => ext.decodeLimits(d),
      (d) => ext.decodeStatVfs(d),
    ];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (d) => {
        for (const dec of decoders) onlyProtocolErrors(() => dec(d));
      }),
      { ...RUNS, numRuns: 1000 },
    );
  });

  it('a users-groups-by-id request with more than MAX_ID_LOOKUPS ids is refused', () => {
    const uids = new Array(SFTP_LIMITS.MAX_ID_LOOKUPS + 1).fill(1);
    expect(() => ext.decodeUsersGroupsRequest(ext.encodeUsersGroupsRequest(uids, []))).toThrow(/more than 1024/);
  });
});
