// Seashell on Bun: @seashell/node unchanged (Bun runs Node's net and fs). Connects, checks the
// host key against ~/.ssh/known_hosts, logs in with your key, runs a command, and lists your
// home directory over SFTP.   npx bun examples/bun.ts [user@]host[:port] [command...]
// (after `npm run build`; the key is $SEASHELL_KEY or ~/.ssh/id_ed25519, id_ecdsa, id_rsa)
import { readFileSync, existsSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { connect } from '@seashell/node';

const [dest, ...command] = process.argv.slice(2);
if (!dest) {
  console.error('usage: bun examples/bun.ts [user@]host[:port] [command...]');
  process.exit(2);
}
const m = /^(?:([^@]+)@)?([^:]+)(?::(\d+))?$/.exec(dest);
if (!m) throw new Error(`cannot read destination "${dest}"`);
const home = process.env.HOME || homedir();
const keyFile = process.env.SEASHELL_KEY ?? ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => join(home, '.ssh', f)).find((f) => existsSync(f));
if (!keyFile) throw new Error('no key: set SEASHELL_KEY or create ~/.ssh/id_ed25519');

const client = await connect({
  host: m[2],
  port: m[3] ? Number(m[3]) : 22,
  // $USER first: Bun's os.userInfo().username reads only $USER and says "unknown" without it
  username: m[1] ?? process.env.USER ?? userInfo().username,
  privateKey: readFileSync(keyFile, 'utf8'),
  passphrase: process.env.SEASHELL_PASSPHRASE,
});
console.error(`connected from Bun ${Bun.version}: ${client.hostKey.type} ${client.hostKey.fingerprint}`);
const r = await client.exec(command.length ? command.join(' ') : 'uname -a');
process.stdout.write(r.stdout);
process.stderr.write(r.stderr);
const sftp = await client.sftp();
const entries = await sftp.readdirAll('.');
console.error(`home directory over SFTP: ${entries.length} entries`);
await sftp.end();
await client.close();
process.exit(r.code ?? 1);
