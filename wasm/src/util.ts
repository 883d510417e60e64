// Input checks shared by the kernel's TS wrappers: every public function says what was wrong.

export function checkBytes(name: string, v: unknown): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array, got ${describe(v)}`);
  return v;
}

export function checkLength(name: string, v: unknown, ...allowed: number[]): Uint8Array {
  const b = checkBytes(name, v);
  if (!allowed.includes(b.length)) {
    throw new RangeError(`${name} must be ${allowed.join(' or ')} bytes, got ${b.length}`);
  }
  return b;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}
