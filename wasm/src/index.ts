// @seashell/kernel: the WebAssembly crypto kernel and its typed wrappers.
export { kernel, kernelModule, allocContext, freeContext, KernelInstance } from './kernel.ts';
export type { KernelCore, KernelContext } from './kernel.ts';
export type { PacketCipher } from './packet.ts';
export * from './chacha.ts';
export * from './aes.ts';
export * from './sha.ts';
export * from './ctrmac.ts';
