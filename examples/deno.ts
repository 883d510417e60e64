// Seashell on Deno: @seashell/deno on Deno.connect. Connects, checks the host key against
// ~/.ssh/known_hosts, logs in with your key, runs a command, and lists your home directory over SFTP.
//   DENO_NO_PACKAGE_JSON=1 npx deno run --config packages/deno/deno.json --allow-net --allow-read --allow-env examples/deno.ts [user@]host[:port] [command...]
// (after `npm run build`, which generates the kernel's embedded module; the key is $SEASHELL_KEY
// or ~/.ssh/id_ed25519, id_ecdsa, id_rsa)
import { connect } from '../packages/deno/mod.ts';

const [dest, ...command] = Deno.args;
if (!dest) {
  console.error('usage: deno run ... examples/deno.ts [user@]host[:port] [command...]');
  Deno.exit(2);
}
const m = /^(?:([^@]+)@)?([^:]+)(?::(\d+))?$/.exec(dest);
if (!m) throw new Error(`cannot read destination "${dest}"`);
const home = Deno.env.get('HOME') ?? '';
const exists = (f: string) => Deno.stat(f).then(() => true, () => false);
let keyFile = Deno.env.get('SEASHELL_KEY');
for (const f of ['id_ed25519', 'id_ecdsa', 'id_rsa']) if (!keyFile && (await exists(`${home}/.ssh/${f}`))) keyFile = `${home}/.ssh/${f}`;
if (!keyFile) throw new Error('no key: set SEASHELL_KEY or create ~/.ssh/id_ed25519');

const client = await connect({
  host: m[2],
  port: m[3] ? Number(m[3]) : 22,
  username: m[1] ?? Deno.env.get('USER') ?? 'root',
  privateKey: await Deno.readTextFile(keyFile),
  passphrase: Deno.env.get('SEASHELL_PASSPHRASE'),
});
console.error(`connected from Deno ${Deno.version.deno}: ${client.hostKey.type} ${client.hostKey.fingerprint}`);
const r = await client.exec(command.length ? command.join(' ') : 'uname -a');
await Deno.stdout.write(new TextEncoder().encode(r.stdout));
await Deno.stderr.write(new TextEncoder().encode(r.stderr));
const sftp = await client.sftp();
const entries = await sftp.readdirAll('.');
console.error(`home directory over SFTP: ${entries.length} entries`);
await sftp.end();
await client.close();
Deno.exit(r.code ?? 1);
