import { describe, expect, it } from 'vitest';
import { Pair } from './support/harness.ts';
import { execServer, joined, pattern, recordingClient } from './support/sessions.ts';

describe('rekeying (RFC 4253 §9) with data in flight', () => {
  it('both sides rekey by volume and on request in the middle of a multi-MiB transfer; every byte arrives', () => {
    const rec = recordingClient(true);
    const pair = new Pair({
      seed: 40,
      client: { rekeyBytes: 300 * 1024 },
      server: { rekeyBytes: 450 * 1024 },
      onServer: execServer(),
      onClient: rec.handler,
    });
    const ch = pair.client.openSession();
    ch.exec('cat');
    pair.run();
    const total = 6 * 1024 * 1024;
    let sent = 0;
    let round = 0;
    while (sent < total || !rec.of(ch).closed) {
      if (sent < total && ch.queued < 512 * 1024) {
        const n = Math.min(100_000 + round * 13, total - sent);
        ch.write(pattern(sent, n));
        sent += n;
        if (sent >= total) ch.end();
      }
      if (round % 7 === 3) pair.client.rekey();
      if (round % 11 === 5) pair.server.rekey();
      pair.steps(200);
      round++;
      if (round > 20_000) throw new Error('transfer did not finish');
    }
    pair.run();
    const got = joined(rec.of(ch).stdout);
    expect(got.length).toBe(total);
    expect(Buffer.compare(got, pattern(0, total))).toBe(0);
    expect(rec.of(ch).status).toBe(0);
    const clientKex = pair.events('client', 'keysExchanged');
    const serverKex = pair.events('server', 'keysExchanged');
    expect(clientKex.length).toBeGreaterThan(10);
    expect(serverKex.length).toBe(clientKex.length);
    expect(clientKex.filter((e) => e.initial)).toHaveLength(1);
    expect(pair.events('client', 'disconnected')).toEqual([]);
    expect(pair.events('server', 'disconnected')).toEqual([]);
    expect(pair.client.sessionId).toEqual(pair.server.sessionId);
  });

  it('rekeys after an hour of simulated time', () => {
    const pair = new Pair({ seed: 41, onServer: execServer() }).run();
    const before = pair.events('client', 'keysExchanged').length;
    expect(pair.client.pollTimeout()).toBe(pair.now + 3600_000);
    pair.advance(3600_000).run();
    expect(pair.events('client', 'keysExchanged').length).toBe(before + 1);
    expect(pair.events('server', 'keysExchanged').length).toBe(before + 1);
  });

  it('a rekey started by both sides at once converges', () => {
    const pair = new Pair({ seed: 42, onServer: execServer() }).run();
    pair.client.rekey();
    pair.server.rekey();
    pair.run();
    expect(pair.events('client', 'keysExchanged')).toHaveLength(2);
    expect(pair.events('server', 'keysExchanged')).toHaveLength(2);
    const ch = pair.client.openSession();
    ch.exec('echo still fine');
    pair.run();
    expect(pair.events('client', 'exitStatus')[0].status).toBe(0);
  });
});
