// `seashell get` and `seashell put`: one file (or, with -r, a directory tree) over SFTP, with exec's
// connection options. Downloads are written under "<name>.seashell-part" and renamed when complete,
// uploads likewise on the server (posix-rename@openssh.com), so a cut never leaves a destination
// that looks complete; --resume checks the part already there and continues it. A progress bar on
// a terminal (bytes, MiB/s, ETA), else one summary line, both on stderr (stdout may be the data:
// `seashell get host:file -`). Exit status: 0 done, 1 the transfer failed, 2 usage, 255 the
// connection or login failed (as ssh).
import { constants as fsc, promises as fsp, writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isDirectory, isRegularFile, PARTIAL_SUFFIX, type GetSink, type SftpSession, type TransferProgress } from '@seashell/core';
import type { SshClient } from '../index.ts';
import { NodeFileSink, NodeLocalTree, nodeFileSource } from '../sftp-fs.ts';
import type { Command } from './command.ts';
import { flag, parseArgs, UsageError } from './args.ts';
import { connectionConfig, connectionSpec, connectWith, reportConnectionError, type ConnectionConfig } from './exec.ts';

const common = `  -p PORT, -i KEY, -l USER, -o OPTION=VALUE, -c CIPHERS, -m MACS, --kex, --host-key-algorithms, -q
                    as for seashell exec (keys default to ~/.ssh/id_*, hosts are checked against
                    ~/.ssh/known_hosts; -o StrictHostKeyChecking=accept-new trusts a new host)
  --resume          continue a partial destination left by an earlier run, after checking it
  -r                copy a directory tree (regular files and directories; links are skipped)
  --concurrency N   requests in flight (default 64)

The destination is written under "<name>${PARTIAL_SUFFIX}" and renamed once complete, so a cut
never leaves a file that looks complete; --resume completes it. Exit status: 0 done, 1 the
transfer failed, 2 usage, 255 the connection or login failed.
`;

const getUsage = `usage: seashell get [options] [--resume] [-r] [user@]host:REMOTE LOCAL

Downloads REMOTE (relative paths start in the remote home directory) to LOCAL: a file, a
directory to put it in, /dev/null, or - for stdout.

${common}`;

const putUsage = `usage: seashell put [options] [--resume] [-r] LOCAL [user@]host:REMOTE

Uploads LOCAL (a file, or - for stdin) to REMOTE: a file name, or an existing directory to put
it in (an empty REMOTE is the remote home directory).

${common}`;

const spec = {
  ...connectionSpec,
  resume: {},
  recursive: { aliases: ['-r'] },
  concurrency: { value: true },
};

/** Splits "[user@]host:path" (host may be [v6]); undefined when there is no host part (a local path). */
export function parseRemote(arg: string): { dest: string; path: string } | undefined {
  const m = /^((?:[^@/:]+@)?(?:\[[^\]/]+\]|[^:/[\]@]+)):(.*)$/s.exec(arg);
  return m ? { dest: m[1], path: m[2] } : undefined;
}

interface TransferArgs {
  cfg: ConnectionConfig;
  remote: string;
  local: string;
  resume: boolean;
  recursive: boolean;
  concurrency?: number;
}

function parseTransfer(argv: string[], dir: 'get' | 'put'): TransferArgs | 'help' {
  const p = parseArgs(argv, spec);
  if (flag(p, 'help')) return 'help';
  if (p.positionals.length !== 2) throw new UsageError(dir === 'get' ? 'give [user@]host:REMOTE and LOCAL' : 'give LOCAL and [user@]host:REMOTE');
  const [a, b] = p.positionals;
  const remoteArg = dir === 'get' ? a : b;
  const local = dir === 'get' ? b : a;
  const r = parseRemote(remoteArg);
  if (!r) throw new UsageError(`${JSON.stringify(remoteArg)} is not [user@]host:PATH`);
  if (parseRemote(local)) throw new UsageError(`both sides are remote (${JSON.stringify(local)}); one must be a local path`);
  if (local === '') throw new UsageError('LOCAL is empty');
  const resume = flag(p, 'resume');
  const recursive = flag(p, 'recursive');
  if (local === '-' && recursive) throw new UsageError('-r cannot use - (stdin/stdout)');
  if (local === '-' && resume) throw new UsageError('--resume cannot use - (stdin/stdout)');
  let concurrency: number | undefined;
  const c = p.options.concurrency;
  if (typeof c === 'string') {
    if (!/^\d+$/.test(c) || +c < 1 || +c > 1024) throw new UsageError(`--concurrency must be 1..1024, got "${c}"`);
    concurrency = +c;
  }
  return { cfg: connectionConfig(p, r.dest, dir), remote: r.path, local, resume, recursive, concurrency };
}

// ---- progress ------------------------------------------------------------------------------

const MiB = 1024 * 1024;
const mib = (n: number) => (n / MiB).toFixed(1);

function clock(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '--:--';
  s = Math.round(s);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** A progress bar on a terminal (redrawn at most 10 times a second), else nothing until the summary. */
export class Progress {
  private readonly start = performance.now();
  private last = 0;
  private drawn = false;
  private base: number | undefined;

  constructor(
    private readonly label: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly tty = !!process.stderr.isTTY && !process.env.SEASHELL_NO_PROGRESS,
  ) {}

  update(p: TransferProgress): void {
    this.base ??= p.transferred; // a resumed transfer starts past 0
    if (!this.tty) return;
    const now = performance.now();
    if (now - this.last < 100 && p.total !== p.transferred) return;
    this.last = now;
    const secs = (now - this.start) / 1000;
    const rate = secs > 0 ? (p.transferred - this.base) / secs : 0;
    const name = p.path ?? this.label;
    const width = Math.max(10, Math.min(30, (this.out.columns ?? 80) - 60));
    let line: string;
    if (p.total !== undefined && p.total > 0) {
      const frac = Math.min(1, p.transferred / p.total);
      const fill = Math.round(frac * width);
      const eta = rate > 0 ? (p.total - p.transferred) / rate : NaN;
      line = `${name.slice(-24).padEnd(24)} [${'#'.repeat(fill)}${' '.repeat(width - fill)}] ${String(Math.floor(frac * 100)).padStart(3)}% ${mib(p.transferred)}/${mib(p.total)} MiB ${mib(rate)} MiB/s ETA ${clock(eta)}`;
    } else {
      line = `${name.slice(-24).padEnd(24)} ${mib(p.transferred)} MiB ${mib(rate)} MiB/s`;
    }
    this.out.write(`\r${line}\x1b[K`);
    this.drawn = true;
  }

  /** Ends the bar and prints the one-line summary: bytes, seconds, MiB/s. */
  summary(what: string, bytes: number, extra = ''): void {
    const secs = (performance.now() - this.start) / 1000;
    const moved = bytes - (this.base ?? 0);
    if (this.drawn) this.out.write('\n');
    this.out.write(`${what}: ${bytes} bytes in ${secs.toFixed(2)} s (${mib(secs > 0 ? moved / secs : 0)} MiB/s)${extra}\n`);
  }

  /** Ends the bar before an error message. */
  abort(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}

// ---- local destinations that are not regular files --------------------------------------------

/** Writes to stdout with backpressure; stdout keeps each chunk until written, so chunks are not recycled. */
function stdoutSink(): GetSink {
  let failed: Error | undefined;
  process.stdout.on('error', (e) => (failed ??= e));
  return {
    write(chunk) {
      if (failed) throw failed;
      if (process.stdout.write(chunk)) return;
      return new Promise<void>((resolve, reject) => {
        const done = () => {
          process.stdout.off('drain', done);
          process.stdout.off('error', done);
          if (failed) reject(failed);
          else resolve();
        };
        process.stdout.once('drain', done);
        process.stdout.once('error', done);
      });
    },
  };
}

/**
 * A device or FIFO (e.g. /dev/null): written in place, no temporary name. Character devices are
 * written synchronously (they don't wait on a disk; a thread-pool round trip per chunk cost more
 * than the write), FIFOs through the thread pool (a reader may be slow).
 */
class DeviceSink implements GetSink {
  readonly transient = true;
  private fh: FileHandle | undefined;
  constructor(
    private readonly path: string,
    private readonly charDevice: boolean,
  ) {}
  async begin(): Promise<void> {
    this.fh = await fsp.open(this.path, fsc.O_WRONLY);
  }
  async write(chunk: Uint8Array): Promise<void> {
    const fh = this.fh!;
    for (let done = 0; done < chunk.length; ) {
      done += this.charDevice ? writeSync(fh.fd, chunk, done, chunk.length - done) : (await fh.write(chunk, done, chunk.length - done)).bytesWritten;
    }
  }
  async commit(): Promise<void> {
    await this.fh?.close();
    this.fh = undefined;
  }
  async abort(): Promise<void> {
    await this.fh?.close().catch(() => {});
    this.fh = undefined;
  }
}

async function localStat(path: string) {
  return fsp.stat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
}

const remoteBase = (p: string) => p.replace(/\/+$/, '').split('/').pop() || p;
const remoteJoin = (dir: string, name: string) => (dir === '' ? name : `${dir.replace(/\/+$/, '')}/${name}`);

// ---- the commands ------------------------------------------------------------------------

async function withSession(a: TransferArgs, verb: 'get' | 'put', run: (s: SftpSession) => Promise<void>): Promise<number> {
  let client: SshClient;
  try {
    client = await connectWith(a.cfg);
  } catch (e) {
    reportConnectionError(e, a.cfg);
    return 255;
  }
  try {
    const s = await client.sftp();
    await run(s);
    await s.end();
    return 0;
  } catch (e) {
    const err = e as Error;
    process.stderr.write(`seashell ${verb}: ${err.name && err.name !== 'Error' && err.name !== 'SftpError' ? `${err.name}: ` : ''}${err.message}\n`);
    if (process.env.SEASHELL_DEBUG) process.stderr.write(`${err.stack}\n`);
    return 1;
  } finally {
    await client.close().catch(() => {});
  }
}

async function runGet(a: TransferArgs): Promise<number> {
  return withSession(a, 'get', async (s) => {
    const remote = a.remote === '' ? '.' : a.remote;
    const attrs = await s.stat(remote);
    const opts = { resume: a.resume, concurrency: a.concurrency };
    if (isDirectory(attrs)) {
      if (!a.recursive) throw new Error(`${remote} is a directory (use -r)`);
      const st = await localStat(a.local);
      const dir = st?.isDirectory() ? join(a.local, remoteBase(await s.realpath(remote))) : a.local;
      const progress = new Progress(remoteBase(remote));
      const r = await s.getDirectory(remote, new NodeLocalTree(dir), { ...opts, onProgress: (p) => progress.update(p) });
      progress.summary(`${remote} -> ${dir}`, r.bytes, `, ${r.files} files in ${r.directories} directories${r.skipped.length ? `, skipped ${r.skipped.length}: ${r.skipped.slice(0, 5).join(', ')}${r.skipped.length > 5 ? ', ...' : ''}` : ''}`);
      return;
    }
    if (!isRegularFile(attrs)) throw new Error(`${remote} is not a regular file`);
    let sink: GetSink;
    let target = a.local;
    if (a.local === '-') {
      sink = stdoutSink();
      target = 'stdout';
    } else {
      const st = await localStat(a.local);
      if (st?.isDirectory()) target = join(a.local, remoteBase(remote));
      const tst = target === a.local ? st : await localStat(target);
      if (tst && !tst.isFile() && !tst.isDirectory()) {
        if (a.resume) throw new Error(`--resume needs a regular file, and ${target} is not one`);
        sink = new DeviceSink(target, tst.isCharacterDevice());
      } else {
        if (tst?.isDirectory()) throw new Error(`${target} is a directory`);
        sink = new NodeFileSink(target, (attrs.permissions ?? 0o644) & 0o777, undefined, true);
      }
    }
    const progress = new Progress(remoteBase(remote));
    try {
      const r = await s.get(remote, sink, { ...opts, onProgress: (p) => progress.update(p) });
      progress.summary(`${remote} -> ${target}`, r.bytes, r.resumedFrom > 0 ? ` (resumed at ${r.resumedFrom})` : r.resumeRejected ? ' (the partial file did not match: started over)' : '');
    } catch (e) {
      progress.abort();
      if (sink instanceof NodeFileSink) {
        const have = await localStat(sink.partialPath);
        if (have) (e as Error).message += ` (${have.size} bytes kept in ${sink.partialPath}; run again with --resume to finish)`;
      }
      throw e;
    }
  });
}

async function runPut(a: TransferArgs): Promise<number> {
  const local = a.local === '-' ? '/dev/stdin' : a.local;
  let st;
  try {
    st = await fsp.stat(local);
  } catch (e) {
    process.stderr.write(`seashell put: cannot read ${a.local}: ${(e as Error).message}\n`);
    return 1;
  }
  if (st.isDirectory() && !a.recursive) {
    process.stderr.write(`seashell put: ${a.local} is a directory (use -r)\n`);
    return 1;
  }
  return withSession(a, 'put', async (s) => {
    const opts = { resume: a.resume, concurrency: a.concurrency };
    const there = await s.stat(a.remote === '' ? '.' : a.remote).catch(() => undefined);
    const intoDir = a.remote === '' || a.remote.endsWith('/') || (there !== undefined && isDirectory(there));
    const name = a.local === '-' ? 'stdin' : basename(local.replace(/\/+$/, ''));
    const remote = intoDir ? remoteJoin(a.remote, name) : a.remote;
    const progress = new Progress(name);
    if (st.isDirectory()) {
      const r = await s.putDirectory(new NodeLocalTree(local), remote, { ...opts, onProgress: (p) => progress.update(p) });
      progress.summary(`${a.local} -> ${remote}`, r.bytes, `, ${r.files} files in ${r.directories} directories${r.skipped.length ? `, skipped ${r.skipped.length}` : ''}`);
      return;
    }
    if (a.resume && !st.isFile()) throw new Error(`--resume needs a regular file, and ${a.local} is not one`);
    try {
      const r = await s.put(() => nodeFileSource(local, { sync: true }), remote, { ...opts, mode: st.mode & 0o777, onProgress: (p) => progress.update(p) });
      progress.summary(`${a.local} -> ${remote}`, r.bytes, r.resumedFrom > 0 ? ` (resumed at ${r.resumedFrom})` : r.resumeRejected ? ' (the partial upload did not match: started over)' : '');
    } catch (e) {
      progress.abort();
      if (!s.closed) {
        const part = await s.stat(remote + PARTIAL_SUFFIX).catch(() => undefined);
        if (part) (e as Error).message += ` (${part.size ?? 0} bytes kept in ${remote}${PARTIAL_SUFFIX}; run again with --resume to finish)`;
      } else {
        (e as Error).message += ` (any partial upload is kept as ${remote}${PARTIAL_SUFFIX}; run again with --resume to finish)`;
      }
      throw e;
    }
  });
}

export const get: Command = {
  summary: 'download a file or directory over SFTP (like scp/sftp get)',
  usage: getUsage,
  async run(argv) {
    const a = parseTransfer(argv, 'get');
    if (a === 'help') {
      process.stdout.write(getUsage);
      return 0;
    }
    return runGet(a);
  },
};

export const put: Command = {
  summary: 'upload a file or directory over SFTP (like scp/sftp put)',
  usage: putUsage,
  async run(argv) {
    const a = parseTransfer(argv, 'put');
    if (a === 'help') {
      process.stdout.write(putUsage);
      return 0;
    }
    return runPut(a);
  },
};
