// Typed errors of the engine (DESIGN.md "Errors"). Every error says what was wrong.

/** SSH disconnect reason codes (RFC 4253 §11.1, RFC 4250 §4.2.2). */
export const DisconnectReason = {
  HOST_NOT_ALLOWED_TO_CONNECT: 1,
  PROTOCOL_ERROR: 2,
  KEY_EXCHANGE_FAILED: 3,
  RESERVED: 4,
  MAC_ERROR: 5,
  COMPRESSION_ERROR: 6,
  SERVICE_NOT_AVAILABLE: 7,
  PROTOCOL_VERSION_NOT_SUPPORTED: 8,
  HOST_KEY_NOT_VERIFIABLE: 9,
  CONNECTION_LOST: 10,
  BY_APPLICATION: 11,
  TOO_MANY_CONNECTIONS: 12,
  AUTH_CANCELLED_BY_USER: 13,
  NO_MORE_AUTH_METHODS_AVAILABLE: 14,
  ILLEGAL_USER_NAME: 15,
} as const;
export type DisconnectReasonCode = (typeof DisconnectReason)[keyof typeof DisconnectReason];

/** A protocol violation (ours or the peer's); carries the SSH disconnect reason to send or that was received. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    message: string,
    readonly reason: number = DisconnectReason.PROTOCOL_ERROR,
  ) {
    super(message);
  }
}

/** Authentication failed: every method was tried or refused. */
export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';
  constructor(
    message: string,
    readonly methodsLeft: readonly string[] = [],
  ) {
    super(message);
  }
}

/** The server's host key does not match the one recorded (or was rejected by the verifier). */
export class HostKeyMismatchError extends Error {
  override readonly name = 'HostKeyMismatchError';
  constructor(
    message: string,
    readonly fingerprint: string,
  ) {
    super(message);
  }
}

/** The peer refused to open a channel (RFC 4254 §5.1 reason code). */
export class ChannelOpenError extends Error {
  override readonly name = 'ChannelOpenError';
  constructor(
    message: string,
    readonly reason: number,
  ) {
    super(message);
  }
}

/** An SFTP request failed with a status code (draft-ietf-secsh-filexfer-02 §7). */
export class SftpError extends Error {
  override readonly name = 'SftpError';
  constructor(
    message: string,
    readonly code: number,
    readonly path?: string,
  ) {
    super(message);
  }
}

/** Something took longer than its limit (login grace time, a reply, a keepalive). */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** A key file, known_hosts or config that can't be parsed: says which file, which line, what was expected. */
export class KeyParseError extends Error {
  override readonly name = 'KeyParseError';
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super((file ? `${file}${line ? `:${line}` : ''}: ` : '') + message);
  }
}
