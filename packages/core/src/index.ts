// @seashell/core: the sans-I/O SSH engine and promise API. Web-standard APIs only.
export { VERSION } from './version.ts';

// The engine (DESIGN.md "The sans-I/O engine")
export { Connection, type CommonConfig, type Environment } from './engine.ts';
export { ClientConnection, type ClientConfig } from './client-connection.ts';
export { ServerConnection, type ServerConfig } from './server-connection.ts';
export type { ConnectionEvent, AuthRequest, AuthDecision, Prompt, PublicKeyInfo } from './events.ts';
export { Channel, type ChannelState } from './connection/channel.ts';
export type { SessionRequest, OpaqueRequest, ChannelOpenInfo } from './connection/requests.ts';
export { clientKey, type ClientKey } from './auth/client.ts';
export type { Negotiated, AlgorithmLists } from './transport/kexinit.ts';
export type { Identification } from './transport/version.ts';
export type { DisconnectInfo } from './transport/transport.ts';

// Algorithms
export { defaultRegistry, defaultAlgorithms, preferenceOrder, registryDefaults, resolveAlgorithms } from './algorithms/registry.ts';
export type { AlgorithmRegistry, CipherSpec, MacSpec, DirectionKeys } from './algorithms/registry.ts';
export { withLegacy, legacyNames } from './algorithms/legacy.ts';
export { curve25519Method, type X25519Primitive } from './algorithms/kex/curve25519.ts';
export { Msg, ChannelOpenFailure, ExtendedData } from './messages/numbers.ts';
export type * from './algorithms/types.ts';

// Wire types and errors
export * from './wire/index.ts';
export * as limits from './limits.ts';

// The byte stream the promise API runs on (adapters supply one)
export * from './stream.ts';

// The promise API (client.ts, server.ts) on the engine and a ByteStream
export { connect, SshClient, webRandom, signersFor, loadPrivateKey } from './client.ts';
export type { ClientOptions, HostKeyInfo, ExecResult, ExecOptions, ExecProcess, StrictHostKeyChecking, PromptHandler } from './client.ts';
export type { PtyOptions, ShellOptions, ShellProcess, TcpChannel, LocalForward, LocalForwardOptions, RemoteForward, RemoteUnixForward, ForwardedConnection, ForwardedUnixConnection, GlobalRequestResult } from './client.ts';
export { ChannelPipe, isLoopbackHost, checkForward, unixAllowed } from './forwarding.ts';
export type { NetFactory, Listener, UnixListener, UnixListenOptions, StreamPeer, ForwardingPolicy, ChannelSink } from './forwarding.ts';
export { AgentClient, AgentMsg, AgentSignFlags, signFlags, AGENT_MAX_MESSAGE } from './agent/protocol.ts';
export type { SshAgent, AgentIdentity } from './agent/protocol.ts';
export { createServer, SshServer, ServerConnectionHandle } from './server.ts';
export type { ServerOptions, ServerExec, AuthContext, UserKey, PeerInfo, PtyInfo } from './server.ts';
export { Driver, globalTimers, type Timers } from './driver.ts';
export { SftpSession, type SftpSessionOptions, type SftpSessionInfo, type SftpFileSystemSource } from './sftp-channel.ts';

// Keys: key files, generation, fingerprints, known_hosts, authorized_keys
export * from './keys/index.ts';

// SFTP v3: codec, client, server, FileSystem backends
export * from './sftp/index.ts';
