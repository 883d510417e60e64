// Benchmark cases for the sha family (SHA-1/2 and HMAC); see README.md for the shape.
// seashell's one-shots (hmac(), sha256()) against node:crypto (OpenSSL, SHA-NI on this kind of
// machine) and @noble/hashes (pure JS), each computing the same thing from scratch per call:
// "one-shot" HMAC rows key every call (two keying blocks + the message + two final blocks), for
// every implementation alike. "key prepared once" rows key once outside the timed call and copy
// the keyed state per call (seashell Hmac.copy(), @noble's clone()), as an SSH MAC context does;
// node:crypto's Hmac cannot be copied, so it is not in those rows. seashell's timed call includes
// copying the message into kernel memory and wiping it there afterwards.
import { createHash, createHmac } from 'node:crypto';
import { hmac as nobleHmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256, sha512 as nobleSha512 } from '@noble/hashes/sha2.js';
import { hmac, sha256, createHmac as seaHmac } from '@seashell/kernel';

const fill = (n, seed) => {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) { x = (x * 1103515245 + 12345) >>> 0; b[i] = x >>> 24; }
  return b;
};
const key32 = fill(32, 1);
const key64 = fill(64, 2);
const msg32k = fill(32768, 3);
const msg64 = fill(64, 4);
const msg1m = fill(1 << 20, 5);

const seaKeyed256 = seaHmac('sha256', key32);
const nobleKeyed256 = nobleHmac.create(nobleSha256, key32);

export const cases = [
  {
    name: 'hmac-sha2-256, 32 KiB, one-shot (keyed per call)',
    bytes: 32768,
    impls: {
      seashell: () => hmac('sha256', key32, msg32k),
      'node:crypto': () => createHmac('sha256', key32).update(msg32k).digest(),
      '@noble/hashes': () => nobleHmac(nobleSha256, key32, msg32k),
    },
    targets: [{ vs: '@noble/hashes', min: 4 }],
  },
  {
    name: 'hmac-sha2-256, 32 KiB, key prepared once (keyed state copied per call)',
    bytes: 32768,
    impls: {
      seashell: () => seaKeyed256.copy().update(msg32k).digest(),
      '@noble/hashes': () => nobleKeyed256.clone().update(msg32k).digest(),
    },
  },
  {
    name: 'hmac-sha2-512, 32 KiB, one-shot (keyed per call)',
    bytes: 32768,
    impls: {
      seashell: () => hmac('sha512', key64, msg32k),
      'node:crypto': () => createHmac('sha512', key64).update(msg32k).digest(),
      '@noble/hashes': () => nobleHmac(nobleSha512, key64, msg32k),
    },
    targets: [{ vs: '@noble/hashes', min: 4 }],
  },
  {
    name: 'hmac-sha2-256, 64-byte message, one-shot (keyed per call)',
    bytes: 0,
    impls: {
      seashell: () => hmac('sha256', key32, msg64),
      'seashell createHmac': () => seaHmac('sha256', key32).update(msg64).digest(),
      'node:crypto': () => createHmac('sha256', key32).update(msg64).digest(),
      '@noble/hashes': () => nobleHmac(nobleSha256, key32, msg64),
    },
  },
  {
    name: 'hmac-sha2-256, 64-byte message, key prepared once (keyed state copied per call)',
    bytes: 0,
    impls: {
      seashell: () => seaKeyed256.copy().update(msg64).digest(),
      '@noble/hashes': () => nobleKeyed256.clone().update(msg64).digest(),
    },
  },
  {
    name: 'sha256 1 MiB',
    bytes: 1 << 20,
    impls: {
      seashell: () => sha256(msg1m),
      'node:crypto': () => createHash('sha256').update(msg1m).digest(),
      '@noble/hashes': () => nobleSha256(msg1m),
    },
  },
];
