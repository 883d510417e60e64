// Known-answer checks for the sha family: SHA-1/256/512 (FIPS 180-4 examples, including one
// million 'a', generated here from its definition) and HMAC (RFC 2202 for SHA-1, RFC 4231 test
// cases 1-7 for SHA-256/512, case 5 truncated to 128 bits as the RFC says). Each vector is
// checked through the one-shot functions and through createHash/createHmac with the message fed
// in uneven pieces, so both kernel paths are covered.
import type { VectorRun } from './harness.ts';
import { hex, toHex, equal } from './harness.ts';
import { hash, hmac, createHash, createHmac, type HashAlgorithm } from '../../src/sha.ts';

interface ShaFile {
  vectors: { alg: HashAlgorithm; name: string; msg: string; digest: string }[];
  millionA: { alg: HashAlgorithm; digest: string }[];
}
interface Rfc4231File { tests: { case: number; key: string; data: string; truncate?: number; sha256: string; sha512: string }[] }
interface Rfc2202File { tests: { case: number; key: string; data: string; digest: string; digest96?: string }[] }

/** Feeds msg to obj in pieces of 1, 2, 3, ... bytes (uneven splits across block boundaries). */
function pieces<T extends { update(d: Uint8Array): unknown }>(obj: T, msg: Uint8Array): T {
  for (let off = 0, step = 1; off < msg.length; off += step, step++) obj.update(msg.subarray(off, off + step));
  return obj;
}

export function run(t: VectorRun): void {
  const sha = t.json<ShaFile>('sha.json');
  for (const v of sha.vectors) {
    const msg = hex(v.msg);
    const want = hex(v.digest);
    t.check(`FIPS 180-4 ${v.alg} ${v.name} one-shot`, equal(hash(v.alg, msg), want));
    t.check(`FIPS 180-4 ${v.alg} ${v.name} streaming`, equal(pieces(createHash(v.alg), msg).digest(), want));
  }
  const million = new Uint8Array(1_000_000).fill(0x61);
  for (const v of sha.millionA) {
    const want = hex(v.digest);
    // One-shot: larger than the kernel's IO buffer, so it also covers chunked streaming.
    t.check(`FIPS 180-4 ${v.alg} one million 'a' one-shot`, equal(hash(v.alg, million), want));
    const h = createHash(v.alg);
    for (let off = 0; off < million.length; off += 1000) h.update(million.subarray(off, off + 1000));
    t.check(`FIPS 180-4 ${v.alg} one million 'a' in 1000-byte updates`, toHex(h.digest()) === v.digest);
  }

  for (const c of t.json<Rfc4231File>('hmac-rfc4231.json').tests) {
    const key = hex(c.key);
    const data = hex(c.data);
    for (const alg of ['sha256', 'sha512'] as const) {
      const want = hex(c[alg]);
      const n = c.truncate ?? want.length;
      t.check(`RFC 4231 case ${c.case} HMAC-${alg} one-shot`, equal(hmac(alg, key, data).subarray(0, n), want));
      t.check(`RFC 4231 case ${c.case} HMAC-${alg} streaming`, equal(pieces(createHmac(alg, key), data).digest().subarray(0, n), want));
    }
  }

  for (const c of t.json<Rfc2202File>('hmac-rfc2202.json').tests) {
    const key = hex(c.key);
    const data = hex(c.data);
    const mac = hmac('sha1', key, data);
    t.check(`RFC 2202 case ${c.case} HMAC-SHA-1 one-shot`, equal(mac, hex(c.digest)));
    t.check(`RFC 2202 case ${c.case} HMAC-SHA-1 streaming`, equal(pieces(createHmac('sha1', key), data).digest(), hex(c.digest)));
    if (c.digest96) t.check(`RFC 2202 case ${c.case} HMAC-SHA-1-96`, equal(mac.subarray(0, 12), hex(c.digest96)));
  }
}
