import { describe, expect, it } from 'vitest';
import { Pair, acceptingServer, ed25519Key, testRegistry } from './support/harness.ts';
import { Prng } from './support/prng.ts';
import { ClientConnection } from '../src/client-connection.ts';
import { ServerConnection, type ServerConfig } from '../src/server-connection.ts';
import { KEXINIT_HOLD_MS } from '../src/limits.ts';
import { drain, flush, transportOf } from './support/inject.ts';
import type { ConnectionEvent } from '../src/events.ts';
import { DisconnectReason, HostKeyMismatchError } from '../src/wire/index.ts';

describe('engine handshake with the default algorithms', () => {
  it('client and server agree on keys and the client authenticates with a password', () => {
    const pair = new Pair({ seed: 1, client: { algorithms: undefined }, server: { algorithms: undefined }, onServer: acceptingServer() }).run();
    const kex = pair.events('client', 'keysExchanged');
    expect(kex).toHaveLength(1);
    expect(kex[0].algorithms.kex).toBe('mlkem768x25519-sha256');
    expect(kex[0].algorithms.hostKey).toBe('ssh-ed25519');
    expect(kex[0].algorithms.cipherClientToServer).toBe('chacha20-poly1305@openssh.com');
    expect(pair.client.strictKex).toBe(true);
    expect(pair.server.strictKex).toBe(true);
    expect(pair.client.sessionId).toEqual(pair.server.sessionId);
    expect(pair.client.authenticated).toBe(true);
    expect(pair.server.authenticated).toBe(true);
    expect(pair.server.username).toBe('alice');
    expect(pair.client.serverSigAlgs).toContain('ssh-ed25519');
    expect(pair.events('client', 'disconnected')).toEqual([]);
  });
});

describe('host key decision', () => {
  it('nothing from the server is processed until the application accepts the host key', () => {
    const pair = new Pair({ seed: 2, acceptHostKey: false, onServer: acceptingServer() });
    const { client, server } = pair;
    let hostKey: ConnectionEvent | undefined;
    for (let i = 0; i < 10 && !hostKey; i++) {
      flush(client, server);
      const out = server.pollTransmit();
      // deliver byte by byte: every later byte arrives in its own receive() call
      if (out) for (const b of out) client.receive(new Uint8Array([b]));
      hostKey = drain(client).find((e) => e?.type === 'hostKey');
    }
    expect(hostKey).toMatchObject({ type: 'hostKey', algorithm: 'ssh-ed25519', fingerprint: expect.stringMatching(/^SHA256:[A-Za-z0-9+/]{43}$/) });
    // the server's NEWKEYS arrived too, but the client is still in the handshake
    expect(transportOf(client).phase()).toMatch(/^handshake/);
    expect(drain(client)).toEqual([]);
    expect(client.serverSigAlgs).toBeUndefined();
    client.acceptHostKey();
    expect(transportOf(client).phase()).toBe('userauth');
    // the server sends EXT_INFO when the client's NEWKEYS arrives (see Transport.sendNewkeys)
    flush(client, server);
    for (let out; (out = server.pollTransmit()); ) client.receive(out);
    expect(client.serverSigAlgs).toContain('ssh-ed25519');
    pair.run();
    expect(client.authenticated).toBe(true);
  });

  it('rejecting the host key ends the connection with HostKeyMismatchError before authentication', () => {
    const pair = new Pair({ seed: 3, acceptHostKey: false, onServer: acceptingServer() }).run();
    pair.client.rejectHostKey('not in known_hosts');
    pair.run();
    const d = pair.events('client', 'disconnected')[0];
    expect(d.error).toBeInstanceOf(HostKeyMismatchError);
    expect(d.reason).toBe(DisconnectReason.HOST_KEY_NOT_VERIFIABLE);
    expect(pair.events('server', 'authRequest')).toEqual([]);
    expect(() => pair.client.acceptHostKey()).toThrow(/no host key/);
  });

  it('a re-exchange with a different host key is refused', () => {
    const other = ed25519Key(9);
    const pair = new Pair({ seed: 4, onServer: acceptingServer() }).run();
    // swap the server's host key under it, then rekey
    const t = transportOf(pair.server) as unknown as { opts: { hostKeys: unknown[] } };
    t.opts = { ...t.opts, hostKeys: [other] };
    pair.server.rekey();
    pair.run();
    const d = pair.events('client', 'disconnected')[0];
    expect(d.error).toBeInstanceOf(HostKeyMismatchError);
  });
});

// Flight order for clients with Nagle on (Transport: kexinitHoldMs, sendNewkeys): each message a
// client sends unprompted during the handshake is answered at once, so its kernel never waits
// for our delayed ACK. What must not change: the order of packets on the wire.
describe('server flights answer the client (no delayed-ACK stalls)', () => {
  const algorithms = { kex: ['curve25519-sha256'] };
  const make = (server: Partial<ServerConfig> = {}) => {
    let now = 1_000;
    const env = (seed: number) => ({ random: new Prng(seed).source(), now: () => now });
    const client = new ClientConnection({ username: 'alice', password: 'secret', registry: testRegistry, algorithms }, env(1));
    const srv = new ServerConnection({ hostKeys: [ed25519Key(1)], registry: testRegistry, algorithms, ...server }, env(2));
    return { client, server: srv, setNow: (t: number) => (now = t) };
  };
  const take = (c: ClientConnection | ServerConnection) => {
    const parts: Uint8Array[] = [];
    for (let out; (out = c.pollTransmit()); ) parts.push(out.slice());
    const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) (all.set(p, o), (o += p.length));
    return all;
  };
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  /** Runs the handshake until the client has the server's NEWKEYS; the client's NEWKEYS stays undelivered. */
  const untilClientHasNewkeys = (client: ClientConnection, server: ServerConnection) => {
    for (let i = 0; i < 20 && transportOf(client).phase() !== 'userauth'; i++) {
      flush(client, server);
      flush(server, client);
      for (const ev of drain(client)) if (ev!.type === 'hostKey') client.acceptHostKey();
    }
    expect(transportOf(client).phase()).toBe('userauth');
  };

  it('the first flight is the identification line alone; KEXINIT answers the client\'s', () => {
    const { client, server } = make();
    const first = text(take(server));
    expect(first).toMatch(/^SSH-2\.0-\S+\r\n$/);
    expect(server.pollTimeout()).toBe(1_000 + KEXINIT_HOLD_MS);
    client.receive(new TextEncoder().encode(first));
    flush(client, server); // the client's identification line and KEXINIT
    const second = take(server);
    expect(second[5]).toBe(20); // SSH_MSG_KEXINIT: uint32 length, byte padding length, then the payload
    client.receive(second);
    untilClientHasNewkeys(client, server);
  });

  it('a client that waits for our KEXINIT gets it after kexinitHoldMs', () => {
    const { client, server, setNow } = make();
    const ident = take(server);
    expect(text(ident)).toMatch(/^SSH-2\.0-\S+\r\n$/);
    server.handleTimeout(1_000 + KEXINIT_HOLD_MS - 1);
    expect(server.pollTransmit()).toBeUndefined();
    setNow(1_000 + KEXINIT_HOLD_MS);
    server.handleTimeout(1_000 + KEXINIT_HOLD_MS);
    const kexinit = take(server);
    expect(kexinit[5]).toBe(20);
    expect(server.pollTimeout()).toBeGreaterThan(1_000 + KEXINIT_HOLD_MS); // only the login grace time is left
    client.receive(ident);
    client.receive(kexinit);
    untilClientHasNewkeys(client, server);
  });

  it('kexinitHoldMs 0 sends KEXINIT with the identification line', () => {
    const { server } = make({ kexinitHoldMs: 0 });
    const first = take(server);
    const eol = text(first).indexOf('\r\n') + 2;
    expect(first.length).toBeGreaterThan(eol);
    expect(first[eol + 5]).toBe(20);
    expect(() => make({ kexinitHoldMs: -1 })).toThrow(/kexinitHoldMs/);
  });

  it('EXT_INFO follows the client\'s NEWKEYS, and still comes first after ours', () => {
    const { client, server } = make();
    untilClientHasNewkeys(client, server);
    expect(client.serverSigAlgs).toBeUndefined();
    server.sendIgnore(new Uint8Array(4)); // anything we send before the client's NEWKEYS arrives
    flush(server, client);
    expect(client.serverSigAlgs).toContain('ssh-ed25519'); // a misplaced EXT_INFO would disconnect instead
    flush(client, server);
    flush(server, client);
    expect(drain(client).find((e) => e?.type === 'disconnected')).toBeUndefined();
  });

  it('without anything else to send, the client\'s NEWKEYS is answered with EXT_INFO', () => {
    const { client, server } = make();
    untilClientHasNewkeys(client, server);
    expect(server.pollTransmit()).toBeUndefined(); // our NEWKEYS went out alone
    flush(client, server); // the client's NEWKEYS and SERVICE_REQUEST
    flush(server, client);
    expect(client.serverSigAlgs).toContain('ssh-ed25519');
    expect(drain(client).find((e) => e?.type === 'disconnected')).toBeUndefined();
  });
});
