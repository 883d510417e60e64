// A real OpenSSH sshd on a free 127.0.0.1 port, for interop tests. Host keys of every type and
// client keys of every type are made once per test process with ssh-keygen (argument vectors
// only, never shell lines); each server gets its own directory with an sshd_config, a pid file
// and an authorized_keys file. The server is checked with `sshd -t` first so a bad option fails
// with sshd's own message, then run in the foreground (`sshd -D -e`) with its log captured.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync, chmodSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { findBinary, describeWithPeer } from './peers.ts';

export const SSHD = findBinary('sshd', ['/usr/sbin/sshd', '/usr/local/sbin/sshd']);
export const SSH = findBinary('ssh', ['/usr/bin/ssh']);
export const SSH_KEYGEN = findBinary('ssh-keygen', ['/usr/bin/ssh-keygen']);
export const sshdAvailable = !!(SSHD && SSH && SSH_KEYGEN);
export const SSHD_HINT = 'apt-get install openssh-server openssh-client';

/** describe() for suites that need sshd, ssh and ssh-keygen. */
export function describeWithSshd(name: string, fn: () => void): void {
  describeWithPeer(name, sshdAvailable, SSHD_HINT, fn);
}

/** The key types made for both host and client keys; ecdsa in all three curves. */
export type KeyKind = 'ed25519' | 'ecdsa256' | 'ecdsa384' | 'ecdsa521' | 'rsa';
export const KEY_KINDS: readonly KeyKind[] = ['ed25519', 'ecdsa256', 'ecdsa384', 'ecdsa521', 'rsa'];

export interface KeyFile {
  kind: KeyKind;
  /** Private key path (OpenSSH format, mode 0600). */
  path: string;
  /** The public key line "type base64 comment". */
  publicLine: string;
  /** Key type as on the wire, e.g. 'ssh-ed25519', 'ecdsa-sha2-nistp384', 'ssh-rsa'. */
  type: string;
  /** "SHA256:..." as ssh-keygen -l prints it. */
  fingerprint: string;
}

export interface SshdOptions {
  /** Ciphers / MACs / KexAlgorithms / HostKeyAlgorithms lines; default is sshd's own default. */
  ciphers?: readonly string[];
  macs?: readonly string[];
  kex?: readonly string[];
  hostKeyAlgorithms?: readonly string[];
  /** Host key kinds to load (default: every kind). */
  hostKeyKinds?: readonly KeyKind[];
  /** Make new host keys for this server instead of the process-wide ones (for changed-key tests). */
  freshHostKeys?: boolean;
  /** Extra sshd_config lines, e.g. 'MaxAuthTries 2'. */
  extraConfig?: readonly string[];
  /** Milliseconds to wait for the listener (default 10 s). */
  startTimeoutMs?: number;
}

export interface Sshd {
  host: '127.0.0.1';
  port: number;
  /** The user the tests log in as (whoever runs the tests; sshd allows only that user when not root). */
  user: string;
  dir: string;
  hostKeys: KeyFile[];
  /** Client keys, every kind, all listed in the server's authorized_keys. */
  clientKeys: Record<KeyKind, KeyFile>;
  /** A known_hosts file listing every host key for [127.0.0.1]:port. */
  knownHostsFile: string;
  configFile: string;
  /** Everything sshd wrote to stderr so far. */
  logs(): string;
  stop(): Promise<void>;
}

/** Runs ssh-keygen with an argument vector; throws with its stderr when it fails. */
export function sshKeygen(args: readonly string[], input?: string): string {
  if (!SSH_KEYGEN) throw new Error(`ssh-keygen not found: ${SSHD_HINT}`);
  const r = spawnSync(SSH_KEYGEN, args, { encoding: 'utf8', input, timeout: 60_000 });
  if (r.status !== 0) throw new Error(`ssh-keygen ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return r.stdout;
}

const KIND_ARGS: Record<KeyKind, string[]> = {
  ed25519: ['-t', 'ed25519'],
  ecdsa256: ['-t', 'ecdsa', '-b', '256'],
  ecdsa384: ['-t', 'ecdsa', '-b', '384'],
  ecdsa521: ['-t', 'ecdsa', '-b', '521'],
  rsa: ['-t', 'rsa', '-b', '3072'],
};

/** Makes one key with ssh-keygen (no passphrase unless given) and reads back its public line and fingerprint. */
export function makeKey(dir: string, name: string, kind: KeyKind, passphrase = ''): KeyFile {
  const path = join(dir, name);
  sshKeygen([...KIND_ARGS[kind], '-N', passphrase, '-C', `${name}@seashell-test`, '-q', '-f', path]);
  return describeKey(path, kind);
}

function describeKey(path: string, kind: KeyKind): KeyFile {
  const publicLine = readFileSync(`${path}.pub`, 'utf8').trim();
  const fp = sshKeygen(['-l', '-E', 'sha256', '-f', `${path}.pub`]).trim().split(/\s+/)[1];
  return { kind, path, publicLine, type: publicLine.split(' ')[0], fingerprint: fp };
}

// Temp directories made by this process, removed at exit even when a test forgets stop().
const cleanup = new Set<string>();
const running = new Set<ChildProcess>();
let exitHooked = false;
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => {
    for (const c of running) c.kill('SIGKILL');
    for (const d of cleanup) rmSync(d, { recursive: true, force: true });
  });
}

/** A temp directory removed when the process exits. */
export function tempDir(prefix = 'seashell-'): string {
  hookExit();
  const d = mkdtempSync(join(tmpdir(), prefix));
  cleanup.add(d);
  return d;
}

let sharedKeys: { hostKeys: KeyFile[]; clientKeys: Record<KeyKind, KeyFile> } | undefined;
/** Host and client keys of every kind, made once per process with ssh-keygen. */
export function harnessKeys(): { hostKeys: KeyFile[]; clientKeys: Record<KeyKind, KeyFile> } {
  return keysOnce();
}
function keysOnce() {
  if (!sharedKeys) {
    const dir = tempDir('seashell-keys-');
    sharedKeys = {
      hostKeys: KEY_KINDS.map((k) => makeKey(dir, `host_${k}`, k)),
      clientKeys: Object.fromEntries(KEY_KINDS.map((k) => [k, makeKey(dir, `id_${k}`, k)])) as Record<KeyKind, KeyFile>,
    };
  }
  return sharedKeys;
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/** Resolves when host:port accepts a TCP connection; rejects after timeoutMs. */
export async function waitForPort(port: number, timeoutMs: number, host = '127.0.0.1', alive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect({ host, port });
      c.once('connect', () => { c.destroy(); resolve(true); });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (!alive()) throw new Error(`server on port ${port} exited before listening`);
    if (Date.now() > deadline) throw new Error(`nothing listened on ${host}:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Resolves when `text()` matches `re`; rejects after timeoutMs or when alive() turns false. */
async function waitForLog(text: () => string, re: RegExp, timeoutMs: number, alive: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!re.test(text())) {
    if (!alive()) throw new Error('sshd exited before listening');
    if (Date.now() > deadline) throw new Error(`sshd did not log ${re} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts sshd; call stop() (afterAll) when done. */
export async function startSshd(opts: SshdOptions = {}): Promise<Sshd> {
  if (!SSHD) throw new Error(`sshd not found: ${SSHD_HINT}`);
  const keys = keysOnce();
  const dir = tempDir('seashell-sshd-');
  const kinds = opts.hostKeyKinds ?? KEY_KINDS;
  const hostKeys = opts.freshHostKeys
    ? kinds.map((k) => makeKey(dir, `host_${k}`, k))
    : keys.hostKeys.filter((h) => kinds.includes(h.kind));
  const user = userInfo().username;
  const authorizedKeys = join(dir, 'authorized_keys');
  writeFileSync(authorizedKeys, Object.values(keys.clientKeys).map((k) => k.publicLine + '\n').join(''), { mode: 0o600 });
  // Privilege separation needs this directory when sshd runs as root.
  if (process.getuid?.() === 0 && !existsSync('/run/sshd')) {
    mkdirSync('/run/sshd', { recursive: true });
    chmodSync('/run/sshd', 0o755);
  }
  const configFile = join(dir, 'sshd_config');
  const pidFile = join(dir, 'sshd.pid');

  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const lines = [
      'ListenAddress 127.0.0.1',
      `Port ${port}`,
      ...hostKeys.map((h) => `HostKey ${h.path}`),
      `PidFile ${pidFile}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      'StrictModes no',
      'UsePAM no',
      'PermitRootLogin yes',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'Subsystem sftp internal-sftp',
      'LogLevel VERBOSE',
      'MaxStartups 100:30:200',
      'UseDNS no',
      ...(opts.ciphers ? [`Ciphers ${opts.ciphers.join(',')}`] : []),
      ...(opts.macs ? [`MACs ${opts.macs.join(',')}`] : []),
      ...(opts.kex ? [`KexAlgorithms ${opts.kex.join(',')}`] : []),
      ...(opts.hostKeyAlgorithms ? [`HostKeyAlgorithms ${opts.hostKeyAlgorithms.join(',')}`] : []),
      ...(opts.extraConfig ?? []),
    ];
    writeFileSync(configFile, lines.join('\n') + '\n', { mode: 0o600 });
    const check = spawnSync(SSHD, ['-t', '-f', configFile], { encoding: 'utf8', timeout: 20_000 });
    if (check.status !== 0) throw new Error(`sshd -t rejected ${configFile}: ${check.stderr || check.stdout}`);

    let log = '';
    const child = spawn(SSHD, ['-D', '-e', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    running.add(child);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => { log += d; });
    let exited = false;
    const exit = new Promise<void>((resolve) => child.once('exit', () => { exited = true; running.delete(child); resolve(); }));
    try {
      // Ready when sshd says so (no probe connection, so the log holds only the tests' own).
      await waitForLog(() => log, /Server listening on 127\.0\.0\.1 port/, opts.startTimeoutMs ?? 10_000, () => !exited);
    } catch (e) {
      child.kill('SIGKILL');
      await exit;
      // Someone took the port between freePort() and sshd's bind: try another.
      if (attempt < 3 && /Address already in use|Bind to port/i.test(log)) continue;
      throw new Error(`sshd did not start: ${(e as Error).message}\n${log}`);
    }
    const knownHostsFile = join(dir, 'known_hosts');
    writeFileSync(knownHostsFile, hostKeys.map((h) => `[127.0.0.1]:${port} ${h.publicLine.split(' ').slice(0, 2).join(' ')}\n`).join(''));
    return {
      host: '127.0.0.1',
      port,
      user,
      dir,
      hostKeys,
      clientKeys: keys.clientKeys,
      knownHostsFile,
      configFile,
      logs: () => log,
      async stop() {
        if (!exited) {
          child.kill('SIGTERM');
          const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exit;
          clearTimeout(t);
        }
        rmSync(dir, { recursive: true, force: true });
        cleanup.delete(dir);
      },
    };
  }
}

/** Options for Seashell's connect() that log in to this sshd as its user with the harness's ed25519 key, checking its host key. */
export function sshdLogin(server: Sshd): { host: string; port: number; username: string; privateKey: string; knownHostsFile: string } {
  return { host: '127.0.0.1', port: server.port, username: server.user, privateKey: readFileSync(server.clientKeys.ed25519.path, 'utf8'), knownHostsFile: server.knownHostsFile };
}

/** Arguments that make OpenSSH's ssh non-interactive and strict against one server. */
export function sshArgs(server: { port: number; knownHostsFile: string }, key: string, extra: readonly string[] = []): string[] {
  return [
    '-F', '/dev/null',
    '-p', String(server.port),
    '-i', key,
    '-o', 'BatchMode=yes',
    '-o', 'IdentitiesOnly=yes',
    '-o', `UserKnownHostsFile=${server.knownHostsFile}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'ConnectTimeout=10',
    ...extra,
  ];
}

/** Runs a child with an argument vector, feeding stdin, bounded by timeoutMs; resolves with its output. */
export function run(
  cmd: string,
  args: readonly string[],
  opts: { input?: Uint8Array | string; timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env, cwd: opts.cwd });
    const out: Buffer[] = [];
    let err = '';
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => { err += d; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} timed out after ${opts.timeoutMs ?? 60_000} ms; stderr: ${err}`));
    }, opts.timeoutMs ?? 60_000);
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: err });
    });
    child.stdin!.on('error', () => {}); // the child may exit before reading everything
    child.stdin!.end(opts.input ?? '');
  });
}
