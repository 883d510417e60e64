// SFTP v3 (draft-ietf-secsh-filexfer-02) with OpenSSH's extensions: codec, client, server,
// transfers and backends. Sans-I/O: client and server take bytes with receive() and give bytes
// with pollTransmit(); a binder connects them to an SSH session channel's "sftp" subsystem:
//
//   const client = new SftpClient({ onTransmit: () => queueMicrotask(flush) });
//   const flush = () => { for (let b; (b = client.pollTransmit()); ) channel.write(b); };
//   channel.onData((bytes) => client.receive(bytes));   // throws ProtocolError: close the channel
//   channel.onClose((err) => client.destroy(err));
//   flush();                                             // INIT is waiting from the constructor
//   await client.ready;                                  // VERSION received
//
//   const server = new SftpServer(fs, { onTransmit: () => queueMicrotask(flush),
//                                       onInputConsumed: (n) => channel.adjustWindow(n) });
//   channel.onData((bytes) => server.receive(bytes));  channel.onClose(() => server.close());
//
// The client consumes input at once (its window can be returned immediately); the server reports
// consumption as it admits requests, so granting window from onInputConsumed is its flow control.
export * from './constants.ts';
export { SftpError } from '../wire/index.ts';
export { type Attrs, type ExtendedAttr, checkAttrs, decodeAttrs, encodeAttrs, fileType, isDirectory, isRegularFile, isSymbolicLink, longname } from './attrs.ts';
export { type ExtensionPair, type NameEntry, type SftpMessage, type SftpMessageOf, SCHEMA, decodePacket, encodePacket, packetName } from './codec.ts';
export { EXTENSIONS, type CopyDataRequest, type ExtensionKey, type SftpLimits, type StatVfs } from './extensions.ts';
export { PacketFramer } from './framing.ts';
export { SftpClient, SftpHandle, type OpenMode, type ServerInfo, type SftpClientOptions, openFlags } from './client.ts';
export { SftpServer, type SftpServerOptions } from './server.ts';
export { type FileSystem, type FsDirEntry, type FsDirectory, type FsFile, fsError, normalizePath, statusOf } from './filesystem.ts';
export { MemoryFileSystem, type MemoryFileSystemOptions } from './memory-fs.ts';
export { WritePipeline, chooseChunkSize, readPipelined, type ReadPipelineOptions } from './pipeline.ts';
export {
  type GetSink,
  type LocalEntry,
  type LocalTree,
  type PutOptions,
  type PutSource,
  type PutSourceArg,
  type TransferOptions,
  type TransferProgress,
  type TransferResult,
  type TreeResult,
  PARTIAL_SUFFIX,
  PUT_WINDOW,
  RESUME_VERIFY_BYTES,
  getDirectory,
  getFile,
  putDirectory,
  putFile,
  safeName,
} from './transfer.ts';
export { MemorySink, MemoryTree, createReadStream, createWriteStream, memorySource, readableSource, writableSink, type ReadStreamOptions, type WriteStreamOptions } from './streams.ts';
