// The aes family's one-shot API: argument checks say which argument was wrong, what was
// expected and what was got; empty inputs work; the AES-CTR kernel state stays inside the
// first 2048 bytes of a context (the ctrmac family keeps HMAC state after it).
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { aesCtr, aesEncryptBlocks, aesGcm, AesCtrStream } from '../src/aes.ts';
import { allocContext, freeContext } from '../src/kernel.ts';

describe('aes argument checks', () => {
  const k16 = new Uint8Array(16);
  const iv12 = new Uint8Array(12);
  const none = new Uint8Array(0);

  it('aesGcm rejects wrong key and IV sizes and non-byte arguments', () => {
    expect(() => aesGcm.seal(new Uint8Array(15), iv12, none, none)).toThrow(/key must be 16 or 24 or 32 bytes, got 15/);
    expect(() => aesGcm.seal(k16, none, none, none)).toThrow(/iv must be at least 1 byte/);
    expect(() => aesGcm.seal(k16, iv12, 'aad' as unknown as Uint8Array, none)).toThrow(/aad must be a Uint8Array, got string/);
    expect(() => aesGcm.seal(k16, iv12, none, [1, 2] as unknown as Uint8Array)).toThrow(/plaintext must be a Uint8Array, got Array/);
    expect(() => aesGcm.open(k16, iv12, none, new Uint8Array(15))).toThrow(/sealed must be at least 16 bytes/);
    expect(() => aesGcm.open(k16, iv12, none, null as unknown as Uint8Array)).toThrow(/sealed must be a Uint8Array, got null/);
  });

  it('aesCtr and AesCtrStream reject wrong sizes; a disposed stream refuses use', () => {
    expect(() => aesCtr(new Uint8Array(20), new Uint8Array(16), none)).toThrow(/key must be 16 or 24 or 32 bytes, got 20/);
    expect(() => aesCtr(k16, iv12, none)).toThrow(/iv must be 16 bytes, got 12/);
    expect(() => aesEncryptBlocks(k16, new Uint8Array(17))).toThrow(/multiple of 16/);
    const s = new AesCtrStream(k16, new Uint8Array(16));
    s.dispose();
    expect(() => s.xor(new Uint8Array(1))).toThrow(/after dispose/);
  });

  it('handles empty plaintext, AAD and data', () => {
    const sealed = aesGcm.seal(k16, iv12, none, none);
    expect(sealed.length).toBe(16);
    expect(aesGcm.open(k16, iv12, none, sealed)).toEqual(none);
    expect(aesCtr(k16, new Uint8Array(16), none)).toEqual(none);
  });

  it('returns null, not partial plaintext, when the tag does not match', () => {
    const pt = new Uint8Array(100).fill(7);
    const sealed = aesGcm.seal(k16, iv12, none, pt);
    sealed[99] ^= 1;
    expect(aesGcm.open(k16, iv12, none, sealed)).toBeNull();
  });
});

describe('kernel AES-CTR exports used by the ctrmac family', () => {
  it('keep their state inside ctx .. ctx + 2048 and continue the counter across calls', () => {
    const c = allocContext();
    const { k, ptr } = c;
    const e = k.exports as unknown as {
      aes_ctr_init(ctx: number, keyPtr: number, keyLen: number, ivPtr: number): void;
      aes_ctr_xor(ctx: number, ptr: number, len: number): void;
    };
    k.mem.fill(0xa5, ptr + 2048, ptr + k.exports.ctxSlotSize());
    const key = new Uint8Array(32).map((_, i) => i * 7);
    const iv = new Uint8Array(16).map((_, i) => 0xf0 + i);
    k.writeIo(key, 0);
    k.writeIo(iv, 64);
    e.aes_ctr_init(ptr, k.io, 32, k.io + 64);
    const data = new Uint8Array(1000).map((_, i) => i & 0xff);
    k.writeIo(data, 128);
    e.aes_ctr_xor(ptr, k.io + 128, 3);
    e.aes_ctr_xor(ptr, k.io + 131, 500);
    e.aes_ctr_xor(ptr, k.io + 631, 497);
    const c2 = createCipheriv('aes-256-ctr', key, iv);
    expect(Buffer.from(k.mem.subarray(k.io + 128, k.io + 1128)).toString('hex')).toBe(c2.update(data).toString('hex'));
    expect(k.mem.subarray(ptr + 2048, ptr + k.exports.ctxSlotSize()).every((x) => x === 0xa5)).toBe(true);
    freeContext(c);
  });
});
