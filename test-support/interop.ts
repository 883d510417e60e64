// Helpers shared by the interop suites: a Seashell server (the Node adapter, in-process) serving
// the harness's host and client keys, payload generation and hashing, and per-combination
// algorithm options for each peer.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, NodeFileSystem, type NodeSshServer } from '../packages/node/src/index.ts';
import { runCommand } from '../packages/node/src/cli/serve.ts';
import { parsePublicKeyLine, type AlgorithmRegistry } from '@seashell/core';
import type { KeyFile, KeyKind } from './sshd.ts';
import { tempDir } from './sshd.ts';
import type { Combo } from './matrix.ts';

/** A deterministic pseudo-random payload (xorshift), so failures reproduce. */
export function payload(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  const v = new Uint32Array(out.buffer, 0, n >>> 2);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < v.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    v[i] = x >>> 0;
  }
  for (let i = v.length * 4; i < n; i++) out[i] = i & 0xff;
  return out;
}

export function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

export interface OurServer {
  server: NodeSshServer;
  port: number;
  /** known_hosts naming every host key for [127.0.0.1]:port. */
  knownHostsFile: string;
  /** Every authentication the server accepted: method and key fingerprint. */
  logins: { method: string; fingerprint?: string; algorithm?: string }[];
  stop(): Promise<void>;
}

/**
 * Starts a Seashell server on 127.0.0.1 with the given host keys (ssh-keygen made), accepting
 * the given client public keys, running commands with /bin/sh -c like `seashell serve`.
 */
export async function startOurServer(opts: {
  hostKeys: readonly KeyFile[];
  clientKeys: readonly KeyFile[];
  registry?: AlgorithmRegistry;
  algorithms?: Record<string, string[]>;
  /** Serve SFTP over this directory (jailed NodeFileSystem). */
  sftpRoot?: string;
}): Promise<OurServer> {
  const allowed = new Set(opts.clientKeys.map((k) => Buffer.from(parsePublicKeyLine(k.publicLine).blob).toString('base64')));
  const logins: OurServer['logins'] = [];
  const server = createServer({
    hostKeys: opts.hostKeys.map((k) => readFileSync(k.path, 'utf8')),
    registry: opts.registry,
    algorithms: opts.algorithms,
    methods: ['publickey'],
    authenticate: (ctx) => {
      if (ctx.method !== 'publickey') return false;
      const ok = allowed.has(Buffer.from(ctx.key.blob).toString('base64'));
      if (ok && ctx.signed) logins.push({ method: ctx.method, fingerprint: ctx.key.fingerprint, algorithm: ctx.key.algorithm });
      return ok;
    },
    onExec: (exec) => runCommand(exec, exec.command, tempDir('seashell-cwd-'), { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/' }),
    sftp: opts.sftpRoot ? await NodeFileSystem.create({ root: opts.sftpRoot }) : undefined,
  });
  const addr = await server.listen(0, '127.0.0.1');
  const dir = tempDir('seashell-our-');
  const knownHostsFile = join(dir, 'known_hosts');
  writeFileSync(knownHostsFile, opts.hostKeys.map((h) => `[127.0.0.1]:${addr.port} ${h.publicLine.split(' ').slice(0, 2).join(' ')}\n`).join(''));
  return { server, port: addr.port, knownHostsFile, logins, stop: () => server.close() };
}

/** Our client's algorithm lists for one combination. */
export function clientAlgorithms(c: Combo): { kex: string[]; hostKey: string[]; cipher: string[]; mac?: string[] } {
  return { kex: [c.kex], hostKey: [c.hostKey], cipher: [c.cipher], ...(c.mac ? { mac: [c.mac] } : {}) };
}

/** OpenSSH ssh -o options pinning one combination. */
export function sshAlgorithmArgs(c: Combo): string[] {
  return [
    '-o', `KexAlgorithms=${c.kex}`,
    '-o', `HostKeyAlgorithms=${c.hostKey}`,
    '-o', `Ciphers=${c.cipher}`,
    ...(c.mac ? ['-o', `MACs=${c.mac}`] : []),
  ];
}

/** Client key kinds rotated through the combinations, so every user key type logs in somewhere. */
export const CLIENT_KINDS: readonly KeyKind[] = ['ed25519', 'ecdsa256', 'rsa', 'ecdsa384', 'ecdsa521'];

/**
 * Writes `data` into a remote command's stdin (1 MiB writes, then EOF) while reading its stdout;
 * resolves with how many bytes came back and their SHA-256. Either side failing rejects.
 */
export async function roundTrip(p: { stdin: WritableStream<Uint8Array>; stdout: ReadableStream<Uint8Array> }, data: Uint8Array): Promise<{ bytes: number; sha256: string }> {
  const h = createHash('sha256');
  let bytes = 0;
  const reading = (async () => {
    const r = p.stdout.getReader();
    for (;;) {
      const { value, done } = await r.read();
      if (done) return;
      h.update(value);
      bytes += value.length;
    }
  })();
  const writing = (async () => {
    const w = p.stdin.getWriter();
    for (let off = 0; off < data.length; off += 1 << 20) await w.write(data.subarray(off, off + (1 << 20)));
    await w.close();
  })();
  await Promise.all([reading, writing]);
  return { bytes, sha256: h.digest('hex') };
}
