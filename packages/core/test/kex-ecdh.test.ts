// ecdh-sha2-nistp256/384/521 (RFC 5656 §4): in-memory agreement, fixed transcripts checked
// against node:crypto (createECDH), point validation, and Wycheproof's ecpoint vectors run
// through the kex server step.
import { createECDH, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeWithPeer, sharedPath } from '../../../test-support/peers.ts';
import { kexMethods } from '../src/algorithms/kex/index.ts';
import type { KexMethod } from '../src/algorithms/types.ts';
import { DisconnectReason, ProtocolError } from '../src/wire/index.ts';
import { dummyHostKey, expectAgreement, hex, makePair, runKex, seededRandom, sshMpintFromBytes, sshStr, unhex } from './kex-helpers.ts';

const curves = [
  { method: kexMethods['ecdh-sha2-nistp256'], node: 'prime256v1', hash: 'sha256', len: 32, file: 'ecdh_secp256r1_ecpoint_test.json' },
  { method: kexMethods['ecdh-sha2-nistp384'], node: 'secp384r1', hash: 'sha384', len: 48, file: 'ecdh_secp384r1_ecpoint_test.json' },
  { method: kexMethods['ecdh-sha2-nistp521'], node: 'secp521r1', hash: 'sha512', len: 66, file: 'ecdh_secp521r1_ecpoint_test.json' },
] as const;

/** Server step with a fixed private scalar against a client point; returns the result or throws. */
function serverWith(method: KexMethod, priv: Uint8Array, clientPoint: Uint8Array) {
  const pair = makePair({ serverRandom: () => priv.slice(), hostKey: dummyHostKey });
  return method.server(pair.serverCtx).receive(Uint8Array.from([30, ...sshStr(clientPoint)]));
}

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

for (const c of curves) {
  describe(`${c.method.name} (RFC 5656)`, () => {
    it('client and server agree on K and H; the signature verifies over H', () => {
      const pair = makePair();
      const r = runKex(c.method, pair);
      expectAgreement(r, pair);
      expect(c.method.hash).toBe(c.hash);
      expect(r.messages.map((m) => m[0])).toEqual([30, 31]);
    });

    it('a fixed-randomness transcript: Q_C, Q_S, K and H match node:crypto', () => {
      const pair = makePair({ clientRandom: seededRandom(`${c.node} client`), serverRandom: seededRandom(`${c.node} server`) });
      const r = runKex(c.method, pair);
      expectAgreement(r, pair);
      // The scalar is the first draw of `len` bytes (P-521: top 7 bits masked), redrawn if >= n;
      // the seeded draws used here are all in range.
      const scalar = (label: string) => {
        const d = seededRandom(label)(c.len);
        if (c.len === 66) d[0] &= 0x01;
        return d;
      };
      const client = createECDH(c.node);
      client.setPrivateKey(scalar(`${c.node} client`));
      const server = createECDH(c.node);
      server.setPrivateKey(scalar(`${c.node} server`));
      const qc = client.getPublicKey();
      const qs = server.getPublicKey();
      expect(hex(r.messages[0])).toBe(hex(Buffer.concat([Buffer.from([30]), sshStr(qc)])));
      const K = sshMpintFromBytes(client.computeSecret(qs));
      const x = pair.clientCtx;
      const H = createHash(c.hash)
        .update(Buffer.concat([sshStr(x.clientVersion), sshStr(x.serverVersion), sshStr(x.clientKexinit), sshStr(x.serverKexinit), sshStr(pair.hostKey.publicBlob), sshStr(qc), sshStr(qs), K]))
        .digest();
      expect(hex(r.client.sharedSecret)).toBe(hex(K));
      expect(hex(r.client.exchangeHash)).toBe(hex(H));
    });

    it('rejects points that are not uncompressed, not on the curve, or infinity', () => {
      const good = createECDH(c.node);
      good.generateKeys();
      const uncompressed = good.getPublicKey();
      const compressed = good.getPublicKey(null, 'compressed');
      const offCurve = Uint8Array.from(uncompressed);
      offCurve[offCurve.length - 1] ^= 1;
      const hybrid = Uint8Array.from(uncompressed);
      hybrid[0] = 0x06 | (uncompressed[uncompressed.length - 1] & 1);
      const zeros = new Uint8Array(uncompressed.length);
      zeros[0] = 4;
      const priv = new Uint8Array(c.len).fill(3);
      for (const [what, point] of [
        ['infinity (0x00)', Uint8Array.from([0])],
        ['empty', new Uint8Array(0)],
        ['compressed', compressed],
        ['hybrid form', hybrid],
        ['off the curve', offCurve],
        ['(0, 0)', zeros],
        ['one byte short', uncompressed.subarray(0, uncompressed.length - 1)],
        ['one byte long', Uint8Array.from([...uncompressed, 0])],
      ] as const) {
        const e = errorOf(() => serverWith(c.method, priv, point));
        expect(e, what).toBeInstanceOf(ProtocolError);
        expect((e as ProtocolError).reason, what).toBe(DisconnectReason.KEY_EXCHANGE_FAILED);
        // the client refuses the same as Q_S
        const pair = makePair();
        const step = c.method.client(pair.clientCtx);
        step.start();
        const reply = Buffer.concat([Buffer.from([31]), sshStr(pair.hostKey.publicBlob), sshStr(point), sshStr(new Uint8Array(8))]);
        expect(() => step.receive(reply), what).toThrow(ProtocolError);
      }
      // and accepts the uncompressed form of the same key
      expect(serverWith(c.method, priv, uncompressed).result).toBeDefined();
    });
  });
}

const wycheproof = sharedPath('wycheproof');
describeWithPeer('ECDH against Wycheproof ecpoint vectors', !!wycheproof, 'put Wycheproof vectors in ../shared/wycheproof', () => {
  for (const c of curves) {
    it(`${c.file}: valid shared secrets match through the kex, invalid points are rejected`, () => {
      const data = JSON.parse(readFileSync(join(wycheproof!, c.file), 'utf8'));
      const n = BigInt('0x' + { 32: 'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 48: 'ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973', 66: '01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409' }[c.len]);
      const counts = { matched: 0, rejected: 0, skipped: 0 };
      for (const g of data.testGroups) {
        for (const t of g.tests) {
          const d = BigInt('0x' + (t.private || '0'));
          if (d < 1n || d >= n) {
            counts.skipped++; // not a scalar the kex would ever draw
            continue;
          }
          const priv = unhex(d.toString(16).padStart(c.len * 2, '0'));
          const pub = unhex(t.public);
          const uncompressed = pub.length === 1 + 2 * c.len && pub[0] === 4;
          if (t.result === 'valid' && uncompressed) {
            const r = serverWith(c.method, priv, pub);
            expect(hex(r.result!.sharedSecret), `tcId ${t.tcId} ${t.comment}`).toBe(hex(sshMpintFromBytes(unhex(t.shared))));
            counts.matched++;
          } else {
            // invalid points, and (policy, as OpenSSH) compressed points flagged acceptable
            expect(() => serverWith(c.method, priv, pub), `tcId ${t.tcId} ${t.comment}`).toThrow(ProtocolError);
            counts.rejected++;
          }
        }
      }
      expect(counts.matched).toBeGreaterThan(250);
      expect(counts.rejected).toBeGreaterThanOrEqual(18);
      expect(counts.skipped).toBe(0);
    }, 240_000);
  }
});
