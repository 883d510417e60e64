// ServerConnection: the server side of the sans-I/O engine. Host keys come in the config; every
// authentication attempt is an authRequest event answered with authDecision(); session channels
// arrive as channelOpen events and their exec/shell/pty/env/subsystem requests as
// channelRequest events. See engine.ts for the poll API.
import { Connection, type CommonConfig, type Environment } from './engine.ts';
import { ServerAuth } from './auth/server.ts';
import type { HostKeySigner, DhGroup } from './algorithms/types.ts';
import type { AuthDecision } from './events.ts';
import { DisconnectReason, TimeoutError } from './wire/index.ts';
import { KEXINIT_HOLD_MS, LOGIN_GRACE_TIME_MS, MAX_AUTH_TRIES } from './limits.ts';
import { defaultRegistry } from './algorithms/registry.ts';

export interface ServerConfig extends CommonConfig {
  /** Host keys: one signer per signature algorithm to offer (an RSA key may appear as rsa-sha2-512 and -256). */
  readonly hostKeys: readonly HostKeySigner[];
  /** Authentication methods offered (default publickey, password, keyboard-interactive; add 'none' to be asked about it). */
  readonly authMethods?: readonly string[];
  /** Text sent as USERAUTH_BANNER before authentication. */
  readonly banner?: string;
  /** Failed attempts before disconnecting (default 6, like OpenSSH MaxAuthTries). */
  readonly maxAuthTries?: number;
  /** Milliseconds a client has to authenticate (default 120 000, like OpenSSH LoginGraceTime). */
  readonly loginGraceTimeMs?: number;
  /** Signature algorithms accepted for user keys (default: every one the registry verifies). */
  readonly userKeyAlgorithms?: readonly string[];
  /** Group exchange moduli (diffie-hellman-group-exchange-*). */
  readonly moduli?: readonly DhGroup[];
  /**
   * How long our first KEXINIT waits for the client's (default KEXINIT_HOLD_MS; 0 sends it with
   * the identification line). See TransportOptions.kexinitHoldMs for why.
   */
  readonly kexinitHoldMs?: number;
}

const METHODS = ['none', 'password', 'publickey', 'keyboard-interactive'];

export class ServerConnection extends Connection {
  private readonly auth: ServerAuth;
  private readonly graceDeadline: number;
  private authedUser: string | null = null;

  /** Creates the server side and queues its identification (and, unless kexinitHoldMs holds it, its first KEXINIT). */
  constructor(config: ServerConfig, env: Environment) {
    if (!config || !Array.isArray(config.hostKeys) || config.hostKeys.length === 0) {
      throw new TypeError('ServerConnection needs config.hostKeys: at least one HostKeySigner');
    }
    for (const [i, k] of config.hostKeys.entries()) {
      if (!k || !(k.publicBlob instanceof Uint8Array) || typeof k.sign !== 'function' || typeof k.algorithm !== 'string') {
        throw new TypeError(`hostKeys[${i}] must be a HostKeySigner`);
      }
    }
    const registry = config.registry ?? defaultRegistry;
    const userAlgs = config.userKeyAlgorithms ?? Object.keys(registry.signature);
    for (const a of userAlgs) if (!Object.hasOwn(registry.signature, a)) throw new RangeError(`userKeyAlgorithms: ${a} is not supported`);
    const hold = config.kexinitHoldMs ?? KEXINIT_HOLD_MS;
    if (!Number.isInteger(hold) || hold < 0 || hold > 60_000) throw new RangeError(`kexinitHoldMs must be an integer in [0, 60000], got ${hold}`);
    super('server', config, env, { hostKeys: config.hostKeys, serverSigAlgs: userAlgs, kexinitHoldMs: hold, moduli: config.moduli });
    const methods = config.authMethods ?? ['publickey', 'password', 'keyboard-interactive'];
    for (const m of methods) if (!METHODS.includes(m)) throw new RangeError(`authMethods: unknown method ${JSON.stringify(m)}`);
    const maxTries = config.maxAuthTries ?? MAX_AUTH_TRIES;
    if (!Number.isInteger(maxTries) || maxTries < 1) throw new RangeError(`maxAuthTries must be a positive integer, got ${maxTries}`);
    const grace = config.loginGraceTimeMs ?? LOGIN_GRACE_TIME_MS;
    if (typeof grace !== 'number' || !(grace > 0)) throw new RangeError(`loginGraceTimeMs must be positive, got ${grace}`);
    this.graceDeadline = env.now() + grace;
    const verifiers = Object.fromEntries(userAlgs.map((a) => [a, registry.signature[a]]));
    this.auth = new ServerAuth(
      { methods, banner: config.banner, maxTries, verifiers },
      {
        send: (p) => this.transport.send(p),
        emit: (ev) => this.emit(ev),
        sessionId: () => this.transport.sessionId!,
        onAuthenticated: (username) => {
          this.authedUser = username;
          this.authenticatedNow();
        },
        disconnect: (reason, description, error) => this.transport.disconnect(reason, description, error),
      },
    );
    this.transport.start();
  }

  /** True once a user is authenticated. */
  get authenticated(): boolean {
    return this.auth.authenticated;
  }

  /** The authenticated user, once there is one. */
  get username(): string | null {
    return this.authedUser;
  }

  /** Answers the pending authRequest event. */
  authDecision(decision: AuthDecision): void {
    try {
      this.auth.decide(decision);
    } catch (e) {
      if (e instanceof TypeError || (e instanceof Error && /authDecision/.test(e.message))) throw e;
      this.transport.fail(e);
    }
  }

  /** @internal */
  protected onAuthMessage(payload: Uint8Array): void {
    this.auth.handle(payload);
  }

  /** @internal */
  protected onInitialKex(): void {}

  /** @internal */
  protected override authDeadline(): number | undefined {
    return this.auth.authenticated || this.closed ? undefined : this.graceDeadline;
  }

  /** @internal */
  protected override checkAuthDeadline(now: number): void {
    if (this.auth.authenticated || this.closed || now < this.graceDeadline) return;
    const msg = 'login grace time exceeded before authentication';
    this.transport.disconnect(DisconnectReason.BY_APPLICATION, msg, new TimeoutError(msg));
  }
}
