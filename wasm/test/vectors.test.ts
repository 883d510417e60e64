import { expect, it } from 'vitest';
import { runAll } from './vectors/run-all.ts';

it('every known-answer vector in test-vectors/ passes (Node)', () => {
  const r = runAll();
  expect(r.failures).toEqual([]);
});
