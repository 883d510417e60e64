// Client side of user authentication (RFC 4252, RFC 4256): asks for the ssh-userauth service,
// sends "none" to learn the methods, then tries publickey (each key: a query first, then a
// signature over the session id and request, as OpenSSH does), keyboard-interactive and
// password, in OpenSSH's order, limited to what the server lists. RSA keys sign with
// rsa-sha2-512 or -256 as the server's server-sig-algs (RFC 8308) allows. A password change
// request is treated as a failure. When nothing is left the connection ends with
// NO_MORE_AUTH_METHODS_AVAILABLE and an AuthenticationError.
import { AuthenticationError, DisconnectReason, ProtocolError, SshWriter } from '../wire/index.ts';
import type { HostKeySigner } from '../algorithms/types.ts';
import { keyTypeOf } from '../keys/keys.ts';
import {
  AuthKeyboardInteractive,
  AuthNone,
  AuthPassword,
  AuthPublickeyQuery,
  AuthPublickeySigned,
  Msg,
  ServiceAccept,
  ServiceRequest,
  UserauthBanner,
  UserauthFailure,
  UserauthInfoRequest,
  UserauthInfoResponse,
  UserauthPasswdChangereq,
  UserauthPkOk,
  UserauthRequest,
  UserauthSuccess,
} from '../messages/index.ts';
import { MAX_BANNER_SIZE, MAX_KBDINT_PROMPTS } from '../limits.ts';
import type { ConnectionEvent, Prompt } from '../events.ts';

/** A user key for publickey authentication. */
export interface ClientKey {
  /** Public key blob (RFC 4253 §6.6). */
  readonly publicBlob: Uint8Array;
  /** Signature algorithms this key can make, preferred first (e.g. ['rsa-sha2-512', 'rsa-sha2-256']). */
  readonly algorithms: readonly string[];
  /**
   * Returns a signature blob (string algorithm || string signature). Leave it out for keys that
   * sign elsewhere (an agent): the engine then emits a signRequest event and waits for
   * provideSignature().
   */
  sign?(data: Uint8Array, algorithm: string): Uint8Array;
}

/** Groups signers of one key (e.g. an RSA key's rsa-sha2-512 and rsa-sha2-256 signers) into a ClientKey. */
export function clientKey(...signers: HostKeySigner[]): ClientKey {
  if (signers.length === 0) throw new TypeError('clientKey() needs at least one signer');
  const blob = signers[0].publicBlob;
  for (const s of signers) {
    if (!(s.publicBlob instanceof Uint8Array) || typeof s.sign !== 'function' || typeof s.algorithm !== 'string') {
      throw new TypeError('clientKey(): every argument must be a HostKeySigner');
    }
    if (s.publicBlob.length !== blob.length || s.publicBlob.some((b, i) => b !== blob[i])) {
      throw new TypeError('clientKey(): all signers must be for the same key');
    }
  }
  return {
    publicBlob: blob,
    algorithms: signers.map((s) => s.algorithm),
    sign(data, algorithm) {
      const s = signers.find((x) => x.algorithm === algorithm);
      if (!s) throw new RangeError(`this key has no ${algorithm} signer`);
      return s.sign(data);
    },
  };
}

export interface ClientAuthOptions {
  readonly username: string;
  readonly password?: string;
  readonly keys?: readonly ClientKey[];
  /** Try keyboard-interactive; prompts come as authPrompt events (answerPrompts()). */
  readonly keyboardInteractive?: boolean;
}

/** What client authentication needs from the engine. */
export interface ClientAuthHost {
  send(payload: Uint8Array): void;
  emit(ev: ConnectionEvent): void;
  sessionId(): Uint8Array;
  /** server-sig-algs from EXT_INFO, if the server sent it. */
  serverSigAlgs(): readonly string[] | undefined;
  onAuthenticated(): void;
  disconnect(reason: number, description: string, error?: Error): void;
}

type State =
  | { s: 'idle' }
  | { s: 'service' }
  | { s: 'none' }
  | { s: 'password' }
  | { s: 'pk-query'; key: ClientKey; algorithm: string }
  | { s: 'pk-sign'; key: ClientKey; algorithm: string; data: Uint8Array }
  | { s: 'pk-signed'; key: ClientKey; algorithm: string }
  | { s: 'kbdint' }
  | { s: 'kbdint-prompt'; count: number }
  | { s: 'done' };

const SERVICE = 'ssh-connection';

export class ClientAuth {
  private state: State = { s: 'idle' };
  private keyIndex = 0;
  private passwordTried = false;
  private kbdintTried = false;
  private methods: readonly string[] = [];
  private readonly keys: readonly ClientKey[];

  constructor(
    private readonly opts: ClientAuthOptions,
    private readonly host: ClientAuthHost,
  ) {
    if (typeof opts.username !== 'string') throw new TypeError('username must be a string');
    if (opts.password !== undefined && typeof opts.password !== 'string') throw new TypeError('password must be a string');
    this.keys = opts.keys ?? [];
    for (const [i, k] of this.keys.entries()) {
      if (!k || !(k.publicBlob instanceof Uint8Array) || !Array.isArray(k.algorithms) || k.algorithms.length === 0) {
        throw new TypeError(`keys[${i}] must be a ClientKey (publicBlob, algorithms, optional sign)`);
      }
    }
  }

  get authenticated(): boolean {
    return this.state.s === 'done';
  }

  /** Keys are in place: ask for the ssh-userauth service. */
  start(): void {
    if (this.state.s !== 'idle') return;
    this.state = { s: 'service' };
    this.host.send(ServiceRequest.encode({ service: 'ssh-userauth' }));
  }

  /** SERVICE_ACCEPT and USERAUTH_* messages. */
  handle(payload: Uint8Array): void {
    const n = payload[0];
    const st = this.state;
    if (n === Msg.SERVICE_ACCEPT) {
      const { service } = ServiceAccept.decode(payload);
      if (st.s !== 'service') throw new ProtocolError('SERVICE_ACCEPT without a SERVICE_REQUEST');
      if (service !== 'ssh-userauth') throw new ProtocolError(`SERVICE_ACCEPT for ${JSON.stringify(service)}, asked for ssh-userauth`);
      this.state = { s: 'none' };
      this.request('none', AuthNone.encode({}));
      return;
    }
    if (n === Msg.USERAUTH_BANNER) {
      const b = UserauthBanner.decode(payload);
      if (st.s === 'done') throw new ProtocolError('USERAUTH_BANNER after authentication succeeded');
      this.host.emit({ type: 'banner', message: b.message.slice(0, MAX_BANNER_SIZE), language: b.language.slice(0, 64) });
      return;
    }
    if (!isWaiting(st)) throw new ProtocolError(`authentication message ${n} without a request waiting`);
    if (n === Msg.USERAUTH_SUCCESS) {
      UserauthSuccess.decode(payload);
      const method = methodOf(st);
      this.state = { s: 'done' };
      this.host.emit({
        type: 'authResult',
        success: true,
        partial: false,
        username: this.opts.username,
        method,
        methodsLeft: [],
        key: st.s === 'pk-signed' ? { algorithm: st.algorithm, blob: st.key.publicBlob } : undefined,
      });
      this.host.onAuthenticated();
      return;
    }
    if (n === Msg.USERAUTH_FAILURE) {
      const f = UserauthFailure.decode(payload);
      this.methods = f.methods;
      const method = methodOf(st);
      if (method !== 'none') {
        this.host.emit({ type: 'authResult', success: false, partial: f.partialSuccess, username: this.opts.username, method, methodsLeft: f.methods });
      }
      this.next();
      return;
    }
    // 60: its meaning depends on the method in progress
    if (st.s === 'pk-query') {
      const ok = UserauthPkOk.decode(payload);
      // Compared by key type, as OpenSSH's client does: some servers (the ssh2 package) answer
      // an rsa-sha2-512 query with the key's type name 'ssh-rsa'.
      const sameType = ok.algorithm === st.algorithm || (keyTypeOf(ok.algorithm) !== undefined && keyTypeOf(ok.algorithm) === keyTypeOf(st.algorithm));
      if (!sameType || !sameBytes(ok.key, st.key.publicBlob)) {
        throw new ProtocolError('USERAUTH_PK_OK for a key or algorithm that was not offered');
      }
      this.sign(st.key, st.algorithm);
      return;
    }
    if (st.s === 'password') {
      const c = UserauthPasswdChangereq.decode(payload);
      this.host.emit({
        type: 'authResult',
        success: false,
        partial: false,
        username: this.opts.username,
        method: 'password',
        methodsLeft: this.methods,
      });
      void c; // changing an expired password is not supported: the attempt counts as failed
      this.next();
      return;
    }
    if (st.s === 'kbdint') {
      const r = UserauthInfoRequest.decode(payload);
      if (r.prompts.length > MAX_KBDINT_PROMPTS) throw new ProtocolError(`USERAUTH_INFO_REQUEST with ${r.prompts.length} prompts (limit ${MAX_KBDINT_PROMPTS})`);
      if (r.prompts.length === 0) {
        this.host.send(UserauthInfoResponse.encode({ responses: [] }));
        return;
      }
      this.state = { s: 'kbdint-prompt', count: r.prompts.length };
      const prompts: Prompt[] = r.prompts.map((p) => ({ prompt: p.prompt.slice(0, 1024), echo: p.echo }));
      this.host.emit({ type: 'authPrompt', name: r.name.slice(0, 1024), instruction: r.instruction.slice(0, MAX_BANNER_SIZE), prompts });
      return;
    }
    throw new ProtocolError(`message ${n} does not fit the ${methodOf(st)} method in progress`);
  }

  /** Answers an authPrompt event: one response per prompt. */
  answerPrompts(responses: readonly string[]): void {
    const st = this.state;
    if (st.s !== 'kbdint-prompt') throw new Error('answerPrompts(): no keyboard-interactive prompt is waiting');
    if (!Array.isArray(responses) || responses.length !== st.count || !responses.every((r) => typeof r === 'string')) {
      throw new TypeError(`answerPrompts() needs ${st.count} strings`);
    }
    this.state = { s: 'kbdint' };
    this.host.send(UserauthInfoResponse.encode({ responses: responses.map((response) => ({ response })) }));
  }

  /** Answers a signRequest event with a signature blob (string algorithm || string signature). */
  provideSignature(signature: Uint8Array): void {
    const st = this.state;
    if (st.s !== 'pk-sign') throw new Error('provideSignature(): no signature is waiting');
    if (!(signature instanceof Uint8Array) || signature.length === 0) throw new TypeError('provideSignature() takes the signature blob as a Uint8Array');
    this.sendSigned(st.key, st.algorithm, signature);
  }

  private request(method: string, data: Uint8Array): void {
    this.host.send(UserauthRequest.encode({ username: this.opts.username, service: SERVICE, method, data }));
  }

  /** Tries the next method the server still allows; when none is left, gives up. */
  private next(): void {
    const allows = (m: string) => this.methods.includes(m);
    if (allows('publickey')) {
      while (this.keyIndex < this.keys.length) {
        const key = this.keys[this.keyIndex++];
        const algorithm = this.algorithmFor(key);
        if (!algorithm) continue;
        this.state = { s: 'pk-query', key, algorithm };
        this.request('publickey', AuthPublickeyQuery.encode({ signed: false, algorithm, key: key.publicBlob }));
        return;
      }
    }
    if (allows('keyboard-interactive') && this.opts.keyboardInteractive && !this.kbdintTried) {
      this.kbdintTried = true;
      this.state = { s: 'kbdint' };
      this.request('keyboard-interactive', AuthKeyboardInteractive.encode({ language: '', submethods: '' }));
      return;
    }
    if (allows('password') && this.opts.password !== undefined && !this.passwordTried) {
      this.passwordTried = true;
      this.state = { s: 'password' };
      this.request('password', AuthPassword.encode({ change: false, password: this.opts.password }));
      return;
    }
    this.state = { s: 'idle' };
    const methods = this.methods.join(',') || 'none';
    this.host.disconnect(
      DisconnectReason.NO_MORE_AUTH_METHODS_AVAILABLE,
      'no more authentication methods to try',
      new AuthenticationError(`authentication failed for ${this.opts.username} (server allows: ${methods})`, this.methods),
    );
  }

  /** The signature algorithm to use with a key: the first it can make that the server accepts. */
  private algorithmFor(key: ClientKey): string | undefined {
    // As OpenSSH's client: server-sig-algs only chooses among a key's algorithms (RSA's SHA-2
    // variants); a key is still tried when the list leaves it out, since servers' lists are not
    // always complete (the ssh2 package's lacks ecdsa-sha2-nistp521 and rsa-sha2-512).
    const accepted = this.host.serverSigAlgs();
    if (!accepted) return key.algorithms[0];
    return key.algorithms.find((a) => accepted.includes(a)) ?? key.algorithms[0];
  }

  private sign(key: ClientKey, algorithm: string): void {
    // RFC 4252 §7: string session id, then the request as sent with the boolean TRUE.
    const data = new SshWriter(256)
      .string(this.host.sessionId())
      .byte(Msg.USERAUTH_REQUEST)
      .string(this.opts.username)
      .string(SERVICE)
      .string('publickey')
      .boolean(true)
      .string(algorithm)
      .string(key.publicBlob)
      .finish();
    if (key.sign) {
      this.sendSigned(key, algorithm, key.sign(data, algorithm));
      return;
    }
    this.state = { s: 'pk-sign', key, algorithm, data };
    this.host.emit({ type: 'signRequest', key: { algorithm, blob: key.publicBlob }, data });
  }

  private sendSigned(key: ClientKey, algorithm: string, signature: Uint8Array): void {
    if (!(signature instanceof Uint8Array)) throw new TypeError('a key signer must return the signature blob as a Uint8Array');
    this.state = { s: 'pk-signed', key, algorithm };
    this.request('publickey', AuthPublickeySigned.encode({ signed: true, algorithm, key: key.publicBlob, signature }));
  }
}

function isWaiting(st: State): boolean {
  return st.s === 'none' || st.s === 'password' || st.s === 'pk-query' || st.s === 'pk-signed' || st.s === 'kbdint';
}

function methodOf(st: State): string {
  switch (st.s) {
    case 'pk-query':
    case 'pk-sign':
    case 'pk-signed':
      return 'publickey';
    case 'kbdint':
    case 'kbdint-prompt':
      return 'keyboard-interactive';
    default:
      return st.s;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
