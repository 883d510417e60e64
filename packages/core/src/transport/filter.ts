// The per-state message filter, as data (DESIGN.md "The protocol state machine is data"): for
// each role and phase, the message numbers a peer may send us. A number with a meaning in the
// protocols we speak that arrives in the wrong phase is a protocol error and a DISCONNECT
// (libssh CVE-2018-10933: a server must never act on USERAUTH_SUCCESS sent by a client; AsyncSSH
// CVE-2023-46445/46446: nothing above 49 before the first NEWKEYS). A number with no meaning at
// all gets SSH_MSG_UNIMPLEMENTED once keys are in place (RFC 4253 §11.4), and is a protocol
// error before that.
//
// Finer rules live with the state they need (transport.ts: EXT_INFO placement, strict KEX's
// "KEXINIT first"; auth/: a reply only to a request we made), but none of them can let through a
// number this table refuses.
import { ASSIGNED_NUMBERS, KEX_FIRST, KEX_LAST, Msg } from '../messages/index.ts';

export type Role = 'client' | 'server';

/**
 * - handshake: before the peer's first NEWKEYS (the initial key exchange)
 * - handshake-strict: the same with strict KEX negotiated: no IGNORE / DEBUG / UNIMPLEMENTED
 *   (Terrapin, CVE-2023-48795)
 * - kex: a re-exchange, between the peer's KEXINIT and its NEWKEYS (RFC 4253 §7.1)
 * - userauth: keys in place, user not yet authenticated
 * - authenticated: the connection protocol
 */
export type Phase = 'handshake' | 'handshake-strict' | 'kex' | 'userauth' | 'authenticated';

export const PHASES: readonly Phase[] = ['handshake', 'handshake-strict', 'kex', 'userauth', 'authenticated'];

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const GENERIC = [Msg.DISCONNECT, Msg.IGNORE, Msg.UNIMPLEMENTED, Msg.DEBUG];
const KEX_METHOD = range(KEX_FIRST, KEX_LAST);
const CONNECTION = [Msg.GLOBAL_REQUEST, Msg.REQUEST_SUCCESS, Msg.REQUEST_FAILURE, ...range(Msg.CHANNEL_OPEN, Msg.CHANNEL_FAILURE)];

const table = (entries: readonly number[]): ReadonlySet<number> => new Set(entries);

/** What each role may receive in each phase. */
export const ALLOWED: Readonly<Record<Role, Readonly<Record<Phase, ReadonlySet<number>>>>> = {
  client: {
    handshake: table([...GENERIC, Msg.KEXINIT, Msg.NEWKEYS, ...KEX_METHOD]),
    'handshake-strict': table([Msg.DISCONNECT, Msg.KEXINIT, Msg.NEWKEYS, ...KEX_METHOD]),
    kex: table([...GENERIC, Msg.NEWKEYS, ...KEX_METHOD]),
    userauth: table([
      ...GENERIC,
      Msg.SERVICE_ACCEPT,
      Msg.EXT_INFO,
      Msg.KEXINIT,
      Msg.USERAUTH_FAILURE,
      Msg.USERAUTH_SUCCESS,
      Msg.USERAUTH_BANNER,
      Msg.USERAUTH_INFO_REQUEST, // also PK_OK and PASSWD_CHANGEREQ (60)
    ]),
    authenticated: table([...GENERIC, Msg.KEXINIT, ...CONNECTION]),
  },
  server: {
    handshake: table([...GENERIC, Msg.KEXINIT, Msg.NEWKEYS, ...KEX_METHOD]),
    'handshake-strict': table([Msg.DISCONNECT, Msg.KEXINIT, Msg.NEWKEYS, ...KEX_METHOD]),
    kex: table([...GENERIC, Msg.NEWKEYS, ...KEX_METHOD]),
    userauth: table([...GENERIC, Msg.SERVICE_REQUEST, Msg.KEXINIT, Msg.USERAUTH_REQUEST, Msg.USERAUTH_INFO_RESPONSE]),
    // RFC 4252 §5.1: requests after success are ignored, not an error
    authenticated: table([...GENERIC, Msg.KEXINIT, Msg.USERAUTH_REQUEST, ...CONNECTION]),
  },
};

export type Verdict = 'accept' | 'unimplemented' | 'disconnect';

/** What to do with message number n received by `role` in `phase`. */
export function classify(role: Role, phase: Phase, n: number): Verdict {
  if (ALLOWED[role][phase].has(n)) return 'accept';
  if (!ASSIGNED_NUMBERS.has(n) && (phase === 'userauth' || phase === 'authenticated')) return 'unimplemented';
  return 'disconnect';
}
