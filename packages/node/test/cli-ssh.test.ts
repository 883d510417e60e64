// `seashell ssh` (the built CLI) against OpenSSH sshd: an interactive login through tmux (tty,
// stty size following the pane, ~. and the exit code), a command's exit code, -L and -R through
// the CLI, -D as a SOCKS5 and SOCKS4a proxy for curl, and a forward that cannot be set up failing
// loudly, and login failures reported as exec reports them.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithSshd, freePort, run, startSshd, waitForPort, type Sshd } from '../../../test-support/sshd.ts';
import { CLI, cliBuilt, seashell } from '../../../test-support/cli.ts';
import { findBinary } from '../../../test-support/peers.ts';
import { startTerminal, TMUX, type Terminal } from '../../../test-support/tmux.ts';
import { background, download, startPayloadServer, type PayloadServer } from '../../../test-support/tunnel.ts';

const CURL = findBinary('curl', ['/usr/bin/curl']);
const SIZE = 8 << 20;

/** Types a marker line until the remote shell answers it (login scripts may eat early input). */
async function untilAnswered(t: Terminal): Promise<void> {
  for (let i = 0; i < 10; i++) {
    t.line(`echo "P:$((${i}+1000))"`);
    try {
      await t.waitFor(new RegExp(`P:${i + 1000}`), 2_000);
      return;
    } catch {
      /* not ready yet */
    }
  }
  throw new Error(`the remote shell never answered:\n${t.screen()}`);
}

describeWithSshd('seashell ssh -> OpenSSH sshd', () => {
  let sshd: Sshd;
  let http: PayloadServer;
  const terminals: Terminal[] = [];
  const env = { ...process.env, SSH_AUTH_SOCK: '' };
  delete (env as Record<string, string | undefined>).SSH_AUTH_SOCK;

  beforeAll(async () => {
    sshd = await startSshd({ extraConfig: ['AllowTcpForwarding yes', 'GatewayPorts no'] });
    http = await startPayloadServer(SIZE);
  });
  afterAll(async () => {
    for (const t of terminals) t.kill();
    await sshd?.stop();
    await http?.close();
  });

  const base = () => ['-p', String(sshd.port), '-i', sshd.clientKeys.ed25519.path, '-o', `UserKnownHostsFile=${sshd.knownHostsFile}`];
  const dest = () => `${sshd.user}@127.0.0.1`;

  it.runIf(cliBuilt && !!TMUX)('an interactive shell on a pty of the pane size that follows a resize; exit code passes through', async () => {
    const t = startTerminal(['env', 'TERM=xterm-256color', 'sh', '-c', '"$@"; echo "EXIT=$?"; sleep 60', 'sh', process.execPath, CLI, 'ssh', ...base(), dest()], 100, 30);
    terminals.push(t);
    await untilAnswered(t);
    t.line('exec /bin/sh');
    t.line('echo "T:$(tty) E:$TERM"');
    await t.waitFor(/T:\/dev\/pts\/\d+ E:xterm-256color/);
    const size = t.size();
    t.line('echo "S:$(stty size)"');
    await t.waitFor(new RegExp(`S:${size.rows} ${size.cols}`));
    t.resize(120, 40);
    const bigger = t.size();
    await new Promise((r) => setTimeout(r, 300));
    t.line('echo "R:$(stty size)"');
    await t.waitFor(new RegExp(`R:${bigger.rows} ${bigger.cols}`));
    t.line('exit 5');
    await t.waitFor(/EXIT=5/);
  });

  it.runIf(cliBuilt && !!TMUX)('~. disconnects', async () => {
    // escapes work on a terminal session (-t), as with ssh
    const t = startTerminal(['sh', '-c', '"$@"; echo "EXIT=$?"; sleep 60', 'sh', process.execPath, CLI, 'ssh', '-t', ...base(), dest(), 'echo "READY:$((2*3))"; sleep 60'], 80, 24);
    terminals.push(t);
    await t.waitFor(/READY:6/);
    t.keys(['Enter']);
    t.keys(['~.'], true);
    await t.waitFor(/EXIT=255/, 10_000);
  });

  it.runIf(cliBuilt)('a command without a terminal: output and exit code', async () => {
    const r = await seashell(['ssh', ...base(), dest(), 'echo hi; exit 7'], { env });
    expect(r.stdout.toString()).toBe('hi\n');
    expect(r.code).toBe(7);
  });

  it.runIf(cliBuilt)('an unknown host key fails with the same message and first-use hint as exec', async () => {
    const args = ['-p', String(sshd.port), '-i', sshd.clientKeys.ed25519.path, '-o', 'UserKnownHostsFile=/dev/null', dest(), 'true'];
    const viaSsh = await seashell(['ssh', ...args], { env });
    const viaExec = await seashell(['exec', ...args], { env });
    expect(viaSsh.code).toBe(255);
    expect(viaSsh.stderr.toString()).toMatch(/HostKeyMismatchError: .*no .* host key is known[\s\S]*StrictHostKeyChecking=accept-new/);
    expect(viaSsh.stderr.toString()).toBe(viaExec.stderr.toString());
  });

  it.runIf(cliBuilt)('-L and -R through the CLI carry an HTTP download intact', async () => {
    const l = await freePort();
    const r = await freePort();
    const fwd = background(process.execPath, [CLI, 'ssh', ...base(), '-N', '-L', `${l}:127.0.0.1:${http.port}`, '-R', `127.0.0.1:${r}:127.0.0.1:${http.port}`, dest()], env);
    try {
      await waitForPort(l, 15_000, '127.0.0.1', () => fwd.child.exitCode === null);
      await waitForPort(r, 15_000, '127.0.0.1', () => fwd.child.exitCode === null);
      expect(await download(l)).toEqual({ bytes: SIZE, sha256: http.sha256 });
      expect(await download(r)).toEqual({ bytes: SIZE, sha256: http.sha256 });
    } finally {
      await fwd.stop();
    }
  });

  it.runIf(cliBuilt && !!CURL)('-D: curl through SOCKS5 (remote name resolution) and SOCKS4a', async () => {
    const d = await freePort();
    const fwd = background(process.execPath, [CLI, 'ssh', ...base(), '-N', '-D', `127.0.0.1:${d}`, dest()], env);
    try {
      await waitForPort(d, 15_000, '127.0.0.1', () => fwd.child.exitCode === null);
      for (const proto of ['--socks5-hostname', '--socks4a']) {
        // async: the HTTP server lives in this process
        const c = await run(CURL!, ['-sS', '--max-time', '30', proto, `127.0.0.1:${d}`, '-o', '/dev/null', '-w', '%{http_code} %{size_download}', `http://localhost:${http.port}/data`], { timeoutMs: 40_000 });
        expect(c.stdout.toString(), c.stderr).toBe(`200 ${SIZE}`);
      }
      // a target that refuses: curl reports the SOCKS failure rather than hanging
      const closed = await freePort();
      const bad = await run(CURL!, ['-sS', '--max-time', '20', '--socks5-hostname', `127.0.0.1:${d}`, `http://127.0.0.1:${closed}/`], { timeoutMs: 30_000 });
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/SOCKS|refused|connect/i);
    } finally {
      await fwd.stop();
    }
  });

  it.runIf(cliBuilt)('a forward that cannot be set up is an error with exit 255', async () => {
    const taken = sshd.port; // already in use locally
    const r = await seashell(['ssh', ...base(), '-N', '-L', `127.0.0.1:${taken}:127.0.0.1:1`, dest()], { env, timeoutMs: 30_000 });
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/-L 127\.0\.0\.1:\d+:127\.0\.0\.1:1: cannot listen/);
    const r2 = await seashell(['ssh', ...base(), '-N', '-R', `127.0.0.1:${taken}:127.0.0.1:1`, dest()], { env, timeoutMs: 30_000 });
    expect(r2.code).toBe(255);
    expect(r2.stderr).toMatch(/refused to listen/);
  });
});
