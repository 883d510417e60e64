import { describe, expect, it } from 'vitest';
import {
  connectionMessages,
  connectionStructs,
  transportMessages,
  userauthMessages,
  userauthStructs,
  UserauthInfoRequest,
  ExtInfo,
  Kexinit,
  message,
  struct,
  type FieldSpec,
  type Schema,
  type StructCodec,
  type MessageCodec,
} from '../src/messages/index.ts';
import { ProtocolError, SshWriter } from '../src/wire/index.ts';
import { Prng } from './support/prng.ts';

/** A random value for a field spec (the generator is driven by the same schema data as the codec). */
function arbitrary(rng: Prng, spec: FieldSpec): unknown {
  if (typeof spec === 'object') {
    if ('fixed' in spec) return rng.bytes(spec.fixed);
    const n = rng.int(4);
    return Array.from({ length: n }, () => arbitraryRecord(rng, spec.list));
  }
  switch (spec) {
    case 'byte':
      return rng.int(256);
    case 'boolean':
      return rng.bool();
    case 'uint32':
      return rng.pick([0, 1, 0xffffffff, rng.u32()]);
    case 'uint64':
      return (BigInt(rng.u32()) << 32n) | BigInt(rng.u32());
    case 'mpint': {
      let v = 0n;
      const len = rng.int(40);
      for (let i = 0; i < len; i++) v = (v << 8n) | BigInt(rng.int(256));
      return rng.bool() ? -v : v;
    }
    case 'string':
    case 'rest':
      return rng.bytes(rng.int(40));
    case 'text': {
      const alphabet = ['a', 'Z', '0', ' ', '-', 'é', '日', '\u{1F41A}', '\n', '\0'];
      let s = '';
      for (let i = rng.int(12); i > 0; i--) s += rng.pick(alphabet);
      return s;
    }
    case 'names': {
      const names: string[] = [];
      for (let i = rng.int(5); i > 0; i--) {
        let n = '';
        for (let j = rng.range(1, 12); j > 0; j--) n += String.fromCharCode(rng.pick([rng.range(0x21, 0x2b), rng.range(0x2d, 0x7e)]));
        names.push(n);
      }
      return names;
    }
  }
}

function arbitraryRecord(rng: Prng, schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in schema) out[k] = arbitrary(rng, schema[k]);
  return out;
}

const endsWithRest = (c: StructCodec) => Object.values(c.schema).at(-1) === 'rest';
const all: StructCodec[] = [...transportMessages, ...userauthMessages, ...connectionMessages, ...userauthStructs, ...connectionStructs] as StructCodec[];

describe('message codec: round trip of every message with random field values', () => {
  for (const codec of all) {
    const id = 'id' in codec ? ` (${(codec as MessageCodec).id})` : '';
    it(`${codec.name}${id}`, () => {
      const rng = new Prng(codec.name.length * 7919 + 1);
      for (let i = 0; i < 150; i++) {
        const value = arbitraryRecord(rng, codec.schema);
        const bytes = codec.encode(value as never);
        const back = codec.decode(bytes);
        expect(back, `seed ${rng.seed} iteration ${i}`).toEqual(value);
        // re-encoding gives the same bytes
        expect(codec.encode(back as never)).toEqual(bytes);
        if (!endsWithRest(codec)) {
          // trailing bytes are an error
          const longer = new Uint8Array(bytes.length + 1);
          longer.set(bytes);
          expect(() => codec.decode(longer)).toThrow(ProtocolError);
          // every truncation is an error (checked on a few cut points)
          if (bytes.length > ('id' in codec ? 1 : 0)) {
            const cut = rng.int(bytes.length);
            if (cut >= ('id' in codec ? 1 : 0)) expect(() => codec.decode(bytes.subarray(0, cut))).toThrow(ProtocolError);
          }
        }
        if ('id' in codec) {
          const wrong = bytes.slice();
          wrong[0] = (wrong[0] + 1) & 0xff;
          expect(() => codec.decode(wrong)).toThrow(ProtocolError);
        }
      }
    });
  }
});

describe('message codec: input checks', () => {
  it('says which field is wrong when encoding', () => {
    expect(() => Kexinit.encode({ cookie: new Uint8Array(15) } as never)).toThrow(/KEXINIT.cookie must be 16 bytes/);
    expect(() => UserauthInfoRequest.encode({ name: 1 } as never)).toThrow(/USERAUTH_INFO_REQUEST.name must be a string/);
    expect(() => ExtInfo.encode({ extensions: [{ name: 'a', value: 'x' }] } as never)).toThrow(/extensions\[0\]\.value must be a Uint8Array/);
  });

  it('rejects invalid UTF-8 in text fields', () => {
    const bad = new SshWriter().byte(53).string(new Uint8Array([0xc3, 0x28])).string('').finish();
    expect(() => userauthMessages[3].decode(bad)).toThrow(/not valid UTF-8/);
  });

  it('refuses schemas that could not be decoded safely', () => {
    expect(() => struct('x', { a: 'rest', b: 'uint32' })).toThrow(/last field/);
    expect(() => struct('x', { l: { list: { r: 'rest' } } })).toThrow(/at least one byte|can't hold/);
    expect(() => message(0, 'x', {})).toThrow(/1..255/);
  });

  it('a list count of 0xFFFFFFFF in a 100-byte packet fails without allocating (cve-2025-58181)', () => {
    const w = new SshWriter().byte(60).string('').string('').string('').uint32(0xffffffff);
    while (w.length < 100) w.byte(0);
    const payload = w.finish();
    expect(() => UserauthInfoRequest.decode(payload)).toThrow(/count 4294967295 exceeds/);
    const ext = new SshWriter().byte(7).uint32(0xffffffff).raw(new Uint8Array(95)).finish();
    expect(() => ExtInfo.decode(ext)).toThrow(/count 4294967295 exceeds/);
  });
});
