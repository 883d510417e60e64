#!/usr/bin/env node
// End-to-end SFTP benchmark against a loopback OpenSSH sshd started here (issue 4 "Speed"):
//   download: `seashell get FILE /dev/null` vs OpenSSH `sftp` (get FILE /dev/null) vs ssh2 fastGet
//   upload:   `seashell put` vs `sftp put` vs ssh2 fastPut (concurrency 64, 32 KiB chunks)
//   for chacha20-poly1305@openssh.com and aes128-gcm@openssh.com; client CPU (user + sys of the
//   client processes: for OpenSSH, sftp and its ssh child) per GiB; OpenSSH sftp downloading from
//   `seashell serve` vs from sshd; peak RSS of `seashell get`.
// Every client is its own process, timed with /usr/bin/time (wall, user, sys, max RSS). The runs
// are interleaved (A B C A B C ...) over --rounds and medians reported: the machine is noisy.
// Before timing, one `seashell get` to a file and one `seashell put` are checked with sha256.
// Writes bench/results/sftp-node.json for readme-table.mjs.
//   node bench/sftp.bench.mjs [--size MiB (1024)] [--rounds N (3)] [--ciphers a,b] [--kinds download,upload,serve] [--no-verify]
// With --kinds or --ciphers narrowed, the results are printed but bench/results/sftp-node.json is
// left alone (README's table must come from the full run).
// Needs the build (npm run build), sshd, sftp, ssh-keygen and /usr/bin/time.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SFTP, sampleTreeCpu, sshOptions, startSshd } from './lib/sshd.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const CLI = join(here, '..', 'packages', 'node', 'dist', 'cli.js');
const SSH2 = join(here, 'lib', 'ssh2-transfer.mjs');
const TIME = '/usr/bin/time';
const arg = (flag, dflt) => {
  const i = process.argv.indexOf(flag);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const sizeMiB = Number(arg('--size', '1024'));
const rounds = Number(arg('--rounds', '3'));
const ciphers = arg('--ciphers', 'chacha20-poly1305@openssh.com,aes128-gcm@openssh.com').split(',');
const kinds = arg('--kinds', 'download,upload,serve').split(',');
const verify = !process.argv.includes('--no-verify');
const fullRun = process.argv.indexOf('--kinds') < 0 && process.argv.indexOf('--ciphers') < 0;
const SIZE = sizeMiB * 1024 * 1024;
const GiB = 1024 ** 3;
for (const [what, p] of [['the CLI build (npm run build)', CLI], ['sftp', SFTP], ['/usr/bin/time', TIME]]) {
  if (!p || !existsSync(p)) {
    console.error(`sftp bench: ${what} is missing`);
    process.exit(1);
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const short = (c) => c.replace(/@openssh\.com$/, '');

/** Runs argv under /usr/bin/time; resolves with wall seconds, CPU seconds (user + sys, children included) and max RSS (KiB). */
function timed(argv, { input, env } = {}) {
  return new Promise((resolve, reject) => {
    const marker = '@@time';
    const child = spawn(TIME, ['-f', `${marker} %e %U %S %M`, ...argv], { stdio: ['pipe', 'ignore', 'pipe'], env: env ?? process.env });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdin.end(input ?? '');
    const t0 = performance.now();
    child.on('close', (code) => {
      const wall = (performance.now() - t0) / 1000;
      const m = new RegExp(`${marker} ([\\d.]+) ([\\d.]+) ([\\d.]+) (\\d+)`).exec(err);
      if (code !== 0 || !m) return reject(new Error(`${argv.slice(0, 3).join(' ')} ... failed (${code}): ${err.trim().slice(-800)}`));
      resolve({ wall, cpu: Number(m[2]) + Number(m[3]), rssKiB: Number(m[4]) });
    });
  });
}

function sha256File(path) {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path, { highWaterMark: 1 << 20 })
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

/** Starts `seashell serve` on a free port; resolves with { port, stop }. */
function startServe(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'serve', '--listen', '127.0.0.1:0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (d) => {
      out += d;
      const m = /listening on [\d.]+:(\d+)[\s\S]*stop with Ctrl-C/.exec(out);
      if (m) {
        child.stdout.off('data', onData);
        resolve({
          port: Number(m[1]),
          pid: child.pid,
          stop: () =>
            new Promise((r) => {
              child.once('exit', r);
              child.kill('SIGTERM');
            }),
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => (out += d));
    child.once('exit', (code) => reject(new Error(`seashell serve exited with ${code}: ${out}`)));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'seashell-sftp-bench-'));
const file = join(dir, 'big.bin');
let sshd;
let serve;
try {
  // the file: random 1 MiB blocks, so every block differs (a misplaced chunk changes the hash)
  const h = createHash('sha256');
  const fd = openSync(file, 'w');
  for (let off = 0; off < SIZE; off += 1 << 20) {
    const b = randomBytes(Math.min(1 << 20, SIZE - off));
    h.update(b);
    writeSync(fd, b);
  }
  closeSync(fd);
  const fileHash = h.digest('hex');

  sshd = await startSshd();
  const user = sshd.user;
  const conn = (port, known, cipher) => ['-p', String(port), '-i', sshd.clientKey, '-o', `UserKnownHostsFile=${known}`, '-c', cipher, '-q'];
  serve = await startServe(['--authorized-keys', join(sshd.dir, 'authorized_keys'), '--host-key', sshd.hostKeyFile, '--root', dir]);
  const serveKnown = join(dir, 'known_hosts_serve');
  writeFileSync(serveKnown, readFileSync(sshd.knownHostsFile, 'utf8').replace(`]:${sshd.port} `, `]:${serve.port} `));
  // Node clients (seashell, ssh2) run without NODE_EXTRA_CA_CERTS: Node 20 parses that CA bundle at
  // every start (~50 ms of CPU per run where it is set), a TLS setting no SSH client here uses.
  const nodeEnv = { ...process.env };
  delete nodeEnv.NODE_EXTRA_CA_CERTS;
  const env = { ...nodeEnv, SEASHELL_NO_PROGRESS: '1' };
  const upTarget = join(dir, 'upload.bin');

  const seashellGet = (cipher, out = '/dev/null') => timed([process.execPath, CLI, 'get', ...conn(sshd.port, sshd.knownHostsFile, cipher), `${user}@127.0.0.1:${file}`, out], { env });
  const seashellPut = (cipher) => timed([process.execPath, CLI, 'put', ...conn(sshd.port, sshd.knownHostsFile, cipher), file, `${user}@127.0.0.1:${upTarget}`], { env });
  const sftpBatch = (port, known, cipher, cmd) => timed([SFTP, ...sshOptions({ clientKey: sshd.clientKey, knownHostsFile: known }, cipher), '-q', '-b', '-', '-P', String(port), `${user}@127.0.0.1`], { input: `${cmd}\n` });
  const ssh2 = (op, cipher, remote, local) => timed([process.execPath, SSH2, op, '127.0.0.1', String(sshd.port), user, sshd.clientKey, cipher, remote, local], { env: nodeEnv });

  if (verify) {
    const down = join(dir, 'verify.bin');
    await seashellGet(ciphers[0], down);
    if ((await sha256File(down)) !== fileHash) throw new Error('seashell get: sha256 differs');
    rmSync(down);
    await seashellPut(ciphers[0]);
    if ((await sha256File(upTarget)) !== fileHash) throw new Error('seashell put: sha256 differs');
    console.log(`verified: seashell get and put of ${sizeMiB} MiB with sha256 equal`);
  }

  // cases: name -> impl -> () => run
  const cases = [];
  for (const c of ciphers) {
    cases.push({
      name: `download ${short(c)}`,
      cipher: c,
      kind: 'download',
      impls: {
        seashell: () => seashellGet(c),
        'OpenSSH sftp': () => sftpBatch(sshd.port, sshd.knownHostsFile, c, `get ${file} /dev/null`),
        'ssh2 fastGet': () => ssh2('get', c, file, '/dev/null'),
      },
    });
    cases.push({
      name: `upload ${short(c)}`,
      cipher: c,
      kind: 'upload',
      impls: {
        seashell: () => seashellPut(c),
        'OpenSSH sftp': () => sftpBatch(sshd.port, sshd.knownHostsFile, c, `put ${file} ${upTarget}`),
        'ssh2 fastPut': () => ssh2('put', c, upTarget, file),
      },
    });
    cases.push({
      name: `sftp from serve ${short(c)}`,
      cipher: c,
      kind: 'serve',
      impls: {
        seashell: () => sftpBatch(serve.port, serveKnown, c, `get /big.bin /dev/null`),
        sshd: () => sftpBatch(sshd.port, sshd.knownHostsFile, c, `get ${file} /dev/null`),
      },
    });
  }

  for (let i = cases.length - 1; i >= 0; i--) if (!kinds.includes(cases[i].kind)) cases.splice(i, 1);
  const samples = new Map(cases.map((c) => [c.name, Object.fromEntries(Object.keys(c.impls).map((k) => [k, []]))]));
  const load = [];
  for (let r = 0; r < rounds; r++) {
    for (const c of cases) {
      for (const [impl, fn] of Object.entries(c.impls)) {
        load.push(loadavg()[0]);
        // Every upload goes to a path that does not exist yet: the previous client's 1 GiB file,
        // still dirty in the page cache, would otherwise be written back during the next run and
        // throttle sshd's writes. That penalised seashell put alone, which writes a temporary
        // file and renames it over the old one (OpenSSH sftp truncates in place, dropping the
        // dirty pages at once). Measured here: ~115 vs ~230 MiB/s for the same seashell put.
        if (c.kind === 'upload') for (const f of [upTarget, `${upTarget}.seashell-part`]) rmSync(f, { force: true });
        // server CPU: seashell serve's own (it serves in-process), or sshd's listener with its
        // session processes and their internal-sftp children, sampled while they run
        const serverPid = c.kind === 'serve' && impl === 'seashell' ? serve.pid : sshd.pid;
        const sampler = sampleTreeCpu(serverPid);
        const s = await fn();
        if (serverPid === sshd.pid) await sshd.sessionsDone();
        s.serverCpu = sampler.stop();
        samples.get(c.name)[impl].push(s);
        console.log(`round ${r + 1}/${rounds}  ${c.name.padEnd(34)} ${impl.padEnd(14)} ${((SIZE / (1 << 20)) / s.wall).toFixed(0).padStart(5)} MiB/s  cpu ${(s.cpu / (SIZE / GiB)).toFixed(2)} s/GiB  server cpu ${(s.serverCpu / (SIZE / GiB)).toFixed(2)} s/GiB  rss ${(s.rssKiB / 1024).toFixed(0)} MB`);
      }
    }
  }

  const results = [];
  const med = (xs, f) => median(xs.map(f));
  const targetsFor = (kind, impl) => {
    if (kind === 'download' || kind === 'upload') return impl.startsWith('ssh2') ? 1.5 : 1.0;
    return 0.8;
  };
  for (const c of cases) {
    const s = samples.get(c.name);
    const impls = Object.keys(s);
    const nsPerOp = Object.fromEntries(impls.map((k) => [k, med(s[k], (x) => x.wall) * 1e9]));
    const mibs = Object.fromEntries(impls.map((k) => [k, SIZE / (nsPerOp[k] / 1e9) / (1 << 20)]));
    const ratios = Object.fromEntries(impls.filter((k) => k !== 'seashell').map((k) => [k, nsPerOp[k] / nsPerOp.seashell]));
    const label = c.kind === 'serve' ? `OpenSSH sftp download from seashell serve vs sshd, ${short(c.cipher)}` : `${c.kind} ${short(c.cipher)}, ${sizeMiB} MiB`;
    results.push({ name: label, bytes: SIZE, nsPerOp, mibs, ratios, targets: impls.filter((k) => k !== 'seashell').map((k) => ({ vs: k, min: targetsFor(c.kind, k) })) });
    if (c.kind === 'download' || c.kind === 'upload') {
      const cpu = Object.fromEntries(impls.map((k) => [k, med(s[k], (x) => x.cpu) / (SIZE / GiB)]));
      results.push({
        name: `client CPU per GiB, ${c.kind} ${short(c.cipher)}`,
        unit: 'CPU s/GiB',
        values: cpu,
        // ratio = their CPU / ours: >= 0.83 means ours is at most 1.2x theirs
        ratios: Object.fromEntries(impls.filter((k) => k !== 'seashell').map((k) => [k, cpu[k] / cpu.seashell])),
        // issue 4 sets the CPU target for downloads only; uploads show the ratio without one
        targets: c.kind === 'download' ? [{ vs: 'OpenSSH sftp', min: 0.83, label: 'CPU at most 1.2x OpenSSH sftp+ssh' }] : [],
      });
    }
    {
      const server = Object.fromEntries(impls.map((k) => [k, med(s[k], (x) => x.serverCpu) / (SIZE / GiB)]));
      const what = c.kind === 'serve' ? `server CPU per GiB, OpenSSH sftp download from seashell serve vs sshd, ${short(c.cipher)}` : `server CPU per GiB (sshd session + internal-sftp) while each client ${c.kind}s, ${short(c.cipher)}`;
      results.push({ name: what, unit: 'CPU s/GiB', values: server });
      if (c.kind !== 'serve') {
        // client, sshd and internal-sftp share the cores: no client can go faster than the cores
        // divided by the CPU that client and server together spend per byte
        const clientCpu = Object.fromEntries(impls.map((k) => [k, med(s[k], (x) => x.cpu) / (SIZE / GiB)]));
        const bound = Object.fromEntries(impls.map((k) => [k, (cpus().length * 1024) / (clientCpu[k] + server[k])]));
        results.push({ name: `CPU bound on ${cpus().length} cores, ${c.kind} ${short(c.cipher)}: cores / (client + server CPU per MiB)`, unit: 'MiB/s', values: bound });
      }
    }
    if (c.kind === 'download') {
      const rss = Object.fromEntries(impls.map((k) => [k, Math.max(...s[k].map((x) => x.rssKiB)) / 1024]));
      results.push({ name: `peak RSS, download ${short(c.cipher)}, ${sizeMiB} MiB`, unit: 'MB', values: rss, targets: [{ max: 200, label: 'seashell get at most 200 MB' }] });
    }
  }

  for (const r of results) {
    const vals = r.values ? Object.entries(r.values).map(([k, v]) => `${k} ${v.toFixed(2)} ${r.unit}`) : Object.entries(r.mibs).map(([k, v]) => `${k} ${v.toFixed(0)} MiB/s`);
    const t = (r.targets ?? [])
      .map((x) => (x.max !== undefined ? `max ${x.max}: ${r.values.seashell <= x.max ? 'met' : 'MISSED'}` : `${x.min}x ${x.vs}: ${(r.ratios[x.vs] ?? 0) >= x.min ? 'met' : 'MISSED'} (${(r.ratios[x.vs] ?? 0).toFixed(2)}x)`))
      .join(', ');
    console.log(`${r.name}\n  ${vals.join(' | ')}\n  ${t}`);
  }

  const avgLoad = load.reduce((a, b) => a + b, 0) / load.length;
  mkdirSync(join(here, 'results'), { recursive: true });
  const out = {
    title: `SFTP end to end against a loopback OpenSSH ${readFileSync('/proc/version', 'utf8').includes('Linux') ? 'sshd (Linux)' : 'sshd'}`,
    runtime: `node ${process.version}, ${cpus().length} cores`,
    date: new Date().toISOString(),
    command: `npm run bench:sftp -w @seashell/bench -- --size ${sizeMiB} --rounds ${rounds}`,
    results,
    notes:
      `One run, ${rounds} interleaved rounds, medians; ${sizeMiB} MiB file of random blocks${verify ? ', seashell get/put checked with sha256 first' : ''}. ` +
      `Each client is its own process timed by /usr/bin/time (CPU = user + sys of the client and its children: sftp and its ssh). ` +
      `Client and sshd share the machine's ${cpus().length} cores; the 1-minute load average sampled before each run was ${avgLoad.toFixed(1)} on average (the previous runs' client and sshd count in it: about 2 on an otherwise idle machine). ` +
      `CPU rows show seconds per GiB; their ratio is theirs/ours, so the 1.2x CPU target (downloads) is ratio >= 0.83. ` +
      `Server CPU = user + sys of sshd's listener, its session process and internal-sftp child, sampled from /proc every 50 ms while each client runs (seashell serve: its own process). The CPU bound row is what the 2 cores could carry if every cycle went to that client and its server: cores / (client + server CPU per MiB). Node clients (seashell, ssh2) run without NODE_EXTRA_CA_CERTS, which this machine sets and Node 20 would parse at each start. ` +
      `Each upload writes a new file (the previous upload is removed, untimed, before every run).`,
  };
  if (fullRun) {
    writeFileSync(join(here, 'results', 'sftp-node.json'), JSON.stringify(out, null, 2) + '\n');
    console.log(`\nwrote bench/results/sftp-node.json (${results.length} rows)`);
  } else console.log('\n--kinds/--ciphers narrowed the run: bench/results/sftp-node.json left as it was');
} finally {
  await serve?.stop();
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
}
