// SFTP v3 numbers (draft-ietf-secsh-filexfer-02 §3, §5, §6.3, §7) and the bounds this layer keeps.
// Every limit says why it has its value; a peer that goes past one gets a typed error, never an
// allocation.

/** Packet type numbers (draft-02 §3). */
export const FXP = {
  INIT: 1,
  VERSION: 2,
  OPEN: 3,
  CLOSE: 4,
  READ: 5,
  WRITE: 6,
  LSTAT: 7,
  FSTAT: 8,
  SETSTAT: 9,
  FSETSTAT: 10,
  OPENDIR: 11,
  READDIR: 12,
  REMOVE: 13,
  MKDIR: 14,
  RMDIR: 15,
  REALPATH: 16,
  STAT: 17,
  RENAME: 18,
  READLINK: 19,
  SYMLINK: 20,
  STATUS: 101,
  HANDLE: 102,
  DATA: 103,
  NAME: 104,
  ATTRS: 105,
  EXTENDED: 200,
  EXTENDED_REPLY: 201,
} as const;
export type FxpType = (typeof FXP)[keyof typeof FXP];

/** Status codes (draft-02 §7). */
export const SftpStatus = {
  OK: 0,
  EOF: 1,
  NO_SUCH_FILE: 2,
  PERMISSION_DENIED: 3,
  FAILURE: 4,
  BAD_MESSAGE: 5,
  NO_CONNECTION: 6,
  CONNECTION_LOST: 7,
  OP_UNSUPPORTED: 8,
} as const;
export type SftpStatusCode = (typeof SftpStatus)[keyof typeof SftpStatus];

/** The default text of each status code, used when a backend gives none. */
export const STATUS_TEXT: Record<number, string> = {
  0: 'Success',
  1: 'End of file',
  2: 'No such file',
  3: 'Permission denied',
  4: 'Failure',
  5: 'Bad message',
  6: 'No connection',
  7: 'Connection lost',
  8: 'Operation unsupported',
};

/** OPEN pflags (draft-02 §6.3). */
export const OpenFlags = {
  READ: 0x01,
  WRITE: 0x02,
  APPEND: 0x04,
  CREAT: 0x08,
  TRUNC: 0x10,
  EXCL: 0x20,
} as const;

/** ATTRS flags (draft-02 §5). */
export const AttrFlags = {
  SIZE: 0x00000001,
  UIDGID: 0x00000002,
  PERMISSIONS: 0x00000004,
  ACMODTIME: 0x00000008,
  EXTENDED: 0x80000000,
} as const;

/** POSIX file type bits in `permissions` (S_IFMT and friends), as OpenSSH sends them. */
export const FileType = {
  MASK: 0o170000,
  SOCKET: 0o140000,
  SYMLINK: 0o120000,
  REGULAR: 0o100000,
  BLOCK: 0o060000,
  DIRECTORY: 0o040000,
  CHAR: 0o020000,
  FIFO: 0o010000,
} as const;

/** statvfs@openssh.com f_flag bits (OpenSSH PROTOCOL §4.4). */
export const StatvfsFlags = { RDONLY: 0x1, NOSUID: 0x2 } as const;

/** The protocol version this layer speaks (and the only one). */
export const SFTP_VERSION = 3;

export const SFTP_LIMITS = {
  /**
   * Largest packet accepted (the uint32 length field: type + body). OpenSSH's sftp-server uses
   * 256 KiB (SFTP_MAX_MSG_LENGTH) and rejects anything larger, so a peer that stays within
   * OpenSSH's limit always fits ours; a READ/WRITE of 255 KiB plus its header fits.
   */
  MAX_PACKET: 256 * 1024,
  /** Smallest MAX_PACKET a caller may configure: the 34000 bytes PROTOCOL §4.8 asks servers to accept. */
  MIN_PACKET: 34000,
  /** Largest READ/WRITE payload we ask for or serve by default: OpenSSH's max-read-length (256 KiB - 1024). */
  MAX_DATA: 256 * 1024 - 1024,
  /** Request size when the server does not announce limits@openssh.com: the 32 KiB every v3 server accepts. */
  DEFAULT_DATA: 32 * 1024,
  /** draft-02 §6.2: handles are at most 256 bytes. */
  MAX_HANDLE: 256,
  /** Requests a client keeps in flight in get/put by default (as OpenSSH sftp -R 64). */
  DEFAULT_CONCURRENCY: 64,
  /** Requests a client may have outstanding at once before further calls wait (bounds its tables). */
  MAX_OUTSTANDING: 4096,
  /** Handles a server keeps open per session (OpenSSH derives its from the fd limit; 1024 is typical). */
  MAX_HANDLES: 1024,
  /** Requests a server admits at once (running or waiting on an earlier request to the same file). */
  MAX_IN_FLIGHT: 128,
  /**
   * Bytes of received-but-not-admitted packets a server holds. A binder that grants channel window
   * only as input is consumed never gets near it; past it the peer ignored flow control.
   */
  MAX_QUEUED_INPUT: 32 * 1024 * 1024,
  /** Bytes of responses a server lets pile up untransmitted before it stops admitting requests. */
  MAX_QUEUED_OUTPUT: 8 * 1024 * 1024,
  /** Entries a server puts in one READDIR reply (OpenSSH sends at most 100). */
  READDIR_BATCH: 100,
  /** Symbolic links followed while resolving one path (Linux's MAXSYMLINKS is 40). */
  MAX_SYMLINK_HOPS: 40,
  /** Directory depth a recursive get/put descends before refusing (stops link and mount loops). */
  MAX_TREE_DEPTH: 64,
  /** Entries readdirAll (and so a recursive get) collects from one directory before refusing: a server that never says EOF can't grow memory without end. */
  MAX_DIR_ENTRIES: 1_000_000,
  /** Bytes copy-data moves per step on the server (OpenSSH uses a 64 KiB buffer). */
  COPY_CHUNK: 64 * 1024,
  /** IDs in one users-groups-by-id@openssh.com request the server answers (bounds the reply). */
  MAX_ID_LOOKUPS: 1024,
} as const;
