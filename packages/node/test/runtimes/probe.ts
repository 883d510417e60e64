// Runs under Bun (or Node) with @seashell/node exactly as published (its dist): an exec and an
// SFTP read against a real OpenSSH sshd, then exec and SFTP put/get against a Seashell server
// this same process serves with @seashell/node's createServer. Prints one "RESULT {json}" line.
// Input: the JSON in SEASHELL_PROBE (see runtimes-bun.test.ts).
import { connect, createServer } from '@seashell/node';
import { MemoryFileSystem } from '@seashell/core';
import { readFileSync } from 'node:fs';

interface Probe {
  sshd: { port: number; user: string; knownHostsFile: string; file: string };
  clientKey: string;
  clientFingerprint: string;
  hostKey: string;
  /** More logins against sshd: a cipher / MAC / kex and a client key each. */
  matrix: { cipher: string; mac?: string; kex: string; key: string; label: string }[];
}
const p: Probe = JSON.parse(process.env.SEASHELL_PROBE ?? '{}');
const hex = async (b: Uint8Array) => Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', b)), (x) => x.toString(16).padStart(2, '0')).join('');
const clientKey = readFileSync(p.clientKey, 'utf8');
const out: Record<string, unknown> = { runtime: typeof (globalThis as { Bun?: unknown }).Bun !== 'undefined' ? 'bun' : 'node' };

// 1. Real OpenSSH.
{
  const c = await connect({ host: '127.0.0.1', port: p.sshd.port, username: p.sshd.user, privateKey: clientKey, knownHostsFile: p.sshd.knownHostsFile, readyTimeoutMs: 20_000 });
  const r = await c.exec('echo sshd-says-$((6*7))');
  out.sshdExec = r.stdout.trim();
  out.sshdCode = r.code;
  const sftp = await c.sftp();
  const data = await sftp.readFile(p.sshd.file);
  out.sshdSftpBytes = data.length;
  out.sshdSftpSha256 = await hex(data);
  await sftp.end();
  await c.close();
  const matrix: Record<string, string> = {};
  for (const m of p.matrix ?? []) {
    const mc = await connect({
      host: '127.0.0.1',
      port: p.sshd.port,
      username: p.sshd.user,
      privateKey: readFileSync(m.key, 'utf8'),
      knownHostsFile: p.sshd.knownHostsFile,
      algorithms: { cipher: [m.cipher], kex: [m.kex], ...(m.mac ? { mac: [m.mac] } : {}) },
      readyTimeoutMs: 20_000,
    });
    const a = mc.algorithms;
    matrix[m.label] = `${(await mc.exec('echo ok')).stdout.trim()} ${a.cipherServerToClient} ${a.macServerToClient ?? 'aead'} ${a.kex}`;
    await mc.close();
  }
  out.sshdMatrix = matrix;
}

// 2. Our own server, in this runtime.
{
  const server = createServer({
    hostKeys: [readFileSync(p.hostKey, 'utf8')],
    methods: ['publickey'],
    authenticate: (ctx) => ctx.method === 'publickey' && ctx.key.fingerprint === p.clientFingerprint,
    onExec: (exec) => {
      exec.write(new TextEncoder().encode(`ran:${exec.command}\n`));
      exec.exit(3);
    },
    sftp: new MemoryFileSystem(),
  });
  const addr = await server.listen(0, '127.0.0.1');
  const c = await connect({ host: '127.0.0.1', port: addr.port, username: 'probe', privateKey: clientKey, hostVerifier: () => true, readyTimeoutMs: 20_000 });
  const r = await c.exec('hello');
  out.ownExec = r.stdout.trim();
  out.ownCode = r.code;
  const sftp = await c.sftp();
  const blob = new Uint8Array(3 * 1024 * 1024 + 17);
  for (let i = 0; i < blob.length; i++) blob[i] = (i * 31 + 7) & 0xff;
  await sftp.writeFile('/blob.bin', blob);
  const back = await sftp.readFile('/blob.bin');
  out.ownSftpRoundTrip = back.length === blob.length && (await hex(back)) === (await hex(blob));
  await sftp.end();
  await c.close();
  await server.close();
}
console.log(`RESULT ${JSON.stringify(out)}`);
process.exit(0);
