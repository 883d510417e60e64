// The kernel vectors' harness (wasm/test/vectors/harness.ts) for a browser page: the same checks,
// with test-vectors/*.json embedded in the bundle (virtual module 'seashell:vectors') instead of
// read from disk. The bundler swaps this file in for harness.ts (see ../bundle.ts).
// @ts-expect-error virtual module supplied by the esbuild plugin
import vectors from 'seashell:vectors';

export interface VectorRun {
  check(name: string, ok: boolean): void;
  json<T = unknown>(file: string): T;
}

export function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  if (clean.length % 2) throw new Error(`odd-length hex: ${s.slice(0, 20)}…`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

export function equal(a: Uint8Array | null | undefined, b: Uint8Array): boolean {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function newRun(): VectorRun & { passed: number; failures: string[] } {
  const r = {
    passed: 0,
    failures: [] as string[],
    check(name: string, ok: boolean) {
      if (ok) r.passed++;
      else r.failures.push(name);
    },
    json<T>(file: string): T {
      const v = (vectors as Record<string, unknown>)[file];
      if (v === undefined) throw new Error(`vector file ${file} was not embedded`);
      return v as T;
    },
  };
  return r;
}
