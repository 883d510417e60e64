// ClientConnection: the client side of the sans-I/O engine (transport, user authentication,
// channels). See engine.ts for the poll API and events.ts for what comes out of pollEvent().
//
//   const conn = new ClientConnection({ username: 'me', keys: [clientKey(signer)] }, { random, now });
//   socket.on('data', (b) => { conn.receive(b); pump(); });
//   function pump() {
//     for (let out; (out = conn.pollTransmit()); ) socket.write(out);
//     for (let ev; (ev = conn.pollEvent()); ) {
//       if (ev.type === 'hostKey') conn.acceptHostKey();          // after checking known_hosts
//       if (ev.type === 'authResult' && ev.success) conn.openSession().exec('uname -a');
//       if (ev.type === 'channelData') { out.write(ev.data); ev.channel.consume(ev.data.length); }
//     }
//     // and pollTransmit() again: handling events may have queued more
//   }
import { Connection, type CommonConfig, type Environment } from './engine.ts';
import { ClientAuth, type ClientKey } from './auth/client.ts';
import type { Channel } from './connection/channel.ts';
import type { ChannelSizes } from './connection/mux.ts';

export interface ClientConfig extends CommonConfig {
  /** The user to log in as. */
  readonly username: string;
  /** Password for the password method (tried after keys and keyboard-interactive). */
  readonly password?: string;
  /** Keys for publickey authentication, tried in order. */
  readonly keys?: readonly ClientKey[];
  /** Try keyboard-interactive; its prompts arrive as authPrompt events. */
  readonly keyboardInteractive?: boolean;
}

export class ClientConnection extends Connection {
  private readonly auth: ClientAuth;
  private serverSigAlgsList: readonly string[] | undefined;

  /**
   * Creates the client and queues its identification and first KEXINIT; nothing is sent until
   * the adapter writes what pollTransmit() returns.
   */
  constructor(config: ClientConfig, env: Environment) {
    super('client', config, env, {});
    this.auth = new ClientAuth(
      { username: config.username, password: config.password, keys: config.keys, keyboardInteractive: config.keyboardInteractive },
      {
        send: (p) => this.transport.send(p),
        emit: (ev) => this.emit(ev),
        sessionId: () => this.transport.sessionId!,
        serverSigAlgs: () => this.serverSigAlgsList,
        onAuthenticated: () => this.authenticatedNow(),
        disconnect: (reason, description, error) => this.transport.disconnect(reason, description, error),
      },
    );
    this.transport.start();
  }

  /** True once the server accepted our authentication. */
  get authenticated(): boolean {
    return this.auth.authenticated;
  }

  /** server-sig-algs from the server's EXT_INFO (RFC 8308), if sent. */
  get serverSigAlgs(): readonly string[] | undefined {
    return this.serverSigAlgsList;
  }

  /** Accepts the host key of the pending hostKey event: the handshake continues. */
  acceptHostKey(): void {
    this.transport.acceptHostKey();
  }

  /** Rejects the host key of the pending hostKey event: DISCONNECT with HostKeyMismatchError. */
  rejectHostKey(message?: string): void {
    this.transport.rejectHostKey(message);
  }

  /** Answers an authPrompt event (one response per prompt). */
  answerPrompts(responses: readonly string[]): void {
    this.auth.answerPrompts(responses);
  }

  /** Answers a signRequest event with a signature blob (string algorithm || string signature). */
  provideSignature(signature: Uint8Array): void {
    this.auth.provideSignature(signature);
  }

  /**
   * Opens a session channel (queued until authentication succeeds). Requests may be queued on it
   * right away: `conn.openSession().exec('ls')`.
   */
  openSession(sizes?: ChannelSizes): Channel {
    return this.mux.open({ type: 'session' }, sizes);
  }

  /** Sends keepalive@openssh.com; any answer (a globalRequestResult event) proves the server alive. */
  sendKeepalive(): void {
    this.mux.globalRequest('keepalive@openssh.com', new Uint8Array(0), true);
  }

  /** @internal */
  protected onAuthMessage(payload: Uint8Array): void {
    this.auth.handle(payload);
  }

  /** @internal */
  protected onInitialKex(): void {
    this.auth.start();
  }

  /** @internal */
  protected override onExtInfo(ext: ReadonlyMap<string, Uint8Array>): void {
    const v = ext.get('server-sig-algs');
    if (!v) return;
    const names = new TextDecoder('utf-8', { fatal: false }).decode(v).split(',').filter((s) => s.length > 0 && s.length <= 64);
    this.serverSigAlgsList = names.slice(0, 256);
  }
}
