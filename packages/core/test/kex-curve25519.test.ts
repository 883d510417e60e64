// curve25519-sha256 / @libssh.org (RFC 8731): in-memory agreement, RFC 7748 vectors, a fixed
// transcript checked against node:crypto, Wycheproof x25519, and the all-zero-secret regression
// (russh CVE-2023-28113).
import { createHash, createPrivateKey, createPublicKey, diffieHellman } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeWithPeer, sharedPath } from '../../../test-support/peers.ts';
import { kexMethods } from '../src/algorithms/kex/index.ts';
import { ProtocolError, DisconnectReason } from '../src/wire/index.ts';
import { dummyHostKey, expectAgreement, hex, makePair, runKex, seededRandom, sshMpintFromBytes, sshStr, unhex } from './kex-helpers.ts';

const methods = [kexMethods['curve25519-sha256'], kexMethods['curve25519-sha256@libssh.org']];

const pkcs8 = (priv: Uint8Array) => createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), priv]), format: 'der', type: 'pkcs8' });
const spki = (pub: Uint8Array) => createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), pub]), format: 'der', type: 'spki' });
const nodePub = (priv: Uint8Array) => new Uint8Array(createPublicKey(pkcs8(priv)).export({ format: 'der', type: 'spki' }).subarray(12));
const nodeShared = (priv: Uint8Array, pub: Uint8Array) => new Uint8Array(diffieHellman({ privateKey: pkcs8(priv), publicKey: spki(pub) }));

/** Runs the server step with a fixed private scalar against a client value; returns K or throws. */
function serverK(priv: Uint8Array, clientPub: Uint8Array): Uint8Array {
  const pair = makePair({ serverRandom: () => priv.slice(), hostKey: dummyHostKey });
  const s = kexMethods['curve25519-sha256'].server(pair.serverCtx);
  const init = Uint8Array.from([30, ...sshStr(clientPub)]);
  return s.receive(init).result!.sharedSecret;
}

describe('curve25519-sha256 (RFC 8731)', () => {
  for (const m of methods) {
    it(`${m.name}: client and server agree on K and H; the signature verifies over H`, () => {
      for (let i = 0; i < 5; i++) {
        const pair = makePair();
        const r = runKex(m, pair);
        expectAgreement(r, pair);
        expect(r.messages.map((x) => x[0])).toEqual([30, 31]);
        expect(m.hash).toBe('sha256');
      }
    });
  }

  it('RFC 7748 §6.1: Alice and Bob reach the published shared secret through the kex', () => {
    const alicePriv = unhex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const bobPub = unhex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    const shared = unhex('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
    expect(hex(serverK(alicePriv, bobPub))).toBe(hex(sshMpintFromBytes(shared)));
    // and the server's public value is Alice's published public key
    const pair = makePair({ serverRandom: () => alicePriv.slice() });
    const reply = kexMethods['curve25519-sha256'].server(pair.serverCtx).receive(Uint8Array.from([30, ...sshStr(bobPub)])).send[0];
    const kslen = new DataView(reply.buffer, reply.byteOffset).getUint32(1);
    const qs = reply.subarray(1 + 4 + kslen + 4, 1 + 4 + kslen + 4 + 32);
    expect(hex(qs)).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
  });

  it('RFC 7748 §5.2: the first scalar-multiplication vector', () => {
    const k = unhex('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4');
    const u = unhex('e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c');
    expect(hex(serverK(k, u))).toBe(hex(sshMpintFromBytes(unhex('c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552'))));
  });

  it('K is an mpint of the output read big-endian: a leading zero byte is stripped, a high bit padded', () => {
    // Find outputs with a leading 0x00 and with a leading >= 0x80 byte, and compare with node:crypto.
    let sawZero = false;
    let sawHigh = false;
    for (let i = 0; i < 2000 && !(sawZero && sawHigh); i++) {
      const priv = new Uint8Array(createHash('sha256').update(`a${i}`).digest());
      const pub = nodePub(new Uint8Array(createHash('sha256').update(`b${i}`).digest()));
      const shared = nodeShared(priv, pub);
      if (shared[0] === 0) sawZero = true;
      else if (shared[0] & 0x80) sawHigh = true;
      else continue;
      const k = serverK(priv, pub);
      expect(hex(k)).toBe(hex(sshMpintFromBytes(shared)));
      if (shared[0] === 0) expect(k.length).toBeLessThan(37);
      else expect(k.length).toBe(37);
    }
    expect(sawZero && sawHigh).toBe(true);
  });

  it('a fixed-randomness transcript: H matches an independent computation with node:crypto', () => {
    const clientRandom = seededRandom('curve25519 client');
    const serverRandom = seededRandom('curve25519 server');
    const cPriv = seededRandom('curve25519 client')(32);
    const sPriv = seededRandom('curve25519 server')(32);
    const pair = makePair({ clientRandom, serverRandom });
    const r = runKex(kexMethods['curve25519-sha256'], pair);
    expectAgreement(r, pair);
    const qc = nodePub(cPriv);
    const qs = nodePub(sPriv);
    expect(hex(r.messages[0])).toBe(hex(Uint8Array.from([30, ...sshStr(qc)])));
    const shared = nodeShared(cPriv, qs);
    const K = sshMpintFromBytes(shared);
    const c = pair.clientCtx;
    const H = createHash('sha256')
      .update(Buffer.concat([sshStr(c.clientVersion), sshStr(c.serverVersion), sshStr(c.clientKexinit), sshStr(c.serverKexinit), sshStr(pair.hostKey.publicBlob), sshStr(qc), sshStr(qs), K]))
      .digest();
    expect(hex(r.client.sharedSecret)).toBe(hex(K));
    expect(hex(r.client.exchangeHash)).toBe(hex(H));
    expect(hex(r.messages[1])).toBe(hex(Buffer.concat([Buffer.from([31]), sshStr(pair.hostKey.publicBlob), sshStr(qs), sshStr(pair.hostKey.sign(H))])));
  });

  describe('cve-2023-28113: all-zero X25519 shared secret rejected', () => {
    // Low-order points on curve25519 (and their non-canonical encodings), each giving an all-zero output.
    const lowOrder = [
      '0000000000000000000000000000000000000000000000000000000000000000',
      '0100000000000000000000000000000000000000000000000000000000000000',
      'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
      '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
      'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    ];
    for (const p of lowOrder) {
      it(`server rejects Q_C = ${p.slice(0, 8)}…`, () => {
        const err = (() => {
          try {
            serverK(new Uint8Array(32).fill(9), unhex(p));
          } catch (e) {
            return e;
          }
        })();
        expect(err).toBeInstanceOf(ProtocolError);
        expect((err as ProtocolError).reason).toBe(DisconnectReason.KEY_EXCHANGE_FAILED);
      });
      it(`client rejects Q_S = ${p.slice(0, 8)}…`, () => {
        const pair = makePair();
        const c = kexMethods['curve25519-sha256'].client(pair.clientCtx);
        c.start();
        const reply = Buffer.concat([Buffer.from([31]), sshStr(pair.hostKey.publicBlob), sshStr(unhex(p)), sshStr(new Uint8Array(10))]);
        expect(() => c.receive(reply)).toThrow(ProtocolError);
      });
    }
  });
});

const wycheproof = sharedPath('wycheproof');
describeWithPeer('curve25519 against Wycheproof x25519_test.json', !!wycheproof, 'put Wycheproof vectors in ../shared/wycheproof', () => {
  it('valid and acceptable shared secrets match; all-zero outputs are rejected by the kex', () => {
    const data = JSON.parse(readFileSync(join(wycheproof!, 'x25519_test.json'), 'utf8'));
    let matched = 0;
    let rejected = 0;
    for (const g of data.testGroups) {
      for (const t of g.tests) {
        const priv = unhex(t.private);
        const pub = unhex(t.public);
        if (/^(00)+$/.test(t.shared)) {
          expect(() => serverK(priv, pub), `tcId ${t.tcId}`).toThrow(ProtocolError);
          rejected++;
        } else if (t.result === 'valid' || t.result === 'acceptable') {
          expect(hex(serverK(priv, pub)), `tcId ${t.tcId} ${t.comment}`).toBe(hex(sshMpintFromBytes(unhex(t.shared))));
          matched++;
        } else {
          expect(() => serverK(priv, pub), `tcId ${t.tcId}`).toThrow(ProtocolError);
          rejected++;
        }
      }
    }
    expect(matched).toBeGreaterThan(400);
    expect(rejected).toBeGreaterThan(20);
  });
});
