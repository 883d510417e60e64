// Runs the `deno test` suite (test/deno/adapter_test.ts) against a real OpenSSH sshd that this
// file starts, with only the permissions it needs: network, reads, writes and HOME.
// DENO_NO_PACKAGE_JSON=1: Deno resolves through deno.json's import map (core and kernel as TS
// sources, @noble/* from node_modules) instead of the npm workspace's dist folders.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithPeer, findBinary, repoRoot } from '../../../test-support/peers.ts';
import { harnessKeys, sshdAvailable, startSshd, tempDir, SSHD_HINT, type Sshd } from '../../../test-support/sshd.ts';

const DENO = findBinary('deno');
const pkg = join(repoRoot, 'packages/deno');

function run(bin: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { cwd: pkg, env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', DENO_NO_PACKAGE_JSON: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describeWithPeer('@seashell/deno under deno test', !!DENO && sshdAvailable, `${SSHD_HINT}; npm ci installs deno (devDependency of @seashell/kernel)`, () => {
  let sshd: Sshd;
  let dir: string;
  let file: string;
  const data = new Uint8Array(1536 * 1024).map((_, i) => (i * 131 + 5) & 0xff);
  beforeAll(async () => {
    sshd = await startSshd({ hostKeyKinds: ['ed25519'] });
    dir = tempDir('seashell-deno-');
    file = join(dir, 'payload.bin');
    writeFileSync(file, data);
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('passes: exec + SFTP get/put against sshd, and against its own Deno.listen server with the Deno fs backend', { timeout: 150_000 }, async () => {
    const keys = harnessKeys();
    const setup = {
      sshd: { port: sshd.port, user: sshd.user, knownHostsFile: sshd.knownHostsFile, file, fileSha256: createHash('sha256').update(data).digest('hex'), dir },
      clientKey: keys.clientKeys.ed25519.path,
      clientFingerprint: keys.clientKeys.ed25519.fingerprint,
      hostKey: keys.hostKeys[0].path,
    };
    const r = await run(DENO!, ['test', '--no-prompt', '--allow-net=127.0.0.1', '--allow-read', '--allow-write', '--allow-env', 'test/deno/adapter_test.ts'], { SEASHELL_DENO_TEST: JSON.stringify(setup) }, 140_000);
    expect(r.code, r.out).toBe(0);
    const m = /ok \| (\d+) passed \| (\d+) failed/.exec(r.out);
    expect(m, r.out).not.toBeNull();
    expect(Number(m![1])).toBe(4);
    expect(Number(m![2])).toBe(0);
  });
});
