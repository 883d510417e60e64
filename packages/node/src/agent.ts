// ssh-agent on Node: the agent's unix socket (SSH_AUTH_SOCK) as the stream factory of
// @seashell/core's AgentClient, client-side agent forwarding (ssh -A: channels the server opens
// are joined to our agent socket), and the server side's private agent socket (a unix socket in
// a fresh 0700 directory) whose connections the server relays to the client's agent.
import { connect as netConnect, createServer, type Socket } from 'node:net';
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentClient, type ByteStream, type SshClient } from '@seashell/core';
import { socketStream } from './tcp.ts';

/** Milliseconds to wait for the agent socket to accept. */
const AGENT_CONNECT_TIMEOUT_MS = 10_000;

/** Connects to a unix socket (the agent). */
export function connectUnix(path: string, timeoutMs = AGENT_CONNECT_TIMEOUT_MS): Promise<ByteStream> {
  if (typeof path !== 'string' || path === '') return Promise.reject(new TypeError('agent socket path is empty'));
  return new Promise((resolve, reject) => {
    const socket: Socket = netConnect({ path, allowHalfOpen: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the agent at ${path} did not accept within ${timeoutMs} ms`));
    }, timeoutMs);
    const onError = (e: Error) => {
      clearTimeout(timer);
      reject(new Error(`cannot reach the agent at ${path}: ${e.message}`));
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeListener('error', onError);
      resolve(socketStream(socket));
    });
  });
}

/** An AgentClient on the agent socket at `path`. */
export function agentAt(path: string): AgentClient {
  return new AgentClient(() => connectUnix(path));
}

/** The agent named by SSH_AUTH_SOCK, or null when it is unset. */
export function agentFromEnv(env: NodeJS.ProcessEnv = process.env): AgentClient | null {
  const p = env.SSH_AUTH_SOCK;
  return p ? agentAt(p) : null;
}

/** Lets `client` forward the agent at socketPath (then pass agentForwarding: true to shell/exec). */
export function enableAgentForwarding(client: SshClient, socketPath: string): void {
  client.agentForwarder = () => connectUnix(socketPath);
}

/** Server side: a private agent socket; each connection is handed to onStream (paused). */
export function listenAgentSocket(onStream: (s: ByteStream) => void): Promise<{ path: string; close(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'seashell-agent-'));
  chmodSync(dir, 0o700);
  const path = join(dir, `agent.${process.pid}`);
  return new Promise((resolve, reject) => {
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => onStream(socketStream(socket)));
    server.once('error', (e) => {
      rmSync(dir, { recursive: true, force: true });
      reject(e);
    });
    server.listen(path, () => {
      chmodSync(path, 0o600);
      server.on('error', () => {});
      resolve({
        path,
        close: () => {
          server.close();
          rmSync(dir, { recursive: true, force: true });
        },
      });
    });
  });
}
