import { describe, expect, it } from 'vitest';
import { defaultAlgorithms, defaultRegistry, preferenceOrder, registryDefaults, resolveAlgorithms } from '../src/algorithms/registry.ts';
import { legacyNames, withLegacy } from '../src/algorithms/legacy.ts';
import { Pair, acceptingServer, testRegistry } from './support/harness.ts';
import { rsaKey } from './support/keys.ts';
import { createSigner } from '../src/keys/keys.ts';
import { Prng } from './support/prng.ts';

describe('algorithm registry', () => {
  it('every default name resolves to an implementation that carries the same name', () => {
    for (const n of defaultAlgorithms.kex) expect(defaultRegistry.kex[n].name).toBe(n);
    for (const n of defaultAlgorithms.hostKey) expect(defaultRegistry.signature[n].name).toBe(n);
    for (const n of defaultAlgorithms.cipher) expect(defaultRegistry.cipher[n].name).toBe(n);
    for (const n of defaultAlgorithms.mac) expect(defaultRegistry.mac[n].name).toBe(n);
    expect(defaultAlgorithms.compression).toEqual(['none']);
    expect(Object.keys(defaultRegistry.compression)).toEqual(['none']);
  });

  it('every name in the OpenSSH-order lists exists in the registry (kernel ciphers or, until they land, the test references)', () => {
    for (const cat of ['kex', 'hostKey', 'cipher', 'mac'] as const) {
      const table = { kex: testRegistry.kex, hostKey: testRegistry.signature, cipher: testRegistry.cipher, mac: testRegistry.mac }[cat];
      for (const n of preferenceOrder[cat]) expect(Object.hasOwn(table, n), `${cat} ${n}`).toBe(true);
    }
  });

  it('defaults follow OpenSSH 9.x order', () => {
    const d = registryDefaults(testRegistry);
    expect(d.kex.slice(0, 3)).toEqual(['mlkem768x25519-sha256', 'curve25519-sha256', 'curve25519-sha256@libssh.org']);
    expect(d.hostKey).toEqual(['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256']);
    expect(d.cipher).toEqual([
      'chacha20-poly1305@openssh.com',
      'aes128-ctr',
      'aes192-ctr',
      'aes256-ctr',
      'aes128-gcm@openssh.com',
      'aes256-gcm@openssh.com',
    ]);
    expect(d.mac).toEqual(['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com', 'hmac-sha2-256', 'hmac-sha2-512']);
  });

  it('legacy algorithms resolve only through withLegacy and are never offered by default', () => {
    const legacy = withLegacy(testRegistry);
    for (const n of legacyNames.kex) expect(legacy.kex[n].name).toBe(n);
    for (const n of legacyNames.hostKey) expect(legacy.signature[n].name).toBe(n);
    for (const n of legacyNames.mac) expect(legacy.mac[n].name).toBe(n);
    const d = registryDefaults(legacy);
    for (const n of [...legacyNames.kex, ...legacyNames.hostKey, ...legacyNames.mac]) {
      expect(Object.values(d).flat()).not.toContain(n);
      expect(() => resolveAlgorithms(defaultRegistry, { kex: [n] })).toThrow();
    }
  });

  it('unknown names are refused with the list of known ones', () => {
    expect(() => resolveAlgorithms(defaultRegistry, { cipher: ['3des-cbc'] })).toThrow(/algorithms.cipher: "3des-cbc" is not supported \(known: /);
    expect(() => resolveAlgorithms(defaultRegistry, { mac: [] })).toThrow(/non-empty/);
  });

  it('legacy end to end: ssh-rsa host key, hmac-sha1, diffie-hellman-group14-sha1 when named explicitly', () => {
    const legacy = withLegacy(testRegistry);
    const algorithms = { kex: ['diffie-hellman-group14-sha1'], hostKey: ['ssh-rsa'], cipher: ['aes128-ctr'], mac: ['hmac-sha1'] };
    const hostKey = createSigner(rsaKey(), 'ssh-rsa', { legacy: true, random: new Prng(1).source() });
    const pair = new Pair({ seed: 140, client: { registry: legacy, algorithms }, server: { registry: legacy, algorithms, hostKeys: [hostKey] }, onServer: acceptingServer() }).run();
    expect(pair.client.authenticated).toBe(true);
    expect(pair.client.algorithms).toMatchObject({ kex: 'diffie-hellman-group14-sha1', hostKey: 'ssh-rsa', macClientToServer: 'hmac-sha1' });
  });
});
