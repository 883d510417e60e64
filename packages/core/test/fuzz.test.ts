// Garbage and mutated input: random bytes, handshakes with bytes flipped, inserted or dropped
// on the wire, and valid payloads mutated then sent with correct encryption (so the parsers
// behind the MAC see them). Neither engine may throw out of receive(): every failure has to
// end as a clean DISCONNECT and one `disconnected` event, and nothing after it.
import { describe, expect, it } from 'vitest';
import { ClientConnection } from '../src/client-connection.ts';
import { ServerConnection } from '../src/server-connection.ts';
import type { Connection } from '../src/engine.ts';
import type { ConnectionEvent } from '../src/events.ts';
import { Pair, acceptingServer, ed25519Key, testRegistry, utf8 } from './support/harness.ts';
import { drain, rawSend, transportOf } from './support/inject.ts';
import { Prng } from './support/prng.ts';
import { nullHostKey, nullRegistry } from './support/fake-algorithms.ts';

const algorithms = { kex: ['curve25519-sha256'] };

function newClient(seed: number) {
  return new ClientConnection({ username: 'u', password: 'p', registry: testRegistry, algorithms }, { random: new Prng(seed).source(), now: () => 0 });
}
function newServer(seed: number) {
  return new ServerConnection({ hostKeys: [ed25519Key(1)], registry: testRegistry, algorithms }, { random: new Prng(seed).source(), now: () => 0 });
}

/** Events are well formed: at most one disconnected, and it is last. */
function checkEvents(events: (ConnectionEvent | undefined)[]): void {
  const i = events.findIndex((e) => e?.type === 'disconnected');
  if (i < 0) return;
  expect(i).toBe(events.length - 1);
  // a failure is always one the engine understood, never an internal error (a bug)
  const d = events[i] as { description: string };
  expect(d.description, d.description).not.toMatch(/^internal error/);
}

function lenient(conn: Connection, ev: ConnectionEvent | undefined): void {
  // a permissive application that answers everything (decisions may legitimately be refused by then)
  try {
    if (ev?.type === 'hostKey') (conn as ClientConnection).acceptHostKey();
    if (ev?.type === 'authRequest') (conn as ServerConnection).authDecision(true);
    if (ev?.type === 'channelOpen') ev.channel.accept();
    if (ev?.type === 'channelRequest' && ev.wantReply) ev.channel.reply(ev.id, true);
    if (ev?.type === 'channelData') ev.channel.consume(ev.data.length);
    if (ev?.type === 'authPrompt') (conn as ClientConnection).answerPrompts(ev.prompts.map(() => 'x'));
  } catch (e) {
    if (!(e instanceof Error) || !/waiting|closed|not open|accepted|answer/.test(e.message)) throw e;
  }
}

describe('fuzz: nothing the peer sends escapes receive() as an exception', () => {
  it('random bytes, with and without a valid identification first', () => {
    const rng = new Prng(200);
    for (let i = 0; i < 300; i++) {
      const conn: Connection = i % 2 ? newClient(i) : newServer(i);
      if (i % 3) conn.receive(utf8('SSH-2.0-fuzz\r\n'));
      for (let j = 0; j < 5 && !conn.closed; j++) conn.receive(rng.bytes(rng.range(1, 2000)));
      const events = drain(conn);
      checkEvents(events);
    }
  });

  it('handshakes with the wire mutated (flip, insert, drop, truncate)', () => {
    const rng = new Prng(201);
    let disconnects = 0;
    for (let i = 0; i < 150; i++) {
      const client = newClient(1000 + i);
      const server = newServer(2000 + i);
      const target = rng.range(0, 1600);
      let position = 0;
      let mutated = false;
      const mutate = (b: Uint8Array): Uint8Array => {
        if (mutated || position + b.length <= target) {
          position += b.length;
          return b;
        }
        mutated = true;
        const at = target - position;
        position += b.length;
        const out = Array.from(b);
        switch (rng.int(4)) {
          case 0:
            out[at] ^= 1 << rng.int(8);
            break;
          case 1:
            out.splice(at, 0, ...rng.bytes(rng.range(1, 8)));
            break;
          case 2:
            out.splice(at, rng.range(1, 8));
            break;
          default:
            out.length = at;
        }
        return Uint8Array.from(out);
      };
      const events: (ConnectionEvent | undefined)[][] = [[], []];
      for (let step = 0; step < 60; step++) {
        const toServer = client.pollTransmit();
        if (toServer) server.receive(i % 2 ? mutate(toServer) : toServer);
        const toClient = server.pollTransmit();
        if (toClient) client.receive(i % 2 ? toClient : mutate(toClient));
        for (const [k, conn] of [client, server].entries()) {
          for (const ev of drain(conn)) {
            events[k].push(ev);
            lenient(conn, ev);
          }
        }
        if (!toServer && !toClient) break;
      }
      checkEvents(events[0]);
      checkEvents(events[1]);
      if (client.closed || server.closed) disconnects++;
    }
    expect(disconnects).toBeGreaterThan(20);
  });

  it('valid payloads mutated and sent encrypted to an authenticated peer', () => {
    // Record every payload both sides send in a rich session.
    const recorded: { from: 'client' | 'server'; payload: Uint8Array }[] = [];
    const record = (pair: Pair) => {
      for (const side of ['client', 'server'] as const) {
        const sealer = (transportOf(pair[side]) as unknown as { sealer: { sealPayload(p: Uint8Array): void } }).sealer;
        const orig = sealer.sealPayload.bind(sealer);
        sealer.sealPayload = (p) => {
          recorded.push({ from: side, payload: p.slice() });
          orig(p);
        };
      }
    };
    const source = new Pair({
      seed: 202,
      client: { keyboardInteractive: true },
      server: { banner: 'hi' },
      onServer: (ev, p) => {
        acceptingServer()(ev, p);
        lenient(p.server, ev);
      },
      onClient: (ev, p) => ev.type === 'authPrompt' && p.client.answerPrompts(['secret']),
    });
    record(source);
    source.run();
    const ch = source.client.openSession();
    ch.env('A', 'b');
    ch.pty();
    ch.exec('echo');
    source.run();
    expect(recorded.length).toBeGreaterThan(15);

    // Victims use a trivial key exchange (many connections are needed) and a real cipher.
    const rng = new Prng(203);
    const registry = { ...testRegistry, kex: nullRegistry.kex, signature: { ...testRegistry.signature, ...nullRegistry.signature } };
    const victimAlgorithms = { kex: ['null-kex@test'], hostKey: ['null-sig@test'] };
    const victim = (seed: number) =>
      new Pair({
        seed,
        client: { registry, algorithms: victimAlgorithms },
        server: { registry, algorithms: victimAlgorithms, hostKeys: [nullHostKey(1)] },
        onServer: (ev, p) => {
          acceptingServer()(ev, p);
          if (ev.type !== 'authRequest') lenient(p.server, ev);
        },
        onClient: (ev, p) => lenient(p.client, ev),
      }).run();
    let pair = victim(204);
    let closes = 0;
    for (let i = 0; i < 1200; i++) {
      if (pair.client.closed || pair.server.closed) {
        closes++;
        pair = victim(205 + i);
        pair.client.openSession().shell();
        pair.run();
      }
      const { from, payload } = rng.pick(recorded);
      const p = Array.from(payload);
      for (let m = rng.range(1, 3); m > 0; m--) {
        const at = rng.int(p.length + 1);
        switch (rng.int(5)) {
          case 0:
            if (p.length) p[Math.min(at, p.length - 1)] ^= 1 << rng.int(8);
            break;
          case 1:
            p.splice(at, 0, ...rng.bytes(rng.range(1, 6)));
            break;
          case 2:
            p.splice(at, rng.range(1, 6));
            break;
          case 3:
            p.length = Math.max(1, at);
            break;
          default:
            if (p.length > 4) p.splice(1, 4, 0xff, 0xff, 0xff, rng.int(256));
        }
      }
      if (p.length === 0) p.push(rng.int(256));
      rawSend(from === 'client' ? pair.client : pair.server, Uint8Array.from(p));
      pair.run();
      checkEvents(pair.clientEvents);
      checkEvents(pair.serverEvents);
    }
    expect(closes).toBeGreaterThan(10);
  });
});
