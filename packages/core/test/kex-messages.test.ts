// Message framing for every key exchange method: wrong message numbers, truncation at every
// length, trailing bytes, messages after the exchange ended, and random garbage all give a
// ProtocolError, never another exception (nothing a peer sends may crash the engine).
import { describe, expect, it } from 'vitest';
import { kexMethods, legacyKexMethods } from '../src/algorithms/kex/index.ts';
import type { KexMethod, KexStep } from '../src/algorithms/types.ts';
import { ProtocolError } from '../src/wire/index.ts';
import { dummyHostKey, makePair, runKex, seededRandom } from './kex-helpers.ts';

const all = Object.values({ ...kexMethods, ...legacyKexMethods }) as KexMethod[];

function expectProtocolError(fn: () => unknown, what: string): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, what).toBeInstanceOf(ProtocolError);
}

/**
 * A transcript of one run, and for each message the step that received it brought to the
 * state just before (by replaying the messages before it).
 */
function transcript(m: KexMethod) {
  const pair = makePair({ clientRandom: seededRandom(`${m.name} c`), serverRandom: seededRandom(`${m.name} s`), hostKey: dummyHostKey });
  const { messages } = runKex(m, pair);
  // Who receives message i: the client sends first (index 0 goes to the server), then they
  // alternate. Only the receiver's own earlier messages need replaying, since the rest are recorded.
  const receiverAt = (i: number): KexStep => {
    const fresh = makePair({ clientRandom: seededRandom(`${m.name} c`), serverRandom: seededRandom(`${m.name} s`), hostKey: dummyHostKey });
    const step = i % 2 === 0 ? m.server(fresh.serverCtx) : m.client(fresh.clientCtx);
    step.start();
    for (let j = i % 2; j < i; j += 2) step.receive(messages[j]);
    return step;
  };
  return { messages, receiverAt };
}

describe('KEX message framing', () => {
  for (const m of all) {
    describe(m.name, () => {
      const t = transcript(m);
      const slow = m.name.includes('group16') || m.name.includes('group18') || m.name.includes('exchange');

      it('trailing bytes after any message are rejected', () => {
        t.messages.forEach((msg, i) => {
          expectProtocolError(() => t.receiverAt(i).receive(Uint8Array.from([...msg, 0])), `message ${i} + 1 byte`);
        });
      });

      it('truncated messages are rejected at every length', () => {
        t.messages.forEach((msg, i) => {
          // every cut point near the start and end of the message and a spread of the rest
          const cuts = new Set<number>();
          const edge = slow ? 12 : 40;
          for (let k = 0; k < msg.length; k++) if (k < edge || k > msg.length - edge || k % (slow ? 128 : 13) === 0) cuts.add(k);
          for (const k of cuts) expectProtocolError(() => t.receiverAt(i).receive(msg.subarray(0, k)), `message ${i} cut to ${k}`);
        });
      });

      it('wrong message numbers are rejected in every state', () => {
        t.messages.forEach((msg, i) => {
          for (const n of [0, 1, 20, 21, 29, 30, 31, 32, 33, 34, 35, 49, 50, 255]) {
            if (n === msg[0]) continue;
            expectProtocolError(() => t.receiverAt(i).receive(Uint8Array.from([n, ...msg.subarray(1)])), `message ${i} renumbered ${n}`);
          }
        });
      });

      it('messages after the exchange finished are rejected, and start() twice is an error', () => {
        const pair = makePair({ hostKey: dummyHostKey });
        const c = m.client(pair.clientCtx);
        const s = m.server(pair.serverCtx);
        const toServer = c.start();
        expect(s.start()).toEqual([]);
        expectProtocolError(() => c.start(), 'start twice');
        let pending = toServer;
        let turn: 'server' | 'client' = 'server';
        for (let round = 0; round < 6 && pending.length; round++) {
          const next: Uint8Array[] = [];
          for (const msg of pending) next.push(...(turn === 'server' ? s : c).receive(msg).send);
          pending = next;
          turn = turn === 'server' ? 'client' : 'server';
        }
        expectProtocolError(() => c.receive(t.messages[t.messages.length - 1]), 'client after done');
        expectProtocolError(() => s.receive(t.messages[t.messages.length - 2]), 'server after done');
      });

      it('a client given a message before start() rejects it', () => {
        const c = m.client(makePair().clientCtx);
        expectProtocolError(() => c.receive(t.messages[1]), 'before start');
      });

      it('random garbage never throws anything but ProtocolError', () => {
        const rnd = seededRandom(`garbage ${m.name}`);
        for (let i = 0; i < (slow ? 16 : 60); i++) {
          const len = rnd(1)[0] % 64;
          const body = rnd(len);
          // half of them with a plausible message number first
          if (i % 2 === 0 && len > 0) body[0] = 30 + (i % 5);
          for (const at of [0, 1]) {
            if (at >= t.messages.length) continue;
            expectProtocolError(() => t.receiverAt(at).receive(body), `garbage ${i} at ${at}`);
          }
        }
      });
    });
  }

  it('server steps need a host key, and every step needs a usable context', () => {
    const pair = makePair();
    for (const m of all) {
      expect(() => m.server({ ...pair.serverCtx, hostKey: undefined }), m.name).toThrow(/hostKey/);
      expect(() => m.client({ ...pair.clientCtx, random: undefined as never }), m.name).toThrow(/random/);
      expect(() => m.client({ ...pair.clientCtx, clientKexinit: 'x' as never }), m.name).toThrow(/Kexinit/);
    }
  });
});

describe('a failed exchange stays failed', () => {
  for (const m of all.filter((x) => !/group1[68]/.test(x.name))) {
    it(`${m.name}: after a ProtocolError the step refuses even a valid message`, () => {
      const t = transcript(m);
      for (let i = 0; i < t.messages.length; i++) {
        const step = t.receiverAt(i);
        expectProtocolError(() => step.receive(Uint8Array.from([...t.messages[i], 0])), `message ${i} + 1 byte`);
        expectProtocolError(() => step.receive(t.messages[i]), `message ${i} after the failure`);
      }
    });
  }
});
