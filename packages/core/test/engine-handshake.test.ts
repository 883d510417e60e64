import { describe, expect, it } from 'vitest';
import { Pair, acceptingServer } from './support/harness.ts';

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
