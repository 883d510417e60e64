// Connection protocol messages (RFC 4254 §§4-7) and the type-specific data of channel opens,
// global requests and channel requests, each decoded from the message's `data` rest.
import { message, struct } from './codec.ts';
import { Msg } from './numbers.ts';

/** RFC 4254 §4 */
export const GlobalRequest = message(Msg.GLOBAL_REQUEST, 'GLOBAL_REQUEST', {
  name: 'text',
  wantReply: 'boolean',
  data: 'rest',
});
export const RequestSuccess = message(Msg.REQUEST_SUCCESS, 'REQUEST_SUCCESS', { data: 'rest' });
export const RequestFailure = message(Msg.REQUEST_FAILURE, 'REQUEST_FAILURE', {});

/** RFC 4254 §5.1 */
export const ChannelOpen = message(Msg.CHANNEL_OPEN, 'CHANNEL_OPEN', {
  type: 'text',
  sender: 'uint32',
  window: 'uint32',
  maxPacket: 'uint32',
  data: 'rest',
});
export const ChannelOpenConfirmation = message(Msg.CHANNEL_OPEN_CONFIRMATION, 'CHANNEL_OPEN_CONFIRMATION', {
  recipient: 'uint32',
  sender: 'uint32',
  window: 'uint32',
  maxPacket: 'uint32',
  data: 'rest',
});
export const ChannelOpenFailureMsg = message(Msg.CHANNEL_OPEN_FAILURE, 'CHANNEL_OPEN_FAILURE', {
  recipient: 'uint32',
  reason: 'uint32',
  description: 'text',
  language: 'text',
});

/** RFC 4254 §5.2 */
export const ChannelWindowAdjust = message(Msg.CHANNEL_WINDOW_ADJUST, 'CHANNEL_WINDOW_ADJUST', {
  recipient: 'uint32',
  bytes: 'uint32',
});
export const ChannelData = message(Msg.CHANNEL_DATA, 'CHANNEL_DATA', { recipient: 'uint32', data: 'string' });
export const ChannelExtendedData = message(Msg.CHANNEL_EXTENDED_DATA, 'CHANNEL_EXTENDED_DATA', {
  recipient: 'uint32',
  dataType: 'uint32',
  data: 'string',
});

/** RFC 4254 §5.3 */
export const ChannelEof = message(Msg.CHANNEL_EOF, 'CHANNEL_EOF', { recipient: 'uint32' });
export const ChannelClose = message(Msg.CHANNEL_CLOSE, 'CHANNEL_CLOSE', { recipient: 'uint32' });

/** RFC 4254 §5.4 */
export const ChannelRequest = message(Msg.CHANNEL_REQUEST, 'CHANNEL_REQUEST', {
  recipient: 'uint32',
  request: 'text',
  wantReply: 'boolean',
  data: 'rest',
});
export const ChannelSuccess = message(Msg.CHANNEL_SUCCESS, 'CHANNEL_SUCCESS', { recipient: 'uint32' });
export const ChannelFailure = message(Msg.CHANNEL_FAILURE, 'CHANNEL_FAILURE', { recipient: 'uint32' });

// ---- channel open type-specific data (RFC 4254 §§6.1, 6.3.2, 7.2)

export const OpenSession = struct('session', {});
export const OpenDirectTcpip = struct('direct-tcpip', {
  host: 'text',
  port: 'uint32',
  originatorAddress: 'text',
  originatorPort: 'uint32',
});
export const OpenForwardedTcpip = struct('forwarded-tcpip', {
  connectedAddress: 'text',
  connectedPort: 'uint32',
  originatorAddress: 'text',
  originatorPort: 'uint32',
});
export const OpenX11 = struct('x11', { originatorAddress: 'text', originatorPort: 'uint32' });

// ---- global request type-specific data (RFC 4254 §7.1)

export const TcpipForward = struct('tcpip-forward', { address: 'text', port: 'uint32' });
export const TcpipForwardReply = struct('tcpip-forward reply', { port: 'uint32' });

// ---- channel request type-specific data (RFC 4254 §§6.2-6.10)

export const PtyReq = struct('pty-req', {
  term: 'text',
  cols: 'uint32',
  rows: 'uint32',
  widthPx: 'uint32',
  heightPx: 'uint32',
  modes: 'string',
});
export const X11Req = struct('x11-req', {
  singleConnection: 'boolean',
  authProtocol: 'text',
  authCookie: 'text',
  screen: 'uint32',
});
export const EnvReq = struct('env', { name: 'text', value: 'string' });
export const ShellReq = struct('shell', {});
export const ExecReq = struct('exec', { command: 'string' });
export const SubsystemReq = struct('subsystem', { name: 'text' });
export const WindowChangeReq = struct('window-change', {
  cols: 'uint32',
  rows: 'uint32',
  widthPx: 'uint32',
  heightPx: 'uint32',
});
export const XonXoffReq = struct('xon-xoff', { clientCanDo: 'boolean' });
export const SignalReq = struct('signal', { signal: 'text' });
export const ExitStatusReq = struct('exit-status', { status: 'uint32' });
export const ExitSignalReq = struct('exit-signal', {
  signal: 'text',
  coreDumped: 'boolean',
  message: 'text',
  language: 'text',
});

export const connectionMessages = [
  GlobalRequest,
  RequestSuccess,
  RequestFailure,
  ChannelOpen,
  ChannelOpenConfirmation,
  ChannelOpenFailureMsg,
  ChannelWindowAdjust,
  ChannelData,
  ChannelExtendedData,
  ChannelEof,
  ChannelClose,
  ChannelRequest,
  ChannelSuccess,
  ChannelFailure,
] as const;

export const connectionStructs = [
  OpenSession,
  OpenDirectTcpip,
  OpenForwardedTcpip,
  OpenX11,
  TcpipForward,
  TcpipForwardReply,
  PtyReq,
  X11Req,
  EnvReq,
  ShellReq,
  ExecReq,
  SubsystemReq,
  WindowChangeReq,
  XonXoffReq,
  SignalReq,
  ExitStatusReq,
  ExitSignalReq,
] as const;
