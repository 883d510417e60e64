// SHA-1, SHA-256, SHA-384, SHA-512 (FIPS 180-4) and HMAC (RFC 2104) on the WebAssembly kernel: one-shot
// functions and streaming objects (createHash / createHmac), for the SSH engine's exchange hashes
// and key derivation (RFC 4253 sections 7.2, 8; SHA-384 for the nistp384 methods, RFC 5656) and
// for tests.
//
// State scheme: a streaming object keeps its 208-byte hash context (and, for HMAC, the 136-byte
// precomputed inner/outer states) in its own JS Uint8Array and copies it into the kernel's
// scratch area around each update. Nothing is held in kernel memory between calls, so an object
// that is dropped without digest() leaks nothing, and any number of objects can be live at once.
// Updates that only add to a partly filled block stay in JS. Inputs of any length stream through
// the IO buffer in IO-buffer-sized chunks. Key bytes and copied-in data are wiped from kernel
// memory after each call.
import { kernel, type KernelInstance } from './kernel.ts';
import { checkBytes } from './util.ts';

/** Hash algorithms of the kernel. */
export type HashAlgorithm = 'sha1' | 'sha256' | 'sha384' | 'sha512';

interface ShaExports {
  sha_scratch(): number;
  sha_ctx_bytes(): number;
  hmac_key_bytes(): number;
  hash_init(ctx: number, alg: number): number;
  hash_update(ctx: number, ptr: number, len: number): void;
  hash_final(ctx: number, out: number): number;
  hash_digest(ctx: number, alg: number, ptr: number, len: number, out: number): number;
  hmac_key(hk: number, alg: number, keyPtr: number, keyLen: number): number;
  hmac_init(ctx: number, hk: number): void;
  hmac_final(ctx: number, hk: number, out: number): number;
  hmac_digest(ctx: number, hk: number, alg: number, keyPtr: number, keyLen: number, ptr: number, len: number, out: number): number;
}

interface AlgInfo { readonly name: HashAlgorithm; readonly id: number; readonly digestLength: number; readonly blockLength: number }

const ALGS: Record<HashAlgorithm, AlgInfo> = {
  sha1: { name: 'sha1', id: 1, digestLength: 20, blockLength: 64 },
  sha256: { name: 'sha256', id: 2, digestLength: 32, blockLength: 64 },
  sha384: { name: 'sha384', id: 4, digestLength: 48, blockLength: 128 },
  sha512: { name: 'sha512', id: 3, digestLength: 64, blockLength: 128 },
};

const CTX_BYTES = 208; // hash context (sha_core.ts)
const HK_BYTES = 144; // HMAC inner + outer state (+ alg id, padded)
const TOTAL_OFF = 192; // u64 message bytes so far, inside the context
const BUF_OFF = 64; // partial block, inside the context
const HK_OFF = 208; // scratch layout (sha.ts): ctx at +0, HMAC key right after it at +208, digest at +448
const OUT_OFF = 448;

/** Resolves 'sha256', 'SHA-256', 'sha-256' etc.; throws a clear error for anything else. */
function algInfo(alg: unknown): AlgInfo {
  if (alg === 'sha256') return ALGS.sha256; // the common spellings without any string work
  if (alg === 'sha512') return ALGS.sha512;
  if (alg === 'sha1') return ALGS.sha1;
  if (typeof alg !== 'string') throw new TypeError(`algorithm must be a string ('sha1', 'sha256', 'sha384' or 'sha512'), got ${alg === null ? 'null' : typeof alg}`);
  const info = Object.hasOwn(ALGS, alg.toLowerCase().replace('-', '')) ? ALGS[alg.toLowerCase().replace('-', '') as HashAlgorithm] : undefined;
  if (!info) throw new RangeError(`unknown hash algorithm '${alg}': expected 'sha1', 'sha256', 'sha384' or 'sha512'`);
  return info;
}

interface Env {
  k: KernelInstance;
  ex: ShaExports;
  /** Scratch address. */
  s: number;
  /** Just-started contexts per algorithm id, copied into new Hash objects. */
  fresh: Map<number, Uint8Array>;
  /** Scratch hash context (a Hash object's state). */
  ctxView: Uint8Array;
  /** Scratch hash context + HMAC key, contiguous (an Hmac object's state). */
  pairView: Uint8Array;
}
let env: Env | undefined;
function getEnv(): Env {
  if (!env) {
    const k = kernel();
    const ex = k.exports as unknown as ShaExports;
    if (ex.sha_ctx_bytes() !== CTX_BYTES || ex.hmac_key_bytes() !== HK_BYTES) {
      throw new Error('seashell kernel: sha context layout does not match this wrapper (rebuild the kernel)');
    }
    const s = ex.sha_scratch() >>> 0;
    env = {
      k, ex, s, fresh: new Map(),
      ctxView: k.mem.subarray(s, s + CTX_BYTES),
      pairView: k.mem.subarray(s, s + CTX_BYTES + HK_BYTES),
    };
  }
  return env;
}

/** Feeds data into the context at e.s through the IO buffer in chunks, wiping what it copied. */
function absorb(e: Env, data: Uint8Array): void {
  const { k, ex, s } = e;
  const chunk = k.ioSize;
  for (let off = 0; off < data.length; off += chunk) {
    const n = Math.min(chunk, data.length - off);
    k.mem.set(n === data.length ? data : data.subarray(off, off + n), k.io);
    ex.hash_update(s, k.io, n);
    k.mem.fill(0, k.io, k.io + n);
  }
}

/** Digest of msg under alg ('sha1' | 'sha256' | 'sha384' | 'sha512'). */
export function hash(alg: HashAlgorithm, msg: Uint8Array): Uint8Array {
  const info = algInfo(alg);
  checkBytes('msg', msg);
  const e = getEnv();
  const { k, ex, s } = e;
  if (msg.length <= k.ioSize) {
    k.mem.set(msg, k.io);
    ex.hash_digest(s, info.id, k.io, msg.length, s + OUT_OFF);
    k.mem.fill(0, k.io, k.io + msg.length);
  } else {
    ex.hash_init(s, info.id);
    absorb(e, msg);
    ex.hash_final(s, s + OUT_OFF);
    k.mem.fill(0, s, s + CTX_BYTES);
  }
  const out = k.read(s + OUT_OFF, info.digestLength);
  k.mem.fill(0, s + OUT_OFF, s + OUT_OFF + 64);
  return out;
}

/** SHA-1 digest (20 bytes) of msg (FIPS 180-4 6.1). */
export function sha1(msg: Uint8Array): Uint8Array { return hash('sha1', msg); }
/** SHA-256 digest (32 bytes) of msg (FIPS 180-4 6.2). */
export function sha256(msg: Uint8Array): Uint8Array { return hash('sha256', msg); }
/** SHA-384 digest (48 bytes) of msg (FIPS 180-4 6.5). */
export function sha384(msg: Uint8Array): Uint8Array { return hash('sha384', msg); }
/** SHA-512 digest (64 bytes) of msg (FIPS 180-4 6.4). */
export function sha512(msg: Uint8Array): Uint8Array { return hash('sha512', msg); }

/** HMAC (RFC 2104) of msg under key with hash alg; keys of any length (longer than a block are hashed first). */
export function hmac(alg: HashAlgorithm, key: Uint8Array, msg: Uint8Array): Uint8Array {
  const info = algInfo(alg);
  checkBytes('key', key);
  checkBytes('msg', msg);
  const e = getEnv();
  const { k, ex, s } = e;
  if (key.length + msg.length <= k.ioSize) {
    k.mem.set(key, k.io);
    k.mem.set(msg, k.io + key.length);
    ex.hmac_digest(s, s + HK_OFF, info.id, k.io, key.length, k.io + key.length, msg.length, s + OUT_OFF);
    k.mem.fill(0, k.io, k.io + key.length + msg.length);
  } else {
    keyInto(e, info, key);
    ex.hmac_init(s, s + HK_OFF);
    absorb(e, msg);
    ex.hmac_final(s, s + HK_OFF, s + OUT_OFF);
    k.mem.fill(0, s, s + OUT_OFF);
  }
  const out = k.read(s + OUT_OFF, info.digestLength);
  k.mem.fill(0, s + OUT_OFF, s + OUT_OFF + 64);
  return out;
}

/**
 * Checks an HMAC tag in constant time. The tag may be the full MAC or a truncation of it to at
 * least half the MAC length and at least 10 bytes (RFC 2104 section 5); other lengths are rejected.
 */
export function hmacVerify(alg: HashAlgorithm, key: Uint8Array, msg: Uint8Array, tag: Uint8Array): boolean {
  const info = algInfo(alg);
  checkBytes('tag', tag);
  const mac = hmac(info.name, key, msg);
  const n = tag.length;
  if (n > info.digestLength || n < Math.max(10, info.digestLength / 2)) return false;
  let diff = 0;
  for (let i = 0; i < n; i++) diff |= mac[i] ^ tag[i];
  mac.fill(0);
  return diff === 0;
}

/** Keys an HMAC into the scratch key area (s + HK_OFF), streaming keys longer than the IO buffer. */
function keyInto(e: Env, info: AlgInfo, key: Uint8Array): void {
  const { k, ex, s } = e;
  if (key.length <= k.ioSize) {
    k.mem.set(key, k.io);
    ex.hmac_key(s + HK_OFF, info.id, k.io, key.length);
    k.mem.fill(0, k.io, k.io + key.length);
  } else {
    // RFC 2104: a key longer than the block is replaced by its hash.
    const kh = hash(info.name, key);
    k.mem.set(kh, k.io);
    ex.hmac_key(s + HK_OFF, info.id, k.io, kh.length);
    k.mem.fill(0, k.io, k.io + kh.length);
    kh.fill(0);
  }
}

/** The context of a just-started hash of info's algorithm (made by the kernel once, then copied). */
function freshState(info: AlgInfo): Uint8Array {
  const e = getEnv();
  let st = e.fresh.get(info.id);
  if (!st) {
    const { k, ex, s } = e;
    ex.hash_init(s, info.id);
    st = k.read(s, CTX_BYTES);
    k.mem.fill(0, s, s + CTX_BYTES);
    e.fresh.set(info.id, st);
  }
  return st;
}

function rd32(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}
function wr32(b: Uint8Array, i: number, v: number): void {
  b[i] = v; b[i + 1] = v >>> 8; b[i + 2] = v >>> 16; b[i + 3] = v >>> 24;
}

/**
 * Adds data to a JS-held state (a context, or a context followed by an HMAC key): in JS when it
 * only extends the partial block, else through the kernel's scratch.
 */
function updateState(state: Uint8Array, blockLength: number, data: Uint8Array): void {
  // The context's u64 message length, as two little-endian u32 halves; the low one gives the fill.
  const lo = rd32(state, TOTAL_OFF);
  const fill = lo & (blockLength - 1);
  if (fill + data.length < blockLength) {
    state.set(data, BUF_OFF + fill);
    const sum = lo + data.length;
    wr32(state, TOTAL_OFF, sum >>> 0);
    if (sum > 0xffffffff) wr32(state, TOTAL_OFF + 4, (rd32(state, TOTAL_OFF + 4) + 1) >>> 0);
    return;
  }
  const e = getEnv();
  const view = state.length === CTX_BYTES ? e.ctxView : e.pairView;
  view.set(state);
  absorb(e, data);
  state.set(view);
  view.fill(0);
}

/** A streaming hash, like node:crypto's Hash: update() any number of times, then digest() once. */
export class Hash {
  /** Algorithm name. */
  readonly algorithm: HashAlgorithm;
  /** Digest length in bytes. */
  readonly digestLength: number;
  /** Block length in bytes. */
  readonly blockLength: number;
  private readonly state = new Uint8Array(CTX_BYTES);
  private done = false;

  /** Starts a hash of algorithm alg ('sha1' | 'sha256' | 'sha384' | 'sha512'). */
  constructor(alg: HashAlgorithm) {
    const info = algInfo(alg);
    this.algorithm = info.name;
    this.digestLength = info.digestLength;
    this.blockLength = info.blockLength;
    this.state.set(freshState(info));
  }

  /** Adds data to the message; returns this for chaining. */
  update(data: Uint8Array): this {
    if (this.done) throw new Error('Hash.update: digest() was already called');
    checkBytes('data', data);
    updateState(this.state, this.blockLength, data);
    return this;
  }

  /** Finishes and returns the digest; the object cannot be used afterwards. */
  digest(): Uint8Array {
    if (this.done) throw new Error('Hash.digest: digest() was already called');
    this.done = true;
    const { k, ex, s, ctxView } = getEnv();
    ctxView.set(this.state);
    ex.hash_final(s, s + OUT_OFF);
    const out = k.read(s + OUT_OFF, this.digestLength);
    k.mem.fill(0, s, s + 512);
    this.state.fill(0);
    return out;
  }

  /** An independent copy of this hash's current state (e.g. to hash a common prefix once). */
  copy(): Hash {
    if (this.done) throw new Error('Hash.copy: digest() was already called');
    const c = new Hash(this.algorithm);
    c.state.set(this.state);
    return c;
  }
}

/** A streaming HMAC, like node:crypto's Hmac: update() any number of times, then digest() once. */
export class Hmac {
  /** Hash algorithm name. */
  readonly algorithm: HashAlgorithm;
  /** MAC length in bytes (the digest length). */
  readonly digestLength: number;
  /** Block length in bytes. */
  readonly blockLength: number;
  /** The running hash context, then the keyed inner/outer states: the scratch's layout. */
  private readonly state = new Uint8Array(CTX_BYTES + HK_BYTES);
  private done = false;

  /** Keys an HMAC with hash alg ('sha1' | 'sha256' | 'sha384' | 'sha512') and key (any length). */
  constructor(alg: HashAlgorithm, key: Uint8Array) {
    const info = algInfo(alg);
    checkBytes('key', key);
    this.algorithm = info.name;
    this.digestLength = info.digestLength;
    this.blockLength = info.blockLength;
    const e = getEnv();
    const { k, ex, s } = e;
    keyInto(e, info, key);
    ex.hmac_init(s, s + HK_OFF);
    this.state.set(e.pairView);
    k.mem.fill(0, s, s + 512);
  }

  /** Adds data to the message; returns this for chaining. */
  update(data: Uint8Array): this {
    if (this.done) throw new Error('Hmac.update: digest() was already called');
    checkBytes('data', data);
    updateState(this.state, this.blockLength, data);
    return this;
  }

  /**
   * An independent copy of this MAC's current state. Keying once and copying per message skips
   * the two keying blocks (RFC 2104 section 4's precomputed inner/outer states).
   */
  copy(): Hmac {
    if (this.done) throw new Error('Hmac.copy: digest() was already called');
    const c = Object.create(Hmac.prototype) as Hmac;
    return Object.assign(c, {
      algorithm: this.algorithm, digestLength: this.digestLength, blockLength: this.blockLength,
      state: this.state.slice(), done: false,
    });
  }

  /** Finishes and returns the MAC; wipes the keyed state, so the object cannot be used afterwards. */
  digest(): Uint8Array {
    if (this.done) throw new Error('Hmac.digest: digest() was already called');
    this.done = true;
    const { k, ex, s, pairView } = getEnv();
    pairView.set(this.state);
    ex.hmac_final(s, s + HK_OFF, s + OUT_OFF);
    const out = k.read(s + OUT_OFF, this.digestLength);
    k.mem.fill(0, s, s + 512);
    this.state.fill(0);
    return out;
  }
}

/** Starts a streaming hash: createHash('sha256').update(a).update(b).digest(). */
export function createHash(alg: HashAlgorithm): Hash {
  return new Hash(alg);
}

/** Starts a streaming HMAC: createHmac('sha256', key).update(msg).digest(). */
export function createHmac(alg: HashAlgorithm, key: Uint8Array): Hmac {
  return new Hmac(alg, key);
}
