#!/usr/bin/env node
// aes-gcm@openssh.com packet seal+open: the kernel's AesGcmPacketCipher against node:crypto
// (OpenSSL) behind the same PacketCipher interface (NodeAesGcmPacketCipher) and the hybrid that
// @seashell/node uses by default (HybridAesGcmPacketCipher: node:crypto from a size threshold
// up, the kernel below it), at SSH packet sizes from 64 B to 32 KiB. Each op is what the
// transport does: copy the packet into ioView, seal, copy the sealed packet out; copy it into the
// receiver's ioView, open, copy the payload out. Interleaved rounds, medians.
// Writes results/node-ciphers.json.
//   node bench/node-ciphers.bench.mjs [--time MS] [--rounds N] [--sizes 64,1024,...]
import { Bench } from 'tinybench';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AesGcmPacketCipher } from '@seashell/kernel';
import { NodeAesGcmPacketCipher, HybridAesGcmPacketCipher } from '@seashell/node';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (flag, dflt) => {
  const i = process.argv.indexOf(flag);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const time = Number(arg('--time', '200'));
const rounds = Number(arg('--rounds', '3'));
const sizes = arg('--sizes', '64,256,1024,2048,4096,8192,16384,32768').split(',').map(Number);
const bitsList = arg('--bits', '128,256').split(',').map(Number);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function roundTrip(tx, rx, packet) {
  const n = packet.length;
  return () => {
    tx.ioView.set(packet);
    tx.seal(0, n);
    const wire = tx.ioView.slice(0, n + 16);
    rx.ioView.set(wire);
    if (!rx.open(0, n)) throw new Error('open failed');
    return rx.ioView.slice(5, n);
  };
}

const results = [];
for (const bits of bitsList) {
  for (const size of sizes) {
    // A packet of `size` payload-ish bytes: packet_length a multiple of 16 (GCM pads packet_length).
    const packetLength = Math.max(16, Math.ceil((size + 5) / 16) * 16);
    const packet = randomBytes(4 + packetLength);
    packet.writeUInt32BE(packetLength, 0);
    const key = randomBytes(bits / 8);
    const iv = randomBytes(12);
    const impls = {
      seashell: roundTrip(new AesGcmPacketCipher(key, iv), new AesGcmPacketCipher(key, iv), packet),
      'node:crypto': roundTrip(new NodeAesGcmPacketCipher(key, iv), new NodeAesGcmPacketCipher(key, iv), packet),
      hybrid: roundTrip(new HybridAesGcmPacketCipher(key, iv), new HybridAesGcmPacketCipher(key, iv), packet),
    };
    const samples = Object.fromEntries(Object.keys(impls).map((k) => [k, []]));
    for (let r = 0; r < rounds; r++) {
      for (const [name, fn] of Object.entries(impls)) {
        const b = new Bench({ time, warmupTime: 50 });
        b.add(name, fn);
        await b.run();
        const t = b.tasks[0].result;
        samples[name].push((t.latency?.mean ?? t.mean) * 1e6);
      }
    }
    const nsPerOp = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
    const bytes = packet.length;
    const mibs = Object.fromEntries(Object.entries(nsPerOp).map(([k, ns]) => [k, bytes / (ns / 1e9) / 1048576]));
    const ratios = Object.fromEntries(Object.keys(nsPerOp).filter((k) => k !== 'seashell').map((k) => [k, nsPerOp[k] / nsPerOp.seashell]));
    const name = `aes${bits}-gcm@openssh.com seal+open, ${bytes} B packet (kernel = seashell)`;
    results.push({ name, bytes, nsPerOp, mibs, ratios, targets: [] });
    console.log(`${name}\n  ${Object.entries(nsPerOp).map(([k, ns]) => `${k} ${ns.toFixed(0)} ns (${mibs[k].toFixed(0)} MiB/s)`).join(' | ')}\n  kernel vs: ${Object.entries(ratios).map(([k, x]) => `${x.toFixed(2)}x ${k}`).join(', ')}`);
  }
}
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results/node-ciphers.json'), JSON.stringify({
  title: 'aes-gcm packets: kernel vs node:crypto vs hybrid',
  runtime: `node ${process.version}`,
  date: new Date().toISOString(),
  command: `node bench/node-ciphers.bench.mjs${process.argv.slice(2).length ? ' ' + process.argv.slice(2).join(' ') : ''}`,
  results,
  notes: 'Ratios are other/kernel time: above 1 means the kernel is faster. @seashell/node uses the hybrid for aes*-gcm@openssh.com by default.',
}, null, 2) + '\n');
console.log('wrote bench/results/node-ciphers.json');
