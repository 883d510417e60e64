// The kernel's known-answer checks run unchanged under Deno and Bun (both from npm as dev
// dependencies): the embedded module must load synchronously everywhere and agree everywhere.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWithPeer, findBinary, repoRoot } from '../../test-support/peers.ts';
import { runAll } from './vectors/run-all.ts';

const script = join(repoRoot, 'wasm/test/vectors/run-all.ts');
const expected = runAll();

const runtimes: Array<[string, string | undefined, string[]]> = [
  ['Deno', findBinary('deno'), ['run', '--allow-read', '--no-prompt', script]],
  ['Bun', findBinary('bun'), [script]],
];

for (const [name, bin, args] of runtimes) {
  describeWithPeer(`kernel under ${name}`, bin !== undefined, `npm ci installs ${name.toLowerCase()} from npm (devDependency of @seashell/kernel)`, () => {
    it(`passes every known-answer vector, the same count as Node`, () => {
      const r = spawnSync(bin!, args, { cwd: repoRoot, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' } });
      const out = `${r.stdout}\n${r.stderr}`;
      expect(r.status, out).toBe(0);
      const m = /(\d+) passed, (\d+) failed/.exec(r.stdout);
      expect(m, out).not.toBeNull();
      expect(Number(m![2]), out).toBe(0);
      expect(Number(m![1])).toBe(expected.passed);
      expect(expected.passed).toBeGreaterThan(0);
    });
  });
}
