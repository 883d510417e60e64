// The vector harness for Node, Deno and Bun: test-vectors/*.json read from disk. The checks and
// hex helpers are in common.ts, shared with the browser page's harness.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeRun } from './common.ts';

export { hex, toHex, equal, type VectorRun } from './common.ts';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../..');

export function newRun() {
  return makeRun((file) => JSON.parse(readFileSync(join(repoRoot, 'test-vectors', file), 'utf8')));
}
