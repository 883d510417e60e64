// Server side of user authentication (RFC 4252, RFC 4256). Each request becomes an authRequest
// event and the application decides (authDecision), asynchronously; requests arriving in the
// meantime wait in a short queue. publickey signatures are verified here before the application
// is asked, and the application is told exactly which key signed: a key that was only offered
// (a query, answered with PK_OK) never grants access (Go CVE-2024-45337). At most MAX_AUTH_TRIES
// failures, then DISCONNECT; the username and service may not change between attempts.
import { DisconnectReason, ProtocolError, SshReader, SshWriter } from '../wire/index.ts';
import type { SignatureVerifier } from '../algorithms/types.ts';
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
  UserauthPkOk,
  UserauthRequest,
  UserauthSuccess,
} from '../messages/index.ts';
import { MAX_BANNER_SIZE, MAX_KBDINT_PROMPTS, MAX_QUEUED_AUTH_REQUESTS } from '../limits.ts';
import type { AuthDecision, AuthRequest, ConnectionEvent, PublicKeyInfo } from '../events.ts';

export interface ServerAuthOptions {
  /** Methods offered, in the order listed to clients. */
  readonly methods: readonly string[];
  readonly banner?: string;
  readonly maxTries: number;
  /** Signature algorithms accepted for user keys, with their verifiers. */
  readonly verifiers: Readonly<Record<string, SignatureVerifier>>;
}

/** What server authentication needs from the engine. */
export interface ServerAuthHost {
  send(payload: Uint8Array): void;
  emit(ev: ConnectionEvent): void;
  sessionId(): Uint8Array;
  onAuthenticated(username: string): void;
  disconnect(reason: number, description: string, error?: Error): void;
}

type Pending = AuthRequest & { readonly key?: PublicKeyInfo };

export class ServerAuth {
  private serviceAccepted = false;
  private user: string | null = null;
  private failures = 0;
  private pending: Pending | null = null;
  /** keyboard-interactive: prompts sent, waiting for INFO_RESPONSE with this many answers. */
  private kbdint: { expect: number; submethods: string } | null = null;
  private readonly queue: Uint8Array[] = [];
  private readonly succeeded = new Set<string>();
  private methodsLeft: string[];
  private doneFlag = false;

  constructor(
    private readonly opts: ServerAuthOptions,
    private readonly host: ServerAuthHost,
  ) {
    this.methodsLeft = opts.methods.filter((m) => m !== 'none');
  }

  get authenticated(): boolean {
    return this.doneFlag;
  }

  /** The user being authenticated (fixed by the first request). */
  get username(): string | null {
    return this.user;
  }

  /** SERVICE_REQUEST, USERAUTH_REQUEST and USERAUTH_INFO_RESPONSE. */
  handle(payload: Uint8Array): void {
    const n = payload[0];
    if (n === Msg.SERVICE_REQUEST) {
      const { service } = ServiceRequest.decode(payload);
      if (this.serviceAccepted) throw new ProtocolError('second SERVICE_REQUEST');
      if (service !== 'ssh-userauth') {
        this.host.disconnect(DisconnectReason.SERVICE_NOT_AVAILABLE, `service ${JSON.stringify(service.slice(0, 64))} is not available`);
        return;
      }
      this.serviceAccepted = true;
      this.host.send(ServiceAccept.encode({ service }));
      if (this.opts.banner) this.host.send(UserauthBanner.encode({ message: this.opts.banner.slice(0, MAX_BANNER_SIZE), language: '' }));
      return;
    }
    if (!this.serviceAccepted) throw new ProtocolError(`message ${n} before the ssh-userauth service was accepted`);
    if (this.doneFlag) return; // RFC 4252 §5.1: requests after success are ignored
    if (n === Msg.USERAUTH_INFO_RESPONSE) {
      if (!this.kbdint || this.pending) throw new ProtocolError('USERAUTH_INFO_RESPONSE without prompts waiting');
      const { responses } = UserauthInfoResponse.decode(payload);
      if (responses.length !== this.kbdint.expect) {
        throw new ProtocolError(`USERAUTH_INFO_RESPONSE with ${responses.length} answers to ${this.kbdint.expect} prompts`);
      }
      this.ask({ username: this.user!, method: 'keyboard-interactive', submethods: this.kbdint.submethods, responses: responses.map((r) => r.response) });
      return;
    }
    // USERAUTH_REQUEST (the filter lets nothing else through)
    if (this.pending) {
      if (this.queue.length >= MAX_QUEUED_AUTH_REQUESTS) throw new ProtocolError(`more than ${MAX_QUEUED_AUTH_REQUESTS} authentication requests queued`);
      this.queue.push(payload);
      return;
    }
    this.process(payload);
  }

  private process(payload: Uint8Array): void {
    const req = UserauthRequest.decode(payload);
    if (req.service !== 'ssh-connection') {
      this.host.disconnect(DisconnectReason.SERVICE_NOT_AVAILABLE, `service ${JSON.stringify(req.service.slice(0, 64))} is not available`);
      return;
    }
    if (this.user === null) this.user = req.username;
    else if (this.user !== req.username) {
      throw new ProtocolError('the username changed between authentication requests');
    }
    this.kbdint = null; // a new request abandons keyboard-interactive in progress (RFC 4256 §3.1)
    const username = req.username;
    const offered = (m: string) => this.opts.methods.includes(m) && !this.succeeded.has(m);
    switch (req.method) {
      case 'none':
        AuthNone.decode(req.data);
        if (offered('none')) return this.ask({ username, method: 'none' });
        return this.fail('none', false);
      case 'password': {
        if (!offered('password')) return this.fail('password', true);
        if (req.data.length > 0 && req.data[0] !== 0) return this.fail('password', true); // a change request: not supported
        const { password } = AuthPassword.decode(req.data);
        return this.ask({ username, method: 'password', password });
      }
      case 'publickey':
        return this.publickey(username, req.data, payload, offered('publickey'));
      case 'keyboard-interactive': {
        const { submethods } = AuthKeyboardInteractive.decode(req.data);
        if (!offered('keyboard-interactive')) return this.fail('keyboard-interactive', true);
        return this.ask({ username, method: 'keyboard-interactive', submethods });
      }
      default:
        return this.fail(req.method.slice(0, 64), true);
    }
  }

  private publickey(username: string, data: Uint8Array, payload: Uint8Array, offered: boolean): void {
    const signed = data.length > 0 && data[0] !== 0;
    const fields = signed ? AuthPublickeySigned.decode(data) : AuthPublickeyQuery.decode(data);
    if (!offered) return this.fail('publickey', true);
    const algorithm = fields.algorithm;
    const verifier = Object.hasOwn(this.opts.verifiers, algorithm) ? this.opts.verifiers[algorithm] : undefined;
    if (!verifier || (keyTypeOf(algorithm) ?? algorithm) !== blobType(fields.key)) {
      return this.fail('publickey', true);
    }
    const key: PublicKeyInfo = { algorithm, blob: fields.key.slice() };
    if (!signed) return this.ask({ username, method: 'publickey', signed: false, key });
    // RFC 4252 §7: the signature covers string(session id) and the request up to the signature.
    const signature = (fields as unknown as { signature: Uint8Array }).signature;
    const signedPart = payload.subarray(0, payload.length - 4 - signature.length);
    const message = new SshWriter(signedPart.length + 68).string(this.host.sessionId()).raw(signedPart).finish();
    let valid = false;
    try {
      valid = verifier.verify(key.blob, message, signature);
    } catch {
      valid = false;
    }
    if (!valid) return this.fail('publickey', true);
    return this.ask({ username, method: 'publickey', signed: true, key });
  }

  private ask(req: Pending): void {
    this.pending = req;
    this.host.emit({ type: 'authRequest', ...req });
  }

  /** The application's decision on the authRequest event it was given. */
  decide(decision: AuthDecision): void {
    const req = this.pending;
    if (!req) throw new Error('authDecision(): no authentication request is waiting');
    if (typeof decision !== 'boolean' && (decision === null || typeof decision !== 'object')) {
      throw new TypeError('authDecision() takes true, false, { partial: true, methods? } or { prompts, name?, instruction? }');
    }
    const isQuery = req.method === 'publickey' && !req.signed;
    if (typeof decision === 'object' && 'prompts' in decision) {
      if (req.method !== 'keyboard-interactive') throw new TypeError('prompts are only an answer to keyboard-interactive');
      const prompts = decision.prompts;
      if (!Array.isArray(prompts) || prompts.length > MAX_KBDINT_PROMPTS) throw new RangeError(`prompts must be an array of at most ${MAX_KBDINT_PROMPTS}`);
      this.pending = null;
      this.kbdint = { expect: prompts.length, submethods: req.submethods };
      this.host.send(
        UserauthInfoRequest.encode({
          name: decision.name ?? '',
          instruction: decision.instruction ?? '',
          language: '',
          prompts: prompts.map((p) => ({ prompt: String(p.prompt), echo: !!p.echo })),
        }),
      );
      return;
    }
    this.pending = null;
    if (decision === true) {
      if (isQuery) {
        // "This key would do": never access by itself (Go CVE-2024-45337).
        this.host.send(UserauthPkOk.encode({ algorithm: req.key.algorithm, key: req.key.blob }));
        this.drain();
        return;
      }
      this.doneFlag = true;
      this.queue.length = 0;
      this.host.send(UserauthSuccess.encode({}));
      this.host.emit({
        type: 'authResult',
        success: true,
        partial: false,
        username: req.username,
        method: req.method,
        methodsLeft: [],
        key: req.method === 'publickey' ? req.key : undefined,
      });
      this.host.onAuthenticated(req.username);
      return;
    }
    if (decision === false) {
      this.fail(req.method, req.method !== 'none');
      this.drain();
      return;
    }
    if (decision.partial !== true) throw new TypeError('authDecision(): unknown decision');
    if (isQuery) throw new TypeError('a publickey query can only be accepted (PK_OK) or refused');
    this.succeeded.add(req.method);
    const methods = decision.methods ? [...decision.methods] : this.opts.methods.filter((m) => m !== 'none' && !this.succeeded.has(m));
    this.methodsLeft = methods;
    this.host.send(UserauthFailure.encode({ methods, partialSuccess: true }));
    this.host.emit({ type: 'authResult', success: false, partial: true, username: req.username, method: req.method, methodsLeft: methods });
    this.drain();
  }

  /** Answers FAILURE; counts it unless it was 'none'; too many ends the connection. */
  private fail(method: string, counts: boolean): void {
    if (counts) this.failures++;
    if (method !== 'none') {
      this.host.emit({ type: 'authResult', success: false, partial: false, username: this.user ?? '', method, methodsLeft: this.methodsLeft });
    }
    if (this.failures >= this.opts.maxTries) {
      this.host.disconnect(DisconnectReason.NO_MORE_AUTH_METHODS_AVAILABLE, `too many authentication failures for ${this.user ?? ''}`.slice(0, 200));
      return;
    }
    this.host.send(UserauthFailure.encode({ methods: this.methodsLeft, partialSuccess: false }));
  }

  /** Handles requests that arrived while the application was deciding. */
  private drain(): void {
    while (!this.pending && !this.doneFlag && this.queue.length > 0) this.process(this.queue.shift()!);
  }
}

function blobType(blob: Uint8Array): string | undefined {
  try {
    return new SshReader(blob, 'public key').text('key type');
  } catch {
    return undefined;
  }
}
