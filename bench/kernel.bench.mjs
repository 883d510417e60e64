#!/usr/bin/env node
// Kernel micro-benchmarks: every case's implementations measured in one run with tinybench,
// interleaved in rounds (this machine is noisy), medians reported as MiB/s or ns/op, and
// seashell's ratio against each other implementation. Writes results/kernel-node.json.
//   node bench/kernel.bench.mjs [--time MS] [--rounds N] [--filter TEXT]
import { Bench } from 'tinybench';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as chacha from './kernel/chacha.mjs';
import * as aes from './kernel/aes.mjs';
import * as sha from './kernel/sha.mjs';
import * as ctrmac from './kernel/ctrmac.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (flag, dflt) => {
  const i = process.argv.indexOf(flag);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const time = Number(arg('--time', '300'));
const rounds = Number(arg('--rounds', '3'));
const filter = arg('--filter', '');

const cases = [...chacha.cases, ...aes.cases, ...sha.cases, ...ctrmac.cases].filter((c) => c.name.includes(filter));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = [];
const loadAtStart = loadavg()[0];

for (const c of cases) {
  const samples = Object.fromEntries(Object.keys(c.impls).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [impl, fn] of Object.entries(c.impls)) {
      const bench = new Bench({ time, warmupTime: 50 });
      bench.add(impl, fn);
      await bench.run();
      const t = bench.tasks[0].result;
      const ns = (t.latency?.mean ?? t.mean) * 1e6; // ms -> ns
      samples[impl].push(ns);
    }
  }
  const nsPerOp = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
  const mibs = c.bytes ? Object.fromEntries(Object.entries(nsPerOp).map(([k, ns]) => [k, c.bytes / (ns / 1e9) / 1048576])) : undefined;
  const ratios = Object.fromEntries(
    Object.keys(nsPerOp).filter((k) => k !== 'seashell').map((k) => [k, nsPerOp[k] / nsPerOp.seashell]),
  );
  const row = { name: c.name, bytes: c.bytes, nsPerOp, mibs, ratios, targets: c.targets ?? [] };
  results.push(row);
  const parts = Object.keys(nsPerOp).map((k) =>
    c.bytes ? `${k} ${mibs[k].toFixed(0)} MiB/s` : `${k} ${nsPerOp[k].toFixed(0)} ns/op`,
  );
  const ratioText = Object.entries(ratios).map(([k, x]) => {
    const t = row.targets.find((t) => t.vs === k);
    return `${x.toFixed(2)}x ${k}${t ? (x >= t.min ? ` (target ${t.min}x: met)` : ` (target ${t.min}x: MISSED)`) : ''}`;
  });
  console.log(`${c.name}\n  ${parts.join(' | ')}\n  seashell: ${ratioText.join(', ')}`);
}

mkdirSync(join(here, 'results'), { recursive: true });
// The load average goes into the notes: on a shared machine absolute numbers move a lot (ratios less).
const out = {
  runtime: `node ${process.version}`,
  date: new Date().toISOString(),
  command: ['node bench/kernel.bench.mjs', ...process.argv.slice(2)].join(' '),
  title: 'Kernel (single thread, seal+open per packet, interleaved rounds, medians)',
  notes: `Load average (1 min) ${loadAtStart.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end; ${cpus().length} cores, ` +
    `${cpus()[0]?.model.trim() ?? 'unknown CPU'}. node:crypto is OpenSSL (AES-NI, SHA-NI, AVX2 where the CPU has them); ` +
    'the kernel is wasm SIMD128 and constant-time AES.',
  results,
};
writeFileSync(join(here, 'results/kernel-node.json'), JSON.stringify(out, null, 2) + '\n');
console.log(`\nwrote bench/results/kernel-node.json (${results.length} cases)`);
