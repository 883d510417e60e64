// Key generation as `ssh-keygen -t ed25519 | ecdsa [-b 256|384|521] | rsa [-b bits]` does it:
// Ed25519 from a 32-byte seed, ECDSA with d uniform in [1, n-1], RSA with e = 65537 (rsa.ts).
// Randomness is handed in (default: Web Crypto's getRandomValues).
import type { RandomSource } from '../algorithms/types.ts';
import type { EcdsaCurveName, PrivateKey } from './model.ts';
import { ed25519PrivateKey } from './ed25519.ts';
import { ecdsaGenerate } from './ecdsa.ts';
import { rsaGenerate } from './rsa.ts';
import { webRandom, wipe } from './bytes.ts';

/** What to generate: `type` as ssh-keygen -t; `bits` as -b (ecdsa: 256/384/521, default 256; rsa: default 3072). */
export interface GenerateKeyOptions {
  type: 'ed25519' | 'ecdsa' | 'rsa';
  bits?: number;
  random?: RandomSource;
}

/** Generates a new private key. RSA on BigInt takes seconds (2048 bits) to a minute or more (4096). */
export function generateKey(options: GenerateKeyOptions): PrivateKey {
  const random = options.random ?? webRandom;
  switch (options.type) {
    case 'ed25519': {
      if (options.bits !== undefined && options.bits !== 256) throw new RangeError('ed25519 keys have a fixed size; omit bits');
      const seed = random(32);
      if (seed.length !== 32) throw new RangeError('random source returned the wrong number of bytes');
      const key = ed25519PrivateKey(seed);
      wipe(seed);
      return key;
    }
    case 'ecdsa': {
      const bits = options.bits ?? 256;
      const curve = ({ 256: 'nistp256', 384: 'nistp384', 521: 'nistp521' } as Record<number, EcdsaCurveName>)[bits];
      if (!curve) throw new RangeError(`ecdsa key size must be 256, 384 or 521 bits, got ${bits}`);
      return ecdsaGenerate(curve, random);
    }
    case 'rsa':
      return rsaGenerate(options.bits ?? 3072, random);
    default:
      throw new RangeError(`unknown key type ${JSON.stringify((options as { type: unknown }).type)} (ed25519, ecdsa or rsa)`);
  }
}
