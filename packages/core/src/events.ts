// The typed events a ClientConnection / ServerConnection hands out through pollEvent(). Some
// ask the application for a decision (hostKey, authRequest, authPrompt, signRequest,
// channelOpen, channelRequest with wantReply, globalRequest with wantReply); the engine waits,
// without blocking anything else, until the matching method is called.
import type { Negotiated } from './transport/kexinit.ts';
import type { Channel } from './connection/channel.ts';
import type { ChannelOpenInfo, OpaqueRequest, SessionRequest } from './connection/requests.ts';

/** A keyboard-interactive prompt (RFC 4256 §3.2). */
export interface Prompt {
  readonly prompt: string;
  readonly echo: boolean;
}

/** A public key as it travels: the signature algorithm and the key blob (RFC 4253 §6.6). */
export interface PublicKeyInfo {
  readonly algorithm: string;
  readonly blob: Uint8Array;
}

export type ConnectionEvent =
  /** Client: the server proved possession of this host key; call acceptHostKey() or rejectHostKey(). */
  | { readonly type: 'hostKey'; readonly algorithm: string; readonly key: Uint8Array; readonly fingerprint: string }
  /** A key exchange finished (initial: the first one of the connection). */
  | { readonly type: 'keysExchanged'; readonly initial: boolean; readonly algorithms: Negotiated }
  /** Client: the server's authentication banner (RFC 4252 §5.4). */
  | { readonly type: 'banner'; readonly message: string; readonly language: string }
  /** Client: keyboard-interactive prompts; answer with answerPrompts(). */
  | { readonly type: 'authPrompt'; readonly name: string; readonly instruction: string; readonly prompts: readonly Prompt[] }
  /** Client: a key without a local signer must sign `data`; answer with provideSignature(). */
  | { readonly type: 'signRequest'; readonly key: PublicKeyInfo; readonly data: Uint8Array }
  /** Server: a user asks to authenticate; decide with authDecision(). */
  | ({ readonly type: 'authRequest' } & AuthRequest)
  /**
   * The outcome of one authentication attempt. Client: after each request the server answered
   * (success ends authentication). Server: after each decision. For publickey, `key` is the key
   * that signed the successful request, never one that was only offered.
   */
  | {
      readonly type: 'authResult';
      readonly success: boolean;
      readonly partial: boolean;
      readonly username: string;
      readonly method: string;
      readonly methodsLeft: readonly string[];
      readonly key?: PublicKeyInfo;
    }
  /** The peer asks to open a channel; call channel.accept() or channel.reject(). */
  | { readonly type: 'channelOpen'; readonly channel: Channel; readonly info: ChannelOpenInfo }
  /** A channel we opened is open; requests and data queued on it start flowing. */
  | { readonly type: 'channelOpened'; readonly channel: Channel }
  /** A channel we opened was refused (RFC 4254 §5.1 reason code). */
  | { readonly type: 'channelOpenFailed'; readonly channel: Channel; readonly reason: number; readonly description: string }
  /** Data arrived; call channel.consume(data.length) once processed to re-open the window. */
  | { readonly type: 'channelData'; readonly channel: Channel; readonly data: Uint8Array }
  /** Extended data (dataType 1 = stderr) arrived; consume it like channelData. */
  | { readonly type: 'channelExtendedData'; readonly channel: Channel; readonly dataType: number; readonly data: Uint8Array }
  /** A channel's send queue fell below its high-water mark after write() returned false. */
  | { readonly type: 'channelWritable'; readonly channel: Channel }
  /** The peer will send no more data on the channel. */
  | { readonly type: 'channelEof'; readonly channel: Channel }
  /** The channel is closed both ways and its number released. */
  | { readonly type: 'channelClose'; readonly channel: Channel }
  /**
   * The peer sent a channel request (server: exec, shell, pty-req, env, subsystem, signal,
   * window-change, ...). With wantReply, answer with channel.reply(id, success).
   */
  | { readonly type: 'channelRequest'; readonly channel: Channel; readonly id: number; readonly wantReply: boolean; readonly request: SessionRequest | OpaqueRequest }
  /** The answer to one of our want-reply channel requests. */
  | { readonly type: 'channelRequestResult'; readonly channel: Channel; readonly request: string; readonly success: boolean }
  /** Client: the remote command exited with this status. */
  | { readonly type: 'exitStatus'; readonly channel: Channel; readonly status: number }
  /** Client: the remote command was killed by a signal. */
  | { readonly type: 'exitSignal'; readonly channel: Channel; readonly signal: string; readonly coreDumped: boolean; readonly message: string }
  /** A global request the application asked to see; with wantReply answer with replyGlobalRequest(id, ...). */
  | { readonly type: 'globalRequest'; readonly id: number; readonly name: string; readonly wantReply: boolean; readonly data: Uint8Array }
  /** The answer to one of our want-reply global requests. */
  | { readonly type: 'globalRequestResult'; readonly name: string; readonly success: boolean; readonly data: Uint8Array }
  /** A DEBUG message from the peer (RFC 4253 §11.3). */
  | { readonly type: 'debug'; readonly message: string; readonly alwaysDisplay: boolean }
  /** The connection is over (always the last event). */
  | {
      readonly type: 'disconnected';
      readonly reason: number;
      readonly description: string;
      readonly byPeer: boolean;
      readonly error?: Error;
    };

/** Server: what a user offers; `id` is implicit (one request is decided at a time). */
export type AuthRequest =
  | { readonly username: string; readonly method: 'none' }
  | { readonly username: string; readonly method: 'password'; readonly password: string }
  /**
   * publickey: signed = false is a query ("would this key do?"), answered with PK_OK on accept
   * and never granting access; signed = true means the signature over the session was already
   * verified for exactly this key.
   */
  | { readonly username: string; readonly method: 'publickey'; readonly signed: boolean; readonly key: PublicKeyInfo }
  /** keyboard-interactive: first the start (responses undefined), then each INFO_RESPONSE. */
  | { readonly username: string; readonly method: 'keyboard-interactive'; readonly submethods: string; readonly responses?: readonly string[] };

/** Server: the application's answer to an authRequest. */
export type AuthDecision =
  /** true: this method succeeds and the user is in; false: it fails. */
  | boolean
  /** The method succeeded but more are needed (RFC 4252 §5.1 partial success). */
  | { readonly partial: true; readonly methods?: readonly string[] }
  /** keyboard-interactive: send these prompts (INFO_REQUEST) and wait for the answers. */
  | { readonly prompts: readonly Prompt[]; readonly name?: string; readonly instruction?: string };
