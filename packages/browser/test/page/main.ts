// The page the Chromium test loads: SSH from the browser through `seashell relay` to a real
// OpenSSH sshd (host key pinned by SHA256 fingerprint, ed25519 key login), an exec, a 16 MiB SFTP
// download checked by sha256 here in the page, and the kernel's known-answer vectors. Publishes
// window.__seashell = { ... } when done; the test reads it.
import { connect } from '../../src/index.ts';
import { runAll } from '../../../../wasm/test/vectors/run-all.ts';

interface Config {
  url: string;
  username: string;
  privateKey: string;
  hostFingerprint: string;
  command: string;
  file: string;
  fileSha256: string;
}

const hex = (b: ArrayBuffer) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
const log = (s: string) => {
  const el = document.getElementById('log');
  if (el) el.textContent += s + '\n';
};

async function main(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { userAgent: navigator.userAgent };
  const t0 = performance.now();
  const v = runAll();
  out.vectors = { passed: v.passed, failures: v.failures.slice(0, 20), ms: Math.round(performance.now() - t0) };
  log(`vectors: ${v.passed} passed, ${v.failures.length} failed`);

  const cfg: Config = await (await fetch('/config.json')).json();
  const client = await connect({ url: cfg.url, username: cfg.username, privateKey: cfg.privateKey, hostFingerprint: cfg.hostFingerprint, connectTimeoutMs: 15_000 });
  out.hostKey = { type: client.hostKey.type, fingerprint: client.hostKey.fingerprint };
  out.algorithms = client.algorithms;
  const r = await client.exec(cfg.command);
  out.exec = { stdout: r.stdout, code: r.code };
  log(`exec: ${JSON.stringify(r.stdout)} code ${r.code}`);
  const sftp = await client.sftp();
  const t1 = performance.now();
  const data = await sftp.readFile(cfg.file);
  const ms = performance.now() - t1;
  const sha = hex(await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>));
  out.sftp = { bytes: data.length, sha256: sha, matches: sha === cfg.fileSha256, mibPerSec: Math.round((data.length / 1048576 / (ms / 1000)) * 10) / 10 };
  log(`sftp: ${data.length} bytes, sha256 ${sha === cfg.fileSha256 ? 'matches' : 'DIFFERS'}`);
  await sftp.end();
  await client.close();
  return out;
}

main().then(
  (r) => ((window as unknown as { __seashell: unknown }).__seashell = r),
  (e: Error) => ((window as unknown as { __seashell: unknown }).__seashell = { error: `${e.name}: ${e.message}\n${e.stack ?? ''}` }),
);
