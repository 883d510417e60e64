// Key derivation (RFC 4253 §7.2) checked against an independent node:crypto computation for
// lengths needing 1, 2 and 3 hash blocks, for each hash, with K as mpint and as string.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deriveKey } from '../src/algorithms/kex/index.ts';
import type { HashName } from '../src/algorithms/types.ts';
import { hex, sshMpint, sshStr } from './kex-helpers.ts';

function reference(hash: HashName, K: Buffer, H: Buffer, letter: string, sid: Buffer, length: number): Buffer {
  const blocks = [createHash(hash).update(Buffer.concat([K, H, Buffer.from(letter), sid])).digest()];
  while (Buffer.concat(blocks).length < length) {
    blocks.push(createHash(hash).update(Buffer.concat([K, H, ...blocks])).digest());
  }
  return Buffer.concat(blocks).subarray(0, length);
}

const sizes: Record<HashName, number> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

describe('deriveKey (RFC 4253 §7.2)', () => {
  const H = createHash('sha256').update('H').digest();
  const sid = createHash('sha256').update('session').digest();
  const Ks = [
    ['mpint', sshMpint(0xf1e2d3c4b5a69788796a5b4c3d2e1f00n ** 4n)],
    ['string', sshStr(createHash('sha256').update('hybrid').digest())],
  ] as const;
  for (const hash of ['sha1', 'sha256', 'sha384', 'sha512'] as const) {
    for (const [kind, K] of Ks) {
      it(`${hash}, K as ${kind}: 1, 2 and 3 blocks match node:crypto`, () => {
        const n = sizes[hash];
        for (const length of [1, n - 1, n, n + 1, 2 * n, 2 * n + 1, 3 * n]) {
          for (const letter of ['A', 'B', 'C', 'D', 'E', 'F']) {
            const got = deriveKey(hash, K, H, letter, sid, length);
            expect(hex(got), `${length} ${letter}`).toBe(hex(reference(hash, K, H, letter, sid, length)));
          }
        }
      });
    }
  }

  it('first-exchange session id equals H; later exchanges keep the first session id', () => {
    const K = sshMpint(12345678901234567890n);
    const H2 = createHash('sha256').update('H2').digest();
    expect(hex(deriveKey('sha256', K, H2, 'C', sid, 64))).toBe(hex(reference('sha256', K, H2, 'C', sid, 64)));
    expect(hex(deriveKey('sha256', K, H2, 'C', sid, 64))).not.toBe(hex(deriveKey('sha256', K, H2, 'C', H2, 64)));
  });

  it('rejects bad arguments with a message saying what was wrong', () => {
    const K = sshMpint(5n);
    expect(() => deriveKey('sha256', K, H, 'G', sid, 16)).toThrow(/letter/);
    expect(() => deriveKey('sha256', K, H, 'A', sid, -1)).toThrow(/length/);
    expect(() => deriveKey('sha256', K, H, 'A', sid, 1.5)).toThrow(/length/);
    expect(() => deriveKey('sha256', K, H, 'A', sid, 1 << 20)).toThrow(/length/);
    expect(() => deriveKey('sha256', new Uint8Array(0), H, 'A', sid, 16)).toThrow(/K/);
    expect(() => deriveKey('sha256', K, new Uint8Array(0), 'A', sid, 16)).toThrow(/H/);
    expect(() => deriveKey('sha256', K, H, 'A', new Uint8Array(0), 16)).toThrow(/sessionId/);
    expect(() => deriveKey('md5' as HashName, K, H, 'A', sid, 16)).toThrow(/hash/);
    expect(deriveKey('sha256', K, H, 'A', sid, 0).length).toBe(0);
  });
});
