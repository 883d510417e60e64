// `seashell ssh`: an interactive client like OpenSSH's ssh. A login shell (or a command) on a
// remote pseudo-terminal with the local TERM and size, the local terminal in raw mode, window
// changes sent on SIGWINCH, `~.` after a newline disconnects; the exit code is the remote one
// (255 when the connection fails). Port forwarding: -L, -R (TCP ports or unix sockets at either
// end, OpenSSH PROTOCOL §2.4), -D (SOCKS4a/5); a forward that cannot be set up is an error
// (exit 255), as with ssh -o ExitOnForwardFailure=yes. -A forwards the agent.
import type { SshClient, ExecProcess, ShellProcess, SshAgent } from '@seashell/core';
import { connectStream } from '../forward.ts';
import { connectUnixSocket } from '../unix-socket.ts';
import { startSocksProxy } from '../socks.ts';
import { agentFromEnv, enableAgentForwarding } from '../agent.ts';
import type { Command } from './command.ts';
import { flag, list, UsageError } from './args.ts';
import { connectWith, parseExecArgs, reportConnectionError, type ExecConfig } from './exec.ts';

const usage = `usage: seashell ssh [-p PORT] [-i KEY]... [-l USER] [-o OPTION=VALUE]... [-c CIPHERS] [-m MACS]
                    [--kex KEXES] [--host-key-algorithms ALGS] [-t|-T] [-N] [-A]
                    [-L [BIND:]PORT:HOST:HOSTPORT]... [-R [BIND:]PORT:HOST:HOSTPORT]... [-D [BIND:]PORT]...
                    (-L / -R also take unix socket paths in place of either end, see below)
                    [user@]host [command...]

Logs in to host: an interactive shell on a remote terminal, or runs command. Exits with the
remote exit status (255 when the connection or a forward fails).

  -t                  ask for a terminal even for a command (-tt: even when stdin is not a terminal)
  -T                  no terminal
  -N                  no shell or command: only forward ports
  -A                  forward the ssh-agent (SSH_AUTH_SOCK) to the server
  -L [BIND:]PORT:HOST:HOSTPORT   listen on BIND:PORT here (default 127.0.0.1); connect to HOST:HOSTPORT from the server
  -L [BIND:]PORT:/REMOTE.SOCK    ... connect to the unix socket /REMOTE.SOCK on the server
  -L /LOCAL.SOCK:HOST:HOSTPORT   listen on the unix socket /LOCAL.SOCK here instead (also /LOCAL.SOCK:/REMOTE.SOCK)
  -R [BIND:]PORT:HOST:HOSTPORT   the server listens on BIND:PORT (default localhost); connections come to HOST:HOSTPORT from here
  -R [BIND:]PORT:/LOCAL.SOCK     ... connections come to the unix socket /LOCAL.SOCK here
  -R /REMOTE.SOCK:HOST:HOSTPORT  the server listens on the unix socket /REMOTE.SOCK instead (also /REMOTE.SOCK:/LOCAL.SOCK)
  -o StreamLocalBindUnlink=yes   replace a stale socket file where -L listens on a unix socket (default: refuse)
  -D [BIND:]PORT      a SOCKS4a/SOCKS5 proxy here; connections go out from the server
  (and every option of seashell exec; see seashell exec --help)

Keys: -i files, else ~/.ssh/id_*, plus the keys of a running ssh-agent (SSH_AUTH_SOCK).
Escape: ~. at the start of a line disconnects; ~~ sends one ~.
`;

const sshSpec = {
  tty: { multiple: true, aliases: ['-t'] },
  noTty: { aliases: ['-T'] },
  noCommand: { aliases: ['-N'] },
  agentForward: { aliases: ['-A'] },
  local: { value: true, multiple: true, aliases: ['-L'] },
  remote: { value: true, multiple: true, aliases: ['-R'] },
  dynamic: { value: true, multiple: true, aliases: ['-D'] },
};

const VALUE_FLAGS = new Set(['-p', '-i', '-l', '-o', '-c', '-m', '-L', '-R', '-D']);
const BOOL_LETTERS = /^-[tTNAqh]{2,}$/;

/** Splits grouped flags (-tt, -NT) before the destination; later words belong to the remote command. */
function expandFlags(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--' || !a.startsWith('-')) return [...out, ...argv.slice(i)];
    if (BOOL_LETTERS.test(a)) out.push(...[...a.slice(1)].map((c) => `-${c}`));
    else {
      out.push(a);
      if (VALUE_FLAGS.has(a) && i + 1 < argv.length) out.push(argv[++i]);
    }
  }
  return out;
}

/**
 * One -L / -R spec. The listening side (here for -L, on the server for -R) is bindHost:bindPort
 * or the unix socket bindPath; the target (on the server for -L, here for -R) is host:port or the
 * unix socket path.
 */
export interface ForwardSpec {
  bindHost?: string;
  bindPort?: number;
  bindPath?: string;
  host?: string;
  port?: number;
  path?: string;
}

/**
 * -L / -R as OpenSSH takes them: [bind:]port:host:hostport, [bind:]port:/socket,
 * /socket:host:hostport or /socket:/socket, with [v6] brackets allowed. A field with a '/' is a
 * unix socket path (so a path cannot contain ':').
 */
export function parseForward(v: string, what: '-L' | '-R'): ForwardSpec {
  const forms = `[BIND:]PORT:HOST:HOSTPORT, [BIND:]PORT:${what === '-L' ? '/REMOTE.SOCK' : '/LOCAL.SOCK'}, ${what === '-L' ? '/LOCAL.SOCK' : '/REMOTE.SOCK'}:HOST:HOSTPORT or /SOCKET:/SOCKET`;
  const parts: string[] = [];
  const re = /\[([^\]]*)\]|([^:]+)|(?<=:)(?=:)|^(?=:)/g;
  for (const m of v.matchAll(re)) parts.push(m[1] ?? m[2] ?? '');
  const port = (s: string, name: string) => {
    if (!/^\d{1,5}$/.test(s) || +s > 65535) throw new UsageError(`${what} ${v}: ${name} must be a number 0..65535`);
    return +s;
  };
  const isPath = (s: string) => s.includes('/');
  const where = (side: 'listen' | 'target') => ((side === 'listen') === (what === '-L') ? 'local' : 'remote');
  if (parts.some((p, i) => isPath(p) && !(i === 0 || i === parts.length - 1))) {
    throw new UsageError(`${what} ${v}: a unix socket path may only come first (the ${where('listen')} socket) or last (the ${where('target')} socket), and cannot contain ':'`);
  }
  const first = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  if (isPath(first)) {
    const bindPath = first;
    if (parts.length === 2 && isPath(last)) return { bindPath, path: last };
    if (parts.length === 3) return { bindPath, host: nonEmpty(parts[1], 'host'), port: port(parts[2], 'host port') };
    throw new UsageError(`${what} ${v}: after the ${where('listen')} socket ${bindPath} comes HOST:HOSTPORT or a ${where('target')} /SOCKET (a socket takes no bind address)`);
  }
  if (isPath(last)) {
    if (parts.length === 2) return { bindPort: port(parts[0], 'port'), path: last };
    if (parts.length === 3) return { bindHost: parts[0] || undefined, bindPort: port(parts[1], 'port'), path: last };
    throw new UsageError(`${what} wants ${forms}, got "${v}"`);
  }
  if (parts.length === 3) return { bindPort: port(parts[0], 'port'), host: nonEmpty(parts[1], 'host'), port: port(parts[2], 'host port') };
  if (parts.length === 4) return { bindHost: parts[0] || undefined, bindPort: port(parts[1], 'port'), host: nonEmpty(parts[2], 'host'), port: port(parts[3], 'host port') };
  throw new UsageError(`${what} wants ${forms}, got "${v}"`);

  function nonEmpty(s: string, name: string): string {
    if (s === '') throw new UsageError(`${what} ${v}: the ${name} is empty`);
    return s;
  }
}

/** A spec as the user would write it, for messages. */
function showForward(f: ForwardSpec, defaultBind: string): string {
  const bind = f.bindPath ?? `${f.bindHost ?? defaultBind}:${f.bindPort}`;
  return `${bind}:${f.path ?? `${f.host}:${f.port}`}`;
}

/** -D: [bind:]port. */
export function parseDynamic(v: string): { bindHost: string; bindPort: number } {
  const m = /^(?:\[([^\]]+)\]:|([^:]+):)?(\d{1,5})$/.exec(v);
  if (!m || +m[3] > 65535) throw new UsageError(`-D wants [BIND:]PORT, got "${v}"`);
  return { bindHost: m[1] ?? m[2] ?? '127.0.0.1', bindPort: +m[3] };
}

export const ssh: Command = {
  summary: 'log in to an SSH server: interactive shell, command, port forwarding (like ssh)',
  usage,
  async run(argv) {
    const cfg = parseExecArgs(expandFlags(argv), { spec: sshSpec, commandOptional: true });
    if (cfg === 'help') {
      process.stdout.write(usage);
      return 0;
    }
    const p = cfg.parsed;
    const forwards = {
      local: list(p, 'local').map((v) => parseForward(v, '-L')),
      remote: list(p, 'remote').map((v) => parseForward(v, '-R')),
      dynamic: list(p, 'dynamic').map(parseDynamic),
    };
    const ttyCount = Array.isArray(p.options.tty) ? p.options.tty.length : 0;
    if (ttyCount && flag(p, 'noTty')) throw new UsageError('-t and -T contradict each other');
    const noCommand = flag(p, 'noCommand');
    if (noCommand && cfg.command) throw new UsageError('-N runs no command, but one was given');
    try {
      return await runSsh(cfg, { ...forwards, ttyCount, noTty: flag(p, 'noTty'), noCommand, agentForward: flag(p, 'agentForward') });
    } catch (e) {
      reportConnectionError(e, cfg);
      return 255;
    }
  },
};

interface SshFlags {
  local: ForwardSpec[];
  remote: ForwardSpec[];
  dynamic: ReturnType<typeof parseDynamic>[];
  ttyCount: number;
  noTty: boolean;
  noCommand: boolean;
  agentForward: boolean;
}

async function runSsh(cfg: ExecConfig, f: SshFlags): Promise<number> {
  const agent = await usableAgent(cfg.quiet);
  const client = await connectWith(cfg, agent);
  const closers: (() => void)[] = [];
  try {
    await setUpForwards(client, f, closers, cfg.streamLocalBindUnlink);
    if (f.agentForward) {
      const sock = process.env.SSH_AUTH_SOCK;
      if (!sock) process.stderr.write('seashell: -A: SSH_AUTH_SOCK is not set; no agent to forward\n');
      else enableAgentForwarding(client, sock);
    }
    if (f.noCommand) {
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        void client.closed.then(stop);
      });
      return 0;
    }
    const stdinTty = !!process.stdin.isTTY;
    const wantPty = !f.noTty && (f.ttyCount >= 2 || (stdinTty && (f.ttyCount >= 1 || !cfg.command)));
    if (!f.noTty && !wantPty && f.ttyCount === 0 && !cfg.command && !cfg.quiet) {
      process.stderr.write('Pseudo-terminal will not be allocated because stdin is not a terminal.\n');
    }
    const size = { cols: process.stdout.columns || 80, rows: process.stdout.rows || 24 };
    const term = process.env.TERM || 'xterm';
    const requestAgent = f.agentForward && !!process.env.SSH_AUTH_SOCK;
    const proc: ExecProcess | ShellProcess = cfg.command
      ? await client.execStream(cfg.command, { pty: wantPty ? { term, ...size } : false, agentForwarding: requestAgent })
      : await client.shell({ term, ...size, pty: wantPty, agentForwarding: requestAgent });
    if ('ptyRefused' in proc && proc.ptyRefused && wantPty) process.stderr.write('PTY allocation request failed\n');
    return await interact(client, proc, wantPty && stdinTty, cfg.quiet);
  } finally {
    for (const c of closers) c();
    process.stdin.pause();
    process.stdin.unref?.();
    await client.close();
  }
}

/** The SSH_AUTH_SOCK agent with its key list read once, or null (a dead agent is a warning, not fatal). */
async function usableAgent(quiet: boolean): Promise<SshAgent | null> {
  const agent = agentFromEnv();
  if (!agent) return null;
  try {
    const ids = await agent.identities();
    return { identities: async () => ids, sign: (blob, data, alg) => agent.sign(blob, data, alg) };
  } catch (e) {
    if (!quiet) process.stderr.write(`seashell: ignoring the agent at SSH_AUTH_SOCK: ${(e as Error).message}\n`);
    return null;
  }
}

async function setUpForwards(client: SshClient, f: SshFlags, closers: (() => void)[], unlinkExisting: boolean): Promise<void> {
  for (const l of f.local) {
    try {
      const listen = l.bindPath !== undefined ? { bindPath: l.bindPath, unlinkExisting } : { bindHost: l.bindHost ?? '127.0.0.1', bindPort: l.bindPort };
      const target = l.path !== undefined ? { socketPath: l.path } : { host: l.host, port: l.port };
      const fwd = await client.forwardLocal({ ...listen, ...target });
      closers.push(() => fwd.close());
    } catch (e) {
      throw new Error(`-L ${showForward(l, '127.0.0.1')}: ${(e as Error).message}`);
    }
  }
  for (const r of f.remote) {
    try {
      const open = () => (r.path !== undefined ? connectUnixSocket(r.path) : connectStream(r.host!, r.port!));
      if (r.bindPath !== undefined) {
        const fwd = await client.forwardRemoteUnix({ socketPath: r.bindPath }, open);
        closers.push(() => void fwd.close().catch(() => {}));
        continue;
      }
      const fwd = await client.forwardRemote({ bindHost: r.bindHost ?? 'localhost', bindPort: r.bindPort! }, open);
      if (r.bindPort === 0) process.stderr.write(`Allocated port ${fwd.bindPort} for remote forward to ${r.path ?? `${r.host}:${r.port}`}\n`);
      closers.push(() => void fwd.close().catch(() => {}));
    } catch (e) {
      throw new Error(`-R ${showForward(r, 'localhost')}: ${(e as Error).message}`);
    }
  }
  for (const d of f.dynamic) {
    try {
      const proxy = await startSocksProxy(client, d.bindHost, d.bindPort);
      closers.push(() => proxy.close());
    } catch (e) {
      throw new Error(`-D ${d.bindHost}:${d.bindPort}: ${(e as Error).message}`);
    }
  }
}

/** Wires the terminal (raw mode, resize, ~. escape) or plain stdio to the remote process. */
async function interact(client: SshClient, proc: ExecProcess | ShellProcess, raw: boolean, quiet: boolean): Promise<number> {
  const stdin = process.stdin;
  const restore: (() => void)[] = [];
  if (raw && stdin.isTTY) {
    stdin.setRawMode(true);
    restore.push(() => stdin.setRawMode(false));
  }
  if ('resize' in proc && process.stdout.isTTY) {
    const onResize = () => proc.resize(process.stdout.columns || 80, process.stdout.rows || 24);
    process.stdout.on('resize', onResize);
    process.on('SIGWINCH', onResize);
    restore.push(() => {
      process.stdout.off('resize', onResize);
      process.off('SIGWINCH', onResize);
    });
  }
  let disconnected = false;
  const writer = proc.stdin.getWriter();
  // ~ escapes are recognised only when stdin is a terminal, as ssh does by default
  const escapes = !!stdin.isTTY;
  let lineStart = true;
  let tilde = false;
  const filter = (chunk: Uint8Array): Uint8Array | null => {
    if (!escapes) return chunk;
    const out: number[] = [];
    for (const b of chunk) {
      if (tilde) {
        tilde = false;
        if (b === 0x2e) return null; // ~.
        if (b !== 0x7e) out.push(0x7e);
        out.push(b);
        lineStart = false;
        continue;
      }
      if (lineStart && b === 0x7e) {
        tilde = true;
        continue;
      }
      out.push(b);
      lineStart = b === 0x0d || b === 0x0a;
    }
    return Uint8Array.from(out);
  };
  const pumpIn = (async () => {
    try {
      for await (const chunk of stdin as AsyncIterable<Buffer>) {
        const data = filter(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if (data === null) {
          disconnected = true;
          process.stderr.write('\r\nConnection to remote closed (~.).\r\n');
          proc.close();
          void client.close();
          return;
        }
        if (data.length) await writer.write(data);
      }
      await writer.close();
    } catch {
      /* the remote side went away first */
    }
  })();
  void pumpIn;
  try {
    await Promise.all([pipeOut(proc.stdout, process.stdout), pipeOut(proc.stderr, process.stderr)]);
    const exit = await proc.exit;
    if (disconnected) return 255;
    if (exit.signal !== null) {
      if (!quiet) process.stderr.write(`seashell: remote command killed by signal ${exit.signal}\n`);
      return 255;
    }
    return exit.code ?? 255;
  } catch {
    return 255;
  } finally {
    for (const r of restore) r();
  }
}

async function pipeOut(r: ReadableStream<Uint8Array>, out: NodeJS.WriteStream): Promise<void> {
  const reader = r.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      if (!out.write(value)) await new Promise<void>((res) => out.once('drain', res));
    }
  } catch {
    /* connection gone: the exit path reports it */
  }
}
