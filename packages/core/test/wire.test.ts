import { describe, expect, it } from 'vitest';
import { SshReader, SshWriter, ProtocolError } from '../src/wire/index.ts';

describe('wire codec (RFC 4251 §5)', () => {
  it('round-trips every type', () => {
    const w = new SshWriter(1);
    w.byte(7).boolean(true).uint32(0xdeadbeef).uint64(0x0123456789abcdefn).string('héllo').nameList(['a', 'b-c@x']);
    const r = new SshReader(w.finish());
    expect(r.byte()).toBe(7);
    expect(r.boolean()).toBe(true);
    expect(r.uint32()).toBe(0xdeadbeef);
    expect(r.uint64()).toBe(0x0123456789abcdefn);
    expect(r.text()).toBe('héllo');
    expect(r.nameList()).toEqual(['a', 'b-c@x']);
    r.end();
  });

  it('encodes mpints as RFC 4251 §5 examples', () => {
    const hex = (v: bigint) => Buffer.from(new SshWriter().mpint(v).finish()).toString('hex');
    expect(hex(0n)).toBe('00000000');
    expect(hex(0x9a378f9b2e332a7n)).toBe('0000000809a378f9b2e332a7');
    expect(hex(0x80n)).toBe('000000020080');
    expect(hex(-0x1234n)).toBe('00000002edcc');
    expect(hex(-0xdeadbeefn)).toBe('00000005ff21524111');
  });

  it('mpint round-trips random values of both signs', () => {
    for (let i = 0; i < 300; i++) {
      const bytes = 1 + (i % 70);
      let v = 0n;
      for (let j = 0; j < bytes; j++) v = (v << 8n) | BigInt(Math.floor(Math.random() * 256));
      if (i % 2) v = -v;
      const r = new SshReader(new SshWriter().mpint(v).finish());
      expect(r.mpint()).toBe(v);
      r.end();
    }
  });

  it('a length of 0xFFFFFFFF in a 100-byte packet fails without allocating (cve-2025-58181)', () => {
    const b = new Uint8Array(100);
    b.set([0xff, 0xff, 0xff, 0xff]);
    expect(() => new SshReader(b).string()).toThrow(ProtocolError);
  });

  it('rejects trailing bytes, empty names, non-minimal mpints and bad UTF-8', () => {
    const r = new SshReader(new Uint8Array([1, 2]));
    r.byte();
    expect(() => r.end()).toThrow(/trailing/);
    expect(() => new SshReader(new SshWriter().string('a,,b').finish()).nameList()).toThrow(/empty name/);
    expect(() => new SshReader(new Uint8Array([0, 0, 0, 2, 0, 1])).mpint()).toThrow(/non-minimal/);
    expect(() => new SshReader(new Uint8Array([0, 0, 0, 1, 0xff])).text()).toThrow(/UTF-8/);
  });
});
