// In-memory client <-> server harness: pumps bytes between a ClientConnection and a
// ServerConnection in random splits (seeded PRNG), with simulated time, and hands every event to
// per-side handlers. Loops are bounded: a run that doesn't settle fails loudly.
import { ClientConnection, type ClientConfig } from '../../src/client-connection.ts';
import { ServerConnection, type ServerConfig } from '../../src/server-connection.ts';
import type { ConnectionEvent } from '../../src/events.ts';
import { defaultRegistry, type AlgorithmRegistry } from '../../src/algorithms/registry.ts';
import { ed25519PrivateKey, ed25519Signer } from '../../src/keys/index.ts';
import { createSigner } from '../../src/keys/keys.ts';
import type { HostKeySigner } from '../../src/algorithms/types.ts';
import { refCipherSpecs } from './ref-ciphers.ts';
import { Prng } from './prng.ts';

/** The default registry with every cipher: the kernel's where they have landed, the JS references for the rest. */
export const testRegistry: AlgorithmRegistry = {
  ...defaultRegistry,
  cipher: { ...refCipherSpecs, ...defaultRegistry.cipher },
};

/** Every cipher name the test registry has (kernel or reference). */
export const allCiphers = Object.keys(testRegistry.cipher);

/** A deterministic ed25519 signer from a one-byte seed. */
export function ed25519Key(seed: number): HostKeySigner {
  let k = keyCache.get(seed);
  if (!k) keyCache.set(seed, (k = ed25519Signer(ed25519PrivateKey(new Uint8Array(32).fill(seed)))));
  return k;
}
const keyCache = new Map<number, HostKeySigner>();

export { createSigner };

/** Tests not about key exchange use curve25519 (cheap) instead of the ML-KEM hybrid default. */
const FAST = { kex: ['curve25519-sha256'] };

export type Handler = (ev: ConnectionEvent, pair: Pair) => void;

export interface PairOptions {
  seed?: number;
  client?: Partial<ClientConfig>;
  server?: Partial<ServerConfig>;
  /** Called for every client / server event (after the defaults below unless replaced). */
  onClient?: Handler;
  onServer?: Handler;
  /** Accept the host key automatically (default true). */
  acceptHostKey?: boolean;
  /** Largest chunk delivered at once (default 4096); splits are random below it. */
  maxChunk?: number;
}

/** A client and a server wired together in memory. */
export class Pair {
  readonly rng: Prng;
  now = 1_700_000_000_000;
  readonly client: ClientConnection;
  readonly server: ServerConnection;
  readonly clientEvents: ConnectionEvent[] = [];
  readonly serverEvents: ConnectionEvent[] = [];
  private c2s: Uint8Array[] = [];
  private s2c: Uint8Array[] = [];
  /** Bytes delivered so far each way. */
  bytesToServer = 0;
  bytesToClient = 0;
  /** Stop delivering in one direction (simulates a stalled peer). */
  holdToServer = false;
  holdToClient = false;
  private readonly maxChunk: number;

  constructor(readonly opts: PairOptions = {}) {
    this.rng = new Prng(opts.seed ?? 1);
    this.maxChunk = opts.maxChunk ?? 4096;
    const env = (r: Prng) => ({ random: r.source(), now: () => this.now });
    this.client = new ClientConnection(
      { username: 'alice', password: 'secret', registry: testRegistry, algorithms: FAST, ...opts.client } as ClientConfig,
      env(new Prng((opts.seed ?? 1) * 31 + 7)),
    );
    this.server = new ServerConnection(
      { hostKeys: [ed25519Key(1)], registry: testRegistry, algorithms: FAST, ...opts.server } as ServerConfig,
      env(new Prng((opts.seed ?? 1) * 17 + 3)),
    );
  }

  /** Delivers a random prefix of one direction's pending bytes; returns false when nothing moved. */
  private deliver(queue: Uint8Array[], to: ClientConnection | ServerConnection): number {
    if (queue.length === 0) return 0;
    const head = queue[0];
    const r = this.rng.int(10);
    const want = r < 2 ? this.rng.range(1, 16) : r < 8 ? this.rng.range(1, this.maxChunk) : head.length;
    const n = Math.min(head.length, want);
    const chunk = head.subarray(0, n);
    if (n === head.length) queue.shift();
    else queue[0] = head.subarray(n);
    to.receive(chunk);
    return n;
  }

  private collect(): boolean {
    let moved = false;
    for (let out; (out = this.client.pollTransmit()); ) {
      this.c2s.push(out.slice());
      moved = true;
    }
    for (let out; (out = this.server.pollTransmit()); ) {
      this.s2c.push(out.slice());
      moved = true;
    }
    for (let ev; (ev = this.client.pollEvent()); ) {
      moved = true;
      this.clientEvents.push(ev);
      if (ev.type === 'hostKey' && (this.opts.acceptHostKey ?? true)) this.client.acceptHostKey();
      this.opts.onClient?.(ev, this);
    }
    for (let ev; (ev = this.server.pollEvent()); ) {
      moved = true;
      this.serverEvents.push(ev);
      this.opts.onServer?.(ev, this);
    }
    return moved;
  }

  /** Pumps until neither side has anything to send or say (bounded). */
  run(maxSteps = 2_000_000): this {
    if (!this.steps(maxSteps)) throw new Error(`harness did not settle within ${maxSteps} steps (seed ${this.rng.seed})`);
    return this;
  }

  /** Pumps at most n steps; true when everything settled. */
  steps(n: number): boolean {
    for (let i = 0; i < n; i++) {
      let moved = this.collect();
      const toServer = this.holdToServer ? 0 : this.deliver(this.c2s, this.server);
      const toClient = this.holdToClient ? 0 : this.deliver(this.s2c, this.client);
      this.bytesToServer += toServer;
      this.bytesToClient += toClient;
      if (toServer || toClient) moved = true;
      if (!moved && !this.collect()) return true;
    }
    return false;
  }

  /** Bytes waiting in flight to the server / client. */
  get inFlightToServer(): number {
    return this.c2s.reduce((a, b) => a + b.length, 0);
  }
  get inFlightToClient(): number {
    return this.s2c.reduce((a, b) => a + b.length, 0);
  }

  /** Advances simulated time and runs both sides' timers. */
  advance(ms: number): this {
    this.now += ms;
    for (const side of [this.client, this.server]) {
      const t = side.pollTimeout();
      if (t !== undefined && t <= this.now) side.handleTimeout(this.now);
    }
    return this;
  }

  /** Injects raw bytes to the server / client as if the peer had sent them. */
  injectToServer(b: Uint8Array): void {
    this.server.receive(b);
  }
  injectToClient(b: Uint8Array): void {
    this.client.receive(b);
  }

  /** The events of one type from one side. */
  events<T extends ConnectionEvent['type']>(side: 'client' | 'server', type: T): Extract<ConnectionEvent, { type: T }>[] {
    return (side === 'client' ? this.clientEvents : this.serverEvents).filter((e) => e.type === type) as never;
  }
}

/** A server handler accepting password 'secret' for alice, and the listed keys (by blob) for publickey. */
export function acceptingServer(authorized: Uint8Array[] = []): Handler {
  return (ev, pair) => {
    if (ev.type !== 'authRequest') return;
    if (ev.method === 'password') return pair.server.authDecision(ev.username === 'alice' && ev.password === 'secret');
    if (ev.method === 'publickey') return pair.server.authDecision(authorized.some((b) => equal(b, ev.key.blob)));
    if (ev.method === 'keyboard-interactive') {
      if (!ev.responses) return pair.server.authDecision({ prompts: [{ prompt: 'Password: ', echo: false }] });
      return pair.server.authDecision(ev.responses[0] === 'secret');
    }
    pair.server.authDecision(false);
  };
}

export function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export const utf8 = (s: string) => new TextEncoder().encode(s);
export const text = (b: Uint8Array) => new TextDecoder().decode(b);
