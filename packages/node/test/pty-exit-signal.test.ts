// A command on a pty (util-linux script) that dies of a signal is reported as exit-signal (RFC 4254
// §6.10), not as script's exit code 128+N, when the perl waiter is there; a plain `exit 143` stays
// an exit status. Signals reach the command through the terminal (Ctrl-C) and through the client
// (signal request), and KILL hits the command, not the waiter that reports it.
import { describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { byteStreamPair, connect as coreConnect, createServer as coreCreateServer, generateKey, type SshClient } from '@seashell/core';
import { runShell, ptyAvailable, waiterAvailable } from '../src/pty.ts';

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

async function client(): Promise<SshClient> {
  const srv = coreCreateServer({
    hostKeys: [generateKey({ type: 'ed25519' })],
    methods: ['password'],
    authenticate: () => true,
    onExec: (e) => runShell(e, { cwd: tmpdir(), env, shell: '/bin/sh' }),
    onShell: (s) => runShell(s, { cwd: tmpdir(), env, shell: '/bin/sh' }),
  });
  const [a, b] = byteStreamPair();
  srv.accept(b);
  return coreConnect({ stream: a, host: 't', username: 'u', password: 'p', hostVerifier: () => true });
}

/** Reads stdout until `re` matches (bounded), returning what came. */
async function readUntil(s: ReadableStream<Uint8Array>, re: RegExp, timeoutMs = 10_000): Promise<{ text: string; rest: Promise<void> }> {
  let text = '';
  const r = s.getReader();
  const deadline = Date.now() + timeoutMs;
  while (!re.test(text)) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`did not see ${re}; got ${JSON.stringify(text)}`);
    const next = await Promise.race([r.read(), new Promise<'timeout'>((res) => setTimeout(() => res('timeout'), left))]);
    if (next === 'timeout') continue;
    if (next.done) throw new Error(`ended before ${re}; got ${JSON.stringify(text)}`);
    text += new TextDecoder().decode(next.value);
  }
  const rest = (async () => {
    for (;;) if ((await r.read()).done) return;
  })();
  return { text, rest };
}

describe.runIf(ptyAvailable() !== null && waiterAvailable() !== null)('exit-signal for commands on a pty', () => {
  it('a command killed by a signal is exit-signal; exit 143 is an exit status', async () => {
    const c = await client();
    expect(await c.exec('kill -TERM $$', { pty: true })).toMatchObject({ code: null, signal: 'TERM' });
    expect(await c.exec('kill -SEGV $$', { pty: true })).toMatchObject({ code: null, signal: 'SEGV' });
    expect(await c.exec('exit 143', { pty: true })).toMatchObject({ code: 143, signal: null });
    expect(await c.exec('echo fine', { pty: true })).toMatchObject({ stdout: 'fine\r\n', code: 0, signal: null });
    await c.close();
  });

  it('Ctrl-C on the terminal and signal(KILL) from the client kill the command, which is reported', async () => {
    const c = await client();
    const p = await c.execStream('echo ready; sleep 30; echo late', { pty: true });
    const w = p.stdin.getWriter();
    const seen = await readUntil(p.stdout, /ready/);
    await w.write(new Uint8Array([3])); // ^C through the pty's line discipline
    expect(await p.exit).toEqual({ code: null, signal: 'INT' });
    await seen.rest;

    const q = await c.execStream('echo ready; sleep 30; echo late', { pty: true });
    const seen2 = await readUntil(q.stdout, /ready/);
    q.signal('KILL');
    expect(await q.exit).toEqual({ code: null, signal: 'KILL' });
    await seen2.rest;
    await c.close();
  });

  it('the command does not inherit the waiter\'s status pipe, and a login shell still passes its exit status', async () => {
    const c = await client();
    // node's stdio pipes are unix sockets: the waiter's status channel would show up as one
    const r = await c.exec('for f in /proc/$$/fd/*; do echo "$f $(readlink $f)"; done', { pty: true });
    expect(r.stdout).toMatch(/fd\/0 \/dev\/pts\//);
    expect(r.stdout).not.toMatch(/socket:/);
    const sh = await c.shell({ cols: 80, rows: 24 });
    const w = sh.stdin.getWriter();
    await w.write(new TextEncoder().encode('exit 3\n'));
    const draining = (async () => {
      for await (const _ of sh.stdout as unknown as AsyncIterable<Uint8Array>) void _;
    })();
    expect(await sh.exit).toEqual({ code: 3, signal: null });
    await draining;
    await c.close();
  });
});
