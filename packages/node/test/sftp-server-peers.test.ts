// Other SFTP clients against our server on loopback: OpenSSH's `sftp -b batchfile -P port` (get,
// put, ls, rename, mkdir, rmdir, rm, symlink, df, chmod; contents checked on disk) against
// createServer({ sftp }) in-process and against `seashell serve` (SFTP over --root), and the ssh2
// package's SFTP client (fastGet / fastPut of 48 MiB with sha256 equal, readdir, stat, errors).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { createRequire } from 'node:module';
import type { Client as Ssh2Client, SFTPWrapper } from 'ssh2';
import { describeWithPeer, findBinary } from '../../../test-support/peers.ts';
import { describeWithSshd, harnessKeys, run, tempDir } from '../../../test-support/sshd.ts';
import { payload, sha256, startOurServer, type OurServer } from '../../../test-support/interop.ts';
import { sha256File, writeBigFile } from '../../../test-support/sftp.ts';
import { cliBuilt, startServe, type Serve } from '../../../test-support/cli.ts';

const SFTP = findBinary('sftp', ['/usr/bin/sftp']);
const MiB = 1024 * 1024;
const require = createRequire(import.meta.url);
const { Client } = require('ssh2') as typeof import('ssh2');

/** OpenSSH sftp options for a strict, non-interactive login to 127.0.0.1:port. */
function sftpArgs(port: number, knownHostsFile: string, key: string, batch: string): string[] {
  return [
    '-F', '/dev/null',
    '-P', String(port),
    '-i', key,
    '-o', 'BatchMode=yes',
    '-o', 'IdentitiesOnly=yes',
    '-o', `UserKnownHostsFile=${knownHostsFile}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'StrictHostKeyChecking=yes',
    '-b', batch,
    `${userInfo().username}@127.0.0.1`,
  ];
}

/** Runs one sftp batch against the server and checks everything it did on disk. */
async function batchAgainst(port: number, knownHostsFile: string, root: string): Promise<void> {
  const local = tempDir('seashell-sftp-local-');
  const data = payload(5 * MiB + 3, 21);
  writeFileSync(join(local, 'up.bin'), data);
  writeFileSync(join(root, 'remote.txt'), 'from the server');
  const batch = join(local, 'batch');
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
      'symlink moved.bin dir/link',
      'chmod 600 dir/moved.bin',
      'mkdir gone',
      'rmdir gone',
      `put ${join(local, 'up.bin')} junk`,
      'rm junk',
      'df -h',
      'ls -la',
    ].join('\n') + '\n',
  );
  const r = await run(SFTP!, sftpArgs(port, knownHostsFile, harnessKeys().clientKeys.ed25519.path, batch), { timeoutMs: 60_000 });
  const out = r.stdout.toString();
  expect(r.code, out + r.stderr).toBe(0);
  expect(sha256(readFileSync(join(root, 'dir', 'moved.bin')))).toBe(sha256(data));
  expect(sha256(readFileSync(join(local, 'back.bin')))).toBe(sha256(data));
  expect(readFileSync(join(local, 'remote.txt'), 'utf8')).toBe('from the server');
  expect(lstatSync(join(root, 'dir', 'link')).isSymbolicLink()).toBe(true);
  expect(readlinkSync(join(root, 'dir', 'link'))).toBe('moved.bin');
  expect(statSync(join(root, 'dir', 'moved.bin')).mode & 0o777).toBe(0o600);
  expect(existsSync(join(root, 'gone'))).toBe(false);
  expect(existsSync(join(root, 'junk'))).toBe(false);
  expect(out).toMatch(/Remote working directory: \/\n/);
  expect(out).toMatch(/up\.bin/); // ls -l dir
  expect(out).toMatch(/Size\s+Used\s+Avail/); // df
  expect(out).toMatch(/remote\.txt/); // ls -la
}

describeWithPeer('OpenSSH sftp -> our server', !!SFTP, 'apt-get install openssh-client', () => {
  describeWithSshd('createServer({ sftp }) in-process', () => {
    let server: OurServer;
    let root: string;
    beforeAll(async () => {
      root = tempDir('seashell-sftp-root-');
      const k = harnessKeys();
      server = await startOurServer({ hostKeys: k.hostKeys.filter((h) => h.kind === 'ed25519'), clientKeys: [k.clientKeys.ed25519], sftpRoot: root });
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('sftp -b: get, put, ls, rename, mkdir, rmdir, rm, symlink, chmod, df; contents on disk', async () => {
      await batchAgainst(server.port, server.knownHostsFile, root);
    });

    it('sftp cannot leave the root: .. and absolute paths stay inside, links out are refused', async () => {
      const local = tempDir('seashell-sftp-local-');
      const batch = join(local, 'batch');
      writeFileSync(batch, ['cd ../../..', 'pwd', 'ls /', `get /etc/hostname ${join(local, 'h')}`].join('\n') + '\n');
      const r = await run(SFTP!, sftpArgs(server.port, server.knownHostsFile, harnessKeys().clientKeys.ed25519.path, batch));
      expect(r.stdout.toString()).toMatch(/Remote working directory: \/\n/);
      expect(r.code).not.toBe(0); // /etc/hostname is not inside the root
      expect(existsSync(join(local, 'h'))).toBe(false);
    });
  });

  describeWithPeer('seashell serve', cliBuilt, 'npm run build (the CLI is tested from dist/)', () => {
    let serve: Serve;
    let root: string;
    let knownHosts: string;
    beforeAll(async () => {
      const dir = tempDir();
      root = join(dir, 'served root');
      mkdirSync(root);
      const k = harnessKeys();
      const authorized = join(dir, 'authorized_keys');
      writeFileSync(authorized, `${k.clientKeys.ed25519.publicLine}\n`);
      const host = k.hostKeys.find((h) => h.kind === 'ed25519')!;
      // no --root: serve runs in `root`, and the current directory is what SFTP serves
      serve = await startServe(['--listen', '127.0.0.1:0', '--authorized-keys', authorized, '--host-key', host.path], { cwd: root });
      knownHosts = join(dir, 'known_hosts');
      writeFileSync(knownHosts, `[127.0.0.1]:${serve.port} ${host.publicLine}\n`);
    });
    afterAll(async () => {
      await serve?.stop();
    });

    it('serves the current directory by default; the banner says how to connect with sftp', async () => {
      expect(serve.output()).toContain(`sftp -P ${serve.port} ${userInfo().username}@127.0.0.1`);
      await batchAgainst(serve.port, knownHosts, root);
    });
  });
});

describeWithSshd('the ssh2 package SFTP client -> our server', () => {
  let server: OurServer;
  let root: string;
  let conn: Ssh2Client;
  let sftp: SFTPWrapper;
  beforeAll(async () => {
    root = tempDir('seashell-sftp-root-');
    const k = harnessKeys();
    server = await startOurServer({ hostKeys: k.hostKeys.filter((h) => h.kind === 'ed25519'), clientKeys: [k.clientKeys.ed25519], sftpRoot: root });
    conn = new Client();
    await new Promise<void>((resolve, reject) => {
      conn.on('ready', () => resolve()).on('error', reject);
      conn.connect({ host: '127.0.0.1', port: server.port, username: userInfo().username, privateKey: readFileSync(k.clientKeys.ed25519.path) });
    });
    sftp = await new Promise<SFTPWrapper>((resolve, reject) => conn.sftp((e, s) => (e ? reject(e) : resolve(s))));
  });
  afterAll(async () => {
    conn?.end();
    await server?.stop();
  });

  it('fastPut and fastGet of 48 MiB (concurrency 64, 32 KiB chunks) with sha256 equal', async () => {
    const local = tempDir('seashell-ssh2-');
    const want = writeBigFile(join(local, 'src.bin'), 48 * MiB + 7, 8);
    await new Promise<void>((res, rej) => sftp.fastPut(join(local, 'src.bin'), '/up.bin', { concurrency: 64, chunkSize: 32768 }, (e) => (e ? rej(e) : res())));
    expect(await sha256File(join(root, 'up.bin'))).toBe(want);
    await new Promise<void>((res, rej) => sftp.fastGet('/up.bin', join(local, 'down.bin'), { concurrency: 64, chunkSize: 32768 }, (e) => (e ? rej(e) : res())));
    expect(await sha256File(join(local, 'down.bin'))).toBe(want);
  });

  it('readdir, stat, and errors with the right status', async () => {
    mkdirSync(join(root, 'd'));
    writeFileSync(join(root, 'd', 'x.txt'), 'xyz');
    const list = await new Promise<{ filename: string; longname: string }[]>((res, rej) => sftp.readdir('/d', (e, l) => (e ? rej(e) : res(l))));
    expect(list.map((e) => e.filename)).toEqual(['x.txt']);
    expect(list[0].longname).toMatch(/^-rw/);
    const st = await new Promise<{ size: number; isFile(): boolean }>((res, rej) => sftp.stat('/d/x.txt', (e, s) => (e ? rej(e) : res(s))));
    expect(st.size).toBe(3);
    expect(st.isFile()).toBe(true);
    const err = await new Promise<{ code: number }>((res) => sftp.stat('/d/missing', (e) => res(e as unknown as { code: number })));
    expect(err.code).toBe(2); // NO_SUCH_FILE
  });
});
