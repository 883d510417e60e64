// Interop with the real OpenSSH tools: keys made by ssh-keygen load here with the same public
// blob and fingerprint; keys written here load in `ssh-keygen -y`; signatures cross-verify via
// SSHSIG (`ssh-keygen -Y sign / verify`, OpenSSH PROTOCOL.sshsig). Argument vectors only.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { describeWithPeer, findBinary } from '../../../test-support/peers.ts';
import { SshReader, SshWriter } from '../src/wire/index.ts';
import {
  createSigner,
  fingerprintMd5,
  fingerprintSha256,
  formatPrivateKey,
  formatPublicKeyLine,
  generateKey,
  parsePrivateKey,
  parsePublicKeyFile,
  verifySignature,
  type PrivateKey,
} from '../src/keys/index.ts';
import { base64Decode, base64Encode } from '../src/keys/bytes.ts';

const keygen = findBinary('ssh-keygen', ['/usr/bin/ssh-keygen']);
let dir = '';

function run(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(keygen!, args, { encoding: 'utf8', timeout: 60_000, input, env: { PATH: '/usr/bin:/bin', HOME: dir } });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}
function ok(args: string[], input?: string): string {
  const r = run(args, input);
  if (r.status !== 0) throw new Error(`ssh-keygen ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}
const twoFields = (line: string) => line.trim().split(/\s+/).slice(0, 2).join(' ');

// SSHSIG (OpenSSH PROTOCOL.sshsig), enough to exchange signatures with ssh-keygen -Y.
function sshsigSign(key: PrivateKey, namespace: string, message: Uint8Array): string {
  const signer = createSigner(key, key.type === 'ssh-rsa' ? 'rsa-sha2-512' : undefined);
  const h = createHash('sha512').update(message).digest();
  const toSign = new SshWriter().raw(new TextEncoder().encode('SSHSIG')).string(namespace).string('').string('sha512').string(h).finish();
  const sig = new SshWriter()
    .raw(new TextEncoder().encode('SSHSIG'))
    .uint32(1)
    .string(signer.publicBlob)
    .string(namespace)
    .string('')
    .string('sha512')
    .string(signer.sign(toSign))
    .finish();
  const b64 = base64Encode(sig);
  return `-----BEGIN SSH SIGNATURE-----\n${b64.match(/.{1,76}/g)!.join('\n')}\n-----END SSH SIGNATURE-----\n`;
}
function sshsigVerify(armored: string, namespace: string, message: Uint8Array): { ok: boolean; publicBlob: Uint8Array } {
  const b = base64Decode(armored.split('\n').filter((l) => l && !l.startsWith('-----')).join(''));
  const r = new SshReader(b.subarray(6));
  expect(new TextDecoder().decode(b.subarray(0, 6))).toBe('SSHSIG');
  expect(r.uint32()).toBe(1);
  const publicBlob = r.string();
  expect(r.text()).toBe(namespace);
  r.string();
  const hashAlg = r.text();
  const sig = r.string();
  r.end();
  const h = createHash(hashAlg).update(message).digest();
  const signed = new SshWriter().raw(new TextEncoder().encode('SSHSIG')).string(namespace).string('').string(hashAlg).string(h).finish();
  return { ok: verifySignature(publicBlob, signed, sig), publicBlob };
}

const TYPES: { name: string; args: string[] }[] = [
  { name: 'ed25519', args: ['-t', 'ed25519'] },
  { name: 'ecdsa256', args: ['-t', 'ecdsa', '-b', '256'] },
  { name: 'ecdsa384', args: ['-t', 'ecdsa', '-b', '384'] },
  { name: 'ecdsa521', args: ['-t', 'ecdsa', '-b', '521'] },
  { name: 'rsa2048', args: ['-t', 'rsa', '-b', '2048'] },
];
const PASS = 'correct horse';

describeWithPeer('keys against OpenSSH ssh-keygen', keygen !== undefined, 'apt-get install openssh-client', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'seashell-keys-'));
    for (const t of TYPES) {
      ok([...t.args, '-q', '-N', '', '-C', `plain-${t.name}`, '-f', join(dir, t.name)]);
      ok([...t.args, '-q', '-N', PASS, '-C', `enc-${t.name}`, '-f', join(dir, `${t.name}-enc`)]);
    }
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const t of TYPES) {
    for (const enc of [false, true]) {
      const file = () => join(dir, enc ? `${t.name}-enc` : t.name);
      it(`reads ssh-keygen's ${t.name} key ${enc ? 'with' : 'without'} passphrase: same public key and fingerprints`, () => {
        const pair = parsePrivateKey(readFileSync(file(), 'utf8'), { passphrase: enc ? PASS : undefined, file: file() });
        expect(pair.comment).toBe(`${enc ? 'enc' : 'plain'}-${t.name}`);
        const y = ok(['-y', '-f', file(), '-P', enc ? PASS : '']);
        expect(formatPublicKeyLine(pair.publicKey)).toBe(twoFields(y));
        const l = ok(['-l', '-E', 'sha256', '-f', file()]).trim().split(/\s+/);
        expect(fingerprintSha256(pair.publicKey)).toBe(l[1]);
        const m = ok(['-l', '-E', 'md5', '-f', file()]).trim().split(/\s+/);
        expect(fingerprintMd5(pair.publicKey)).toBe(m[1]);
        const pub = parsePublicKeyFile(readFileSync(file() + '.pub', 'utf8'), file() + '.pub');
        expect(formatPublicKeyLine(pub.key, pub.comment)).toBe(readFileSync(file() + '.pub', 'utf8').trim());
        // RFC 4716 export (ssh-keygen -e) reads back to the same key
        const rfc4716 = ok(['-e', '-f', file() + '.pub']);
        expect(rfc4716).toMatch(/BEGIN SSH2 PUBLIC KEY/);
        expect(formatPublicKeyLine(parsePublicKeyFile(rfc4716, 'exported').key)).toBe(twoFields(y));
      });
    }
  }

  for (const t of TYPES.filter((x) => x.name !== 'ed25519')) {
    for (const fmt of ['PEM', 'PKCS8']) {
      it(`reads ${t.name} exported by ssh-keygen -m ${fmt}`, () => {
        const copy = join(dir, `${t.name}.${fmt}`);
        copyFileSync(join(dir, t.name), copy);
        chmodSync(copy, 0o600);
        ok(['-p', '-q', '-P', '', '-N', '', '-m', fmt, '-f', copy]);
        const text = readFileSync(copy, 'utf8');
        expect(text).toMatch(fmt === 'PKCS8' ? /BEGIN PRIVATE KEY/ : /BEGIN (RSA|EC) PRIVATE KEY/);
        const pair = parsePrivateKey(text, { file: copy });
        expect(fingerprintSha256(pair.publicKey)).toBe(ok(['-l', '-E', 'sha256', '-f', join(dir, t.name)]).trim().split(/\s+/)[1]);
      });
    }
  }

  const mine: { name: string; key: () => PrivateKey }[] = [
    { name: 'ed25519', key: () => generateKey({ type: 'ed25519' }) },
    { name: 'ecdsa256', key: () => generateKey({ type: 'ecdsa', bits: 256 }) },
    { name: 'ecdsa384', key: () => generateKey({ type: 'ecdsa', bits: 384 }) },
    { name: 'ecdsa521', key: () => generateKey({ type: 'ecdsa', bits: 521 }) },
  ];
  let rsaKey: PrivateKey | undefined;
  mine.push({ name: 'rsa2048', key: () => (rsaKey ??= generateKey({ type: 'rsa', bits: 2048 })) });

  for (const m of mine) {
    it(`a ${m.name} key written here loads in ssh-keygen -y (plain, aes256-ctr, aes256-gcm) and signs for ssh-keygen -Y verify`, () => {
      const key = m.key();
      for (const [pass, cipher] of [['', undefined], [PASS, 'aes256-ctr'], [PASS, 'aes256-gcm@openssh.com']] as const) {
        const file = join(dir, `mine-${m.name}${pass ? `-${cipher}` : ''}`);
        writeFileSync(file, formatPrivateKey(key, { comment: `mine ${m.name}`, passphrase: pass || undefined, cipher }), { mode: 0o600 });
        const y = ok(['-y', '-f', file, '-P', pass]);
        expect(twoFields(y)).toBe(formatPublicKeyLine(key));
        expect(ok(['-l', '-E', 'sha256', '-f', file]).trim().split(/\s+/)[1]).toBe(fingerprintSha256(key));
        if (pass) expect(run(['-y', '-f', file, '-P', 'wrong']).status).not.toBe(0);
        // and it reads back here
        const back = parsePrivateKey(readFileSync(file, 'utf8'), { passphrase: pass || undefined, file });
        expect(back.comment).toBe(`mine ${m.name}`);
        expect(formatPublicKeyLine(back.publicKey)).toBe(formatPublicKeyLine(key));
      }
      // our SSHSIG signature verifies in ssh-keygen
      const msg = new TextEncoder().encode(`message for ${m.name}\n`);
      const sigFile = join(dir, `sig-${m.name}`);
      writeFileSync(sigFile, sshsigSign(key, 'file', msg));
      const allowed = join(dir, `allowed-${m.name}`);
      writeFileSync(allowed, `me@example ${formatPublicKeyLine(key)}\n`);
      ok(['-Y', 'verify', '-f', allowed, '-I', 'me@example', '-n', 'file', '-s', sigFile], new TextDecoder().decode(msg));
      // a changed message is refused by ssh-keygen
      expect(run(['-Y', 'verify', '-f', allowed, '-I', 'me@example', '-n', 'file', '-s', sigFile], 'other\n').status).not.toBe(0);
    });
  }

  for (const t of TYPES) {
    it(`verifies ssh-keygen -Y sign signatures made with ${t.name}`, () => {
      const msgFile = join(dir, `msg-${t.name}`);
      const msg = `signed by ssh-keygen ${t.name}\n`;
      writeFileSync(msgFile, msg);
      ok(['-Y', 'sign', '-q', '-f', join(dir, t.name), '-n', 'file', msgFile]);
      const armored = readFileSync(msgFile + '.sig', 'utf8');
      const v = sshsigVerify(armored, 'file', new TextEncoder().encode(msg));
      expect(v.ok).toBe(true);
      expect(sshsigVerify(armored, 'file', new TextEncoder().encode(msg + 'x')).ok).toBe(false);
    });
  }
});
