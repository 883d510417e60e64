// The promise API (client.ts / server.ts / driver.ts) end to end over in-memory ByteStreams:
// connect, host key policy (known_hosts, hostVerifier, StrictHostKeyChecking), publickey and
// password authentication through the callback, exec with exit codes and signals, execStream
// with a large round trip, backpressure, and server-side MaxStartups.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { byteStreamPair } from '../src/stream.ts';
import { connect, type ClientOptions } from '../src/client.ts';
import { createServer, type ServerOptions, type ServerExec } from '../src/server.ts';
import { generateKey, formatPrivateKey, formatKnownHostsLine, publicOf, fingerprintSha256, encodePublicKey } from '../src/keys/index.ts';
import { AuthenticationError, HostKeyMismatchError } from '../src/wire/index.ts';
import { testRegistry } from './support/harness.ts';

const FAST = { kex: ['curve25519-sha256'], cipher: ['aes128-gcm@openssh.com'] };
const hostKey = generateKey({ type: 'ed25519', random: seeded(1) });
const otherHostKey = generateKey({ type: 'ed25519', random: seeded(2) });
const userKey = generateKey({ type: 'ed25519', random: seeded(3) });
const userKeyFile = formatPrivateKey(userKey);
const userBlob = encodePublicKey(publicOf(userKey));

function seeded(seed: number) {
  let x = seed * 2654435761;
  return (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      out[i] = x >>> 24;
    }
    return out;
  };
}

const known = (key = hostKey) => formatKnownHostsLine('example.test', 22, publicOf(key)) + '\n';

/** Runs commands like a tiny shell: "echo X", "exit N", "cat", "kill SIG", "fail". */
function fakeExec(e: ServerExec): void {
  const [cmd, arg] = e.command.split(' ');
  const te = new TextEncoder();
  if (cmd === 'echo') {
    e.write(te.encode(arg + '\n'));
    e.writeStderr(te.encode('to stderr\n'));
    e.exit(0);
  } else if (cmd === 'exit') e.exit(Number(arg));
  else if (cmd === 'kill') e.exitSignal(arg);
  else if (cmd === 'env') {
    e.write(te.encode(JSON.stringify(e.env)));
    e.exit(0);
  } else if (cmd === 'cat') {
    e.onData((d) => {
      if (!e.write(d)) {
        e.pause();
        e.onDrain(() => e.resume());
      }
    });
    e.onEnd(() => e.exit(0));
  } else if (cmd === 'slowcat') {
    // stdin through Web streams on the server side
    e.stdin.pipeTo(e.stdout).then(() => e.exit(0));
  } else {
    e.writeStderr(te.encode(`${cmd}: not found\n`));
    e.exit(127);
  }
}

function setup(server: Partial<ServerOptions> = {}, client: Partial<ClientOptions> = {}, pairOpts?: Parameters<typeof byteStreamPair>[0]) {
  const auths: unknown[] = [];
  const srv = createServer({
    hostKeys: [hostKey],
    registry: testRegistry,
    algorithms: FAST,
    authenticate: (ctx) => {
      auths.push(ctx);
      if (ctx.method === 'password') return ctx.username === 'alice' && ctx.password === 'pw';
      if (ctx.method === 'publickey') return ctx.key.fingerprint === fingerprintSha256(userBlob);
      return false;
    },
    onExec: fakeExec,
    ...server,
  });
  const [a, b] = byteStreamPair(pairOpts);
  srv.accept(b, { remoteAddress: '127.0.0.1' });
  const c = connect({
    stream: a,
    host: 'example.test',
    username: 'alice',
    privateKey: userKeyFile,
    knownHosts: known(),
    registry: testRegistry,
    algorithms: FAST,
    ...client,
  });
  return { srv, client: c, auths };
}

describe('promise API in memory', () => {
  it('connects with a key, runs commands, reports exit codes, signals and stderr', async () => {
    const { client, auths } = setup();
    const c = await client;
    expect(c.hostKey.fingerprint).toBe(fingerprintSha256(publicOf(hostKey)));
    expect(c.hostKey.knownHosts).toBe('match');
    expect(await c.exec('echo hi')).toEqual({ stdout: 'hi\n', stderr: 'to stderr\n', code: 0, signal: null });
    expect((await c.exec('exit 42')).code).toBe(42);
    expect(await c.exec('kill TERM')).toMatchObject({ code: null, signal: 'TERM' });
    expect(await c.exec('nope')).toMatchObject({ code: 127, stderr: 'nope: not found\n' });
    expect(await c.exec('cat', { stdin: 'round trip' })).toMatchObject({ stdout: 'round trip', code: 0 });
    // the publickey query came first, then the signed request
    expect(auths.map((a) => (a as { signed?: boolean }).signed)).toEqual([false, true]);
    await c.close();
  });

  it('passes only accepted environment variables', async () => {
    const c = await setup().client;
    const r = await c.exec('env', { env: { LANG: 'C.UTF-8', LD_PRELOAD: '/evil.so' } });
    expect(JSON.parse(r.stdout)).toEqual({ LANG: 'C.UTF-8' });
    await c.close();
  });

  it('logs in with a password when no key is given', async () => {
    const c = await setup({}, { privateKey: undefined, password: 'pw' }).client;
    expect((await c.exec('exit 0')).code).toBe(0);
    await c.close();
  });

  it('rejects a wrong password with AuthenticationError', async () => {
    await expect(setup({}, { privateKey: undefined, password: 'wrong' }).client).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('changed-host-key: refuses a changed host key with HostKeyMismatchError before any authentication', async () => {
    const { client, auths } = setup({ hostKeys: [otherHostKey] });
    const err = await client.catch((e) => e);
    expect(err).toBeInstanceOf(HostKeyMismatchError);
    expect(err.message).toMatch(/HAS CHANGED/);
    expect(err.fingerprint).toBe(fingerprintSha256(publicOf(otherHostKey)));
    await new Promise((r) => setTimeout(r, 20));
    expect(auths).toEqual([]);
  });

  it('refuses an unknown host under StrictHostKeyChecking yes, accepts and records it under accept-new', async () => {
    const strict = setup({}, { knownHosts: '' });
    await expect(strict.client).rejects.toThrow(/no ssh-ed25519 host key is known/);
    expect(strict.auths).toEqual([]);
    const added: string[] = [];
    const c = await setup({}, { knownHosts: '', strictHostKeyChecking: 'accept-new', addKnownHost: (l) => void added.push(l) }).client;
    expect(added).toEqual([known().trim()]);
    expect(c.hostKey.knownHosts).toBe('unknown');
    await c.close();
  });

  it('lets a hostVerifier decide instead of known_hosts', async () => {
    const seen: string[] = [];
    const c = await setup({}, { knownHosts: undefined, hostVerifier: async (k) => (seen.push(k.fingerprint), true) }).client;
    expect(seen).toEqual([fingerprintSha256(publicOf(hostKey))]);
    await c.close();
    await expect(setup({}, { hostVerifier: () => false }).client).rejects.toBeInstanceOf(HostKeyMismatchError);
  });

  it('moves 4 MiB through stdin and back intact in random splits, with small stream buffers', async () => {
    const c = await setup({}, {}, { highWaterMark: 16 * 1024, split: (n) => [1 + (n % 7), 100, 3000, n] }).client;
    for (const cmd of ['cat', 'slowcat']) {
      const p = await c.execStream(cmd);
      const data = new Uint8Array(4 << 20);
      for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 9)) & 0xff;
      const h = createHash('sha256');
      let n = 0;
      const reading = (async () => {
        for await (const chunk of p.stdout as unknown as AsyncIterable<Uint8Array>) {
          h.update(chunk);
          n += chunk.length;
        }
      })();
      const w = p.stdin.getWriter();
      for (let off = 0; off < data.length; off += 100_000) await w.write(data.subarray(off, off + 100_000));
      await w.close();
      await reading;
      expect(await p.exit).toEqual({ code: 0, signal: null });
      expect(n).toBe(data.length);
      expect(h.digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    }
    await c.close();
  });

  it('refuses exec when the server has no onExec', async () => {
    const c = await setup({ onExec: undefined }).client;
    await expect(c.exec('echo hi')).rejects.toThrow(/refused to run/);
    await c.close();
  });

  it('fails pending work when the connection drops', async () => {
    const [a, b] = byteStreamPair();
    const srv = createServer({ hostKeys: [hostKey], registry: testRegistry, algorithms: FAST, authenticate: () => true, onExec: () => {} });
    srv.accept(b);
    const c = await connect({ stream: a, host: 'example.test', username: 'u', password: 'x', knownHosts: known(), registry: testRegistry, algorithms: FAST });
    const p = await c.execStream('hang');
    b.destroy();
    await c.closed;
    await expect(p.exit).resolves.toEqual({ code: null, signal: null });
    await expect(c.exec('x')).rejects.toThrow();
  });

  it('maxstartups: drops unauthenticated connections past the full mark', async () => {
    const srv = createServer({ hostKeys: [hostKey], registry: testRegistry, algorithms: FAST, authenticate: () => false, maxStartups: { start: 2, rate: 100, full: 2 } });
    const kept = [0, 1, 2, 3].map(() => srv.accept(byteStreamPair()[1]));
    expect(kept.map((k) => k !== undefined)).toEqual([true, true, false, false]);
    expect(srv.connections).toBe(2);
    srv.close();
  });

  it('checks its options', () => {
    expect(() => createServer({ hostKeys: [], authenticate: () => true })).toThrow(/hostKeys/);
    expect(() => createServer({ hostKeys: [hostKey] } as unknown as ServerOptions)).toThrow(/authenticate/);
    const [a] = byteStreamPair();
    return Promise.all([
      expect(connect({ stream: a, host: 'h', username: 'u' })).rejects.toThrow(/privateKey, password/),
      expect(connect({ stream: a, host: 'h', username: 'u', password: 'p', port: 0 })).rejects.toThrow(/port/),
      // core takes an SshAgent object; a socket path is the Node adapter's business
      expect(connect({ stream: a, host: 'h', username: 'u', password: 'p', agent: '/tmp/sock' as never })).rejects.toThrow(/agent must be an SshAgent/),
      expect(connect({ stream: a, host: 'h', username: 'u', privateKey: 'garbage' })).rejects.toThrow(/privateKey/),
    ]);
  });
});
