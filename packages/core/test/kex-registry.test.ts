// The key exchange registry: every wire name resolves, the defaults follow OpenSSH 9.x order,
// and every method (legacy included) runs client against server in memory, agreeing on K and
// H, with the server's signature over H verifying.
import { describe, expect, it } from 'vitest';
import { defaultKexNames, findKexMethod, kexMethods, legacyKexMethods } from '../src/algorithms/kex/index.ts';
import { expectAgreement, makePair, runKex } from './kex-helpers.ts';

describe('key exchange registry', () => {
  it('every name resolves to a method of that name', () => {
    for (const [name, m] of Object.entries({ ...kexMethods, ...legacyKexMethods })) {
      expect(m.name).toBe(name);
      expect(['sha1', 'sha256', 'sha384', 'sha512']).toContain(m.hash);
    }
    for (const name of defaultKexNames) expect(findKexMethod(name)).toBe(kexMethods[name]);
  });

  it('defaults are OpenSSH 9.x order and hold no legacy method', () => {
    expect(defaultKexNames).toEqual([
      'mlkem768x25519-sha256',
      'curve25519-sha256',
      'curve25519-sha256@libssh.org',
      'ecdh-sha2-nistp256',
      'ecdh-sha2-nistp384',
      'ecdh-sha2-nistp521',
      'diffie-hellman-group-exchange-sha256',
      'diffie-hellman-group16-sha512',
      'diffie-hellman-group18-sha512',
      'diffie-hellman-group14-sha256',
    ]);
    expect(findKexMethod('diffie-hellman-group14-sha1')).toBeUndefined();
    expect(findKexMethod('diffie-hellman-group14-sha1', true)?.name).toBe('diffie-hellman-group14-sha1');
    expect(findKexMethod('diffie-hellman-group1-sha1', true)).toBeUndefined();
    expect(findKexMethod('__proto__')).toBeUndefined();
    expect(findKexMethod('toString')).toBeUndefined();
  });

  for (const m of Object.values({ ...kexMethods, ...legacyKexMethods })) {
    it(`${m.name}: client and server agree on K and H; the signature verifies over H`, () => {
      const pair = makePair();
      const r = runKex(m, pair);
      expectAgreement(r, pair);
      expect(r.client.exchangeHash.length).toBe({ sha1: 20, sha256: 32, sha384: 48, sha512: 64 }[m.hash]);
      expect(r.server.signature).toEqual(r.client.signature);
    });
  }
});
