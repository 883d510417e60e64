// Wire layer: SSH data types (RFC 4251 §5) and the engine's typed errors.
export { SshReader } from './reader.ts';
export { SshWriter, mpintBytes, concat } from './writer.ts';
export * from './errors.ts';
