// @seashell/browser: the promise API of @seashell/core over a WebSocket to a relay that bridges
// to TCP (`seashell relay`, or websockify). Everything SSH happens in the page; the relay sees
// only ciphertext. Web-standard APIs only.
import { connect as coreConnect, fingerprintSha256, type ClientOptions, type HostKeyInfo, type SshClient } from '@seashell/core';
import { openWebSocket, type OpenWebSocketOptions } from './websocket.ts';

export { webSocketStream, openWebSocket, WebSocketClosedError } from './websocket.ts';
export type { WebSocketLike, WebSocketConstructor, WebSocketStreamOptions, OpenWebSocketOptions } from './websocket.ts';
export * from '@seashell/core';

export interface BrowserConnectOptions extends Omit<ClientOptions, 'stream' | 'host'>, Omit<OpenWebSocketOptions, 'timeoutMs'> {
  /** The relay's WebSocket URL, e.g. ws://127.0.0.1:8022/?target=127.0.0.1:2222. */
  url: string | URL;
  /** Host name for known_hosts lookups and messages (default: the URL's target, else its host). */
  host?: string;
  /**
   * Accept the host key only if its fingerprint ("SHA256:...") is one of these. A browser has no
   * known_hosts file: give this, hostVerifier or knownHosts text, or every host is refused.
   */
  hostFingerprint?: string | readonly string[];
  /** Milliseconds to wait for the WebSocket to open (default 20 000). */
  connectTimeoutMs?: number;
}

/** Connects through a WebSocket relay and runs SSH in this page. */
export async function connect(options: BrowserConnectOptions): Promise<SshClient> {
  if (!options || typeof options !== 'object') throw new TypeError('connect() needs an options object');
  const url = new URL(String(options.url));
  const target = url.searchParams.get('target');
  let host = options.host;
  let port = options.port;
  if (host === undefined && target) {
    const i = target.lastIndexOf(':');
    host = i > 0 ? target.slice(0, i).replace(/^\[|\]$/g, '') : target;
    port ??= i > 0 ? Number(target.slice(i + 1)) : 22;
  }
  host ??= url.hostname;
  let hostVerifier = options.hostVerifier;
  if (options.hostFingerprint !== undefined) {
    const wanted = typeof options.hostFingerprint === 'string' ? [options.hostFingerprint] : [...options.hostFingerprint];
    if (wanted.length === 0 || wanted.some((f) => typeof f !== 'string' || !f.startsWith('SHA256:'))) {
      throw new TypeError('hostFingerprint must be "SHA256:..." (as ssh-keygen -l prints it), or a list of them');
    }
    const inner = hostVerifier;
    hostVerifier = async (key: HostKeyInfo) => wanted.includes(fingerprintSha256(key.key)) && (inner ? await inner(key) : true);
  }
  const stream = await openWebSocket(url, { ...options, timeoutMs: options.connectTimeoutMs });
  try {
    return await coreConnect({ ...options, host, port: port ?? 22, stream, hostVerifier });
  } catch (e) {
    stream.destroy();
    throw e;
  }
}
