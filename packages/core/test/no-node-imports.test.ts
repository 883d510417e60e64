// Regression test against Node-only code creeping into the engine: @seashell/core (and
// @seashell/browser, which is core plus a WebSocket) must bundle for the browser platform with
// esbuild and no node: shims. Any import of a Node built-in (node:fs, 'crypto', 'buffer', ...)
// fails the build with the importer named; the bundle must not lean on Node globals either.
import { build, type Plugin } from 'esbuild';
import { builtinModules } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../../test-support/peers.ts';

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Fails resolution of every Node built-in, naming who imported it. */
const refuseNode: Plugin = {
  name: 'refuse-node-builtins',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.path.startsWith('node:') || builtins.has(args.path) || builtins.has(args.path.split('/')[0])) {
        return { errors: [{ text: `Node built-in "${args.path}" imported by ${args.importer}` }] };
      }
      return undefined;
    });
  },
};

async function bundle(entry: string): Promise<string> {
  const r = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    // Core's sources, not a possibly stale dist.
    alias: { '@seashell/core': join(repoRoot, 'packages/core/src/index.ts') },
    plugins: [refuseNode],
  });
  return r.outputFiles[0].text;
}

/** Globals only Node has; a bundle mentioning them as free identifiers would break in a browser. */
const NODE_GLOBALS = [/\bBuffer\.(from|alloc|concat|isBuffer)\b/, /\bprocess\.(env|nextTick|versions|platform)\b/, /\brequire\(/, /\b__dirname\b/];

const entries: Array<[string, string]> = [
  ['@seashell/core', join(repoRoot, 'packages/core/src/index.ts')],
  ['@seashell/browser', join(repoRoot, 'packages/browser/src/index.ts')],
];

describe('no Node imports in browser-facing packages', () => {
  for (const [name, entry] of entries) {
    it(`${name} bundles for the browser platform without node: shims`, { timeout: 60_000 }, async () => {
      expect(existsSync(entry), entry).toBe(true);
      const code = await bundle(entry);
      expect(code.length).toBeGreaterThan(10_000);
      for (const re of NODE_GLOBALS) expect(code, `bundle of ${name} uses ${re}`).not.toMatch(re);
    });
  }

  it('the check itself catches a Node import (so a pass means something)', { timeout: 30_000 }, async () => {
    const r = build({
      stdin: { contents: `import { readFileSync } from 'node:fs'; import 'crypto'; console.log(readFileSync);`, resolveDir: repoRoot, loader: 'ts' },
      bundle: true,
      platform: 'browser',
      write: false,
      logLevel: 'silent',
      plugins: [refuseNode],
    });
    await expect(r).rejects.toThrow(/Node built-in "node:fs"/);
  });
});
