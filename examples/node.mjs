#!/usr/bin/env node
// Seashell on Node: connect, check the host key against ~/.ssh/known_hosts, log in with your key,
// run a command.   node examples/node.mjs [user@]host[:port] [command...]
// (after `npm run build`; the key is $SEASHELL_KEY or ~/.ssh/id_ed25519, id_ecdsa, id_rsa)
import { readFileSync, existsSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { connect } from '@seashell/node';

const [dest, ...command] = process.argv.slice(2);
if (!dest) {
  console.error('usage: node examples/node.mjs [user@]host[:port] [command...]');
  process.exit(2);
}
const m = /^(?:([^@]+)@)?([^:]+)(?::(\d+))?$/.exec(dest);
if (!m) throw new Error(`cannot read destination "${dest}"`);
const home = process.env.HOME || homedir();
const keyFile = process.env.SEASHELL_KEY ?? ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => join(home, '.ssh', f)).find(existsSync);
if (!keyFile) throw new Error('no key: set SEASHELL_KEY or create ~/.ssh/id_ed25519');

const client = await connect({
  host: m[2],
  port: m[3] ? Number(m[3]) : 22,
  username: m[1] ?? userInfo().username,
  privateKey: readFileSync(keyFile, 'utf8'),
  passphrase: process.env.SEASHELL_PASSPHRASE,
});
console.error(`connected: ${client.hostKey.type} ${client.hostKey.fingerprint}`);
const r = await client.exec(command.length ? command.join(' ') : 'uname -a');
process.stdout.write(r.stdout);
process.stderr.write(r.stderr);
await client.close();
process.exitCode = r.code ?? 1;
