// Shared pieces of the key exchange methods (RFC 4253 §7-8): KEX message numbers, hashing by
// name, the exchange-hash builder, SSH encodings of K, and the one-round exchange that
// curve25519, ECDH, fixed-group DH and the ML-KEM hybrid all share (client sends one public
// value in message 30, server answers with K_S, its public value and a signature in 31).
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { DisconnectReason, ProtocolError, SshReader, SshWriter } from '../../wire/index.ts';
import type { HashName, HostKeySigner, KexContext, KexResult, KexStep } from '../types.ts';

/** KEX message numbers (RFC 4253 §12, RFC 5656 §7.1, RFC 4419 §5, RFC 8731 §3). */
export const KexMsg = {
  KEXDH_INIT: 30,
  KEXDH_REPLY: 31,
  KEX_ECDH_INIT: 30,
  KEX_ECDH_REPLY: 31,
  KEX_DH_GEX_REQUEST_OLD: 30,
  KEX_DH_GEX_GROUP: 31,
  KEX_DH_GEX_INIT: 32,
  KEX_DH_GEX_REPLY: 33,
  KEX_DH_GEX_REQUEST: 34,
  KEX_HYBRID_INIT: 30,
  KEX_HYBRID_REPLY: 31,
} as const;

const hashes = { sha1, sha256, sha384, sha512 } as const;

/** One-shot hash by name (@noble/hashes; to move to the kernel's SHA when it lands). */
export function hashBytes(name: HashName, data: Uint8Array): Uint8Array {
  return hashByName(name)(data);
}

/** Output length in bytes of a hash. */
export function hashLength(name: HashName): number {
  return hashByName(name).outputLen;
}

function hashByName(name: HashName): (typeof hashes)[HashName] {
  if (typeof name !== 'string' || !Object.hasOwn(hashes, name)) throw new TypeError(`unknown hash ${String(name)}`);
  return hashes[name];
}

/** Overwrites secret bytes (best effort: JS gives no guarantee copies weren't made). */
export function wipe(...arrays: (Uint8Array | undefined)[]): void {
  for (const a of arrays) a?.fill(0);
}

/** A KEX failure caused by a bad value from the peer (disconnect reason KEY_EXCHANGE_FAILED). */
export function kexFailed(message: string): ProtocolError {
  return new ProtocolError(message, DisconnectReason.KEY_EXCHANGE_FAILED);
}

/** Opens a KEX payload: checks its message number and returns a reader positioned after it. */
export function openMessage(payload: Uint8Array, expected: number, what: string): SshReader {
  if (!(payload instanceof Uint8Array)) throw new TypeError(`${what}: payload must be a Uint8Array`);
  if (payload.length === 0) throw new ProtocolError(`${what}: empty payload`);
  if (payload[0] !== expected) {
    throw new ProtocolError(`${what}: expected message ${expected}, got message ${payload[0]}`);
  }
  const r = new SshReader(payload, what);
  r.byte('message number');
  return r;
}

/**
 * SSH mpint encoding (uint32 length || body) of an unsigned big-endian byte string, without
 * going through bigint so the caller can wipe both input and output (RFC 4251 §5; RFC 8731 §3
 * uses this for the X25519 output, RFC 5656 §4 for the ECDH x-coordinate).
 */
export function mpintFromUnsigned(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  const body = bytes.length - i;
  const pad = body > 0 && bytes[i] & 0x80 ? 1 : 0;
  const n = body + pad;
  const out = new Uint8Array(4 + n);
  out[0] = n >>> 24;
  out[1] = n >>> 16;
  out[2] = n >>> 8;
  out[3] = n;
  out.set(bytes.subarray(i), 4 + pad);
  return out;
}

/** SSH string encoding (uint32 length || bytes). */
export function sshString(bytes: Uint8Array): Uint8Array {
  return new SshWriter(bytes.length + 4).string(bytes).finish();
}

/** The common prefix of every exchange hash: V_C, V_S, I_C, I_S, K_S (RFC 4253 §8). */
export function hashPrefix(ctx: KexContext, hostKeyBlob: Uint8Array): SshWriter {
  return new SshWriter(1024)
    .string(ctx.clientVersion)
    .string(ctx.serverVersion)
    .string(ctx.clientKexinit)
    .string(ctx.serverKexinit)
    .string(hostKeyBlob);
}

/** Checks the context fields every method needs; the server side also needs a host key. */
export function checkContext(ctx: KexContext, side: 'client' | 'server', method: string): void {
  if (!ctx || typeof ctx !== 'object') throw new TypeError(`${method}: missing KexContext`);
  if (typeof ctx.clientVersion !== 'string' || typeof ctx.serverVersion !== 'string') {
    throw new TypeError(`${method}: clientVersion and serverVersion must be strings`);
  }
  if (!(ctx.clientKexinit instanceof Uint8Array) || !(ctx.serverKexinit instanceof Uint8Array)) {
    throw new TypeError(`${method}: clientKexinit and serverKexinit must be Uint8Arrays`);
  }
  if (typeof ctx.random !== 'function') throw new TypeError(`${method}: random must be a function`);
  if (side === 'server') {
    const hk = ctx.hostKey;
    if (!hk || !(hk.publicBlob instanceof Uint8Array) || typeof hk.sign !== 'function') {
      throw new TypeError(`${method}: the server side needs ctx.hostKey (a HostKeySigner)`);
    }
  }
}

/** Draws n random bytes from the context and checks the source honoured the request. */
export function randomBytes(ctx: KexContext, n: number, what: string): Uint8Array {
  const b = ctx.random(n);
  if (!(b instanceof Uint8Array) || b.length !== n) {
    throw new TypeError(`${what}: random source returned ${b instanceof Uint8Array ? b.length + ' bytes' : typeof b}, wanted ${n} bytes`);
  }
  return b;
}

/**
 * A public value of a one-round exchange and how it is carried: as an SSH string (ECDH,
 * curve25519, hybrids) or an mpint (finite-field DH). The same encoding is used in the message
 * and in the exchange hash.
 */
export interface PublicCodec<P> {
  /** Reads and validates the peer's value; throws ProtocolError when it is unacceptable. */
  read(r: SshReader, field: string): P;
  write(w: SshWriter, value: P): void;
}

/** The math of a one-round exchange. */
export interface OneRoundOps<P> {
  /** How the client's value (Q_C, e, C_INIT) and the server's (Q_S, f, S_REPLY) are carried and checked. */
  readonly clientCodec: PublicCodec<P>;
  readonly serverCodec: PublicCodec<P>;
  /** Client: make an ephemeral key; `agree` turns the server's value into the encoded K. */
  clientKeygen(ctx: KexContext): { pub: P; agree(serverPub: P): Uint8Array; dispose(): void };
  /** Server: answer the client's value; returns the server's value and the encoded K. */
  serverRespond(ctx: KexContext, clientPub: P): { pub: P; k: Uint8Array };
}

/** Describes a one-round method for error messages and hashing. */
export interface OneRoundInfo {
  readonly name: string;
  readonly hash: HashName;
  /** Names used in errors, e.g. 'KEX_ECDH_INIT'. */
  readonly initName: string;
  readonly replyName: string;
  /** Field names, e.g. 'Q_C' / 'Q_S' or 'e' / 'f'. */
  readonly clientField: string;
  readonly serverField: string;
}

function exchangeHashOneRound<P>(
  info: OneRoundInfo,
  ops: OneRoundOps<P>,
  ctx: KexContext,
  hostKeyBlob: Uint8Array,
  clientPub: P,
  serverPub: P,
  k: Uint8Array,
): Uint8Array {
  const w = hashPrefix(ctx, hostKeyBlob);
  ops.clientCodec.write(w, clientPub);
  ops.serverCodec.write(w, serverPub);
  w.raw(k);
  const data = w.finish();
  const h = hashBytes(info.hash, data);
  wipe(data);
  return h;
}

/** Re-throws a ProtocolError with the method name in front when it isn't there already. */
export function prefixErrors<T>(method: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ProtocolError && !e.message.startsWith(method)) {
      throw new ProtocolError(`${method}: ${e.message}`, e.reason);
    }
    throw e;
  }
}

/** Client side of a one-round exchange: sends INIT, takes REPLY, returns K, H, K_S, signature. */
export function oneRoundClient<P>(info: OneRoundInfo, ops: OneRoundOps<P>, ctx: KexContext): KexStep {
  checkContext(ctx, 'client', info.name);
  let state: 'new' | 'sent' | 'done' = 'new';
  let eph: ReturnType<OneRoundOps<P>['clientKeygen']> | undefined;
  return {
    start() {
      if (state !== 'new') throw new ProtocolError(`${info.name}: key exchange already started`);
      eph = ops.clientKeygen(ctx);
      const w = new SshWriter().byte(KexMsg.KEXDH_INIT);
      ops.clientCodec.write(w, eph.pub);
      state = 'sent';
      return [w.finish()];
    },
    receive(payload) {
      try {
        return prefixErrors(info.name, () => clientReceive(payload));
      } catch (e) {
        // A failed exchange is over: drop the ephemeral secret now rather than at disconnect.
        eph?.dispose();
        eph = undefined;
        state = 'done';
        throw e;
      }
    },
  };
  function clientReceive(payload: Uint8Array): { send: Uint8Array[]; result?: KexResult } {
      if (state !== 'sent') {
        throw new ProtocolError(`${info.name}: unexpected message ${payload?.[0]} ${state === 'new' ? 'before start' : 'after the exchange finished'}`);
      }
      const r = openMessage(payload, KexMsg.KEXDH_REPLY, `${info.name} ${info.replyName}`);
      const hostKeyBlob = r.string('K_S').slice();
      const serverPub = ops.serverCodec.read(r, info.serverField);
      const signature = r.string('signature').slice();
      r.end();
      if (hostKeyBlob.length === 0) throw kexFailed(`${info.name}: empty server host key`);
      const e = eph!;
      state = 'done';
      let k: Uint8Array;
      try {
        k = e.agree(serverPub);
      } finally {
        e.dispose();
        eph = undefined;
      }
      const exchangeHash = exchangeHashOneRound(info, ops, ctx, hostKeyBlob, e.pub, serverPub, k);
      const result: KexResult = { sharedSecret: k, exchangeHash, hostKeyBlob, signature };
      return { send: [], result };
  }
}

/** Server side of a one-round exchange: takes INIT, sends REPLY signed with ctx.hostKey. */
export function oneRoundServer<P>(info: OneRoundInfo, ops: OneRoundOps<P>, ctx: KexContext): KexStep {
  checkContext(ctx, 'server', info.name);
  const hostKey = ctx.hostKey as HostKeySigner;
  let done = false;
  return {
    start() {
      return [];
    },
    receive(payload) {
      try {
        return prefixErrors(info.name, () => serverReceive(payload));
      } catch (e) {
        done = true; // a failed exchange is over
        throw e;
      }
    },
  };
  function serverReceive(payload: Uint8Array): { send: Uint8Array[]; result?: KexResult } {
      if (done) throw new ProtocolError(`${info.name}: unexpected message ${payload?.[0]} after the exchange finished`);
      const r = openMessage(payload, KexMsg.KEXDH_INIT, `${info.name} ${info.initName}`);
      const clientPub = ops.clientCodec.read(r, info.clientField);
      r.end();
      done = true;
      const { pub, k } = ops.serverRespond(ctx, clientPub);
      const hostKeyBlob = hostKey.publicBlob;
      const exchangeHash = exchangeHashOneRound(info, ops, ctx, hostKeyBlob, clientPub, pub, k);
      const signature = hostKey.sign(exchangeHash);
      const w = new SshWriter().byte(KexMsg.KEXDH_REPLY).string(hostKeyBlob);
      ops.serverCodec.write(w, pub);
      w.string(signature);
      return { send: [w.finish()], result: { sharedSecret: k, exchangeHash, hostKeyBlob, signature } };
  }
}

/** Codec for a public value carried as an SSH string of a fixed length, validated by `check`. */
export function fixedStringCodec(length: number, check?: (b: Uint8Array, field: string) => void): PublicCodec<Uint8Array> {
  return {
    read(r, field) {
      const b = r.string(field);
      if (b.length !== length) throw kexFailed(`${field} must be ${length} bytes, got ${b.length}`);
      check?.(b, field);
      return b.slice();
    },
    write(w, v) {
      w.string(v);
    },
  };
}
