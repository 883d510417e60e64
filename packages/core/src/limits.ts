// Every bound the engine enforces, in one place, each with the reason for its value
// (DESIGN.md "Nothing a peer sends may crash the process or grow memory past its limit").
// The engine reads these defaults; a few may be lowered (never raised past the hard ones) through
// the connection config.

/**
 * Largest binary packet we accept, counting the length field, padding and MAC (RFC 4253 §6.1
 * requires 35000; OpenSSH accepts 256 KiB). Checked against the length field before any buffer
 * is sized for the packet (russh CVE-2024-43410).
 */
export const MAX_PACKET_SIZE = 256 * 1024;

/** Smallest packet_length + 4 any cipher allows: RFC 4253 §6 says at least 16 bytes (or a block). */
export const MIN_PACKET_SIZE = 16;

/** Minimum random padding per packet (RFC 4253 §6). */
export const MIN_PADDING = 4;

/** Largest payload we ever put in one packet ourselves: the packet limit less header, the most padding and MAC. */
export const MAX_PAYLOAD_SIZE = MAX_PACKET_SIZE - 4 - 1 - 255 - 64;

/** Longest identification line (RFC 4253 §4.2: 255 characters including CR LF). */
export const MAX_VERSION_LINE = 255;

/**
 * Lines a server may send before its SSH- line (RFC 4253 §4.2 allows "other lines"), and the
 * longest such line. Bounded so a peer that never identifies cannot make us read forever.
 */
export const MAX_PRE_VERSION_LINES = 50;
export const MAX_PRE_VERSION_LINE = 1024;

/** Longest name-list in KEXINIT we accept, per list (OpenSSH's lists are well under 2 KiB). */
export const MAX_NAME_LIST = 8192;

/** EXT_INFO: fewer than this many extensions (AsyncSSH CVE-2023-46445/46446 hardening). */
export const MAX_EXT_INFO_ENTRIES = 1024;

/** Authentication banner (SSH_MSG_USERAUTH_BANNER) and DEBUG/DISCONNECT texts we pass on: bytes. */
export const MAX_BANNER_SIZE = 64 * 1024;

/** Failed authentication attempts before the server disconnects (OpenSSH MaxAuthTries). */
export const MAX_AUTH_TRIES = 6;

/** Milliseconds a client has to authenticate (OpenSSH LoginGraceTime, 120 s). */
export const LOGIN_GRACE_TIME_MS = 120_000;

/** Authentication requests a client may pipeline while the application decides on one. */
export const MAX_QUEUED_AUTH_REQUESTS = 16;

/** keyboard-interactive: most prompts in one INFO_REQUEST (OpenSSH caps at 100). */
export const MAX_KBDINT_PROMPTS = 100;

/**
 * Bytes we hold, unread, from a server while the application decides on its host key: a server
 * has no reason to send more than NEWKEYS and EXT_INFO before we answer.
 */
export const MAX_PAUSED_INPUT = 1024 * 1024;

/** Rekey after this many bytes in either direction (RFC 4253 §9: after 1 GiB). */
export const REKEY_BYTES = 1024 ** 3;

/** Rekey after this many packets in either direction (RFC 4344 §3.1: well before 2^32 blocks/packets). */
export const REKEY_PACKETS = 2 ** 31;

/** Rekey after this many milliseconds (RFC 4253 §9: after an hour). */
export const REKEY_INTERVAL_MS = 60 * 60 * 1000;

/**
 * A key exchange that takes longer than this is abandoned: a peer that stalls KEX while we hold
 * queued writes must not keep us waiting for ever (Go CVE-2025-22869).
 */
export const KEX_TIMEOUT_MS = 60_000;

/**
 * Server: how long the first KEXINIT waits for the client's (see TransportOptions.kexinitHoldMs).
 * Clients that send theirs only after ours pay this once per connection; it stays below Linux's
 * 40 ms delayed-ACK minimum, the stall it avoids for clients with Nagle on.
 */
export const KEXINIT_HOLD_MS = 25;

/**
 * Bytes of non-KEX messages held while a key exchange is in progress (RFC 4253 §7.1 forbids
 * sending them until NEWKEYS). Channel data is not counted here: it waits in the channels' own
 * bounded queues. Going past this means the peer stalled KEX while we kept producing: disconnect
 * (Go CVE-2025-22869).
 */
export const MAX_PENDING_OUTBOUND = 4 * 1024 * 1024;

/** Our initial receive window per channel (OpenSSH uses 2 MiB). */
export const CHANNEL_WINDOW = 2 * 1024 * 1024;

/** Largest CHANNEL_DATA payload we accept per packet (OpenSSH advertises 32 KiB). */
export const CHANNEL_MAX_PACKET = 32 * 1024;

/**
 * Largest maximum packet size we may announce for a channel: a CHANNEL_DATA message of that many
 * bytes (plus its 9-byte header) still fits one binary packet of MAX_PACKET_SIZE.
 */
export const MAX_CHANNEL_PACKET = 256 * 1024 - 64;

/** We never send channel data packets larger than this, whatever the peer advertises. */
export const CHANNEL_SEND_MAX_PACKET = 64 * 1024;

/** Largest window a channel can ever have (RFC 4254 §5.2: a uint32; russh CVE-2025-54804). */
export const MAX_WINDOW = 0xffffffff;

/**
 * Bytes an application may queue on one channel beyond what the peer's window lets us send
 * before `write` reports backpressure (returns false).
 */
export const CHANNEL_SEND_HIGH_WATER = 1024 * 1024;

/**
 * Sender-side silly-window avoidance (as TCP's, RFC 1122 §4.2.3.4): while more data waits than the
 * peer's window admits, data is held back until the window has opened to this many bytes (or half
 * the largest window the peer has offered, if that is less), instead of going out in every small
 * increment the peer's WINDOW_ADJUSTs hand back. OpenSSH's sshd re-opens its 2 MiB session window
 * in ~96 KiB steps; answering each one cost both ends a wakeup, a socket write and a partial
 * packet (bench/sftp.bench.mjs, upload rows).
 */
export const CHANNEL_SEND_HOLD_WINDOW = 1024 * 1024;
/** The longest data is held back by CHANNEL_SEND_HOLD_WINDOW, so a peer that waits for more data before it re-opens its window is never stalled for long. */
export const CHANNEL_SEND_HOLD_MS = 5;

/**
 * Hard cap on a channel's send queue: writing past it is an application error (the writer ignored
 * backpressure) and throws instead of growing memory.
 */
export const CHANNEL_SEND_HARD_LIMIT = 16 * 1024 * 1024;

/**
 * Channels open at once per connection (OpenSSH's default MaxSessions is 10; forwarding needs
 * more). With CHANNEL_WINDOW this bounds what a peer can have in flight towards us:
 * MAX_CHANNELS x CHANNEL_WINDOW, and only while the application doesn't consume.
 */
export const MAX_CHANNELS = 256;

/** Channel or global requests waiting for the application's reply, per connection. */
export const MAX_PENDING_REQUESTS = 256;

/** Environment variables a server accepts per session (each is a separate CHANNEL_REQUEST). */
export const MAX_ENV_VARS = 256;

/**
 * Remote forwards (tcpip-forward and streamlocal-forward@openssh.com together) a server keeps
 * per connection: each is a listening socket and a file descriptor the client makes us hold.
 */
export const MAX_REMOTE_FORWARDS = 64;
