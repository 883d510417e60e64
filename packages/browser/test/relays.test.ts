// @seashell/browser's WebSocket transport, driven from Node (the `ws` client stands in for the
// browser's WebSocket) through both relays it supports — `seashell relay` and Debian's websockify
// — to a real OpenSSH sshd: exec and SFTP, host key pinned by SHA256 fingerprint. Plus the relay's
// refusals: a target not on the allow-list, a malformed target, a foreign origin, text frames.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, openWebSocket, WebSocketClosedError, type WebSocketConstructor } from '../src/index.ts';
import { chooseTarget, startRelay, type Relay } from '../../node/src/cli/relay.ts';
import { describeWithPeer, findBinary } from '../../../test-support/peers.ts';
import { describeWithSshd, freePort, harnessKeys, startSshd, tempDir, waitForPort, type Sshd } from '../../../test-support/sshd.ts';

const WS = WebSocket as unknown as WebSocketConstructor;
const WEBSOCKIFY = findBinary('websockify', ['/usr/bin/websockify']);

describe('relay target choice', () => {
  const allow = [
    { host: '127.0.0.1', port: 2222 },
    { host: '::1', port: 22 },
  ];
  it('takes ?target= or the path, only from the allow-list, and says why not', () => {
    expect(chooseTarget('/?target=127.0.0.1:2222', allow)).toEqual(allow[0]);
    expect(chooseTarget('/%5B::1%5D:22', allow)).toEqual(allow[1]);
    expect(chooseTarget('/?target=10.0.0.1:22', allow)).toMatch(/10\.0\.0\.1:22 is not allowed by this relay \(allowed: 127\.0\.0\.1:2222, \[::1\]:22\)/);
    expect(chooseTarget('/?target=127.0.0.1:22', allow)).toMatch(/not allowed/);
    expect(chooseTarget('/?target=127.0.0.1', allow)).toMatch(/is not HOST:PORT/);
    expect(chooseTarget('/?target=127.0.0.1:99999', allow)).toMatch(/is not HOST:PORT/);
    expect(chooseTarget('/', allow)).toMatch(/choose a target with \?target=HOST:PORT/);
    expect(chooseTarget('/', [allow[0]])).toEqual(allow[0]);
  });
});

describeWithSshd('@seashell/browser over WebSocket relays to OpenSSH sshd', () => {
  let sshd: Sshd;
  let relay: Relay;
  let file: string;
  let fingerprint: string;
  const data = new Uint8Array(2 * 1024 * 1024 + 9).map((_, i) => (i * 37 + 1) & 0xff);
  const key = () => readFileSync(harnessKeys().clientKeys.ed25519.path, 'utf8');

  beforeAll(async () => {
    sshd = await startSshd({ hostKeyKinds: ['ed25519'] });
    fingerprint = sshd.hostKeys[0].fingerprint;
    file = join(tempDir('seashell-relay-'), 'payload.bin');
    writeFileSync(file, data);
    relay = await startRelay({ port: 0, allow: [{ host: '127.0.0.1', port: sshd.port }], origins: undefined });
  });
  afterAll(async () => {
    await relay?.close();
    await sshd?.stop();
  });

  async function session(url: string) {
    const c = await connect({ url, WebSocket: WS, username: sshd.user, privateKey: key(), hostFingerprint: fingerprint, connectTimeoutMs: 10_000 });
    try {
      const r = await c.exec('echo via-relay-$((6*7))');
      expect(r.stdout).toBe('via-relay-42\n');
      expect(r.code).toBe(0);
      const sftp = await c.sftp();
      const got = await sftp.readFile(file);
      expect(createHash('sha256').update(got).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
      await sftp.end();
    } finally {
      await c.close();
    }
  }

  it('seashell relay: exec and SFTP get, host key pinned by fingerprint', { timeout: 60_000 }, async () => {
    await session(`ws://127.0.0.1:${relay.address.port}/?target=127.0.0.1:${sshd.port}`);
    // the only allowed target may be left out
    await session(`ws://127.0.0.1:${relay.address.port}/`);
  });

  it('a wrong fingerprint is refused before authentication', { timeout: 30_000 }, async () => {
    const bad = 'SHA256:' + 'A'.repeat(43);
    await expect(connect({ url: `ws://127.0.0.1:${relay.address.port}/`, WebSocket: WS, username: sshd.user, privateKey: key(), hostFingerprint: bad })).rejects.toThrow(/host key/i);
  });

  it('refuses a target that is not allowed, with the reason in the close frame', { timeout: 30_000 }, async () => {
    const other = await freePort();
    const err = await openWebSocket(`ws://127.0.0.1:${relay.address.port}/?target=127.0.0.1:${other}`, { WebSocket: WS }).then(
      (s) =>
        new Promise<Error | undefined>((resolve) =>
          s.start({ data() {}, drain() {}, end() {}, close: (e) => resolve(e) }),
        ),
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(WebSocketClosedError);
    expect((err as WebSocketClosedError).code).toBe(1008);
    expect((err as WebSocketClosedError).reason).toMatch(new RegExp(`127\\.0\\.0\\.1:${other} is not allowed by this relay`));
    expect(relay.connections).toBe(0);
  });

  it('refuses pages from an origin not on --origin, and text frames', { timeout: 30_000 }, async () => {
    const strict = await startRelay({ port: 0, allow: [{ host: '127.0.0.1', port: sshd.port }], origins: ['https://good.example'] });
    try {
      const status = await new Promise<number>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${strict.address.port}/`, { headers: { origin: 'https://evil.example' } });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => resolve(101));
        ws.on('error', () => {});
      });
      expect(status).toBe(403);
      const close = await new Promise<{ code: number; reason: string }>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${strict.address.port}/`, { headers: { origin: 'https://good.example' } });
        ws.on('open', () => ws.send('hello', { binary: false }));
        ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
        ws.on('error', () => {});
      });
      expect(close).toEqual({ code: 1003, reason: 'binary messages only' });
    } finally {
      await strict.close();
    }
  });

  describeWithPeer('through websockify', !!WEBSOCKIFY, 'apt-get install websockify', () => {
    let proc: ChildProcess;
    let port: number;
    beforeAll(async () => {
      port = await freePort();
      proc = spawn(WEBSOCKIFY!, [`127.0.0.1:${port}`, `127.0.0.1:${sshd.port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
      await waitForPort(port, 15_000, '127.0.0.1', () => proc.exitCode === null);
    });
    afterAll(() => {
      proc?.kill('SIGTERM');
    });
    it('websockify: exec and SFTP get', { timeout: 60_000 }, async () => {
      await session(`ws://127.0.0.1:${port}/`);
    });
  });
});
