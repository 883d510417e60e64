// curve25519-sha256 and curve25519-sha256@libssh.org (RFC 8731; RFC 7748 X25519). The client's
// Q_C and server's Q_S are 32-byte X25519 public keys carried as strings in messages 30/31;
// K is the 32-byte X25519 output read as an unsigned big-endian integer and encoded as an mpint
// (RFC 8731 §3). An all-zero output (a low-order peer key) aborts the exchange (RFC 8731 §3,
// RFC 7748 §6.1; russh CVE-2023-28113).
import { x25519 } from '@noble/curves/ed25519.js';
import type { KexContext, KexMethod } from '../types.ts';
import { fixedStringCodec, kexFailed, mpintFromUnsigned, oneRoundClient, oneRoundServer, randomBytes, wipe } from './common.ts';
import type { OneRoundInfo, OneRoundOps } from './common.ts';

/** X25519 public key, private key and output length. */
export const X25519_LENGTH = 32;

/**
 * The two X25519 operations (RFC 7748 §5) on raw 32-byte strings. The default is @noble/curves;
 * a runtime adapter may pass a faster one (DESIGN.md "The kernel and the hot path").
 * getSharedSecret may throw for a low-order peer key; an all-zero output is caught here either way.
 */
export interface X25519Primitive {
  getPublicKey(secret: Uint8Array): Uint8Array;
  getSharedSecret(secret: Uint8Array, peer: Uint8Array): Uint8Array;
}

/** X25519 from @noble/curves. */
export const nobleX25519: X25519Primitive = x25519;

/** Draws a fresh X25519 private key (clamping happens inside the scalar multiplication). */
export function x25519Keygen(ctx: KexContext, what: string, impl: X25519Primitive = nobleX25519): { secret: Uint8Array; pub: Uint8Array } {
  const secret = randomBytes(ctx, X25519_LENGTH, what);
  return { secret, pub: impl.getPublicKey(secret) };
}

/**
 * X25519(secret, peer) as raw 32 bytes; a low-order peer key or an all-zero result is a
 * KEY_EXCHANGE_FAILED ProtocolError (never a crash).
 */
export function x25519Shared(secret: Uint8Array, peer: Uint8Array, field: string, impl: X25519Primitive = nobleX25519): Uint8Array {
  let out: Uint8Array;
  try {
    out = impl.getSharedSecret(secret, peer);
  } catch {
    // @noble/curves refuses low-order points before running the ladder (OpenSSL fails the derive).
    throw kexFailed(`${field} is a low-order X25519 point: the shared secret would be all zero`);
  }
  let acc = 0;
  for (const b of out) acc |= b;
  if (acc === 0) {
    wipe(out);
    throw kexFailed(`X25519 shared secret with ${field} is all zero`);
  }
  return out;
}

const codec = fixedStringCodec(X25519_LENGTH);
const makeOps = (impl: X25519Primitive): OneRoundOps<Uint8Array> => ({
  clientCodec: codec,
  serverCodec: codec,
  clientKeygen(ctx) {
    const { secret, pub } = x25519Keygen(ctx, 'curve25519 client key', impl);
    return {
      pub,
      agree(serverPub) {
        const shared = x25519Shared(secret, serverPub, 'Q_S', impl);
        const k = mpintFromUnsigned(shared);
        wipe(shared);
        return k;
      },
      dispose() {
        wipe(secret);
      },
    };
  },
  serverRespond(ctx, clientPub) {
    const { secret, pub } = x25519Keygen(ctx, 'curve25519 server key', impl);
    try {
      const shared = x25519Shared(secret, clientPub, 'Q_C', impl);
      const k = mpintFromUnsigned(shared);
      wipe(shared);
      return { pub, k };
    } finally {
      wipe(secret);
    }
  },
});

/** curve25519-sha256 (or its @libssh.org name) with the given X25519 (default @noble/curves). */
export function curve25519Method<N extends 'curve25519-sha256' | 'curve25519-sha256@libssh.org'>(name: N, impl: X25519Primitive = nobleX25519): KexMethod & { readonly name: N } {
  return method(name, makeOps(impl));
}

function method<N extends string>(name: N, ops: OneRoundOps<Uint8Array>): KexMethod & { readonly name: N } {
  const info: OneRoundInfo = { name, hash: 'sha256', initName: 'KEX_ECDH_INIT', replyName: 'KEX_ECDH_REPLY', clientField: 'Q_C', serverField: 'Q_S' };
  return {
    name,
    hash: 'sha256',
    client: (ctx) => oneRoundClient(info, ops, ctx),
    server: (ctx) => oneRoundServer(info, ops, ctx),
  };
}

/** curve25519-sha256 (RFC 8731). */
export const curve25519Sha256 = curve25519Method('curve25519-sha256');
/** curve25519-sha256@libssh.org: the pre-standard name of the same method (RFC 8731 §1). */
export const curve25519Sha256Libssh = curve25519Method('curve25519-sha256@libssh.org');
