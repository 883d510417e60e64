#!/usr/bin/env node
// Runs the browser example: bundles main.ts (with @seashell/browser) using esbuild, serves the
// page on http://127.0.0.1:8080/ and starts `seashell relay` on ws://127.0.0.1:8022/ for pages
// from that origin only, allowing one SSH server (default 127.0.0.1:22).
//   node examples/browser/serve.mjs [--allow HOST:PORT]      (after `npm run build`)
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { parseTarget, startRelay } from '../../packages/node/dist/cli/relay.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');
const i = process.argv.indexOf('--allow');
const target = parseTarget(i > 0 ? process.argv[i + 1] : '127.0.0.1:22');
if (!target) throw new Error('--allow wants HOST:PORT');

const js = (
  await build({
    entryPoints: [join(here, 'main.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    minify: true,
    alias: {
      '@seashell/browser': join(root, 'packages/browser/src/index.ts'),
      '@seashell/core': join(root, 'packages/core/src/index.ts'),
      '@seashell/kernel': join(root, 'wasm/src/index.ts'),
    },
  })
).outputFiles[0].text;
const html = readFileSync(join(here, 'index.html'), 'utf8');

const page = createServer((req, res) => {
  if (req.url === '/main.js') res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(js);
  else if (req.url === '/' || req.url === '/index.html') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  else res.writeHead(404).end();
});
await new Promise((r) => page.listen(8080, '127.0.0.1', r));
const relay = await startRelay({ port: 8022, allow: [target], origins: ['http://127.0.0.1:8080'], log: (l) => console.error(`relay: ${l}`) });
console.log(`page:  http://127.0.0.1:8080/  (${(js.length / 1024).toFixed(0)} KiB of script)`);
console.log(`relay: ws://127.0.0.1:${relay.address.port}/ -> ${target.host}:${target.port}`);
console.log('stop with Ctrl-C');
process.on('SIGINT', () => relay.close().then(() => process.exit(0)));
