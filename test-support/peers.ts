// Peers a test needs (sshd, a browser, Deno, Bun, ../shared). Under SEASHELL_STRICT=1 (CI) a
// missing peer fails the test; elsewhere the suite is skipped with a message saying what to
// install, so a user's own checkout still passes `npm test`.
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'vitest';

export const STRICT = process.env.SEASHELL_STRICT === '1';
/** The repository root (the folder holding the root package.json). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Path of ../shared/<sub> beside the repository, or undefined if it is not there. */
export function sharedPath(sub: string): string | undefined {
  const p = join(repoRoot, '..', 'shared', sub);
  return existsSync(p) ? p : undefined;
}

/** Finds an executable: first node_modules/.bin, then the given absolute candidates, then PATH. */
export function findBinary(name: string, candidates: string[] = []): string | undefined {
  for (const c of [join(repoRoot, 'node_modules/.bin', name), ...candidates]) if (existsSync(c)) return c;
  const r = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', name], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return r.status === 0 && p ? p : undefined;
}

/**
 * describe() that needs a peer. When the peer is missing: under SEASHELL_STRICT=1 one failing
 * test says what to install; otherwise the suite is skipped and the same message is printed.
 */
export function describeWithPeer(name: string, available: boolean, installHint: string, fn: () => void): void {
  if (available) {
    describe(name, fn);
  } else if (STRICT) {
    describe(name, () => {
      it(`has its peer (${installHint})`, () => {
        throw new Error(`missing peer for "${name}": ${installHint}`);
      });
    });
  } else {
    console.warn(`skipping "${name}": ${installHint}`);
    // fn is not run at all: suites may read the peer's files while collecting their tests.
    describe.skip(name, () => {
      it(`needs its peer (${installHint})`, () => {});
    });
  }
}
