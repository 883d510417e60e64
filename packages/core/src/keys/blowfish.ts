// Blowfish (Schneier, FSE 1993) as bcrypt uses it: the "eksblowfish" key schedule steps of
// OpenBSD's blf.c, i.e. Blowfish_initstate, Blowfish_expandstate (salted) and
// Blowfish_expand0state, plus ECB encryption of 64-bit blocks held as two big-endian words.
// Only bcrypt_pbkdf (bcrypt-pbkdf.ts) uses this; it is not offered as an SSH cipher.
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

/** A Blowfish state: P[0..17] then S0..S3, 256 words each. */
export class Blowfish {
  /** P-array and S-boxes (18 + 1024 words). */
  readonly s: Uint32Array = new Uint32Array(STATE_WORDS);
  /** Output of the last encipher call: [left, right]. */
  private readonly out = new Uint32Array(2);

  constructor() {
    this.s.set(initialState());
  }

  /** Encrypts the block (l, r); the result is in out[0], out[1]. */
  encipher(l: number, r: number): Uint32Array {
    const s = this.s;
    l ^= s[0];
    for (let i = 1; i <= 16; i += 2) {
      r ^= (((s[18 + (l >>> 24)] + s[274 + ((l >>> 16) & 0xff)]) ^ s[530 + ((l >>> 8) & 0xff)]) + s[786 + (l & 0xff)]) ^ s[i];
      l ^= (((s[18 + (r >>> 24)] + s[274 + ((r >>> 16) & 0xff)]) ^ s[530 + ((r >>> 8) & 0xff)]) + s[786 + (r & 0xff)]) ^ s[i + 1];
    }
    this.out[0] = r ^ s[17];
    this.out[1] = l;
    return this.out;
  }

  /** Blowfish_expand0state: mixes `key` into P, then re-derives P and S by chained encryption. */
  expand0(key: Uint8Array): void {
    this.expand(undefined, key);
  }

  /** Blowfish_expandstate: as expand0 but each block is first XORed with words of `data` (the salt). */
  expandSalted(data: Uint8Array, key: Uint8Array): void {
    this.expand(data, key);
  }

  private expand(data: Uint8Array | undefined, key: Uint8Array): void {
    if (key.length === 0 || (data && data.length === 0)) throw new RangeError('Blowfish key and salt must not be empty');
    const s = this.s;
    const kc = { j: 0 };
    for (let i = 0; i < 18; i++) s[i] ^= streamWord(key, kc);
    const dc = { j: 0 };
    let l = 0, r = 0;
    for (let i = 0; i < STATE_WORDS; i += 2) {
      if (data) {
        l ^= streamWord(data, dc);
        r ^= streamWord(data, dc);
      }
      const o = this.encipher(l, r);
      l = o[0];
      r = o[1];
      s[i] = l;
      s[i + 1] = r;
    }
  }
}

/** The next big-endian 32-bit word of `b`, wrapping around at its end (blf.c Blowfish_stream2word). */
export function streamWord(b: Uint8Array, c: { j: number }): number {
  let w = 0;
  for (let i = 0; i < 4; i++) {
    if (c.j >= b.length) c.j = 0;
    w = (w << 8) | b[c.j++];
  }
  return w >>> 0;
}
