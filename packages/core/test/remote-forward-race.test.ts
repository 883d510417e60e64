// tcpip-forward (RFC 4254 §7.1) race: the server may accept a connection on the new listener and
// open its forwarded-tcpip channel in the same read as its REQUEST_SUCCESS. The client must
// already know the forward by then (also when it asked for port 0 and learns the port only from
// that answer); before the fix it refused such a channel with "no forwarding was requested".
import { describe, expect, it } from 'vitest';
import { byteStreamPair, type ByteStream } from '../src/stream.ts';
import { connect } from '../src/client.ts';
import { createServer } from '../src/server.ts';
import { generateKey } from '../src/keys/index.ts';
import type { Listener, NetFactory, StreamPeer } from '../src/forwarding.ts';
import { testRegistry } from './support/harness.ts';

const FAST = { kex: ['curve25519-sha256'], cipher: ['aes128-gcm@openssh.com'] };
const hostKey = generateKey({ type: 'ed25519' });
const enc = new TextEncoder();
const dec = new TextDecoder();

/** A TCP factory whose listener is dialled by a "program" the moment it is bound. */
class EagerNet implements NetFactory {
  early: Promise<string> | undefined;
  async connect(): Promise<ByteStream> {
    throw new Error('no outgoing TCP here');
  }
  async listen(_host: string, port: number, onStream: (s: ByteStream, peer: StreamPeer) => void): Promise<Listener> {
    const bound = port === 0 ? 40123 : port;
    // A program connects as soon as the listener exists: two microtasks after listen()
    // returns, which puts the server's CHANNEL_OPEN right behind its REQUEST_SUCCESS, before the
    // client's forwardRemote has resumed (checked: the old client refuses this channel).
    let hops = 2;
    const dial = () => {
      if (hops-- > 0) return queueMicrotask(dial);
      const [a, b] = byteStreamPair();
      onStream(b, { address: '127.0.0.1', port: 50000 });
      this.early = roundTrip(a, 'early bird');
    };
    queueMicrotask(dial);
    return { port: bound, close: () => {} };
  }
}

function roundTrip(s: ByteStream, text: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const t = setTimeout(() => reject(new Error(`no end within ${timeoutMs} ms; got ${JSON.stringify(got)}`)), timeoutMs);
    const done = () => {
      clearTimeout(t);
      resolve(got);
    };
    s.start({ data: (d) => (got += dec.decode(d)), drain: () => {}, end: done, close: done });
    s.write([enc.encode(text)]);
    s.end();
  });
}

function upperEcho(): ByteStream {
  const [x, y] = byteStreamPair();
  y.start({ data: (d) => void y.write([enc.encode(dec.decode(d).toUpperCase())]), drain: () => {}, end: () => y.end(), close: () => {} });
  return x;
}

describe('client.forwardRemote: a connection that arrives with the answer', () => {
  for (const port of [2222, 0]) {
    it(`is forwarded (bindPort ${port})`, async () => {
      const net = new EagerNet();
      const srv = createServer({ hostKeys: [hostKey], registry: testRegistry, algorithms: FAST, methods: ['password'], authenticate: () => true, net, forwarding: { remote: true } });
      const [a, b] = byteStreamPair();
      srv.accept(b);
      const client = await connect({ stream: a, host: 'test', username: 'u', password: 'p', hostVerifier: () => true, registry: testRegistry, algorithms: FAST });
      const seen: number[] = [];
      const fwd = await client.forwardRemote({ bindHost: '127.0.0.1', bindPort: port }, (c) => {
        seen.push(c.bindPort);
        return upperEcho();
      });
      expect(fwd.bindPort).toBe(port === 0 ? 40123 : port);
      expect(await net.early).toBe('EARLY BIRD');
      expect(seen).toEqual([fwd.bindPort]);
      await client.close();
    });
  }
});
