// SSH message numbers (RFC 4250 §4.1, RFC 4253 §12, RFC 4252 §6, RFC 4256 §5, RFC 4254 §9,
// RFC 8308 §2.3). Key-exchange-method numbers 30-49 belong to the kex methods
// (algorithms/kex/) and are listed here only as a range.

export const Msg = {
  // transport layer generic (RFC 4253)
  DISCONNECT: 1,
  IGNORE: 2,
  UNIMPLEMENTED: 3,
  DEBUG: 4,
  SERVICE_REQUEST: 5,
  SERVICE_ACCEPT: 6,
  EXT_INFO: 7,
  // algorithm negotiation
  KEXINIT: 20,
  NEWKEYS: 21,
  // 30-49: key exchange method specific
  // user authentication (RFC 4252)
  USERAUTH_REQUEST: 50,
  USERAUTH_FAILURE: 51,
  USERAUTH_SUCCESS: 52,
  USERAUTH_BANNER: 53,
  // 60-79: method specific; 60 means PK_OK, PASSWD_CHANGEREQ or INFO_REQUEST by context
  USERAUTH_PK_OK: 60,
  USERAUTH_PASSWD_CHANGEREQ: 60,
  USERAUTH_INFO_REQUEST: 60,
  USERAUTH_INFO_RESPONSE: 61,
  // connection protocol (RFC 4254)
  GLOBAL_REQUEST: 80,
  REQUEST_SUCCESS: 81,
  REQUEST_FAILURE: 82,
  CHANNEL_OPEN: 90,
  CHANNEL_OPEN_CONFIRMATION: 91,
  CHANNEL_OPEN_FAILURE: 92,
  CHANNEL_WINDOW_ADJUST: 93,
  CHANNEL_DATA: 94,
  CHANNEL_EXTENDED_DATA: 95,
  CHANNEL_EOF: 96,
  CHANNEL_CLOSE: 97,
  CHANNEL_REQUEST: 98,
  CHANNEL_SUCCESS: 99,
  CHANNEL_FAILURE: 100,
} as const;

/** First and last key-exchange-method message numbers (RFC 4250 §4.1.2). */
export const KEX_FIRST = 30;
export const KEX_LAST = 49;

/** True for key-exchange-method messages (30-49). */
export function isKexMethodMessage(n: number): boolean {
  return n >= KEX_FIRST && n <= KEX_LAST;
}

/**
 * Every message number with a meaning in the protocols we speak. A number outside this set gets
 * SSH_MSG_UNIMPLEMENTED once keys are in place (RFC 4253 §11.4); a known number in the wrong
 * state is a protocol error.
 */
export const ASSIGNED_NUMBERS: ReadonlySet<number> = new Set<number>([
  ...Object.values(Msg),
  ...Array.from({ length: KEX_LAST - KEX_FIRST + 1 }, (_, i) => KEX_FIRST + i),
]);

/** Channel open failure reason codes (RFC 4254 §5.1). */
export const ChannelOpenFailure = {
  ADMINISTRATIVELY_PROHIBITED: 1,
  CONNECT_FAILED: 2,
  UNKNOWN_CHANNEL_TYPE: 3,
  RESOURCE_SHORTAGE: 4,
} as const;

/** Extended data type codes (RFC 4254 §5.2). */
export const ExtendedData = {
  STDERR: 1,
} as const;
