// Tunnel test helpers: a loopback HTTP server serving a deterministic payload and hashing
// uploads, HTTP client calls that hash what they receive, and a background child (ssh -N ...)
// that is always killed. Every wait is bounded.
import { createServer, request, type RequestOptions, type Server } from 'node:http';
import { createHash } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { payload, sha256 } from './interop.ts';

export interface PayloadServer {
  port: number;
  /** sha256 of GET /data. */
  sha256: string;
  size: number;
  close(): Promise<void>;
}

/** The HTTP service of the payload servers: GET /data gives `size` deterministic bytes, POST /upload answers "<bytes> <sha256>" of the body. */
export function payloadService(size: number): { server: Server; sha256: string } {
  const data = payload(size, 5);
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/data') {
      res.writeHead(200, { 'content-length': String(size), 'content-type': 'application/octet-stream' });
      res.end(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      return;
    }
    if (req.method === 'POST' && req.url === '/upload') {
      const h = createHash('sha256');
      let n = 0;
      req.on('data', (d: Buffer) => {
        h.update(d);
        n += d.length;
      });
      req.on('end', () => res.end(`${n} ${h.digest('hex')}`));
      return;
    }
    res.writeHead(404).end();
  });
  return { server, sha256: sha256(data) };
}

/** payloadService on 127.0.0.1 at a free port. */
export async function startPayloadServer(size: number): Promise<PayloadServer> {
  const { server, sha256: digest } = payloadService(size);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    sha256: digest,
    size,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** GET http://127.0.0.1:port/data; resolves with the byte count and sha256 of the body. */
export function download(port: number, timeoutMs = 60_000): Promise<{ bytes: number; sha256: string }> {
  return downloadWith({ host: '127.0.0.1', port }, `port ${port}`, timeoutMs);
}

/** GET /data from where `target` says (host and port, or a unix socketPath); byte count and sha256 of the body. */
export function downloadWith(target: RequestOptions, what: string, timeoutMs = 60_000): Promise<{ bytes: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ ...target, path: '/data', timeout: timeoutMs }, (res) => {
      const h = createHash('sha256');
      let bytes = 0;
      res.on('data', (d: Buffer) => {
        h.update(d);
        bytes += d.length;
      });
      res.on('end', () => resolve({ bytes, sha256: h.digest('hex') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`download through ${what} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** POST data to http://127.0.0.1:port/upload; resolves with the server's "<bytes> <sha256>". */
export function upload(port: number, data: Uint8Array, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/upload', method: 'POST', timeout: timeoutMs, headers: { 'content-length': String(data.length) } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`upload through port ${port} timed out`)));
    req.on('error', reject);
    for (let o = 0; o < data.length; o += 1 << 20) req.write(data.subarray(o, o + (1 << 20)));
    req.end();
  });
}

export interface Background {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** Starts a long-running child (argument vector); stop() kills it and waits (bounded). */
export function background(file: string, args: readonly string[], env?: NodeJS.ProcessEnv): Background {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
  live.add(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => { live.delete(child); r(); }));
  return {
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}
