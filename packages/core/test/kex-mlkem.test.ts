// mlkem768x25519-sha256: in-memory agreement, transcripts built from Wycheproof ML-KEM vectors
// (ML-KEM side) and node:crypto (X25519 and hashing) so K and H are checked independently of
// the implementation's libraries, every Wycheproof ML-KEM-768 case run through the kex, and
// exact-length validation of C_INIT / S_REPLY.
import { createHash, createPrivateKey, createPublicKey, diffieHellman } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeWithPeer, sharedPath } from '../../../test-support/peers.ts';
import { kexMethods } from '../src/algorithms/kex/index.ts';
import type { RandomSource } from '../src/algorithms/types.ts';
import { DisconnectReason, ProtocolError } from '../src/wire/index.ts';
import { dummyHostKey, expectAgreement, hex, makePair, runKex, sshStr, unhex } from './kex-helpers.ts';

const m = kexMethods['mlkem768x25519-sha256'];
const pkcs8 = (priv: Uint8Array) => createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), priv]), format: 'der', type: 'pkcs8' });
const spki = (pub: Uint8Array) => createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), pub]), format: 'der', type: 'spki' });
const x25519Pub = (priv: Uint8Array) => new Uint8Array(createPublicKey(pkcs8(priv)).export({ format: 'der', type: 'spki' }).subarray(12));
const x25519 = (priv: Uint8Array, pub: Uint8Array) => new Uint8Array(diffieHellman({ privateKey: pkcs8(priv), publicKey: spki(pub) }));

/** A random source that hands out the given chunks in order, checking each request's size. */
function scripted(...chunks: Uint8Array[]): RandomSource {
  let i = 0;
  return (n) => {
    const c = chunks[i++];
    if (!c) throw new Error('scripted random source exhausted');
    // a copy (Buffer#slice would be a view, and the implementation wipes what it was given);
    // a chunk of the wrong size is handed out as is, for the implementation to refuse
    return Uint8Array.from(c);
  };
}

const wycheproof = sharedPath('wycheproof');
const load = (f: string) => JSON.parse(readFileSync(join(wycheproof!, f), 'utf8'));
const cPriv = new Uint8Array(createHash('sha256').update('mlkem client x25519').digest());
const sPriv = new Uint8Array(createHash('sha256').update('mlkem server x25519').digest());

describe('mlkem768x25519-sha256', () => {
  it('client and server agree on K and H; the signature verifies over H; K is a 32-byte SSH string', () => {
    for (let i = 0; i < 3; i++) {
      const pair = makePair();
      const r = runKex(m, pair);
      expectAgreement(r, pair);
      expect(r.client.sharedSecret.length).toBe(36);
      expect(hex(r.client.sharedSecret.subarray(0, 4))).toBe('00000020');
      expect(r.messages.map((x) => x[0])).toEqual([30, 31]);
      expect(r.messages[0].length).toBe(1 + 4 + 1184 + 32);
      expect(r.messages[1].length).toBe(1 + 4 + pair.hostKey.publicBlob.length + 4 + 1088 + 32 + 4 + 4 + 11 + 4 + 64);
    }
  });

  it('rejects C_INIT and S_REPLY of any other length (KEY_EXCHANGE_FAILED)', () => {
    for (const len of [0, 32, 1184, 1215, 1217, 2432]) {
      const s = m.server(makePair().serverCtx);
      let err: unknown;
      try {
        s.receive(Uint8Array.from([30, ...sshStr(new Uint8Array(len).fill(9))]));
      } catch (e) {
        err = e;
      }
      expect(err, `C_INIT ${len}`).toBeInstanceOf(ProtocolError);
      expect((err as ProtocolError).reason).toBe(DisconnectReason.KEY_EXCHANGE_FAILED);
    }
    for (const len of [0, 32, 1088, 1119, 1121, 1216]) {
      const pair = makePair();
      const c = m.client(pair.clientCtx);
      c.start();
      const reply = Buffer.concat([Buffer.from([31]), sshStr(pair.hostKey.publicBlob), sshStr(new Uint8Array(len).fill(9)), sshStr(new Uint8Array(8))]);
      expect(() => c.receive(reply), `S_REPLY ${len}`).toThrow(ProtocolError);
    }
  });

  it('cve-2023-28113 for the hybrid: an X25519 part giving an all-zero secret is rejected both ways', () => {
    const pair = makePair();
    const client = m.client(pair.clientCtx);
    const init = client.start()[0];
    const bad = Uint8Array.from(init);
    bad.fill(0, bad.length - 32); // low-order X25519 point 0
    expect(() => m.server(makePair().serverCtx).receive(bad)).toThrow(/X25519/);
    const good = m.server(pair.serverCtx).receive(init).send[0];
    const tampered = Uint8Array.from(good);
    // S_REPLY's X25519 key sits right after K_S, the string header and the 1088-byte ciphertext
    const off = 1 + 4 + pair.hostKey.publicBlob.length + 4 + 1088;
    tampered.set(unhex('0100000000000000000000000000000000000000000000000000000000000000'), off);
    expect(() => client.receive(tampered)).toThrow(/X25519/);
  });

  it('the client draws 64 seed bytes then 32 X25519 bytes; a random source giving other sizes is refused', () => {
    const pair = makePair({ clientRandom: scripted(new Uint8Array(63), new Uint8Array(32)) });
    expect(() => m.client(pair.clientCtx).start()).toThrow(/64 bytes/);
  });
});

describeWithPeer('mlkem768x25519-sha256 against Wycheproof ML-KEM-768', !!wycheproof, 'put Wycheproof vectors in ../shared/wycheproof', () => {
  it('mlkem_768_test.json through the client: seed gives the published ek, ciphertexts give the published K (valid), bad lengths rejected (invalid)', () => {
    const data = load('mlkem_768_test.json');
    const counts = { valid: 0, invalid: 0 };
    const sPub = x25519Pub(sPriv);
    for (const g of data.testGroups) {
      for (const t of g.tests) {
        const seed = unhex(t.seed);
        const c = unhex(t.c);
        const pair = makePair({ clientRandom: scripted(seed, cPriv), hostKey: dummyHostKey });
        const client = m.client(pair.clientCtx);
        if (t.result === 'valid') {
          const init = client.start()[0];
          const cInit = Buffer.concat([unhex(t.ek), x25519Pub(cPriv)]);
          expect(hex(init), `tcId ${t.tcId}`).toBe(hex(Buffer.concat([Buffer.from([30]), sshStr(cInit)])));
          const sReply = Buffer.concat([c, sPub]);
          const reply = Buffer.concat([Buffer.from([31]), sshStr(dummyHostKey.publicBlob), sshStr(sReply), sshStr(new Uint8Array(8))]);
          const r = client.receive(reply).result!;
          const K = createHash('sha256').update(Buffer.concat([unhex(t.K), x25519(cPriv, sPub)])).digest();
          expect(hex(r.sharedSecret), `tcId ${t.tcId} ${t.comment ?? ''}`).toBe(hex(sshStr(K)));
          const x = pair.clientCtx;
          const H = createHash('sha256')
            .update(Buffer.concat([sshStr(x.clientVersion), sshStr(x.serverVersion), sshStr(x.clientKexinit), sshStr(x.serverKexinit), sshStr(dummyHostKey.publicBlob), sshStr(cInit), sshStr(sReply), sshStr(K)]))
            .digest();
          expect(hex(r.exchangeHash)).toBe(hex(H));
          counts.valid++;
        } else if (seed.length !== 64) {
          // "private key too short/long": the seed is the kex's own randomness; a wrong size is refused
          expect(() => client.start(), `tcId ${t.tcId}`).toThrow(TypeError);
          counts.invalid++;
        } else {
          // "ciphertext too short/long": S_REPLY of the wrong length
          client.start();
          const reply = Buffer.concat([Buffer.from([31]), sshStr(dummyHostKey.publicBlob), sshStr(Buffer.concat([c, sPub])), sshStr(new Uint8Array(8))]);
          expect(() => client.receive(reply), `tcId ${t.tcId} ${t.comment}`).toThrow(ProtocolError);
          counts.invalid++;
        }
      }
    }
    expect(counts.valid).toBeGreaterThan(150);
    expect(counts.invalid).toBe(40);
  }, 240_000);

  it('mlkem_768_encaps_test.json through the server: the published ciphertext and K (valid); bad keys rejected (invalid)', () => {
    const data = load('mlkem_768_encaps_test.json');
    const counts = { valid: 0, invalid: 0 };
    const cPub = x25519Pub(cPriv);
    for (const g of data.testGroups) {
      for (const t of g.tests) {
        const pair = makePair({ serverRandom: scripted(unhex(t.m), sPriv), hostKey: dummyHostKey });
        const server = m.server(pair.serverCtx);
        const cInit = Buffer.concat([unhex(t.ek), cPub]);
        const init = Buffer.concat([Buffer.from([30]), sshStr(cInit)]);
        if (t.result === 'valid') {
          const out = server.receive(init);
          const sReply = Buffer.concat([unhex(t.c), x25519Pub(sPriv)]);
          expect(hex(out.send[0]), `tcId ${t.tcId}`).toBe(hex(Buffer.concat([Buffer.from([31]), sshStr(dummyHostKey.publicBlob), sshStr(sReply), sshStr(dummyHostKey.sign(new Uint8Array(0)))])));
          const K = createHash('sha256').update(Buffer.concat([unhex(t.K), x25519(sPriv, cPub)])).digest();
          expect(hex(out.result!.sharedSecret), `tcId ${t.tcId}`).toBe(hex(sshStr(K)));
          counts.valid++;
        } else {
          let err: unknown;
          try {
            server.receive(init);
          } catch (e) {
            err = e;
          }
          expect(err, `tcId ${t.tcId} ${t.comment ?? ''}`).toBeInstanceOf(ProtocolError);
          expect((err as ProtocolError).reason).toBe(DisconnectReason.KEY_EXCHANGE_FAILED);
          counts.invalid++;
        }
      }
    }
    expect(counts.valid).toBe(133);
    expect(counts.invalid).toBe(132);
  }, 240_000);
});
