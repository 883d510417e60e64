#!/usr/bin/env node
// Bundles the `seashell` command line (dist/cli.js as tsc wrote it, with its imports from this
// package, @seashell/core, @seashell/kernel and their dependencies) into that one file, in place.
// Why: every `seashell get` / `put` is a fresh process, and Node resolving and loading ~90 ES
// modules one by one cost about 0.3 s of CPU at each start (bench/sftp.bench.mjs: more than the
// per-GiB gap to OpenSSH on a 1 GiB transfer); one file parses in a fraction of that.
// Run after tsc (npm run build). dist/cli.js from tsc alone still works, only slower to start;
// a file already bundled (it starts with MARK) is left as it is.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const MARK = '#!/usr/bin/env node\n// seashell CLI, bundled by scripts/bundle-cli.mjs';
const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
if (readFileSync(cli, 'utf8').startsWith(MARK)) process.exit(0);
const out = await build({
  entryPoints: [cli],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  write: false,
  logLevel: 'warning',
  // CommonJS dependencies (ws) call require() for Node built-ins; an ES module has none of its own.
  banner: { js: `${MARK.slice(MARK.indexOf('\n') + 1)}\nimport { createRequire as __seashellRequire } from 'node:module';\nconst require = __seashellRequire(import.meta.url);` },
});
// ASCII only: esbuild keeps some doc comments (with characters like U+22C5 and U+2014), and one
// character above U+00FF makes V8 hold the whole ~1 MB source as a two-byte string. That extra MiB
// of old generation was enough, on a download, to keep the heap over V8's threshold for starting
// incremental marking: 6 full collections per 512 MiB instead of 2 (sftp.bench.mjs, aes128-gcm).
// \uXXXX means the same character in a string, template, regular expression or identifier, and
// in a comment it does not matter.
const text = out.outputFiles[0].text
  .replace(/^#!.*\n/, '')
  .replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
writeFileSync(cli, `#!/usr/bin/env node\n${text}`);
chmodSync(cli, 0o755);
