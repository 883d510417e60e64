// @seashell/kernel entry: re-exports every primitive and fused packet operation.
// One file per algorithm family; see each file's header for the RFC it implements.
export { ioPtr, ioSize, ctxBase, ctxSlotSize, ctxSlots, wipe } from './layout';
export * from './chacha';
export * from './aes';
export * from './sha';
export * from './ctrmac';
