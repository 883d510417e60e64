// ecdh-sha2-nistp256, -nistp384, -nistp521 (RFC 5656 §4, §6.1-6.2): ephemeral ECDH over the
// NIST curves in messages 30 (Q_C) / 31 (K_S, Q_S, signature). Q_C and Q_S are SEC1 uncompressed
// points (0x04 || X || Y) carried as strings; each received point is checked to be in that form,
// on the curve and not the point at infinity (RFC 5656 §4 requires validating it, SEC1 §3.2.2.1).
// K is the x-coordinate of the shared point as an mpint (RFC 5656 §4).
import { p256, p384, p521 } from '@noble/curves/nist.js';
import type { HashName, KexContext, KexMethod } from '../types.ts';
import { kexFailed, mpintFromUnsigned, oneRoundClient, oneRoundServer, randomBytes, wipe } from './common.ts';
import type { OneRoundInfo, OneRoundOps, PublicCodec } from './common.ts';

type Curve = typeof p256;

/** Bounds the rejection sampling of the private scalar (P-521: accepts about one draw in two). */
const MAX_SCALAR_DRAWS = 64;

interface CurveInfo {
  readonly curve: Curve;
  /** Bytes of a field element (X or Y) and of the scalar. */
  readonly fieldLen: number;
  readonly scalarLen: number;
  readonly order: bigint;
  readonly orderBits: number;
}

function curveInfo(curve: Curve): CurveInfo {
  const order = curve.Point.Fn.ORDER;
  return {
    curve,
    fieldLen: curve.Point.Fp.BYTES,
    scalarLen: curve.Point.Fn.BYTES,
    order,
    orderBits: order.toString(2).length,
  };
}

/**
 * Draws a private scalar d with 1 <= d < n by rejection sampling (FIPS 186-5 A.4.2 style):
 * scalarLen random bytes, masked to the order's bit length, redrawn if out of range. Drawing the
 * scalar straight from the random source keeps fixed-randomness transcripts reproducible.
 */
function drawScalar(c: CurveInfo, ctx: KexContext, what: string): Uint8Array {
  const excess = c.scalarLen * 8 - c.orderBits;
  for (let i = 0; i < MAX_SCALAR_DRAWS; i++) {
    const d = randomBytes(ctx, c.scalarLen, what);
    d[0] &= 0xff >>> excess;
    let v = 0n;
    for (const b of d) v = (v << 8n) | BigInt(b);
    if (v >= 1n && v < c.order) return d;
    wipe(d);
  }
  throw new Error(`${what}: random source gave no valid scalar in ${MAX_SCALAR_DRAWS} draws`);
}

/** Codec for an uncompressed point: exact length, 0x04 prefix, on the curve (so not infinity). */
function pointCodec(c: CurveInfo): PublicCodec<Uint8Array> {
  const length = 1 + 2 * c.fieldLen;
  return {
    read(r, field) {
      const b = r.string(field);
      if (b.length !== length || b[0] !== 0x04) {
        throw kexFailed(`${field} must be an uncompressed point of ${length} bytes starting 0x04, got ${b.length} bytes starting 0x${(b[0] ?? 0).toString(16).padStart(2, '0')}`);
      }
      try {
        const p = c.curve.Point.fromBytes(b);
        p.assertValidity();
        if (p.is0()) throw new Error('infinity');
      } catch {
        throw kexFailed(`${field} is not a point on the curve`);
      }
      return b.slice();
    },
    write(w, v) {
      w.string(v);
    },
  };
}

/** x-coordinate of d·Q as an mpint (Q already validated). */
function sharedK(c: CurveInfo, secret: Uint8Array, peer: Uint8Array, field: string): Uint8Array {
  let point: Uint8Array;
  try {
    point = c.curve.getSharedSecret(secret, peer, true);
  } catch {
    throw kexFailed(`ECDH with ${field} failed`);
  }
  const x = point.subarray(1);
  const k = mpintFromUnsigned(x);
  wipe(point);
  return k;
}

function ecdhOps(c: CurveInfo): OneRoundOps<Uint8Array> {
  const codec = pointCodec(c);
  return {
    clientCodec: codec,
    serverCodec: codec,
    clientKeygen(ctx) {
      const secret = drawScalar(c, ctx, 'ECDH client key');
      return {
        pub: c.curve.getPublicKey(secret, false),
        agree: (serverPub) => sharedK(c, secret, serverPub, 'Q_S'),
        dispose: () => wipe(secret),
      };
    },
    serverRespond(ctx, clientPub) {
      const secret = drawScalar(c, ctx, 'ECDH server key');
      try {
        return { pub: c.curve.getPublicKey(secret, false), k: sharedK(c, secret, clientPub, 'Q_C') };
      } finally {
        wipe(secret);
      }
    },
  };
}

function method<N extends string>(name: N, curve: Curve, hash: HashName): KexMethod & { readonly name: N } {
  const info: OneRoundInfo = { name, hash, initName: 'KEX_ECDH_INIT', replyName: 'KEX_ECDH_REPLY', clientField: 'Q_C', serverField: 'Q_S' };
  const ops = ecdhOps(curveInfo(curve));
  return { name, hash, client: (ctx) => oneRoundClient(info, ops, ctx), server: (ctx) => oneRoundServer(info, ops, ctx) };
}

/** ecdh-sha2-nistp256 (RFC 5656 §6.2.1: SHA-256). */
export const ecdhSha2Nistp256 = method('ecdh-sha2-nistp256', p256, 'sha256');
/** ecdh-sha2-nistp384 (SHA-384). */
export const ecdhSha2Nistp384 = method('ecdh-sha2-nistp384', p384, 'sha384');
/** ecdh-sha2-nistp521 (SHA-512). */
export const ecdhSha2Nistp521 = method('ecdh-sha2-nistp521', p521, 'sha512');
