// The interop suites run under Bun too: Bun runs vitest itself (`bun --bun vitest`) on the suites
// that drive our client against OpenSSH sshd, and OpenSSH ssh against our server,
// so @seashell/node's net, timers and child processes are Bun's throughout. USER is set because
// Bun's os.userInfo().username reads $USER (it says "unknown" without it), and the harness logs in
// as that user.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWithPeer, findBinary, repoRoot } from '../../../test-support/peers.ts';
import { sshdAvailable, tempDir, SSHD_HINT } from '../../../test-support/sshd.ts';

const BUN = findBinary('bun');
const SUITES = ['test/interop-client-sshd.test.ts', 'test/interop-ssh-server.test.ts'];

describeWithPeer('interop suites under Bun', !!BUN && sshdAvailable, `${SSHD_HINT}; npm ci installs bun (devDependency of @seashell/kernel)`, () => {
  it(`${SUITES.join(', ')} pass with Bun as the runtime`, { timeout: 300_000 }, async () => {
    const report = join(tempDir('seashell-bun-vitest-'), 'report.json');
    const args = ['--bun', join(repoRoot, 'node_modules/vitest/vitest.mjs'), 'run', ...SUITES, '--reporter=json', `--outputFile.json=${report}`];
    const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(BUN!, args, { cwd: join(repoRoot, 'packages/node'), env: { ...process.env, USER: userInfo().username, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out = (out + d).slice(-20_000)));
      child.stderr.on('data', (d) => (out = (out + d).slice(-20_000)));
      const timer = setTimeout(() => child.kill('SIGKILL'), 280_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, out });
      });
    });
    const json = JSON.parse(readFileSync(report, 'utf8'));
    rmSync(report, { force: true });
    const failed: string[] = [];
    for (const f of json.testResults) for (const t of f.assertionResults) if (t.status === 'failed') failed.push(`${t.fullName}: ${String(t.failureMessages?.[0]).slice(0, 300)}`);
    expect(failed, r.out).toEqual([]);
    expect(r.code, r.out).toBe(0);
    expect(json.numPassedTests).toBeGreaterThan(50);
  });
});
