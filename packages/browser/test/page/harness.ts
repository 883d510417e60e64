// The kernel vectors' harness (wasm/test/vectors/harness.ts) for a browser page: the same checks
// (common.ts), with test-vectors/*.json embedded in the bundle (virtual module 'seashell:vectors')
// instead of read from disk. The bundler swaps this file in for harness.ts (see ../bundle.ts).
// @ts-expect-error virtual module supplied by the esbuild plugin
import vectors from 'seashell:vectors';
import { makeRun } from '../../../../wasm/test/vectors/common.ts';

export { hex, toHex, equal, type VectorRun } from '../../../../wasm/test/vectors/common.ts';

export function newRun() {
  return makeRun((file) => {
    const v = (vectors as Record<string, unknown>)[file];
    if (v === undefined) throw new Error(`vector file ${file} was not embedded`);
    return v;
  });
}
