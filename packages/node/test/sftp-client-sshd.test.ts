// Our SFTP client (SshClient.sftp() over the Node adapter) against OpenSSH sshd's internal-sftp on
// loopback: every v3 operation and every OpenSSH extension with OpenSSH's status codes, list() and
// Web Streams, get and put of a 256 MiB file with sha256 equal both ways (the 1 GiB run is in
// bench/sftp.bench.mjs, which checks sha256 too), and directory trees both ways.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { describeWithSshd, startSshd, tempDir, sshdLogin, type Sshd } from '../../../test-support/sshd.ts';
import { payload, sha256 } from '../../../test-support/interop.ts';
import { describeTree, makeTree, sha256File, writeBigFile } from '../../../test-support/sftp.ts';
import { connect, NodeFileSink, NodeLocalTree, nodeFileSource, type SshClient, type SftpSession } from '../src/index.ts';
import { SftpError, SftpStatus, isDirectory, isSymbolicLink, PARTIAL_SUFFIX } from '@seashell/core';

const MiB = 1024 * 1024;
const BIG = 256 * MiB;

describeWithSshd('our SFTP client -> OpenSSH sshd internal-sftp', () => {
  let sshd: Sshd;
  let client: SshClient;
  let s: SftpSession;
  let dir: string;
  beforeAll(async () => {
    sshd = await startSshd({ hostKeyKinds: ['ed25519'] });
    client = await connect({
      ...sshdLogin(sshd),
    });
    s = await client.sftp();
    dir = tempDir('seashell-sftp-sshd-');
  });
  afterAll(async () => {
    await client?.close();
    await sshd?.stop();
  });

  it('the handshake announces the eleven extensions; limits of 255 KiB', async () => {
    expect(s.server!.version).toBe(3);
    for (const k of ['posixRename', 'statvfs', 'fstatvfs', 'hardlink', 'fsync', 'lsetstat', 'limits', 'expandPath', 'copyData', 'homeDirectory', 'usersGroupsById'] as const) expect(s.supports(k), k).toBe(true);
    expect((await s.limits()).maxReadLength).toBe(255 * 1024);
  });

  it('every v3 operation and extension, with OpenSSH status codes', async () => {
    const d = join(dir, 'ops');
    await s.mkdir(d, { permissions: 0o750 });
    expect(statSync(d).mode & 0o777).toBe(0o750);
    expect(isDirectory(await s.stat(d))).toBe(true);
    const h = await s.open(`${d}/f`, 'w+', { permissions: 0o600 });
    await s.write(h, 0, new TextEncoder().encode('hello world'));
    await s.fsync(h);
    expect(new TextDecoder().decode((await s.read(h, 6, 100))!)).toBe('world');
    expect(await s.read(h, 11, 10)).toBeNull();
    await s.fsetstat(h, { size: 5, atime: 1000, mtime: 2000 });
    expect(await s.fstat(h)).toMatchObject({ size: 5, mtime: 2000, permissions: 0o100600 });
    expect((await s.fstatvfs(h)).bsize).toBeGreaterThan(0);
    const h2 = await s.open(`${d}/g`, 'w');
    await s.copyData(h, 0, 0, h2, 0);
    await s.close(h2);
    await s.close(h);
    expect(readFileSync(join(d, 'g'), 'utf8')).toBe('hello');
    await s.setstat(`${d}/f`, { permissions: 0o644 });
    expect(statSync(join(d, 'f')).mode & 0o777).toBe(0o644);
    await s.symlink('f', `${d}/l`);
    expect(readlinkSync(join(d, 'l'))).toBe('f');
    expect(await s.readlink(`${d}/l`)).toBe('f');
    expect(isSymbolicLink(await s.lstat(`${d}/l`))).toBe(true);
    expect((await s.stat(`${d}/l`)).size).toBe(5); // follows the link
    await s.lsetstat(`${d}/l`, { atime: 5, mtime: 6 });
    await s.hardlink(`${d}/f`, `${d}/hard`);
    expect(statSync(join(d, 'f')).nlink).toBe(2);
    await s.rename(`${d}/hard`, `${d}/h2`);
    await s.posixRename(`${d}/h2`, `${d}/g`);
    const listed: string[] = [];
    for await (const e of s.list(d)) listed.push(e.filename);
    expect(listed.sort()).toEqual(['f', 'g', 'l']);
    const dh = await s.opendir(d);
    const batch = await s.readdir(dh);
    expect(batch!.map((e) => e.filename)).toContain('.');
    await s.close(dh);
    expect(await s.realpath(`${d}/../ops/./f`)).toBe(join(d, 'f'));
    expect((await s.statvfs(d)).namemax).toBeGreaterThan(0);
    expect(await s.homeDirectory(userInfo().username)).toBe(userInfo().homedir);
    expect(await s.expandPath('~')).toBe(userInfo().homedir);
    expect((await s.usersGroupsById([process.getuid!()], [])).users[0]).toBe(userInfo().username);
    // Web Streams
    const w = s.createWriteStream(`${d}/streamed`).getWriter();
    await w.write(payload(300_000, 9));
    await w.write(payload(5, 10));
    await w.close();
    const parts: Uint8Array[] = [];
    for await (const c of s.createReadStream(`${d}/streamed`) as unknown as AsyncIterable<Uint8Array>) parts.push(c);
    expect(sha256(Buffer.concat(parts))).toBe(sha256(Buffer.concat([payload(300_000, 9), payload(5, 10)])));
    // errors carry OpenSSH's codes
    const code = (p: Promise<unknown>) => p.then(() => 0, (e: SftpError) => e.code);
    expect(await code(s.stat(`${d}/missing`))).toBe(SftpStatus.NO_SUCH_FILE);
    expect(await code(s.rmdir(d))).toBe(SftpStatus.FAILURE);
    expect(await code(s.open(`${d}/f`, 'wx'))).toBe(SftpStatus.FAILURE);
    expect(await code(s.mkdir(d))).toBe(SftpStatus.FAILURE);
    expect(await code(s.extendedRaw('nope@example.com', new Uint8Array(0)))).toBe(SftpStatus.OP_UNSUPPORTED);
    for (const n of ['f', 'g', 'l', 'streamed']) await s.remove(`${d}/${n}`);
    await s.rmdir(d);
    expect(existsSync(d)).toBe(false);
  });

  it(`get and put of ${BIG / MiB} MiB with sha256 equal, through the Node file sink and source`, async () => {
    const src = join(dir, 'big.bin');
    const want = writeBigFile(src, BIG + 123, 5);
    const local = join(dir, 'big.down');
    let calls = 0;
    const down = await s.get(src, new NodeFileSink(local), { onProgress: () => calls++ });
    expect(down.bytes).toBe(BIG + 123);
    expect(calls).toBeGreaterThan(10);
    expect(existsSync(local + PARTIAL_SUFFIX)).toBe(false);
    expect(await sha256File(local)).toBe(want);
    const up = await s.put(() => nodeFileSource(local), `${dir}/big.up`);
    expect(up.bytes).toBe(BIG + 123);
    expect(existsSync(`${dir}/big.up${PARTIAL_SUFFIX}`)).toBe(false);
    expect(await sha256File(join(dir, 'big.up'))).toBe(want);
    for (const f of [src, local, join(dir, 'big.up')]) await s.remove(f).catch(() => {});
  });

  it('directory trees both ways (links skipped, empty files and directories kept)', async () => {
    const local = join(dir, 'tree-src');
    mkdirSync(local);
    makeTree(local);
    const up = await s.putDirectory(new NodeLocalTree(local), `${dir}/tree-remote`);
    expect(up.skipped).toEqual(['link-to-top']);
    const want = describeTree(local);
    expect(describeTree(join(dir, 'tree-remote'))).toEqual(want);
    writeFileSync(join(dir, 'tree-remote', 'a', 'added-remotely'), 'x');
    const down = await s.getDirectory(`${dir}/tree-remote`, new NodeLocalTree(join(dir, 'tree-back')));
    expect(down.files).toBe(up.files + 1);
    expect(describeTree(join(dir, 'tree-back'))).toEqual(describeTree(join(dir, 'tree-remote')));
  });
});
