// Loopback servers for the end-to-end benchmarks, in plain .mjs (bench scripts run on Node
// without TypeScript): OpenSSH's sshd with a temp config (the same settings as
// test-support/sshd.ts), and `seashell serve` from packages/node/dist, both on a free
// 127.0.0.1 port, both trusting one ed25519 client key and presenting one ed25519 host key.
// Keys come from ssh-keygen (argument vectors only); everything lives in a temp directory
// removed on stop() or at process exit.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(here, '..', '..');

function findBinary(name, candidates) {
  for (const c of candidates) if (existsSync(c)) return c;
  const r = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', name], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}
export const SSHD = findBinary('sshd', ['/usr/sbin/sshd', '/usr/local/sbin/sshd']);
export const SSH_KEYGEN = findBinary('ssh-keygen', ['/usr/bin/ssh-keygen']);

const dirs = new Set();
const children = new Set();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(prefix) {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(d);
  return d;
}

function keygen(args) {
  if (!SSH_KEYGEN) throw new Error('ssh-keygen not found: apt-get install openssh-client');
  const r = spawnSync(SSH_KEYGEN, args, { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`ssh-keygen ${args.join(' ')} failed: ${r.stderr}`);
}

/** An ed25519 key pair made with ssh-keygen: { path, privateKey (text), publicLine }. */
export function makeKey(dir, name, type = 'ed25519') {
  const path = join(dir, name);
  keygen(['-t', type, '-N', '', '-C', `${name}@seashell-bench`, '-q', '-f', path]);
  return { path, privateKey: readFileSync(path, 'utf8'), publicLine: readFileSync(`${path}.pub`, 'utf8').trim() };
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(text, re, timeoutMs, alive, what) {
  const deadline = Date.now() + timeoutMs;
  while (!re.test(text())) {
    if (!alive()) throw new Error(`${what} exited before listening:\n${text()}`);
    if (Date.now() > deadline) throw new Error(`${what} did not log ${re} within ${timeoutMs} ms:\n${text()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Keys shared by both servers: one host key, one client key listed in authorized_keys. */
export function benchKeys() {
  const dir = tempDir('seashell-bench-keys-');
  const host = makeKey(dir, 'host_ed25519');
  const client = makeKey(dir, 'id_ed25519');
  const authorizedKeys = join(dir, 'authorized_keys');
  writeFileSync(authorizedKeys, client.publicLine + '\n', { mode: 0o600 });
  return { dir, host, client, authorizedKeys, user: userInfo().username };
}

function track(child, what) {
  children.add(child);
  let log = '';
  let exited = false;
  const onData = (d) => { log += d; };
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', onData);
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', onData);
  const exit = new Promise((resolve) => child.once('exit', () => { exited = true; children.delete(child); resolve(); }));
  return {
    log: () => log,
    alive: () => !exited,
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exit;
        clearTimeout(t);
      }
    },
    what,
  };
}

/**
 * OpenSSH sshd in the foreground on a free loopback port. extraConfig: more sshd_config lines;
 * keepHome: let sessions see the real HOME (and so the login shell's rc files).
 */
export async function startSshd(keys, { extraConfig = [], keepHome = false } = {}) {
  if (!SSHD) throw new Error('sshd not found: apt-get install openssh-server');
  const dir = tempDir('seashell-bench-sshd-');
  const emptyHome = join(dir, 'home');
  mkdirSync(emptyHome);
  if (process.getuid?.() === 0 && !existsSync('/run/sshd')) {
    mkdirSync('/run/sshd', { recursive: true });
    chmodSync('/run/sshd', 0o755);
  }
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const config = join(dir, 'sshd_config');
    writeFileSync(config, [
      'ListenAddress 127.0.0.1',
      `Port ${port}`,
      `HostKey ${keys.host.path}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${keys.authorizedKeys}`,
      'StrictModes no',
      'UsePAM no',
      'PermitRootLogin yes',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'LogLevel ERROR',
      'MaxStartups 100:30:200',
      'UseDNS no',
      // sshd runs commands with the user's login shell, and bash started by sshd reads ~/.bashrc
      // (here that runs `pyenv init`, hundreds of ms). seashell serve runs /bin/sh -c without rc
      // files, so for a like-for-like engine comparison sshd's sessions get an empty HOME too.
      ...(keepHome ? [] : [`SetEnv HOME=${emptyHome}`]),
      ...extraConfig,
    ].join('\n') + '\n', { mode: 0o600 });
    const check = spawnSync(SSHD, ['-t', '-f', config], { encoding: 'utf8' });
    if (check.status !== 0) throw new Error(`sshd -t rejected ${config}: ${check.stderr}`);
    // -e sends the log to stderr; LogLevel ERROR keeps it quiet, but "Server listening" needs
    // INFO, so the readiness check is a TCP probe instead.
    const child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    const t = track(child, 'sshd');
    try {
      await waitForPort(port, 10_000, t.alive);
    } catch (e) {
      await t.stop();
      if (attempt < 3 && /Address already in use|Bind to port/i.test(t.log())) continue;
      throw new Error(`sshd did not start: ${e.message}\n${t.log()}`);
    }
    return { host: '127.0.0.1', port, pid: child.pid, logs: t.log, stop: async () => { await t.stop(); rmSync(dir, { recursive: true, force: true }); } };
  }
}

async function waitForPort(port, timeoutMs, alive) {
  const { connect } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const c = connect({ host: '127.0.0.1', port });
      c.once('connect', () => { c.destroy(); resolve(true); });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (!alive()) throw new Error(`server on port ${port} exited before listening`);
    if (Date.now() > deadline) throw new Error(`nothing listened on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** `seashell serve` (packages/node/dist/cli.js, run `npm run build` first) in a child process. */
export async function startSeashellServe(keys, { args = [], nodeArgs = [] } = {}) {
  const cli = join(repoRoot, 'packages', 'node', 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error(`${cli} not found: run npm run build at the repository root`);
  const dir = tempDir('seashell-bench-serve-');
  const child = spawn(process.execPath, [...nodeArgs, cli, 'serve', '--listen', '127.0.0.1:0', '--host-key', keys.host.path,
    '--authorized-keys', keys.authorizedKeys, '--state-dir', dir, '--root', dir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const t = track(child, 'seashell serve');
  await waitFor(t.log, /listening on 127\.0\.0\.1:\d+/, 20_000, t.alive, 'seashell serve');
  const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(t.log())[1]);
  return { host: '127.0.0.1', port, pid: child.pid, logs: t.log, stop: async () => { await t.stop(); rmSync(dir, { recursive: true, force: true }); } };
}

/**
 * CPU time (ms) a process has used, including its children that it has waited for (sshd's
 * per-connection processes, the commands seashell serve ran) unless `children` is false, from
 * /proc/<pid>/stat; undefined where /proc is not there (or the process is gone).
 */
export function processCpuMs(pid, { children = true } = {}) {
  let stat;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields 14-17 of proc(5) (utime, stime, cutime, cstime) are f[11..14] after "pid (comm) "
  const ticks = Number(f[11]) + Number(f[12]) + (children ? Number(f[13]) + Number(f[14]) : 0);
  return (ticks * 1000) / CLK_TCK;
}
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
