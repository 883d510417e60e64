// Evidence for the SHA-256 compression function's speed limit under V8 on x64 (issue 2's
// hmac-sha2-256 target of 4x @noble/hashes). Two parts:
// 1. The instruction mix TurboFan emits for sha256Blocks' per-block loop (a child node runs with
//    --no-liftoff --print-wasm-code), per round: necessary ALU ops vs copies, spills and loads.
// 2. Interleaved timings (minimum of short samples, so a busy machine shows less) in cycles per
//    64-byte block, the clock measured with a chain of dependent 1-cycle ops: the kernel's
//    sha256 blocks; node:crypto's OpenSSL sha256 with SHA-NI masked off (OpenSSL then runs its
//    AVX2 + BMI2 assembly, which has rorx), and with SHA-NI and BMI2 masked (its AVX assembly);
//    the one-shot hmac('sha256') and @noble/hashes' hmac at 32 KiB, and from those the most
//    cycles per compression the kernel may spend for hmac to reach 4x @noble.
//   node wasm/scripts/sha256-x64.mjs        (after a build; x64 only; about 30 s)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const wasmPath = fileURLToPath(new URL('../build/kernel.wasm', import.meta.url));
const mode = process.argv[2] ?? 'main';

function kernelExports() {
  const inst = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(wasmPath)), {
    env: { abort() { throw new Error('kernel abort'); } },
  });
  return inst.exports;
}

// A wasm function looping over 16 dependent 1-cycle ops (8 x (xor imm, rotr imm)) n times.
function clockChain() {
  const step = [0x20, 0x01, 0x41, 0x91, 0x22, 0x73, 0x41, 0x03, 0x78, 0x21, 0x01]; // x = rotr(x ^ 0x1111, 3)
  const body = [0x00, 0x03, 0x40, ...Array(8).fill(step).flat(),
    0x20, 0x00, 0x41, 0x01, 0x6b, 0x22, 0x00, 0x0d, 0x00, 0x0b, 0x20, 0x01, 0x0b];
  const bytes = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, // type (i32, i32) -> i32
    0x03, 0x02, 0x01, 0x00, // function 0 has type 0
    0x07, 0x05, 0x01, 0x01, 0x63, 0x00, 0x00, // export "c"
    0x0a, body.length + 2, 0x01, body.length, ...body];
  return new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(bytes))).exports.c;
}

/** Minimum over rounds of the best of 8 calls, in ns, for each named function, interleaved. */
function timeMin(fns, rounds = 100) {
  const best = Object.fromEntries(Object.keys(fns).map((k) => [k, Infinity]));
  for (let r = 0; r < rounds; r++) {
    for (const [k, f] of Object.entries(fns)) {
      f();
      for (let j = 0; j < 8; j++) {
        const t0 = process.hrtime.bigint();
        f();
        const t = Number(process.hrtime.bigint() - t0);
        if (t < best[k]) best[k] = t;
      }
    }
  }
  return best;
}

function ghz() {
  const c = clockChain();
  const n = 100000;
  const t = timeMin({ c: () => c(n, 1) }, 30).c;
  return (n * 16) / t;
}

// Child: run sha256 through the kernel so TurboFan compiles sha256Blocks (for the dump).
if (mode === '--dump') {
  const ex = kernelExports();
  const s = ex.sha_scratch(), io = ex.ioPtr();
  for (let i = 0; i < 50; i++) { ex.hash_init(s, 2); ex.hash_update(s, io, 32768); ex.hash_final(s, s + 448); }
  process.exit(0);
}

// Child: time the kernel's blocks against node:crypto under whatever OPENSSL_ia32cap says.
if (mode === '--vs-openssl') {
  const ex = kernelExports();
  const s = ex.sha_scratch(), io = ex.ioPtr();
  const msg = new Uint8Array(32768).map((_, i) => i * 7);
  const t = timeMin({
    kernel: () => { ex.hash_init(s, 2); ex.hash_update(s, io, 32768); },
    openssl: () => createHash('sha256').update(msg).digest(),
  });
  console.log(JSON.stringify(t));
  process.exit(0);
}

if (process.arch !== 'x64') {
  console.log(`sha256-x64: this script reads x64 code and OpenSSL's x64 paths; this machine is ${process.arch}`);
  process.exit(0);
}

// ---- part 1: instruction mix ----
const dump = spawnSync(process.execPath, ['--no-liftoff', '--print-wasm-code', self, '--dump'], { encoding: 'utf8', maxBuffer: 1 << 28 });
if (dump.status !== 0) throw new Error(`dump child failed: ${dump.stderr}`);
// The biggest function compiled in the child is sha256Blocks (nothing else it runs comes close).
const fn = dump.stdout.split('--- WebAssembly code ---').slice(1).sort((a, b) => b.length - a.length)[0];
const ins = fn.split('\n').map((l) => l.match(/^0x[0-9a-f]+\s+([0-9a-f]+)\s+[0-9a-f]+\s+(?:REX\.W )?(.*)$/))
  .filter(Boolean).map((m) => [parseInt(m[1], 16), m[2].trim()]);
// The per-block loop: from the target of the backward jnz to that jnz.
let head = -1, back = -1;
for (const [off, t] of ins) {
  const m = t.match(/^jnz .*<\+0x([0-9a-f]+)>/);
  if (m && parseInt(m[1], 16) < off) { head = parseInt(m[1], 16); back = off; }
}
if (head < 0) throw new Error('no backward jnz found: the dump does not look like sha256Blocks');
const body = ins.filter(([o]) => o >= head && o <= back).map(([, t]) => t);
const kinds = {};
for (const t of body) {
  const [op, ...rest] = t.split(/\s+/);
  const a = rest.join(' ');
  let k;
  if (op.startsWith('v')) k = a.includes('[') ? 'vector load/store (schedule, W+K ring)' : 'vector ALU (message schedule)';
  else if (/^mov[lq]$/.test(op)) {
    k = a.startsWith('[rbp') ? 'spill store' : a.includes('[rbp') ? 'spill reload'
      : a.startsWith('[') ? 'memory store (state)' : a.includes('[') ? 'memory load (W+K, state)'
      : /0x/.test(a) ? 'other' : 'mov r,r (copy for a 2-operand op)';
  } else if (op === 'leal') k = 'ALU leal (an add)';
  else if (/^(ror|xor|and|add|or|sub)l$/.test(op)) k = a.includes('[rbp') ? 'ALU op reading a spill slot' : a.includes('[') ? 'ALU op with memory operand' : `ALU ${op}`;
  else k = 'other';
  kinds[k] = (kinds[k] ?? 0) + 1;
}
console.log(`sha256Blocks per-block loop: ${body.length} x64 instructions, ${(body.length / 64).toFixed(2)} per round`);
for (const [k, v] of Object.entries(kinds).sort((a, b) => b[1] - a[1])) {
  console.log(`  ${k.padEnd(40)} ${String(v).padStart(5)}  ${(v / 64).toFixed(2)}/round`);
}
const alu = Object.entries(kinds).filter(([k]) => k.startsWith('ALU')).reduce((s, [, v]) => s + v, 0);
console.log(`  a round needs 23 ALU ops (Σ0, Σ1: 3 rotates + 2 xors each; Ch, Maj: 3 each; 7 adds): ${23 * 64} per block, ${alu} emitted`);

// ---- part 2: timings ----
const GHZ = ghz();
const cyc = (ns, blocks) => (ns * GHZ / blocks).toFixed(0);
console.log(`\nclock ~${GHZ.toFixed(2)} GHz (dependent-op chain); cycles per 64-byte block, min of interleaved samples:`);
for (const [label, cap] of [['SHA-NI masked: OpenSSL AVX2+BMI2 (rorx)', ':~0x20000000'], ['SHA-NI and BMI2 masked: OpenSSL AVX', ':~0x20000100']]) {
  const r = spawnSync(process.execPath, [self, '--vs-openssl'], { encoding: 'utf8', env: { ...process.env, OPENSSL_ia32cap: cap } });
  if (r.status !== 0) throw new Error(`timing child failed: ${r.stderr}`);
  const t = JSON.parse(r.stdout);
  console.log(`  ${label.padEnd(42)} kernel ${cyc(t.kernel, 512)}, OpenSSL ${cyc(t.openssl, 512)}`);
}
const { hmac } = await import('@seashell/kernel');
const { hmac: nobleHmac } = await import('@noble/hashes/hmac.js');
const { sha256: nobleSha256 } = await import('@noble/hashes/sha2.js');
const ex = kernelExports();
const s = ex.sha_scratch(), io = ex.ioPtr();
const key = new Uint8Array(32).fill(7), msg = new Uint8Array(32768).map((_, i) => i * 13);
const t = timeMin({
  oneShot: () => hmac('sha256', key, msg),
  kernelOnly: () => ex.hmac_digest(s, s + 208, 2, io, 32, io + 32, 32768, s + 448),
  noble: () => nobleHmac(nobleSha256, key, msg),
}, 30);
const compressions = 512 + 4; // message blocks + ipad/opad keying + the inner and outer final blocks
const budget = t.noble / 4 - (t.oneShot - t.kernelOnly);
console.log(`\nhmac-sha2-256 32 KiB one-shot: seashell ${(t.oneShot / 1000).toFixed(1)} us (${((t.oneShot - t.kernelOnly) / 1000).toFixed(1)} us outside the kernel), ` +
  `@noble ${(t.noble / 1000).toFixed(1)} us: ${(t.noble / t.oneShot).toFixed(2)}x`);
console.log(`  kernel now ${cyc(t.kernelOnly, compressions)} cycles per compression; 4x needs <= ${cyc(budget, compressions)}`);
