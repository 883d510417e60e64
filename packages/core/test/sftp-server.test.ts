// The SFTP server driven with raw packets: handshake rules, BAD_MESSAGE / OP_UNSUPPORTED replies,
// its bounds (handles, admitted requests, queued input and output), request ordering on the same
// file; and the client's defences against a misbehaving server.
import { describe, expect, it } from 'vitest';
import { ProtocolError, SftpError, SshWriter } from '../src/wire/index.ts';
import {
  FXP,
  type FileSystem,
  type FsFile,
  MemoryFileSystem,
  PacketFramer,
  SftpClient,
  SftpServer,
  type SftpMessage,
  SftpStatus,
  decodePacket,
  encodePacket,
} from '../src/sftp/index.ts';
import { connect, delayed } from './sftp-harness.ts';

const te = new TextEncoder();
const td = new TextDecoder();

/** A server fed raw packets; replies decoded as they come out. */
function raw(fs: FileSystem = new MemoryFileSystem(), options: ConstructorParameters<typeof SftpServer>[1] = {}) {
  const consumed: number[] = [];
  const server = new SftpServer(fs, { ...options, onInputConsumed: (n) => consumed.push(n) });
  const framer = new PacketFramer(1 << 20);
  const replies: SftpMessage[] = [];
  const drain = () => {
    for (let b = server.pollTransmit(); b; b = server.pollTransmit()) framer.push(b, (p) => replies.push(decodePacket(p)));
  };
  const send = (m: SftpMessage | Uint8Array) => server.receive(m instanceof Uint8Array ? m : encodePacket(m));
  const settle = async () => {
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 0));
      drain();
    }
  };
  return { server, send, replies, drain, settle, consumed };
}

const INIT: SftpMessage = { type: FXP.INIT, version: 3, extensions: [] };
const packet = (body: number[] | Uint8Array) => {
  const b = body instanceof Uint8Array ? body : new Uint8Array(body);
  return new SshWriter().uint32(b.length).raw(b).finish();
};

describe('SFTP server handshake', () => {
  it('answers INIT with VERSION 3 (even to a client offering a higher version)', async () => {
    const r = raw();
    r.send({ type: FXP.INIT, version: 6, extensions: [{ name: 'x', data: 'y' }] });
    r.drain();
    expect(r.replies[0]).toMatchObject({ type: FXP.VERSION, version: 3 });
  });

  it('a request before INIT, a second INIT, an old version, a VERSION from the client: ProtocolError', () => {
    expect(() => raw().send({ type: FXP.STAT, id: 1, path: '/' })).toThrow(/expected INIT, got STAT/);
    const r = raw();
    r.send(INIT);
    expect(() => r.send(INIT)).toThrow(/INIT after the handshake/);
    expect(() => r.send(INIT)).toThrow(ProtocolError); // stays failed
    expect(() => raw().send({ type: FXP.INIT, version: 2, extensions: [] })).toThrow(/version 2/);
    const v = raw();
    v.send(INIT);
    expect(() => v.send({ type: FXP.VERSION, version: 3, extensions: [] })).toThrow(/VERSION after the handshake/);
  });

  it('a packet too short for a request id is a ProtocolError', () => {
    const r = raw();
    r.send(INIT);
    expect(() => r.send(packet([FXP.STAT, 0, 0]))).toThrow(/too short/);
  });
});

describe('SFTP server replies to bad requests and keeps going', () => {
  it('unknown type -> OP_UNSUPPORTED; a reply type -> BAD_MESSAGE; a malformed body -> BAD_MESSAGE; all with the id', async () => {
    const r = raw();
    r.send(INIT);
    r.send(packet([99, 0, 0, 0, 7, 1, 2, 3]));
    r.send(packet([FXP.STATUS, 0, 0, 0, 8, 0, 0, 0, 0]));
    r.send(packet([FXP.OPEN, 0, 0, 0, 9, 0, 0, 0, 50, 1])); // path length past the end
    r.send(packet([FXP.CLOSE, 0, 0, 0, 10, 0, 0, 0, 1, 65, 66])); // trailing byte
    r.send({ type: FXP.STAT, id: 11, path: '/' });
    await r.settle();
    const byId = new Map(r.replies.filter((m) => 'id' in m).map((m) => [(m as { id: number }).id, m]));
    expect(byId.get(7)).toMatchObject({ type: FXP.STATUS, code: SftpStatus.OP_UNSUPPORTED });
    expect(byId.get(8)).toMatchObject({ type: FXP.STATUS, code: SftpStatus.BAD_MESSAGE });
    expect(byId.get(9)).toMatchObject({ type: FXP.STATUS, code: SftpStatus.BAD_MESSAGE });
    expect(byId.get(10)).toMatchObject({ type: FXP.STATUS, code: SftpStatus.BAD_MESSAGE });
    expect(byId.get(11)).toMatchObject({ type: FXP.ATTRS });
  });

  it('OPEN with neither READ nor WRITE opens read-only (as OpenSSH); an unknown handle is FAILURE', async () => {
    const fs = new MemoryFileSystem();
    const r = raw(fs);
    r.send(INIT);
    r.send({ type: FXP.OPEN, id: 1, path: '/x', pflags: 0x08, attrs: {} });
    r.send({ type: FXP.READ, id: 2, handle: te.encode('nope'), offset: 0, length: 10 });
    r.send({ type: FXP.FSTAT, id: 3, handle: te.encode('nope') });
    await r.settle();
    expect(r.replies[1].type).toBe(FXP.HANDLE);
    expect(fs.exists('/x')).toBe(true);
    const h = (r.replies[1] as { handle: Uint8Array }).handle;
    r.send({ type: FXP.WRITE, id: 4, handle: h, offset: 0, data: te.encode('no') });
    await r.settle();
    expect(r.replies.slice(2).map((m) => (m as { code?: number }).code)).toEqual([SftpStatus.FAILURE, SftpStatus.FAILURE, SftpStatus.PERMISSION_DENIED]);
  });

  it('a READ longer than max-read-length is served short, as OpenSSH does', async () => {
    const fs = new MemoryFileSystem();
    fs.writeFile('/f', new Uint8Array(100_000));
    const r = raw(fs, { maxReadLength: 4096 });
    r.send(INIT);
    r.send({ type: FXP.OPEN, id: 1, path: '/f', pflags: 1, attrs: {} });
    await r.settle();
    const h = (r.replies[1] as { handle: Uint8Array }).handle;
    r.send({ type: FXP.READ, id: 2, handle: h, offset: 0, length: 60_000 });
    await r.settle();
    expect((r.replies[2] as { data: Uint8Array }).data.length).toBe(4096);
  });

  it('backend errors map to status codes; messages of non-SftpError errors never reach the client', async () => {
    const base = new MemoryFileSystem();
    const fs = Object.create(base) as FileSystem;
    fs.stat = async (p) => {
      const e = new Error(`ENOENT: no such file or directory, stat '/real/secret/root${p}'`) as Error & { code: string };
      e.code = p === '/eacces' ? 'EACCES' : p === '/weird' ? 'EWEIRD' : 'ENOENT';
      throw e;
    };
    fs.lstat = async () => {
      throw new TypeError('boom at /real/secret/root');
    };
    const r = raw(fs);
    r.send(INIT);
    r.send({ type: FXP.STAT, id: 1, path: '/x' });
    r.send({ type: FXP.STAT, id: 2, path: '/eacces' });
    r.send({ type: FXP.STAT, id: 3, path: '/weird' });
    r.send({ type: FXP.LSTAT, id: 4, path: '/y' });
    await r.settle();
    const st = r.replies.slice(1) as { code: number; message: string }[];
    expect(st.map((s) => s.code)).toEqual([SftpStatus.NO_SUCH_FILE, SftpStatus.PERMISSION_DENIED, SftpStatus.FAILURE, SftpStatus.FAILURE]);
    for (const s of st) expect(s.message).not.toContain('secret');
  });
});

describe('SFTP server bounds', () => {
  it('refuses handles past maxHandles with FAILURE, and limits@openssh.com says so', async () => {
    const pair = connect(new MemoryFileSystem(), { server: { maxHandles: 3 } });
    const c = pair.client;
    expect((await c.limits()).maxOpenHandles).toBe(3);
    const hs = await Promise.all([c.open('/a', 'w'), c.open('/b', 'w'), c.opendir('/')]);
    const e = await c.open('/d', 'w').catch((x) => x);
    expect(e).toBeInstanceOf(SftpError);
    expect(e.code).toBe(SftpStatus.FAILURE);
    expect(e.message).toMatch(/too many open handles/);
    await c.close(hs[0]);
    await c.close(await c.open('/d', 'w'));
    pair.cut();
  });

  it('admits at most maxInFlight requests; the rest wait as unconsumed input until replies go out', async () => {
    const base = new MemoryFileSystem();
    const gates: (() => void)[] = [];
    const fs = Object.create(base) as FileSystem;
    fs.stat = (p) => new Promise((res) => gates.push(() => res(base.stat(p))));
    const r = raw(fs, { maxInFlight: 4 });
    r.send(INIT);
    const consumedAfterInit = r.consumed.length;
    for (let i = 1; i <= 20; i++) r.send({ type: FXP.STAT, id: i, path: '/' });
    await r.settle();
    expect(r.server.inFlight).toBe(4);
    expect(gates.length).toBe(4);
    expect(r.consumed.length - consumedAfterInit).toBe(4); // only admitted packets count as consumed
    const statLen = encodePacket({ type: FXP.STAT, id: 1, path: '/' }).length;
    expect(r.server.bufferedInput).toBe(16 * statLen);
    while (gates.length) {
      gates.shift()!();
      await r.settle();
      expect(r.server.inFlight).toBeLessThanOrEqual(4);
    }
    expect(r.replies.length).toBe(21);
    expect(r.server.bufferedInput).toBe(0);
    expect(r.consumed.reduce((a, b) => a + b, 0)).toBe(encodePacket(INIT).length + 20 * statLen);
  });

  it('pauses admission while replies wait untransmitted (maxQueuedOutput)', async () => {
    const fs = new MemoryFileSystem();
    fs.writeFile('/f', new Uint8Array(200_000));
    const server = new SftpServer(fs, { maxQueuedOutput: 100_000 });
    server.receive(encodePacket(INIT));
    server.receive(encodePacket({ type: FXP.OPEN, id: 1, path: '/f', pflags: 1, attrs: {} }));
    await server.idle();
    const framer = new PacketFramer(1 << 20);
    const out: SftpMessage[] = [];
    const pull = () => {
      for (let b = server.pollTransmit(); b; b = server.pollTransmit()) framer.push(b, (p) => out.push(decodePacket(p)));
    };
    pull();
    const h = (out[1] as { handle: Uint8Array }).handle;
    for (let i = 0; i < 10; i++) server.receive(encodePacket({ type: FXP.READ, id: 10 + i, handle: h, offset: 0, length: 60_000 }));
    await new Promise((r) => setTimeout(r, 5));
    // replies promised to admitted READs count against the bound: only two are admitted
    expect(server.inFlight + out.length).toBeLessThanOrEqual(4);
    expect(server.transmitPending).toBeLessThan(100_000 + 60_100);
    expect(server.bufferedInput).toBeGreaterThan(0);
    for (let i = 0; i < 20; i++) {
      pull();
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(out.filter((m) => m.type === FXP.DATA).length).toBe(10);
  });

  it('a client ignoring flow control past maxQueuedInput is a ProtocolError', () => {
    const base = new MemoryFileSystem();
    const fs = Object.create(base) as FileSystem;
    fs.stat = () => new Promise(() => {});
    const server = new SftpServer(fs, { maxInFlight: 1, maxQueuedInput: 262144 });
    server.receive(encodePacket(INIT));
    const big = encodePacket({ type: FXP.STAT, id: 1, path: 'x'.repeat(60_000) });
    expect(() => {
      for (let i = 0; i < 10; i++) server.receive(big);
    }).toThrow(/flow control ignored/);
  });

  it('closing the session closes every open handle in the backend', async () => {
    let closes = 0;
    const base = new MemoryFileSystem();
    const fs = Object.create(base) as FileSystem;
    fs.open = async (p, f, a) => {
      const file = await base.open(p, f, a);
      return { ...file, stat: () => file.stat(), close: async () => void closes++ } as FsFile;
    };
    const pair = connect(fs);
    await pair.client.open('/a', 'w');
    await pair.client.open('/b', 'w');
    await pair.server.close();
    expect(closes).toBe(2);
    expect(pair.server.handleCount).toBe(0);
  });
});

describe('SFTP server request ordering (draft-02: same file, as if one at a time)', () => {
  it('pipelined WRITE then READ of an overlapping range sees the write, even with random backend delays', async () => {
    for (let seed = 1; seed <= 5; seed++) {
      const fs = new MemoryFileSystem();
      fs.writeFile('/f', 'aaaaaaaaaa');
      const pair = connect(delayed(fs, seed, 3), { seed });
      const c = pair.client;
      const h = await c.open('/f', 'r+');
      const w1 = c.write(h, 0, te.encode('bbbb'));
      const w2 = c.write(h, 2, te.encode('cc'));
      const rd = c.read(h, 0, 10);
      const st = c.fstat(h);
      const w3 = c.write(h, 8, te.encode('dd'));
      const cl = c.close(h);
      await Promise.all([w1, w2, w3, cl]);
      expect(td.decode((await rd)!)).toBe('bbccaaaaaa');
      expect((await st).size).toBe(10);
      expect(td.decode(fs.readFile('/f')!)).toBe('bbccaaaadd');
      pair.cut();
    }
  });

  it('pipelined MKDIR then OPEN inside it, RENAME then STAT: path operations keep their order', async () => {
    const fs = new MemoryFileSystem();
    const pair = connect(delayed(fs, 9, 3));
    const c = pair.client;
    const results = await Promise.all([c.mkdir('/d'), c.open('/d/f', 'w'), c.rename('/d', '/e'), c.stat('/e/f'), c.stat('/d').catch((e) => e.code)]);
    expect(results[4]).toBe(SftpStatus.NO_SUCH_FILE);
    expect(fs.exists('/e/f')).toBe(true);
    pair.cut();
  });
});

describe('SFTP client defences against a misbehaving server', () => {
  function client() {
    const c = new SftpClient();
    c.pollTransmit(); // INIT
    return c;
  }
  const version = encodePacket({ type: FXP.VERSION, version: 3, extensions: [] });

  it('a first packet other than VERSION, or another version, fails the session', async () => {
    const a = client();
    expect(() => a.receive(encodePacket({ type: FXP.STATUS, id: 0, code: 0, message: '', language: '' }))).toThrow(/expected VERSION/);
    await expect(a.ready).rejects.toThrow(ProtocolError);
    const b = client();
    expect(() => b.receive(encodePacket({ type: FXP.VERSION, version: 4, extensions: [] }))).toThrow(/version 4/);
  });

  it('a reply to an unknown id, a DATA longer than asked, a wrong reply type: ProtocolError, all requests fail', async () => {
    const a = client();
    a.receive(version);
    expect(() => a.receive(encodePacket({ type: FXP.STATUS, id: 77, code: 0, message: '', language: '' }))).toThrow(/unknown request id 77/);

    const b = client();
    b.receive(version);
    const pending = b.read(new (await import('../src/sftp/client.ts')).SftpHandle(new Uint8Array([1]), '/f', 'file'), 0, 10);
    const other = b.stat('/');
    expect(() => b.receive(encodePacket({ type: FXP.DATA, id: 0, data: new Uint8Array(11) }))).toThrow(/READ of 10 bytes answered with 11/);
    await expect(pending).rejects.toThrow(ProtocolError);
    await expect(other).rejects.toThrow(ProtocolError);

    const c = client();
    c.receive(version);
    const st = c.stat('/');
    expect(() => c.receive(encodePacket({ type: FXP.HANDLE, id: 0, handle: new Uint8Array(1) }))).toThrow(/stat expects ATTRS or STATUS, got HANDLE/);
    await expect(st).rejects.toThrow(ProtocolError);
  });

  it('a request from the server is a ProtocolError; an oversized packet too', () => {
    const a = client();
    a.receive(version);
    expect(() => a.receive(encodePacket({ type: FXP.STAT, id: 0, path: '/' }))).toThrow(/unexpected STAT/);
    const b = client();
    expect(() => b.receive(new Uint8Array([0x00, 0x10, 0x00, 0x00]))).toThrow(/over the 262144-byte limit/);
  });

  it('a NAME with other than one entry for realpath fails just that call', async () => {
    const a = client();
    a.receive(version);
    const p = a.realpath('.');
    a.receive(encodePacket({ type: FXP.NAME, id: 0, names: [] }));
    const e = await p.catch((x) => x);
    expect(e).toBeInstanceOf(SftpError);
    expect(e.code).toBe(SftpStatus.BAD_MESSAGE);
    expect(a.closed).toBe(false);
  });

  it('maxOutstanding: calls past it wait for a slot instead of growing the table', async () => {
    const a = new SftpClient({ maxOutstanding: 2 });
    a.pollTransmit();
    a.receive(version);
    const ps = [a.stat('/1'), a.stat('/2'), a.stat('/3')];
    await new Promise((r) => setTimeout(r, 0));
    expect(a.outstanding).toBe(2);
    a.receive(encodePacket({ type: FXP.ATTRS, id: 0, attrs: {} }));
    await new Promise((r) => setTimeout(r, 0));
    expect(a.outstanding).toBe(2);
    a.receive(encodePacket({ type: FXP.ATTRS, id: 1, attrs: {} }));
    a.receive(encodePacket({ type: FXP.ATTRS, id: 2, attrs: { size: 3 } }));
    expect((await Promise.all(ps))[2]).toEqual({ size: 3 });
  });

  it('regression: requests held back (before VERSION, past maxOutstanding) still go out in call order', async () => {
    const fs = new MemoryFileSystem();
    const pair = connect(fs, { client: { maxOutstanding: 1 } });
    const c = pair.client;
    // made before VERSION arrives, then past the one-request limit
    const h = await c.open('/f', 'w');
    expect(c.queued).toBe(0);
    const calls = [c.write(h, 0, te.encode('aaaa')), c.write(h, 0, te.encode('bb')), c.write(h, 3, te.encode('z')), c.close(h)];
    expect(c.queued).toBe(3);
    await Promise.all(calls);
    expect(td.decode(fs.readFile('/f')!)).toBe('bbaz');
    const early = new SftpClient();
    const order: string[] = [];
    const ps = ['/1', '/2', '/3'].map((p) => early.stat(p).catch(() => order.push(p)));
    const framer = new PacketFramer(1 << 20);
    const sent: SftpMessage[] = [];
    for (let b = early.pollTransmit(); b; b = early.pollTransmit()) framer.push(b, (p) => sent.push(decodePacket(p)));
    expect(sent.map((m) => m.type)).toEqual([FXP.INIT]); // the rest waits for VERSION
    early.receive(encodePacket({ type: FXP.VERSION, version: 3, extensions: [] }));
    for (let b = early.pollTransmit(); b; b = early.pollTransmit()) framer.push(b, (p) => sent.push(decodePacket(p)));
    expect(sent.slice(1).map((m) => (m as { path: string }).path)).toEqual(['/1', '/2', '/3']);
    early.destroy();
    await Promise.all(ps);
    pair.cut();
  });

  it('owned receive: whole packets are used in place', async () => {
    const a = client();
    a.receive(version, true);
    const p = a.stat('/');
    const buf = encodePacket({ type: FXP.ATTRS, id: 0, attrs: { size: 5 } });
    a.receive(buf, true);
    expect(await p).toEqual({ size: 5 });
  });
});

describe('SFTP fuzzing of the live endpoints', () => {
  it('random and mutated requests after INIT: the server throws only ProtocolError, answers the rest, never hangs', async () => {
    const fc = (await import('fast-check')).default;
    const valid: SftpMessage[] = [
      { type: FXP.OPEN, id: 1, path: '/f', pflags: 0x1a, attrs: { permissions: 0o644 } },
      { type: FXP.OPEN, id: 2, path: '/f', pflags: 1, attrs: {} },
      { type: FXP.READ, id: 3, handle: te.encode('1'), offset: 0, length: 100 },
      { type: FXP.WRITE, id: 4, handle: te.encode('1'), offset: 3, data: te.encode('abc') },
      { type: FXP.OPENDIR, id: 5, path: '/' },
      { type: FXP.READDIR, id: 6, handle: te.encode('2') },
      { type: FXP.CLOSE, id: 7, handle: te.encode('1') },
      { type: FXP.MKDIR, id: 8, path: '/d', attrs: {} },
      { type: FXP.RENAME, id: 9, oldPath: '/d', newPath: '/e' },
      { type: FXP.SYMLINK, id: 10, targetPath: '/e', linkPath: '/l' },
      { type: FXP.EXTENDED, id: 11, request: 'copy-data', data: new Uint8Array(40) },
      { type: FXP.EXTENDED, id: 12, request: 'users-groups-by-id@openssh.com', data: new Uint8Array([0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0]) },
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 })), { minLength: 1, maxLength: 25 }),
        async (plan) => {
          const r = raw(new MemoryFileSystem(), { maxInFlight: 8 });
          r.send(INIT);
          let sent = 0;
          for (const [i, flips] of plan) {
            const p = encodePacket(valid[i]).slice();
            for (const [pos, v] of flips) {
              const at = 4 + (pos % (p.length - 4));
              if (at >= 9) p[at] = v; // keep the length, type and id: those are framing, tested elsewhere
            }
            try {
              r.send(p);
              sent++;
            } catch (e) {
              expect(e).toBeInstanceOf(ProtocolError);
              return;
            }
          }
          await r.settle();
          await r.server.idle();
          r.drain();
          expect(r.replies.length).toBe(sent + 1); // one reply per request, plus VERSION
        },
      ),
      { numRuns: 100, seed: 0x51f7 },
    );
  });

  it('random bytes from a "server": the client throws only ProtocolError and fails its requests', async () => {
    const fc = (await import('fast-check')).default;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 60 }), { maxLength: 10 }), fc.boolean(), async (chunks, versionFirst) => {
        const c = new SftpClient();
        c.pollTransmit();
        if (versionFirst) c.receive(encodePacket({ type: FXP.VERSION, version: 3, extensions: [] }));
        const pending = [c.stat('/a'), c.readdirAll('/'), c.open('/x', 'w')].map((p) => p.then(() => 'ok', (e) => e));
        await new Promise((r) => setTimeout(r, 0));
        for (const ch of chunks) {
          try {
            c.receive(ch);
          } catch (e) {
            expect(e).toBeInstanceOf(ProtocolError);
            break;
          }
        }
        c.destroy();
        for (const out of await Promise.all(pending)) {
          if (out !== 'ok') expect(['ProtocolError', 'SftpError']).toContain((out as Error).name);
        }
      }),
      { numRuns: 300, seed: 0xc11e },
    );
  });
});
