// Our client against OpenSSH sshd: client.shell() on a pty (tty, size, resize, exit status),
// exec with a pty, openTcp, forwardLocal and forwardRemote carrying 64 MiB to a loopback HTTP
// server with equal SHA-256, a refused remote forward as an error, and keepalives sshd answers.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { describeWithSshd, freePort, startSshd, tempDir, sshdLogin, type Sshd } from '../../../test-support/sshd.ts';
import { payload, sha256 } from '../../../test-support/interop.ts';
import { download, startPayloadServer, upload, type PayloadServer } from '../../../test-support/tunnel.ts';
import { connect, connectStream, type SshClient } from '../src/index.ts';

const BIG = 64 << 20;

/** Reads a stream until `re` matches what arrived (bounded). */
async function readUntil(r: ReadableStreamDefaultReader<Uint8Array>, re: RegExp, timeoutMs = 15_000): Promise<string> {
  let text = '';
  const dec = new TextDecoder();
  const deadline = Date.now() + timeoutMs;
  while (!re.test(text)) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`did not see ${re} within ${timeoutMs} ms; got:\n${text}`);
    const next = await Promise.race([r.read(), new Promise<'timeout'>((res) => setTimeout(() => res('timeout'), left))]);
    if (next === 'timeout') continue;
    if (next.done) throw new Error(`stream ended before ${re}; got:\n${text}`);
    text += dec.decode(next.value, { stream: true });
  }
  return text;
}

describeWithSshd('our client -> OpenSSH sshd: shell and forwarding', () => {
  let sshd: Sshd;
  let http: PayloadServer;
  let client: SshClient;
  beforeAll(async () => {
    sshd = await startSshd({ extraConfig: ['AllowTcpForwarding yes', 'GatewayPorts no', 'PermitTTY yes', 'ClientAliveInterval 0'] });
    http = await startPayloadServer(BIG);
    client = await connect({
      ...sshdLogin(sshd),
      keepaliveIntervalMs: 300,
      keepaliveCountMax: 3,
    });
  });
  afterAll(async () => {
    await client?.close();
    await sshd?.stop();
    await http?.close();
  });

  it('shell(): a pty of the asked size that follows resize(), and the exit status', async () => {
    const sh = await client.shell({ term: 'xterm', cols: 91, rows: 27 });
    expect(sh.ptyRefused).toBe(false);
    const r = sh.stdout.getReader();
    const w = sh.stdin.getWriter();
    const enc = new TextEncoder();
    await w.write(enc.encode('exec /bin/sh\n'));
    await w.write(enc.encode('echo "T:$(tty) S:$(stty size) E:$TERM"\n'));
    expect(await readUntil(r, /T:\/dev\/pts\/\d+ S:27 91 E:xterm/)).toBeTruthy();
    sh.resize(120, 33);
    await w.write(enc.encode('echo "R:$(stty size)"\n'));
    await readUntil(r, /R:33 120/);
    await w.write(enc.encode('exit 3\n'));
    // drain the rest so the window stays open
    void (async () => {
      for (;;) if ((await r.read()).done) return;
    })();
    expect(await sh.exit).toEqual({ code: 3, signal: null });
  });

  it('exec with pty: true runs on a terminal', async () => {
    const p = await client.execStream('tty; stty size', { pty: { cols: 50, rows: 10 } });
    const r = p.stdout.getReader();
    const text = await readUntil(r, /10 50/);
    expect(text).toMatch(/\/dev\/pts\/\d+/);
    expect((await p.exit).code).toBe(0);
  });

  it('openTcp(): a direct-tcpip duplex to the HTTP server', async () => {
    const t = await client.openTcp('127.0.0.1', http.port);
    const w = t.writable.getWriter();
    await w.write(new TextEncoder().encode('GET /nothing HTTP/1.0\r\n\r\n'));
    const text = await readUntil(t.readable.getReader(), /HTTP\/1\.1 404/);
    expect(text).toMatch(/^HTTP\/1\.1 404/);
    t.close();
    await t.closed;
  });

  it('openTcp() to a closed port rejects with the server reason', async () => {
    const port = await freePort();
    await expect(client.openTcp('127.0.0.1', port)).rejects.toThrow(/refused to connect to 127\.0\.0\.1:\d+/);
  });

  it('forwardLocal (-L): 64 MiB each way, sha256 equal', async () => {
    const fwd = await client.forwardLocal({ bindHost: '127.0.0.1', bindPort: 0, host: '127.0.0.1', port: http.port });
    try {
      expect(await download(fwd.bindPort)).toEqual({ bytes: BIG, sha256: http.sha256 });
      const up = payload(BIG, 3);
      expect(await upload(fwd.bindPort, up)).toBe(`${BIG} ${sha256(up)}`);
    } finally {
      fwd.close();
    }
  });

  it('forwardRemote (-R): 64 MiB through a port sshd listens on, sha256 equal', async () => {
    const fwd = await client.forwardRemote({ bindHost: '127.0.0.1', bindPort: 0 }, () => connectStream('127.0.0.1', http.port));
    try {
      expect(fwd.bindPort).toBeGreaterThan(0);
      expect(await download(fwd.bindPort)).toEqual({ bytes: BIG, sha256: http.sha256 });
    } finally {
      await fwd.close();
    }
  });

  it('a remote forward sshd refuses is an error, not silence', async () => {
    // a privileged port as a non-root user, or a port already taken when root
    const taken = sshd.port;
    await expect(client.forwardRemote({ bindHost: '127.0.0.1', bindPort: taken }, () => connectStream('127.0.0.1', http.port))).rejects.toThrow(/refused to listen/);
  });

  it('keepalives are answered and the connection stays up', async () => {
    await new Promise((r) => setTimeout(r, 1500));
    const r = await client.exec('echo still-here');
    expect(r.stdout).toBe('still-here\n');
  });
});

describeWithSshd('our client -> OpenSSH sshd: unix socket forwarding', () => {
  it('openUnix(): a direct-streamlocal channel to a unix socket the server reaches', async () => {
    const sshd = await startSshd({ extraConfig: ['AllowStreamLocalForwarding yes'] });
    const path = join(tempDir('seashell-unix-'), 'echo.sock');
    const echo = createNetServer((s) => s.pipe(s)).listen(path);
    await new Promise((r) => echo.once('listening', r));
    const client = await connect(sshdLogin(sshd));
    try {
      const t = await client.openUnix(path);
      const w = t.writable.getWriter();
      await w.write(new TextEncoder().encode('ping-unix'));
      expect(await readUntil(t.readable.getReader(), /ping-unix/)).toBe('ping-unix');
      t.close();
      await expect(client.openUnix(`${path}.missing`)).rejects.toThrow(/refused to connect/);
    } finally {
      await client.close();
      echo.close();
      await sshd.stop();
    }
  });
});
