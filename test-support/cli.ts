// Runs the built `seashell` command line (packages/node/dist/cli.js) for tests: one-shot commands
// through run(), and `seashell serve` as a background child that is always stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './peers.ts';
import { run } from './sshd.ts';

export const CLI = join(repoRoot, 'packages/node/dist/cli.js');
/** True when the CLI has been built (npm run build; `npm test` builds first). */
export const cliBuilt = existsSync(CLI);

/** Runs `seashell ...args`. */
export function seashell(args: readonly string[], opts: Parameters<typeof run>[2] = {}) {
  return run(process.execPath, [CLI, ...args], { timeoutMs: 60_000, ...opts });
}

export interface Serve {
  port: number;
  /** Everything serve printed so far. */
  output(): string;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/** Starts `seashell serve ...args` and waits (bounded) for its "listening on" line. */
export function startServe(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {}): Promise<Serve> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env, cwd: opts.cwd });
    children.add(child);
    let out = '';
    let done = false;
    const exited = new Promise<void>((r) => child.once('exit', () => { children.delete(child); r(); }));
    const fail = (msg: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${msg}\n${out}`));
    };
    const timer = setTimeout(() => fail(`seashell serve did not start within ${opts.timeoutMs ?? 60_000} ms`), opts.timeoutMs ?? 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      // the banner ends with the "stop with Ctrl-C" line
      const m = /listening on (\S+):(\d+)[\s\S]*stop with Ctrl-C/.exec(out);
      if (m && !done) {
        done = true;
        clearTimeout(timer);
        resolve({
          port: Number(m[2]),
          output: () => out,
          async stop() {
            if (child.exitCode === null && child.signalCode === null) {
              child.kill('SIGTERM');
              const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
              await exited;
              clearTimeout(t);
            }
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => fail(`seashell serve exited with ${code}`));
  });
}
