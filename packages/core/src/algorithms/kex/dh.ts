// Finite-field Diffie-Hellman over fixed groups (RFC 4253 §8, RFC 8268): diffie-hellman-group14-
// sha256, group16-sha512 and group18-sha512 with the RFC 3526 primes; group14-sha1 (RFC 4253)
// only as a legacy method that is not offered by default. Messages 30 (e) / 31 (K_S, f,
// signature); e, f and K are mpints. Both public values must lie in [2, p-2] (RFC 4253 §8;
// russh CVE-2023-28113 accepted e = 1, which forces K = 1). The DH arithmetic here is also used by
// group exchange (gex.ts).
import { SshWriter } from '../../wire/index.ts';
import type { DhGroup, HashName, KexContext, KexMethod } from '../types.ts';
import { kexFailed, oneRoundClient, oneRoundServer, randomBytes, wipe } from './common.ts';
import type { OneRoundInfo, OneRoundOps, PublicCodec } from './common.ts';
import { MODP_2048, MODP_4096, MODP_8192 } from './modp-groups.ts';

/**
 * Private exponent size in bits. OpenSSH uses twice the bits of the strongest negotiated cipher
 * or MAC key (Pollard rho costs the square root); 512 bits covers the 256-bit keys used here and
 * exceeds the strength of every group (8192-bit MODP is about 200 bits strong, RFC 3526 §8).
 * Groups smaller than 1025 bits get bits(p) - 1.
 */
export const DH_EXPONENT_BITS = 512;

/** Groups accepted at all: smaller moduli are breakable (RFC 9142 §4 and Logjam) and larger ones cost too much to exponentiate. */
export const DH_MIN_BITS = 2048;
export const DH_MAX_BITS = 8192;

/** base^exp mod m for positive exp, by left-to-right square-and-multiply on bigint (not constant time: bigint arithmetic never is). */
export function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  if (m <= 1n) throw new RangeError('modPow: modulus must be > 1');
  if (exp < 0n) throw new RangeError('modPow: exponent must be >= 0');
  let result = 1n;
  let b = ((base % m) + m) % m;
  const bits = exp.toString(2);
  for (let i = 0; i < bits.length; i++) {
    result = (result * result) % m;
    if (bits.charCodeAt(i) === 49) result = (result * b) % m;
  }
  b = 0n;
  return result;
}

/** Checks a peer's public value (or K) is in [2, p-2]; throws a KEY_EXCHANGE_FAILED ProtocolError otherwise. */
export function checkDhPublic(v: bigint, p: bigint, field: string): void {
  if (v < 2n || v > p - 2n) throw kexFailed(`${field} is outside [2, p-2]`);
}

/** Checks a group is usable: p odd and of an accepted size, g in [2, p-2]. */
export function checkDhGroup(group: DhGroup, what: string, minBits = DH_MIN_BITS, maxBits = DH_MAX_BITS): void {
  const { p, g } = group;
  const bits = p > 0n ? p.toString(2).length : 0;
  if (bits < minBits || bits > maxBits) throw kexFailed(`${what}: modulus of ${bits} bits is outside [${minBits}, ${maxBits}]`);
  if ((p & 1n) === 0n) throw kexFailed(`${what}: modulus is even`);
  if (g < 2n || g > p - 2n) throw kexFailed(`${what}: generator is outside [2, p-2]`);
}

/**
 * A DH key pair in `group`: x of DH_EXPONENT_BITS bits (top bit set, so never small), e = g^x mod p.
 * x is a bigint and cannot be wiped; the random bytes it came from are.
 */
export function dhKeygen(group: DhGroup, ctx: KexContext, what: string): { x: bigint; e: bigint } {
  const pbits = group.p.toString(2).length;
  const bits = Math.min(DH_EXPONENT_BITS, pbits - 1);
  const bytes = randomBytes(ctx, Math.ceil(bits / 8), what);
  const excess = bytes.length * 8 - bits;
  bytes[0] &= 0xff >>> excess;
  bytes[0] |= 0x80 >>> excess;
  let x = 0n;
  for (const b of bytes) x = (x << 8n) | BigInt(b);
  wipe(bytes);
  const e = modPow(group.g, x, group.p);
  // Cannot happen for a prime-order-subgroup generator; guards against a degenerate group.
  checkDhPublic(e, group.p, `${what} public value`);
  return { x, e };
}

/** K = peer^x mod p as an encoded mpint, after range-checking peer and K. */
export function dhAgree(group: DhGroup, x: bigint, peer: bigint, field: string): Uint8Array {
  checkDhPublic(peer, group.p, field);
  const k = modPow(peer, x, group.p);
  checkDhPublic(k, group.p, 'shared secret K');
  return new SshWriter(group.p.toString(16).length / 2 + 8).mpint(k).finish();
}

/** mpint codec for a public value of `group`, range-checked on receipt. */
export function dhCodec(group: DhGroup): PublicCodec<bigint> {
  return {
    read(r, field) {
      const v = r.mpint(field);
      checkDhPublic(v, group.p, field);
      return v;
    },
    write(w, v) {
      w.mpint(v);
    },
  };
}

function dhOps(group: DhGroup): OneRoundOps<bigint> {
  const codec = dhCodec(group);
  return {
    clientCodec: codec,
    serverCodec: codec,
    clientKeygen(ctx) {
      let { x, e } = dhKeygen(group, ctx, 'DH client exponent');
      return {
        pub: e,
        agree: (f) => dhAgree(group, x, f, 'f'),
        dispose: () => {
          x = 0n;
        },
      };
    },
    serverRespond(ctx, e) {
      const { x, e: f } = dhKeygen(group, ctx, 'DH server exponent');
      return { pub: f, k: dhAgree(group, x, e, 'e') };
    },
  };
}

function method<N extends string>(name: N, group: DhGroup, hash: HashName): KexMethod & { readonly name: N; readonly group: DhGroup } {
  const info: OneRoundInfo = { name, hash, initName: 'KEXDH_INIT', replyName: 'KEXDH_REPLY', clientField: 'e', serverField: 'f' };
  const ops = dhOps(group);
  return { name, hash, group, client: (ctx) => oneRoundClient(info, ops, ctx), server: (ctx) => oneRoundServer(info, ops, ctx) };
}

/** diffie-hellman-group14-sha256 (RFC 8268 §3): 2048-bit MODP, SHA-256. */
export const dhGroup14Sha256 = method('diffie-hellman-group14-sha256', MODP_2048, 'sha256');
/** diffie-hellman-group16-sha512 (RFC 8268 §3): 4096-bit MODP, SHA-512. */
export const dhGroup16Sha512 = method('diffie-hellman-group16-sha512', MODP_4096, 'sha512');
/** diffie-hellman-group18-sha512 (RFC 8268 §3): 8192-bit MODP, SHA-512. */
export const dhGroup18Sha512 = method('diffie-hellman-group18-sha512', MODP_8192, 'sha512');
/** Legacy: diffie-hellman-group14-sha1 (RFC 4253 §8.2). SHA-1 exchange hash; never offered unless enabled. */
export const dhGroup14Sha1 = method('diffie-hellman-group14-sha1', MODP_2048, 'sha1');
