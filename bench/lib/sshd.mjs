// A loopback OpenSSH sshd for the end-to-end benchmarks: the same shape as test-support/sshd.ts
// (ssh-keygen keys, its own sshd_config checked with `sshd -t`, `sshd -D -e` in the foreground,
// internal-sftp), in plain JavaScript so the bench runs with node alone. Argument vectors only.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync, chmodSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { processCpuMs } from './servers.mjs';

const which = (name, candidates) => {
  for (const c of candidates) if (existsSync(c)) return c;
  const r = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', name], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
};
export const SSHD = which('sshd', ['/usr/sbin/sshd', '/usr/local/sbin/sshd']);
export const SSH = which('ssh', ['/usr/bin/ssh']);
export const SFTP = which('sftp', ['/usr/bin/sftp']);
export const SSH_KEYGEN = which('ssh-keygen', ['/usr/bin/ssh-keygen']);

function keygen(args) {
  const r = spawnSync(SSH_KEYGEN, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ssh-keygen ${args.join(' ')}: ${r.stderr}`);
}

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

export async function waitForPort(port, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((r) => {
      const c = connect({ host: '127.0.0.1', port });
      c.once('connect', () => (c.destroy(), r(true)));
      c.once('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listened on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Starts sshd on a free loopback port serving internal-sftp with `root` as the sftp start
 * directory. Returns { port, user, dir, clientKey, hostKeyLine, knownHostsFile, stop() }.
 */
export async function startSshd({ root } = {}) {
  if (!SSHD || !SSH_KEYGEN) throw new Error('sshd and ssh-keygen are needed: apt-get install openssh-server openssh-client');
  const dir = mkdtempSync(join(tmpdir(), 'seashell-bench-sshd-'));
  keygen(['-t', 'ed25519', '-N', '', '-q', '-f', join(dir, 'host_ed25519')]);
  keygen(['-t', 'ed25519', '-N', '', '-q', '-f', join(dir, 'id_ed25519')]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'id_ed25519.pub')), { mode: 0o600 });
  if (process.getuid?.() === 0 && !existsSync('/run/sshd')) {
    mkdirSync('/run/sshd', { recursive: true });
    chmodSync('/run/sshd', 0o755);
  }
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      'ListenAddress 127.0.0.1',
      `Port ${port}`,
      `HostKey ${join(dir, 'host_ed25519')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'StrictModes no',
      'UsePAM no',
      'PermitRootLogin yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      `Subsystem sftp internal-sftp${root ? ` -d ${root}` : ''}`,
      'LogLevel ERROR',
      'UseDNS no',
      'MaxStartups 100:30:200',
      'Ciphers chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-ctr',
    ].join('\n') + '\n',
    { mode: 0o600 },
  );
  const check = spawnSync(SSHD, ['-t', '-f', config], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`sshd -t: ${check.stderr}`);
  const child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  const exited = new Promise((r) => child.once('exit', r));
  await waitForPort(port);
  const hostKeyLine = readFileSync(join(dir, 'host_ed25519.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ');
  const knownHostsFile = join(dir, 'known_hosts');
  writeFileSync(knownHostsFile, `[127.0.0.1]:${port} ${hostKeyLine}\n`);
  return {
    port,
    user: userInfo().username,
    dir,
    clientKey: join(dir, 'id_ed25519'),
    clientPublicLine: readFileSync(join(dir, 'id_ed25519.pub'), 'utf8').trim(),
    hostKeyFile: join(dir, 'host_ed25519'),
    knownHostsFile,
    pid: child.pid,
    logs: () => log,
    /** Waits (up to 5 s) until every session process has exited. */
    async sessionsDone() {
      for (let i = 0; i < 100 && childPids(child.pid).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The pids of a process's children (Linux /proc); [] when it has none or /proc lacks the file. */
export function childPids(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Samples the own CPU time of a process and all its descendants every `everyMs` until stop(),
 * which resolves with the CPU seconds they used meanwhile (a process that exits between samples
 * loses at most its last interval). Why not the parent's reaped-children time: a session whose
 * client disconnects without closing the channel can exit before its internal-sftp child, which is
 * then reparented to init and never counted.
 */
export function sampleTreeCpu(rootPid, everyMs = 50) {
  const first = new Map();
  const last = new Map();
  const sample = () => {
    const seen = [rootPid];
    for (let i = 0; i < seen.length && seen.length < 10_000; i++) seen.push(...childPids(seen[i]));
    for (const pid of seen) {
      const ms = processCpuMs(pid, { children: false });
      const t = ms === undefined ? undefined : ms / 1000;
      if (t === undefined) continue;
      if (!first.has(pid)) first.set(pid, pid === rootPid ? t : 0); // a new process started from zero
      last.set(pid, t);
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      let sum = 0;
      for (const [pid, t] of last) sum += t - first.get(pid);
      return sum;
    },
  };
}

/** ssh / sftp options for a non-interactive, strict login to one server. */
export function sshOptions(server, cipher) {
  return [
    '-F', '/dev/null',
    '-i', server.clientKey,
    '-o', 'BatchMode=yes',
    '-o', 'IdentitiesOnly=yes',
    '-o', `UserKnownHostsFile=${server.knownHostsFile}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'StrictHostKeyChecking=yes',
    ...(cipher ? ['-o', `Ciphers=${cipher}`] : []),
  ];
}
