#!/usr/bin/env node
// Bundles the `seashell` command line (dist/cli.js as tsc wrote it, with its imports from this
// package, @seashell/core, @seashell/kernel and their dependencies) into that one file, in place.
// Why: every `seashell get` / `put` is a fresh process, and Node resolving and loading ~90 ES
// modules one by one cost about 0.3 s of CPU at each start (bench/sftp.bench.mjs: more than the
// per-GiB gap to OpenSSH on a 1 GiB transfer); one file parses in a fraction of that.
// Run after tsc (npm run build). dist/cli.js from tsc alone still works, only slower to start;
// a file already bundled (it starts with MARK) is left as it is.
// Layout after this script: dist/cli.bundle.js (the bundle) with dist/cli.bundle.js.map, which
// esbuild chains through tsc's maps back to the .ts sources, and dist/cli.js, a two-line launcher
// that turns source maps on first when SEASHELL_DEBUG is set. Node only applies maps to files
// loaded after process.setSourceMapsEnabled(true), hence the launcher; without SEASHELL_DEBUG the
// map is never read, so a normal start pays one extra module load and nothing else.
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const MARK = '#!/usr/bin/env node\n// seashell CLI, bundled by scripts/bundle-cli.mjs';
const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const cli = join(dist, 'cli.js');
const bundle = join(dist, 'cli.bundle.js');
if (readFileSync(cli, 'utf8').startsWith(MARK)) process.exit(0);
const out = await build({
  entryPoints: [cli],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: bundle,
  write: false,
  logLevel: 'warning',
  sourcemap: 'linked',
  sourcesContent: false,
  // CommonJS dependencies (ws) call require() for Node built-ins; an ES module has none of its own.
  banner: { js: `${MARK.slice(MARK.indexOf('\n') + 1)}\nimport { createRequire as __seashellRequire } from 'node:module';\nconst require = __seashellRequire(import.meta.url);` },
});
// ASCII only: esbuild keeps some doc comments (with characters like U+22C5 and U+2014), and one
// character above U+00FF makes V8 hold the whole ~1 MB source as a two-byte string. That extra MiB
// of old generation was enough, on a download, to keep the heap over V8's threshold for starting
// incremental marking: 6 full collections per 512 MiB instead of 2 (sftp.bench.mjs, aes128-gcm).
// \uXXXX means the same character in a string, template, regular expression or identifier, and
// in a comment it does not matter. Otherwise the files are written as esbuild made them: removing
// the hashbang line would shift every mapping by a line (an escape shifts only the columns after
// it on its own line).
const ascii = (text) => text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
for (const f of out.outputFiles) writeFileSync(f.path, f.path === bundle ? ascii(f.text) : f.contents);
rmSync(`${cli}.map`, { force: true }); // tsc's map of the file the launcher replaces
writeFileSync(
  cli,
  `${MARK}: the bundle is cli.bundle.js.
// SEASHELL_DEBUG=1 prints stack traces; with it, they point into the TypeScript sources.
if (process.env.SEASHELL_DEBUG) process.setSourceMapsEnabled(true);
await import('./cli.bundle.js');
`,
);
chmodSync(cli, 0o755);
