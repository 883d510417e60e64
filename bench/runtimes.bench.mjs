#!/usr/bin/env node
// Kernel throughput per runtime, side by side: the cases of runtimes-cases.mjs run in Node, Deno,
// Bun (each from npm, devDependencies of @seashell/kernel) and headless Chromium (Debian's
// /usr/bin/chromium driven by playwright-core, the page bundled with esbuild and served from
// 127.0.0.1). Writes bench/results/runtimes.json in the shape readme-table.mjs renders: one row
// per case, one column per runtime, ratios = that runtime's throughput / Node's.
//   node bench/runtimes.bench.mjs [--time MS]      (needs `npm run build` first)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus, loadavg } from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const i = process.argv.indexOf('--time');
const timeMs = i > 0 ? Number(process.argv[i + 1]) : 300;
const bin = (name) => {
  const p = join(root, 'node_modules/.bin', name);
  return existsSync(p) ? p : undefined;
};
const script = join(here, 'runtimes-cases.mjs');
const env = { ...process.env, SEASHELL_BENCH_MS: String(timeMs), NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' };

function spawnRuntime(label, cmd, args) {
  if (!cmd) {
    console.log(`${label}: not installed, skipped`);
    return undefined;
  }
  const r = spawnSync(cmd, args, { cwd: root, env, encoding: 'utf8', timeout: 300_000 });
  const m = /^RESULT (.*)$/m.exec(r.stdout ?? '');
  if (!m) {
    console.log(`${label}: failed (${r.status ?? r.signal})\n${r.stdout}\n${r.stderr}`);
    return undefined;
  }
  return JSON.parse(m[1]);
}

async function chromiumRun() {
  const exe = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
  if (!exe) {
    console.log('chromium: /usr/bin/chromium not found (apt-get install chromium), skipped');
    return undefined;
  }
  const { build } = await import('esbuild');
  const { chromium } = await import('playwright-core');
  const js = (
    await build({
      stdin: { contents: `import { measure } from ${JSON.stringify(script)}; measure({ timeMs: ${timeMs} }).then((r) => { window.__bench = { runtime: 'chromium ' + (navigator.userAgent.match(/Chrome\\/([\\d.]+)/)?.[1] ?? '?'), results: r }; }, (e) => { window.__bench = { error: String(e) }; });`, resolveDir: here, loader: 'js' },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      write: false,
      alias: { '@seashell/kernel': join(root, 'wasm/src/index.ts') },
    })
  ).outputFiles[0].text;
  const server = createServer((req, res) => {
    if (req.url === '/b.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script type="module" src="/b.js"></script>');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const browser = await chromium.launch({
    executablePath: exe,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => window.__bench !== undefined, undefined, { timeout: 300_000, polling: 250 });
    const r = await page.evaluate(() => window.__bench);
    if (r.error) throw new Error(r.error);
    return r;
  } finally {
    await browser.close();
    server.close();
  }
}

const loadAtStart = loadavg()[0];
const runs = [];
runs.push(['node', spawnRuntime('node', process.execPath, [script])]);
runs.push(['deno', spawnRuntime('deno', bin('deno'), ['run', '--no-prompt', '--allow-env', '--allow-read', script])]);
runs.push(['bun', spawnRuntime('bun', bin('bun'), [script])]);
runs.push(['chromium', await chromiumRun().catch((e) => (console.log(`chromium: failed: ${e.message}`), undefined))]);
const done = runs.filter(([, r]) => r);
if (!done.find(([k]) => k === 'node')) throw new Error('the Node run failed; nothing to compare against');

const names = Object.keys(done[0][1].results);
const results = names.map((name) => {
  const bytes = done[0][1].results[name].bytes;
  const nsPerOp = Object.fromEntries(done.map(([k, r]) => [k, r.results[name].nsPerOp]));
  const mibs = Object.fromEntries(Object.entries(nsPerOp).map(([k, ns]) => [k, bytes / (ns / 1e9) / 1048576]));
  const ratios = Object.fromEntries(Object.keys(nsPerOp).filter((k) => k !== 'node').map((k) => [`${k} / node`, nsPerOp.node / nsPerOp[k]]));
  console.log(`${name}\n  ${Object.entries(mibs).map(([k, v]) => `${k} ${v.toFixed(0)} MiB/s`).join(' | ')}`);
  return { name, bytes, nsPerOp, mibs, ratios, targets: [] };
});

mkdirSync(join(here, 'results'), { recursive: true });
const out = {
  title: 'Kernel throughput per runtime',
  runtime: done.map(([, r]) => r.runtime).join(', '),
  date: new Date().toISOString(),
  command: 'node bench/runtimes.bench.mjs',
  notes: 'The same WebAssembly kernel and the same cases in every runtime (bench/runtimes-cases.mjs): seal+open of one 32 KiB SSH packet with its copies in and out, and one HMAC over 32 KiB; median of 5 rounds. Ratios are each runtime\'s throughput relative to Node\'s. The "seashell" column is empty because every column is seashell. ' +
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, 1-minute load average ${loadAtStart.toFixed(1)} at start (numbers from a loaded machine compare runtimes only roughly).`,
  results,
};
writeFileSync(join(here, 'results/runtimes.json'), JSON.stringify(out, null, 2) + '\n');
console.log(`\nwrote bench/results/runtimes.json (${done.map(([k]) => k).join(', ')})`);
