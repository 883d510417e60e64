// A terminal for interactive tests: a detached tmux session on its own server socket, driven
// with send-keys and read with capture-pane. Argument vectors only; every wait is bounded; kill()
// (afterAll) ends the tmux server.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { findBinary } from './peers.ts';

export const TMUX = findBinary('tmux', ['/usr/bin/tmux']);
export const TMUX_HINT = 'apt-get install tmux';

export interface Terminal {
  /** Types keys (tmux key names such as Enter or C-c, or literal text with literal = true). */
  keys(keys: string[], literal?: boolean): void;
  /** Types a line of text and Enter. */
  line(text: string): void;
  /** What the pane shows, including scrollback. */
  screen(): string;
  /** Rows and columns of the pane. */
  size(): { rows: number; cols: number };
  resize(cols: number, rows: number): void;
  /** Resolves with the match once the screen matches re; rejects after timeoutMs with the screen. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  kill(): void;
}

let counter = 0;

/** Starts argv in a new detached tmux session of cols x rows. */
export function startTerminal(argv: readonly string[], cols = 100, rows = 30, env: Record<string, string> = {}): Terminal {
  if (!TMUX) throw new Error(`tmux not found: ${TMUX_HINT}`);
  const sock = `seashell-test-${process.pid}-${++counter}`;
  const tmux = (args: string[]) => {
    const r = spawnSync(TMUX!, ['-L', sock, ...args], { encoding: 'utf8', timeout: 10_000 });
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };
  const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  tmux(['-f', '/dev/null', 'new-session', '-d', '-s', 't', '-x', String(cols), '-y', String(rows), ...envArgs, '--', ...argv]);
  tmux(['set-option', '-t', 't', 'status', 'off']);
  tmux(['set-option', '-t', 't', 'remain-on-exit', 'on']);
  tmux(['set-option', '-t', 't', 'history-limit', '5000']);
  const t: Terminal = {
    keys(keys, literal = false) {
      tmux(['send-keys', '-t', 't', ...(literal ? ['-l'] : []), ...keys]);
    },
    line(text) {
      t.keys([text], true);
      t.keys(['Enter']);
    },
    screen() {
      return tmux(['capture-pane', '-p', '-J', '-t', 't', '-S', '-5000']);
    },
    size() {
      const [rows, cols] = tmux(['display-message', '-p', '-t', 't', '#{pane_height} #{pane_width}']).trim().split(' ').map(Number);
      return { rows, cols };
    },
    resize(c, r) {
      tmux(['resize-window', '-t', 't', '-x', String(c), '-y', String(r)]);
    },
    async waitFor(re, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const s = t.screen();
        const m = s.match(re);
        if (m) return m;
        if (Date.now() > deadline) throw new Error(`terminal did not show ${re} within ${timeoutMs} ms; screen:\n${s}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    kill() {
      spawnSync(TMUX!, ['-L', sock, 'kill-server'], { timeout: 10_000 });
      // the server is gone; its socket file stays behind unless removed
      rmSync(join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid?.() ?? 0}`, sock), { force: true });
    },
  };
  return t;
}
