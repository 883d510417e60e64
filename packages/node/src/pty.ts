// Interactive sessions for `seashell serve` and createServer users: a login shell (or a command)
// on a real pseudo-terminal without any native addon, through util-linux `script`, which makes a
// pty, runs the command on it as a session leader with that pty as controlling terminal, and
// copies bytes between it and our pipes. The terminal size is set with `stty rows R cols C`
// against the pty device (found through /proc); TIOCSWINSZ makes the kernel send SIGWINCH to the
// terminal's foreground process group. Where no `script` exists the shell runs over pipes (and
// the server refuses pty-req up front so the client is told). Argument vectors only: the client's
// command reaches the shell through an environment variable, never pasted into a line of ours.
//
// Exit status on a pty: `script` reports a command killed by signal N as exit code 128+N, which
// cannot be told apart from `exit 128+N`. Where perl is installed (perl-base is Essential on
// Debian), a few lines of it sit between script and the command, wait for it like a shell waits
// for a foreground job (own process group, made the terminal's foreground group, so Ctrl-C and
// our signals reach the command and not the waiter) and write the real wait status to fd 3, a
// pipe back to us that the command itself never inherits; the client then gets exit-signal.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { constants as osConstants } from 'node:os';
import type { ServerExec } from '@seashell/core';

/** The first of `candidates` for which `works` holds, or null; looked for once, on the first call. */
function firstWorking(candidates: readonly string[], works: (path: string) => boolean): () => string | null {
  let found: string | null | undefined;
  return () => (found !== undefined ? found : (found = candidates.find(works) ?? null));
}

/** The util-linux `script` binary if it can make a pty here, else null (checked once). */
export const ptyAvailable = firstWorking(['/usr/bin/script', '/bin/script'], (p) => {
  const r = spawnSync(p, ['-qfec', 'tty', '/dev/null'], { encoding: 'utf8', timeout: 5_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return r.status === 0 && /\/dev\/(pts\/|tty)/.test(r.stdout);
});

const SIGNALS = new Set(Object.keys(osConstants.signals).map((s) => s.slice(3)));
/** Signal number -> name without "SIG" (this platform's numbering, as the waiter reports it). */
const SIGNAL_NAMES = new Map(Object.entries(osConstants.signals).map(([name, n]) => [n as number, name.slice(3)]));

/** A perl that runs, else null (checked once): the waiter that reports a pty command's wait status. */
export const waiterAvailable = firstWorking(['/usr/bin/perl', '/bin/perl'], (p) => spawnSync(p, ['-MPOSIX', '-e', 'exit 0'], { timeout: 5_000, stdio: 'ignore' }).status === 0);

/**
 * The waiter (perl, run as `perl -e WAITER -- argv...`): runs argv in its own process group as the
 * terminal's foreground job, ignores the terminal's job-control signals itself, passes HUP and
 * TERM on, and writes "exit N" or "signal N CORE" to fd 3 (closed in the command). Without fd 3
 * it just execs argv.
 */
const WAITER = `use strict; use POSIX ();
my @job = qw(INT QUIT TSTP TTIN TTOU);
open(my $st, '>&=', 3) or exec { $ARGV[0] } @ARGV;
$SIG{$_} = 'IGNORE' for @job;
my $pid = fork;
if (!defined $pid) { close $st; exec { $ARGV[0] } @ARGV; exit 127 }
if ($pid == 0) {
  POSIX::setpgid(0, 0); POSIX::tcsetpgrp(0, $$);
  $SIG{$_} = 'DEFAULT' for @job;
  POSIX::close(3);
  exec { $ARGV[0] } @ARGV; print STDERR "seashell: cannot run $ARGV[0]: $!\n"; POSIX::_exit(127);
}
POSIX::setpgid($pid, $pid); POSIX::tcsetpgrp(0, $pid);
$SIG{$_} = sub { kill $_[0], $pid } for qw(HUP TERM);
my $r; do { $r = waitpid($pid, 0) } while ($r == -1 && $!{EINTR});
my $w = $?;
if ($w & 127) { print $st 'signal ', $w & 127, ' ', ($w & 128 ? 1 : 0), "\n"; close $st; exit 128 + ($w & 127) }
print $st 'exit ', $w >> 8, "\n"; close $st; exit($w >> 8);
`;

export interface ShellSpawnOptions {
  cwd: string;
  env: Record<string, string>;
  /** The user's login shell (default $SHELL or /bin/sh). */
  shell?: string;
}

/** The pid of script's child (the session leader on the pty), if running. */
function childOf(pid: number): number | undefined {
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return kids.length ? Number(kids[0]) : undefined;
  } catch {
    return undefined;
  }
}

/** The pty device of a process's stdin, e.g. /dev/pts/3. */
function ptyOf(pid: number): string | undefined {
  try {
    const t = readlinkSync(`/proc/${pid}/fd/0`);
    return /^\/dev\/pts\/\d+$/.test(t) ? t : undefined;
  } catch {
    return undefined;
  }
}

/** The foreground process group of the terminal a process runs on (/proc/PID/stat field tpgid). */
function foregroundGroup(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const tpgid = Number(fields[5]);
    return tpgid > 0 ? tpgid : undefined;
  } catch {
    return undefined;
  }
}

function clampSize(n: number): number {
  return Math.max(1, Math.min(Math.floor(n) || 1, 9999));
}

/**
 * Joins a child's stdio to a session channel with backpressure both ways: the child's stdout and
 * stderr pause while the channel is full, the channel stops while the child's stdin is full, and
 * the channel's EOF closes stdin. Used for shells and exec requests alike.
 */
export function pipeChild(child: ChildProcess, exec: ServerExec): void {
  const outs = [
    [child.stdout!, (d: Uint8Array) => exec.write(d)],
    [child.stderr!, (d: Uint8Array) => exec.writeStderr(d)],
  ] as const;
  for (const [src, write] of outs) {
    src.on('data', (d: Buffer) => {
      if (!write(new Uint8Array(d.buffer, d.byteOffset, d.byteLength))) src.pause();
    });
  }
  exec.onDrain(() => {
    for (const [src] of outs) if (src.isPaused()) src.resume();
  });
  child.stdin!.on('error', () => {}); // the command may exit without reading everything (EPIPE)
  exec.onData((d) => {
    if (!child.stdin!.destroyed && !child.stdin!.write(d)) {
      exec.pause();
      child.stdin!.once('drain', () => exec.resume());
    }
  });
  exec.onEnd(() => child.stdin!.end());
}

/**
 * Runs exec's session: with exec.pty, `command` (or the login shell for kind 'shell') on a
 * pseudo-terminal of the requested size; without, over pipes. Wires stdio with backpressure
 * both ways, window-change, signals and the exit status.
 */
export function runShell(exec: ServerExec, opts: ShellSpawnOptions): void {
  const shell = opts.shell || opts.env.SHELL || '/bin/sh';
  const env: Record<string, string> = { ...opts.env, SHELL: shell };
  const script = exec.pty ? ptyAvailable() : null;
  let child: ChildProcess;
  /** What the waiter reported on fd 3 ("exit N" / "signal N CORE"), if it ran. */
  let waitStatus = '';
  if (exec.pty && script) {
    env.TERM = exec.pty.term || 'dumb';
    const rows = clampSize(exec.pty.rows || 24);
    const cols = clampSize(exec.pty.cols || 80);
    // The line script hands to $SHELL -c is ours alone: two integers and fixed words. The
    // client's command travels in SEASHELL_COMMAND and is unset before it runs.
    // With the waiter: its path (one of PERL_CANDIDATES, our constant) and code (in an
    // environment variable, unset before anything else runs) go in front of the command.
    let line = `stty rows ${rows} cols ${cols} 2>/dev/null; `;
    const perl = waiterAvailable();
    let run = 'exec';
    if (perl) {
      env.SEASHELL_WAITER = WAITER;
      line += 'w=$SEASHELL_WAITER; unset SEASHELL_WAITER; ';
      run = `exec ${perl} -e "$w" --`;
    }
    if (exec.kind === 'shell') line += `unset SEASHELL_COMMAND; ${run} "$SHELL" -l`;
    else {
      env.SEASHELL_COMMAND = exec.command;
      line += `c=$SEASHELL_COMMAND; unset SEASHELL_COMMAND; ${run} "$SHELL" -c "$c"`;
    }
    child = spawn(script, ['-qfec', line, '/dev/null'], { cwd: opts.cwd, env, stdio: perl ? ['pipe', 'pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe'] });
    const status = child.stdio[3] as NodeJS.ReadableStream | undefined;
    if (status) {
      status.on('data', (d: Buffer) => {
        if (waitStatus.length < 64) waitStatus += d.toString('latin1');
      });
      status.on('error', () => {});
    }
  } else if (exec.kind === 'shell') {
    child = spawn(shell, [], { cwd: opts.cwd, env, argv0: `-${basename(shell)}`, stdio: ['pipe', 'pipe', 'pipe'] });
  } else {
    child = spawn(shell, ['-c', exec.command], { cwd: opts.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  }
  const onPty = !!(exec.pty && script);
  let exited = false;
  let ptyDevice: string | undefined;
  const device = (): string | undefined => {
    if (ptyDevice) return ptyDevice;
    const c = child.pid ? childOf(child.pid) : undefined;
    ptyDevice = c ? ptyOf(c) : undefined;
    return ptyDevice;
  };
  child.on('error', (e) => {
    if (exited) return;
    exited = true;
    exec.writeStderr(new TextEncoder().encode(`seashell: cannot start ${shell}: ${e.message}\n`));
    exec.exit(127);
  });
  pipeChild(child, exec);
  // A resize may come before script's child (and its pty) exists, or just before the startup
  // line's own stty runs: retry until the device is there, and apply the latest size once more
  // a moment later so the startup stty cannot win.
  let latest: { cols: number; rows: number } | undefined;
  let retry: NodeJS.Timeout | undefined;
  const stty = () => {
    const dev = device();
    if (!dev || !latest || exited) return false;
    const r = spawn('stty', ['-F', dev, 'rows', String(clampSize(latest.rows)), 'cols', String(clampSize(latest.cols))], { stdio: 'ignore' });
    r.on('error', () => {});
    return true;
  };
  const applyResize = (attempt: number) => {
    retry = undefined;
    if (exited) return;
    if (!stty()) {
      if (attempt < 40) retry = setTimeout(() => applyResize(attempt + 1), 50);
      return;
    }
    if (attempt >= 0) retry = setTimeout(() => applyResize(-1), 250);
  };
  exec.onResize(({ cols, rows }) => {
    if (!onPty || exited) return;
    latest = { cols, rows };
    if (retry) clearTimeout(retry);
    applyResize(0);
  });
  exec.onSignal((name) => {
    if (!SIGNALS.has(name) || exited) return;
    const sig = `SIG${name}` as NodeJS.Signals;
    const c = child.pid ? childOf(child.pid) : undefined;
    const group = onPty && c ? foregroundGroup(c) : undefined;
    try {
      if (group) process.kill(-group, sig);
      else if (c) process.kill(c, sig);
      else child.kill(sig);
    } catch {
      /* already gone */
    }
  });
  exec.onClose(() => {
    if (!exited && child.exitCode === null && child.signalCode === null) child.kill('SIGHUP');
  });
  child.on('close', (code, signal) => {
    if (retry) clearTimeout(retry);
    if (exited) return;
    exited = true;
    if (signal) exec.exitSignal(signal.replace(/^SIG/, ''), false);
    else {
      // the waiter's report is the command's real wait status (script turns a signal into 128+N)
      const m = /^signal (\d+) ([01])\n$/.exec(waitStatus);
      const name = m ? SIGNAL_NAMES.get(Number(m[1])) : undefined;
      if (name && code === 128 + Number(m![1])) exec.exitSignal(name, m![2] === '1');
      else exec.exit(code ?? 0);
    }
  });
}
