// Deliberately trivial algorithms for tests that exercise the state machine, not cryptography
// (the per-state filter walk sets up thousands of connections): a key exchange whose secret is
// a hash of two public nonces, a "signature" that is a keyed hash, and an identity cipher. They
// follow the same interfaces as the real ones; never use them outside tests.
import { sha256 } from '@noble/hashes/sha2.js';
import type { PacketCipher } from '@seashell/kernel';
import type { HostKeySigner, KexContext, KexMethod, SignatureVerifier } from '../../src/algorithms/types.ts';
import type { AlgorithmRegistry, CipherSpec } from '../../src/algorithms/registry.ts';
import { SshReader, SshWriter } from '../../src/wire/index.ts';
import { testRegistry } from './harness.ts';

const HK = 'null-sig@test';

export function nullHostKey(id: number): HostKeySigner {
  const secret = new Uint8Array(32).fill(id);
  return {
    publicBlob: new SshWriter().string(HK).string(secret).finish(),
    algorithm: HK,
    sign: (data) => new SshWriter().string(HK).string(sha256(new Uint8Array([...secret, ...data]))).finish(),
  };
}

export const nullVerifier: SignatureVerifier = {
  name: HK,
  verify(blob, data, sig) {
    const r = new SshReader(blob);
    r.text();
    const secret = r.string();
    const s = new SshReader(sig);
    s.text();
    const mac = s.string();
    const want = sha256(new Uint8Array([...secret, ...data]));
    return mac.length === want.length && mac.every((b, i) => b === want[i]);
  },
};

function hashCtx(ctx: KexContext, blob: Uint8Array, c: Uint8Array, s: Uint8Array): Uint8Array {
  return sha256(new SshWriter().string(ctx.clientVersion).string(ctx.serverVersion).string(ctx.clientKexinit).string(ctx.serverKexinit).string(blob).string(c).string(s).finish());
}

export const nullKex: KexMethod = {
  name: 'null-kex@test',
  hash: 'sha256',
  client(ctx) {
    const nonce = ctx.random(16);
    return {
      start: () => [new SshWriter().byte(30).string(nonce).finish()],
      receive(p) {
        const r = new SshReader(p);
        r.byte();
        const blob = r.string().slice();
        const s = r.string().slice();
        const signature = r.string().slice();
        r.end();
        const k = new SshWriter().mpint(BigInt('0x' + Buffer.from(sha256(new Uint8Array([...nonce, ...s]))).toString('hex'))).finish();
        return { send: [], result: { sharedSecret: k, exchangeHash: hashCtx(ctx, blob, nonce, s), hostKeyBlob: blob, signature } };
      },
    };
  },
  server(ctx) {
    return {
      start: () => [],
      receive(p) {
        const r = new SshReader(p);
        r.byte();
        const c = r.string().slice();
        r.end();
        const s = ctx.random(16);
        const blob = ctx.hostKey!.publicBlob;
        const h = hashCtx(ctx, blob, c, s);
        const signature = ctx.hostKey!.sign(h);
        const k = new SshWriter().mpint(BigInt('0x' + Buffer.from(sha256(new Uint8Array([...c, ...s]))).toString('hex'))).finish();
        return {
          send: [new SshWriter().byte(31).string(blob).string(s).string(signature).finish()],
          result: { sharedSecret: k, exchangeHash: h, hostKeyBlob: blob, signature },
        };
      },
    };
  },
};

function identityCipher(): PacketCipher {
  const io = new Uint8Array(256 * 1024 + 256);
  return {
    name: 'null-cipher@test',
    blockSize: 8,
    macLength: 0,
    lengthInClear: false,
    firstBlockLength: 8,
    ioView: io,
    seal() {},
    decryptLength: () => new DataView(io.buffer).getUint32(0),
    open: () => true,
    dispose() {},
  };
}

export const nullCipher: CipherSpec = { name: 'null-cipher@test', keyLength: 16, ivLength: 0, aead: true, create: identityCipher };

/** A registry with only the trivial algorithms. */
export const nullRegistry: AlgorithmRegistry = {
  ...testRegistry,
  kex: { 'null-kex@test': nullKex },
  signature: { [HK]: nullVerifier, ...testRegistry.signature },
  cipher: { 'null-cipher@test': nullCipher },
};

export const nullAlgorithms = {
  kex: ['null-kex@test'],
  hostKey: [HK],
  cipher: ['null-cipher@test'],
};
