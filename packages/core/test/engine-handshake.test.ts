import { describe, expect, it } from 'vitest';
import { Pair, acceptingServer, ed25519Key } from './support/harness.ts';
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
    // the server's NEWKEYS and EXT_INFO arrived too, but the client is still in the handshake
    expect(transportOf(client).phase()).toMatch(/^handshake/);
    expect(drain(client)).toEqual([]);
    expect(client.serverSigAlgs).toBeUndefined();
    client.acceptHostKey();
    expect(transportOf(client).phase()).toBe('userauth');
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
