// Server and client behaviours for channel tests: an "exec" server that answers commands from a
// tiny script language, and a client that records what each channel received.
import type { Handler, Pair } from './harness.ts';
import { acceptingServer, text, utf8 } from './harness.ts';
import type { Channel } from '../../src/connection/channel.ts';

/**
 * Server: accepts sessions; for `exec` it replies success, then interprets the command:
 *  - "echo X": writes X to stdout, exit 0
 *  - "err X": writes X to stderr, exit 1
 *  - "cat": echoes stdin back until EOF, then exit 0
 *  - "bytes N": writes N bytes of a counter pattern, exit 0
 *  - "kill": exit-signal TERM
 */
export function execServer(authorized: Uint8Array[] = []): Handler {
  const auth = acceptingServer(authorized);
  const pending = new Map<Channel, Uint8Array[]>();
  return (ev, pair) => {
    auth(ev, pair);
    if (ev.type === 'channelOpen') ev.channel.accept();
    if (ev.type === 'channelRequest') {
      const ch = ev.channel;
      const r = ev.request;
      if (r.type !== 'exec') {
        if (ev.wantReply) ch.reply(ev.id, r.type === 'env');
        return;
      }
      if (ev.wantReply) ch.reply(ev.id, true);
      const cmd = text(r.command);
      const [verb, ...rest] = cmd.split(' ');
      const arg = rest.join(' ');
      if (verb === 'echo') {
        ch.write(utf8(arg));
        ch.sendExitStatus(0);
        ch.close();
      } else if (verb === 'err') {
        ch.writeStderr(utf8(arg));
        ch.sendExitStatus(1);
        ch.close();
      } else if (verb === 'bytes') {
        writePattern(ch, Number(arg));
        ch.sendExitStatus(0);
        ch.close();
      } else if (verb === 'kill') {
        ch.sendExitSignal('TERM', false, 'terminated');
        ch.close();
      } else if (verb === 'cat') {
        pending.set(ch, []);
      }
    }
    if (ev.type === 'channelData' && pending.has(ev.channel)) {
      ev.channel.write(ev.data);
      ev.channel.consume(ev.data.length);
    }
    if (ev.type === 'channelEof' && pending.has(ev.channel)) {
      pending.delete(ev.channel);
      ev.channel.sendExitStatus(0);
      ev.channel.close();
    }
  };
}

/** Writes n bytes of pattern (byte i = i * 7 mod 251) ignoring backpressure within the hard limit. */
export function writePattern(ch: Channel, n: number, start = 0): void {
  const chunk = 64 * 1024;
  for (let off = 0; off < n; off += chunk) ch.write(pattern(start + off, Math.min(chunk, n - off)));
}

export function pattern(from: number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = ((from + i) * 7) % 251;
  return b;
}

/** What one channel received on the client. */
export interface Received {
  stdout: Uint8Array[];
  stderr: Uint8Array[];
  status?: number;
  signal?: string;
  eof: boolean;
  closed: boolean;
  opened: boolean;
  requestResults: boolean[];
}

/** Client handler recording per-channel output; consumes data unless told not to. */
export function recordingClient(consume = true): { handler: Handler; of: (ch: Channel) => Received } {
  const map = new Map<Channel, Received>();
  const of = (ch: Channel) => {
    let r = map.get(ch);
    if (!r) map.set(ch, (r = { stdout: [], stderr: [], eof: false, closed: false, opened: false, requestResults: [] }));
    return r;
  };
  const handler: Handler = (ev) => {
    switch (ev.type) {
      case 'channelOpened':
        of(ev.channel).opened = true;
        break;
      case 'channelData':
        of(ev.channel).stdout.push(ev.data.slice());
        if (consume) ev.channel.consume(ev.data.length);
        break;
      case 'channelExtendedData':
        of(ev.channel).stderr.push(ev.data.slice());
        if (consume) ev.channel.consume(ev.data.length);
        break;
      case 'exitStatus':
        of(ev.channel).status = ev.status;
        break;
      case 'exitSignal':
        of(ev.channel).signal = ev.signal;
        break;
      case 'channelEof':
        of(ev.channel).eof = true;
        break;
      case 'channelClose':
        of(ev.channel).closed = true;
        break;
      case 'channelRequestResult':
        of(ev.channel).requestResults.push(ev.success);
        break;
    }
  };
  return { handler, of };
}

export function joined(parts: Uint8Array[]): Uint8Array {
  const n = parts.reduce((a, b) => a + b.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function authenticatedPair(p: Pair): Pair {
  p.run();
  if (!p.client.authenticated) throw new Error('pair did not authenticate');
  return p;
}
