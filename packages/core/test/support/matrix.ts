// The combination matrix: for a kex, host key, cipher and MAC, a client and server in memory
// with random splits do a handshake, password authentication, an exec with output and exit
// status, and echo 64 KiB through "cat" (several packets each way).
import { expect, it } from 'vitest';
import { Pair, testRegistry, text } from './harness.ts';
import { execServer, joined, pattern, recordingClient } from './sessions.ts';
import { signerFor } from './keys.ts';
import { defaultRegistry, registryDefaults } from '../../src/algorithms/registry.ts';

const lists = registryDefaults(testRegistry);
export const kexes = Object.keys(defaultRegistry.kex);
export const hostKeys = lists.hostKey;
export const suites: { cipher: string; mac: string }[] = [];
for (const cipher of Object.keys(testRegistry.cipher)) {
  if (testRegistry.cipher[cipher].aead) suites.push({ cipher, mac: lists.mac[0] });
  else for (const mac of lists.mac) suites.push({ cipher, mac });
}

export function roundTrip(seed: number, kex: string, hostKey: string, cipher: string, mac: string): void {
  const algorithms = { kex: [kex], hostKey: [hostKey], cipher: [cipher], mac: [mac] };
  const rec = recordingClient();
  const pair = new Pair({
    seed,
    maxChunk: 700,
    client: { algorithms },
    server: { algorithms, hostKeys: [signerFor(hostKey)] },
    onServer: execServer(),
    onClient: rec.handler,
  });
  const a = pair.client.openSession();
  a.exec('echo hi');
  const b = pair.client.openSession();
  b.exec('cat');
  const data = pattern(seed, 64 * 1024);
  b.write(data);
  b.end();
  pair.run();
  const what = `${kex} ${hostKey} ${cipher} ${mac}`;
  expect(pair.events('client', 'disconnected'), what).toEqual([]);
  const n = pair.client.algorithms!;
  expect([n.kex, n.hostKey, n.cipherClientToServer, n.cipherServerToClient]).toEqual([kex, hostKey, cipher, cipher]);
  expect(n.macClientToServer).toBe(testRegistry.cipher[cipher].aead ? null : mac);
  expect(text(joined(rec.of(a).stdout)), what).toBe('hi');
  expect(rec.of(a).status).toBe(0);
  expect(Buffer.compare(joined(rec.of(b).stdout), data), what).toBe(0);
  expect(rec.of(b).status).toBe(0);
}


/** Registers one test per kex x host key, each running every cipher/MAC suite. */
export function matrix(kexNames: readonly string[], firstSeed: number): void {
  let seed = firstSeed;
  for (const kex of kexNames) {
    for (const hostKey of hostKeys) {
      it(`${kex} with ${hostKey}: ${suites.length} cipher/MAC suites`, () => {
        for (const s of suites) roundTrip(seed++, kex, hostKey, s.cipher, s.mac);
      });
    }
  }
}
