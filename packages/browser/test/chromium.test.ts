// `npm run test:browser`, and part of `npm test`: headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core; no browser is ever downloaded) loads a page served from loopback
// whose script bundles @seashell/browser. The page connects through `seashell relay` to a real
// OpenSSH sshd, pins the host key by SHA256 fingerprint, logs in with an ed25519 key, runs an
// exec, downloads a 16 MiB file over SFTP and checks its sha256 itself, and runs the kernel's
// known-answer vectors; the count must equal Node's.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRelay, type Relay } from '../../node/src/cli/relay.ts';
import { describeWithPeer, repoRoot } from '../../../test-support/peers.ts';
import { harnessKeys, sshdAvailable, startSshd, tempDir, SSHD_HINT, type Sshd } from '../../../test-support/sshd.ts';
import { runAll } from '../../../wasm/test/vectors/run-all.ts';
import { bundlePage } from './bundle.ts';

export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Serves fixed paths on 127.0.0.1; resolves with the port. */
export function servePages(pages: Record<string, { type: string; body: string }>): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const p = pages[(req.url ?? '/').split('?')[0]];
    if (!p) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': p.type, 'cache-control': 'no-store' }).end(p.body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port })));
}

describeWithPeer('@seashell/browser in headless Chromium', !!CHROMIUM && sshdAvailable, `apt-get install chromium; ${SSHD_HINT}`, () => {
  let sshd: Sshd;
  let relay: Relay;
  let http: Server;
  let exampleServer: Server;
  let browser: Browser;
  let pageUrl: string;
  let exampleUrl: string;
  const size = 16 * 1024 * 1024;
  let fileSha256: string;
  let file: string;

  beforeAll(async () => {
    sshd = await startSshd({ hostKeyKinds: ['ed25519'] });
    relay = await startRelay({ port: 0, allow: [{ host: '127.0.0.1', port: sshd.port }] });
    file = join(tempDir('seashell-chromium-'), 'sixteen.bin');
    const data = new Uint8Array(size);
    let x = 12345;
    for (let i = 0; i < size; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      data[i] = x >>> 23;
    }
    writeFileSync(file, data);
    fileSha256 = createHash('sha256').update(data).digest('hex');
    const script = await bundlePage(join(repoRoot, 'packages/browser/test/page/main.ts'));
    const config = {
      url: `ws://127.0.0.1:${relay.address.port}/?target=127.0.0.1:${sshd.port}`,
      username: sshd.user,
      privateKey: readFileSync(harnessKeys().clientKeys.ed25519.path, 'utf8'),
      hostFingerprint: sshd.hostKeys[0].fingerprint,
      command: 'echo browser-$((6*7))',
      file,
      fileSha256,
    };
    const served = await servePages({
      '/': { type: 'text/html; charset=utf-8', body: '<!doctype html><meta charset="utf-8"><title>seashell</title><pre id="log"></pre><script type="module" src="/main.js"></script>' },
      '/main.js': { type: 'text/javascript; charset=utf-8', body: script },
      '/config.json': { type: 'application/json', body: JSON.stringify(config) },
    });
    http = served.server;
    pageUrl = `http://127.0.0.1:${served.port}/`;
    // examples/browser: its own page and script, as examples/browser/serve.mjs serves them
    const example = await servePages({
      '/': { type: 'text/html; charset=utf-8', body: readFileSync(join(repoRoot, 'examples/browser/index.html'), 'utf8') },
      '/main.js': { type: 'text/javascript; charset=utf-8', body: await bundlePage(join(repoRoot, 'examples/browser/main.ts')) },
    });
    exampleServer = example.server;
    exampleUrl = `http://127.0.0.1:${example.port}/`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: 30_000 });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => (http ? http.close(r) : r(undefined)));
    await new Promise((r) => (exampleServer ? exampleServer.close(r) : r(undefined)));
    await relay?.close();
    await sshd?.stop();
  });

  it('runs SSH in the page: fingerprint-pinned host key, ed25519 login, exec, 16 MiB SFTP download, kernel vectors', { timeout: 120_000 }, async () => {
    const page = await browser.newPage();
    const consoleLines: string[] = [];
    page.on('console', (m) => consoleLines.push(m.text()));
    page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
    await page.goto(pageUrl, { timeout: 30_000 });
    await page.waitForFunction(() => (window as unknown as { __seashell?: unknown }).__seashell !== undefined, undefined, { timeout: 100_000, polling: 200 });
    const result = (await page.evaluate(() => (window as unknown as { __seashell: unknown }).__seashell)) as Record<string, any>;
    await page.close();
    expect(result.error, `${result.error}\n${consoleLines.join('\n')}`).toBeUndefined();
    expect(result.userAgent).toMatch(/Chrome/);
    expect(result.hostKey).toEqual({ type: 'ssh-ed25519', fingerprint: sshd.hostKeys[0].fingerprint });
    expect(result.exec).toEqual({ stdout: 'browser-42\n', code: 0 });
    expect(result.sftp.bytes).toBe(size);
    expect(result.sftp.sha256).toBe(fileSha256);
    expect(result.sftp.matches).toBe(true);
    const node = runAll();
    expect(result.vectors.failures).toEqual([]);
    expect(result.vectors.passed).toBe(node.passed);
    expect(node.passed).toBeGreaterThan(0);
    console.log(`chromium: ${result.vectors.passed} kernel vectors; SFTP ${result.sftp.mibPerSec} MiB/s; ${JSON.stringify(result.algorithms)}`);
  });

  it('examples/browser: the form connects through the relay and shows the command output', { timeout: 60_000 }, async () => {
    const page = await browser.newPage();
    await page.goto(exampleUrl, { timeout: 30_000 });
    await page.fill('input[name=url]', `ws://127.0.0.1:${relay.address.port}/?target=127.0.0.1:${sshd.port}`);
    await page.fill('input[name=username]', sshd.user);
    await page.fill('input[name=fingerprint]', sshd.hostKeys[0].fingerprint);
    await page.fill('textarea[name=key]', readFileSync(harnessKeys().clientKeys.ed25519.path, 'utf8'));
    await page.fill('input[name=command]', 'echo example-$((6*7))');
    await page.click('button');
    await page.waitForFunction(() => /\[exit|error:/.test(document.getElementById('out')?.textContent ?? ''), undefined, { timeout: 45_000, polling: 200 });
    const text = await page.textContent('#out');
    await page.close();
    expect(text).toContain(`host key ssh-ed25519 ${sshd.hostKeys[0].fingerprint} matches`);
    expect(text).toContain('example-42\n[exit 0]');
  });
});
