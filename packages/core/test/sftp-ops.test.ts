// Every SFTP v3 operation and every OpenSSH extension, client against server in memory with
// bytes cut at random points; every error path with its status code.
import { afterEach, describe, expect, it } from 'vitest';
import { SftpError } from '../src/wire/index.ts';
import { FileType, MemoryFileSystem, OpenFlags, SftpStatus, isDirectory, isRegularFile, isSymbolicLink } from '../src/sftp/index.ts';
import { type Pair, connect } from './sftp-harness.ts';

const te = new TextEncoder();
const td = new TextDecoder();

let pairs: Pair[] = [];
afterEach(() => {
  for (const p of pairs) p.cut();
  pairs = [];
});

function setup(seed = 1, maxSplit = 97) {
  const fs = new MemoryFileSystem({ home: '/home/alice', now: () => 1_700_000_000, users: { bob: '/home/bob' }, userNames: { 1000: 'alice' }, groupNames: { 1000: 'staff' } });
  fs.mkdirp('/home/bob');
  const pair = connect(fs, { seed, maxSplit });
  pairs.push(pair);
  return { fs, pair, c: pair.client };
}

async function code(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SftpError);
    return (e as SftpError).code;
  }
  throw new Error('expected the call to fail');
}

describe('SFTP handshake', () => {
  it('exchanges INIT/VERSION and announces every extension the backend offers', async () => {
    const { c } = setup();
    const info = await c.ready;
    expect(info.version).toBe(3);
    expect([...info.extensions]).toEqual([
      ['posix-rename@openssh.com', '1'],
      ['statvfs@openssh.com', '2'],
      ['fstatvfs@openssh.com', '2'],
      ['hardlink@openssh.com', '1'],
      ['fsync@openssh.com', '1'],
      ['lsetstat@openssh.com', '1'],
      ['limits@openssh.com', '1'],
      ['expand-path@openssh.com', '1'],
      ['copy-data', '1'],
      ['home-directory', '1'],
      ['users-groups-by-id@openssh.com', '1'],
    ]);
    for (const k of ['posixRename', 'statvfs', 'fstatvfs', 'hardlink', 'fsync', 'lsetstat', 'limits', 'expandPath', 'copyData', 'homeDirectory', 'usersGroupsById'] as const) expect(c.supports(k)).toBe(true);
  });

  it('works with one byte at a time', async () => {
    const fs = new MemoryFileSystem();
    fs.writeFile('/f', 'hello');
    const pair = connect(fs, { maxSplit: 1 });
    pairs.push(pair);
    expect(td.decode((await pair.client.read(await pair.client.open('/f'), 0, 100))!)).toBe('hello');
  });
});

describe('SFTP file operations', () => {
  it('open/write/read/fstat/fsetstat/close', async () => {
    const { fs, c } = setup(2);
    const h = await c.open('/home/alice/a.txt', 'w+', { permissions: 0o600 });
    await c.write(h, 0, te.encode('hello '));
    await c.write(h, 6, te.encode('world'));
    expect(td.decode((await c.read(h, 0, 100))!)).toBe('hello world');
    expect(td.decode((await c.read(h, 6, 3))!)).toBe('wor');
    expect(await c.read(h, 11, 10)).toBeNull(); // EOF
    const a = await c.fstat(h);
    expect(a.size).toBe(11);
    expect(a.permissions).toBe(FileType.REGULAR | 0o600);
    await c.fsetstat(h, { size: 5, atime: 1, mtime: 2 });
    const b = await c.fstat(h);
    expect(b.size).toBe(5);
    expect(b.mtime).toBe(2);
    await c.close(h);
    expect(td.decode(fs.readFile('/home/alice/a.txt')!)).toBe('hello');
    // the handle is gone
    expect(await code(c.read(h, 0, 1))).toBe(SftpStatus.FAILURE);
    expect(await code(c.close(h))).toBe(SftpStatus.FAILURE);
  });

  it('relative paths start at the home directory', async () => {
    const { fs, c } = setup(3);
    const h = await c.open('rel.txt', 'w');
    await c.write(h, 0, te.encode('x'));
    await c.close(h);
    expect(fs.readFile('/home/alice/rel.txt')).toEqual(te.encode('x'));
    expect(await c.realpath('.')).toBe('/home/alice');
    expect(await c.realpath('../bob/./x/..')).toBe('/home/bob');
  });

  it('open modes: append, exclusive create, truncate, read-only', async () => {
    const { fs, c } = setup(4);
    fs.writeFile('/f', 'abc');
    const a = await c.open('/f', 'a');
    await c.write(a, 0, te.encode('def')); // offset ignored in append mode
    await c.close(a);
    expect(td.decode(fs.readFile('/f')!)).toBe('abcdef');
    expect(await code(c.open('/f', 'wx'))).toBe(SftpStatus.FAILURE);
    const w = await c.open('/f', OpenFlags.WRITE | OpenFlags.TRUNC);
    await c.close(w);
    expect(fs.readFile('/f')!.length).toBe(0);
    const r = await c.open('/f', 'r');
    expect(await code(c.write(r, 0, te.encode('x')))).toBe(SftpStatus.PERMISSION_DENIED);
    await c.close(r);
  });

  it('stat, lstat, setstat, lsetstat on files and links', async () => {
    const { fs, c } = setup(5);
    fs.writeFile('/t', '12345', 0o640);
    await c.symlink('/t', '/l');
    expect((await c.stat('/l')).size).toBe(5);
    expect(isRegularFile(await c.stat('/l'))).toBe(true);
    expect(isSymbolicLink(await c.lstat('/l'))).toBe(true);
    await c.setstat('/l', { permissions: 0o600 }); // follows the link
    expect((await c.stat('/t')).permissions! & 0o777).toBe(0o600);
    await c.lsetstat('/l', { atime: 10, mtime: 20 });
    expect((await c.lstat('/l')).mtime).toBe(20);
    expect((await c.stat('/t')).mtime).toBe(1_700_000_000);
    await c.setstat('/t', { uid: 7, gid: 8 });
    const a = await c.stat('/t');
    expect([a.uid, a.gid]).toEqual([7, 8]);
  });

  it('directories: mkdir, opendir/readdir, list, rmdir', async () => {
    const { c } = setup(6);
    await c.mkdir('/d', { permissions: 0o750 });
    expect(isDirectory(await c.stat('/d'))).toBe(true);
    for (let i = 0; i < 250; i++) await c.close(await c.open(`/d/f${i}`, 'w'));
    const h = await c.opendir('/d');
    let count = 0;
    let batch;
    while ((batch = await c.readdir(h)) !== null) {
      expect(batch.length).toBeLessThanOrEqual(100);
      count += batch.length;
      for (const e of batch) expect(e.longname).toContain(e.filename);
    }
    await c.close(h);
    expect(count).toBe(252); // with . and ..
    const names: string[] = [];
    for await (const e of c.list('/d')) names.push(e.filename);
    expect(names.length).toBe(250);
    expect(names).not.toContain('.');
    await expect(c.readdirAll('/d', { maxEntries: 100 })).rejects.toThrow(/more than 100 entries/);
    expect(await code(c.rmdir('/d'))).toBe(SftpStatus.FAILURE); // not empty
    for (const n of names) await c.remove(`/d/${n}`);
    await c.rmdir('/d');
    expect(await code(c.stat('/d'))).toBe(SftpStatus.NO_SUCH_FILE);
  });

  it('list closes its handle when the loop breaks early', async () => {
    const { c, pair } = setup(7);
    await c.mkdir('/d');
    for (let i = 0; i < 5; i++) await c.close(await c.open(`/d/${i}`, 'w'));
    for await (const _ of c.list('/d')) break;
    await pair.settle();
    expect(pair.server.handleCount).toBe(0);
  });

  it('rename refuses an existing target; posix-rename replaces it', async () => {
    const { fs, c } = setup(8);
    fs.writeFile('/a', 'A');
    fs.writeFile('/b', 'B');
    expect(await code(c.rename('/a', '/b'))).toBe(SftpStatus.FAILURE);
    await c.rename('/a', '/c');
    expect(fs.exists('/a')).toBe(false);
    await c.posixRename('/c', '/b');
    expect(td.decode(fs.readFile('/b')!)).toBe('A');
    expect(await code(c.rename('/nope', '/x'))).toBe(SftpStatus.NO_SUCH_FILE);
  });

  it('symlink and readlink (OpenSSH argument order on the wire)', async () => {
    const { fs, c } = setup(9);
    fs.writeFile('/target', 'T');
    await c.symlink('target', '/link');
    expect(await c.readlink('/link')).toBe('target');
    expect(td.decode((await c.read(await c.open('/link'), 0, 10))!)).toBe('T');
    expect(await c.realpath('/link')).toBe('/target');
    expect(await code(c.readlink('/target'))).toBe(SftpStatus.FAILURE);
    expect(await code(c.symlink('x', '/link'))).toBe(SftpStatus.FAILURE);
  });

  it('remove: files and links, not directories', async () => {
    const { fs, c } = setup(10);
    fs.writeFile('/f', 'x');
    fs.mkdirp('/d');
    await c.remove('/f');
    expect(fs.exists('/f')).toBe(false);
    expect(await code(c.remove('/f'))).toBe(SftpStatus.NO_SUCH_FILE);
    expect(await code(c.remove('/d'))).toBe(SftpStatus.FAILURE);
  });
});

describe('SFTP error status codes', () => {
  it('NO_SUCH_FILE, PERMISSION_DENIED, FAILURE carry the path and a message', async () => {
    const { fs, c } = setup(11);
    const e1 = await c.stat('/missing').catch((e) => e);
    expect(e1).toBeInstanceOf(SftpError);
    expect(e1.code).toBe(SftpStatus.NO_SUCH_FILE);
    expect(e1.path).toBe('/missing');
    expect(e1.message).toContain('/missing');
    fs.writeFile('/ro', 'x', 0o444);
    expect(await code(c.open('/ro', 'r+'))).toBe(SftpStatus.PERMISSION_DENIED);
    fs.mkdirp('/locked', 0o500);
    expect(await code(c.open('/locked/new', 'w'))).toBe(SftpStatus.PERMISSION_DENIED);
    expect(await code(c.mkdir('/locked/sub'))).toBe(SftpStatus.PERMISSION_DENIED);
    fs.mkdirp('/secret', 0o300);
    expect(await code(c.opendir('/secret'))).toBe(SftpStatus.PERMISSION_DENIED);
    expect(await code(c.mkdir('/home'))).toBe(SftpStatus.FAILURE); // exists
    expect(await code(c.open('/home', 'r'))).toBe(SftpStatus.FAILURE); // a directory
    expect(await code(c.opendir('/ro'))).toBe(SftpStatus.NO_SUCH_FILE); // not a directory
    expect(await code(c.open('/missing/x', 'w'))).toBe(SftpStatus.NO_SUCH_FILE);
  });

  it('EOF on read past the end and on an exhausted directory', async () => {
    const { fs, c } = setup(12);
    fs.writeFile('/f', '');
    const h = await c.open('/f');
    expect(await c.read(h, 0, 10)).toBeNull();
    const d = await c.opendir('/');
    while ((await c.readdir(d)) !== null);
    expect(await c.readdir(d)).toBeNull();
  });

  it('OP_UNSUPPORTED for an unknown extension and for extensions the backend lacks', async () => {
    const { c } = setup(13);
    await c.ready;
    expect(await code(c.extendedRaw('nope@example.com', new Uint8Array(3)))).toBe(SftpStatus.OP_UNSUPPORTED);
    // a backend without optional methods: those extensions are not announced, and the client refuses locally
    const bare = new MemoryFileSystem();
    const minimal = Object.create(bare, { posixRename: { value: undefined }, statvfs: { value: undefined }, hardlink: { value: undefined }, lsetstat: { value: undefined }, homeDirectory: { value: undefined }, usersGroupsById: { value: undefined } });
    const pair = connect(minimal);
    pairs.push(pair);
    const info = await pair.client.ready;
    expect([...info.extensions.keys()]).toEqual(['fsync@openssh.com', 'limits@openssh.com', 'expand-path@openssh.com', 'copy-data']);
    expect(await code(pair.client.posixRename('/a', '/b'))).toBe(SftpStatus.OP_UNSUPPORTED);
    expect(await code(pair.client.statvfs('/'))).toBe(SftpStatus.OP_UNSUPPORTED);
    // sent anyway: the server says OP_UNSUPPORTED too
    const w = new TextEncoder();
    const body = new Uint8Array([0, 0, 0, 1, ...w.encode('a'), 0, 0, 0, 1, ...w.encode('b')]);
    expect(await code(pair.client.extendedRaw('posix-rename@openssh.com', body, 'status'))).toBe(SftpStatus.OP_UNSUPPORTED);
  });

  it('BAD_MESSAGE for a malformed extension payload', async () => {
    const { c } = setup(14);
    await c.ready;
    expect(await code(c.extendedRaw('statvfs@openssh.com', new Uint8Array([0, 0, 0, 9, 1])))).toBe(SftpStatus.BAD_MESSAGE);
    expect(await code(c.extendedRaw('limits@openssh.com', new Uint8Array([1])))).toBe(SftpStatus.BAD_MESSAGE);
  });

  it('a session cut fails every outstanding request and every later one', async () => {
    const { c, pair } = setup(15);
    await c.ready;
    const p = c.stat('/');
    pair.cut();
    await expect(p).rejects.toThrow('connection cut');
    await expect(c.stat('/')).rejects.toThrow('connection cut');
  });
});

describe('OpenSSH extensions', () => {
  it('statvfs and fstatvfs', async () => {
    const { c } = setup(16);
    const s = await c.statvfs('/');
    expect(s.bsize).toBe(4096);
    expect(s.namemax).toBe(255);
    expect(s.fsid).toBe(0x5ea5e11n);
    const h = await c.open('/x', 'w');
    expect((await c.fstatvfs(h)).blocks).toBe(s.blocks);
    expect(await code(c.statvfs('/missing'))).toBe(SftpStatus.NO_SUCH_FILE);
  });

  it('hardlink shares contents; refuses directories and existing targets', async () => {
    const { fs, c } = setup(17);
    fs.writeFile('/a', 'one');
    await c.hardlink('/a', '/b');
    const h = await c.open('/b', 'r+');
    await c.write(h, 0, te.encode('two'));
    await c.close(h);
    expect(td.decode(fs.readFile('/a')!)).toBe('two');
    expect(await code(c.hardlink('/home', '/h2'))).toBe(SftpStatus.PERMISSION_DENIED);
    expect(await code(c.hardlink('/a', '/b'))).toBe(SftpStatus.FAILURE);
  });

  it('fsync', async () => {
    const { c } = setup(18);
    const h = await c.open('/x', 'w');
    await c.fsync(h);
    await c.close(h);
    expect(await code(c.fsync(h))).toBe(SftpStatus.FAILURE);
  });

  it('limits', async () => {
    const { c } = setup(19);
    expect(await c.limits()).toEqual({ maxPacketLength: 262144, maxReadLength: 261120, maxWriteLength: 261120, maxOpenHandles: 1024 });
  });

  it('expand-path and home-directory', async () => {
    const { c } = setup(20);
    expect(await c.expandPath('~')).toBe('/home/alice');
    expect(await c.expandPath('~/docs/../x')).toBe('/home/alice/x');
    expect(await c.expandPath('~bob/y')).toBe('/home/bob/y');
    expect(await c.expandPath('rel')).toBe('/home/alice/rel');
    expect(await code(c.expandPath('~nobody/x'))).toBe(SftpStatus.NO_SUCH_FILE);
    expect(await c.homeDirectory()).toBe('/home/alice');
    expect(await c.homeDirectory('bob')).toBe('/home/bob');
    expect(await code(c.homeDirectory('nobody'))).toBe(SftpStatus.NO_SUCH_FILE);
  });

  it('copy-data: a range, to end of file, refusing the same file', async () => {
    const { fs, c } = setup(21);
    fs.writeFile('/src', 'abcdefghij'.repeat(20000));
    const from = await c.open('/src', 'r');
    const to = await c.open('/dst', 'w+');
    await c.copyData(from, 2, 5, to, 0);
    expect(td.decode((await c.read(to, 0, 100))!)).toBe('cdefg');
    await c.copyData(from, 0, 0, to, 5);
    expect((await c.fstat(to)).size).toBe(5 + 200000);
    expect(await code(c.copyData(from, 199999, 10, to, 0))).toBe(SftpStatus.EOF);
    expect(await code(c.copyData(from, 0, 1, from, 0))).toBe(SftpStatus.FAILURE);
    const ro = await c.open('/src', 'r');
    expect(await code(c.copyData(from, 0, 1, ro, 0))).toBe(SftpStatus.FAILURE); // same path
  });

  it('users-groups-by-id', async () => {
    const { c } = setup(22);
    expect(await c.usersGroupsById([1000, 5], [1000])).toEqual({ users: ['alice', ''], groups: ['staff'] });
    expect(await c.usersGroupsById([], [])).toEqual({ users: [], groups: [] });
  });
});

describe('SFTP client input checks', () => {
  it('says what was wrong', async () => {
    const { c } = setup(23);
    await expect(c.open('/x', 'rw' as string)).rejects.toThrow(/unknown mode/);
    await expect(c.stat(5 as unknown as string)).rejects.toThrow(/path must be a string/);
    await expect(c.setstat('/x', { uid: 1 })).rejects.toThrow(/uid and gid/);
    await expect(c.setstat('/x', { size: -1 })).rejects.toThrow(/size/);
    const h = await c.open('/x', 'w');
    await expect(c.read(h, -1, 1)).rejects.toThrow(/offset/);
    await expect(c.readdir(h)).rejects.toThrow(/not a directory handle/);
  });
});
