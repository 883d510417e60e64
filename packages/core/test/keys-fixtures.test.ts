// Key files made by ssh-keygen (OpenSSH 9.2, test-vectors/keys/generate.sh) load here without
// needing ssh-keygen at test time: same public key line, SHA256 and MD5 fingerprints as
// ssh-keygen printed, comments kept; wrong passphrases are reported as such.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../../test-support/peers.ts';
import {
  KeyFileError,
  createSigner,
  encodePublicKey,
  fingerprintMd5,
  fingerprintSha256,
  formatPublicKeyLine,
  isWrongPassphrase,
  lookupKnownHost,
  parseKnownHosts,
  parsePrivateKey,
  parsePublicKeyFile,
  privateKeyInfo,
  verifySignature,
} from '../src/keys/index.ts';

const dir = join(repoRoot, 'test-vectors/keys');
interface Entry {
  file: string;
  passphrase: string;
  public: string;
  sha256: string;
  md5: string;
  comment: string;
}
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { keys: Entry[] };

describe('ssh-keygen fixtures (test-vectors/keys)', () => {
  for (const k of manifest.keys) {
    it(`${k.file}${k.passphrase ? ' (encrypted)' : ''}: public key, fingerprints${k.file.includes('_P') ? '' : ', comment'}`, () => {
      const text = readFileSync(join(dir, k.file), 'utf8');
      const pair = parsePrivateKey(text, { passphrase: k.passphrase || undefined, file: k.file });
      expect(formatPublicKeyLine(pair.publicKey)).toBe(k.public);
      expect(fingerprintSha256(pair.publicKey)).toBe(k.sha256);
      expect(fingerprintMd5(pair.publicKey)).toBe(k.md5);
      if (!/_(PEM|PKCS8)$/.test(k.file)) expect(pair.comment).toBe(k.comment);
      const signer = createSigner(pair.privateKey);
      const data = new TextEncoder().encode(k.file);
      expect(verifySignature(encodePublicKey(pair.publicKey), data, signer.sign(data))).toBe(true);
      const info = privateKeyInfo(text);
      expect(info.encrypted).toBe(k.passphrase !== '');
      if (info.publicKey) expect(formatPublicKeyLine(info.publicKey)).toBe(k.public);
    });
  }

  for (const k of manifest.keys.filter((e) => e.passphrase)) {
    it(`${k.file}: a wrong passphrase is reported as a wrong passphrase, a missing one as required`, () => {
      const text = readFileSync(join(dir, k.file), 'utf8');
      let err: unknown;
      try {
        parsePrivateKey(text, { passphrase: 'not it', file: k.file });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(KeyFileError);
      expect(isWrongPassphrase(err)).toBe(true);
      expect((err as Error).message).toMatch(new RegExp(`^${k.file}: wrong passphrase`));
      expect(() => parsePrivateKey(text, { file: k.file })).toThrow(/passphrase is required/);
    });
  }

  it('.pub files read back to the same line', () => {
    for (const k of manifest.keys.filter((e) => !/_(ctr|gcm|PEM|PKCS8)$/.test(e.file))) {
      const text = readFileSync(join(dir, k.file + '.pub'), 'utf8');
      const line = parsePublicKeyFile(text, k.file + '.pub');
      expect(formatPublicKeyLine(line.key, line.comment)).toBe(text.trim());
    }
  });

  it('known_hosts hashed by ssh-keygen -H', () => {
    const kh = parseKnownHosts(readFileSync(join(dir, 'known_hosts.hashed'), 'utf8'), { file: 'known_hosts.hashed', strict: true });
    const ed = parsePublicKeyFile(readFileSync(join(dir, 'id_ed25519.pub'), 'utf8'));
    const ec = parsePublicKeyFile(readFileSync(join(dir, 'id_ecdsa256.pub'), 'utf8'));
    expect(lookupKnownHost(kh, 'alpha.example', 22, ed.blob)).toBe('match');
    expect(lookupKnownHost(kh, 'beta.example', 2222, ec.blob)).toBe('match');
    expect(lookupKnownHost(kh, 'beta.example', 22, ec.blob)).toBe('unknown');
    expect(lookupKnownHost(kh, 'Alpha.Example', 22, ed.blob)).toBe('match');
  });
});
