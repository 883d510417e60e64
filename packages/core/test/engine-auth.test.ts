import { describe, expect, it } from 'vitest';
import { Pair, acceptingServer, ed25519Key, equal } from './support/harness.ts';
import { clientKey, type ClientKey } from '../src/auth/client.ts';
import { AuthenticationError, DisconnectReason, TimeoutError } from '../src/wire/index.ts';
import { rsaGenerate, rsaSigner } from '../src/keys/rsa.ts';
import { Prng } from './support/prng.ts';
import { rawSend } from './support/inject.ts';
import { UserauthPasswdChangereq } from '../src/messages/index.ts';

const keyA = ed25519Key(0xa);
const keyB = ed25519Key(0xb);

describe('user authentication (RFC 4252, 4256)', () => {
  it('password: success', () => {
    const pair = new Pair({ seed: 2, onServer: acceptingServer() }).run();
    const r = pair.events('client', 'authResult');
    expect(r.at(-1)).toMatchObject({ success: true, method: 'password', username: 'alice' });
    expect(pair.events('server', 'authRequest').map((e) => e.method)).toEqual(['password']);
  });

  it('password: a wrong password fails and the client gives up with AuthenticationError', () => {
    const pair = new Pair({ seed: 3, client: { password: 'nope' }, onServer: acceptingServer() }).run();
    expect(pair.client.authenticated).toBe(false);
    const d = pair.events('client', 'disconnected')[0];
    expect(d.reason).toBe(DisconnectReason.NO_MORE_AUTH_METHODS_AVAILABLE);
    expect(d.error).toBeInstanceOf(AuthenticationError);
    expect((d.error as AuthenticationError).methodsLeft).toContain('password');
    expect(pair.events('server', 'disconnected')[0]).toMatchObject({ byPeer: true, reason: DisconnectReason.NO_MORE_AUTH_METHODS_AVAILABLE });
  });

  it('publickey: queries first, then signs; the server sees the signed key', () => {
    const pair = new Pair({
      seed: 4,
      client: { password: undefined, keys: [clientKey(keyA)] },
      onServer: acceptingServer([keyA.publicBlob]),
    }).run();
    expect(pair.client.authenticated).toBe(true);
    const reqs = pair.events('server', 'authRequest');
    expect(reqs.map((r) => r.method === 'publickey' && r.signed)).toEqual([false, true]);
    const ok = pair.events('server', 'authResult').find((r) => r.success)!;
    expect(ok.method).toBe('publickey');
    expect(equal(ok.key!.blob, keyA.publicBlob)).toBe(true);
    expect(pair.events('client', 'authResult').at(-1)).toMatchObject({ success: true, method: 'publickey' });
  });

  it('publickey: an unauthorized key is skipped and the next one is tried', () => {
    const pair = new Pair({
      seed: 5,
      client: { password: undefined, keys: [clientKey(keyA), clientKey(keyB)] },
      onServer: acceptingServer([keyB.publicBlob]),
    }).run();
    expect(pair.client.authenticated).toBe(true);
    const ok = pair.events('server', 'authResult').find((r) => r.success)!;
    expect(equal(ok.key!.blob, keyB.publicBlob)).toBe(true);
    const failed = pair.events('client', 'authResult').filter((r) => !r.success);
    expect(failed).toHaveLength(1);
  });

  it('publickey: a key without a local signer is signed through signRequest / provideSignature', () => {
    const agentKey: ClientKey = { publicBlob: keyA.publicBlob, algorithms: ['ssh-ed25519'] };
    const pair = new Pair({
      seed: 6,
      client: { password: undefined, keys: [agentKey] },
      onServer: acceptingServer([keyA.publicBlob]),
      onClient: (ev, p) => {
        if (ev.type === 'signRequest') p.client.provideSignature(keyA.sign(ev.data));
      },
    }).run();
    expect(pair.events('client', 'signRequest')).toHaveLength(1);
    expect(pair.client.authenticated).toBe(true);
  });

  it('publickey: RSA signs with rsa-sha2-512 when server-sig-algs offers it, rsa-sha2-256 when only that', () => {
    const rsa = rsaGenerate(1024, new Prng(99).source());
    const key = clientKey(rsaSigner(rsa, 'rsa-sha2-512'), rsaSigner(rsa, 'rsa-sha2-256'));
    for (const [algs, want] of [
      [undefined, 'rsa-sha2-512'],
      [['rsa-sha2-256', 'ssh-ed25519'], 'rsa-sha2-256'],
    ] as const) {
      const pair = new Pair({
        seed: 7,
        client: { password: undefined, keys: [key] },
        server: algs ? { userKeyAlgorithms: algs } : {},
        onServer: acceptingServer([key.publicBlob]),
      }).run();
      expect(pair.client.authenticated).toBe(true);
      const ok = pair.events('server', 'authResult').find((r) => r.success)!;
      expect(ok.key!.algorithm).toBe(want);
    }
  });

  it('keyboard-interactive: prompts reach the application and its answers authenticate', () => {
    const pair = new Pair({
      seed: 8,
      client: { password: undefined, keyboardInteractive: true },
      onServer: acceptingServer(),
      onClient: (ev, p) => {
        if (ev.type === 'authPrompt') p.client.answerPrompts(ev.prompts.map(() => 'secret'));
      },
    }).run();
    const prompt = pair.events('client', 'authPrompt')[0];
    expect(prompt.prompts).toEqual([{ prompt: 'Password: ', echo: false }]);
    expect(pair.client.authenticated).toBe(true);
    expect(pair.events('server', 'authResult').at(-1)).toMatchObject({ success: true, method: 'keyboard-interactive' });
  });

  it('partial success: publickey then password', () => {
    const pair = new Pair({
      seed: 9,
      client: { keys: [clientKey(keyA)] },
      onServer: (ev, p) => {
        if (ev.type !== 'authRequest') return;
        if (ev.method === 'publickey') return p.server.authDecision(ev.signed ? { partial: true, methods: ['password'] } : true);
        if (ev.method === 'password') return p.server.authDecision(ev.password === 'secret');
        p.server.authDecision(false);
      },
    }).run();
    expect(pair.client.authenticated).toBe(true);
    const results = pair.events('client', 'authResult');
    expect(results.map((r) => [r.method, r.success, r.partial])).toEqual([
      ['publickey', false, true],
      ['password', true, false],
    ]);
  });

  it('banner: the server banner reaches the client before authentication', () => {
    const pair = new Pair({ seed: 10, server: { banner: 'Authorized use only\n' }, onServer: acceptingServer() }).run();
    expect(pair.events('client', 'banner')).toEqual([{ type: 'banner', message: 'Authorized use only\n', language: '' }]);
  });

  it('at most 6 tries: the server disconnects on the sixth failure', () => {
    const keys = Array.from({ length: 10 }, (_, i) => clientKey(ed25519Key(0x40 + i)));
    const pair = new Pair({ seed: 11, client: { keys, password: undefined }, onServer: acceptingServer([]) }).run();
    const failures = pair.events('server', 'authResult').filter((r) => !r.success);
    expect(failures).toHaveLength(6);
    expect(pair.events('server', 'disconnected')[0]).toMatchObject({ byPeer: false, reason: DisconnectReason.NO_MORE_AUTH_METHODS_AVAILABLE });
    expect(pair.events('client', 'disconnected')[0]).toMatchObject({ byPeer: true });
    expect(pair.events('client', 'authResult').filter((r) => !r.success)).toHaveLength(5);
  });

  it('none is free: it never counts as a try', () => {
    const pair = new Pair({ seed: 12, onServer: acceptingServer() }).run();
    expect(pair.events('server', 'authResult').filter((r) => r.method === 'none')).toEqual([]);
  });

  it('login grace time: the server disconnects an unauthenticated client after 120 s', () => {
    const pair = new Pair({ seed: 13, onServer: () => {} }).run(); // never decides
    expect(pair.server.authenticated).toBe(false);
    expect(pair.server.pollTimeout()).toBe(pair.now + 120_000);
    pair.advance(119_999).run();
    expect(pair.server.closed).toBe(false);
    pair.advance(1).run();
    const d = pair.events('server', 'disconnected')[0];
    expect(d.error).toBeInstanceOf(TimeoutError);
    expect(pair.events('client', 'disconnected')[0]).toMatchObject({ byPeer: true });
  });

  it('the application can answer later: decisions are asynchronous', () => {
    let pending = 0;
    const pair = new Pair({ seed: 14, onServer: (ev) => ev.type === 'authRequest' && pending++ }).run();
    expect(pending).toBe(1);
    expect(pair.client.authenticated).toBe(false);
    pair.server.authDecision(true);
    pair.run();
    expect(pair.client.authenticated).toBe(true);
    expect(() => pair.server.authDecision(true)).toThrow(/no authentication request/);
  });

  it('password: a change request (PASSWD_CHANGEREQ) counts as a failed attempt', () => {
    let pending = 0;
    const pair = new Pair({ seed: 15, onServer: (ev) => ev.type === 'authRequest' && pending++ }).run();
    expect(pending).toBe(1);
    // instead of deciding, the server asks for a new password
    rawSend(pair.server, UserauthPasswdChangereq.encode({ prompt: 'Password expired', language: '' }));
    pair.run();
    expect(pair.events('client', 'authResult')).toMatchObject([{ success: false, method: 'password' }]);
    const d = pair.events('client', 'disconnected')[0];
    expect(d.error).toBeInstanceOf(AuthenticationError);
  });
});
