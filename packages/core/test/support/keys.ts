// Host and user keys for tests, made once per process from fixed seeds.
import { ecdsaGenerate } from '../../src/keys/ecdsa.ts';
import { rsaGenerate } from '../../src/keys/rsa.ts';
import { createSigner } from '../../src/keys/keys.ts';
import type { HostKeySigner } from '../../src/algorithms/types.ts';
import type { RsaPrivateKey } from '../../src/keys/index.ts';
import { ed25519Key } from './harness.ts';
import { Prng } from './prng.ts';

let rsa: RsaPrivateKey | undefined;
/** A 1024-bit RSA key (small to keep BigInt key generation quick; the size doesn't matter to the protocol). */
export function rsaKey(): RsaPrivateKey {
  return (rsa ??= rsaGenerate(1024, new Prng(4242).source()));
}

const cache = new Map<string, HostKeySigner>();

/** A signer for a host key / signature algorithm name. */
export function signerFor(algorithm: string): HostKeySigner {
  let s = cache.get(algorithm);
  if (s) return s;
  if (algorithm === 'ssh-ed25519') s = ed25519Key(0x11);
  else if (algorithm.startsWith('ecdsa-sha2-')) s = createSigner(ecdsaGenerate(algorithm.slice(11) as 'nistp256', new Prng(algorithm.length).source()));
  else if (algorithm === 'rsa-sha2-256' || algorithm === 'rsa-sha2-512') s = createSigner(rsaKey(), algorithm, { random: new Prng(5).source() });
  else throw new Error(`no test key for ${algorithm}`);
  cache.set(algorithm, s);
  return s;
}
