// The kernel's packet ciphers against the JS reference implementations (test/support/
// ref-ciphers.ts, written from the specifications): a client sealing with one and a server
// opening with the other must agree on every byte, both ways, across rekeys.
import { describe, expect, it } from 'vitest';
import { Pair } from './support/harness.ts';
import { execServer, joined, pattern, recordingClient } from './support/sessions.ts';
import { defaultRegistry, type AlgorithmRegistry } from '../src/algorithms/registry.ts';
import { refCipherSpecs } from './support/ref-ciphers.ts';

const kernelOnly: AlgorithmRegistry = defaultRegistry;
const referenceOnly: AlgorithmRegistry = { ...defaultRegistry, cipher: refCipherSpecs };
const kernelCiphers = Object.keys(defaultRegistry.cipher);

describe('kernel packet ciphers interoperate with the reference implementations', () => {
  it('the kernel provides at least one packet cipher', () => {
    expect(kernelCiphers.length).toBeGreaterThan(0);
  });

  for (const cipher of kernelCiphers) {
    const macs = defaultRegistry.cipher[cipher].aead ? ['hmac-sha2-256'] : Object.keys(defaultRegistry.mac);
    for (const mac of macs) {
      for (const kernelSide of ['client', 'server'] as const) {
        it(`${cipher}${defaultRegistry.cipher[cipher].aead ? '' : ' + ' + mac}: kernel on the ${kernelSide}`, () => {
          const algorithms = { kex: ['curve25519-sha256'], cipher: [cipher], mac: [mac] };
          const rec = recordingClient();
          const pair = new Pair({
            seed: 130,
            client: { algorithms, registry: kernelSide === 'client' ? kernelOnly : referenceOnly, rekeyBytes: 400_000 },
            server: { algorithms, registry: kernelSide === 'server' ? kernelOnly : referenceOnly },
            onServer: execServer(),
            onClient: rec.handler,
          });
          const ch = pair.client.openSession();
          ch.exec('cat');
          const data = pattern(3, 1024 * 1024);
          for (let off = 0; off < data.length; off += 65536) {
            ch.write(data.subarray(off, off + 65536));
            pair.run();
          }
          ch.end();
          pair.run();
          expect(pair.events('client', 'disconnected')).toEqual([]);
          expect(Buffer.compare(joined(rec.of(ch).stdout), data)).toBe(0);
          expect(pair.events('client', 'keysExchanged').length).toBeGreaterThan(2);
        });
      }
    }
  }
});
