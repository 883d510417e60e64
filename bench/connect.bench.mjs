#!/usr/bin/env node
// End-to-end connection benchmarks (issue 3, "Speed"), on loopback, one connection at a time:
//  (a) the same client (the ssh2 package) against `seashell serve` and against OpenSSH's sshd:
//      TCP connect + key exchange + ed25519 publickey auth + exec `true` + close;
//  (b) our client (@seashell/node connect) against the ssh2 client, both against the same sshd:
//      connect + auth (client ready), and connect + auth + exec `true` (exit status received).
// Sides alternate in rounds (A B A B ...) because this machine is shared and noisy; medians
// are reported. Writes results/connect.json in the shape readme-table.mjs renders.
//   node bench/connect.bench.mjs [--count N] [--rounds R] [--warmup W] [--only a|b]
// Needs `npm run build` (packages/*/dist) and sshd + ssh-keygen on PATH.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { cpus, loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import ssh2 from 'ssh2';
import { connect as seashellConnect } from '@seashell/node';
import { benchKeys, startSshd, startSeashellServe, processCpuMs } from './lib/servers.mjs';
import { parsePublicKeyBlob } from './lib/keys.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (flag, dflt) => {
  const i = process.argv.indexOf(flag);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const count = Number(arg('--count', '10'));
const rounds = Number(arg('--rounds', '5'));
const warmup = Number(arg('--warmup', '3'));
const only = arg('--only', '');
for (const [n, v] of [['--count', count], ['--rounds', rounds], ['--warmup', warmup]]) {
  if (!Number.isInteger(v) || v < (n === '--warmup' ? 0 : 1)) throw new RangeError(`${n} must be a positive integer, got ${v}`);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (ns) => `${(ns / 1e6).toFixed(2)} ms`;
const rate = (ns) => 1e9 / ns;

setFlagsFromString('--expose-gc');
/** A full garbage collection now (V8's gc(), made available without a command-line flag). */
const gc = runInNewContext('gc');

const keys = benchKeys();
const hostBlob = parsePublicKeyBlob(keys.host.publicLine);
const sameKey = (blob) => Buffer.compare(Buffer.from(blob), hostBlob) === 0;

/** ssh2 client: connect, authenticate, optionally exec `true`, end; resolves with timestamps (ms). */
function ssh2Once(server, { exec }) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const times = { ready: 0, exec: 0, closed: 0 };
    const c = new ssh2.Client();
    let failed = false;
    c.on('error', (e) => { failed = true; reject(e); });
    c.on('ready', () => {
      times.ready = performance.now() - t0;
      if (!exec) return c.end();
      c.exec('true', (err, stream) => {
        if (err) { failed = true; reject(err); return c.end(); }
        let code = null;
        stream.on('exit', (c0) => { code = c0; });
        stream.on('close', () => {
          times.exec = performance.now() - t0;
          if (code !== 0) { failed = true; reject(new Error(`true exited with ${code}`)); }
          c.end();
        });
        stream.resume();
        stream.stderr.resume();
      });
    });
    c.on('close', () => {
      times.closed = performance.now() - t0;
      if (!failed) resolve(times);
    });
    c.connect({
      host: server.host,
      port: server.port,
      username: keys.user,
      privateKey: keys.client.privateKey,
      hostVerifier: (key) => sameKey(key),
      readyTimeout: 20_000,
    });
  });
}

/** Our client: connect + authenticate, exec `true`, close; resolves with timestamps (ms). */
async function seashellOnce(server, { exec, cryptoBackend = 'fastest' }) {
  const t0 = performance.now();
  const times = { ready: 0, exec: 0, closed: 0 };
  const c = await seashellConnect({
    cryptoBackend,
    host: server.host,
    port: server.port,
    username: keys.user,
    privateKey: keys.client.privateKey,
    hostVerifier: (info) => sameKey(info.key),
  });
  times.ready = performance.now() - t0;
  try {
    if (exec) {
      const r = await c.exec('true');
      if (r.code !== 0) throw new Error(`true exited with ${r.code}: ${r.stderr}`);
      times.exec = performance.now() - t0;
    }
  } finally {
    await c.close();
  }
  times.closed = performance.now() - t0;
  return times;
}

/**
 * Runs sides interleaved: each round runs `count` sequential connections per side, sides in turn.
 * Besides the wall times, adds up CPU per connection: this process's (the client's) and, for a
 * side given a server pid, the server's with its reaped children (sshd's per-connection
 * processes, the shells). CPU does not depend on how loaded the machine is; wall time does.
 */
async function interleave(sides, label, serverPids = {}) {
  const samples = Object.fromEntries(Object.keys(sides).map((k) => [k, []]));
  const cpu = Object.fromEntries(Object.keys(sides).map((k) => [k, { client: 0, server: 0, n: 0 }]));
  for (const [name, fn] of Object.entries(sides)) for (let i = 0; i < warmup; i++) await fn();
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? Object.keys(sides).reverse() : Object.keys(sides);
    for (const name of order) {
      const pid = serverPids[name];
      // Collect garbage at both ends of a side's window, so each side's CPU includes collecting
      // its own garbage and none of the side before it (@noble's BigInt 'portable' runs make a lot).
      gc();
      const c0 = process.cpuUsage();
      const s0 = pid ? processCpuMs(pid) : undefined;
      for (let i = 0; i < count; i++) samples[name].push(await sides[name]());
      gc();
      const c1 = process.cpuUsage(c0);
      await new Promise((res) => setTimeout(res, 150)); // let the server reap its children
      const s1 = pid ? processCpuMs(pid) : undefined;
      cpu[name].client += (c1.user + c1.system) / 1000;
      if (s0 !== undefined && s1 !== undefined) cpu[name].server += s1 - s0;
      cpu[name].n += count;
    }
    load.push(loadavg()[0]);
    process.stdout.write(`  ${label}: round ${r + 1}/${rounds}\r`);
  }
  process.stdout.write('\n');
  const cpuPerConn = Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, { client: v.client / v.n, server: serverPids[k] ? v.server / v.n : undefined }]));
  return { samples, cpu: cpuPerConn };
}

const results = [];
const notes = [];
/** 1-minute load average after each round: wall times on a busy machine stretch, CPU times do not. */
const load = [];
const started = Date.now();
const sshd = await startSshd(keys);
let serve;
try {
  if (only !== 'b') {
    serve = await startSeashellServe(keys);
    console.log(`(a) ssh2 client, connect + auth + exec true + close: seashell serve (port ${serve.port}) vs sshd (port ${sshd.port}), ${rounds} rounds x ${count}`);
    const { samples: s, cpu } = await interleave({
      seashell: () => ssh2Once(serve, { exec: true }),
      sshd: () => ssh2Once(sshd, { exec: true }),
    }, '(a)', { seashell: serve.pid, sshd: sshd.pid });
    const ns = { seashell: median(s.seashell.map((t) => t.closed)) * 1e6, sshd: median(s.sshd.map((t) => t.closed)) * 1e6 };
    const ratio = ns.sshd / ns.seashell;
    console.log(`  seashell serve ${ms(ns.seashell)} (${rate(ns.seashell).toFixed(1)} conn/s) | sshd ${ms(ns.sshd)} (${rate(ns.sshd).toFixed(1)} conn/s)`);
    console.log(`  seashell serve: ${ratio.toFixed(2)}x sshd's rate (target 3x: ${ratio >= 3 ? 'met' : 'MISSED'})`);
    results.push({
      name: 'connect + auth + exec true + close (ssh2 client): seashell serve vs sshd',
      bytes: 0,
      nsPerOp: ns,
      ratios: { sshd: ratio },
      targets: [{ vs: 'sshd', min: 3 }],
    });
    console.log(`  server CPU per connection: seashell serve ${cpu.seashell.server.toFixed(1)} ms | sshd ${cpu.sshd.server.toFixed(1)} ms (ssh2 client: ${cpu.seashell.client.toFixed(1)} / ${cpu.sshd.client.toFixed(1)} ms)`);
    if (cpu.seashell.server > 0 && cpu.sshd.server > 0) {
      results.push({
        name: 'server CPU per connection (user + system, incl. children), same run',
        bytes: 0,
        nsPerOp: { seashell: cpu.seashell.server * 1e6, sshd: cpu.sshd.server * 1e6 },
        ratios: { sshd: cpu.sshd.server / cpu.seashell.server },
        targets: [],
      });
    }
    notes.push(`seashell serve ${rate(ns.seashell).toFixed(1)} connections/s, sshd ${rate(ns.sshd).toFixed(1)} connections/s (ssh2 client, ed25519 host and user keys, curve25519-sha256, sequential, loopback); server CPU per connection ${cpu.seashell.server.toFixed(1)} ms vs ${cpu.sshd.server.toFixed(1)} ms, ssh2 client CPU per connection ${cpu.seashell.client.toFixed(1)} ms.`);
    await serve.stop();
    serve = undefined;
  }

  if (only !== 'a') {
    console.log(`(b) against sshd (port ${sshd.port}): our client vs the ssh2 client, ${rounds} rounds x ${count}`);
    const { samples: s, cpu } = await interleave({
      seashell: () => seashellOnce(sshd, { exec: true }),
      ssh2: () => ssh2Once(sshd, { exec: true }),
      // our client with cryptoBackend 'portable' (kernel + @noble only, as on other runtimes)
      portable: () => seashellOnce(sshd, { exec: true, cryptoBackend: 'portable' }),
    }, '(b)');
    console.log(`  client CPU per connection (connect + auth + exec + close): seashell ${cpu.seashell.client.toFixed(1)} ms | ssh2 ${cpu.ssh2.client.toFixed(1)} ms | seashell portable ${cpu.portable.client.toFixed(1)} ms`);
    results.push({
      name: 'client CPU per connection (connect + auth + exec true + close) against sshd',
      bytes: 0,
      nsPerOp: { seashell: cpu.seashell.client * 1e6, ssh2: cpu.ssh2.client * 1e6, 'seashell portable': cpu.portable.client * 1e6 },
      ratios: { ssh2: cpu.ssh2.client / cpu.seashell.client, 'seashell portable': cpu.portable.client / cpu.seashell.client },
      targets: [],
    });
    for (const [what, field] of [['connect + auth', 'ready'], ['connect + auth + exec true', 'exec']]) {
      const ns = { seashell: median(s.seashell.map((t) => t[field])) * 1e6, ssh2: median(s.ssh2.map((t) => t[field])) * 1e6, 'seashell portable': median(s.portable.map((t) => t[field])) * 1e6 };
      const ratio = ns.ssh2 / ns.seashell;
      console.log(`  ${what}: seashell ${ms(ns.seashell)} | ssh2 ${ms(ns.ssh2)} | seashell portable ${ms(ns['seashell portable'])} | seashell ${ratio.toFixed(2)}x ssh2's rate (target 1x: ${ratio >= 1 ? 'met' : 'MISSED'})`);
      results.push({
        name: `${what} against sshd: our client vs ssh2`,
        bytes: 0,
        nsPerOp: ns,
        ratios: { ssh2: ratio, 'seashell portable': ns['seashell portable'] / ns.seashell },
        targets: [{ vs: 'ssh2', min: 1 }],
      });
    }
  }
} finally {
  await serve?.stop();
  await sshd.stop();
}

notes.push(`Medians of ${rounds} interleaved rounds x ${count} sequential connections per side (after ${warmup} warm-up connections each); times in ns per connection.`);
notes.push('The ssh2 client runs with its defaults (Nagle on), and sshd runs exec sessions with Nagle on: both servers and clients have to answer each other\'s flights promptly or wait for a delayed ACK (about 40 ms on Linux).');
if (load.length) {
  const avg = load.reduce((a, b) => a + b, 0) / load.length;
  notes.push(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, shared; 1-minute load average ${avg.toFixed(1)} on average over the rounds (${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)}).`);
  console.log(`load average over the rounds: ${avg.toFixed(1)} (${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)})`);
}
mkdirSync(join(here, 'results'), { recursive: true });
const out = {
  title: 'Connections (loopback, sequential)',
  runtime: `node ${process.version}`,
  date: new Date().toISOString(),
  command: `npm run bench:connect${process.argv.slice(2).length ? ' -- ' + process.argv.slice(2).join(' ') : ''}`,
  results,
  notes: notes.join(' '),
};
if (results.length) {
  writeFileSync(join(here, 'results/connect.json'), JSON.stringify(out, null, 2) + '\n');
  console.log(`wrote bench/results/connect.json (${results.length} cases, ${((Date.now() - started) / 1000).toFixed(0)} s)`);
}
