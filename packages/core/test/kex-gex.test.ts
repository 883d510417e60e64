// diffie-hellman-group-exchange-sha256 (RFC 4419): in-memory runs with and without a moduli
// set, a fixed transcript checked against node:crypto, the server's group choice, the client's
// group checks (a group below min is refused), and parseModuli (OpenSSH moduli(5) format).
import { createDiffieHellman, createHash, getDiffieHellman } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeWithPeer } from '../../../test-support/peers.ts';
import { chooseGroup, DH_EXPONENT_BITS, GEX_DEFAULT_SIZES, kexMethods, makeGexMethod, MODP_2048, MODP_3072, MODP_4096, MODP_6144, MODP_8192, parseModuli } from '../src/algorithms/kex/index.ts';
import type { DhGroup, RandomSource } from '../src/algorithms/types.ts';
import { KeyParseError, ProtocolError, SshWriter } from '../src/wire/index.ts';
import { expectAgreement, hex, makePair, runKex, seededRandom, sshMpint, sshMpintFromBytes, sshStr } from './kex-helpers.ts';

const gex = kexMethods['diffie-hellman-group-exchange-sha256'];
const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v);
  return b;
};

/** A moduli(5) line for a group (size field is bits - 1). */
function moduliLine(g: DhGroup, opts: { time?: string; type?: string; tests?: string; tries?: string; size?: string; gen?: string; mod?: string } = {}): string {
  return [opts.time ?? '20240101000000', opts.type ?? '2', opts.tests ?? '6', opts.tries ?? '100', opts.size ?? String(g.bits - 1), opts.gen ?? g.g.toString(16).toUpperCase(), opts.mod ?? g.p.toString(16).toUpperCase()].join(' ');
}

function groupMessage(p: bigint, g: bigint): Uint8Array {
  return new SshWriter().byte(31).mpint(p).mpint(g).finish();
}

describe('diffie-hellman-group-exchange-sha256 (RFC 4419)', () => {
  it('client and server agree on K and H with the RFC 3526 fallback; messages are 34, 31, 32, 33', () => {
    const pair = makePair();
    const r = runKex(gex, pair);
    expectAgreement(r, pair);
    expect(r.messages.map((m) => m[0])).toEqual([34, 31, 32, 33]);
    expect(hex(r.messages[0])).toBe(hex(Buffer.concat([Buffer.from([34]), u32(2048), u32(3072), u32(8192)])));
    // n = 3072 with no moduli set: the 3072-bit RFC 3526 group
    expect(hex(r.messages[1])).toBe(hex(Buffer.concat([Buffer.from([31]), sshMpint(MODP_3072.p), sshMpint(2n)])));
  });

  it('the server picks from ctx.moduli when it has a group in range', () => {
    const moduli = parseModuli([moduliLine(MODP_2048), moduliLine({ ...MODP_4096, g: 5n })].join('\n'), 'test-moduli');
    const pair = makePair({ extra: { moduli } });
    const r = runKex(gex, pair);
    expectAgreement(r, pair);
    // no 3072 in the set: the smallest above n is the 4096-bit group with generator 5
    expect(hex(r.messages[1])).toBe(hex(Buffer.concat([Buffer.from([31]), sshMpint(MODP_4096.p), sshMpint(5n)])));
  });

  it('a fixed-randomness transcript: H over min, n, max, p, g, e, f, K matches node:crypto', () => {
    const pair = makePair({ clientRandom: seededRandom('gex c'), serverRandom: seededRandom('gex s') });
    const r = runKex(gex, pair);
    expectAgreement(r, pair);
    const exponent = (random: RandomSource) => {
      const b = Buffer.from(random(DH_EXPONENT_BITS / 8));
      b[0] |= 0x80;
      return b;
    };
    const serverRandom = seededRandom('gex s');
    serverRandom(4); // the server's first draw picks among equal-sized groups
    const prime = getDiffieHellman('modp15').getPrime();
    const client = createDiffieHellman(prime, Buffer.from([2]));
    client.setPrivateKey(exponent(seededRandom('gex c')));
    const e = client.generateKeys();
    const server = createDiffieHellman(prime, Buffer.from([2]));
    server.setPrivateKey(exponent(serverRandom));
    const f = server.generateKeys();
    const K = sshMpintFromBytes(client.computeSecret(f));
    const x = pair.clientCtx;
    const H = createHash('sha256')
      .update(Buffer.concat([sshStr(x.clientVersion), sshStr(x.serverVersion), sshStr(x.clientKexinit), sshStr(x.serverKexinit), sshStr(pair.hostKey.publicBlob), u32(2048), u32(3072), u32(8192), sshMpintFromBytes(prime), sshMpint(2n), sshMpintFromBytes(e), sshMpintFromBytes(f), K]))
      .digest();
    expect(hex(r.messages[2])).toBe(hex(Buffer.concat([Buffer.from([32]), sshMpintFromBytes(e)])));
    expect(hex(r.client.sharedSecret)).toBe(hex(K));
    expect(hex(r.client.exchangeHash)).toBe(hex(H));
  });

  it('the hash uses the sizes the client sent, even when the server clamps them', () => {
    const m = makeGexMethod('diffie-hellman-group-exchange-sha256', 'sha256', { min: 2048, n: 2048, max: 2048 });
    const pair = makePair();
    const r = runKex(m, pair);
    expectAgreement(r, pair);
    // a raw request below our floor is clamped up by the server and still succeeds
    const s = gex.server(pair.serverCtx);
    const out = s.receive(Uint8Array.from([34, ...u32(1024), ...u32(2048), ...u32(8192)]));
    expect(hex(out.send[0])).toBe(hex(groupMessage(MODP_2048.p, 2n)));
  });

  it('makeGexMethod refuses sizes outside 2048..8192 or out of order', () => {
    expect(() => makeGexMethod('x', 'sha256', { min: 1024, n: 2048, max: 8192 })).toThrow(RangeError);
    expect(() => makeGexMethod('x', 'sha256', { min: 4096, n: 3072, max: 8192 })).toThrow(RangeError);
    expect(() => makeGexMethod('x', 'sha256', { min: 2048, n: 3072, max: 16384 })).toThrow(RangeError);
    expect(GEX_DEFAULT_SIZES).toEqual({ min: 2048, n: 3072, max: 8192 });
  });

  describe('the client checks the offered group', () => {
    const offer = (p: bigint, g: bigint, sizes = GEX_DEFAULT_SIZES) => {
      const m = makeGexMethod('diffie-hellman-group-exchange-sha256', 'sha256', sizes);
      const step = m.client(makePair().clientCtx);
      step.start();
      return () => step.receive(groupMessage(p, g));
    };
    it('gex-group-below-min: 1024- and 1536-bit groups are refused', () => {
      for (const name of ['modp2', 'modp5']) {
        const p = BigInt('0x' + getDiffieHellman(name).getPrime('hex'));
        expect(offer(p, 2n), name).toThrow(ProtocolError);
      }
      // a 2048-bit group when the client asked for at least 3072
      expect(offer(MODP_2048.p, 2n, { min: 3072, n: 3072, max: 8192 })).toThrow(/outside \[3072, 8192\]/);
    });
    it('a group above max is refused', () => {
      expect(offer(MODP_6144.p, 2n, { min: 2048, n: 3072, max: 4096 })).toThrow(ProtocolError);
      expect(offer((1n << 9000n) + 1n, 2n)).toThrow(ProtocolError);
    });
    it('an even p, or g outside [2, p-2], is refused', () => {
      const p = MODP_2048.p;
      expect(offer(p + 1n, 2n)).toThrow(/even/);
      for (const g of [0n, 1n, p - 1n, p, -2n]) expect(offer(p, g), `g=${g}`).toThrow(/generator/);
      expect(offer(-p, 2n)).toThrow(ProtocolError);
      expect(offer(p, 2n)().send[0][0]).toBe(32);
    });
  });

  describe('the server', () => {
    const server = () => gex.server(makePair().serverCtx);
    it('refuses the old request (message 30) and malformed or impossible requests', () => {
      expect(() => server().receive(Uint8Array.from([30, ...u32(3072)]))).toThrow(/old/);
      expect(() => server().receive(Uint8Array.from([34, ...u32(4096), ...u32(3072), ...u32(8192)]))).toThrow(ProtocolError);
      expect(() => server().receive(Uint8Array.from([34, ...u32(2048), ...u32(9000), ...u32(4096)]))).toThrow(ProtocolError);
      expect(() => server().receive(Uint8Array.from([34, ...u32(512), ...u32(1024), ...u32(1024)]))).toThrow(ProtocolError);
      expect(() => server().receive(Uint8Array.from([34, ...u32(2048), ...u32(3072)]))).toThrow(ProtocolError);
      expect(() => server().receive(Uint8Array.from([34, ...u32(2048), ...u32(3072), ...u32(8192), 0]))).toThrow(/trailing/);
      expect(() => server().receive(Uint8Array.from([32, 0, 0, 0, 1, 5]))).toThrow(/expected message 34/);
    });

    it('chooseGroup: smallest size >= n, else the largest; random among equals; RFC 3526 fallback', () => {
      const a = { ...MODP_3072, g: 2n };
      const b = { ...MODP_3072, g: 5n };
      const set = [MODP_2048, a, b, MODP_4096];
      const r0 = () => new Uint8Array(4);
      const r1 = () => Uint8Array.from([0, 0, 0, 1]);
      expect(chooseGroup(set, 2048, 3072, 8192, r0)).toBe(a);
      expect(chooseGroup(set, 2048, 3072, 8192, r1)).toBe(b);
      expect(chooseGroup(set, 2048, 2500, 8192, r0)).toBe(a);
      expect(chooseGroup(set, 2048, 8000, 8192, r0)).toBe(MODP_4096);
      expect(chooseGroup(set, 2048, 2048, 2048, r0)).toBe(MODP_2048);
      expect(chooseGroup(set, 5000, 6000, 8192, r0)).toBe(MODP_6144);
      expect(chooseGroup([], 2048, 7000, 8192, r0)).toBe(MODP_8192);
      expect(chooseGroup([], 2048, 3072, 2100, r0)).toBe(MODP_2048);
      expect(chooseGroup([], 2100, 3000, 2200, r0)).toBeUndefined();
    });
  });
});

describe('parseModuli (OpenSSH moduli(5))', () => {
  it('reads entries, skipping comments and blank lines', () => {
    const text = ['# Time Type Tests Tries Size Generator Modulus', '', moduliLine(MODP_2048), '   ', moduliLine({ ...MODP_3072, g: 5n }), '\t# comment', moduliLine(MODP_8192) + '\r', ''].join('\n');
    const groups = parseModuli(text, '/etc/ssh/moduli');
    expect(groups.map((g) => [g.bits, g.g])).toEqual([
      [2048, 2n],
      [3072, 5n],
      [8192, 2n],
    ]);
    expect(groups[0].p).toBe(MODP_2048.p);
    expect(parseModuli('')).toEqual([]);
  });

  const bad: [string, string, RegExp][] = [
    ['six fields', moduliLine(MODP_2048).split(' ').slice(0, 6).join(' '), /expected 7 fields/],
    ['bad time', moduliLine(MODP_2048, { time: '2024' }), /time/],
    ['not a safe prime', moduliLine(MODP_2048, { type: '1' }), /type must be 2/],
    ['composite', moduliLine(MODP_2048, { tests: '7' }), /composite/],
    ['untested', moduliLine(MODP_2048, { tests: '0' }), /never tested/],
    ['no tries', moduliLine(MODP_2048, { tries: '0' }), /tries/],
    ['size mismatch', moduliLine(MODP_2048, { size: '2048' }), /2048 bits but size 2048 says 2049/],
    ['size not a number', moduliLine(MODP_2048, { size: 'big' }), /size must be a decimal/],
    ['size too large', moduliLine(MODP_2048, { size: '99999' }), /size must be a decimal number up to 16383/],
    ['modulus not hex', moduliLine(MODP_2048, { mod: 'XYZ' }), /modulus must be hexadecimal/],
    ['modulus too long', moduliLine(MODP_2048, { mod: 'F'.repeat(2000) }), /too many/],
    ['even modulus', moduliLine(MODP_2048, { mod: (MODP_2048.p + 1n).toString(16) }), /even/],
    ['generator 1', moduliLine(MODP_2048, { gen: '1' }), /generator 1 is outside/],
    ['generator not hex', moduliLine(MODP_2048, { gen: 'G' }), /generator must be hexadecimal/],
  ];
  for (const [what, line, msg] of bad) {
    it(`names the file and line: ${what}`, () => {
      let err: unknown;
      try {
        parseModuli(`# header\n${moduliLine(MODP_2048)}\n${line}\n`, 'my-moduli');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(KeyParseError);
      expect((err as KeyParseError).file).toBe('my-moduli');
      expect((err as KeyParseError).line).toBe(3);
      expect((err as Error).message).toMatch(/^my-moduli:3: /);
      expect((err as Error).message).toMatch(msg);
    });
  }
  it('refuses a non-string', () => {
    expect(() => parseModuli(undefined as unknown as string)).toThrow(TypeError);
  });
});

const systemModuli = '/etc/ssh/moduli';
describeWithPeer('parseModuli on the system moduli file', existsSync(systemModuli), 'install openssh-server (for /etc/ssh/moduli)', () => {
  it('parses every entry and a group exchange runs with them', () => {
    const moduli = parseModuli(readFileSync(systemModuli, 'utf8'), systemModuli);
    expect(moduli.length).toBeGreaterThan(10);
    for (const g of moduli) expect(g.p.toString(2).length).toBe(g.bits);
    const pair = makePair({ extra: { moduli } });
    const r = runKex(gex, pair);
    expectAgreement(r, pair);
    // the chosen group came from the file, 3072 bits (size 3071 entries)
    const chosenP = BigInt('0x' + Buffer.from(r.messages[1].subarray(5, 5 + 385)).toString('hex'));
    expect(moduli.some((g) => g.p === chosenP && g.bits === 3072)).toBe(true);
  });
});

describe('createServer({ moduli })', () => {
  it('reaches the key exchange: a connection negotiates from the configured set, not the built-in groups', async () => {
    const { connect } = await import('../src/client.ts');
    const { createServer } = await import('../src/server.ts');
    const { byteStreamPair } = await import('../src/stream.ts');
    const { generateKey } = await import('../src/keys/index.ts');
    const { testRegistry } = await import('./support/harness.ts');
    // one 4096-bit group with generator 5; a getter notes when the kex reads it
    let read = 0;
    const group = { get p() { read++; return MODP_4096.p; }, g: 5n, bits: MODP_4096.bits } as DhGroup;
    const algorithms = { kex: ['diffie-hellman-group-exchange-sha256'], cipher: ['aes128-gcm@openssh.com'] };
    const srv = createServer({ hostKeys: [generateKey({ type: 'ed25519' })], registry: testRegistry, algorithms, methods: ['password'], authenticate: () => true, moduli: [group] });
    const [a, b] = byteStreamPair();
    srv.accept(b);
    const client = await connect({ stream: a, host: 'test', username: 'u', password: 'p', hostVerifier: () => true, registry: testRegistry, algorithms });
    await client.close();
    expect(read).toBeGreaterThan(0);
  }, 60_000);
});
