// Reader for OpenSSH's moduli file (/etc/ssh/moduli, moduli(5)): the groups a group-exchange
// server chooses from (RFC 4419 §3). One group per line, seven fields separated by spaces:
//   time type tests tries size generator modulus
// time is YYYYMMDDHHMMSS, type 2 means a safe prime, tests is a bit mask (0x01 = found
// composite, others name the tests passed), tries the primality trials run, size the modulus
// size in bits minus one, generator and modulus in hex. '#' starts a comment line.
import { KeyParseError } from '../../wire/index.ts';
import type { DhGroup } from '../types.ts';

/** moduli(5) type value for a safe prime p = 2q + 1. */
const MODULI_TYPE_SAFE = 2;
/** moduli(5) tests bit: the candidate was found composite. */
const MODULI_TESTS_COMPOSITE = 0x01;
/** Largest modulus accepted, in bits: bounds the work per line (OpenSSH's own limit is 8192 for use, 64 Ki for parsing). */
export const MODULI_MAX_BITS = 16384;

/**
 * Parses a moduli file. Every non-comment line must be a valid entry; a bad one is a
 * KeyParseError naming the file, the line and what was wrong.
 */
export function parseModuli(text: string, fileName = 'moduli'): DhGroup[] {
  if (typeof text !== 'string') throw new TypeError('parseModuli: text must be a string');
  const groups: DhGroup[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    groups.push(parseLine(line, fileName, i + 1));
  }
  return groups;
}

function parseLine(line: string, file: string, lineNo: number): DhGroup {
  const fail = (what: string): never => {
    throw new KeyParseError(what, file, lineNo);
  };
  const f = line.split(/[ \t]+/);
  if (f.length !== 7) fail(`expected 7 fields (time type tests tries size generator modulus), found ${f.length}`);
  const [time, type, tests, tries, size, gen, mod] = f;
  if (!/^\d{14}$/.test(time)) fail(`time must be YYYYMMDDHHMMSS, got ${JSON.stringify(time.slice(0, 20))}`);
  const dec = (s: string, name: string, max: number): number => {
    if (!/^\d{1,10}$/.test(s) || Number(s) > max) fail(`${name} must be a decimal number up to ${max}, got ${JSON.stringify(s.slice(0, 20))}`);
    return Number(s);
  };
  if (dec(type, 'type', 5) !== MODULI_TYPE_SAFE) fail(`type must be ${MODULI_TYPE_SAFE} (safe prime), got ${type}`);
  const t = dec(tests, 'tests', 0x1f);
  if (t & MODULI_TESTS_COMPOSITE) fail('tests marks the modulus as composite');
  if (t === 0) fail('tests is 0: the modulus was never tested');
  if (dec(tries, 'tries', 2 ** 30) === 0) fail('tries is 0: no primality trials were run');
  const bits = dec(size, 'size', MODULI_MAX_BITS - 1) + 1;
  if (!/^[0-9A-Fa-f]{1,16}$/.test(gen)) fail(`generator must be hexadecimal, got ${JSON.stringify(gen.slice(0, 20))}`);
  if (!/^[0-9A-Fa-f]+$/.test(mod)) fail('modulus must be hexadecimal');
  if (mod.length > Math.ceil(bits / 4) + 2) fail(`modulus has ${mod.length} hex digits, too many for size ${size} (${bits} bits)`);
  const p = BigInt('0x' + mod);
  const g = BigInt('0x' + gen);
  const actual = p.toString(2).length;
  if (actual !== bits) fail(`modulus has ${actual} bits but size ${size} says ${bits}`);
  if ((p & 1n) === 0n) fail('modulus is even');
  if (g < 2n || g > p - 2n) fail(`generator ${gen} is outside [2, p-2]`);
  return Object.freeze({ p, g, bits });
}
