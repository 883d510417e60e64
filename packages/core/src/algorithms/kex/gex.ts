// diffie-hellman-group-exchange-sha256 (RFC 4419, RFC 8268 §4 for the sizes): the client asks
// for a group (34 KEX_DH_GEX_REQUEST: min, n, max in bits), the server picks one and sends it
// (31 KEX_DH_GEX_GROUP: p, g), then DH runs in that group (32 KEX_DH_GEX_INIT: e; 33
// KEX_DH_GEX_REPLY: K_S, f, signature). H = hash(V_C || V_S || I_C || I_S || K_S || min || n ||
// max || p || g || e || f || K) (RFC 4419 §3). The old request (30, n only) is refused.
import { ProtocolError, SshWriter } from '../../wire/index.ts';
import type { DhGroup, HashName, HostKeySigner, KexContext, KexMethod, KexResult, KexStep } from '../types.ts';
import { checkContext, hashBytes, hashPrefix, KexMsg, kexFailed, openMessage, prefixErrors, wipe } from './common.ts';
import { checkDhGroup, checkDhPublic, dhAgree, dhKeygen, DH_MAX_BITS, DH_MIN_BITS } from './dh.ts';
import { MODP_GROUPS } from './modp-groups.ts';

/** Group sizes the client asks for (RFC 8268 §4: at least 2048; OpenSSH asks 2048 / 3072-8192 / 8192). */
export interface GexSizes {
  readonly min: number;
  readonly n: number;
  readonly max: number;
}

/** Default request: 3072 bits preferred (about 128-bit strength, matching AES-128 and up), 2048 to 8192 accepted. */
export const GEX_DEFAULT_SIZES: GexSizes = Object.freeze({ min: 2048, n: 3072, max: 8192 });

/**
 * The server's choice (as OpenSSH's choose_dh): among groups with min <= bits <= max, the
 * smallest size >= n, else the largest; one of that size at random. Falls back to the RFC 3526
 * groups when `moduli` has none in range. Returns undefined when nothing fits.
 */
export function chooseGroup(moduli: readonly DhGroup[] | undefined, min: number, n: number, max: number, random: (n: number) => Uint8Array): DhGroup | undefined {
  for (const set of [moduli ?? [], MODP_GROUPS]) {
    const fit = set.filter((g) => g.bits >= min && g.bits <= max);
    if (fit.length === 0) continue;
    const above = fit.filter((g) => g.bits >= n).map((g) => g.bits);
    const best = above.length ? Math.min(...above) : Math.max(...fit.map((g) => g.bits));
    const candidates = fit.filter((g) => g.bits === best);
    const r = random(4);
    if (!(r instanceof Uint8Array) || r.length !== 4) throw new TypeError('chooseGroup: random source must return the bytes asked for');
    const pick = (((r[0] << 24) | (r[1] << 16) | (r[2] << 8) | r[3]) >>> 0) % candidates.length;
    return candidates[pick];
  }
  return undefined;
}

function checkSizes(s: GexSizes): void {
  const ok = (v: number) => Number.isInteger(v) && v >= DH_MIN_BITS && v <= DH_MAX_BITS;
  if (!ok(s.min) || !ok(s.n) || !ok(s.max) || !(s.min <= s.n && s.n <= s.max)) {
    throw new RangeError(`group exchange sizes must satisfy ${DH_MIN_BITS} <= min <= n <= max <= ${DH_MAX_BITS}, got ${s.min}/${s.n}/${s.max}`);
  }
}

interface Transcript {
  min: number;
  n: number;
  max: number;
  group: DhGroup;
  e: bigint;
  f: bigint;
}

function gexHash(hash: HashName, ctx: KexContext, hostKeyBlob: Uint8Array, t: Transcript, k: Uint8Array): Uint8Array {
  const w = hashPrefix(ctx, hostKeyBlob).uint32(t.min).uint32(t.n).uint32(t.max).mpint(t.group.p).mpint(t.group.g).mpint(t.e).mpint(t.f).raw(k);
  const data = w.finish();
  const h = hashBytes(hash, data);
  wipe(data);
  return h;
}

function gexClient(name: string, hash: HashName, sizes: GexSizes, ctx: KexContext): KexStep {
  checkContext(ctx, 'client', name);
  let state: 'new' | 'requested' | 'sent-e' | 'done' = 'new';
  let group: DhGroup | undefined;
  let x = 0n;
  let e = 0n;
  function receive(payload: Uint8Array): { send: Uint8Array[]; result?: KexResult } {
    if (state === 'requested') {
      const r = openMessage(payload, KexMsg.KEX_DH_GEX_GROUP, `${name} KEX_DH_GEX_GROUP`);
      const p = r.mpint('p');
      const g = r.mpint('g');
      r.end();
      const offered: DhGroup = { p, g, bits: p > 0n ? p.toString(2).length : 0 };
      checkDhGroup(offered, `${name}: server's group`, sizes.min, sizes.max);
      group = offered;
      ({ x, e } = dhKeygen(group, ctx, 'DH-GEX client exponent'));
      state = 'sent-e';
      return { send: [new SshWriter().byte(KexMsg.KEX_DH_GEX_INIT).mpint(e).finish()] };
    }
    if (state === 'sent-e') {
      const r = openMessage(payload, KexMsg.KEX_DH_GEX_REPLY, `${name} KEX_DH_GEX_REPLY`);
      const hostKeyBlob = r.string('K_S').slice();
      const f = r.mpint('f');
      const signature = r.string('signature').slice();
      r.end();
      if (hostKeyBlob.length === 0) throw kexFailed('empty server host key');
      state = 'done';
      const k = dhAgree(group!, x, f, 'f');
      x = 0n;
      const exchangeHash = gexHash(hash, ctx, hostKeyBlob, { ...sizes, group: group!, e, f }, k);
      return { send: [], result: { sharedSecret: k, exchangeHash, hostKeyBlob, signature } };
    }
    throw new ProtocolError(`unexpected message ${payload?.[0]} ${state === 'new' ? 'before start' : 'after the exchange finished'}`);
  }
  return {
    start() {
      if (state !== 'new') throw new ProtocolError(`${name}: key exchange already started`);
      state = 'requested';
      return [new SshWriter(16).byte(KexMsg.KEX_DH_GEX_REQUEST).uint32(sizes.min).uint32(sizes.n).uint32(sizes.max).finish()];
    },
    receive(payload) {
      try {
        return prefixErrors(name, () => receive(payload));
      } catch (e) {
        x = 0n; // a failed exchange is over
        state = 'done';
        throw e;
      }
    },
  };
}

function gexServer(name: string, hash: HashName, ctx: KexContext): KexStep {
  checkContext(ctx, 'server', name);
  const hostKey = ctx.hostKey as HostKeySigner;
  let state: 'wait-request' | 'wait-e' | 'done' = 'wait-request';
  let req: { min: number; n: number; max: number } | undefined;
  let group: DhGroup | undefined;
  function receive(payload: Uint8Array): { send: Uint8Array[]; result?: KexResult } {
    if (state === 'wait-request') {
      if (payload?.[0] === KexMsg.KEX_DH_GEX_REQUEST_OLD) throw new ProtocolError('the old KEX_DH_GEX_REQUEST (message 30) is not supported');
      const r = openMessage(payload, KexMsg.KEX_DH_GEX_REQUEST, `${name} KEX_DH_GEX_REQUEST`);
      const min = r.uint32('min');
      const n = r.uint32('n');
      const max = r.uint32('max');
      r.end();
      // As OpenSSH: clamp to what we accept at all, then require min <= n <= max.
      const cmin = Math.max(DH_MIN_BITS, min);
      const cmax = Math.min(DH_MAX_BITS, max);
      const cn = Math.min(DH_MAX_BITS, Math.max(DH_MIN_BITS, n));
      if (cmax < cmin || cn < cmin || cmax < cn) throw kexFailed(`bad group request min=${min} n=${n} max=${max}`);
      const chosen = chooseGroup(ctx.moduli, cmin, cn, cmax, ctx.random);
      if (!chosen) throw kexFailed(`no group between ${cmin} and ${cmax} bits`);
      checkDhGroup(chosen, 'chosen group', cmin, cmax);
      req = { min, n, max };
      group = chosen;
      state = 'wait-e';
      return { send: [new SshWriter().byte(KexMsg.KEX_DH_GEX_GROUP).mpint(chosen.p).mpint(chosen.g).finish()] };
    }
    if (state === 'wait-e') {
      const r = openMessage(payload, KexMsg.KEX_DH_GEX_INIT, `${name} KEX_DH_GEX_INIT`);
      const e = r.mpint('e');
      r.end();
      checkDhPublic(e, group!.p, 'e');
      state = 'done';
      const { x, e: f } = dhKeygen(group!, ctx, 'DH-GEX server exponent');
      const k = dhAgree(group!, x, e, 'e');
      const hostKeyBlob = hostKey.publicBlob;
      const exchangeHash = gexHash(hash, ctx, hostKeyBlob, { ...req!, group: group!, e, f }, k);
      const signature = hostKey.sign(exchangeHash);
      const reply = new SshWriter().byte(KexMsg.KEX_DH_GEX_REPLY).string(hostKeyBlob).mpint(f).string(signature).finish();
      return { send: [reply], result: { sharedSecret: k, exchangeHash, hostKeyBlob, signature } };
    }
    throw new ProtocolError(`unexpected message ${payload?.[0]} after the exchange finished`);
  }
  return {
    start: () => [],
    receive(payload) {
      try {
        return prefixErrors(name, () => receive(payload));
      } catch (e) {
        state = 'done'; // a failed exchange is over
        throw e;
      }
    },
  };
}

/**
 * A group-exchange method asking for the given sizes (client side). The server side honours any
 * request within [2048, 8192] and picks from ctx.moduli, else the RFC 3526 groups.
 */
export function makeGexMethod<N extends string>(name: N, hash: HashName, sizes: GexSizes = GEX_DEFAULT_SIZES): KexMethod & { readonly name: N; readonly sizes: GexSizes } {
  checkSizes(sizes);
  return {
    name,
    hash,
    sizes,
    client: (ctx) => gexClient(name, hash, sizes, ctx),
    server: (ctx) => gexServer(name, hash, ctx),
  };
}

/** diffie-hellman-group-exchange-sha256 (RFC 4419 with SHA-256) asking for 2048 / 3072 / 8192 bits. */
export const dhGexSha256 = makeGexMethod('diffie-hellman-group-exchange-sha256', 'sha256');
