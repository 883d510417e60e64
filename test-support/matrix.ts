// Which algorithm combinations the OpenSSH interop suites run. The full kex x host key x cipher x
// MAC product is ~800 real connections (minutes of sshd re-execs and 8192-bit DH), so the suites
// run a covering set instead: every kex paired with every host key algorithm once (cipher/MAC
// rotating through those pairs), and every cipher x MAC pair carrying the 16 MiB round trip. The
// in-memory engine tests in packages/core run the full product.
import { spawnSync } from 'node:child_process';
import { SSH } from './sshd.ts';

/** What the issue asks for, in OpenSSH's preference order. */
export const KEX = [
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
] as const;

export const HOST_KEY = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
] as const;

export const AEAD_CIPHERS = ['chacha20-poly1305@openssh.com', 'aes128-gcm@openssh.com', 'aes256-gcm@openssh.com'] as const;
export const CTR_CIPHERS = ['aes128-ctr', 'aes192-ctr', 'aes256-ctr'] as const;
export const MACS = ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com', 'hmac-sha2-256', 'hmac-sha2-512'] as const;

/** ssh-keygen key kind holding each host key algorithm (see sshd.ts KeyKind). */
export const HOST_KEY_KIND = {
  'ssh-ed25519': 'ed25519',
  'ecdsa-sha2-nistp256': 'ecdsa256',
  'ecdsa-sha2-nistp384': 'ecdsa384',
  'ecdsa-sha2-nistp521': 'ecdsa521',
  'rsa-sha2-512': 'rsa',
  'rsa-sha2-256': 'rsa',
} as const;

export interface CipherMac {
  cipher: string;
  /** Undefined for AEAD ciphers (the MAC is implicit). */
  mac?: string;
}

/** Every cipher with every MAC it takes: AEADs alone, CTR modes with each MAC (15 pairs). */
export const CIPHER_MACS: readonly CipherMac[] = [
  ...AEAD_CIPHERS.map((cipher) => ({ cipher })),
  ...CTR_CIPHERS.flatMap((cipher) => MACS.map((mac) => ({ cipher, mac }))),
];

export interface Combo extends CipherMac {
  kex: string;
  hostKey: string;
}

/** Algorithms the local OpenSSH client knows (`ssh -Q kex` etc.), or empty when ssh is missing. */
export function opensshSupports(what: 'kex' | 'key' | 'cipher' | 'mac'): Set<string> {
  if (!SSH) return new Set();
  const r = spawnSync(SSH, ['-Q', what], { encoding: 'utf8', timeout: 10_000 });
  return new Set(r.stdout.split('\n').map((l) => l.trim()).filter(Boolean));
}

/** Splits KEX into what this OpenSSH can do and what it cannot (with the reason to print). */
export function kexForOpenssh(): { supported: string[]; skipped: { kex: string; reason: string }[] } {
  const have = opensshSupports('kex');
  const supported: string[] = [];
  const skipped: { kex: string; reason: string }[] = [];
  for (const k of KEX) {
    if (have.has(k)) supported.push(k);
    else skipped.push({ kex: k, reason: `${k} is not in this OpenSSH (added in OpenSSH 9.9; ${SSH} -Q kex does not list it)` });
  }
  return { supported, skipped };
}

/**
 * Every kex x host key pair once, cipher/MAC rotating so each of the 15 cipher/MAC pairs also
 * appears; the lists' lengths are coprime-ish enough that the rotation reaches them all (checked).
 */
export function coveringCombos(kexes: readonly string[], hostKeys: readonly string[] = HOST_KEY): Combo[] {
  const out: Combo[] = [];
  let i = 0;
  for (const kex of kexes) for (const hostKey of hostKeys) out.push({ kex, hostKey, ...CIPHER_MACS[i++ % CIPHER_MACS.length] });
  const seen = new Set(out.map((c) => `${c.cipher}/${c.mac}`));
  if (out.length >= CIPHER_MACS.length && seen.size !== CIPHER_MACS.length) throw new Error('covering set misses a cipher/MAC pair');
  return out;
}

export function comboName(c: Partial<Combo>): string {
  return [c.kex, c.hostKey, c.cipher, c.mac].filter(Boolean).join(' + ');
}
