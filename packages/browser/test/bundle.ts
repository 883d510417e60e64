// Bundles a page script for the browser with esbuild: @seashell/core and the kernel from their
// TS sources, test-vectors/*.json embedded for the kernel vectors (virtual module
// 'seashell:vectors', and harness.ts swapped for the page's harness), no Node built-ins.
import { build, type Plugin } from 'esbuild';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../../test-support/peers.ts';

const vectorsPlugin: Plugin = {
  name: 'seashell-page',
  setup(b) {
    b.onResolve({ filter: /^seashell:vectors$/ }, () => ({ path: 'vectors', namespace: 'seashell-vectors' }));
    b.onLoad({ filter: /.*/, namespace: 'seashell-vectors' }, () => {
      const dir = join(repoRoot, 'test-vectors');
      const all: Record<string, unknown> = {};
      for (const f of readdirSync(dir)) if (f.endsWith('.json')) all[f] = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      return { contents: `export default ${JSON.stringify(all)};`, loader: 'js' };
    });
    b.onResolve({ filter: /^\.\/harness\.ts$/ }, (args) =>
      args.importer.includes(join('wasm', 'test', 'vectors')) ? { path: join(repoRoot, 'packages/browser/test/page/harness.ts') } : undefined,
    );
    b.onResolve({ filter: /^node:|^(fs|path|url|crypto|os|net|buffer)$/ }, (args) => ({ errors: [{ text: `Node built-in ${args.path} imported by ${args.importer}` }] }));
  },
};

/** The bundled page script (ESM) for entry. */
export async function bundlePage(entry: string, minify = false): Promise<string> {
  const r = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    minify,
    logLevel: 'silent',
    alias: {
      '@seashell/browser': join(repoRoot, 'packages/browser/src/index.ts'),
      '@seashell/core': join(repoRoot, 'packages/core/src/index.ts'),
      '@seashell/kernel': join(repoRoot, 'wasm/src/index.ts'),
    },
    plugins: [vectorsPlugin],
  });
  return r.outputFiles[0].text;
}
