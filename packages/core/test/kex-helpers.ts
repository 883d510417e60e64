// Shared helpers for the key exchange tests: a test ed25519 HostKeySigner, contexts with
// deterministic or real randomness, and a driver that runs a client and server step against
// each other in memory.
import { ed25519 } from '@noble/curves/ed25519.js';
import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { SshReader, SshWriter } from '../src/wire/index.ts';
import type { HostKeySigner, KexContext, KexMethod, KexResult, RandomSource } from '../src/algorithms/types.ts';

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

/** A simple ssh-ed25519 host key signer (RFC 8709) built on @noble/curves. */
export function testHostKey(seed = new Uint8Array(32).fill(7)): HostKeySigner & { verify(data: Uint8Array, sig: Uint8Array): boolean } {
  const pub = ed25519.getPublicKey(seed);
  const publicBlob = new SshWriter().string('ssh-ed25519').string(pub).finish();
  return {
    publicBlob,
    algorithm: 'ssh-ed25519',
    sign(data) {
      return new SshWriter().string('ssh-ed25519').string(ed25519.sign(data, seed)).finish();
    },
    verify(data, sigBlob) {
      const r = new SshReader(sigBlob);
      if (r.text() !== 'ssh-ed25519') return false;
      const sig = r.string();
      r.end();
      return ed25519.verify(sig, data, pub);
    },
  };
}

/** Deterministic random source: SHA-256 in counter mode over a label (for fixed transcripts). */
export function seededRandom(label: string): RandomSource {
  let counter = 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let o = 0; o < n; o += 32) {
      const block = createHash('sha256').update(`${label}:${counter++}`).digest();
      out.set(block.subarray(0, Math.min(32, n - o)), o);
    }
    return out;
  };
}

/** A signer that doesn't sign (fixed bytes): for bulk vector runs where only K matters. */
export const dummyHostKey: Pair['hostKey'] = {
  publicBlob: new SshWriter().string('ssh-ed25519').string(new Uint8Array(32)).finish(),
  algorithm: 'ssh-ed25519',
  sign: () => new SshWriter().string('ssh-ed25519').string(new Uint8Array(64)).finish(),
  verify: () => false,
};

export const realRandom: RandomSource = (n) => new Uint8Array(randomBytes(n));

export interface Pair {
  clientCtx: KexContext;
  serverCtx: KexContext;
  hostKey: ReturnType<typeof testHostKey>;
}

/** Client and server contexts with matching versions and KEXINITs. */
export function makePair(opts: { clientRandom?: RandomSource; serverRandom?: RandomSource; extra?: Partial<KexContext>; hostKey?: Pair['hostKey'] } = {}): Pair {
  const hostKey = opts.hostKey ?? testHostKey();
  const base = {
    clientVersion: 'SSH-2.0-SeashellTest_1.0',
    serverVersion: 'SSH-2.0-OpenSSH_9.9',
    clientKexinit: Uint8Array.from([20, ...new Uint8Array(16).fill(1), 0, 0, 0, 0]),
    serverKexinit: Uint8Array.from([20, ...new Uint8Array(16).fill(2), 0, 0, 0, 0]),
  };
  return {
    hostKey,
    clientCtx: { ...base, random: opts.clientRandom ?? realRandom, ...opts.extra },
    serverCtx: { ...base, random: opts.serverRandom ?? realRandom, hostKey, ...opts.extra },
  };
}

/** Runs a full exchange in memory; returns both results and every message sent, in order. */
export function runKex(method: KexMethod, pair: Pair): { client: KexResult; server: KexResult; messages: Uint8Array[] } {
  const c = method.client(pair.clientCtx);
  const s = method.server(pair.serverCtx);
  const messages: Uint8Array[] = [];
  let toServer = c.start();
  let toClient = s.start();
  let client: KexResult | undefined;
  let server: KexResult | undefined;
  for (let round = 0; round < 10 && !(client && server); round++) {
    const nextToClient: Uint8Array[] = [...toClient];
    toClient = [];
    for (const m of toServer) {
      messages.push(m);
      const out = s.receive(m);
      nextToClient.push(...out.send);
      if (out.result) server = out.result;
    }
    const nextToServer: Uint8Array[] = [];
    for (const m of nextToClient) {
      messages.push(m);
      const out = c.receive(m);
      nextToServer.push(...out.send);
      if (out.result) client = out.result;
    }
    toServer = nextToServer;
  }
  expect(client, 'client finished').toBeDefined();
  expect(server, 'server finished').toBeDefined();
  return { client: client!, server: server!, messages };
}

/** The checks every method must pass after an in-memory run. */
export function expectAgreement(r: ReturnType<typeof runKex>, pair: Pair): void {
  expect(hex(r.client.sharedSecret)).toBe(hex(r.server.sharedSecret));
  expect(hex(r.client.exchangeHash)).toBe(hex(r.server.exchangeHash));
  expect(hex(r.client.hostKeyBlob)).toBe(hex(pair.hostKey.publicBlob));
  expect(pair.hostKey.verify(r.client.exchangeHash, r.client.signature)).toBe(true);
}

/** SSH string / mpint encoders for independent transcript computations (not the code under test). */
export function sshStr(b: Uint8Array | string): Buffer {
  const body = typeof b === 'string' ? Buffer.from(b, 'utf8') : Buffer.from(b);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

export function sshMpintFromBytes(b: Uint8Array): Buffer {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  let body = Buffer.from(b.subarray(i));
  if (body.length && body[0] & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return sshStr(body);
}

export function sshMpint(v: bigint): Buffer {
  if (v < 0n) throw new Error('positive only');
  if (v === 0n) return sshStr(new Uint8Array(0));
  let h = v.toString(16);
  if (h.length % 2) h = '0' + h;
  return sshMpintFromBytes(Buffer.from(h, 'hex'));
}
