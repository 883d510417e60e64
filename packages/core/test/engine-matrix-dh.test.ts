// Every kex x host key x cipher x MAC combination available (finite-field Diffie-Hellman key
// exchanges; the other file has the rest), client against server in memory with random splits:
// handshake, password authentication, an exec with output and exit status, and 64 KiB through "cat".
import { describe } from 'vitest';
import { kexes, matrix } from './support/matrix.ts';

describe('every kex x host key x cipher x MAC (dh)', () => {
  matrix(kexes.filter((k) => k.startsWith('diffie-hellman')), 5000);
});
