// `seashell relay` as a command (the built CLI), and the relay's bounded buffers.
import { spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { startRelay } from '../../node/src/cli/relay.ts';
import { CLI, cliBuilt, seashell } from '../../../test-support/cli.ts';
import { describeWithPeer } from '../../../test-support/peers.ts';

describeWithPeer('seashell relay (CLI)', cliBuilt, 'npm run build (the CLI runs from packages/node/dist)', () => {
  it('rejects bad arguments with the usage', async () => {
    const r = await seashell(['relay', '--allow', 'nohost']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--allow wants HOST:PORT, got "nohost"/);
    expect(r.stderr).toMatch(/usage: seashell relay/);
  });

  it('listens where told, bridges to an allowed target, refuses others with the reason', { timeout: 30_000 }, async () => {
    // an echo server as the target
    const echo = createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const target = `127.0.0.1:${(echo.address() as { port: number }).port}`;
    const child = spawn(process.execPath, [CLI, 'relay', '--listen', '127.0.0.1:0', '--allow', target], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        const t = setTimeout(() => reject(new Error(`no listening line: ${out}`)), 15_000);
        child.stdout.on('data', (d) => {
          out += d;
          const m = /listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
          if (m) {
            clearTimeout(t);
            resolve(Number(m[1]));
          }
        });
      });
      const echoed = await new Promise<string>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/?target=${target}`);
        ws.on('open', () => ws.send(Buffer.from('ciphertext only'), { binary: true }));
        ws.on('message', (d) => {
          resolve(d.toString());
          ws.close();
        });
        ws.on('error', reject);
      });
      expect(echoed).toBe('ciphertext only');
      const refused = await new Promise<{ code: number; reason: string }>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/?target=127.0.0.1:22`);
        ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
        ws.on('error', () => {});
      });
      expect(refused.code).toBe(1008);
      expect(refused.reason).toBe(`target 127.0.0.1:22 is not allowed by this relay (allowed: ${target})`);
    } finally {
      child.kill('SIGTERM');
      echo.close();
    }
  });
});

describe('relay buffers are bounded', () => {
  const servers: Server[] = [];
  afterAll(() => {
    for (const s of servers) s.close();
  });

  it('a target that stops reading stops the relay reading the WebSocket (the sender keeps the backlog)', { timeout: 30_000 }, async () => {
    let targetSocket: Socket | undefined;
    const stalled = createServer((s) => {
      targetSocket = s;
      s.pause(); // never reads
    });
    servers.push(stalled);
    await new Promise<void>((r) => stalled.listen(0, '127.0.0.1', r));
    const tport = (stalled.address() as { port: number }).port;
    const relay = await startRelay({ port: 0, allow: [{ host: '127.0.0.1', port: tport }], highWaterMark: 256 * 1024 });
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${relay.address.port}/`);
      await new Promise((r, j) => (ws.on('open', r), ws.on('error', j)));
      const total = 64 * 1024 * 1024;
      const piece = Buffer.alloc(256 * 1024, 7);
      for (let sent = 0; sent < total; sent += piece.length) ws.send(piece, { binary: true });
      // give the relay time to take all it would take
      await new Promise((r) => setTimeout(r, 1500));
      const passed = total - ws.bufferedAmount;
      // What left the sender sits in kernel socket buffers and at most ~one high-water mark in the
      // relay: far less than the 64 MiB sent. An unbounded relay would have taken all of it.
      expect(targetSocket).toBeDefined();
      expect(passed).toBeLessThan(24 * 1024 * 1024);
      ws.terminate();
    } finally {
      await relay.close();
    }
  });

  it('a page that stops reading stops the relay reading the target', { timeout: 30_000 }, async () => {
    let accepted = 0;
    let writer: Socket | undefined;
    const flood = createServer((s) => {
      writer = s;
      const chunk = Buffer.alloc(256 * 1024, 1);
      const pump = () => {
        while (accepted < 64 * 1024 * 1024) {
          accepted += chunk.length;
          if (!s.write(chunk)) return void s.once('drain', pump);
        }
      };
      s.on('error', () => {});
      pump();
    });
    servers.push(flood);
    await new Promise<void>((r) => flood.listen(0, '127.0.0.1', r));
    const fport = (flood.address() as { port: number }).port;
    const relay = await startRelay({ port: 0, allow: [{ host: '127.0.0.1', port: fport }], highWaterMark: 256 * 1024 });
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${relay.address.port}/`);
      await new Promise((r, j) => (ws.on('open', () => (ws.pause(), r(undefined))), ws.on('error', j)));
      await new Promise((r) => setTimeout(r, 1500));
      // The page reads nothing: the flood server must be stuck far below the 64 MiB it wants to send.
      expect(writer).toBeDefined();
      expect(accepted).toBeLessThan(24 * 1024 * 1024);
      ws.terminate();
    } finally {
      await relay.close();
    }
  });
});
