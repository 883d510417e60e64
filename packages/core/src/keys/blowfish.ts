// Blowfish (Schneier, FSE 1993) as bcrypt uses it: the "eksblowfish" key schedule steps of
// OpenBSD's blf.c, i.e. Blowfish_initstate, Blowfish_expandstate (salted) and
// Blowfish_expand0state, plus ECB encryption of 64-bit blocks held as two big-endian words.
// Only bcrypt_pbkdf (bcrypt-pbkdf.ts) uses this; it is not offered as an SSH cipher.
// Written for speed in plain JS: the Feistel rounds are inlined and keys are pre-split into words.
import { PI_WORDS_HEX } from './blowfish-pi.ts';

const STATE_WORDS = 18 + 4 * 256;
let initial: Uint32Array | undefined;

function initialState(): Uint32Array {
  if (!initial) {
    initial = new Uint32Array(STATE_WORDS);
    for (let i = 0; i < STATE_WORDS; i++) initial[i] = parseInt(PI_WORDS_HEX.slice(i * 8, i * 8 + 8), 16);
  }
  return initial;
}

/** The bytes of `b` as big-endian words, cycling through `b` as blf.c's Blowfish_stream2word does, until the cycle repeats. */
export function streamWords(b: Uint8Array): Uint32Array {
  if (b.length === 0) throw new RangeError('Blowfish key and salt must not be empty');
  // The word sequence repeats after lcm(len, 4) bytes: len words if len is odd, fewer otherwise.
  const n = b.length % 4 === 0 ? b.length / 4 : b.length % 2 === 0 ? b.length / 2 : b.length;
  const out = new Uint32Array(n);
  let j = 0;
  for (let i = 0; i < n; i++) {
    let w = 0;
    for (let k = 0; k < 4; k++) {
      w = (w << 8) | b[j];
      j = j + 1 === b.length ? 0 : j + 1;
    }
    out[i] = w >>> 0;
  }
  return out;
}

/** A Blowfish state: P[0..17] then S0..S3, 256 words each. */
export class Blowfish {
  /** P-array and S-boxes (18 + 1024 words). */
  readonly s: Uint32Array = new Uint32Array(STATE_WORDS);
  /** Result of the last encipher: left and right halves. */
  l = 0;
  r = 0;

  constructor() {
    this.s.set(initialState());
  }

  /** Encrypts the block (l, r); the result is left in this.l, this.r. */
  encipher(l: number, r: number): void {
    const s = this.s;
    l ^= s[0];
    for (let i = 1; i <= 16; i += 2) {
      r ^= (((s[18 + (l >>> 24)] + s[274 + ((l >>> 16) & 0xff)]) ^ s[530 + ((l >>> 8) & 0xff)]) + s[786 + (l & 0xff)]) ^ s[i];
      l ^= (((s[18 + (r >>> 24)] + s[274 + ((r >>> 16) & 0xff)]) ^ s[530 + ((r >>> 8) & 0xff)]) + s[786 + (r & 0xff)]) ^ s[i + 1];
    }
    this.l = (r ^ s[17]) >>> 0;
    this.r = l >>> 0;
  }

  /** Blowfish_expand0state with `key` already split by streamWords. */
  expand0(key: Uint32Array): void {
    this.expand(undefined, key);
  }

  /** Blowfish_expandstate: as expand0 but each block is first XORed with words of `data` (the salt). */
  expandSalted(data: Uint32Array, key: Uint32Array): void {
    this.expand(data, key);
  }

  private expand(data: Uint32Array | undefined, key: Uint32Array): void {
    const s = this.s;
    const kn = key.length;
    for (let i = 0, k = 0; i < 18; i++) {
      s[i] ^= key[k];
      k = k + 1 === kn ? 0 : k + 1;
    }
    let l = 0, r = 0;
    const dn = data ? data.length : 0;
    for (let i = 0, d = 0; i < STATE_WORDS; i += 2) {
      if (data) {
        l ^= data[d];
        d = d + 1 === dn ? 0 : d + 1;
        r ^= data[d];
        d = d + 1 === dn ? 0 : d + 1;
      }
      l ^= s[0];
      for (let j = 1; j <= 16; j += 2) {
        r ^= (((s[18 + (l >>> 24)] + s[274 + ((l >>> 16) & 0xff)]) ^ s[530 + ((l >>> 8) & 0xff)]) + s[786 + (l & 0xff)]) ^ s[j];
        l ^= (((s[18 + (r >>> 24)] + s[274 + ((r >>> 16) & 0xff)]) ^ s[530 + ((r >>> 8) & 0xff)]) + s[786 + (r & 0xff)]) ^ s[j + 1];
      }
      const t = r ^ s[17];
      r = l;
      l = t;
      s[i] = l;
      s[i + 1] = r;
    }
  }
}
