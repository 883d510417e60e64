// The runtime-neutral half of the vector harness: hex helpers and the check recorder. Where the
// JSON comes from is the only thing that differs between runtimes: harness.ts reads test-vectors/
// from disk (Node, Deno, Bun); the browser page's harness reads it from its bundle.

export interface VectorRun {
  /** Records one check; name says which vector so a failure is findable. */
  check(name: string, ok: boolean): void;
  /** Reads test-vectors/<file> as JSON. */
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

/** A check recorder whose vector files come from readJson. */
export function makeRun(readJson: (file: string) => unknown): VectorRun & { passed: number; failures: string[] } {
  const r = {
    passed: 0,
    failures: [] as string[],
    check(name: string, ok: boolean) {
      if (ok) r.passed++;
      else r.failures.push(name);
    },
    json<T>(file: string): T {
      return readJson(file) as T;
    },
  };
  return r;
}
