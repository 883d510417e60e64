// Golden transcripts in test-vectors/kex/<method>.json: one key exchange per method run with
// fixed randomness (SHA-256 counter blocks over a label, see kex-helpers.ts seededRandom) and a
// fixed ed25519 host key. The test reproduces each transcript byte for byte, recomputes H from
// the recorded messages with node:crypto, and recomputes the six derived keys (RFC 4253 §7.2).
// Regenerate (after an intended change only) with SEASHELL_WRITE_VECTORS=1.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../../test-support/peers.ts';
import { deriveKey, kexMethods, legacyKexMethods } from '../src/algorithms/kex/index.ts';
import type { KexMethod } from '../src/algorithms/types.ts';
import { hex, makePair, runKex, seededRandom, sshStr, testHostKey, unhex } from './kex-helpers.ts';

const dir = join(repoRoot, 'test-vectors', 'kex');
const write = process.env.SEASHELL_WRITE_VECTORS === '1';
const hostKeySeed = new Uint8Array(32).fill(7);
const DERIVED_LENGTH = 64;

interface Vector {
  method: string;
  hash: string;
  note: string;
  clientVersion: string;
  serverVersion: string;
  clientKexinit: string;
  serverKexinit: string;
  hostKeySeed: string;
  hostKeyBlob: string;
  clientRandomLabel: string;
  serverRandomLabel: string;
  messages: string[];
  K: string;
  H: string;
  derived: Record<string, string>;
}

/** Splits a message after its number into its top-level fields (each SSH string/mpint, or a uint32 for GEX sizes). */
function fields(msg: Uint8Array, uint32s = 0): Buffer[] {
  const b = Buffer.from(msg);
  const out: Buffer[] = [];
  let o = 1;
  for (let i = 0; i < uint32s; i++, o += 4) out.push(b.subarray(o, o + 4));
  while (o < b.length) {
    const n = b.readUInt32BE(o);
    out.push(b.subarray(o, o + 4 + n));
    o += 4 + n;
  }
  return out;
}

/** H from the recorded transcript with node:crypto: the fields in RFC order, as they were on the wire. */
function independentH(v: Vector): string {
  const msgs = v.messages.map(unhex);
  const prefix = [sshStr(v.clientVersion), sshStr(v.serverVersion), sshStr(unhex(v.clientKexinit)), sshStr(unhex(v.serverKexinit))];
  let rest: Buffer[];
  if (msgs.length === 2) {
    const [c] = fields(msgs[0]);
    const [ks, s] = fields(msgs[1]);
    rest = [ks, c, s];
  } else {
    const sizes = fields(msgs[0], 3);
    const [p, g] = fields(msgs[1]);
    const [e] = fields(msgs[2]);
    const [ks, f] = fields(msgs[3]);
    rest = [ks, ...sizes, p, g, e, f];
  }
  return createHash(v.hash).update(Buffer.concat([...prefix, ...rest, unhex(v.K)])).digest('hex');
}

function referenceDerive(hash: string, K: Uint8Array, H: Uint8Array, letter: string, length: number): string {
  const blocks = [createHash(hash).update(Buffer.concat([K, H, Buffer.from(letter), H])).digest()];
  while (Buffer.concat(blocks).length < length) blocks.push(createHash(hash).update(Buffer.concat([K, H, ...blocks])).digest());
  return Buffer.concat(blocks).subarray(0, length).toString('hex');
}

function run(m: KexMethod): Vector {
  const clientRandomLabel = `seashell kex vector ${m.name} client`;
  const serverRandomLabel = `seashell kex vector ${m.name} server`;
  const pair = makePair({ clientRandom: seededRandom(clientRandomLabel), serverRandom: seededRandom(serverRandomLabel), hostKey: testHostKey(hostKeySeed) });
  const r = runKex(m, pair);
  const derived: Record<string, string> = {};
  for (const letter of 'ABCDEF') derived[letter] = hex(deriveKey(m.hash, r.client.sharedSecret, r.client.exchangeHash, letter, r.client.exchangeHash, DERIVED_LENGTH));
  return {
    method: m.name,
    hash: m.hash,
    note: 'randomness: each request of n bytes takes the next ceil(n/32) blocks SHA-256("<label>:<counter>") (counter from 0 per side) truncated to n; KEXINITs are opaque placeholder bytes; host key: ssh-ed25519 from hostKeySeed; derived: first exchange (session id = H), 64 bytes per letter',
    clientVersion: pair.clientCtx.clientVersion,
    serverVersion: pair.clientCtx.serverVersion,
    clientKexinit: hex(pair.clientCtx.clientKexinit),
    serverKexinit: hex(pair.clientCtx.serverKexinit),
    hostKeySeed: hex(hostKeySeed),
    hostKeyBlob: hex(pair.hostKey.publicBlob),
    clientRandomLabel,
    serverRandomLabel,
    messages: r.messages.map(hex),
    K: hex(r.client.sharedSecret),
    H: hex(r.client.exchangeHash),
    derived,
  };
}

const fileName = (name: string) => join(dir, `${name}.json`);

describe('golden key exchange transcripts (test-vectors/kex)', () => {
  for (const m of Object.values({ ...kexMethods, ...legacyKexMethods }) as KexMethod[]) {
    it(`${m.name}: reproduced byte for byte; H and the derived keys recomputed independently`, () => {
      const got = run(m);
      if (write) {
        mkdirSync(dir, { recursive: true });
        writeFileSync(fileName(m.name), JSON.stringify(got, null, 2) + '\n');
      }
      expect(existsSync(fileName(m.name)), `${fileName(m.name)} (regenerate with SEASHELL_WRITE_VECTORS=1)`).toBe(true);
      const want: Vector = JSON.parse(readFileSync(fileName(m.name), 'utf8'));
      expect(got).toEqual(want);
      expect(independentH(want)).toBe(want.H);
      for (const letter of 'ABCDEF') expect(want.derived[letter]).toBe(referenceDerive(want.hash, unhex(want.K), unhex(want.H), letter, DERIVED_LENGTH));
    });
  }
});
