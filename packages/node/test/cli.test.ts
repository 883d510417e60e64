// The `seashell` command line, built (dist/cli.js), against OpenSSH's own tools: keygen output
// loads in ssh-keygen -y, fingerprint prints what ssh-keygen -l prints, exec talks to a real
// sshd with stdio and exit codes passed through, and serve is reachable with OpenSSH's ssh.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, statSync, writeFileSync, copyFileSync, existsSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { describeWithPeer } from '../../../test-support/peers.ts';
import { describeWithSshd, harnessKeys, makeKey, run, sshArgs, sshKeygen, startSshd, tempDir, SSH, KEY_KINDS, type Sshd } from '../../../test-support/sshd.ts';
import { payload, sha256 } from '../../../test-support/interop.ts';
import { cliBuilt, seashell, startServe, type Serve } from '../../../test-support/cli.ts';

const BUILD_HINT = 'npm run build (the CLI tests run dist/cli.js)';

describeWithPeer('seashell CLI', cliBuilt, BUILD_HINT, () => {
  it('prints help and rejects unknown commands and options with usage errors', async () => {
    const help = await seashell(['--help']);
    expect(help.code).toBe(0);
    for (const c of ['exec', 'get', 'put', 'serve', 'keygen', 'fingerprint', 'relay', 'ssh']) expect(help.stdout.toString()).toMatch(new RegExp(String.raw`^  ${c} +\S`, 'm'));
    const none = await seashell([]);
    expect(none.code).toBe(2);
    const bad = await seashell(['frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown command "frobnicate"/);
    const badOpt = await seashell(['keygen', '-t', 'ed25519', '--nope']);
    expect(badOpt.code).toBe(2);
    expect(badOpt.stderr).toMatch(/unknown option --nope[\s\S]*usage: seashell keygen/);
    const noType = await seashell(['keygen', '-f', '/tmp/x']);
    expect(noType.stderr).toMatch(/-t TYPE is required/);
    const badBits = await seashell(['keygen', '-t', 'ecdsa', '-b', '300', '-f', '/tmp/x']);
    expect(badBits.stderr).toMatch(/256, 384 or 521/);
    const execNoCmd = await seashell(['exec', 'host']);
    expect(execNoCmd.code).toBe(2);
    expect(execNoCmd.stderr).toMatch(/give the command to run/);
  });

  it('SEASHELL_DEBUG=1 prints the stack, mapped back to the TypeScript sources; without it, one line', async () => {
    const args = ['exec', '-i', '/dev/null', '-p', '1', '127.0.0.1', 'true'];
    const plain = await seashell(args);
    expect(plain.code).toBe(255);
    expect(plain.stderr.toString().trim().split('\n')).toEqual([expect.stringMatching(/^seashell: KeyParseError: \/dev\/null: no "-----BEGIN/)]);
    const debug = await seashell(args, { env: { ...process.env, SEASHELL_DEBUG: '1' } });
    expect(debug.stderr.toString()).toMatch(/at parsePem \(\S*packages\/core\/src\/keys\/pem\.ts:\d+:\d+\)/);
    expect(debug.stderr.toString()).toMatch(/packages\/node\/src\/cli\/exec\.ts:\d+/);
    expect(debug.stderr.toString()).not.toMatch(/cli\.bundle\.js/);
  });

  describeWithSshd('keygen and fingerprint against ssh-keygen', () => {
    const cases: { args: string[]; name: string; pass?: string }[] = [
      { name: 'ed25519', args: ['-t', 'ed25519'] },
      { name: 'ecdsa256', args: ['-t', 'ecdsa'] },
      { name: 'ecdsa384', args: ['-t', 'ecdsa', '-b', '384'] },
      { name: 'ecdsa521', args: ['-t', 'ecdsa', '-b', '521'], pass: 'pass phrase' },
      { name: 'rsa2048', args: ['-t', 'rsa', '-b', '2048'], pass: 'secret' },
    ];
    for (const c of cases) {
      it(`keygen ${c.args.join(' ')}${c.pass ? ' -N ...' : ''}: ssh-keygen -y reads it, fingerprints agree`, async () => {
        const dir = tempDir();
        const file = join(dir, `id_${c.name}`);
        const r = await seashell(['keygen', ...c.args, ...(c.pass ? ['-N', c.pass] : []), '-C', `test ${c.name}`, '-f', file], { timeoutMs: 120_000 });
        expect(r.code, r.stderr).toBe(0);
        expect(statSync(file).mode & 0o777).toBe(0o600);
        const pub = readFileSync(`${file}.pub`, 'utf8');
        expect(pub.endsWith(` test ${c.name}\n`)).toBe(true);
        const derived = sshKeygen(['-y', '-P', c.pass ?? '', '-f', file]).trim();
        expect(derived.split(' ').slice(0, 2)).toEqual(pub.trim().split(' ').slice(0, 2));
        const theirs = sshKeygen(['-l', '-f', `${file}.pub`]);
        expect(r.stdout.toString()).toContain(theirs.trim());
        const fp = await seashell(['fingerprint', file]);
        expect(fp.stdout.toString()).toBe(theirs);
        if (c.pass) {
          const wrong = sshKeygen.bind(null, ['-y', '-P', 'wrong', '-f', file]);
          expect(wrong).toThrow();
        }
      });
    }

    it('refuses to overwrite without --force', async () => {
      const file = join(tempDir(), 'k');
      expect((await seashell(['keygen', '-t', 'ed25519', '-q', '-f', file])).code).toBe(0);
      const before = readFileSync(file, 'utf8');
      const again = await seashell(['keygen', '-t', 'ed25519', '-q', '-f', file]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/already exists \(use --force/);
      expect(readFileSync(file, 'utf8')).toBe(before);
      expect((await seashell(['keygen', '-t', 'ed25519', '-q', '--force', '-f', file])).code).toBe(0);
      expect(readFileSync(file, 'utf8')).not.toBe(before);
    });

    it('fingerprints ssh-keygen keys, authorized_keys and known_hosts as ssh-keygen -l does', async () => {
      const keys = harnessKeys();
      const dir = tempDir();
      // one run over every file: .pub and private key of each type, authorized_keys, known_hosts
      const files: string[] = [];
      let expected = '';
      for (const kind of KEY_KINDS) {
        const k = keys.clientKeys[kind];
        files.push(`${k.path}.pub`, k.path);
        const theirs = sshKeygen(['-l', '-f', `${k.path}.pub`]);
        expected += theirs + theirs;
      }
      const ak = join(dir, 'authorized_keys');
      writeFileSync(ak, KEY_KINDS.map((kind, i) => `${i % 2 ? 'restrict,command="true" ' : ''}${keys.clientKeys[kind].publicLine}\n`).join(''));
      const kh = join(dir, 'known_hosts');
      writeFileSync(kh, keys.hostKeys.map((h, i) => `[127.0.0.1]:${2200 + i},example.test ${h.publicLine.split(' ').slice(0, 2).join(' ')}\n`).join(''));
      expected += sshKeygen(['-l', '-f', ak]) + sshKeygen(['-l', '-f', kh]);
      const r = await seashell(['fingerprint', ...files, ak, kh]);
      expect(r.stderr).toBe('');
      expect(r.stdout.toString()).toBe(expected);
      const missing = await seashell(['fingerprint', join(dir, 'nope')]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/ENOENT|no such file/i);
    });
  });

  describeWithSshd('exec against OpenSSH sshd', () => {
    let sshd: Sshd;
    beforeAll(async () => {
      sshd = await startSshd();
    });
    afterAll(async () => {
      await sshd?.stop();
    });
    const base = () => ['-p', String(sshd.port), '-i', sshd.clientKeys.ed25519.path, '-o', `UserKnownHostsFile=${sshd.knownHostsFile}`];

    it('passes stdin through to the remote command and back, with its exit code and stderr', async () => {
      const data = payload(3 << 20, 9);
      const r = await seashell(['exec', ...base(), `${sshd.user}@127.0.0.1`, '--', 'cat; echo done >&2; exit 3'], { input: data });
      expect(r.code).toBe(3);
      expect(r.stdout.length).toBe(data.length);
      expect(sha256(r.stdout)).toBe(sha256(data));
      expect(r.stderr).toMatch(/done\n$/); // after anything the login shell's startup files print
    });

    it('keeps the remote command\'s own options and joins words like ssh', async () => {
      const r = await seashell(['exec', ...base(), '-l', sshd.user, '127.0.0.1', 'printf', '%s-%s\\\\n', 'a', '--version']);
      expect(r.stdout.toString()).toBe('a---version\n');
      expect(r.code).toBe(0);
    });

    it('honours -c, -m, --kex and --host-key-algorithms', async () => {
      const r = await seashell(['exec', ...base(), '-c', 'aes256-gcm@openssh.com', '--kex', 'ecdh-sha2-nistp384', '--host-key-algorithms', 'ecdsa-sha2-nistp521', `${sshd.user}@127.0.0.1`, '--', 'echo $SSH_CONNECTION']);
      expect(r.code, r.stderr).toBe(0);
      const log = sshd.logs();
      expect(log).toMatch(/Accepted publickey/);
      const bad = await seashell(['exec', ...base(), '-c', 'rot13', `${sshd.user}@127.0.0.1`, 'true']);
      expect(bad.code).toBe(255);
      expect(bad.stderr).toMatch(/rot13.*not supported/);
    });

    it('refuses an unknown host (exit 255, hint), adds it with accept-new, refuses a changed key', async () => {
      const kh = join(tempDir(), 'kh');
      const args = ['-p', String(sshd.port), '-i', sshd.clientKeys.ed25519.path, '-o', `UserKnownHostsFile=${kh}`, `${sshd.user}@127.0.0.1`, 'true'];
      const strict = await seashell(['exec', ...args]);
      expect(strict.code).toBe(255);
      expect(strict.stderr).toMatch(/HostKeyMismatchError: .*no .* host key is known[\s\S]*StrictHostKeyChecking=accept-new/);
      const added = await seashell(['exec', '-o', 'StrictHostKeyChecking=accept-new', ...args]);
      expect(added.code, added.stderr).toBe(0);
      expect(added.stderr).toMatch(/Permanently added/);
      expect(readFileSync(kh, 'utf8')).toMatch(new RegExp(`^\\[127\\.0\\.0\\.1\\]:${sshd.port} `));
      expect((await seashell(['exec', ...args])).code).toBe(0);
      const other = harnessKeys().clientKeys.ed25519; // not a host key of this server
      writeFileSync(kh, `[127.0.0.1]:${sshd.port} ${other.publicLine}\n`);
      const changed = await seashell(['exec', ...args]);
      expect(changed.code).toBe(255);
      expect(changed.stderr).toMatch(/HostKeyMismatchError: .*HAS CHANGED/);
    });

    it('uses ~/.ssh/id_* and ~/.ssh/known_hosts by default, like ssh', async () => {
      const home = tempDir();
      mkdirSync(join(home, '.ssh'), { mode: 0o700 });
      copyFileSync(sshd.clientKeys.ecdsa256.path, join(home, '.ssh', 'id_ecdsa'));
      copyFileSync(sshd.knownHostsFile, join(home, '.ssh', 'known_hosts'));
      const r = await seashell(['exec', '-p', String(sshd.port), `${sshd.user}@127.0.0.1`, 'echo', 'hi'], { env: { ...process.env, HOME: home } });
      expect(r.stdout.toString(), r.stderr).toBe('hi\n');
      expect(r.code).toBe(0);
      const none = await seashell(['exec', '-p', String(sshd.port), '127.0.0.1', 'true'], { env: { ...process.env, HOME: tempDir() } });
      expect(none.code).toBe(255);
      expect(none.stderr).toMatch(/no usable identity/);
    });
  });

  describeWithSshd('serve, reached with OpenSSH ssh', () => {
    let serve: Serve;
    let root: string;
    let authorized: string;
    let knownHosts: string;
    const keys = () => harnessKeys();
    beforeAll(async () => {
      const dir = tempDir();
      root = join(dir, "root with 'quotes' & spaces");
      mkdirSync(root);
      authorized = join(dir, 'authorized_keys');
      const k = keys().clientKeys;
      writeFileSync(
        authorized,
        [
          k.ed25519.publicLine,
          `command="echo forced: $SSH_ORIGINAL_COMMAND" ${k.ecdsa256.publicLine}`,
          `from="10.9.8.7" ${k.ecdsa384.publicLine}`,
          k.rsa.publicLine,
        ].join('\n') + '\n',
      );
      const hostKeys = keys().hostKeys.filter((h) => h.kind === 'ed25519' || h.kind === 'rsa');
      serve = await startServe(['--listen', '127.0.0.1:0', '--authorized-keys', authorized, '--root', root, ...hostKeys.flatMap((h) => ['--host-key', h.path])]);
      knownHosts = join(dir, 'known_hosts');
      writeFileSync(knownHosts, hostKeys.map((h) => `[127.0.0.1]:${serve.port} ${h.publicLine}\n`).join(''));
    });
    afterAll(async () => {
      await serve?.stop();
    });
    const ssh = (key: string, command: string[], input?: Uint8Array, extra: string[] = []) =>
      run(SSH!, [...sshArgs({ port: serve.port, knownHostsFile: knownHosts }, key, extra), '-l', userInfo().username, '127.0.0.1', ...command], { input });

    it('prints its host key fingerprints and the ssh command to connect', () => {
      const out = serve.output();
      for (const h of keys().hostKeys.filter((x) => x.kind === 'ed25519' || x.kind === 'rsa')) expect(out).toContain(h.fingerprint);
      expect(out).toContain(`ssh -p ${serve.port} ${userInfo().username}@127.0.0.1`);
      expect(out).toMatch(/authorized keys: .*\(4 keys\)/);
    });

    it('runs commands with /bin/sh -c in --root, stdin through and back, exit codes', async () => {
      const data = payload(2 << 20, 4);
      const r = await ssh(keys().clientKeys.ed25519.path, ['cat; pwd >&2; exit 4'], data);
      expect(r.code).toBe(4);
      expect(sha256(r.stdout)).toBe(sha256(data));
      expect(r.stderr).toBe(root + '\n');
      const rsa = await ssh(keys().clientKeys.rsa.path, ['echo $0 $USER'], undefined, ['-o', 'HostKeyAlgorithms=rsa-sha2-512']);
      expect(rsa.stdout.toString()).toBe(`/bin/sh ${userInfo().username}\n`);
    });

    it('applies command= and from= from authorized_keys', async () => {
      const forced = await ssh(keys().clientKeys.ecdsa256.path, ['echo', 'asked']);
      expect(forced.stdout.toString()).toBe('forced: echo asked\n');
      const elsewhere = await ssh(keys().clientKeys.ecdsa384.path, ['true']);
      expect(elsewhere.code).toBe(255);
      expect(elsewhere.stderr).toMatch(/Permission denied/);
    });

    it('seashell exec logs in to serve with a passphrase-protected ssh-keygen key (SEASHELL_PASSPHRASE)', async () => {
      const key = makeKey(tempDir(), 'enc', 'ecdsa384', 'correct horse');
      appendFileSync(authorized, key.publicLine + '\n');
      const args = ['exec', '-p', String(serve.port), '-i', key.path, '-o', `UserKnownHostsFile=${knownHosts}`, `${userInfo().username}@127.0.0.1`, 'echo', 'unlocked'];
      const ok = await seashell(args, { env: { ...process.env, SEASHELL_PASSPHRASE: 'correct horse' } });
      expect(ok.stdout.toString(), ok.stderr).toBe('unlocked\n');
      const wrong = await seashell(args, { env: { ...process.env, SEASHELL_PASSPHRASE: 'wrong' } });
      expect(wrong.code).toBe(255);
      expect(wrong.stderr).toMatch(/passphrase/i);
      const none = await seashell(args, { env: { ...process.env, SEASHELL_PASSPHRASE: '' } });
      expect(none.code).toBe(255);
      expect(none.stderr).toMatch(/skipping .*enc: it is encrypted/);
    });

    it('keeps generated host keys in the state directory across restarts', async () => {
      const state = tempDir();
      const home = tempDir();
      mkdirSync(join(home, '.ssh'));
      writeFileSync(join(home, '.ssh', 'authorized_keys'), keys().clientKeys.ed25519.publicLine + '\n');
      const env = { ...process.env, HOME: home };
      const first = await startServe(['--listen', '127.0.0.1:0', '--state-dir', state], { env });
      let fps: string[];
      try {
        fps = [...first.output().matchAll(/SHA256:\S+/g)].map((m) => m[0]);
        expect(fps.length).toBe(2);
        expect(first.output()).toContain('[new]');
        expect(existsSync(join(state, 'ssh_host_ed25519_key'))).toBe(true);
        expect(statSync(join(state, 'ssh_host_ed25519_key')).mode & 0o777).toBe(0o600);
        // ~/.ssh/authorized_keys is the default: OpenSSH ssh logs in with that key
        const kh = join(tempDir(), 'kh');
        writeFileSync(kh, `[127.0.0.1]:${first.port} ${readFileSync(join(state, 'ssh_host_ed25519_key.pub'), 'utf8')}`);
        const r = await run(SSH!, [...sshArgs({ port: first.port, knownHostsFile: kh }, keys().clientKeys.ed25519.path), '-l', userInfo().username, '127.0.0.1', 'echo ok'], { env });
        expect(r.stdout.toString(), r.stderr).toBe('ok\n');
      } finally {
        await first.stop();
      }
      const second = await startServe(['--listen', '127.0.0.1:0', '--state-dir', state], { env });
      try {
        expect([...second.output().matchAll(/SHA256:\S+/g)].map((m) => m[0])).toEqual(fps);
        expect(second.output()).not.toContain('[new]');
      } finally {
        await second.stop();
      }
    });
  });
});

describe('seashell CLI argument parsing', () => {
  it('parses exec destinations and options like ssh', async () => {
    const { parseExecArgs } = await import('../src/cli/exec.ts');
    const cfg = parseExecArgs(['-p', '2222', '-o', 'StrictHostKeyChecking=accept-new', '-o', 'User=bob', 'example.test', '--', 'ls', '-la']);
    expect(cfg).toMatchObject({ host: 'example.test', port: 2222, user: 'bob', strict: 'accept-new', command: 'ls -la' });
    expect(parseExecArgs(['alice@[::1]', 'true'])).toMatchObject({ host: '::1', user: 'alice' });
    expect(() => parseExecArgs(['-o', 'ProxyCommand=evil', 'h', 'true'])).toThrow(/not supported/);
    expect(() => parseExecArgs(['-o', 'StrictHostKeyChecking=maybe', 'h', 'true'])).toThrow(/yes, accept-new or no/);
    const { parseListen } = await import('../src/cli/serve.ts');
    expect(parseListen('2222')).toEqual({ host: '127.0.0.1', port: 2222 });
    expect(parseListen('0.0.0.0:22')).toEqual({ host: '0.0.0.0', port: 22 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(() => parseListen('host')).toThrow(/HOST:PORT/);
  });
});
