// `seashell exec`: runs one remote command like `ssh [options] destination command`: stdin,
// stdout and stderr pass through with backpressure, and the exit code is the remote command's
// (255 when the connection or login fails, or the command died of a signal, as ssh does).
// Keys default to ~/.ssh/id_* and host keys are checked against ~/.ssh/known_hosts.
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import {
  KeyFileError,
  isWrongPassphrase,
  privateKeyInfo,
  type AlgorithmLists,
  type StrictHostKeyChecking,
} from '@seashell/core';
import { connect, type SshClient } from '../index.ts';
import type { SshAgent } from '@seashell/core';
import type { Command } from './command.ts';
import { flag, list, parseArgs, parseList, parsePort, str, UsageError, type OptionSpec, type Parsed } from './args.ts';
import { defaultIdentityFiles, expandHome, sshPath } from '../files.ts';

const usage = `usage: seashell exec [-p PORT] [-i KEY]... [-l USER] [-o OPTION=VALUE]... [-c CIPHERS] [-m MACS]
                     [--kex KEXES] [--host-key-algorithms ALGS] [user@]host [--] command...

Runs command on host and passes stdin, stdout and stderr through; exits with the command's
exit status (255 when the connection fails, as ssh does).

  -p PORT                      port (default 22)
  -i KEY                       private key file (default: ~/.ssh/id_rsa, id_ecdsa, id_ed25519 that exist)
  -l USER                      user to log in as (default: the local user)
  -o StrictHostKeyChecking=yes|accept-new|no
                               unknown host keys: refuse (default), add to known_hosts, or add silently;
                               a changed host key is always refused
  -o UserKnownHostsFile=FILE   known_hosts file (default ~/.ssh/known_hosts)
  -o Port=N, User=NAME, IdentityFile=FILE, ConnectTimeout=SECONDS, Ciphers=, MACs=,
     KexAlgorithms=, HostKeyAlgorithms=, BatchMode=yes|no (accepted; exec never prompts)
  -c CIPHERS                   cipher list, comma-separated, most preferred first
  -m MACS                      MAC list
  --kex KEXES                  key exchange list
  --host-key-algorithms ALGS   host key algorithm list
  -q                           no warnings

Encrypted keys are used when SEASHELL_PASSPHRASE holds their passphrase; otherwise skipped.
`;

/** The connection options of exec, shared by get, put and ssh. */
export const connectionSpec = {
  help: { aliases: ['-h'] },
  port: { value: true, aliases: ['-p'] },
  identity: { value: true, multiple: true, aliases: ['-i'] },
  login: { value: true, aliases: ['-l'] },
  option: { value: true, multiple: true, aliases: ['-o'] },
  ciphers: { value: true, aliases: ['-c'] },
  macs: { value: true, aliases: ['-m'] },
  kex: { value: true, aliases: ['--kex'] },
  hostKeyAlgorithms: { value: true, aliases: ['--host-key-algorithms'] },
  quiet: { aliases: ['-q'] },
};

const spec = connectionSpec;
/** exec's options (the connection options; ssh adds its own on top). */
export const execSpec = connectionSpec;

/** Where and how to connect (exec's options without the command). */
export interface ConnectionConfig {
  host: string;
  port: number;
  user: string;
  identities: string[];
  explicitIdentities: boolean;
  strict: StrictHostKeyChecking;
  knownHostsFile: string;
  algorithms: Partial<AlgorithmLists>;
  connectTimeoutMs?: number;
  /** -o StreamLocalBindUnlink=yes: a local unix socket forward (ssh -L /path.sock:...) replaces a stale socket file. */
  streamLocalBindUnlink: boolean;
  quiet: boolean;
  /** The parsed command line (for commands that add options, like ssh). */
  parsed: Parsed;
}

export interface ExecConfig extends ConnectionConfig {
  command: string;
}

/** Parses the command line into a configuration (exported for tests). */
export function parseExecArgs(argv: string[], more_: { spec?: Record<string, OptionSpec>; commandOptional?: boolean } = {}): ExecConfig | 'help' {
  const p = parseArgs(argv, { ...spec, ...more_.spec }, 1);
  if (flag(p, 'help')) return 'help';
  const [dest, ...more] = p.positionals;
  if (!dest) throw new UsageError('name the host to connect to');
  const commandWords = [...more, ...p.rest];
  if (commandWords.length === 0 && !more_.commandOptional) throw new UsageError('give the command to run (seashell exec has no interactive shell)');
  // ssh joins the words with spaces and the remote shell parses them; so do we.
  return { ...connectionConfig(p, dest, 'exec'), command: commandWords.join(' ') };
}

/** The connection settings from parsed options and a [user@]host destination. */
export function connectionConfig(p: Parsed, dest: string, command: string): ConnectionConfig {
  const o: Record<string, string> = {};
  const identities = list(p, 'identity');
  for (const opt of list(p, 'option')) {
    const m = /^([A-Za-z]+)\s*[= ]\s*(.*)$/.exec(opt);
    if (!m) throw new UsageError(`-o wants OPTION=VALUE, got "${opt}"`);
    const key = m[1].toLowerCase();
    if (key === 'identityfile') identities.push(m[2]);
    else o[key] = m[2];
  }
  const known = ['stricthostkeychecking', 'userknownhostsfile', 'port', 'user', 'connecttimeout', 'ciphers', 'macs', 'kexalgorithms', 'hostkeyalgorithms', 'batchmode', 'streamlocalbindunlink'];
  for (const k of Object.keys(o)) if (!known.includes(k)) throw new UsageError(`-o ${k}: option not supported by seashell ${command}`);

  let user = str(p, 'login') ?? o.user;
  let host = dest;
  const at = dest.lastIndexOf('@');
  if (at >= 0) {
    user = dest.slice(0, at);
    host = dest.slice(at + 1);
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (!host) throw new UsageError(`no host in "${dest}"`);
  if (user === '') throw new UsageError(`empty user name in "${dest}"`);
  const portText = str(p, 'port') ?? o.port;
  const port = portText === undefined ? 22 : parsePort(portText, '-p');

  const strictText = (o.stricthostkeychecking ?? 'yes').toLowerCase();
  const strict = ({ yes: 'yes', 'accept-new': 'accept-new', no: 'no', off: 'no', ask: 'yes' } as Record<string, StrictHostKeyChecking>)[strictText];
  if (!strict) throw new UsageError(`StrictHostKeyChecking must be yes, accept-new or no, got "${o.stricthostkeychecking}"`);

  const algorithms: Partial<{ -readonly [K in keyof AlgorithmLists]: string[] }> = {};
  const ciphers = str(p, 'ciphers') ?? o.ciphers;
  const macs = str(p, 'macs') ?? o.macs;
  const kex = str(p, 'kex') ?? o.kexalgorithms;
  const hka = str(p, 'hostKeyAlgorithms') ?? o.hostkeyalgorithms;
  if (ciphers) algorithms.cipher = parseList(ciphers, '-c');
  if (macs) algorithms.mac = parseList(macs, '-m');
  if (kex) algorithms.kex = parseList(kex, '--kex');
  if (hka) algorithms.hostKey = parseList(hka, '--host-key-algorithms');

  const unlinkText = (o.streamlocalbindunlink ?? 'no').toLowerCase();
  if (unlinkText !== 'yes' && unlinkText !== 'no') throw new UsageError(`StreamLocalBindUnlink must be yes or no, got "${o.streamlocalbindunlink}"`);

  let connectTimeoutMs: number | undefined;
  if (o.connecttimeout !== undefined) {
    if (!/^\d+$/.test(o.connecttimeout) || +o.connecttimeout < 1) throw new UsageError(`ConnectTimeout must be a number of seconds, got "${o.connecttimeout}"`);
    connectTimeoutMs = +o.connecttimeout * 1000;
  }
  return {
    host,
    port,
    user: user ?? userInfo().username,
    identities: identities.length ? identities.map(expandHome) : defaultIdentityFiles(),
    explicitIdentities: identities.length > 0,
    strict,
    knownHostsFile: expandHome(o.userknownhostsfile ?? sshPath('known_hosts')),
    algorithms,
    connectTimeoutMs,
    streamLocalBindUnlink: unlinkText === 'yes',
    quiet: flag(p, 'quiet'),
    parsed: p,
  };
}

/** Reads the identity files, skipping (with a warning) encrypted keys we have no passphrase for. */
export function loadIdentities(cfg: ConnectionConfig): string[] {
  const out: string[] = [];
  const passphrase = process.env.SEASHELL_PASSPHRASE;
  for (const f of cfg.identities) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (e) {
      if (cfg.explicitIdentities) throw new Error(`cannot read identity file ${f}: ${(e as Error).message}`);
      continue;
    }
    try {
      const info = privateKeyInfo(text, { file: f });
      if (info.encrypted && !passphrase) {
        if (!cfg.quiet) process.stderr.write(`seashell: skipping ${f}: it is encrypted (set SEASHELL_PASSPHRASE to use it)\n`);
        continue;
      }
    } catch (e) {
      if (cfg.explicitIdentities) throw e;
      if (!cfg.quiet) process.stderr.write(`seashell: skipping ${f}: ${(e as Error).message}\n`);
      continue;
    }
    out.push(text);
  }
  return out;
}

export const exec: Command = {
  summary: 'run a command on an SSH server (like ssh host command)',
  usage,
  async run(argv) {
    const cfg = parseExecArgs(argv);
    if (cfg === 'help') {
      process.stdout.write(usage);
      return 0;
    }
    try {
      return await runExec(cfg);
    } catch (e) {
      reportConnectionError(e, cfg);
      return 255;
    }
  },
};

/** Prints a connection (or login, or host key) failure for exec, ssh, get and put alike, with a hint where one helps. */
export function reportConnectionError(e: unknown, cfg: ConnectionConfig): void {
  const err = e as Error;
  let msg = err.message;
  if (e instanceof KeyFileError && isWrongPassphrase(e)) msg = `${msg} (check SEASHELL_PASSPHRASE)`;
  // a usage mistake found late (e.g. a forward spec) reads like the early ones: no class name
  process.stderr.write(`seashell: ${err.name && err.name !== 'Error' && err.name !== 'UsageError' ? `${err.name}: ` : ''}${msg}\n`);
  if (err.name === 'HostKeyMismatchError' && cfg.strict === 'yes' && /no .* host key is known/.test(msg)) {
    process.stderr.write(`seashell: to trust this host on first use, add -o StrictHostKeyChecking=accept-new\n`);
  }
  if (process.env.SEASHELL_DEBUG) process.stderr.write(`${err.stack}\n`);
}

/**
 * Logs in as exec does (identities, known_hosts policy, algorithm lists). `agent` is for callers
 * that use an ssh-agent (seashell ssh): its keys are tried too, so the identity files may be none;
 * null means such a caller found no agent (the error then suggests one).
 */
export async function connectWith(cfg: ConnectionConfig, agent?: SshAgent | null): Promise<SshClient> {
  const keys = loadIdentities(cfg);
  if (keys.length === 0 && !agent) {
    throw new Error(`no usable identity: give -i KEY${agent === undefined ? '' : ' or run an ssh-agent'} (tried ${cfg.identities.join(', ') || 'no ~/.ssh/id_* files'})`);
  }
  const client = await connect({
    host: cfg.host,
    port: cfg.port,
    username: cfg.user,
    privateKey: keys.length ? keys : undefined,
    agent: agent ?? undefined,
    passphrase: process.env.SEASHELL_PASSPHRASE,
    knownHostsFile: cfg.knownHostsFile,
    strictHostKeyChecking: cfg.strict,
    algorithms: cfg.algorithms,
    connectTimeoutMs: cfg.connectTimeoutMs,
  });
  if (client.hostKey.knownHosts === 'unknown' && !cfg.quiet) {
    process.stderr.write(`Warning: Permanently added '${cfg.host}' (${client.hostKey.type}) to the list of known hosts.\n`);
  }
  return client;
}

async function runExec(cfg: ExecConfig): Promise<number> {
  const client = await connectWith(cfg);
  try {
    const proc = await client.execStream(cfg.command);
    const stdinDone = pumpStdin(proc.stdin);
    await Promise.all([pipeOut(proc.stdout, process.stdout), pipeOut(proc.stderr, process.stderr)]);
    const exit = await proc.exit;
    void stdinDone;
    if (exit.signal !== null) {
      if (!cfg.quiet) process.stderr.write(`seashell: remote command killed by signal ${exit.signal}\n`);
      return 255;
    }
    return exit.code ?? 255;
  } finally {
    process.stdin.pause();
    process.stdin.unref?.();
    await client.close();
  }
}

/** Copies our stdin into the remote command's, with backpressure; EOF when ours ends. */
async function pumpStdin(w: WritableStream<Uint8Array>): Promise<void> {
  const writer = w.getWriter();
  try {
    for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
      await writer.write(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    }
    await writer.close();
  } catch {
    // the remote side went away first; nothing more to send
  }
}

/** Copies a remote stream to a local one, waiting for 'drain' when the local one is full. */
async function pipeOut(r: ReadableStream<Uint8Array>, out: NodeJS.WriteStream): Promise<void> {
  const reader = r.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    if (!out.write(value)) await new Promise<void>((res) => out.once('drain', res));
  }
}
