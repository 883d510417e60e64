// `seashell keygen`: makes a key pair like ssh-keygen -t TYPE [-b BITS] [-N PASS] [-C COMMENT] -f FILE,
// writing FILE (OpenSSH format, mode 0600) and FILE.pub (0644). Never overwrites without --force.
import { hostname, userInfo } from 'node:os';
import { formatPrivateKey, formatPublicKeyLine, generateKey, publicOf } from '@seashell/core';
import type { Command } from './command.ts';
import { flag, parseArgs, str, UsageError } from './args.ts';
import { writeFileSafely, expandHome } from '../files.ts';
import { fingerprintLine } from './keyinfo.ts';
import { existsSync } from 'node:fs';

const usage = `usage: seashell keygen -t ed25519|ecdsa|rsa [-b BITS] [-N PASSPHRASE] [-C COMMENT] -f FILE [--force] [-q]

Generates a key pair: FILE holds the private key (OpenSSH format, mode 0600, encrypted with
bcrypt_pbkdf + aes256-ctr when -N is not empty), FILE.pub the public key line.

  -t TYPE       ed25519, ecdsa or rsa
  -b BITS       ecdsa: 256 (default), 384 or 521; rsa: 2048..8192 (default 3072)
  -N PASSPHRASE passphrase for the private key (default: none)
  -C COMMENT    comment (default: user@host)
  -f FILE       where to write the private key (FILE.pub gets the public key)
  --force       overwrite existing files
  -q            print nothing
`;

const spec = {
  help: { aliases: ['-h'] },
  type: { value: true, aliases: ['-t'] },
  bits: { value: true, aliases: ['-b'] },
  passphrase: { value: true, aliases: ['-N'] },
  comment: { value: true, aliases: ['-C'] },
  file: { value: true, aliases: ['-f'] },
  force: {},
  quiet: { aliases: ['-q'] },
};

export const keygen: Command = {
  summary: 'generate a key pair (ed25519, ecdsa, rsa) in OpenSSH format',
  usage,
  async run(argv) {
    const p = parseArgs(argv, spec);
    if (flag(p, 'help')) {
      process.stdout.write(usage);
      return 0;
    }
    if (p.positionals.length) throw new UsageError(`unexpected argument "${p.positionals[0]}"`);
    const type = str(p, 'type');
    if (type === undefined) throw new UsageError('-t TYPE is required');
    if (type !== 'ed25519' && type !== 'ecdsa' && type !== 'rsa') throw new UsageError(`unknown key type "${type}" (ed25519, ecdsa or rsa)`);
    const bitsText = str(p, 'bits');
    let bits: number | undefined;
    if (bitsText !== undefined) {
      if (!/^\d+$/.test(bitsText)) throw new UsageError(`-b must be a number of bits, got "${bitsText}"`);
      bits = Number(bitsText);
      if (type === 'ed25519' && bits !== 256) throw new UsageError('ed25519 keys have a fixed size; leave out -b');
      if (type === 'ecdsa' && ![256, 384, 521].includes(bits)) throw new UsageError('ecdsa keys are 256, 384 or 521 bits');
      if (type === 'rsa' && (bits < 2048 || bits > 8192)) throw new UsageError('rsa keys are 2048 to 8192 bits here');
      if (type === 'ed25519') bits = undefined;
    }
    const fileArg = str(p, 'file');
    if (!fileArg) throw new UsageError('-f FILE is required');
    const file = expandHome(fileArg);
    const force = flag(p, 'force');
    for (const f of [file, `${file}.pub`]) if (!force && existsSync(f)) throw new Error(`${f} already exists (use --force to overwrite)`);
    const comment = str(p, 'comment') ?? `${userInfo().username}@${hostname()}`;
    const passphrase = str(p, 'passphrase') ?? '';
    const quiet = flag(p, 'quiet');
    if (!quiet) process.stdout.write(`Generating public/private ${type} key pair.\n`);
    const key = generateKey({ type, bits });
    writeFileSafely(file, formatPrivateKey(key, { comment, passphrase: passphrase || undefined }), 0o600, force);
    writeFileSafely(`${file}.pub`, formatPublicKeyLine(key, comment) + '\n', 0o644, force);
    if (!quiet) {
      process.stdout.write(
        `Your identification has been saved in ${file}\nYour public key has been saved in ${file}.pub\nThe key fingerprint is:\n${fingerprintLine(publicOf(key), comment)}\n`,
      );
    }
    return 0;
  },
};
