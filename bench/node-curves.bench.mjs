#!/usr/bin/env node
// The per-connection public-key operations that @seashell/node can move to node:crypto (OpenSSL):
// X25519 key generation + shared secret (curve25519-sha256, once per key exchange on each side),
// ssh-ed25519 signing and signature verification (host key and user key),
// @noble/curves (what core uses everywhere) against node:crypto. Interleaved rounds, medians.
// Writes results/node-curves.json.   node bench/node-curves.bench.mjs [--time MS] [--rounds N]
import { Bench } from 'tinybench';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { ed25519Verifier, generateKey, signersFor } from '@seashell/core';
import { nodeEd25519Verifier, nodeSigners, nodeX25519 } from '@seashell/node';
import { x25519 } from '@noble/curves/ed25519.js';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (flag, dflt) => {
  const i = process.argv.indexOf(flag);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const time = Number(arg('--time', '300'));
const rounds = Number(arg('--rounds', '3'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const peer = x25519.getPublicKey(randomBytes(32));
const x25519Op = (impl) => () => {
  const s = randomBytes(32);
  impl.getPublicKey(s);
  return impl.getSharedSecret(s, peer);
};
const key = generateKey({ type: 'ed25519' });
const [signer] = signersFor(key);
const data = randomBytes(32);
const sig = signer.sign(data);
const verifyOp = (v) => () => {
  if (!v.verify(signer.publicBlob, data, sig)) throw new Error('verify failed');
};

const [nodeSigner] = nodeSigners(key);
const signOp = (sgn) => () => sgn.sign(data);

const cases = [
  { name: 'ssh-ed25519 signing (host key on the server, user key on the client)', impls: { seashell: signOp(signer), 'node:crypto': signOp(nodeSigner) } },
  { name: 'X25519 keygen + shared secret (curve25519-sha256, one side)', impls: { seashell: x25519Op(x25519), 'node:crypto': x25519Op(nodeX25519) } },
  { name: 'ssh-ed25519 signature verification', impls: { seashell: verifyOp(ed25519Verifier), 'node:crypto': verifyOp(nodeEd25519Verifier) } },
];
const results = [];
for (const c of cases) {
  const samples = Object.fromEntries(Object.keys(c.impls).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(c.impls)) {
      const b = new Bench({ time, warmupTime: 50 });
      b.add(name, fn);
      await b.run();
      const t = b.tasks[0].result;
      samples[name].push((t.latency?.mean ?? t.mean) * 1e6);
    }
  }
  const nsPerOp = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
  const ratios = { 'node:crypto': nsPerOp['node:crypto'] / nsPerOp.seashell };
  results.push({ name: `${c.name} (seashell = @noble/curves)`, bytes: 0, nsPerOp, ratios, targets: [] });
  console.log(`${c.name}\n  @noble/curves ${(nsPerOp.seashell / 1000).toFixed(1)} µs | node:crypto ${(nsPerOp['node:crypto'] / 1000).toFixed(1)} µs`);
}
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results/node-curves.json'), JSON.stringify({
  title: 'Per-connection public-key operations: @noble/curves vs node:crypto',
  runtime: `node ${process.version}`,
  date: new Date().toISOString(),
  command: `node bench/node-curves.bench.mjs${process.argv.slice(2).length ? ' ' + process.argv.slice(2).join(' ') : ''}`,
  results,
  notes: 'Ratios are node:crypto/noble time: below 1 means node:crypto is faster. @seashell/node uses node:crypto for these by default (cryptoBackend: "portable" turns it off).',
}, null, 2) + '\n');
console.log('wrote bench/results/node-curves.json');
