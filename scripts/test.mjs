#!/usr/bin/env node
// `npm test`: installs if needed, builds every workspace through turbo, runs every workspace's
// tests through turbo, then prints one closing line summing all vitest reports.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit' }).status ?? 1;

if (!existsSync(join(root, 'node_modules/.bin/turbo'))) {
  console.log('node_modules missing: running npm ci');
  if (run('npm', ['ci']) !== 0) process.exit(1);
}
const workspaces = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces;
const reportDirs = [];
for (const w of workspaces) {
  if (w.endsWith('/*')) {
    const { readdirSync } = await import('node:fs');
    for (const d of readdirSync(join(root, w.slice(0, -2)))) reportDirs.push(join(root, w.slice(0, -2), d));
  } else reportDirs.push(join(root, w));
}
for (const d of reportDirs) rmSync(join(d, '.vitest-report.json'), { force: true });

const turbo = join(root, 'node_modules/.bin/turbo');
let status = run(turbo, ['run', 'build', '--output-logs=errors-only', '--env-mode=loose']);
if (status === 0) status = run(turbo, ['run', 'test', '--concurrency=1', '--continue', '--env-mode=loose']);

let passed = 0, failed = 0, skipped = 0;
for (const d of reportDirs) {
  const f = join(d, '.vitest-report.json');
  if (!existsSync(f)) continue;
  const r = JSON.parse(readFileSync(f, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(status !== 0 || failed > 0 ? 1 : 0);
