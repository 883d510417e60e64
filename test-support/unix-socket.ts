// Unix-socket helpers for streamlocal tunnel tests (OpenSSH PROTOCOL §2.4): an HTTP server on a
// unix socket serving the same deterministic payload as tunnel.ts, a download over a unix socket
// that hashes what it receives, and bounded waits for a socket to accept or to vanish.
import { connect } from 'node:net';
import { existsSync } from 'node:fs';
import { downloadWith, payloadService } from './tunnel.ts';

export interface UnixPayloadServer {
  path: string;
  /** sha256 of GET /data. */
  sha256: string;
  size: number;
  close(): Promise<void>;
}

/** payloadService (GET /data: the same bytes as startPayloadServer's) on the unix socket `path`. */
export async function startUnixPayloadServer(path: string, size: number): Promise<UnixPayloadServer> {
  const { server, sha256: digest } = payloadService(size);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  return {
    path,
    sha256: digest,
    size,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/**
 * GET /data through the unix socket at `path` on a fresh connection (no keep-alive agent, so each
 * call really goes through the socket); resolves with the byte count and sha256 of the body.
 */
export function downloadUnix(path: string, timeoutMs = 60_000): Promise<{ bytes: number; sha256: string }> {
  // agent: false, a fresh connection each time (a kept-alive one could outlive a cancelled forward)
  return downloadWith({ socketPath: path, agent: false }, path, timeoutMs);
}

/** Resolves when the unix socket at `path` accepts a connection; rejects after timeoutMs or once alive() is false. */
export async function waitForSocket(path: string, timeoutMs: number, alive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect({ path });
      c.once('connect', () => { c.destroy(); resolve(true); });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (!alive()) throw new Error(`the process that should listen on ${path} exited`);
    if (Date.now() > deadline) throw new Error(`nothing listened on ${path} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Resolves when nothing exists at `path` any more; rejects after timeoutMs. */
export async function waitForGone(path: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} still exists after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
