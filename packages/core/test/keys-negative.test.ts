// Bad key files give a KeyFileError naming the file and what was wrong, never a crash.
import { describe, expect, it } from 'vitest';
import { SshWriter } from '../src/wire/index.ts';
import {
  KeyFileError,
  ed25519Signer,
  encodeOpensshPrivateKey,
  formatPrivateKey,
  generateKey,
  parsePrivateKey,
  parsePublicKey,
  parsePublicKeyLine,
  privateKeyInfo,
  type KeyErrorCode,
} from '../src/keys/index.ts';
import { base64Encode } from '../src/keys/bytes.ts';

const key = generateKey({ type: 'ed25519', random: (n) => new Uint8Array(n).fill(5) });
const good = formatPrivateKey(key, { comment: 'c' });

export function fails(f: () => unknown, code: KeyErrorCode, message: RegExp, file = 'id_test'): KeyFileError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(KeyFileError);
    const k = e as KeyFileError;
    expect(k.code, k.message).toBe(code);
    expect(k.message).toMatch(message);
    if (file) expect(k.message.startsWith(file)).toBe(true);
    return k;
  }
  throw new Error('expected a KeyFileError');
}

function armored(blob: Uint8Array): string {
  const b = base64Encode(blob);
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${b.match(/.{1,70}/g)!.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

describe('key file errors', () => {
  it('a good key round-trips (baseline)', () => {
    expect(parsePrivateKey(good, { file: 'id_test' }).comment).toBe('c');
  });

  it('truncated PEM (no END line)', () => {
    fails(() => parsePrivateKey(good.split('\n').slice(0, 3).join('\n'), { file: 'id_test' }), 'truncated', /truncated/);
  });

  it('truncated body (END line present, data cut)', () => {
    const blob = encodeOpensshPrivateKey(key);
    for (const cut of [10, 40, 60, blob.length - 20, blob.length - 1]) {
      fails(() => parsePrivateKey(armored(blob.subarray(0, cut)), { file: 'id_test' }), 'truncated', /./);
    }
  });

  it('every prefix and every single-byte corruption of a key file fails cleanly or parses', () => {
    const blob = encodeOpensshPrivateKey(key);
    for (let cut = 0; cut < blob.length; cut++) {
      expect(() => parsePrivateKey(blob.subarray(0, cut), { file: 'f' })).toThrow(KeyFileError);
    }
    for (let i = 0; i < blob.length; i++) {
      const c = blob.slice();
      c[i] ^= 0x41;
      try {
        parsePrivateKey(c, { file: 'f' });
      } catch (e) {
        expect(e, `byte ${i}`).toBeInstanceOf(KeyFileError);
      }
    }
  });

  it('bad base64 names the line', () => {
    const lines = good.split('\n');
    lines[3] = lines[3].slice(0, 10) + '*' + lines[3].slice(11);
    const e = fails(() => parsePrivateKey(lines.join('\n'), { file: 'id_test' }), 'bad-base64', /not base64/);
    expect(e.line).toBe(4);
    expect(e.message).toMatch(/^id_test:4: /);
  });

  it('unsupported key type in the file', () => {
    const pub = new SshWriter().string('ssh-dss').mpint(5n).finish();
    const blob = new SshWriter()
      .raw(new TextEncoder().encode('openssh-key-v1\0'))
      .string('none')
      .string('none')
      .string('')
      .uint32(1)
      .string(pub)
      .string(new Uint8Array(8))
      .finish();
    fails(() => parsePrivateKey(armored(blob), { file: 'id_test' }), 'unsupported', /unsupported key type "ssh-dss"/);
  });

  it('unsupported formats: DSA PEM, encrypted PEM and encrypted PKCS#8', () => {
    fails(() => parsePrivateKey('-----BEGIN DSA PRIVATE KEY-----\nMAA=\n-----END DSA PRIVATE KEY-----\n', { file: 'id_test' }), 'unsupported', /DSA/);
    fails(
      () => parsePrivateKey('-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nMAA=\n-----END RSA PRIVATE KEY-----\n', { file: 'id_test' }),
      'unsupported',
      /encrypted PEM/,
    );
    fails(() => parsePrivateKey('-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n', { file: 'id_test' }), 'unsupported', /PKCS#8/);
    expect(privateKeyInfo('-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n').encrypted).toBe(true);
  });

  it('unknown cipher and kdf names, mismatched cipher/kdf', () => {
    const build = (cipher: string, kdf: string, opts = new Uint8Array(0)) =>
      new SshWriter()
        .raw(new TextEncoder().encode('openssh-key-v1\0'))
        .string(cipher)
        .string(kdf)
        .string(opts)
        .uint32(1)
        .string(new SshWriter().string('ssh-ed25519').string(key.publicKey).finish())
        .string(new Uint8Array(16))
        .finish();
    fails(() => parsePrivateKey(build('rot13', 'none'), { file: 'id_test' }), 'malformed', /unknown key file cipher "rot13"/);
    fails(() => parsePrivateKey(build('none', 'scrypt'), { file: 'id_test' }), 'unsupported', /kdf "scrypt"/);
    fails(() => parsePrivateKey(build('aes256-ctr', 'none'), { file: 'id_test' }), 'malformed', /kdf "none"/);
    fails(() => parsePrivateKey(build('none', 'bcrypt'), { file: 'id_test' }), 'malformed', /cipher "none"/);
    fails(() => parsePrivateKey(build('chacha20-poly1305@openssh.com', 'bcrypt'), { file: 'id_test' }), 'unsupported', /not supported/);
    const hugeRounds = new SshWriter().string(new Uint8Array(16)).uint32(0xffffffff).finish();
    fails(() => parsePrivateKey(build('aes256-ctr', 'bcrypt', hugeRounds), { file: 'id_test' }), 'malformed', /rounds/);
  });

  it('check-int mismatch in an unencrypted key and bad padding are reported', () => {
    const blob = encodeOpensshPrivateKey(key, { random: (n) => new Uint8Array(n).fill(1) });
    // the private section starts after the public key; find the two check-ints (01010101 01010101)
    const at = Buffer.from(blob).indexOf(Buffer.from('0101010101010101', 'hex'));
    const c = blob.slice();
    c[at] = 2;
    fails(() => parsePrivateKey(c, { file: 'id_test' }), 'malformed', /check-ints differ/);
    const p = blob.slice();
    p[p.length - 1] ^= 0xff;
    fails(() => parsePrivateKey(p, { file: 'id_test' }), 'malformed', /padding/);
  });

  it('a public key that does not match the private key is refused', () => {
    const other = generateKey({ type: 'ed25519', random: (n) => new Uint8Array(n).fill(6) });
    const blob = encodeOpensshPrivateKey(key);
    const swapped = Buffer.from(blob);
    const at = swapped.indexOf(Buffer.from(key.publicKey));
    Buffer.from(other.publicKey).copy(swapped, at);
    fails(() => parsePrivateKey(new Uint8Array(swapped), { file: 'id_test' }), 'invalid-key', /does not match/);
  });

  it('a key file whose public key (both copies) is not its seed\'s parses, as in OpenSSH, and no signer takes it', () => {
    const other = generateKey({ type: 'ed25519', random: (n) => new Uint8Array(n).fill(6) });
    const blob = Buffer.from(encodeOpensshPrivateKey(key));
    const pub = Buffer.from(key.publicKey);
    let n = 0;
    for (let at = blob.indexOf(pub); at >= 0; at = blob.indexOf(pub, at + 32), n++) Buffer.from(other.publicKey).copy(blob, at);
    expect(n).toBe(3); // the outer public key, the inner one, and the second half of the private field
    const parsed = parsePrivateKey(new Uint8Array(blob), { file: 'id_test' }).privateKey;
    expect(parsed.type === 'ssh-ed25519' && Buffer.from(parsed.publicKey).equals(Buffer.from(other.publicKey))).toBe(true);
    expect(() => ed25519Signer(parsed as Parameters<typeof ed25519Signer>[0])).toThrow(/does not match/);
  });

  it('an ed25519 seed that does not give the public key in the file is refused when signing', () => {
    // the file is read as it stands (no scalar multiplication at load time); the signer checks
    const other = generateKey({ type: 'ed25519', random: (n) => new Uint8Array(n).fill(6) });
    if (key.type !== 'ssh-ed25519' || other.type !== 'ssh-ed25519') throw new Error('test keys are ed25519');
    const blob = encodeOpensshPrivateKey({ ...key, seed: other.seed });
    const parsed = parsePrivateKey(blob, { file: 'id_test' }).privateKey;
    expect(() => ed25519Signer(parsed as typeof key)).toThrow(/does not match/);
  });

  it('empty and non-key input', () => {
    fails(() => parsePrivateKey('', { file: 'id_test' }), 'truncated', /empty/);
    fails(() => parsePrivateKey('hello world', { file: 'id_test' }), 'malformed', /not a private key/);
    fails(() => parsePrivateKey('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA== x', { file: 'id_test' }), 'malformed', /public key line/);
    fails(() => parsePrivateKey('-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----\n', { file: 'id_test' }), 'malformed', /public key/);
    fails(() => parsePrivateKey('-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n', { file: 'id_test' }), 'malformed', /magic/);
  });

  it('garbage DER in PKCS#8 / PKCS#1 / SEC1 fails with the file name', () => {
    for (const label of ['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY']) {
      for (const body of ['MAA=', 'MIIBAAA=', 'AgEA', 'MAMCAQA=']) {
        const e = (() => {
          try {
            parsePrivateKey(`-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`, { file: 'id_test' });
          } catch (err) {
            return err;
          }
        })();
        expect(e, `${label} ${body}`).toBeInstanceOf(KeyFileError);
        expect((e as Error).message.startsWith('id_test: ')).toBe(true);
      }
    }
  });

  it('an encrypted key without a passphrase says a passphrase is required', async () => {
    // built with cipher "aes256-ctr" by hand so this runs even without AES: the passphrase check comes first
    const blob = new SshWriter()
      .raw(new TextEncoder().encode('openssh-key-v1\0'))
      .string('aes256-ctr')
      .string('bcrypt')
      .string(new SshWriter().string(new Uint8Array(16)).uint32(16).finish())
      .uint32(1)
      .string(new SshWriter().string('ssh-ed25519').string(key.publicKey).finish())
      .string(new Uint8Array(32))
      .finish();
    fails(() => parsePrivateKey(armored(blob), { file: 'id_test' }), 'passphrase-required', /passphrase is required/);
    expect(privateKeyInfo(armored(blob)).encrypted).toBe(true);
    expect(privateKeyInfo(armored(blob)).publicKey?.type).toBe('ssh-ed25519');
  });

  it('public key blobs and lines: truncated, wrong type, invalid points, small RSA', () => {
    const edBlob = new SshWriter().string('ssh-ed25519').string(key.publicKey).finish();
    fails(() => parsePublicKey(edBlob.subarray(0, 20), 'k.pub'), 'truncated', /truncated/, 'k.pub');
    fails(() => parsePublicKey(new Uint8Array([...edBlob, 0]), 'k.pub'), 'malformed', /trailing/, 'k.pub');
    fails(() => parsePublicKey(new SshWriter().string('ssh-ed25519').string(new Uint8Array(31)).finish(), 'k.pub'), 'invalid-key', /32 bytes/, 'k.pub');
    const offCurve = new Uint8Array(65);
    offCurve[0] = 4;
    offCurve[64] = 1;
    fails(
      () => parsePublicKey(new SshWriter().string('ecdsa-sha2-nistp256').string('nistp256').string(offCurve).finish(), 'k.pub'),
      'invalid-key',
      /not a point/,
      'k.pub',
    );
    fails(
      () => parsePublicKey(new SshWriter().string('ecdsa-sha2-nistp256').string('nistp384').string(offCurve).finish(), 'k.pub'),
      'invalid-key',
      /names curve/,
      'k.pub',
    );
    const smallN = (1n << 1022n) + 1n; // 1023 bits
    fails(() => parsePublicKey(new SshWriter().string('ssh-rsa').mpint(65537n).mpint(smallN).finish(), 'k.pub'), 'invalid-key', /1023 bits/, 'k.pub');
    fails(() => parsePublicKey(new SshWriter().string('ssh-rsa').mpint(65536n).mpint((1n << 2047n) + 1n).finish(), 'k.pub'), 'invalid-key', /odd/, 'k.pub');
    fails(() => parsePublicKey(new SshWriter().string('ssh-rsa').mpint(-3n).mpint((1n << 2047n) + 1n).finish(), 'k.pub'), 'invalid-key', /odd/, 'k.pub');
    fails(() => parsePublicKey(new SshWriter().string('ssh-foo').finish(), 'k.pub'), 'unsupported', /ssh-foo/, 'k.pub');
    fails(() => parsePublicKeyLine('ssh-ed25519 AAAA@@@@ c', 'k.pub', 3), 'bad-base64', /base64/, 'k.pub:3');
    fails(() => parsePublicKeyLine('ssh-rsa ' + base64Encode(edBlob), 'k.pub', 1), 'malformed', /says "ssh-rsa"/, 'k.pub:1');
    fails(() => parsePublicKeyLine('justoneword', 'k.pub', 1), 'malformed', /expected/, 'k.pub:1');
  });
});

describe('RFC 4716 public keys', () => {
  it('reads an SSH2 PUBLIC KEY block with a quoted, continued comment; reports bad base64 by line', async () => {
    const { formatPublicKeyLine, parsePublicKeyFile } = await import('../src/keys/index.ts');
    const line = formatPublicKeyLine(key);
    const b64 = line.split(' ')[1];
    const text = `---- BEGIN SSH2 PUBLIC KEY ----\nComment: "256-bit ED25519, converted by me\\\nfrom OpenSSH"\nx-private: 1\n${b64.slice(0, 40)}\n${b64.slice(40)}\n---- END SSH2 PUBLIC KEY ----\n`;
    const k = parsePublicKeyFile(text, 'k.pub');
    expect(formatPublicKeyLine(k.key)).toBe(line);
    expect(k.comment).toBe("256-bit ED25519, converted by mefrom OpenSSH");
    const bad = text.replace(b64.slice(40, 44), '!!!!');
    const e = fails(() => parsePublicKeyFile(bad, 'k.pub'), 'bad-base64', /base64/, 'k.pub');
    expect(e.line).toBe(6);
    fails(() => parsePublicKeyFile(text.split('---- END')[0], 'k.pub'), 'truncated', /truncated/, 'k.pub');
  });
});
