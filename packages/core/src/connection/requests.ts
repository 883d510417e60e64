// Channel request and channel open payloads as typed records (RFC 4254 §§6.2-6.10, 6.1, 7.2):
// decoding a CHANNEL_REQUEST's type-specific data into a SessionRequest, and the other way.
// Requests we don't know stay opaque ({ type, data }) and are answered with CHANNEL_FAILURE.
import {
  EnvReq,
  ExecReq,
  ExitSignalReq,
  ExitStatusReq,
  OpenDirectTcpip,
  OpenForwardedTcpip,
  OpenSession,
  OpenX11,
  PtyReq,
  ShellReq,
  SignalReq,
  SubsystemReq,
  WindowChangeReq,
  X11Req,
  XonXoffReq,
} from '../messages/index.ts';
import type { Decoded, StructCodec } from '../messages/index.ts';

type Body<C> = C extends StructCodec<infer S> ? Decoded<S> : never;

/** A session channel request with its decoded data. */
export type SessionRequest =
  | ({ type: 'pty-req' } & Body<typeof PtyReq>)
  | ({ type: 'x11-req' } & Body<typeof X11Req>)
  | ({ type: 'env' } & Body<typeof EnvReq>)
  | { type: 'shell' }
  | ({ type: 'exec' } & Body<typeof ExecReq>)
  | ({ type: 'subsystem' } & Body<typeof SubsystemReq>)
  | ({ type: 'window-change' } & Body<typeof WindowChangeReq>)
  | ({ type: 'xon-xoff' } & Body<typeof XonXoffReq>)
  | ({ type: 'signal' } & Body<typeof SignalReq>)
  | ({ type: 'exit-status' } & Body<typeof ExitStatusReq>)
  | ({ type: 'exit-signal' } & Body<typeof ExitSignalReq>)
  | { type: 'auth-agent-req@openssh.com' };

/** A request we have no codec for: its name and raw data. */
export interface OpaqueRequest {
  type: string;
  data: Uint8Array;
}

const Empty = ShellReq;

/** Codec per request name. */
export const REQUEST_CODECS: Readonly<Record<SessionRequest['type'], StructCodec>> = {
  'pty-req': PtyReq,
  'x11-req': X11Req,
  env: EnvReq,
  shell: ShellReq,
  exec: ExecReq,
  subsystem: SubsystemReq,
  'window-change': WindowChangeReq,
  'xon-xoff': XonXoffReq,
  signal: SignalReq,
  'exit-status': ExitStatusReq,
  'exit-signal': ExitSignalReq,
  'auth-agent-req@openssh.com': Empty,
} as unknown as Readonly<Record<SessionRequest['type'], StructCodec>>;

/** Decodes a request's data; unknown names come back opaque. Malformed data is a ProtocolError. */
export function decodeRequest(name: string, data: Uint8Array): SessionRequest | OpaqueRequest {
  if (!Object.hasOwn(REQUEST_CODECS, name)) return { type: name, data };
  const body = REQUEST_CODECS[name as SessionRequest['type']].decode(data);
  return { type: name, ...body } as SessionRequest;
}

/** Encodes a typed request's data (the part after want_reply). */
export function encodeRequest(req: SessionRequest): { name: string; data: Uint8Array } {
  if (!req || typeof req !== 'object' || !Object.hasOwn(REQUEST_CODECS, req.type)) {
    throw new TypeError(`unknown channel request ${JSON.stringify((req as { type?: unknown })?.type)}`);
  }
  const { type, ...body } = req;
  return { name: type, data: REQUEST_CODECS[type].encode(body as never) };
}

/** Type-specific data of a CHANNEL_OPEN. */
export type ChannelOpenInfo =
  | { type: 'session' }
  | ({ type: 'direct-tcpip' } & Body<typeof OpenDirectTcpip>)
  | ({ type: 'forwarded-tcpip' } & Body<typeof OpenForwardedTcpip>)
  | ({ type: 'x11' } & Body<typeof OpenX11>)
  | OpaqueRequest;

const OPEN_CODECS: Readonly<Record<string, StructCodec>> = {
  session: OpenSession,
  'direct-tcpip': OpenDirectTcpip,
  'forwarded-tcpip': OpenForwardedTcpip,
  x11: OpenX11,
} as never;

/** Decodes CHANNEL_OPEN type-specific data (unknown types stay opaque). */
export function decodeOpen(type: string, data: Uint8Array): ChannelOpenInfo {
  if (!Object.hasOwn(OPEN_CODECS, type)) return { type, data };
  return { type, ...OPEN_CODECS[type].decode(data) } as ChannelOpenInfo;
}

/** Encodes CHANNEL_OPEN type-specific data. */
export function encodeOpen(info: ChannelOpenInfo): Uint8Array {
  if (!Object.hasOwn(OPEN_CODECS, info.type)) {
    if ('data' in info && info.data instanceof Uint8Array) return info.data;
    throw new TypeError(`unknown channel type ${JSON.stringify(info.type)} needs its data as bytes`);
  }
  const { type: _t, ...body } = info as { type: string };
  return OPEN_CODECS[info.type].encode(body as never);
}
