// The algorithm registry interop tests use: the default registry, with the JS reference ciphers
// (packages/core/test/support/ref-ciphers.ts) filling in for kernel cipher families that have
// not landed in the registry yet. Once every family is in defaultRegistry this is defaultRegistry.
import { defaultRegistry, type AlgorithmRegistry } from '@seashell/core';
import { refCipherSpecs } from '../packages/core/test/support/ref-ciphers.ts';

export const interopRegistry: AlgorithmRegistry = {
  ...defaultRegistry,
  cipher: { ...refCipherSpecs, ...defaultRegistry.cipher },
};

/** Cipher names still served by the JS references (empty once the kernel has them all). */
export const referenceOnlyCiphers = Object.keys(refCipherSpecs).filter((n) => !(n in defaultRegistry.cipher));
