// `seashell get` / `seashell put` (the built CLI) against OpenSSH sshd: the summary line, files,
// directories, - to stdout, /dev/null, trees, exit codes and messages for every kind of failure;
// and the faults: a connection killed mid-transfer (a proxy that destroys both sockets) leaves no
// destination that looks complete, and --resume then completes it with sha256 equal.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeWithPeer } from '../../../test-support/peers.ts';
import { describeWithSshd, freePort, startSshd, tempDir, type Sshd } from '../../../test-support/sshd.ts';
import { sha256 } from '../../../test-support/interop.ts';
import { cuttingProxy, describeTree, makeTree, sha256File, writeBigFile } from '../../../test-support/sftp.ts';
import { cliBuilt, seashell } from '../../../test-support/cli.ts';

const MiB = 1024 * 1024;
const SUMMARY = /^(.+) -> (.+): (\d+) bytes in (\d+\.\d\d) s \((\d+\.\d) MiB\/s\)(.*)$/m;

describeWithPeer('seashell get / put', cliBuilt, 'npm run build (the CLI is tested from dist/)', () => {
  describeWithSshd('against OpenSSH sshd', () => {
    let sshd: Sshd;
    let dir: string;
    let src: string;
    let srcHash: string;
    const conn = (port = sshd.port, known = sshd.knownHostsFile) => ['-p', String(port), '-i', sshd.clientKeys.ed25519.path, '-o', `UserKnownHostsFile=${known}`];
    const at = (path: string) => `${sshd.user}@127.0.0.1:${path}`;
    beforeAll(async () => {
      sshd = await startSshd({ hostKeyKinds: ['ed25519'] });
      dir = tempDir('seashell-cli-sftp-');
      src = join(dir, 'src.bin');
      srcHash = writeBigFile(src, 40 * MiB + 9, 3);
    });
    afterAll(async () => {
      await sshd?.stop();
    });

    it('get to a file prints one summary line (bytes, seconds, MiB/s) and leaves no partial', async () => {
      const out = join(dir, 'got.bin');
      const r = await seashell(['get', ...conn(), at(src), out]);
      expect(r.code, r.stderr).toBe(0);
      const m = SUMMARY.exec(r.stderr)!;
      expect(m).not.toBeNull();
      expect(m[1]).toBe(src);
      expect(m[2]).toBe(out);
      expect(Number(m[3])).toBe(40 * MiB + 9);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout.length).toBe(0);
      expect(await sha256File(out)).toBe(srcHash);
      expect(existsSync(out + '.seashell-part')).toBe(false);
    });

    it('get to - writes the file to stdout; to /dev/null; into an existing directory by name', async () => {
      const small = join(dir, 'small.txt');
      writeFileSync(small, 'small file\n'.repeat(1000));
      const toStdout = await seashell(['get', ...conn(), at(small), '-']);
      expect(toStdout.code, toStdout.stderr).toBe(0);
      expect(toStdout.stdout.toString()).toBe('small file\n'.repeat(1000));
      expect(SUMMARY.exec(toStdout.stderr)![2]).toBe('stdout');
      const toNull = await seashell(['get', ...conn(), at(src), '/dev/null']);
      expect(toNull.code, toNull.stderr).toBe(0);
      expect(Number(SUMMARY.exec(toNull.stderr)![3])).toBe(40 * MiB + 9);
      const into = join(dir, 'into');
      mkdirSync(into);
      const r = await seashell(['get', ...conn(), at(small), into]);
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(join(into, 'small.txt'), 'utf8')).toBe('small file\n'.repeat(1000));
    });

    it('put a file, and into an existing remote directory by name', async () => {
      const r = await seashell(['put', ...conn(), src, at(join(dir, 'up.bin'))]);
      expect(r.code, r.stderr).toBe(0);
      expect(Number(SUMMARY.exec(r.stderr)![3])).toBe(40 * MiB + 9);
      expect(await sha256File(join(dir, 'up.bin'))).toBe(srcHash);
      expect(existsSync(join(dir, 'up.bin.seashell-part'))).toBe(false);
      mkdirSync(join(dir, 'remote-dir'));
      const small = join(tempDir(), 'named.txt');
      writeFileSync(small, 'named');
      const r2 = await seashell(['put', ...conn(), small, at(join(dir, 'remote-dir'))]);
      expect(r2.code, r2.stderr).toBe(0);
      expect(readFileSync(join(dir, 'remote-dir', 'named.txt'), 'utf8')).toBe('named');
    });

    it('-r copies directory trees both ways', async () => {
      const local = join(tempDir(), 'tree');
      mkdirSync(local);
      makeTree(local);
      const up = await seashell(['put', '-r', ...conn(), local, at(join(dir, 'tree-up'))]);
      expect(up.code, up.stderr).toBe(0);
      expect(up.stderr).toMatch(/5 files in 5 directories, skipped 1/);
      expect(describeTree(join(dir, 'tree-up'))).toEqual(describeTree(local));
      const back = join(tempDir(), 'back');
      const down = await seashell(['get', '-r', ...conn(), at(join(dir, 'tree-up')), back]);
      expect(down.code, down.stderr).toBe(0);
      expect(describeTree(back)).toEqual(describeTree(local));
    });

    it('failures: exit 1 with the reason for transfer errors, 2 for usage, 255 when the connection or login fails', async () => {
      const missing = await seashell(['get', ...conn(), at(join(dir, 'missing')), join(dir, 'x')]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/^seashell get: .*missing: No such file/m);
      const isDir = await seashell(['get', ...conn(), at(dir), join(dir, 'x')]);
      expect(isDir.code).toBe(1);
      expect(isDir.stderr).toMatch(/is a directory \(use -r\)/);
      const noLocal = await seashell(['put', ...conn(), join(dir, 'nope'), at('x')]);
      expect(noLocal.code).toBe(1);
      expect(noLocal.stderr).toMatch(/cannot read .*nope/);
      const denied = await seashell(['put', ...conn(), src, at('/proc/nope/x')]);
      expect(denied.code).toBe(1);
      expect(denied.stderr).toMatch(/^seashell put: /m);
      const usage = await seashell(['get', ...conn(), 'no-host-part', join(dir, 'x')]);
      expect(usage.code).toBe(2);
      expect(usage.stderr).toMatch(/is not \[user@\]host:PATH/);
      const refused = await seashell(['get', ...conn(await freePort()), at(src), join(dir, 'x')]);
      expect(refused.code).toBe(255);
      expect(refused.stderr).toMatch(/ECONNREFUSED/);
      const emptyKnown = join(tempDir(), 'known_hosts');
      writeFileSync(emptyKnown, '');
      const unknown = await seashell(['get', ...conn(sshd.port, emptyKnown), at(src), join(dir, 'x')]);
      expect(unknown.code).toBe(255);
      expect(unknown.stderr).toMatch(/StrictHostKeyChecking=accept-new/);
      expect(existsSync(join(dir, 'x'))).toBe(false);
    });

    it('a connection killed mid-get leaves only the partial file; get --resume completes it', async () => {
      const out = join(dir, 'cut-get.bin');
      const proxy = await cuttingProxy(sshd.port, 'toClient', 12 * MiB);
      const known = join(tempDir(), 'known_hosts');
      writeFileSync(known, readFileSync(sshd.knownHostsFile, 'utf8').replace(`]:${sshd.port} `, `]:${proxy.port} `));
      const r = await seashell(['get', ...conn(proxy.port, known), at(src), out]);
      await proxy.close();
      expect(r.code).not.toBe(0);
      expect(existsSync(out)).toBe(false);
      const part = statSync(out + '.seashell-part').size;
      expect(part).toBeGreaterThan(0);
      expect(part).toBeLessThan(40 * MiB);
      expect(r.stderr).toMatch(/run again with --resume/);
      const again = await seashell(['get', '--resume', ...conn(), at(src), out]);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toMatch(/\(resumed at \d+\)/);
      expect(await sha256File(out)).toBe(srcHash);
      expect(existsSync(out + '.seashell-part')).toBe(false);
    });

    it('a connection killed mid-put leaves only the remote partial; put --resume completes it', async () => {
      const remote = join(dir, 'cut-put.bin');
      const proxy = await cuttingProxy(sshd.port, 'toServer', 14 * MiB);
      const known = join(tempDir(), 'known_hosts');
      writeFileSync(known, readFileSync(sshd.knownHostsFile, 'utf8').replace(`]:${sshd.port} `, `]:${proxy.port} `));
      const r = await seashell(['put', ...conn(proxy.port, known), src, at(remote)]);
      await proxy.close();
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/--resume/);
      // sshd's sftp process may still be writing what it received: wait for the partial to settle
      let size = -1;
      for (let i = 0; i < 50; i++) {
        await new Promise((res) => setTimeout(res, 100));
        const now = existsSync(remote + '.seashell-part') ? statSync(remote + '.seashell-part').size : -1;
        if (now === size && now > 0) break;
        size = now;
      }
      expect(existsSync(remote)).toBe(false);
      expect(size).toBeGreaterThan(0);
      expect(size).toBeLessThan(40 * MiB + 9);
      const again = await seashell(['put', '--resume', ...conn(), src, at(remote)]);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toMatch(/\(resumed at \d+\)/);
      expect(await sha256File(remote)).toBe(srcHash);
      expect(existsSync(remote + '.seashell-part')).toBe(false);
      expect(sha256(readFileSync(remote))).toBe(srcHash);
    });
  });
});
