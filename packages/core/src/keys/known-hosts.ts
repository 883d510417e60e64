// known_hosts files (sshd(8) SSH_KNOWN_HOSTS FILE FORMAT; OpenSSH hostfile.c):
//   [@revoked | @cert-authority] host-patterns key-type base64-key [comment]
// Host patterns are comma lists with '*', '?' and '!' negation; "[host]:port" names a non-22
// port; a hashed entry is "|1|" base64(salt) "|" base64(HMAC-SHA1(salt, name)). Certificate
// authorities are recognised and reported, not used (no certificate support here).
import { hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import type { RandomSource } from '../algorithms/types.ts';
import type { PublicKey } from './model.ts';
import { KeyFileError } from './errors.ts';
import { encodePublicKey, keyTypeOf, parsePublicKey } from './keys.ts';
import { matchPatternList } from './patterns.ts';
import { Base64Error, base64Decode, base64Encode, equalBytes, webRandom } from './bytes.ts';
import { MAX_KEY_LINE } from './keyfile.ts';

/** One usable line of a known_hosts file. */
export interface KnownHostEntry {
  /** 1-based line number. */
  readonly line: number;
  readonly marker?: 'revoked' | 'cert-authority';
  /** The host field as written: a pattern list or a hashed "|1|salt|hash" name. */
  readonly hosts: string;
  /** For hashed entries, salt and HMAC-SHA1 of the host name. */
  readonly hashed?: { readonly salt: Uint8Array; readonly hash: Uint8Array };
  /** Key type name as written (may be one this library can't use, e.g. ssh-dss). */
  readonly keyType: string;
  /** The key blob. */
  readonly blob: Uint8Array;
  /** The decoded key, when its type is supported. */
  readonly key?: PublicKey;
  readonly comment: string;
}

/** A parsed known_hosts file: the entries, and the lines that could not be used (with file:line). */
export interface KnownHosts {
  readonly file?: string;
  readonly entries: readonly KnownHostEntry[];
  readonly errors: readonly KeyFileError[];
}

/** Outcome of a host key lookup. */
export type KnownHostStatus = 'match' | 'mismatch' | 'revoked' | 'unknown';

/** Most lines read from one known_hosts file (bounds memory and lookup time). */
export const MAX_KNOWN_HOSTS_LINES = 1_000_000;

/** The name a host is recorded under: "host" on port 22, else "[host]:port" (lower case). */
export function knownHostName(host: string, port = 22): string {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`port must be 1..65535, got ${port}`);
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

function parseLine(text: string, lineNo: number, file?: string): KnownHostEntry | undefined {
  const t = text.trim();
  if (t === '' || t.startsWith('#')) return undefined;
  if (t.length > MAX_KEY_LINE) throw new KeyFileError('malformed', `line is longer than ${MAX_KEY_LINE} characters`, file, lineNo);
  const fields = t.split(/[ \t]+/);
  let marker: KnownHostEntry['marker'];
  if (fields[0].startsWith('@')) {
    const m = fields.shift()!;
    if (m === '@revoked') marker = 'revoked';
    else if (m === '@cert-authority') marker = 'cert-authority';
    else throw new KeyFileError('malformed', `unknown marker ${JSON.stringify(m.slice(0, 32))}`, file, lineNo);
  }
  if (fields.length < 3) throw new KeyFileError('truncated', 'expected "hosts key-type base64-key [comment]"', file, lineNo);
  const [hosts, keyType, b64, ...rest] = fields;
  let hashed: KnownHostEntry['hashed'];
  if (hosts.startsWith('|')) {
    const m = /^\|1\|([^|]+)\|([^|]+)$/.exec(hosts);
    if (!m) throw new KeyFileError('malformed', 'hashed host name is not "|1|salt|hash"', file, lineNo);
    try {
      hashed = { salt: base64Decode(m[1]), hash: base64Decode(m[2]) };
    } catch (e) {
      if (!(e instanceof Base64Error)) throw e;
      throw new KeyFileError('bad-base64', `bad base64 in the hashed host name: ${e.message}`, file, lineNo);
    }
    if (hashed.salt.length !== 20 || hashed.hash.length !== 20) throw new KeyFileError('malformed', 'hashed host name must have a 20-byte salt and hash', file, lineNo);
  }
  let blob: Uint8Array;
  try {
    blob = base64Decode(b64);
  } catch (e) {
    if (!(e instanceof Base64Error)) throw e;
    throw new KeyFileError('bad-base64', `bad base64 in the ${keyType} key: ${e.message}`, file, lineNo);
  }
  let key: PublicKey | undefined;
  if (keyTypeOf(keyType)) {
    key = parsePublicKey(blob, file, lineNo);
    if (key.type !== keyType) throw new KeyFileError('malformed', `line says ${keyType} but the key is ${key.type}`, file, lineNo);
  }
  return { line: lineNo, marker, hosts, hashed, keyType, blob, key, comment: rest.join(' ') };
}

/**
 * Parses a known_hosts file. Lines that can't be used are collected in `errors` (each naming
 * file and line) and skipped, as ssh does; `strict` throws the first one instead.
 */
export function parseKnownHosts(text: string, options: { file?: string; strict?: boolean } = {}): KnownHosts {
  const { file, strict } = options;
  const lines = text.split(/\r?\n/);
  if (lines.length > MAX_KNOWN_HOSTS_LINES) throw new KeyFileError('malformed', `more than ${MAX_KNOWN_HOSTS_LINES} lines`, file);
  const entries: KnownHostEntry[] = [];
  const errors: KeyFileError[] = [];
  for (let i = 0; i < lines.length; i++) {
    try {
      const e = parseLine(lines[i], i + 1, file);
      if (e) entries.push(e);
    } catch (err) {
      if (!(err instanceof KeyFileError)) throw err;
      if (strict) throw err;
      errors.push(err);
    }
  }
  return { file, entries, errors };
}

/** True when the entry's host field names `name` (as made by knownHostName). */
export function entryMatchesHost(entry: KnownHostEntry, name: string): boolean {
  if (entry.hashed) return equalBytes(hmac(sha1, entry.hashed.salt, new TextEncoder().encode(name)), entry.hashed.hash);
  return matchPatternList(name, entry.hosts, true) === 1;
}

/** The entries (not @cert-authority) whose host field names host:port. */
export function knownHostEntries(known: KnownHosts, host: string, port = 22): KnownHostEntry[] {
  const names = lookupNames(host, port);
  return known.entries.filter((e) => e.marker !== 'cert-authority' && names.some((n) => entryMatchesHost(e, n)));
}

function lookupNames(host: string, port: number): string[] {
  return [knownHostName(host, port)];
}

/** The key type family of a blob's type name (rsa-sha2-* and ssh-rsa keys are all ssh-rsa). */
function familyOf(keyType: string): string {
  return keyTypeOf(keyType) ?? keyType;
}

/**
 * Looks up a host key: 'revoked' if a matching @revoked line has this key; 'match' if a matching
 * line has it; 'mismatch' if the host has a different key of the same type (possible man in the
 * middle); otherwise 'unknown' (keys of other types may be recorded: see knownHostEntries).
 */
export function lookupKnownHost(known: KnownHosts, host: string, port: number, keyBlob: Uint8Array): KnownHostStatus {
  const entries = knownHostEntries(known, host, port);
  let type: string;
  try {
    type = parsePublicKey(keyBlob).type;
  } catch {
    return 'unknown';
  }
  if (entries.some((e) => e.marker === 'revoked' && equalBytes(e.blob, keyBlob))) return 'revoked';
  const plain = entries.filter((e) => e.marker === undefined);
  if (plain.some((e) => equalBytes(e.blob, keyBlob))) return 'match';
  if (plain.some((e) => familyOf(e.keyType) === type)) return 'mismatch';
  return 'unknown';
}

/** Hashes a host name as `ssh-keygen -H` / HashKnownHosts do: "|1|salt|HMAC-SHA1(salt, name)". */
export function hashHostName(name: string, random: RandomSource = webRandom): string {
  const salt = random(20);
  if (salt.length !== 20) throw new RangeError('random source returned the wrong number of bytes');
  const h = hmac(sha1, salt, new TextEncoder().encode(name));
  return `|1|${base64Encode(salt)}|${base64Encode(h)}`;
}

/**
 * Formats a line to append to known_hosts for host:port ("[host]:port" when port != 22),
 * hashed when `hash` is set (HashKnownHosts yes).
 */
export function formatKnownHostsLine(
  host: string,
  port: number,
  key: PublicKey,
  options: { hash?: boolean; comment?: string; random?: RandomSource } = {},
): string {
  if (!host || /[\s,]/.test(host) || host.startsWith('|') || host.startsWith('@')) throw new RangeError(`host name ${JSON.stringify(host)} can't be written to known_hosts`);
  if (options.comment && /[\r\n]/.test(options.comment)) throw new RangeError('a comment cannot contain a line break');
  const name = knownHostName(host, port);
  const hostField = options.hash ? hashHostName(name, options.random) : name;
  const line = `${hostField} ${key.type} ${base64Encode(encodePublicKey(key))}`;
  return options.comment ? `${line} ${options.comment}` : line;
}
