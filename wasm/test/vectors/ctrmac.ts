// Known-answer checks for the ctrmac family; filled in by that work.
import type { VectorRun } from './harness.ts';

export function run(_t: VectorRun): void {}
