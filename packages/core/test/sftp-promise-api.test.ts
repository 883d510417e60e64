// SFTP through the promise API (sftp-channel.ts): SshClient.sftp() against createServer({ sftp })
// over in-memory ByteStreams, so the whole stack runs — SSH transport, channel windows, the
// subsystem request, the SFTP client and server. Operations, pipelined get/put with hashes, a
// per-session FileSystem factory, a refused subsystem, end(), and the connection dropping mid-way.
import { describe, expect, it } from 'vitest';
import { byteStreamPair } from '../src/stream.ts';
import { connect } from '../src/client.ts';
import { createServer, type ServerOptions } from '../src/server.ts';
import { generateKey, formatPrivateKey, formatKnownHostsLine, publicOf } from '../src/keys/index.ts';
import { MemoryFileSystem, MemorySink, SftpStatus, memorySource, isDirectory } from '../src/sftp/index.ts';
import { SftpError } from '../src/wire/index.ts';
import { testRegistry } from './support/harness.ts';
import { randomBytes, sha256 } from './sftp-harness.ts';

const FAST = { kex: ['curve25519-sha256'], cipher: ['aes128-gcm@openssh.com'] };
const hostKey = generateKey({ type: 'ed25519' });
const userKey = generateKey({ type: 'ed25519' });

function setup(server: Partial<ServerOptions> = {}) {
  const srv = createServer({
    hostKeys: [hostKey],
    registry: testRegistry,
    algorithms: FAST,
    authenticate: (ctx) => ctx.method === 'publickey',
    ...server,
  });
  const [a, b] = byteStreamPair();
  const handle = srv.accept(b)!;
  const client = connect({
    stream: a,
    host: 'example.test',
    username: 'alice',
    privateKey: formatPrivateKey(userKey),
    knownHosts: formatKnownHostsLine('example.test', 22, publicOf(hostKey)) + '\n',
    registry: testRegistry,
    algorithms: FAST,
  });
  return { client, srv, handle };
}

describe('SFTP over the promise API', () => {
  it('every v3 operation and the OpenSSH extensions on a MemoryFileSystem', async () => {
    const fs = new MemoryFileSystem();
    const c = await setup({ sftp: fs }).client;
    const s = await c.sftp();
    expect(s.server?.version).toBe(3);
    expect(s.supports('posixRename')).toBe(true);
    await s.mkdir('/d');
    await s.writeFile('/d/a.txt', 'hello');
    expect(new TextDecoder().decode(await s.readFile('/d/a.txt'))).toBe('hello');
    const h = await s.open('/d/b.bin', 'w');
    await s.write(h, 0, new Uint8Array([1, 2, 3]));
    expect((await s.fstat(h)).size).toBe(3);
    await s.fsetstat(h, { permissions: 0o600 });
    await s.close(h);
    expect((await s.stat('/d/b.bin')).permissions! & 0o777).toBe(0o600);
    await s.setstat('/d/b.bin', { permissions: 0o640 });
    expect((await s.lstat('/d/b.bin')).permissions! & 0o777).toBe(0o640);
    const r = await s.open('/d/b.bin', 'r');
    expect(await s.read(r, 1, 10)).toEqual(new Uint8Array([2, 3]));
    expect(await s.read(r, 3, 10)).toBeNull();
    await s.close(r);
    await s.symlink('a.txt', '/d/link');
    expect(await s.readlink('/d/link')).toBe('a.txt');
    await s.rename('/d/b.bin', '/d/c.bin');
    await s.posixRename('/d/c.bin', '/d/a.txt');
    const names: string[] = [];
    for await (const e of s.list('/d')) names.push(e.filename);
    expect(names.sort()).toEqual(['a.txt', 'link']);
    expect(await s.realpath('/d/../d/./a.txt')).toBe('/d/a.txt');
    await s.remove('/d/link');
    await s.remove('/d/a.txt');
    await s.rmdir('/d');
    await expect(s.stat('/d')).rejects.toMatchObject({ code: SftpStatus.NO_SUCH_FILE });
    await s.end();
    await c.close();
  });

  it('get and put 24 MiB with many requests in flight keep every byte (sha256)', async () => {
    const fs = new MemoryFileSystem();
    const c = await setup({ sftp: fs }).client;
    const s = await c.sftp();
    const data = randomBytes(24 * 1024 * 1024, 7);
    let last = 0;
    const up = await s.put(memorySource(data), '/big.bin', { onProgress: (p) => (last = p.transferred) });
    expect(up.bytes).toBe(data.length);
    expect(last).toBe(data.length);
    const sink = new MemorySink();
    const down = await s.get('/big.bin', sink, { concurrency: 32 });
    expect(down.bytes).toBe(data.length);
    expect(sha256(sink.data!)).toBe(sha256(data));
    await c.close();
  });

  it('the factory gives each session its own FileSystem and sees who asked', async () => {
    const seen: string[] = [];
    const c = await setup({
      sftp: (who) => {
        seen.push(who.username);
        return new MemoryFileSystem();
      },
    }).client;
    const s1 = await c.sftp();
    const s2 = await c.sftp();
    await s1.writeFile('/only-in-1', 'x');
    await expect(s2.stat('/only-in-1')).rejects.toBeInstanceOf(SftpError);
    expect(seen).toEqual(['alice', 'alice']);
    await c.close();
  });

  it('a server without sftp refuses the subsystem and says why', async () => {
    const c = await setup().client;
    await expect(c.sftp()).rejects.toThrow(/refused the sftp subsystem: SFTP is not enabled on this server/);
    // the connection is still usable
    await expect(c.sftp()).rejects.toBeInstanceOf(SftpError);
    await c.close();
  });

  it('a factory that throws ends the session with its message', async () => {
    const c = await setup({ sftp: () => Promise.reject(new Error('no home for you')) }).client;
    await expect(c.sftp()).rejects.toThrow(/no home for you/);
    await c.close();
  });

  it('end() closes the channel: later calls fail, the connection lives on', async () => {
    const fs = new MemoryFileSystem();
    const { client, handle } = setup({ sftp: fs });
    const c = await client;
    const s = await c.sftp();
    await s.end();
    await expect(s.stat('/')).rejects.toBeInstanceOf(SftpError);
    const again = await c.sftp();
    expect(isDirectory(await again.stat('/'))).toBe(true);
    expect(handle.conn.closed).toBe(false);
    await c.close();
  });

  it('the connection dropping mid-transfer fails the transfer instead of hanging', async () => {
    const fs = new MemoryFileSystem();
    const { client, handle } = setup({ sftp: fs });
    const c = await client;
    const s = await c.sftp();
    await s.put(memorySource(randomBytes(8 * 1024 * 1024, 3)), '/f');
    const sink = new MemorySink();
    let cut = false;
    const p = s.get('/f', sink, {
      onProgress: (pr) => {
        if (!cut && pr.transferred > 1024 * 1024) {
          cut = true;
          handle.close();
        }
      },
    });
    await expect(p).rejects.toThrow();
    expect(sink.data).toBeUndefined(); // never committed
    await c.closed;
  });
});
