// `deno test` suite for @seashell/deno, run by test/deno.test.ts (which starts a real OpenSSH
// sshd and passes its details in SEASHELL_DENO_TEST). Exec and SFTP get/put against sshd, then
// against a Seashell server served by Deno.listen with the DenoFileSystem backend.
import { connect, createServer, DenoFileSystem, SftpError } from '../../mod.ts';

interface Setup {
  sshd: { port: number; user: string; knownHostsFile: string; file: string; fileSha256: string; dir: string };
  clientKey: string;
  clientFingerprint: string;
  hostKey: string;
}
const setup: Setup = JSON.parse(Deno.env.get('SEASHELL_DENO_TEST') ?? '{}');
const clientKey = await Deno.readTextFile(setup.clientKey);
const opts = { sanitizeOps: false, sanitizeResources: false };

function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(msg);
}
function assertEquals<T>(a: T, b: T, what: string): void {
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${what}: expected ${JSON.stringify(b)}, got ${JSON.stringify(a)}`);
}
async function sha256(b: Uint8Array): Promise<string> {
  return Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', b as Uint8Array<ArrayBuffer>)), (x) => x.toString(16).padStart(2, '0')).join('');
}
function pattern(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

Deno.test('exec against OpenSSH sshd, host key checked against known_hosts', opts, async () => {
  const c = await connect({ host: '127.0.0.1', port: setup.sshd.port, username: setup.sshd.user, privateKey: clientKey, knownHostsFile: setup.sshd.knownHostsFile });
  try {
    const r = await c.exec('echo deno-$((6*7)); echo err >&2; exit 5');
    assertEquals(r.stdout, 'deno-42\n', 'stdout');
    assertEquals(r.code, 5, 'exit code');
    assert(r.stderr.includes('err'), `stderr ${r.stderr}`);
  } finally {
    await c.close();
  }
});

Deno.test('an unknown host key is refused (strict by default)', opts, async () => {
  const empty = await Deno.makeTempFile();
  let err: unknown;
  try {
    await connect({ host: '127.0.0.1', port: setup.sshd.port, username: setup.sshd.user, privateKey: clientKey, knownHostsFile: empty });
  } catch (e) {
    err = e;
  }
  assert(err instanceof Error && /host key|known_hosts/i.test(err.message), `expected a host key refusal, got ${err}`);
  assertEquals(await Deno.readTextFile(empty), '', 'known_hosts left alone');
});

Deno.test('SFTP get and put against OpenSSH sshd', opts, async () => {
  const c = await connect({ host: '127.0.0.1', port: setup.sshd.port, username: setup.sshd.user, privateKey: clientKey, knownHostsFile: setup.sshd.knownHostsFile });
  try {
    const sftp = await c.sftp();
    const got = await sftp.readFile(setup.sshd.file);
    assertEquals(await sha256(got), setup.sshd.fileSha256, 'downloaded sha256');
    const up = pattern(2 * 1024 * 1024 + 3, 7);
    const dest = `${setup.sshd.dir}/deno-upload.bin`;
    await sftp.writeFile(dest, up);
    assertEquals(await sha256(await Deno.readFile(dest)), await sha256(up), 'uploaded file on disk');
    await sftp.end();
  } finally {
    await c.close();
  }
});

Deno.test('own server on Deno.listen: exec, and SFTP put/get on the jailed Deno fs backend', opts, async () => {
  const root = await Deno.makeTempDir({ prefix: 'seashell-deno-root-' });
  await Deno.writeTextFile(`${root}/hello.txt`, 'hello from deno fs\n');
  const logins: string[] = [];
  const server = createServer({
    hostKeys: [await Deno.readTextFile(setup.hostKey)],
    methods: ['publickey'],
    authenticate: (ctx) => {
      const ok = ctx.method === 'publickey' && ctx.key.fingerprint === setup.clientFingerprint;
      if (ok && ctx.method === 'publickey' && ctx.signed) logins.push(ctx.key.fingerprint);
      return ok;
    },
    onExec: (exec) => {
      exec.write(new TextEncoder().encode(`ran:${exec.command}:${exec.username}\n`));
      exec.exit(7);
    },
    sftp: await DenoFileSystem.create({ root }),
  });
  const addr = await server.listen(0, '127.0.0.1');
  try {
    const c = await connect({ host: '127.0.0.1', port: addr.port, username: 'dino', privateKey: clientKey, hostVerifier: () => true });
    const r = await c.exec('uptime');
    assertEquals(r.stdout, 'ran:uptime:dino\n', 'exec output');
    assertEquals(r.code, 7, 'exit code');
    assertEquals(logins, [setup.clientFingerprint], 'logins');

    const sftp = await c.sftp();
    assertEquals(new TextDecoder().decode(await sftp.readFile('/hello.txt')), 'hello from deno fs\n', 'get');
    const up = pattern(3 * 1024 * 1024 + 11, 3);
    await sftp.writeFile('/sub-upload.bin', up);
    assertEquals(await sha256(await Deno.readFile(`${root}/sub-upload.bin`)), await sha256(up), 'put landed in the root');
    assertEquals(await sha256(await sftp.readFile('/sub-upload.bin')), await sha256(up), 'get of the put');
    // The jail: '..' is clamped at the root, and a link planted inside that leads out is refused.
    let climbed: unknown;
    try {
      await sftp.readFile('/../../../../etc/hostname');
    } catch (e) {
      climbed = e;
    }
    assert(climbed instanceof Error && (climbed as SftpError).name === 'SftpError', `'..' should stay inside the root, got ${climbed}`);
    await Deno.symlink('/etc', `${root}/out`);
    let viaLink: unknown;
    try {
      await sftp.readFile('/out/hostname');
    } catch (e) {
      viaLink = e;
    }
    assert(viaLink instanceof Error && /outside/.test(viaLink.message), `a link out of the root should be refused, got ${viaLink}`);
    const names = (await sftp.readdirAll('/')).map((e: { filename: string }) => e.filename).sort();
    assert(names.includes('hello.txt') && names.includes('sub-upload.bin'), `readdir: ${names}`);
    await sftp.end();
    await c.close();
  } finally {
    await server.close();
    await Deno.remove(root, { recursive: true });
  }
});
