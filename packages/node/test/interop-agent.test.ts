// ssh-agent interop: keys held by OpenSSH's ssh-agent (ssh-add) log our client in to sshd (RSA
// through rsa-sha2 sign flags); OpenSSH ssh -A into our server forwards the agent and a second
// hop from the session to sshd uses it; our client's agent forwarding into sshd does the same.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { parsePublicKeyLine } from '@seashell/core';
import { connect, createServer, enableAgentForwarding, agentAt, type NodeSshServer } from '../src/index.ts';
import { runCommand } from '../src/cli/serve.ts';
import { describeWithSshd, harnessKeys, run, sshArgs, startSshd, tempDir, SSH, type Sshd } from '../../../test-support/sshd.ts';
import { findBinary } from '../../../test-support/peers.ts';
import { background, type Background } from '../../../test-support/tunnel.ts';
import { cliBuilt, seashell } from '../../../test-support/cli.ts';

const SSH_AGENT = findBinary('ssh-agent', ['/usr/bin/ssh-agent']);
const SSH_ADD = findBinary('ssh-add', ['/usr/bin/ssh-add']);

describeWithSshd('ssh-agent: authentication and forwarding', () => {
  let sshd: Sshd;
  let agent: Background;
  let sock: string;
  let ours: NodeSshServer;
  let oursPort: number;
  let oursKnownHosts: string;
  const user = userInfo().username;

  beforeAll(async () => {
    if (!SSH_AGENT || !SSH_ADD) throw new Error('ssh-agent / ssh-add not found (apt-get install openssh-client)');
    sshd = await startSshd({ extraConfig: ['AllowAgentForwarding yes'] });
    sock = join(tempDir('seashell-agent-test-'), 'agent.sock');
    agent = background(SSH_AGENT, ['-D', '-a', sock]);
    for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
    if (!existsSync(sock)) throw new Error(`ssh-agent did not create ${sock}: ${agent.output()}`);
    for (const k of [sshd.clientKeys.rsa, sshd.clientKeys.ed25519]) {
      const r = await run(SSH_ADD, [k.path], { env: { ...process.env, SSH_AUTH_SOCK: sock }, timeoutMs: 20_000 });
      if (r.code !== 0) throw new Error(`ssh-add ${k.path}: ${r.stderr}`);
    }
    // our server: accepts the harness client keys, runs commands with the forwarded agent
    const keys = harnessKeys();
    const allowed = new Set(Object.values(keys.clientKeys).map((k) => Buffer.from(parsePublicKeyLine(k.publicLine).blob).toString('base64')));
    const home = tempDir('seashell-home-');
    ours = createServer({
      hostKeys: [readFileSync(keys.hostKeys[0].path, 'utf8')],
      methods: ['publickey'],
      authenticate: (ctx) => ctx.method === 'publickey' && allowed.has(Buffer.from(ctx.key.blob).toString('base64')),
      onExec: (e) =>
        runCommand(e, e.command, home, { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, ...(e.agentSocket ? { SSH_AUTH_SOCK: e.agentSocket } : {}) }),
    });
    oursPort = (await ours.listen(0, '127.0.0.1')).port;
    oursKnownHosts = join(tempDir('seashell-kh-'), 'known_hosts');
    writeFileSync(oursKnownHosts, `[127.0.0.1]:${oursPort} ${keys.hostKeys[0].publicLine.split(' ').slice(0, 2).join(' ')}\n`);
  });
  afterAll(async () => {
    await ours?.close();
    await agent?.stop();
    await sshd?.stop();
  });

  /** The ssh command a session runs for the second hop, into sshd, with whatever agent it has. */
  const hop2 = () =>
    [
      'ssh', '-F', '/dev/null', '-p', String(sshd.port), '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${sshd.knownHostsFile}`,
      '-o', 'StrictHostKeyChecking=yes', '-o', 'IdentityFile=/dev/null', '-l', user, '127.0.0.1', 'echo', 'hop2-$((1+1))',
    ].join(' ');

  it('keys in ssh-agent log our client in (ed25519 and rsa-sha2-512)', async () => {
    const a = agentAt(sock);
    const ids = await a.identities();
    expect(ids.length).toBe(2);
    const c = await connect({ host: '127.0.0.1', port: sshd.port, username: sshd.user, agent: sock, knownHostsFile: sshd.knownHostsFile });
    try {
      expect((await c.exec('echo via-agent')).stdout).toBe('via-agent\n');
    } finally {
      await c.close();
    }
    // only the RSA key: the agent must sign with SHA-2 (the flags), since sshd refuses ssh-rsa
    const rsaOnly = { identities: async () => (await a.identities()).filter((i) => i.comment.includes('rsa') || new TextDecoder().decode(i.blob.subarray(4, 11)) === 'ssh-rsa'), sign: a.sign.bind(a) };
    const c2 = await connect({ host: '127.0.0.1', port: sshd.port, username: sshd.user, agent: rsaOnly, knownHostsFile: sshd.knownHostsFile });
    try {
      expect((await c2.exec('echo rsa-agent')).stdout).toBe('rsa-agent\n');
    } finally {
      await c2.close();
    }
    expect(sshd.logs()).toMatch(/Accepted publickey for \S+ from 127\.0\.0\.1 port \d+ ssh2: RSA SHA256/);
  });

  it('OpenSSH ssh -A into our server forwards the agent; a second hop to sshd uses it', async () => {
    const r = await run(
      SSH!,
      [...sshArgs({ port: oursPort, knownHostsFile: oursKnownHosts }, sshd.clientKeys.ecdsa256.path, ['-A']), '-l', user, '127.0.0.1', `ssh-add -l; ${hop2()}`],
      { env: { ...process.env, SSH_AUTH_SOCK: sock }, timeoutMs: 60_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout.toString();
    expect(out).toMatch(/ED25519/);
    expect(out).toMatch(/RSA/);
    expect(out).toMatch(/^hop2-2$/m);
  });

  it('without -A the session has no agent', async () => {
    const r = await run(
      SSH!,
      [...sshArgs({ port: oursPort, knownHostsFile: oursKnownHosts }, sshd.clientKeys.ecdsa256.path), '-l', user, '127.0.0.1', 'echo "sock=${SSH_AUTH_SOCK:-none}"'],
      { env: { ...process.env, SSH_AUTH_SOCK: sock }, timeoutMs: 60_000 },
    );
    expect(r.stdout.toString()).toBe('sock=none\n');
  });

  it('our client with agent forwarding into sshd: the second hop uses the forwarded agent', async () => {
    const c = await connect({ host: '127.0.0.1', port: sshd.port, username: sshd.user, agent: sock, knownHostsFile: sshd.knownHostsFile });
    try {
      enableAgentForwarding(c, sock);
      const p = await c.execStream(`ssh-add -l; ${hop2()}`, { agentForwarding: true });
      const dec = new TextDecoder();
      let out = '';
      let err = '';
      await Promise.all([
        (async () => { for await (const d of p.stdout as unknown as AsyncIterable<Uint8Array>) out += dec.decode(d); })(),
        (async () => { for await (const d of p.stderr as unknown as AsyncIterable<Uint8Array>) err += dec.decode(d); })(),
        p.stdin.close(),
      ]);
      expect((await p.exit).code, err).toBe(0);
      expect(out).toMatch(/ED25519/);
      expect(out).toMatch(/^hop2-2$/m);
    } finally {
      await c.close();
    }
  });

  it.runIf(cliBuilt)('seashell ssh -A into sshd: logs in with the agent\'s keys and the second hop uses it', async () => {
    const r = await seashell(['ssh', '-A', '-p', String(sshd.port), '-o', `UserKnownHostsFile=${sshd.knownHostsFile}`, `${user}@127.0.0.1`, `ssh-add -l; ${hop2()}`], {
      env: { ...process.env, SSH_AUTH_SOCK: sock, HOME: tempDir('seashell-nohome-') },
      timeoutMs: 60_000,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toMatch(/^hop2-2$/m);
  });
});
