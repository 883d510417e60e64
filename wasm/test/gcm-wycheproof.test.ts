// Every AES-GCM case of Wycheproof's aes_gcm_test.json (../shared/wycheproof): valid cases must
// seal to the expected ciphertext and tag and open again; invalid ones must be refused. All IV
// sizes in the file are handled: 96-bit IVs directly, other non-zero sizes through the GHASH
// derivation of J0 (SP 800-38D 7.1 step 2); zero-length IVs are invalid by the standard and our
// API throws for them, which counts as refusing. All tags in the file are 128 bits.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWithPeer, sharedPath } from '../../test-support/peers.ts';
import { aesGcm } from '../src/aes.ts';

interface Case { tcId: number; comment: string; flags: string[]; key: string; iv: string; aad: string; msg: string; ct: string; tag: string; result: 'valid' | 'invalid' | 'acceptable' }
interface Group { keySize: number; ivSize: number; tagSize: number; tests: Case[] }

const dir = sharedPath('wycheproof');
const fromHex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array | null) => (b ? Buffer.from(b).toString('hex') : 'null');

describeWithPeer('AES-GCM Wycheproof vectors', dir !== undefined, 'put the Wycheproof JSON files in ../shared/wycheproof', () => {
  const file = JSON.parse(readFileSync(join(dir ?? '.', 'aes_gcm_test.json'), 'utf8')) as { numberOfTests: number; testGroups: Group[] };

  it('covers every test in the file (none skipped)', () => {
    const n = file.testGroups.reduce((a, g) => a + g.tests.length, 0);
    expect(n).toBe(file.numberOfTests);
    expect(file.testGroups.every((g) => g.tagSize === 128)).toBe(true);
  });

  for (const g of file.testGroups) {
    it(`${g.keySize}-bit keys, ${g.ivSize}-bit IVs: ${g.tests.length} cases`, () => {
      for (const c of g.tests) {
        const key = fromHex(c.key);
        const iv = fromHex(c.iv);
        const aad = fromHex(c.aad);
        const msg = fromHex(c.msg);
        const sealed = fromHex(c.ct + c.tag);
        const label = `tcId ${c.tcId} (${c.comment || c.flags.join(',')})`;
        if (c.result === 'valid') {
          expect(toHex(aesGcm.seal(key, iv, aad, msg)), label).toBe(c.ct + c.tag);
          expect(toHex(aesGcm.open(key, iv, aad, sealed)), label).toBe(c.msg);
        } else {
          // No "acceptable" cases exist in this file; anything not valid must be refused.
          expect(c.result, label).toBe('invalid');
          let opened: Uint8Array | null = null;
          try {
            opened = aesGcm.open(key, iv, aad, sealed);
          } catch (e) {
            expect(iv.length, `${label} threw ${String(e)}`).toBe(0);
          }
          expect(opened, label).toBeNull();
        }
      }
    });
  }
});
