// Kernel throughput cases that run unchanged in Node, Deno, Bun and a browser page (Web APIs only:
// performance.now, crypto.getRandomValues). Each case does what the transport does around a
// 32 KiB packet (copy in, seal, copy out; copy in, open, copy out) or one HMAC over 32 KiB.
// measure() times batches until `timeMs` has passed, several rounds, and reports the median.
// Run directly (node / deno run / bun) it prints one line: RESULT {json}. See runtimes.bench.mjs.
import { ChaChaPolyPacketCipher, AesGcmPacketCipher, hmac } from '@seashell/kernel';

const rand = (n) => {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(b.subarray(i, Math.min(n, i + 65536)));
  return b;
};
const TEXT = 32 * 1024;

function packet(len) {
  const p = rand(len);
  new DataView(p.buffer).setUint32(0, len - 4);
  return p;
}

export function cases() {
  const out = [];
  {
    const key = rand(64);
    const tx = new ChaChaPolyPacketCipher(key);
    const rx = new ChaChaPolyPacketCipher(key);
    const len = 4 + TEXT;
    const p = packet(len);
    let seq = 0;
    out.push({
      name: 'chacha20-poly1305@openssh.com seal+open, 32 KiB packet',
      bytes: TEXT,
      fn: () => {
        const s = seq++ >>> 0;
        tx.ioView.set(p);
        tx.seal(s, len);
        rx.ioView.set(tx.ioView.subarray(0, len + 16));
        if (rx.decryptLength(s) !== len - 4) throw new Error('length mismatch');
        if (!rx.open(s, len)) throw new Error('open failed');
        return rx.ioView.slice(4, len);
      },
    });
  }
  {
    const key = rand(16);
    const iv = rand(12);
    const tx = new AesGcmPacketCipher(key, iv);
    const rx = new AesGcmPacketCipher(key, iv);
    const len = 4 + TEXT;
    const p = packet(len);
    out.push({
      name: 'aes128-gcm@openssh.com seal+open, 32 KiB packet',
      bytes: TEXT,
      fn: () => {
        tx.ioView.set(p);
        tx.seal(0, len);
        rx.ioView.set(tx.ioView.subarray(0, len + 16));
        if (!rx.open(0, len)) throw new Error('open failed');
        return rx.ioView.slice(4, len);
      },
    });
  }
  {
    const key = rand(32);
    const msg = rand(TEXT);
    out.push({ name: 'hmac-sha2-256, 32 KiB', bytes: TEXT, fn: () => hmac('sha256', key, msg) });
  }
  return out;
}

/** ns per operation for each case: the median of `rounds` timed runs of about timeMs each. */
export async function measure({ timeMs = 300, rounds = 5 } = {}) {
  const result = {};
  for (const c of cases()) {
    for (let i = 0; i < 50; i++) c.fn(); // warm up (and JIT)
    const samples = [];
    for (let r = 0; r < rounds; r++) {
      let n = 0;
      const t0 = performance.now();
      let t = t0;
      while (t - t0 < timeMs) {
        for (let i = 0; i < 16; i++) c.fn();
        n += 16;
        t = performance.now();
      }
      samples.push(((t - t0) * 1e6) / n);
      await new Promise((res) => setTimeout(res, 0)); // let a page breathe
    }
    samples.sort((a, b) => a - b);
    result[c.name] = { bytes: c.bytes, nsPerOp: samples[Math.floor(samples.length / 2)] };
  }
  return result;
}

const g = globalThis;
const runtime = g.Deno ? `deno ${g.Deno.version.deno}` : g.Bun ? `bun ${g.Bun.version}` : g.process?.versions?.node ? `node ${g.process.version}` : 'browser';
const isMain =
  (g.process?.argv?.[1] ?? '').endsWith('runtimes-cases.mjs') || (g.Deno?.mainModule ?? '').endsWith('runtimes-cases.mjs') || g.Bun?.main?.endsWith?.('runtimes-cases.mjs');
if (isMain && runtime !== 'browser') {
  const timeMs = Number(g.process?.env?.SEASHELL_BENCH_MS ?? g.Deno?.env?.get('SEASHELL_BENCH_MS') ?? 300);
  console.log(`RESULT ${JSON.stringify({ runtime, results: await measure({ timeMs }) })}`);
}
