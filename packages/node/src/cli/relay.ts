// `seashell relay`: a WebSocket ⇄ TCP bridge for browsers (@seashell/browser). Each WebSocket
// becomes one TCP connection to an allow-listed target, chosen with ?target=HOST:PORT in the URL
// (or the only allowed target when there is just one); binary messages carry the bytes both ways.
// The browser runs SSH itself: the relay only ever sees ciphertext. Anything else is refused with
// a reason the page can read (close code 1008 and a reason string) or, before the upgrade, an
// HTTP status (origin not allowed, too many connections). Buffers are bounded both ways: a full
// TCP socket pauses the WebSocket, a WebSocket with too much queued pauses the TCP socket.
import { createServer as httpCreateServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer, RawData } from 'ws';
import type { Command } from './command.ts';
import { list, parseArgs, str, UsageError } from './args.ts';
import { parseListen } from './serve.ts';

export interface RelayTarget {
  host: string;
  port: number;
}

export interface RelayOptions {
  /** Where to listen (default 127.0.0.1:8022). */
  host?: string;
  port?: number;
  /** The only targets a WebSocket may reach. */
  allow: readonly RelayTarget[];
  /** Origin header values allowed to connect (e.g. 'https://app.example'); absent: any origin. */
  origins?: readonly string[];
  /** Open WebSockets at once (default 64); more get HTTP 503. */
  maxConnections?: number;
  /** Milliseconds to reach the target (default 10 000). */
  connectTimeoutMs?: number;
  /** Bytes queued in either direction before that side is paused (default 1 MiB). */
  highWaterMark?: number;
  /** Largest WebSocket message accepted (default 1 MiB; @seashell/browser sends at most 256 KiB). */
  maxMessage?: number;
  /** One line per event (default: none). */
  log?: (line: string) => void;
}

export interface Relay {
  /** The listening address. */
  readonly address: { address: string; port: number };
  /** WebSockets open now. */
  readonly connections: number;
  /** Stops listening and closes every bridge. */
  close(): Promise<void>;
}

/** "HOST:PORT" or "[V6]:PORT" as a target; undefined when malformed. */
export function parseTarget(v: string): RelayTarget | undefined {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(v) ?? /^([^:/\s]+):(\d{1,5})$/.exec(v);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1].toLowerCase(), port };
}

const show = (t: RelayTarget) => (t.host.includes(':') ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`);
/** A close reason fits in 123 bytes (RFC 6455 §5.5: control frame payload 125, minus the code). */
const reasonText = (s: string) => (new TextEncoder().encode(s).length <= 123 ? s : s.slice(0, 120) + '...');

/** Picks the target a request asks for, or says why it may not have one. */
export function chooseTarget(url: string | undefined, allow: readonly RelayTarget[]): RelayTarget | string {
  let asked: string | null = null;
  try {
    const u = new URL(url ?? '/', 'ws://relay');
    asked = u.searchParams.get('target');
    if (asked === null && u.pathname.length > 1) asked = decodeURIComponent(u.pathname.slice(1));
  } catch {
    return 'malformed request URL';
  }
  if (asked === null || asked === '') {
    if (allow.length === 1) return allow[0];
    return `choose a target with ?target=HOST:PORT (allowed: ${allow.map(show).join(', ')})`;
  }
  const t = parseTarget(asked);
  if (!t) return `target "${asked.slice(0, 60)}" is not HOST:PORT`;
  const ok = allow.find((a) => a.host === t.host && a.port === t.port);
  return ok ?? `target ${show(t)} is not allowed by this relay (allowed: ${allow.map(show).join(', ')})`;
}

/** Starts a relay; resolves once it listens. */
export function startRelay(options: RelayOptions): Promise<Relay> {
  const allow = options.allow.map((t) => ({ host: t.host.toLowerCase(), port: t.port }));
  if (allow.length === 0) throw new TypeError('startRelay: allow must list at least one target');
  for (const t of allow) if (!t.host || !Number.isInteger(t.port) || t.port < 1 || t.port > 65535) throw new TypeError(`startRelay: bad target ${JSON.stringify(t)}`);
  // ws (with the http, https and zlib it loads) only once a relay starts: loading it cost every
  // other `seashell` command ~40 ms of start-up.
  return import('ws').then(({ WebSocketServer: Wss }) => listen(Wss, options, allow));
}

function listen(Wss: typeof WebSocketServer, options: RelayOptions, allow: RelayTarget[]): Promise<Relay> {
  const maxConnections = options.maxConnections ?? 64;
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const hwm = options.highWaterMark ?? 1 << 20;
  const log = options.log ?? (() => {});
  const live = new Set<WebSocket>();

  const http: HttpServer = httpCreateServer((req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain; charset=utf-8', upgrade: 'websocket' });
    res.end(`seashell relay: connect with a WebSocket, e.g. ws://HOST:PORT/?target=${show(allow[0])}\n`);
  });
  const wss = new Wss({ noServer: true, maxPayload: options.maxMessage ?? 1 << 20, perMessageDeflate: false });

  const refuseUpgrade = (socket: Duplex, status: number, text: string, why: string) => {
    log(`refused upgrade: ${why}`);
    socket.end(`HTTP/1.1 ${status} ${text}\r\nconnection: close\r\ncontent-type: text/plain; charset=utf-8\r\nx-seashell-relay-reason: ${why.replace(/[\r\n]/g, ' ')}\r\n\r\n${why}\n`);
  };

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    const origin = req.headers.origin;
    if (options.origins && !(origin && options.origins.includes(origin))) return refuseUpgrade(socket, 403, 'Forbidden', `origin ${origin ?? '(none)'} is not allowed`);
    if (live.size >= maxConnections) return refuseUpgrade(socket, 503, 'Service Unavailable', `too many connections (${maxConnections})`);
    wss.handleUpgrade(req, socket, head, (ws) => bridge(ws, req));
  });

  function bridge(ws: WebSocket, req: IncomingMessage): void {
    const who = `${req.socket.remoteAddress}:${req.socket.remotePort}`;
    const target = chooseTarget(req.url, allow);
    if (typeof target === 'string') {
      log(`${who}: refused: ${target}`);
      ws.close(1008, reasonText(target));
      return;
    }
    live.add(ws);
    let tcp: Socket | undefined;
    let connected = false;
    let pendingBytes = 0;
    const pending: Buffer[] = []; // WebSocket data that arrived before the TCP connection was up
    const done = (code: number, why: string) => {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reasonText(why));
      tcp?.destroy();
    };
    log(`${who}: -> ${show(target)}`);
    tcp = netConnect({ host: target.host, port: target.port });
    tcp.setNoDelay(true);
    const timer = setTimeout(() => done(1011, `target ${show(target)} did not answer within ${connectTimeoutMs} ms`), connectTimeoutMs);
    tcp.on('connect', () => {
      clearTimeout(timer);
      connected = true;
      for (const b of pending.splice(0)) tcp!.write(b);
      pendingBytes = 0;
    });
    tcp.on('data', (d: Buffer) => {
      ws.send(d, { binary: true }, () => {
        if (tcp!.isPaused() && ws.bufferedAmount < hwm / 2) tcp!.resume();
      });
      if (ws.bufferedAmount >= hwm) tcp!.pause();
    });
    tcp.on('drain', () => ws.resume());
    tcp.on('end', () => done(1000, 'target closed the connection'));
    tcp.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      done(1011, connected ? `target connection failed: ${e.code ?? e.message}` : `cannot reach target ${show(target)}: ${e.code ?? e.message}`);
    });
    tcp.on('close', () => {
      clearTimeout(timer);
      done(1000, 'target closed the connection');
    });

    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (!isBinary) return done(1003, 'binary messages only');
      const b = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
      if (!connected) {
        pendingBytes += b.length;
        if (pendingBytes > hwm) return done(1009, 'too much data before the target connected');
        pending.push(b);
        return;
      }
      if (!tcp!.write(b)) ws.pause();
    });
    ws.on('close', () => {
      live.delete(ws);
      clearTimeout(timer);
      // Let what the browser sent reach the target, then close.
      if (connected) tcp!.end();
      else tcp!.destroy();
      setTimeout(() => tcp!.destroy(), 5_000).unref();
      log(`${who}: closed`);
    });
    ws.on('error', () => tcp?.destroy());
  }

  return new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 8022, options.host ?? '127.0.0.1', () => {
      http.off('error', reject);
      const a = http.address() as { address: string; port: number };
      resolve({
        address: { address: a.address, port: a.port },
        get connections() {
          return live.size;
        },
        close: () =>
          new Promise<void>((r) => {
            for (const ws of live) ws.terminate();
            wss.close();
            http.close(() => r());
            http.closeAllConnections?.();
          }),
      });
    });
  });
}

const usage = `usage: seashell relay [--listen ADDR:PORT] [--allow HOST:PORT]... [--origin ORIGIN]... [--max-connections N]

Bridges WebSockets to TCP for @seashell/browser: one TCP connection per WebSocket, binary
messages both ways. The browser does all of SSH; the relay sees only ciphertext.

  --listen ADDR:PORT     where to listen (default 127.0.0.1:8022; loopback unless told otherwise)
  --allow HOST:PORT      a target WebSockets may reach (repeatable; default 127.0.0.1:22 only).
                         Pick one with ws://ADDR:PORT/?target=HOST:PORT; with a single --allow
                         the target may be left out. Everything else is refused with a reason.
  --origin ORIGIN        only pages from this origin may connect (repeatable; default: any)
  --max-connections N    open WebSockets at once (default 64)
`;

const spec = {
  help: { aliases: ['-h'] },
  listen: { value: true },
  allow: { value: true, multiple: true },
  origin: { value: true, multiple: true },
  maxConnections: { value: true, aliases: ['--max-connections'] },
};

export const relay: Command = {
  summary: 'bridge WebSockets to TCP (allow-listed targets) for @seashell/browser',
  usage,
  async run(argv) {
    const p = parseArgs(argv, spec);
    if (p.options.help) {
      process.stdout.write(usage);
      return 0;
    }
    if (p.positionals.length) throw new UsageError(`unexpected argument "${p.positionals[0]}"`);
    const { host, port } = parseListen(str(p, 'listen') ?? '127.0.0.1:8022');
    const allow = list(p, 'allow').map((v) => {
      const t = parseTarget(v);
      if (!t) throw new UsageError(`--allow wants HOST:PORT, got "${v}"`);
      return t;
    });
    if (allow.length === 0) allow.push({ host: '127.0.0.1', port: 22 });
    const maxRaw = str(p, 'maxConnections');
    const maxConnections = maxRaw === undefined ? undefined : Number(maxRaw);
    if (maxConnections !== undefined && (!Number.isInteger(maxConnections) || maxConnections < 1)) throw new UsageError(`--max-connections wants a positive integer, got "${maxRaw}"`);
    const origins = list(p, 'origin');
    const r = await startRelay({
      host,
      port,
      allow,
      origins: origins.length ? origins : undefined,
      maxConnections,
      log: (line) => process.stderr.write(`seashell relay: ${line}\n`),
    });
    const a = r.address;
    const loop = a.address === '::1' || a.address.startsWith('127.');
    process.stdout.write(`seashell relay: listening on ws://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}/${loop ? '' : ' (NOT loopback: reachable from the network)'}\n`);
    process.stdout.write(`targets allowed: ${allow.map(show).join(', ')}${allow.length > 1 ? ' (choose with ?target=HOST:PORT)' : ''}\n`);
    process.stdout.write(`origins allowed: ${origins.length ? origins.join(', ') : 'any'}; stop with Ctrl-C\n`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        r.close().then(resolve);
        setTimeout(resolve, 2000).unref();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    return 0;
  },
};
