// `seashell fingerprint FILE`: prints each key's "<bits> SHA256:<hash> <comment> (<TYPE>)" as
// `ssh-keygen -l -f FILE` does, for .pub files, private keys (their FILE.pub if present, as
// ssh-keygen), authorized_keys and known_hosts files.
import { existsSync, readFileSync } from 'node:fs';
import {
  parseAuthorizedKeys,
  parseKnownHosts,
  parsePrivateKey,
  parsePublicKeyFile,
  privateKeyInfo,
  type PublicKey,
} from '@seashell/core';
import type { Command } from './command.ts';
import { flag, parseArgs, UsageError } from './args.ts';
import { expandHome } from '../files.ts';
import { fingerprintLine } from './keyinfo.ts';

const usage = `usage: seashell fingerprint FILE...

Prints "<bits> SHA256:<fingerprint> <comment> (<TYPE>)" for each key in each FILE, as
ssh-keygen -l -f does. FILE may be a public key, a private key, authorized_keys or known_hosts.
`;

function keysOf(file: string): { key: PublicKey; comment: string }[] {
  const text = readFileSync(file, 'utf8');
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    if (existsSync(`${file}.pub`)) {
      const pub = parsePublicKeyFile(readFileSync(`${file}.pub`, 'utf8'), `${file}.pub`);
      return [{ key: pub.key, comment: pub.comment }];
    }
    const info = privateKeyInfo(text, { file });
    if (!info.encrypted) {
      const kp = parsePrivateKey(text, { file });
      return [{ key: kp.publicKey, comment: kp.comment }];
    }
    if (info.publicKey) return [{ key: info.publicKey, comment: '' }];
    throw new Error(`${file}: the key is encrypted and its public half is not stored in clear`);
  }
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  if (lines.length === 0) throw new Error(`${file}: no keys in the file`);
  try {
    return lines.map((l, i) => {
      const k = parsePublicKeyFile(l, `${file}:${i + 1}`);
      return { key: k.key, comment: k.comment };
    });
  } catch (first) {
    // Not plain key lines: authorized_keys (options first) or known_hosts (host names first).
    const ak = parseAuthorizedKeys(text, { file });
    if (ak.keys.length > 0 && ak.errors.length === 0) return ak.keys.map((k) => ({ key: k.key, comment: k.comment }));
    const kh = parseKnownHosts(text, { file });
    const usable = kh.entries.filter((e) => e.key);
    if (usable.length > 0 && kh.errors.length === 0) return usable.map((e) => ({ key: e.key!, comment: e.hosts }));
    throw first;
  }
}

export const fingerprint: Command = {
  summary: 'print key fingerprints like ssh-keygen -l',
  usage,
  async run(argv) {
    const p = parseArgs(argv, { help: { aliases: ['-h'] }, file: { value: true, aliases: ['-f'] } });
    if (flag(p, 'help')) {
      process.stdout.write(usage);
      return 0;
    }
    const files = [...(typeof p.options.file === 'string' ? [p.options.file] : []), ...p.positionals];
    if (files.length === 0) throw new UsageError('name a key file');
    for (const f of files) {
      for (const k of keysOf(expandHome(f))) process.stdout.write(fingerprintLine(k.key, k.comment) + '\n');
    }
    return 0;
  },
};
