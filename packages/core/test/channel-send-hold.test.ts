// Sender-side silly-window avoidance (mux.ts holdBack, limits.ts CHANNEL_SEND_HOLD_WINDOW): while
// more data is queued than the peer's window admits, a small re-opened window is not filled at once
// but after the window has grown to min(CHANNEL_SEND_HOLD_WINDOW, half its peak), or after
// CHANNEL_SEND_HOLD_MS at the latest; data that fits the window is never held.
import { describe, expect, it } from 'vitest';
import { Pair } from './support/harness.ts';
import { execServer } from './support/sessions.ts';
import { rawSend } from './support/inject.ts';
import { ChannelWindowAdjust } from '../src/messages/index.ts';
import { CHANNEL_SEND_HOLD_MS, CHANNEL_SEND_HOLD_WINDOW, CHANNEL_WINDOW } from '../src/limits.ts';
import type { Channel } from '../src/connection/channel.ts';

/**
 * A session whose server end takes data without re-opening the window by itself; adjust() below
 * re-opens it in small steps, as OpenSSH's sshd does (~96 KiB), where our own engine waits for half
 * the window.
 */
function openPair(seed: number) {
  const pair = new Pair({ seed, maxChunk: 64 * 1024, onServer: execServer() });
  const ch = pair.client.openSession();
  ch.shell();
  pair.run();
  const serverCh: Channel = pair.events('server', 'channelOpen')[0].channel;
  let received = 0;
  serverCh.setDataHandler((d) => (received += d.length), false);
  return { pair, ch, serverCh, received: () => received };
}

/** The server re-opens the client's window by `bytes`: a WINDOW_ADJUST, and the server's own count to match. */
function adjust(s: { pair: Pair; ch: Channel; serverCh: Channel }, bytes: number): void {
  s.serverCh.localWindow += bytes;
  rawSend(s.pair.server, ChannelWindowAdjust.encode({ recipient: s.ch.id, bytes }));
  s.pair.run();
}

describe('channel data waits for a wider window, briefly', () => {
  it('a small re-opened window is filled only after the hold time when more waits', () => {
    const s = openPair(1);
    const { pair, ch, received } = s;
    ch.write(new Uint8Array(CHANNEL_WINDOW + 600_000));
    pair.run();
    expect(received()).toBe(CHANNEL_WINDOW); // the whole first window went at once
    adjust(s, 100_000);
    expect(received()).toBe(CHANNEL_WINDOW); // held: 100 000 < the hold size, and more is queued
    pair.advance(CHANNEL_SEND_HOLD_MS - 1).run();
    expect(received()).toBe(CHANNEL_WINDOW);
    pair.advance(1).run();
    expect(received()).toBe(CHANNEL_WINDOW + 100_000); // the timer sent it
  });

  it('a window that reaches the hold size is filled at once', () => {
    const s = openPair(2);
    const { pair, ch, received } = s;
    const hold = Math.min(CHANNEL_SEND_HOLD_WINDOW, CHANNEL_WINDOW / 2);
    ch.write(new Uint8Array(CHANNEL_WINDOW + 2 * hold));
    pair.run();
    adjust(s, hold / 2);
    expect(received()).toBe(CHANNEL_WINDOW);
    adjust(s, hold / 2); // now the window is the hold size: no timer needed
    expect(received()).toBe(CHANNEL_WINDOW + hold);
  });

  it('data that fits the window is never held', () => {
    const s = openPair(3);
    const { pair, ch, received } = s;
    ch.write(new Uint8Array(CHANNEL_WINDOW));
    pair.run();
    adjust(s, 100_000);
    ch.write(new Uint8Array(60_000)); // 60 000 queued, 100 000 of window: goes now
    pair.run();
    expect(received()).toBe(CHANNEL_WINDOW + 60_000);
  });

  it('no timer runs while the window is closed (a stalled peer costs no wakeups)', () => {
    const s = openPair(5);
    const { pair, ch, received } = s;
    ch.write(new Uint8Array(CHANNEL_WINDOW + 100_000));
    pair.run();
    expect(received()).toBe(CHANNEL_WINDOW);
    ch.write(new Uint8Array(1)); // a write while the window is 0 flushes too
    pair.run();
    expect(ch.queued).toBe(100_001);
    expect(pair.client.pollTimeout() ?? Infinity).toBeGreaterThan(pair.now + CHANNEL_SEND_HOLD_MS);
    adjust(s, 50_000); // open but small, with more queued: now the hold's timer runs
    expect(pair.client.pollTimeout()).toBe(pair.now + CHANNEL_SEND_HOLD_MS);
  });

  it('a peer that re-opens its window only after more data still gets it (no stall past the hold time)', () => {
    const s = openPair(4);
    const { pair, ch, received } = s;
    ch.write(new Uint8Array(CHANNEL_WINDOW + 3 * 100_000));
    pair.run();
    // the peer hands back 100 000 bytes each time it has received everything it was offered
    for (let i = 1; i <= 3; i++) {
      adjust(s, 100_000);
      pair.advance(CHANNEL_SEND_HOLD_MS).run();
      expect(received()).toBe(CHANNEL_WINDOW + i * 100_000);
    }
    expect(ch.queued).toBe(0);
  });
});
