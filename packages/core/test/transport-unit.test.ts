import { describe, expect, it } from 'vitest';
import { VersionReader, makeIdentification, parseIdentification } from '../src/transport/version.ts';
import { OutputBuffer, PacketOpener, PacketSealer, type DirectOpenCipher, type DirectSealCipher } from '../src/transport/packets.ts';
import type { PacketCipher } from '@seashell/kernel';
import { buildKexinit, guessWasRight, negotiate, parseKexinit } from '../src/transport/kexinit.ts';
import { DisconnectReason, ProtocolError } from '../src/wire/index.ts';
import { Debug, Kexinit } from '../src/messages/index.ts';
import { MAX_PRE_VERSION_LINES } from '../src/limits.ts';
import { refChaCha, refCtr, refGcm } from './support/ref-ciphers.ts';
import { Pair, acceptingServer } from './support/harness.ts';
import { rawSend, transportOf } from './support/inject.ts';
import { Prng } from './support/prng.ts';

const enc = (s: string) => new TextEncoder().encode(s);

describe('version exchange (RFC 4253 §4.2)', () => {
  it('parses SSH-2.0 and SSH-1.99, with and without comments, in any split', () => {
    const r = new VersionReader('client');
    const bytes = enc('SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\nBINARY');
    let got;
    for (const b of bytes) got ??= r.push(new Uint8Array([b]));
    expect(got!.identification).toMatchObject({ protocol: '2.0', software: 'OpenSSH_9.6p1', comments: 'Ubuntu-3ubuntu13' });
    expect(parseIdentification('SSH-1.99-old').protocol).toBe('1.99');
  });

  it('returns the bytes after the line (the first packet)', () => {
    const r = new VersionReader('server');
    const out = r.push(enc('SSH-2.0-x\nREST'))!;
    expect(new TextDecoder().decode(out.rest)).toBe('REST');
  });

  it('a client accepts lines before the identification, bounded in number', () => {
    const r = new VersionReader('client');
    expect(r.push(enc('hello\r\nwelcome\r\nSSH-2.0-srv\r\n'))!.identification.software).toBe('srv');
    expect(r.preamble).toEqual(['hello', 'welcome']);
    const many = new VersionReader('client');
    expect(() => many.push(enc('x\n'.repeat(MAX_PRE_VERSION_LINES + 1)))).toThrow(/more than 50 lines/);
    expect(() => new VersionReader('client').push(enc('y'.repeat(5000)))).toThrow(/longer than/);
  });

  it('a server refuses anything but an identification first', () => {
    expect(() => new VersionReader('server').push(enc('GET / HTTP/1.1\r\n'))).toThrow(ProtocolError);
  });

  it('the identification line is at most 255 bytes, printable, and version 2.0 or 1.99', () => {
    expect(() => new VersionReader('client').push(enc('SSH-2.0-' + 'a'.repeat(250) + '\r\n'))).toThrow(/longer than 255/);
    expect(() => new VersionReader('client').push(enc('SSH-2.0-' + 'a'.repeat(260)))).toThrow(/longer than 255/);
    for (const bad of ['SSH-1.5-old\r\n', 'SSH-2.0-\r\n', 'SSH-2.0-a\0b\r\n', 'SSH-3.0-x\r\n']) {
      let err: unknown;
      try {
        new VersionReader('client').push(enc(bad));
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(ProtocolError);
      expect((err as ProtocolError).reason).toBe(DisconnectReason.PROTOCOL_VERSION_NOT_SUPPORTED);
    }
  });

  it('our identification is checked', () => {
    expect(makeIdentification('Seashell_0.1.0')).toBe('SSH-2.0-Seashell_0.1.0');
    expect(() => makeIdentification('has space')).toThrow(TypeError);
    expect(() => makeIdentification('a-b')).toThrow(TypeError);
  });
});

/**
 * A cipher with the transport's direct paths (as packages/node's node:crypto AES-GCM has them),
 * made from an in-place one: packets of at least `min` bytes are opened from where they lie into
 * a new buffer and sealed into the output block; smaller ones take the in-place calls.
 */
function withDirectPaths(c: PacketCipher, min: number): PacketCipher & DirectOpenCipher & DirectSealCipher {
  return Object.assign(Object.create(c) as PacketCipher, {
    openFrom(seq: number, src: Uint8Array, pos: number, packetLen: number): Uint8Array | false | null {
      if (packetLen < min) return null;
      const before = src.slice(pos, pos + packetLen + c.macLength);
      c.ioView.set(src.subarray(pos, pos + packetLen + c.macLength));
      const ok = c.open(seq, packetLen);
      expect(src.subarray(pos, pos + packetLen + c.macLength)).toEqual(before);
      return ok ? c.ioView.slice(4, packetLen) : false;
    },
    sealTo(seq: number, packetLen: number, dst: Uint8Array, at: number): boolean {
      if (packetLen < min) return false;
      c.seal(seq, packetLen);
      dst.set(c.ioView.subarray(0, packetLen + c.macLength), at);
      c.ioView.fill(0xa5, 0, packetLen + c.macLength); // ioView's contents are unspecified afterwards
      return true;
    },
  });
}

describe('binary packet protocol (RFC 4253 §6)', () => {
  const keys = (n: number) => ({ key: new Uint8Array(n).fill(1), iv: new Uint8Array(16).fill(2) });
  const ciphers = {
    none: () => null,
    chacha: () => refChaCha(keys(64)),
    gcm: () => refGcm('aes128-gcm@openssh.com')(keys(16)),
    ctrEtm: () => refCtr('aes128-ctr')({ ...keys(16), mac: { spec: { name: 'hmac-sha2-256-etm@openssh.com', keyLength: 32, etm: true }, key: new Uint8Array(32).fill(3) } }),
    ctrEam: () => refCtr('aes128-ctr')({ ...keys(16), mac: { spec: { name: 'hmac-sha2-512', keyLength: 64, etm: false }, key: new Uint8Array(64).fill(3) } }),
    gcmDirect: () => withDirectPaths(refGcm('aes128-gcm@openssh.com')(keys(16)), 40),
  };

  for (const name of ['chacha', 'gcmDirect'] as const) {
    it(`${name}: bulk-sized packets in any split, with the receiver stopping and resuming; direct payloads are owned`, () => {
      const out = new OutputBuffer(4096);
      const rng = new Prng(7 + name.length);
      const sealer = new PacketSealer(out, rng.source());
      const opener = new PacketOpener();
      opener.lendChannelData = true;
      sealer.setCipher(ciphers[name]());
      opener.setCipher(ciphers[name]());
      // CHANNEL_DATA-like payloads (type 94) of many sizes, some tiny, some several KiB
      const payloads = Array.from({ length: 60 }, (_, i) => {
        const p = rng.bytes(i % 7 === 0 ? rng.range(1, 30) : rng.range(200, 5000));
        p[0] = 94;
        return p;
      });
      const wire: number[] = [];
      for (const p of payloads) {
        sealer.sealPayload(p);
        for (let b; (b = out.take()); ) wire.push(...b);
      }
      const bytes = Uint8Array.from(wire);
      const got: Uint8Array[] = [];
      let stops = 0;
      const onPacket = (p: Uint8Array, _seq: number, lent: boolean) => {
        if (name === 'gcmDirect' && p.length > 40) expect(lent).toBe(false);
        got.push(p.slice());
        if (rng.range(0, 9) === 0) {
          stops++;
          return false; // the rest stays buffered until the next feed
        }
        return true;
      };
      for (let off = 0; off < bytes.length; ) {
        const n = Math.min(bytes.length - off, rng.range(1, 9000));
        opener.feed(bytes.slice(off, off + n), onPacket);
        off += n;
      }
      for (let i = 0; i < 200 && opener.buffered > 0; i++) opener.feed(new Uint8Array(0), onPacket);
      expect(stops).toBeGreaterThan(0);
      expect(opener.buffered).toBe(0);
      expect(got).toEqual(payloads);
    });
  }

  it('gcmDirect: a corrupted bulk packet opened from where it lies is a MAC error', () => {
    const out = new OutputBuffer();
    const sealer = new PacketSealer(out, new Prng(2).source());
    sealer.setCipher(ciphers.gcmDirect());
    const opener = new PacketOpener();
    opener.setCipher(ciphers.gcmDirect());
    sealer.sealPayload(new Uint8Array(500).fill(94));
    const wire = out.take()!;
    wire[300] ^= 1;
    expect(() => opener.feed(wire, () => true)).toThrow(expect.objectContaining({ reason: DisconnectReason.MAC_ERROR }));
  });

  for (const [name, make] of Object.entries(ciphers)) {
    it(`${name}: payloads of every small size round-trip in any split; padding is 4+ random bytes to the block; seq wraps`, () => {
      const out = new OutputBuffer(16);
      const rng = new Prng(name.length);
      const sealer = new PacketSealer(out, rng.source());
      const opener = new PacketOpener();
      const sc = make();
      const oc = make();
      if (sc) sealer.setCipher(sc);
      if (oc) opener.setCipher(oc);
      sealer.seq = opener.seq = 0xfffffff0;
      const payloads = Array.from({ length: 40 }, (_, i) => rng.bytes(i + 1));
      for (const p of payloads) sealer.sealPayload(p);
      const blocks: Uint8Array[] = [];
      for (let b; (b = out.take()); ) blocks.push(b);
      const wire = new Uint8Array(blocks.reduce((n, b) => n + b.length, 0));
      blocks.reduce((o, b) => (wire.set(b, o), o + b.length), 0);
      const got: Uint8Array[] = [];
      const seqs: number[] = [];
      for (let off = 0; off < wire.length; ) {
        const n = Math.min(wire.length - off, rng.range(1, 60));
        opener.feed(wire.subarray(off, off + n), (p, seq) => (got.push(p), seqs.push(seq), true));
        off += n;
      }
      expect(got).toEqual(payloads);
      expect(seqs[16]).toBe(0);
      expect(opener.seq).toBe((0xfffffff0 + 40) >>> 0);
      if (!sc) {
        // cleartext: check the framing directly
        const len = new DataView(wire.buffer, wire.byteOffset).getUint32(0);
        expect((4 + len) % 8).toBe(0);
        expect(wire[4]).toBeGreaterThanOrEqual(4);
      }
    });
  }

  it('a corrupted packet is a MAC error', () => {
    const out = new OutputBuffer();
    const sealer = new PacketSealer(out, new Prng(1).source());
    sealer.setCipher(ciphers.chacha());
    const opener = new PacketOpener();
    opener.setCipher(ciphers.chacha());
    sealer.sealPayload(new Uint8Array([2, 0, 0, 0, 0]));
    const wire = out.take()!;
    wire[10] ^= 1;
    let err: unknown;
    try {
      opener.feed(wire, () => true);
    } catch (e) {
      err = e;
    }
    expect((err as ProtocolError).reason).toBe(DisconnectReason.MAC_ERROR);
  });
});

describe('KEXINIT negotiation (RFC 4253 §7.1)', () => {
  const lists = (kex: string[], cipher: string[], mac = ['hmac-sha2-256']) => ({ kex, hostKey: ['ssh-ed25519', 'rsa-sha2-512'], cipher, mac, compression: ['none'] });
  const fields = (l: ReturnType<typeof lists>, markers: string[] = []) => parseKexinit(buildKexinit(l, new Uint8Array(16), markers));

  it("picks the client's first algorithm that the server also has, ignoring markers", () => {
    const c = fields(lists(['a', 'b', 'c'], ['x', 'y']), ['ext-info-c', 'kex-strict-c-v00@openssh.com']);
    const s = fields(lists(['kex-strict-c-v00@openssh.com', 'c', 'b'], ['y', 'x']), ['kex-strict-s-v00@openssh.com']);
    const n = negotiate(c, s, () => false);
    expect(n).toMatchObject({ kex: 'b', cipherClientToServer: 'x', macClientToServer: 'hmac-sha2-256', hostKey: 'ssh-ed25519' });
  });

  it('AEAD ciphers need no MAC; no common algorithm names the category', () => {
    const c = fields(lists(['a'], ['gcm'], ['m1']));
    const s = fields(lists(['a'], ['gcm'], ['m2']));
    expect(negotiate(c, s, (x) => x === 'gcm').macClientToServer).toBeNull();
    let err: unknown;
    try {
      negotiate(c, s, () => false);
    } catch (e) {
      err = e;
    }
    expect((err as ProtocolError).message).toMatch(/no common client-to-server MAC algorithm/);
    expect((err as ProtocolError).reason).toBe(DisconnectReason.KEY_EXCHANGE_FAILED);
  });

  it('a guess is right only when the first kex and host key algorithms agree', () => {
    expect(guessWasRight(fields(lists(['a', 'b'], ['x'])), fields(lists(['a'], ['x'])))).toBe(true);
    expect(guessWasRight(fields(lists(['b', 'a'], ['x'])), fields(lists(['a', 'b'], ['x'])))).toBe(false);
  });
});

describe('transport messages end to end', () => {
  function guessing(clientKex: string[], serverKex: string[]) {
    const pair = new Pair({ seed: 150, client: { algorithms: { kex: clientKex } }, server: { algorithms: { kex: serverKex } }, onServer: acceptingServer() });
    // Rewrite the client's first KEXINIT to claim a guessed packet follows, and send a bogus one.
    const t = transportOf(pair.client) as unknown as { kex: { ourKexinit: Uint8Array; ourFields: unknown } };
    const k = Kexinit.decode(t.kex.ourKexinit);
    const flagged = Kexinit.encode({ ...k, firstKexPacketFollows: true });
    t.kex.ourKexinit = flagged;
    t.kex.ourFields = Kexinit.decode(flagged);
    pair.client.pollTransmit(); // drop what was queued: version + original KEXINIT
    const version = new TextEncoder().encode('SSH-2.0-Seashell_0.1.0\r\n');
    pair.server.receive(version);
    rawSend(pair.client, flagged);
    rawSend(pair.client, new Uint8Array([30, 0, 0, 0, 3, 1, 2, 3]));
    pair.server.receive(pair.client.pollTransmit()!);
    return pair.run();
  }

  it('first_kex_packet_follows with a wrong guess: the guessed packet is ignored', () => {
    const pair = guessing(['curve25519-sha256@libssh.org', 'curve25519-sha256'], ['curve25519-sha256', 'curve25519-sha256@libssh.org']);
    expect(pair.client.authenticated).toBe(true);
    expect(pair.client.algorithms!.kex).toBe('curve25519-sha256@libssh.org');
  });

  it('first_kex_packet_follows with a right guess: the guessed packet is used (here: rejected as malformed)', () => {
    const pair = guessing(['curve25519-sha256'], ['curve25519-sha256']);
    expect(pair.server.closed).toBe(true);
    expect(pair.events('server', 'disconnected')[0].description).toMatch(/curve25519-sha256/);
  });

  it('DISCONNECT both ways carries reason and description', () => {
    const pair = new Pair({ seed: 151, onServer: acceptingServer() }).run();
    pair.client.disconnect('bye now');
    pair.run();
    expect(pair.events('client', 'disconnected')[0]).toMatchObject({ byPeer: false, reason: DisconnectReason.BY_APPLICATION, description: 'bye now' });
    expect(pair.events('server', 'disconnected')[0]).toMatchObject({ byPeer: true, reason: DisconnectReason.BY_APPLICATION, description: 'bye now' });
    expect(pair.client.pollEvent()).toBeUndefined();
    pair.client.receive(new Uint8Array(100)); // ignored after the end
    expect(pair.client.pollEvent()).toBeUndefined();
  });

  it('DEBUG reaches the application; IGNORE is dropped', () => {
    const pair = new Pair({ seed: 152, onServer: acceptingServer() }).run();
    rawSend(pair.server, Debug.encode({ alwaysDisplay: true, message: 'hello', language: '' }));
    pair.server.sendIgnore(new Uint8Array(10));
    pair.run();
    expect(pair.events('client', 'debug')).toEqual([{ type: 'debug', message: 'hello', alwaysDisplay: true }]);
    expect(pair.client.closed).toBe(false);
  });

  it('the peer identification is exposed', () => {
    const pair = new Pair({ seed: 153, onServer: acceptingServer() }).run();
    expect(pair.client.peerIdentification!.software).toBe('Seashell_0.1.0');
  });
});

describe('hot paths match the codec', () => {
  it('CHANNEL_DATA / EXTENDED_DATA written straight into the packet equal the schema encoding', async () => {
    const { ChannelData, ChannelExtendedData } = await import('../src/messages/index.ts');
    const pair = new Pair({ seed: 160, onServer: acceptingServer() }).run();
    const sealer = (transportOf(pair.client) as unknown as { sealer: { seal(n: number, fill: (t: Uint8Array, o: number) => void): void } }).sealer;
    const seen: Uint8Array[] = [];
    const orig = sealer.seal.bind(sealer);
    sealer.seal = (n, fill) => {
      const tmp = new Uint8Array(n);
      fill(tmp, 0);
      seen.push(tmp);
      orig(n, fill);
    };
    const data = new Uint8Array([1, 2, 3, 250]);
    transportOf(pair.client).sendChannelData(7, data);
    transportOf(pair.client).sendChannelData(0xfffffffe, data, 1);
    expect(seen[0]).toEqual(ChannelData.encode({ recipient: 7, data }));
    expect(seen[1]).toEqual(ChannelExtendedData.encode({ recipient: 0xfffffffe, dataType: 1, data }));
  });

  it('receive() refuses what is not bytes (an application error, not peer input)', () => {
    const pair = new Pair({ seed: 161 });
    expect(() => pair.client.receive('x' as never)).toThrow(TypeError);
    expect(pair.client.closed).toBe(false);
  });
});
