// The jailed Node fs backend (packages/node/src/sftp-fs.ts), served to our client in memory: every
// escape attempt refused ('..', absolute paths, links planted locally, links the client makes, a
// link that points out after a rename, creation through a dangling link), real files read and
// written, get/put through the Node sinks with resume.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARTIAL_SUFFIX, SftpError, SftpStatus, isSymbolicLink, memorySource } from '@seashell/core';
import { NodeFileSink, NodeFileSystem, NodeLocalTree, nodeFileSource } from '../src/sftp-fs.ts';
import { type Pair, connect, randomBytes, sha256 } from '../../core/test/sftp-harness.ts';

let tmp: string;
let root: string;
let outside: string;
const pairs: Pair[] = [];

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'seashell-sftp-'));
  root = join(tmp, 'root');
  outside = join(tmp, 'outside');
  mkdirSync(root);
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.txt'), 'top secret');
  writeFileSync(join(root, 'file.txt'), 'hello jail');
  mkdirSync(join(root, 'sub'));
  writeFileSync(join(root, 'sub', 'inner.txt'), 'inner');
  symlinkSync('../outside', join(root, 'link-out'));
  symlinkSync(join(outside, 'secret.txt'), join(root, 'abs-secret'));
  symlinkSync('../outside/secret.txt', join(root, 'rel-secret'));
  symlinkSync('sub', join(root, 'link-in'));
  symlinkSync('../outside/new.txt', join(root, 'dangling-out'));
});

afterAll(() => {
  for (const p of pairs) p.cut();
  rmSync(tmp, { recursive: true, force: true });
});

async function session(options: { readOnly?: boolean; home?: string } = {}) {
  const fs = await NodeFileSystem.create({ root, ...options });
  const pair = connect(fs, { maxSplit: 50000 });
  pairs.push(pair);
  return pair.client;
}

/** The status code of a failed call; the message must not name the real directories. */
async function refused(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SftpError);
    expect((e as Error).message).not.toContain(tmp);
    return (e as SftpError).code;
  }
  throw new Error('expected a refusal');
}

describe('Node fs backend: the jail holds', () => {
  it('".." and absolute paths are clamped at the root', async () => {
    const c = await session();
    expect(await c.realpath('/..')).toBe('/');
    expect(await c.realpath('../../..')).toBe('/');
    expect(await refused(c.stat('/../outside/secret.txt'))).toBe(SftpStatus.NO_SUCH_FILE);
    expect(await refused(c.open('../../outside/secret.txt'))).toBe(SftpStatus.NO_SUCH_FILE);
    // (the client sent the real path itself here, so the message may repeat it)
    expect(await c.stat(join(outside, 'secret.txt')).catch((e) => e.code)).toBe(SftpStatus.NO_SUCH_FILE);
    expect(new TextDecoder().decode((await c.read(await c.open('/../../file.txt'), 0, 100))!)).toBe('hello jail');
  });

  it('links planted locally that point outside are refused, for every operation that follows them', async () => {
    const c = await session();
    for (const l of ['/abs-secret', '/rel-secret']) {
      expect(await refused(c.open(l))).toBe(SftpStatus.PERMISSION_DENIED);
      expect(await refused(c.stat(l))).toBe(SftpStatus.PERMISSION_DENIED);
      expect(await refused(c.setstat(l, { permissions: 0o777 }))).toBe(SftpStatus.PERMISSION_DENIED);
      expect(await refused(c.realpath(l))).toBe(SftpStatus.PERMISSION_DENIED);
      expect(await refused(c.statvfs(l))).toBe(SftpStatus.PERMISSION_DENIED);
    }
    expect(statSync(join(outside, 'secret.txt')).mode & 0o777).not.toBe(0o777);
    expect(await refused(c.opendir('/link-out'))).toBe(SftpStatus.PERMISSION_DENIED);
    expect(await refused(c.stat('/link-out/secret.txt'))).toBe(SftpStatus.PERMISSION_DENIED);
    expect(await refused(c.open('/link-out/secret.txt'))).toBe(SftpStatus.PERMISSION_DENIED);
    expect(await refused(c.remove('/link-out/secret.txt'))).toBe(SftpStatus.PERMISSION_DENIED);
    expect(await refused(c.open('/link-out/new.txt', 'w'))).toBe(SftpStatus.PERMISSION_DENIED);
    expect(await refused(c.mkdir('/link-out/d'))).toBe(SftpStatus.PERMISSION_DENIED);
    expect(await refused(c.rename('/file.txt', '/link-out/stolen'))).toBe(SftpStatus.PERMISSION_DENIED);
    expect(await refused(c.symlink('x', '/link-out/l'))).toBe(SftpStatus.PERMISSION_DENIED);
    expect(await refused(c.hardlink('/abs-secret', '/hl'))).toBe(SftpStatus.PERMISSION_DENIED);
    expect(existsSync(join(outside, 'new.txt'))).toBe(false);
    expect(existsSync(join(outside, 'stolen'))).toBe(false);
    expect(existsSync(join(outside, 'd'))).toBe(false);
    // lstat and readlink describe the link itself, which is inside
    expect(isSymbolicLink(await c.lstat('/abs-secret'))).toBe(true);
    expect(await c.readlink('/rel-secret')).toBe('../outside/secret.txt');
  });

  it('creating through a dangling link is refused, and never lands outside', async () => {
    const c = await session();
    expect(await refused(c.open('/dangling-out', 'w'))).toBe(SftpStatus.PERMISSION_DENIED);
    expect(await refused(c.stat('/dangling-out'))).toBe(SftpStatus.PERMISSION_DENIED);
    expect(existsSync(join(outside, 'new.txt'))).toBe(false);
    await c.symlink('not-yet', '/dangling-in');
    expect(await refused(c.open('/dangling-in', 'w'))).toBe(SftpStatus.NO_SUCH_FILE); // ELOOP: O_NOFOLLOW
    expect(await refused(c.stat('/dangling-in'))).toBe(SftpStatus.NO_SUCH_FILE);
    expect(existsSync(join(root, 'not-yet'))).toBe(false);
    await c.remove('/dangling-in');
  });

  it('links inside the jail work', async () => {
    const c = await session();
    expect(await c.realpath('/link-in/inner.txt')).toBe('/sub/inner.txt');
    expect(new TextDecoder().decode((await c.read(await c.open('/link-in/inner.txt'), 0, 100))!)).toBe('inner');
    const names = (await c.readdirAll('/link-in')).map((e) => e.filename);
    expect(names).toEqual(['inner.txt']);
  });

  it('links the client makes: absolute targets are kept inside, climbing relative ones refused', async () => {
    const c = await session();
    await c.symlink(join(outside, 'secret.txt'), '/sub/abs'); // "/tmp/.../outside/secret.txt" inside the jail
    expect(await refused(c.open('/sub/abs'))).toBe(SftpStatus.NO_SUCH_FILE); // no such path inside the jail
    await c.symlink('/file.txt', '/sub/to-file');
    expect(new TextDecoder().decode((await c.read(await c.open('/sub/to-file'), 0, 100))!)).toBe('hello jail');
    expect(await c.readlink('/sub/to-file')).toBe('../file.txt');
    expect(await refused(c.symlink('../../outside/secret.txt', '/sub/esc'))).toBe(SftpStatus.PERMISSION_DENIED);
    expect(await refused(c.symlink('../outside', '/esc'))).toBe(SftpStatus.PERMISSION_DENIED);
    expect(await refused(c.symlink('a/../../../x', '/esc2'))).toBe(SftpStatus.PERMISSION_DENIED);
    expect(lstatSync(join(root, 'sub', 'to-file')).isSymbolicLink()).toBe(true);
    await c.remove('/sub/abs');
    await c.remove('/sub/to-file');
  });

  it('regression: a link made inside that points outside after a rename is refused when followed', async () => {
    const c = await session();
    await c.mkdir('/deep');
    await c.symlink('..', '/deep/up'); // points at '/': allowed
    expect(await c.realpath('/deep/up')).toBe('/');
    await c.posixRename('/deep/up', '/up'); // now '..' from the root: outside
    expect(await refused(c.opendir('/up'))).toBe(SftpStatus.PERMISSION_DENIED);
    expect(await refused(c.stat('/up/outside/secret.txt'))).toBe(SftpStatus.PERMISSION_DENIED);
    expect(await refused(c.open('/up/outside/planted', 'w'))).toBe(SftpStatus.PERMISSION_DENIED);
    expect(existsSync(join(outside, 'planted'))).toBe(false);
    await c.remove('/up');
    await c.rmdir('/deep');
  });

  it('the root itself cannot be removed or renamed; NUL in a path is refused', async () => {
    const c = await session();
    expect(await refused(c.rmdir('/'))).toBe(SftpStatus.PERMISSION_DENIED);
    expect(await refused(c.rename('/', '/x'))).toBe(SftpStatus.PERMISSION_DENIED);
    await expect(c.stat('/a\0b')).rejects.toThrow(/NUL/); // refused by the client already
    expect(await refused(c.extendedRaw('statvfs@openssh.com', new Uint8Array([0, 0, 0, 3, 0x61, 0, 0x62])))).toBe(SftpStatus.BAD_MESSAGE);
  });

  it('read-only mode refuses every change', async () => {
    const c = await session({ readOnly: true });
    expect(await refused(c.open('/new', 'w'))).toBe(SftpStatus.PERMISSION_DENIED);
    expect(await refused(c.remove('/file.txt'))).toBe(SftpStatus.PERMISSION_DENIED);
    expect(await refused(c.mkdir('/d'))).toBe(SftpStatus.PERMISSION_DENIED);
    expect(await refused(c.setstat('/file.txt', { permissions: 0o600 }))).toBe(SftpStatus.PERMISSION_DENIED);
    expect((await c.statvfs('/')).flag & 1).toBe(1);
    expect(new TextDecoder().decode((await c.read(await c.open('/file.txt'), 0, 100))!)).toBe('hello jail');
  });
});

describe('Node fs backend: real files', () => {
  it('every operation on real files', async () => {
    const c = await session();
    await c.mkdir('/ops', { permissions: 0o750 });
    expect(statSync(join(root, 'ops')).mode & 0o777).toBe(0o750);
    const h = await c.open('/ops/a', 'w+', { permissions: 0o600 });
    await c.write(h, 0, new TextEncoder().encode('0123456789'));
    await c.fsync(h);
    expect(new TextDecoder().decode((await c.read(h, 3, 4))!)).toBe('3456');
    expect(await c.read(h, 10, 4)).toBeNull();
    await c.fsetstat(h, { size: 5, atime: 1_000_000, mtime: 2_000_000 });
    expect(await c.fstat(h)).toMatchObject({ size: 5, mtime: 2_000_000, permissions: 0o100600 });
    expect((await c.fstatvfs(h)).bsize).toBeGreaterThan(0);
    await c.close(h);
    expect(readFileSync(join(root, 'ops', 'a'), 'utf8')).toBe('01234');
    const ap = await c.open('/ops/a', 'a');
    await c.write(ap, 0, new TextEncoder().encode('X'));
    await c.close(ap);
    expect(readFileSync(join(root, 'ops', 'a'), 'utf8')).toBe('01234X');
    expect(await refused(c.open('/ops/a', 'wx'))).toBe(SftpStatus.FAILURE);
    await c.setstat('/ops/a', { permissions: 0o644 });
    expect(statSync(join(root, 'ops', 'a')).mode & 0o777).toBe(0o644);
    await c.symlink('a', '/ops/l');
    await c.lsetstat('/ops/l', { atime: 5, mtime: 6 });
    expect((await c.lstat('/ops/l')).mtime).toBe(6);
    expect(await refused(c.lsetstat('/ops/l', { permissions: 0o600 }))).toBe(SftpStatus.OP_UNSUPPORTED);
    await c.hardlink('/ops/a', '/ops/h');
    expect(statSync(join(root, 'ops', 'a')).nlink).toBe(2);
    await c.rename('/ops/h', '/ops/h2');
    expect(await refused(c.rename('/ops/h2', '/ops/a'))).toBe(SftpStatus.FAILURE); // exists
    await c.remove('/ops/h2');
    await c.close(await c.open('/ops/b', 'w'));
    expect(await refused(c.rename('/ops/b', '/ops/a'))).toBe(SftpStatus.FAILURE);
    await c.posixRename('/ops/b', '/ops/a'); // replaces
    expect(readFileSync(join(root, 'ops', 'a'), 'utf8')).toBe('');
    const names = (await c.readdirAll('/ops', { includeDots: true })).map((e) => e.filename).sort();
    expect(names).toEqual(['.', '..', 'a', 'l']);
    expect(await refused(c.rmdir('/ops'))).toBe(SftpStatus.FAILURE); // not empty
    expect(await refused(c.remove('/ops'))).not.toBe(SftpStatus.OK);
    expect(await refused(c.opendir('/ops/a'))).toBe(SftpStatus.NO_SUCH_FILE); // ENOTDIR
    expect(await refused(c.open('/ops', 'r'))).toBe(SftpStatus.FAILURE); // a directory
    await c.remove('/ops/l');
    await c.remove('/ops/a');
    await c.rmdir('/ops');
    expect(existsSync(join(root, 'ops'))).toBe(false);
    expect(await c.homeDirectory()).toBe('/');
    expect(await c.expandPath('~/sub')).toBe('/sub');
    const ids = await c.usersGroupsById([0], [0]);
    expect(ids.users[0]).toBe('root');
  });

  it('put and get of 6 MiB through the backend and the Node sinks, sha256 equal; resume after a cut', async () => {
    const data = randomBytes(6 * 1024 * 1024 + 3, 77);
    const local = join(tmp, 'local.bin');
    writeFileSync(local, data);
    const c = await session();
    await c.put(() => nodeFileSource(local), '/big.bin');
    expect(sha256(readFileSync(join(root, 'big.bin')))).toBe(sha256(data));
    expect(existsSync(join(root, 'big.bin' + PARTIAL_SUFFIX))).toBe(false);

    const dest = join(tmp, 'down.bin');
    // a cut part-way: only the partial exists
    const fs = await NodeFileSystem.create({ root });
    const cutPair = connect(fs, { maxSplit: 50000, cutAfterToClient: 2_500_000 });
    pairs.push(cutPair);
    await expect(cutPair.client.get('/big.bin', new NodeFileSink(dest))).rejects.toThrow(/connection cut/);
    expect(existsSync(dest)).toBe(false);
    const part = statSync(dest + PARTIAL_SUFFIX).size;
    expect(part).toBeGreaterThan(1_000_000);
    const r = await c.get('/big.bin', new NodeFileSink(dest), { resume: true });
    expect(r.resumedFrom).toBe(part);
    expect(sha256(readFileSync(dest))).toBe(sha256(data));
    expect(existsSync(dest + PARTIAL_SUFFIX)).toBe(false);
  });

  it('getDirectory / putDirectory with NodeLocalTree', async () => {
    const c = await session();
    await c.mkdir('/tree');
    await c.mkdir('/tree/x');
    await c.put(memorySource(randomBytes(100_000, 5)), '/tree/x/one');
    await c.put(memorySource(new TextEncoder().encode('two')), '/tree/two');
    const into = join(tmp, 'tree-down');
    const r = await c.getDirectory('/tree', new NodeLocalTree(into));
    expect(r).toMatchObject({ files: 2, directories: 2 });
    expect(readFileSync(join(into, 'two'), 'utf8')).toBe('two');
    const back = await c.putDirectory(new NodeLocalTree(into), '/tree-copy');
    expect(back).toMatchObject({ files: 2, directories: 2, bytes: 100_003 });
    expect(sha256(readFileSync(join(root, 'tree-copy', 'x', 'one')))).toBe(sha256(readFileSync(join(root, 'tree', 'x', 'one'))));
  });
});
