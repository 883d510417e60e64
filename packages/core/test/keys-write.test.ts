// Writing keys: openssh-key-v1 as ssh-keygen writes it (aes256-ctr, bcrypt, 16 rounds, check-ints,
// padding 1,2,3…, 70-column base64), round trips of every type, and public key lines.
import { describe, expect, it } from 'vitest';
import { SshReader } from '../src/wire/index.ts';
import {
  encodeOpensshPrivateKey,
  encodePublicKey,
  fingerprintSha256,
  formatPrivateKey,
  formatPublicKeyLine,
  generateKey,
  parsePrivateKey,
  parsePublicKeyLine,
  privateKeyInfo,
  type PrivateKey,
} from '../src/keys/index.ts';

const keys: [string, () => PrivateKey][] = [
  ['ed25519', () => generateKey({ type: 'ed25519' })],
  ['ecdsa256', () => generateKey({ type: 'ecdsa' })],
  ['ecdsa384', () => generateKey({ type: 'ecdsa', bits: 384 })],
  ['ecdsa521', () => generateKey({ type: 'ecdsa', bits: 521 })],
];

describe('writing openssh-key-v1', () => {
  it('an unencrypted key has cipher/kdf none, equal check-ints, padding 1,2,3… to 8 bytes', () => {
    const k = generateKey({ type: 'ed25519' });
    const blob = encodeOpensshPrivateKey(k, { comment: 'abc' });
    expect(new TextDecoder().decode(blob.subarray(0, 15))).toBe('openssh-key-v1\0');
    const r = new SshReader(blob.subarray(15));
    expect(r.text()).toBe('none');
    expect(r.text()).toBe('none');
    expect(r.string().length).toBe(0);
    expect(r.uint32()).toBe(1);
    expect(r.string()).toEqual(encodePublicKey(k));
    const sec = new SshReader(r.string());
    r.end();
    expect(sec.uint32()).toBe(sec.uint32());
    expect(sec.text()).toBe('ssh-ed25519');
    sec.string();
    sec.string();
    expect(sec.text()).toBe('abc');
    const pad = sec.rest();
    expect(Array.from(pad)).toEqual(Array.from({ length: pad.length }, (_, i) => i + 1));
    expect(pad.length).toBeLessThan(8);
  });

  it('an encrypted key uses aes256-ctr, bcrypt with a 16-byte salt and 16 rounds by default', () => {
    const k = generateKey({ type: 'ed25519' });
    const text = formatPrivateKey(k, { passphrase: 'pw' });
    const info = privateKeyInfo(text);
    expect(info).toMatchObject({ format: 'openssh', encrypted: true, cipher: 'aes256-ctr', rounds: 16 });
    expect(text.split('\n').slice(1, -3).every((l) => l.length === 70)).toBe(true);
    expect(parsePrivateKey(text, { passphrase: 'pw' }).publicKey).toEqual(info.publicKey);
    expect(privateKeyInfo(formatPrivateKey(k, { passphrase: 'pw', rounds: 3, cipher: 'aes256-gcm@openssh.com' }))).toMatchObject({
      cipher: 'aes256-gcm@openssh.com',
      rounds: 3,
    });
    expect(() => formatPrivateKey(k, { passphrase: 'pw', rounds: 0 })).toThrow(RangeError);
  });

  for (const [name, make] of keys) {
    it(`${name}: round-trips with and without passphrase (Uint8Array passphrase too)`, () => {
      const k = make();
      for (const passphrase of [undefined, 'pässwörd', new TextEncoder().encode('bytes')]) {
        const text = formatPrivateKey(k, { comment: `c ${name}`, passphrase, rounds: 2 });
        const back = parsePrivateKey(text, { passphrase });
        expect(back.comment).toBe(`c ${name}`);
        expect(encodePublicKey(back.privateKey)).toEqual(encodePublicKey(k));
        expect(back.privateKey).toEqual(k);
      }
    });
  }

  it('public key lines round-trip with comments (spaces kept); line breaks in comments are refused', () => {
    const k = generateKey({ type: 'ecdsa', bits: 384 });
    const line = formatPublicKeyLine(k, 'me@host with spaces');
    const back = parsePublicKeyLine(line);
    expect(back.comment).toBe('me@host with spaces');
    expect(fingerprintSha256(back.key)).toBe(fingerprintSha256(k));
    expect(formatPublicKeyLine(k)).toBe(line.split(' ').slice(0, 2).join(' '));
    expect(() => formatPublicKeyLine(k, 'a\nb')).toThrow(RangeError);
  });

  it('generateKey refuses bad sizes and types', () => {
    expect(() => generateKey({ type: 'ecdsa', bits: 255 })).toThrow(/256, 384 or 521/);
    expect(() => generateKey({ type: 'ed25519', bits: 512 })).toThrow(/fixed size/);
    expect(() => generateKey({ type: 'dsa' as 'rsa' })).toThrow(/unknown key type/);
    expect(() => generateKey({ type: 'ed25519', random: () => new Uint8Array(3) })).toThrow(/random/);
  });
});
