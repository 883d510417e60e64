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
const fmtRate = (r, k) => (r.bytes ? `${r.mibs[k].toFixed(0)} MiB/s` : `${r.nsPerOp[k].toFixed(0)} ns`);

let md = '';
for (const f of files) {
  const data = JSON.parse(readFileSync(join(dir, f), 'utf8'));
  if (!Array.isArray(data.results)) continue;
  md += `\n**${data.title ?? f.replace(/\.json$/, '')}** — ${data.runtime}, ${data.date.slice(0, 10)}, \`${data.command}\`\n\n`;
  md += '| case | seashell | others | seashell vs others | target |\n| --- | --- | --- | --- | --- |\n';
  for (const r of data.results) {
    const others = Object.keys(r.nsPerOp).filter((k) => k !== 'seashell');
    const targets = (r.targets ?? [])
      .map((t) => `≥${t.min}x ${t.vs}: ${(r.ratios[t.vs] ?? 0) >= t.min ? 'met' : '**missed**'}`)
      .join('; ');
    md += `| ${r.name} | ${r.nsPerOp.seashell !== undefined ? fmtRate(r, 'seashell') : '—'} | ${others.map((k) => `${k} ${fmtRate(r, k)}`).join('<br>')} | ${Object.entries(r.ratios ?? {}).map(([k, x]) => `${x.toFixed(2)}x ${k}`).join('<br>')} | ${targets || '—'} |\n`;
  }
  if (data.notes) md += `\n${data.notes}\n`;
}
const readme = readFileSync(readmePath, 'utf8');
const next = readme.replace(/<!-- numbers:begin -->[\s\S]*<!-- numbers:end -->/, `<!-- numbers:begin -->\n${md}\n<!-- numbers:end -->`);
writeFileSync(readmePath, next);
console.log(`README numbers table updated from ${files.length} result file(s)`);
