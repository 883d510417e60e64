#!/usr/bin/env node
// End-to-end tunnel throughput (issue 6 "Speed"): SIZE bytes (default 1 GiB, --size 256M) from a
// loopback TCP source, through an -L tunnel, to a reader in this process.
//   1. seashell ssh -N -L -> OpenSSH sshd   vs   OpenSSH ssh -N -L -> sshd
//   2. OpenSSH ssh -N -L -> seashell serve  vs   OpenSSH ssh -N -L -> sshd
// Every client and server is its own process; the source and the reader are the same for every
// case. The four tunnels stay up and are used in turn, ROUNDS times (--rounds, default 3), so a
// load spike hits every case alike; each case reports its median. On Linux the CPU time (user+sys,
// from /proc) of the process under test and its children is reported too: it is what a busy
// machine distorts least. Writes bench/results/tunnel.json in the shape readme-table.mjs renders.
// Needs: npm run build (packages/node/dist), sshd, ssh, ssh-keygen. Argument vectors only.
import { spawn, spawnSync } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { mkdtempSync, writeFileSync, readFileSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir, userInfo, loadavg, cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** SEASHELL_BENCH_CLI: another build's cli.js, e.g. an older checkout's, to compare before/after. */
const CLI = process.env.SEASHELL_BENCH_CLI ?? join(here, '..', 'packages/node/dist/cli.js');
const argSize = process.argv.indexOf('--size');
const SIZE = argSize > 0 ? parseSize(process.argv[argSize + 1]) : 1 << 30;
const argRounds = process.argv.indexOf('--rounds');
const ROUNDS = argRounds > 0 ? Number(process.argv[argRounds + 1]) : 3;
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error(`--rounds wants a positive integer`);
/** Extra node flags for the seashell processes, e.g. SEASHELL_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof". */
const NODE_ARGS = (process.env.SEASHELL_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

function parseSize(s) {
  const m = /^(\d+)([KMG]?)$/i.exec(s ?? '');
  if (!m) throw new Error(`--size wants N, NK, NM or NG, got ${s}`);
  return Number(m[1]) * { '': 1, K: 1024, M: 1 << 20, G: 1 << 30 }[m[2].toUpperCase()];
}

const which = (name, fallback) => {
  const r = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', name], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : fallback;
};
const SSHD = which('sshd', '/usr/sbin/sshd');
const SSH = which('ssh', '/usr/bin/ssh');
const SSH_KEYGEN = which('ssh-keygen', '/usr/bin/ssh-keygen');

const dir = mkdtempSync(join(tmpdir(), 'seashell-bench-'));
const children = new Set();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function keygen(name) {
  const path = join(dir, name);
  const r = spawnSync(SSH_KEYGEN, ['-t', 'ed25519', '-N', '', '-q', '-f', path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return { path, pub: readFileSync(`${path}.pub`, 'utf8').trim() };
}

function freePort() {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => res(p));
    });
  });
}

async function waitPort(port, ms = 15_000) {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise((r) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => (c.destroy(), r(true)));
      c.once('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`nothing listened on ${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function start(file, args, opts = {}) {
  const c = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  children.add(c);
  let out = '';
  c.stdout.on('data', (d) => (out += d));
  c.stderr.on('data', (d) => (out += d));
  c.once('exit', () => children.delete(c));
  return {
    pid: c.pid,
    out: () => out,
    stop: () =>
      new Promise((r) => {
        if (c.exitCode !== null || c.signalCode !== null) return r();
        c.once('exit', r);
        c.kill('SIGTERM');
        setTimeout(() => c.kill('SIGKILL'), 3000).unref();
      }),
  };
}

// ---- the source: each connection gets SIZE bytes, then FIN
const block = Buffer.alloc(1 << 20, 0x5a);
const source = createServer((s) => {
  let left = SIZE;
  const pump = () => {
    while (left > 0) {
      const n = Math.min(left, block.length);
      left -= n;
      if (!s.write(n === block.length ? block : block.subarray(0, n))) return void s.once('drain', pump);
    }
    s.end();
  };
  s.on('error', () => {});
  pump();
});
await new Promise((r) => source.listen(0, '127.0.0.1', r));
const sourcePort = source.address().port;

/** Reads everything from the tunnel's local port; returns seconds. */
function readThrough(port) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    let n = 0;
    const c = connect(port, '127.0.0.1');
    c.on('data', (d) => (n += d.length));
    c.on('end', () => {
      if (n !== SIZE) return reject(new Error(`got ${n} of ${SIZE} bytes through port ${port}`));
      resolve(Number(process.hrtime.bigint() - t0) / 1e9);
    });
    c.on('error', reject);
  });
}

// ---- servers
const user = userInfo().username;
const hostKey = keygen('host');
const clientKey = keygen('client');
const authorized = join(dir, 'authorized_keys');
writeFileSync(authorized, clientKey.pub + '\n', { mode: 0o600 });

async function startSshd() {
  const port = await freePort();
  const cfg = join(dir, 'sshd_config');
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true });
  writeFileSync(
    cfg,
    [
      'ListenAddress 127.0.0.1', `Port ${port}`, `HostKey ${hostKey.path}`, `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorized}`, 'StrictModes no', 'UsePAM no', 'PermitRootLogin yes', 'PasswordAuthentication no',
      'KbdInteractiveAuthentication no', 'AllowTcpForwarding yes', 'UseDNS no', 'LogLevel ERROR',
    ].join('\n') + '\n',
  );
  const p = start(SSHD, ['-D', '-e', '-f', cfg]);
  await waitPort(port);
  return { port, pid: p.pid, stop: p.stop };
}

async function startServe() {
  const p = start(process.execPath, [...NODE_ARGS, CLI, 'serve', '--listen', '127.0.0.1:0', '--host-key', hostKey.path, '--authorized-keys', authorized, '--state-dir', join(dir, 'state')]);
  const end = Date.now() + 20_000;
  let m;
  while (!(m = /listening on \S+:(\d+)/.exec(p.out()))) {
    if (Date.now() > end) throw new Error(`seashell serve did not start:\n${p.out()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port: Number(m[1]), pid: p.pid, stop: p.stop };
}

const knownHosts = (port) => {
  const f = join(dir, `known_hosts_${port}`);
  writeFileSync(f, `[127.0.0.1]:${port} ${hostKey.pub.split(' ').slice(0, 2).join(' ')}\n`);
  return f;
};

/** Starts an -L tunnel through serverPort; resolves once its local port listens. */
async function openTunnel(kind, serverPort) {
  const local = await freePort();
  const kh = knownHosts(serverPort);
  const fwd = `127.0.0.1:${local}:127.0.0.1:${sourcePort}`;
  const common = ['-p', String(serverPort), '-i', clientKey.path, '-o', `UserKnownHostsFile=${kh}`];
  const p =
    kind === 'seashell'
      ? start(process.execPath, [...NODE_ARGS, CLI, 'ssh', ...common, '-N', '-L', fwd, `${user}@127.0.0.1`], { env: { ...process.env, SSH_AUTH_SOCK: '' } })
      : start(SSH, ['-F', '/dev/null', ...common, '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'ExitOnForwardFailure=yes', '-N', '-L', fwd, `${user}@127.0.0.1`]);
  try {
    await waitPort(local);
  } catch (e) {
    await p.stop();
    throw new Error(`${kind} tunnel: ${e.message}\n${p.out()}`);
  }
  return { local, pid: p.pid, out: p.out, stop: p.stop };
}

// ---- CPU time (Linux /proc): user+sys seconds of a process and its live descendants
const TICK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
function cpuSeconds(pid) {
  let stats;
  try {
    stats = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map((d) => {
      try {
        const t = readFileSync(`/proc/${d}/stat`, 'utf8');
        const f = t.slice(t.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
        return { pid: Number(d), ppid: Number(f[1]), user: Number(f[11]) / TICK, sys: Number(f[12]) / TICK };
      } catch {
        return undefined;
      }
    }).filter(Boolean);
  } catch {
    return { user: NaN, sys: NaN }; // no /proc
  }
  const tree = new Set([pid]);
  const total = { user: 0, sys: 0 };
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of stats) if (!tree.has(s.pid) && tree.has(s.ppid)) (tree.add(s.pid), (grew = true));
  }
  for (const s of stats) if (tree.has(s.pid)) (total.user += s.user), (total.sys += s.sys);
  return total;
}

/** One transfer through `local`; returns wall seconds and the CPU seconds (user+sys, and sys) `cpuPid`'s tree spent. */
async function transfer(local, cpuPid) {
  const c0 = cpuSeconds(cpuPid);
  const wall = await readThrough(local);
  const c1 = cpuSeconds(cpuPid);
  const sys = c1.sys - c0.sys;
  return { wall, cpu: c1.user - c0.user + sys, sys };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const mib = (s) => SIZE / (1 << 20) / s;
const loadBefore = loadavg()[0];
const results = [];
const sshd = await startSshd();
const serve = await startServe();
const tunnels = [];
try {
  // a: seashell ssh -> sshd, b: ssh -> sshd (CPU: the client); c: ssh -> seashell serve, d: ssh -> sshd (CPU: the server)
  const a = await openTunnel('seashell', sshd.port);
  tunnels.push(a);
  const b = await openTunnel('openssh', sshd.port);
  tunnels.push(b);
  const c = await openTunnel('openssh', serve.port);
  tunnels.push(c);
  const cases = [
    { t: a, cpuPid: a.pid },
    { t: b, cpuPid: b.pid },
    { t: c, cpuPid: serve.pid },
    { t: b, cpuPid: sshd.pid },
  ];
  const runs = cases.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < cases.length; i++) {
      try {
        runs[i].push(await transfer(cases[i].t.local, cases[i].cpuPid));
      } catch (e) {
        throw new Error(`${e.message}\n${cases[i].t.out()}`);
      }
    }
  }
  const wall = runs.map((r) => median(r.map((x) => x.wall)));
  const cpu = runs.map((r) => median(r.map((x) => x.cpu)));
  const sys = runs.map((r) => median(r.map((x) => x.sys)));
  const row = (name, s, o) => ({
    name,
    bytes: SIZE,
    nsPerOp: { seashell: wall[s] * 1e9, openssh: wall[o] * 1e9 },
    mibs: { seashell: mib(wall[s]), openssh: mib(wall[o]) },
    ratios: { openssh: wall[o] / wall[s] },
    cpuSeconds: { seashell: cpu[s], openssh: cpu[o] },
    sysSeconds: { seashell: sys[s], openssh: sys[o] },
    runs: { seashell: runs[s], openssh: runs[o] },
    targets: [{ vs: 'openssh', min: 0.8 }],
  });
  results.push(row(`-L tunnel, ${fmt(SIZE)}: seashell ssh -> sshd vs ssh -> sshd`, 0, 1));
  results.push(row(`-L tunnel, ${fmt(SIZE)}: ssh -> seashell serve vs ssh -> sshd`, 2, 3));
} finally {
  for (const t of tunnels) await t.stop();
  await sshd.stop();
  await serve.stop();
  source.close();
}

function fmt(n) {
  return n >= 1 << 30 ? `${n / (1 << 30)} GiB` : `${n / (1 << 20)} MiB`;
}

const sshVersion = spawnSync(SSH, ['-V'], { encoding: 'utf8' }).stderr.trim();
const out = {
  title: 'Tunnel throughput (-L, loopback)',
  runtime: `Node ${process.version}; ${sshVersion}`,
  date: new Date().toISOString(),
  command: `node bench/tunnel.bench.mjs${argSize > 0 ? ` --size ${process.argv[argSize + 1]}` : ''}${argRounds > 0 ? ` --rounds ${ROUNDS}` : ''}`,
  results,
  notes: `Median of ${ROUNDS} rounds, the four cases interleaved in each round; CPU time (user+sys of the seashell or OpenSSH process under test, children included) per transfer, medians: ${results.map((r) => `${r.name.split(': ')[1]}: ${r.cpuSeconds.seashell.toFixed(2)} s vs ${r.cpuSeconds.openssh.toFixed(2)} s`).join('; ')}. Default algorithms negotiated by each pair; source and reader in the benchmark process, each client and server its own process. ${cpus().length} CPUs, load average ${loadBefore.toFixed(1)} before and ${loadavg()[0].toFixed(1)} after (numbers from a busy machine are only indicative).`,
};
// --no-save: a trial run (A/B while working) leaves bench/results alone
if (!process.argv.includes('--no-save')) {
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'tunnel.json'), JSON.stringify(out, null, 2) + '\n');
}
for (const r of results) console.log(`${r.name}: seashell ${r.mibs.seashell.toFixed(0)} MiB/s, openssh ${r.mibs.openssh.toFixed(0)} MiB/s, ratio ${r.ratios.openssh.toFixed(2)}x; CPU ${r.cpuSeconds.seashell.toFixed(2)} s (sys ${r.sysSeconds.seashell.toFixed(2)}) vs ${r.cpuSeconds.openssh.toFixed(2)} s (sys ${r.sysSeconds.openssh.toFixed(2)})`);
process.exit(0);
