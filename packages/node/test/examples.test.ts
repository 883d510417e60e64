// The runnable examples (examples/node.mjs, bun.ts, deno.ts) do what README says, with the exact
// commands README gives, against a real OpenSSH sshd: HOME points at a directory whose
// .ssh/known_hosts lists the server, SEASHELL_KEY names an ed25519 key it accepts.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { findBinary, repoRoot } from '../../../test-support/peers.ts';
import { describeWithSshd, harnessKeys, startSshd, tempDir, type Sshd } from '../../../test-support/sshd.ts';

function run(cmd: string, args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describeWithSshd('examples/ against OpenSSH sshd', () => {
  let sshd: Sshd;
  let env: Record<string, string>;
  let dest: string;
  beforeAll(async () => {
    sshd = await startSshd({ hostKeyKinds: ['ed25519'] });
    const home = tempDir('seashell-example-home-');
    mkdirSync(join(home, '.ssh'), { mode: 0o700 });
    copyFileSync(sshd.knownHostsFile, join(home, '.ssh/known_hosts'));
    env = { HOME: home, SEASHELL_KEY: harnessKeys().clientKeys.ed25519.path };
    dest = `${sshd.user}@127.0.0.1:${sshd.port}`;
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  const cases: Array<[string, string | undefined, (dest: string) => string[]]> = [
    ['node examples/node.mjs', process.execPath, (d) => ['examples/node.mjs', d, 'echo', 'example-$((6*7))']],
    ['npx bun examples/bun.ts', findBinary('bun'), (d) => ['examples/bun.ts', d, 'echo', 'example-$((6*7))']],
    ['deno run ... examples/deno.ts', findBinary('deno'), (d) => ['run', '--config', 'packages/deno/deno.json', '--allow-net', '--allow-read', '--allow-env', 'examples/deno.ts', d, 'echo', 'example-$((6*7))']],
  ];
  for (const [name, bin, args] of cases) {
    it.skipIf(!bin)(name, { timeout: 90_000 }, async () => {
      const r = await run(bin!, args(dest), { ...env, DENO_NO_PACKAGE_JSON: '1' });
      expect(r.stdout, r.stderr).toBe('example-42\n');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(sshd.hostKeys[0].fingerprint);
    });
  }
});
