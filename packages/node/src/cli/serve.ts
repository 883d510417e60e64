// `seashell serve`: an SSH server for exec requests and SFTP, run as the invoking user. Host keys come
// from --host-key files or are generated once into the state directory (~/.seashell); users log
// in with keys from authorized_keys (~/.ssh/authorized_keys by default, re-read on every attempt
// like sshd, with from= / expiry-time= / command= honoured). Each command runs as
// spawn('/bin/sh', ['-c', command]): the client's command string goes to the shell as one
// argument, never pasted into a line of our own. The sftp subsystem serves --root (default: the
// current directory) through NodeFileSystem, jailed there: `sftp -P 2222 $USER@127.0.0.1` works.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { constants as osConstants } from 'node:os';
import {
  findAuthorizedKey,
  formatPrivateKey,
  formatPublicKeyLine,
  generateKey,
  parseAuthorizedKeys,
  parsePrivateKey,
  publicOf,
  type AuthContext,
  type PrivateKey,
  type ServerExec,
} from '@seashell/core';
import { createServer, type NodeSshServer } from '../index.ts';
import { NodeFileSystem } from '../sftp-fs.ts';
import type { Command } from './command.ts';
import { flag, list, parseArgs, parsePort, str, UsageError, parseList } from './args.ts';
import { expandHome, home, readTextIfExists, sshPath, writeFileSafely } from '../files.ts';
import { fingerprintLine, keyTypeLabel } from './keyinfo.ts';
import { pipeChild, ptyAvailable, runShell } from '../pty.ts';
import { forwardingPolicy, FORWARDING_USAGE, FORWARDING_SPEC } from './serve-forwarding.ts';

const usage = `usage: seashell serve [--listen ADDR:PORT] [--host-key FILE]... [--authorized-keys FILE] [--root DIR]
                      [--no-sftp] [--state-dir DIR] [-c CIPHERS] [-m MACS] [--kex KEXES] [--host-key-algorithms ALGS]

Serves SSH exec requests as the current user (each command runs with /bin/sh -c) and SFTP over
--root, jailed there (no way out through .., absolute paths or symbolic links).

  --listen ADDR:PORT       where to listen (default 127.0.0.1:2222; loopback unless told otherwise)
  --host-key FILE          host private key (repeatable); default: keys kept in the state directory,
                           generated on first start (ed25519 and ecdsa)
  --authorized-keys FILE   keys allowed to log in (default ~/.ssh/authorized_keys)
  --root DIR               directory SFTP serves as / and where commands run (default: the current directory)
  --no-sftp                refuse the sftp subsystem
  --state-dir DIR          where generated host keys live (default $SEASHELL_STATE_DIR or ~/.seashell)
  -c, -m, --kex, --host-key-algorithms   algorithm lists offered, most preferred first
${FORWARDING_USAGE}`;

const spec = {
  help: { aliases: ['-h'] },
  listen: { value: true },
  hostKey: { value: true, multiple: true, aliases: ['--host-key'] },
  authorizedKeys: { value: true, aliases: ['--authorized-keys'] },
  root: { value: true },
  noSftp: { aliases: ['--no-sftp'] },
  stateDir: { value: true, aliases: ['--state-dir'] },
  ciphers: { value: true, aliases: ['-c'] },
  macs: { value: true, aliases: ['-m'] },
  kex: { value: true },
  hostKeyAlgorithms: { value: true, aliases: ['--host-key-algorithms'] },
  ...FORWARDING_SPEC,
};

/** Parses --listen: "PORT", "HOST:PORT" or "[V6]:PORT". */
export function parseListen(v: string): { host: string; port: number } {
  const port = (p: string) => (p === '0' ? 0 : parsePort(p, '--listen'));
  if (/^\d+$/.test(v)) return { host: '127.0.0.1', port: port(v) };
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(v) ?? /^([^:]+):(\d+)$/.exec(v);
  if (!m) throw new UsageError(`--listen wants HOST:PORT (port 0 picks a free one), got "${v}"`);
  return { host: m[1], port: port(m[2]) };
}

const HOST_KEY_FILES: { file: string; type: 'ed25519' | 'ecdsa' }[] = [
  { file: 'ssh_host_ed25519_key', type: 'ed25519' },
  { file: 'ssh_host_ecdsa_key', type: 'ecdsa' },
];

/** Loads the state directory's host keys, generating any that are missing. */
function stateHostKeys(dir: string): { key: PrivateKey; file: string; created: boolean }[] {
  return HOST_KEY_FILES.map(({ file, type }) => {
    const path = join(dir, file);
    const text = readTextIfExists(path);
    if (text !== undefined) return { key: parsePrivateKey(text, { file: path }).privateKey, file: path, created: false };
    const key = generateKey({ type });
    const comment = `seashell-host-key@${userInfo().username}`;
    writeFileSafely(path, formatPrivateKey(key, { comment }), 0o600);
    writeFileSafely(`${path}.pub`, `${formatPublicKeyLine(key, comment)}\n`, 0o644);
    return { key, file: path, created: true };
  });
}


/** The environment a command runs with: a clean one, like sshd's, plus accepted client variables. */
function commandEnv(exec: ServerExec, local: { address?: string; port?: number }, forced?: string): Record<string, string> {
  const u = userInfo();
  const env: Record<string, string> = {
    PATH: process.env.PATH || '/usr/local/bin:/usr/bin:/bin',
    HOME: home(),
    USER: u.username,
    LOGNAME: u.username,
    SHELL: u.shell || '/bin/sh',
  };
  if (exec.remoteAddress) {
    env.SSH_CLIENT = `${exec.remoteAddress} ${exec.remotePort ?? 0} ${local.port ?? 0}`;
    env.SSH_CONNECTION = `${exec.remoteAddress} ${exec.remotePort ?? 0} ${local.address ?? ''} ${local.port ?? 0}`;
  }
  for (const [k, v] of Object.entries(exec.env)) env[k] = v;
  if (exec.agentSocket) env.SSH_AUTH_SOCK = exec.agentSocket;
  if (forced !== undefined) env.SSH_ORIGINAL_COMMAND = exec.command;
  return env;
}

const SIGNALS = new Set(Object.keys(osConstants.signals).map((s) => s.slice(3)));

/** Runs one exec request as a child process, wiring its stdio to the channel with backpressure both ways. */
export function runCommand(exec: ServerExec, command: string, cwd: string, env: Record<string, string>): void {
  const child = spawn('/bin/sh', ['-c', command], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let exited = false;
  child.on('error', (e) => {
    if (exited) return;
    exited = true;
    exec.writeStderr(new TextEncoder().encode(`seashell: cannot run /bin/sh: ${e.message}\n`));
    exec.exit(127);
  });
  pipeChild(child, exec);
  exec.onSignal((name) => {
    if (SIGNALS.has(name) && !exited) child.kill(`SIG${name}` as NodeJS.Signals);
  });
  exec.onClose(() => {
    if (!exited && child.exitCode === null && child.signalCode === null) child.kill('SIGHUP');
  });
  child.on('close', (code, signal) => {
    if (exited) return;
    exited = true;
    if (signal) exec.exitSignal(signal.replace(/^SIG/, ''), false);
    else exec.exit(code ?? 0);
  });
}

export const serve: Command = {
  summary: 'serve shells, exec, SFTP and forwarding over SSH as the current user',
  usage,
  async run(argv) {
    const p = parseArgs(argv, spec);
    if (flag(p, 'help')) {
      process.stdout.write(usage);
      return 0;
    }
    if (p.positionals.length) throw new UsageError(`unexpected argument "${p.positionals[0]}"`);
    const { host, port } = parseListen(str(p, 'listen') ?? '127.0.0.1:2222');
    const root = expandHome(str(p, 'root') ?? process.cwd());
    if (!existsSync(root)) throw new UsageError(`--root ${root} does not exist`);
    const sftpFs = flag(p, 'noSftp') ? undefined : await NodeFileSystem.create({ root });
    const authorizedKeysFile = expandHome(str(p, 'authorizedKeys') ?? sshPath('authorized_keys'));
    const stateDir = expandHome(str(p, 'stateDir') ?? process.env.SEASHELL_STATE_DIR ?? join(home(), '.seashell'));
    const algorithms: Record<string, string[]> = {};
    if (str(p, 'ciphers')) algorithms.cipher = parseList(str(p, 'ciphers')!, '-c');
    if (str(p, 'macs')) algorithms.mac = parseList(str(p, 'macs')!, '-m');
    if (str(p, 'kex')) algorithms.kex = parseList(str(p, 'kex')!, '--kex');
    if (str(p, 'hostKeyAlgorithms')) algorithms.hostKey = parseList(str(p, 'hostKeyAlgorithms')!, '--host-key-algorithms');

    const given = list(p, 'hostKey').map(expandHome);
    let hostKeys: { key: PrivateKey; file: string; created: boolean }[];
    if (given.length) {
      hostKeys = given.map((f) => {
        let text: string;
        try {
          text = readFileSync(f, 'utf8');
        } catch (e) {
          throw new Error(`cannot read host key ${f}: ${(e as Error).message}`);
        }
        return { key: parsePrivateKey(text, { file: f }).privateKey, file: f, created: false };
      });
    } else {
      hostKeys = stateHostKeys(stateDir);
    }

    const me = userInfo().username;
    const authenticate = (ctx: AuthContext): boolean => {
      if (ctx.username !== me) return false;
      if (ctx.method !== 'publickey') return false;
      return authorizedEntry(ctx.key.blob, ctx.remoteAddress) !== undefined;
    };
    // Read on every use (an edit takes effect at once, as with sshd); parsed again only when the
    // text changed: each login consults it several times (query, signature, restrictions, exec).
    let parsed: { text: string; file: ReturnType<typeof parseAuthorizedKeys> } | undefined;
    const authorizedEntry = (blob: Uint8Array, remoteAddress: string | undefined) => {
      const text = readTextIfExists(authorizedKeysFile);
      if (text === undefined) return undefined;
      if (parsed?.text !== text) parsed = { text, file: parseAuthorizedKeys(text, { file: authorizedKeysFile }) };
      return findAuthorizedKey(parsed.file, blob, { clientAddress: remoteAddress ?? '127.0.0.1', now: Date.now() });
    };

    const shellSession = (exec: ServerExec) => {
      const entry = exec.userKey ? authorizedEntry(exec.userKey.blob, exec.remoteAddress) : undefined;
      if (!entry) {
        exec.writeStderr(new TextEncoder().encode('seashell: key no longer authorized\n'));
        exec.exit(255);
        return;
      }
      const forced = entry.options.command;
      const addr = server.address();
      const env = commandEnv(exec, { address: addr?.address, port: addr?.port }, forced);
      if (forced !== undefined) runShell(Object.create(exec, { kind: { value: 'exec' }, command: { value: forced } }) as ServerExec, { cwd: root, env });
      else runShell(exec, { cwd: root, env, shell: userInfo().shell || undefined });
    };
    const havePty = ptyAvailable() !== null;
    const server: NodeSshServer = createServer({
      hostKeys: hostKeys.map((h) => h.key),
      methods: ['publickey'],
      algorithms,
      authenticate,
      sftp: sftpFs && ((session) => {
        const entry = session.userKey ? authorizedEntry(session.userKey.blob, session.remoteAddress) : undefined;
        if (!entry) throw new Error('key no longer authorized');
        if (entry.options.command !== undefined) throw new Error('this key has a forced command; SFTP is not allowed with it');
        return sftpFs;
      }),
      pty: havePty,
      // authorized_keys no-pty / no-port-forwarding / no-agent-forwarding / restrict
      restrict: (login) => {
        const o = login.userKey ? authorizedEntry(login.userKey.blob, login.remoteAddress)?.options : undefined;
        return o ? { pty: o.pty, portForwarding: o.portForwarding, agentForwarding: o.agentForwarding } : { pty: false, portForwarding: false, agentForwarding: false };
      },
      forwarding: forwardingPolicy(p),
      onShell: shellSession,
      onExec: (exec) => {
        if (exec.pty) return shellSession(exec);
        const entry = exec.userKey ? authorizedEntry(exec.userKey.blob, exec.remoteAddress) : undefined;
        if (!entry) {
          // the key was removed from authorized_keys since login
          exec.writeStderr(new TextEncoder().encode('seashell: key no longer authorized\n'));
          exec.exit(255);
          return;
        }
        const forced = entry.options.command;
        const command = forced ?? exec.command;
        const addr = server.address();
        runCommand(exec, command, root, commandEnv(exec, { address: addr?.address, port: addr?.port }, forced));
      },
    });
    const addr = await server.listen(port, host);

    const out = process.stdout;
    out.write(`seashell serve: listening on ${addr.address}:${addr.port}${isLoopback(addr.address) ? '' : ' (NOT loopback: reachable from the network)'}\n`);
    out.write('host keys:\n');
    for (const h of hostKeys) out.write(`  ${fingerprintLine(publicOf(h.key), h.file)}${h.created ? ' [new]' : ''}\n`);
    const ak = readTextIfExists(authorizedKeysFile);
    const count = ak === undefined ? 0 : parseAuthorizedKeys(ak, { file: authorizedKeysFile }).keys.length;
    out.write(`authorized keys: ${authorizedKeysFile} (${count} key${count === 1 ? '' : 's'})\n`);
    if (count === 0) out.write(`  nobody can log in yet: add a public key to ${authorizedKeysFile}\n`);
    out.write(`commands run as ${me} with /bin/sh -c in ${root}\n`);
    out.write(sftpFs ? `SFTP serves ${root} as /\n` : 'SFTP is off (--no-sftp)\n');
    const target = addr.address.includes(':') ? `[${addr.address}]` : addr.address;
    out.write(`connect with:\n  ssh -p ${addr.port} ${me}@${addr.address === '0.0.0.0' || addr.address === '::' ? '127.0.0.1' : addr.address}\n`);
    out.write(`  (or: seashell exec -p ${addr.port} ${me}@${target} -- uname -a)\n`);
    if (sftpFs) out.write(`  sftp -P ${addr.port} ${me}@${addr.address === '0.0.0.0' || addr.address === '::' ? '127.0.0.1' : target}\n`);
    out.write(`host key types: ${hostKeys.map((h) => keyTypeLabel(publicOf(h.key))).join(', ')}; stop with Ctrl-C\n`);

    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        server.close().then(resolve);
        // connections that do not close promptly must not hold the process
        setTimeout(resolve, 2000).unref();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    return 0;
  },
};

function isLoopback(a: string): boolean {
  return a === '::1' || a.startsWith('127.') || a === 'localhost' || a === '::ffff:127.0.0.1';
}
