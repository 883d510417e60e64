#!/usr/bin/env node
// Writes README's numbers table (between <!-- numbers:begin --> and <!-- numbers:end -->) from
// bench/results/*.json, so every number in README comes from a file a benchmark wrote, with the
// command that wrote it.
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const readmePath = join(here, '..', 'README.md');
const dir = join(here, 'results');
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];
// Rows carry either timings (nsPerOp; MiB/s when `bytes` is set) or plain `values` in `unit`.
const fmtRate = (r, k) => (r.unit ? `${r.values[k].toFixed(r.values[k] < 10 ? 2 : 0)} ${r.unit}` : r.bytes ? `${r.mibs[k].toFixed(0)} MiB/s` : fmtNs(r.nsPerOp[k]));
/** ns below 10 µs, µs below 10 ms, ms above: per-packet and per-connection numbers both read plainly. */
function fmtNs(ns) {
  return ns < 1e4 ? `${ns.toFixed(0)} ns` : ns < 1e7 ? `${(ns / 1e3).toFixed(1)} µs` : `${(ns / 1e6).toFixed(1)} ms`;
}
const cell = (r) => r.values ?? r.nsPerOp;
// A target is { vs, min } (seashell's ratio against vs) or { max } (seashell's own value), with an optional label.
const targetText = (r, t) =>
  t.max !== undefined
    ? `${t.label ?? `≤${t.max} ${r.unit ?? ''}`}: ${cell(r).seashell <= t.max ? 'met' : '**missed**'}`
    : `${t.label ?? `≥${t.min}x ${t.vs}`}: ${(r.ratios[t.vs] ?? 0) >= t.min ? 'met' : '**missed**'}`;

let md = '';
for (const f of files) {
  const data = JSON.parse(readFileSync(join(dir, f), 'utf8'));
  if (!Array.isArray(data.results)) continue;
  md += `\n**${data.title ?? f.replace(/\.json$/, '')}** — ${data.runtime}, ${data.date.slice(0, 10)}, \`${data.command}\`\n\n`;
  md += '| case | seashell | others | seashell vs others | target |\n| --- | --- | --- | --- | --- |\n';
  for (const r of data.results) {
    const others = Object.keys(cell(r)).filter((k) => k !== 'seashell');
    const targets = (r.targets ?? []).map((t) => targetText(r, t)).join('; ');
    md += `| ${r.name} | ${cell(r).seashell !== undefined ? fmtRate(r, 'seashell') : '—'} | ${others.map((k) => `${k} ${fmtRate(r, k)}`).join('<br>')} | ${Object.entries(r.ratios ?? {}).map(([k, x]) => `${x.toFixed(2)}x ${k}`).join('<br>')} | ${targets || '—'} |\n`;
  }
  if (data.notes) md += `\n${data.notes}\n`;
}
const readme = readFileSync(readmePath, 'utf8');
const next = readme.replace(/<!-- numbers:begin -->[\s\S]*<!-- numbers:end -->/, `<!-- numbers:begin -->\n${md}\n<!-- numbers:end -->`);
writeFileSync(readmePath, next);
console.log(`README numbers table updated from ${files.length} result file(s)`);
