// Interop with OpenSSH's own SFTP programs, without SSH in between (the SFTP layer is independent
// of the transport): our client drives OpenSSH's sftp-server over its stdin/stdout, and OpenSSH's
// sftp client (`sftp -D program -b batch`) drives our server (the jailed Node backend) the same way.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPeer, findBinary } from '../../../test-support/peers.ts';
import { SftpError } from '../src/wire/index.ts';
import { MemorySink, SftpClient, SftpStatus, isDirectory, memorySource } from '../src/sftp/index.ts';
import { randomBytes, sha256 } from './sftp-harness.ts';

const sftpServer = ['/usr/lib/openssh/sftp-server', '/usr/libexec/openssh/sftp-server', '/usr/libexec/sftp-server', '/usr/lib/sftp-server'].find((p) => existsSync(p));
const sftpClient = findBinary('sftp');
const MiB = 1024 * 1024;

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'seashell-openssh-'));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Our client on a fresh OpenSSH sftp-server process (started in `dir`). */
function openssh(dir: string) {
  const child = spawn(sftpServer!, ['-d', dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const flush = () => {
    for (let b = client.pollTransmit(); b; b = client.pollTransmit()) child.stdin.write(b);
  };
  const client: SftpClient = new SftpClient({ onTransmit: () => queueMicrotask(flush) });
  child.stdout.on('data', (b: Buffer) => {
    try {
      client.receive(new Uint8Array(b.buffer, b.byteOffset, b.length));
    } catch {
      child.kill();
    }
  });
  child.on('exit', () => client.destroy(new Error('sftp-server exited')));
  child.stdin.on('error', () => {});
  flush();
  return { client, child, end: () => child.stdin.end() };
}

describeWithPeer('our SFTP client against OpenSSH sftp-server', sftpServer !== undefined, 'install openssh-sftp-server (Debian: apt-get install openssh-sftp-server)', () => {
  it('handshake: the eleven extensions, limits of 255 KiB', async () => {
    const { client, end } = openssh(tmp);
    const info = await client.ready;
    for (const k of ['posixRename', 'statvfs', 'fstatvfs', 'hardlink', 'fsync', 'lsetstat', 'limits', 'expandPath', 'copyData', 'homeDirectory', 'usersGroupsById'] as const) expect(client.supports(k), k).toBe(true);
    expect(info.version).toBe(3);
    const l = await client.limits();
    expect(l.maxReadLength).toBe(255 * 1024);
    expect(l.maxPacketLength).toBe(256 * 1024);
    end();
  });

  it('every operation and extension, with OpenSSH status codes', async () => {
    const dir = join(tmp, 'ops');
    mkdirSync(dir);
    const { client: c, end } = openssh(dir);
    expect(await c.realpath('.')).toBe(dir);
    await c.mkdir(`${dir}/d`, { permissions: 0o750 });
    expect(isDirectory(await c.stat(`${dir}/d`))).toBe(true);
    const h = await c.open(`${dir}/d/f`, 'w+', { permissions: 0o600 });
    await c.write(h, 0, new TextEncoder().encode('hello world'));
    await c.fsync(h);
    expect(new TextDecoder().decode((await c.read(h, 6, 100))!)).toBe('world');
    expect(await c.read(h, 11, 10)).toBeNull();
    await c.fsetstat(h, { size: 5, atime: 1000, mtime: 2000 });
    expect(await c.fstat(h)).toMatchObject({ size: 5, mtime: 2000, permissions: 0o100600 });
    expect((await c.fstatvfs(h)).bsize).toBeGreaterThan(0);
    const h2 = await c.open(`${dir}/d/g`, 'w');
    await c.copyData(h, 0, 0, h2, 0);
    await c.close(h2);
    await c.close(h);
    expect(readFileSync(join(dir, 'd', 'g'), 'utf8')).toBe('hello');
    await c.setstat(`${dir}/d/f`, { permissions: 0o644 });
    expect(statSync(join(dir, 'd', 'f')).mode & 0o777).toBe(0o644);
    await c.symlink('f', `${dir}/d/l`); // OpenSSH argument order
    expect(readlinkSync(join(dir, 'd', 'l'))).toBe('f');
    expect(await c.readlink(`${dir}/d/l`)).toBe('f');
    expect((await c.lstat(`${dir}/d/l`)).permissions! & 0o170000).toBe(0o120000);
    await c.lsetstat(`${dir}/d/l`, { atime: 5, mtime: 6 });
    await c.hardlink(`${dir}/d/f`, `${dir}/d/hard`);
    expect(statSync(join(dir, 'd', 'f')).nlink).toBe(2);
    await c.rename(`${dir}/d/hard`, `${dir}/d/h2`);
    await c.posixRename(`${dir}/d/h2`, `${dir}/d/g`);
    const names = (await c.readdirAll(`${dir}/d`)).map((e) => e.filename).sort();
    expect(names).toEqual(['f', 'g', 'l']);
    expect((await c.statvfs(dir)).namemax).toBeGreaterThan(0);
    expect(await c.homeDirectory(userInfo().username)).toBe(userInfo().homedir);
    expect(await c.expandPath('~/x')).toMatch(/^\/.*\/x$/); // "~" is the start directory (-d) here
    const me = (await c.usersGroupsById([process.getuid!()], [])).users[0];
    expect(me.length).toBeGreaterThan(0);
    // errors
    const codeOf = (p: Promise<unknown>) => p.then(() => 0, (e: SftpError) => e.code);
    expect(await codeOf(c.stat(`${dir}/missing`))).toBe(SftpStatus.NO_SUCH_FILE);
    expect(await codeOf(c.rmdir(`${dir}/d`))).toBe(SftpStatus.FAILURE);
    expect(await codeOf(c.open(`${dir}/d/f`, 'wx'))).toBe(SftpStatus.FAILURE);
    expect(await codeOf(c.extendedRaw('nope@example.com', new Uint8Array(0)))).toBe(SftpStatus.OP_UNSUPPORTED);
    for (const n of names) await c.remove(`${dir}/d/${n}`);
    await c.rmdir(`${dir}/d`);
    end();
  });

  it('get and put of 24 MiB with sha256 equal, and resume after the server is killed mid-get', async () => {
    const dir = join(tmp, 'big');
    mkdirSync(dir);
    const data = randomBytes(24 * MiB + 5, 99);
    const { client, end } = openssh(dir);
    const up = await client.put(memorySource(data), `${dir}/up.bin`);
    expect(up.bytes).toBe(data.length);
    expect(sha256(readFileSync(join(dir, 'up.bin')))).toBe(sha256(data));
    const sink = new MemorySink();
    await client.get(`${dir}/up.bin`, sink);
    expect(sha256(sink.data!)).toBe(sha256(data));
    end();

    const cut = openssh(dir);
    const partial = new MemorySink();
    let killed = false;
    const p = cut.client.get(`${dir}/up.bin`, partial, {
      onProgress: (x) => {
        if (!killed && x.transferred > 6 * MiB) {
          killed = true;
          cut.child.kill('SIGKILL');
        }
      },
    });
    await expect(p).rejects.toThrow();
    expect(partial.data).toBeUndefined();
    expect(partial.partial!.length).toBeGreaterThan(6 * MiB);
    const again = openssh(dir);
    const r = await again.client.get(`${dir}/up.bin`, partial, { resume: true });
    expect(r.resumedFrom).toBeGreaterThan(6 * MiB);
    expect(sha256(partial.data!)).toBe(sha256(data));
    again.end();
  });
});

describeWithPeer('OpenSSH sftp client (sftp -D) against our server', sftpClient !== undefined, 'install openssh-client', () => {
  let serverScript: string;
  beforeAll(async () => {
    const { build } = await import('rolldown');
    serverScript = join(tmp, 'sftp-stdio-server.mjs');
    await build({
      input: resolve(__dirname, 'fixtures/sftp-stdio-server.ts'),
      platform: 'node',
      resolve: { alias: { '@seashell/core': resolve(__dirname, '../src/index.ts') } },
      output: { file: serverScript, format: 'esm' },
      logLevel: 'silent',
    });
  });

  it('sftp -b: put, get, ls, rename, mkdir, rmdir, rm, ln -s, chmod, df; contents checked', () => {
    const root = join(tmp, 'served');
    const local = join(tmp, 'local');
    mkdirSync(root);
    mkdirSync(local);
    const data = randomBytes(3 * MiB + 11, 5);
    writeFileSync(join(local, 'up.bin'), data);
    writeFileSync(join(root, 'remote.txt'), 'from the server');
    const batch = join(tmp, 'batch');
    writeFileSync(
      batch,
      [
        'pwd',
        'mkdir dir',
        `put ${join(local, 'up.bin')} dir/up.bin`,
        'ls -l dir',
        'rename dir/up.bin dir/moved.bin',
        `get dir/moved.bin ${join(local, 'back.bin')}`,
        `get remote.txt ${join(local, 'remote.txt')}`,
        'ln -s moved.bin dir/link',
        'chmod 600 dir/moved.bin',
        'mkdir gone',
        'rmdir gone',
        'put ' + join(local, 'up.bin') + ' junk',
        'rm junk',
        'df -h',
        'ls -la',
        'cd ..',
        'pwd',
      ].join('\n') + '\n',
    );
    const r = spawnSync(sftpClient!, ['-D', `${process.execPath} ${serverScript} ${root}`, '-b', batch], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).not.toMatch(/sftp-stdio-server:/);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(sha256(readFileSync(join(root, 'dir', 'moved.bin')))).toBe(sha256(data));
    expect(sha256(readFileSync(join(local, 'back.bin')))).toBe(sha256(data));
    expect(readFileSync(join(local, 'remote.txt'), 'utf8')).toBe('from the server');
    expect(lstatSync(join(root, 'dir', 'link')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(root, 'dir', 'link'))).toBe('moved.bin');
    expect(statSync(join(root, 'dir', 'moved.bin')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(root, 'gone'))).toBe(false);
    expect(existsSync(join(root, 'junk'))).toBe(false);
    expect(r.stdout).toMatch(/Remote working directory: \/\n/);
    expect(r.stdout).toMatch(/moved\.bin|up\.bin/);
    expect(r.stdout).toMatch(/Size\s+Used\s+Avail/); // df
    // the jail: `cd ..` from the root stays at '/'
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(/Remote working directory: \/$/);
  });
});
