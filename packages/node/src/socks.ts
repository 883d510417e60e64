// `seashell ssh -D`: a SOCKS proxy (SOCKS5 per RFC 1928 with no authentication, and SOCKS4 /
// SOCKS4a) on a local port; each CONNECT becomes a direct-tcpip channel, so the server makes the
// outgoing connection. The reply is sent once the server answered the channel open. Greetings are
// bounded (a client that sends more than HANDSHAKE_MAX bytes before CONNECT is dropped).
import { createServer, type AddressInfo, type Socket } from 'node:net';
import type { SshClient } from '@seashell/core';
import { socketStream } from './tcp.ts';
import { SOCKET_HIGH_WATER } from './forward.ts';

/** Bytes a SOCKS handshake may take (a 255-byte domain name fits easily). */
const HANDSHAKE_MAX = 1024;
/** Milliseconds a client has to finish its handshake. */
const HANDSHAKE_TIMEOUT_MS = 30_000;

type Parse = { need: true } | { error: Uint8Array | null } | { host: string; port: number; used: number; version: 4 | 5 };

/** SOCKS5: greeting then request (the greeting answer is sent as soon as the greeting is complete). */
function parse5(b: Buffer, greeted: { done: boolean; offset?: number }, socket: Socket): Parse {
  let o = 0;
  if (!greeted.done) {
    if (b.length < 2) return { need: true };
    const n = b[1];
    if (b.length < 2 + n) return { need: true };
    const methods = b.subarray(2, 2 + n);
    if (!methods.includes(0)) return { error: Uint8Array.of(5, 0xff) };
    socket.write(Uint8Array.of(5, 0));
    greeted.done = true;
    o = 2 + n;
  } else o = greeted.offset ?? 0;
  greeted.offset = o;
  if (b.length < o + 4) return { need: true };
  const [ver, cmd, , atyp] = b.subarray(o, o + 4);
  const fail = (rep: number) => ({ error: Uint8Array.of(5, rep, 0, 1, 0, 0, 0, 0, 0, 0) });
  if (ver !== 5) return fail(1);
  if (cmd !== 1) return fail(7);
  let host: string;
  let p = o + 4;
  if (atyp === 1) {
    if (b.length < p + 6) return { need: true };
    host = [...b.subarray(p, p + 4)].join('.');
    p += 4;
  } else if (atyp === 3) {
    if (b.length < p + 1) return { need: true };
    const len = b[p];
    if (b.length < p + 1 + len + 2) return { need: true };
    host = b.subarray(p + 1, p + 1 + len).toString('latin1');
    p += 1 + len;
  } else if (atyp === 4) {
    if (b.length < p + 18) return { need: true };
    const parts: string[] = [];
    for (let i = 0; i < 16; i += 2) parts.push(b.readUInt16BE(p + i).toString(16));
    host = parts.join(':');
    p += 16;
  } else return fail(8);
  if (b.length < p + 2) return { need: true };
  const port = b.readUInt16BE(p);
  return { host, port, used: p + 2, version: 5 };
}

/** SOCKS4 / 4a CONNECT. */
function parse4(b: Buffer): Parse {
  if (b.length < 9) return { need: true };
  if (b[1] !== 1) return { error: Uint8Array.of(0, 0x5b, 0, 0, 0, 0, 0, 0) };
  const port = b.readUInt16BE(2);
  const ip = b.subarray(4, 8);
  const userEnd = b.indexOf(0, 8);
  if (userEnd < 0) return { need: true };
  if (ip[0] === 0 && ip[1] === 0 && ip[2] === 0 && ip[3] !== 0) {
    const hostEnd = b.indexOf(0, userEnd + 1);
    if (hostEnd < 0) return { need: true };
    return { host: b.subarray(userEnd + 1, hostEnd).toString('latin1'), port, used: hostEnd + 1, version: 4 };
  }
  return { host: [...ip].join('.'), port, used: userEnd + 1, version: 4 };
}

/** Listens on bindHost:bindPort as a SOCKS4a/5 proxy whose connections go out through `client`. */
export function startSocksProxy(client: SshClient, bindHost: string, bindPort: number): Promise<{ port: number; close(): void }> {
  const server = createServer({ allowHalfOpen: true, highWaterMark: SOCKET_HIGH_WATER }, (socket) => {
    let buf = Buffer.alloc(0);
    const greeted: { done: boolean; offset?: number } = { done: false };
    const timer = setTimeout(() => socket.destroy(), HANDSHAKE_TIMEOUT_MS);
    socket.on('error', () => {});
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length > HANDSHAKE_MAX) return void socket.destroy();
      const r: Parse = buf[0] === 5 ? parse5(buf, greeted, socket) : buf[0] === 4 ? parse4(buf) : { error: null };
      if ('need' in r) return;
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.pause();
      if ('error' in r) {
        if (r.error) socket.end(r.error);
        else socket.destroy();
        return;
      }
      const rest = buf.subarray(r.used);
      if (rest.length) socket.unshift(rest);
      const ok = r.version === 5 ? Uint8Array.of(5, 0, 0, 1, 0, 0, 0, 0, 0, 0) : Uint8Array.of(0, 0x5a, 0, 0, 0, 0, 0, 0);
      const refused = r.version === 5 ? Uint8Array.of(5, 5, 0, 1, 0, 0, 0, 0, 0, 0) : Uint8Array.of(0, 0x5b, 0, 0, 0, 0, 0, 0);
      try {
        client.pipeTcp(socketStream(socket), r.host, r.port, { host: socket.remoteAddress ?? '127.0.0.1', port: socket.remotePort ?? 0 }, (opened) => {
          socket.write(opened ? ok : refused);
        });
      } catch {
        socket.end(refused);
      }
    };
    socket.on('data', onData);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(bindPort, bindHost, () => {
      server.removeListener('error', reject);
      server.on('error', () => {});
      void client.closed.then(() => server.close());
      resolve({ port: (server.address() as AddressInfo).port, close: () => server.close() });
    });
  });
}
