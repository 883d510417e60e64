// Runs every family's known-answer checks and prints one line: "N passed, M failed".
// Used by vitest (Node) and spawned under Deno and Bun by ../runtimes.test.ts.
import { newRun } from './harness.ts';
import * as chacha from './chacha.ts';
import * as aes from './aes.ts';
import * as sha from './sha.ts';
import * as ctrmac from './ctrmac.ts';

export function runAll(): { passed: number; failures: string[] } {
  const r = newRun();
  for (const fam of [chacha, aes, sha, ctrmac]) fam.run(r);
  return r;
}

const isMain = typeof process !== 'undefined' && process.argv?.[1]?.endsWith('run-all.ts');
if (isMain || (globalThis as { Deno?: { mainModule?: string } }).Deno?.mainModule?.endsWith('run-all.ts')) {
  const r = runAll();
  for (const f of r.failures) console.log(`FAIL ${f}`);
  console.log(`${r.passed} passed, ${r.failures.length} failed`);
}
