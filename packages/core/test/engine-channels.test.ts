import { describe, expect, it } from 'vitest';
import { Pair, text, utf8 } from './support/harness.ts';
import { execServer, joined, pattern, recordingClient } from './support/sessions.ts';
import { ChannelOpenFailure } from '../src/messages/index.ts';
import { CHANNEL_SEND_HIGH_WATER } from '../src/limits.ts';

function setup(seed: number, clientOpts = {}, consume = true) {
  const rec = recordingClient(consume);
  const pair = new Pair({ seed, client: clientOpts, onServer: execServer(), onClient: rec.handler });
  return { pair, rec };
}

describe('session channels (RFC 4254)', () => {
  it('exec: stdout, exit status and close, with the session opened before authentication finished', () => {
    const { pair, rec } = setup(20);
    const ch = pair.client.openSession();
    ch.exec('echo hello world');
    pair.run();
    const r = rec.of(ch);
    expect(r.opened).toBe(true);
    expect(r.requestResults).toEqual([true]);
    expect(text(joined(r.stdout))).toBe('hello world');
    expect(r.status).toBe(0);
    expect(r.closed).toBe(true);
    expect(ch.state).toBe('closed');
    const req = pair.events('server', 'channelRequest')[0];
    expect(req.request).toEqual({ type: 'exec', command: utf8('echo hello world') });
  });

  it('exec: stderr arrives as extended data type 1', () => {
    const { pair, rec } = setup(21);
    const ch = pair.client.openSession();
    ch.exec('err oops');
    pair.run();
    expect(text(joined(rec.of(ch).stderr))).toBe('oops');
    expect(pair.events('client', 'channelExtendedData')[0].dataType).toBe(1);
    expect(rec.of(ch).status).toBe(1);
  });

  it('exit-signal is reported', () => {
    const { pair, rec } = setup(22);
    const ch = pair.client.openSession();
    ch.exec('kill');
    pair.run();
    expect(rec.of(ch).signal).toBe('TERM');
    expect(pair.events('client', 'exitSignal')[0]).toMatchObject({ signal: 'TERM', coreDumped: false, message: 'terminated' });
  });

  it('env and other requests reach the server app; EOF from the client ends "cat"', () => {
    const { pair, rec } = setup(23);
    const ch = pair.client.openSession();
    ch.env('LANG', 'C');
    ch.exec('cat');
    ch.write(utf8('abc'));
    ch.write(utf8('def'));
    ch.end();
    pair.run();
    expect(rec.of(ch).requestResults).toEqual([true, true]);
    expect(text(joined(rec.of(ch).stdout))).toBe('abcdef');
    expect(rec.of(ch).status).toBe(0);
    expect(pair.events('server', 'channelEof')).toHaveLength(1);
    const env = pair.events('server', 'channelRequest').find((e) => e.request.type === 'env')!;
    expect(env.request).toEqual({ type: 'env', name: 'LANG', value: utf8('C') });
  });

  it('many channels at once, each with its own output', () => {
    const { pair, rec } = setup(24);
    const chans = Array.from({ length: 40 }, (_, i) => {
      const ch = pair.client.openSession();
      ch.exec(`echo channel ${i}`);
      return ch;
    });
    pair.run();
    chans.forEach((ch, i) => {
      expect(text(joined(rec.of(ch).stdout))).toBe(`channel ${i}`);
      expect(rec.of(ch).closed).toBe(true);
    });
    expect(new Set(chans.map((c) => c.id)).size).toBe(40);
  });

  it('a 3 MiB download arrives intact in random splits', () => {
    const { pair, rec } = setup(25);
    const ch = pair.client.openSession();
    const n = 3 * 1024 * 1024;
    ch.exec(`bytes ${n}`);
    pair.run();
    const got = joined(rec.of(ch).stdout);
    expect(got.length).toBe(n);
    expect(Buffer.compare(got, pattern(0, n))).toBe(0);
    expect(rec.of(ch).status).toBe(0);
  });

  it('flow control: a reader that does not consume holds the sender at the window; memory stays bounded', () => {
    const window = 128 * 1024;
    const { pair, rec } = setup(26, { channelWindow: window }, false);
    const ch = pair.client.openSession();
    const n = 4 * 1024 * 1024;
    ch.exec(`bytes ${n}`);
    pair.run();
    const received = () => rec.of(ch).stdout.reduce((a, b) => a + b.length, 0);
    // the sender stopped exactly at our window; the rest waits in its bounded queue
    expect(received()).toBe(window);
    expect(ch.localWindow).toBe(0);
    const serverCh = pair.events('server', 'channelOpen')[0].channel;
    expect(serverCh.remoteWindow).toBe(0);
    // the unsent data, plus the exit-status request and CLOSE queued behind it
    expect(serverCh.queued - (n - window)).toBeGreaterThanOrEqual(0);
    expect(serverCh.queued - (n - window)).toBeLessThan(64);
    expect(pair.inFlightToClient).toBe(0);
    // consuming re-opens the window in steps until everything has arrived
    for (let i = 0; i < 1000 && !rec.of(ch).closed; i++) {
      ch.consume(ch.unconsumed);
      pair.run();
    }
    const got = joined(rec.of(ch).stdout);
    expect(got.length).toBe(n);
    expect(Buffer.compare(got, pattern(0, n))).toBe(0);
  });

  it('backpressure: write() returns false past the high-water mark and channelWritable follows the drain', () => {
    const window = 64 * 1024;
    const rec = recordingClient(false);
    let serverCh: import('../src/connection/channel.ts').Channel | undefined;
    const results: boolean[] = [];
    const pair = new Pair({
      seed: 27,
      client: { channelWindow: window },
      onClient: rec.handler,
      onServer: (ev, p) => {
        execServer()(ev, p);
        if (ev.type === 'channelRequest' && ev.request.type === 'shell') {
          serverCh = ev.channel;
          for (let i = 0; i < 40; i++) results.push(ev.channel.write(pattern(i * 65536, 65536)));
        }
      },
    });
    const ch = pair.client.openSession();
    ch.shell();
    pair.run();
    expect(results.includes(false)).toBe(true);
    expect(results.indexOf(false)).toBeLessThanOrEqual(Math.ceil((CHANNEL_SEND_HIGH_WATER + window) / 65536) + 1);
    expect(() => serverCh!.write(new Uint8Array(16 * 1024 * 1024))).toThrow(/limit/);
    expect(pair.events('server', 'channelWritable')).toHaveLength(0);
    for (let i = 0; i < 1000 && serverCh!.queued > 0; i++) {
      ch.consume(ch.unconsumed);
      pair.run();
    }
    expect(pair.events('server', 'channelWritable').length).toBeGreaterThanOrEqual(1);
    expect(joined(rec.of(ch).stdout).length).toBe(40 * 65536);
  });

  it('unknown channel types are refused with UNKNOWN_CHANNEL_TYPE', () => {
    const { pair } = setup(28);
    const ch = pair.client.openChannel({ type: 'weird@example.com', data: new Uint8Array(0) });
    pair.run();
    const f = pair.events('client', 'channelOpenFailed')[0];
    expect(f.channel).toBe(ch);
    expect(f.reason).toBe(ChannelOpenFailure.UNKNOWN_CHANNEL_TYPE);
    expect(pair.server.closed).toBe(false);
  });

  it('unknown global requests (keepalive@openssh.com) get REQUEST_FAILURE', () => {
    const { pair } = setup(29);
    pair.run();
    pair.client.sendKeepalive();
    pair.run();
    expect(pair.events('client', 'globalRequestResult')).toEqual([
      { type: 'globalRequestResult', name: 'keepalive@openssh.com', success: false, data: new Uint8Array(0) },
    ]);
  });

  it('client closes first; both sides see channelClose once', () => {
    const { pair } = setup(30);
    const ch = pair.client.openSession();
    ch.shell();
    pair.run();
    ch.close();
    pair.run();
    expect(pair.events('client', 'channelClose')).toHaveLength(1);
    expect(pair.events('server', 'channelClose')).toHaveLength(1);
    expect(() => ch.write(utf8('x'))).toThrow(/write after/);
  });

  it('a client owed an answer acknowledges unprompted server messages with one IGNORE (Connection.receive)', () => {
    const { pair } = setup(32);
    pair.run();
    // nothing owed: a no-reply global request gets nothing back
    let before = pair.bytesToServer;
    pair.server.globalRequest('hostkeys-00@openssh.com', new Uint8Array(0), false);
    pair.run();
    expect(pair.bytesToServer).toBe(before);
    // a CHANNEL_OPEN waits for its confirmation (held on the way): now it gets an IGNORE
    pair.holdToServer = true;
    const ch = pair.client.openSession();
    pair.run();
    before = pair.inFlightToServer;
    pair.server.globalRequest('hostkeys-00@openssh.com', new Uint8Array(0), false);
    pair.run();
    expect(pair.inFlightToServer).toBeGreaterThan(before);
    expect(pair.inFlightToServer - before).toBeLessThan(100);
    pair.holdToServer = false;
    pair.run();
    expect(pair.events('client', 'channelOpened').map((e) => e.channel)).toContain(ch);
    expect(pair.events('client', 'globalRequest')).toEqual([]);
    expect(pair.server.closed || pair.client.closed).toBe(false);
  });

  it('no-more-sessions@openssh.com: later session opens are refused', () => {
    const { pair } = setup(31);
    pair.run();
    pair.client.globalRequest('no-more-sessions@openssh.com', undefined, false);
    pair.client.openSession();
    pair.run();
    expect(pair.events('client', 'channelOpenFailed')[0].reason).toBe(ChannelOpenFailure.ADMINISTRATIVELY_PROHIBITED);
  });
});
