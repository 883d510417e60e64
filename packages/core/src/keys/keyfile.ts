// Key files as users have them: private keys in openssh-key-v1 ("OPENSSH PRIVATE KEY"), PKCS#1
// ("RSA PRIVATE KEY"), SEC1 ("EC PRIVATE KEY") and PKCS#8 ("PRIVATE KEY") PEM or raw DER; public
// key lines "type base64 comment" (sshd(8) AUTHORIZED_KEYS FILE FORMAT, ssh-keygen .pub files).
// Every failure is a KeyFileError naming the file (and line) and what was wrong.
import type { KeyPair, PrivateKey, PublicKey } from './model.ts';
import { KeyFileError } from './errors.ts';
import { asKeyError, encodePublicKey, parsePublicKey } from './keys.ts';
import { formatPem, looksLikePem, parsePem } from './pem.ts';
import { DerError } from './der.ts';
import { UnsupportedKeyError, decodePkcs1, decodePkcs8, decodeSec1 } from './pkcs.ts';
import {
  OPENSSH_PEM_LABEL,
  type OpensshWriteOptions,
  decodeOpensshPrivateKey,
  encodeOpensshPrivateKey,
  isOpensshKeyBlob,
  opensshKeyInfo,
} from './openssh-key.ts';
import { Base64Error, base64Decode, base64Encode } from './bytes.ts';

/** Where a key came from and how to unlock it. */
export interface ReadKeyOptions {
  /** Passphrase for an encrypted key. */
  passphrase?: string | Uint8Array;
  /** File name, used only in error messages. */
  file?: string;
}

/** The container format a private key was read from. */
export type PrivateKeyFormat = 'openssh' | 'pkcs1' | 'sec1' | 'pkcs8';

/** What can be learned from a private key file without its passphrase. */
export interface PrivateKeyInfo {
  readonly format: PrivateKeyFormat;
  /** True when a passphrase is needed. */
  readonly encrypted: boolean;
  /** The public key, when the file stores it in clear (openssh-key-v1 always does). */
  readonly publicKey?: PublicKey;
  /** openssh-key-v1 only: cipher name ("none" when not encrypted). */
  readonly cipher?: string;
  /** openssh-key-v1 only: bcrypt_pbkdf rounds when encrypted. */
  readonly rounds?: number;
}

const latin1 = new TextDecoder('latin1');

function asText(data: string | Uint8Array): string {
  return typeof data === 'string' ? data : latin1.decode(data);
}

function derError(e: unknown, what: string, file?: string): KeyFileError {
  if (e instanceof UnsupportedKeyError) return new KeyFileError('unsupported', e.message, file);
  if (e instanceof DerError) return new KeyFileError(/truncated/.test(e.message) ? 'truncated' : 'malformed', e.message, file);
  return asKeyError(e, what, file);
}

function decodeDer(label: string, der: Uint8Array, file?: string): PrivateKey {
  try {
    if (label === 'RSA PRIVATE KEY') return decodePkcs1(der);
    if (label === 'EC PRIVATE KEY') return decodeSec1(der);
    return decodePkcs8(der);
  } catch (e) {
    throw derError(e, label, file);
  }
}

function formatOfLabel(label: string): PrivateKeyFormat | undefined {
  switch (label) {
    case OPENSSH_PEM_LABEL:
      return 'openssh';
    case 'RSA PRIVATE KEY':
      return 'pkcs1';
    case 'EC PRIVATE KEY':
      return 'sec1';
    case 'PRIVATE KEY':
      return 'pkcs8';
  }
  return undefined;
}

function checkLabel(label: string, headers: Readonly<Record<string, string>>, file?: string): PrivateKeyFormat {
  if (label === 'ENCRYPTED PRIVATE KEY') {
    throw new KeyFileError('unsupported', 'encrypted PKCS#8 keys are not supported; convert with `ssh-keygen -p -f FILE` (writes OpenSSH format)', file);
  }
  if (label === 'DSA PRIVATE KEY') throw new KeyFileError('unsupported', 'DSA keys are not supported (OpenSSH removed ssh-dss)', file);
  if (label === 'OPENSSH PUBLIC KEY' || label === 'PUBLIC KEY' || label === 'RSA PUBLIC KEY') {
    throw new KeyFileError('malformed', `this is a public key ("${label}"), not a private key`, file);
  }
  const format = formatOfLabel(label);
  if (!format) throw new KeyFileError('unsupported', `unsupported PEM block "${label.slice(0, 40)}"`, file);
  if (/ENCRYPTED/.test(headers['Proc-Type'] ?? '')) {
    throw new KeyFileError('unsupported', 'encrypted PEM keys (Proc-Type: 4,ENCRYPTED) are not supported; convert with `ssh-keygen -p -f FILE` (writes OpenSSH format)', file);
  }
  return format;
}

/**
 * Reads a private key: OpenSSH format (plain or passphrase-protected), PKCS#1, SEC1 or PKCS#8 PEM,
 * or raw openssh-key-v1 / DER bytes. Errors are KeyFileError with a code and the file name.
 */
export function parsePrivateKey(data: string | Uint8Array, options: ReadKeyOptions = {}): KeyPair {
  const { file, passphrase } = options;
  if (data instanceof Uint8Array && isOpensshKeyBlob(data)) return decodeOpensshPrivateKey(data, passphrase, file);
  if (data instanceof Uint8Array && data[0] === 0x30) {
    const privateKey = decodeDer('PRIVATE KEY', data, file);
    return { privateKey, publicKey: publicOf(privateKey), comment: '' };
  }
  const text = asText(data);
  if (!looksLikePem(text)) {
    if (/^\s*(ssh-|ecdsa-|sk-)\S+\s+AAAA/.test(text)) throw new KeyFileError('malformed', 'this is a public key line, not a private key', file);
    if (text.trim() === '') throw new KeyFileError('truncated', 'the key file is empty', file);
    throw new KeyFileError('malformed', 'not a private key: no "-----BEGIN ... PRIVATE KEY-----" line', file);
  }
  const pem = parsePem(text, file);
  const format = checkLabel(pem.label, pem.headers, file);
  if (format === 'openssh') return decodeOpensshPrivateKey(pem.body, passphrase, file);
  const privateKey = decodeDer(pem.label, pem.body, file);
  return { privateKey, publicKey: publicOf(privateKey), comment: '' };
}

/** Reports a private key file's format, whether it is encrypted and (if stored in clear) its public key. */
export function privateKeyInfo(data: string | Uint8Array, options: { file?: string } = {}): PrivateKeyInfo {
  const { file } = options;
  if (data instanceof Uint8Array && isOpensshKeyBlob(data)) {
    const i = opensshKeyInfo(data, file);
    return { format: 'openssh', encrypted: i.encrypted, publicKey: i.publicKey, cipher: i.cipher, rounds: i.rounds };
  }
  const text = asText(data);
  const pem = parsePem(text, file);
  if (pem.label === 'ENCRYPTED PRIVATE KEY') return { format: 'pkcs8', encrypted: true };
  if (formatOfLabel(pem.label) && /ENCRYPTED/.test(pem.headers['Proc-Type'] ?? '')) return { format: formatOfLabel(pem.label)!, encrypted: true };
  const format = checkLabel(pem.label, pem.headers, file);
  if (format === 'openssh') {
    const i = opensshKeyInfo(pem.body, file);
    return { format, encrypted: i.encrypted, publicKey: i.publicKey, cipher: i.cipher, rounds: i.rounds };
  }
  return { format, encrypted: false, publicKey: publicOf(decodeDer(pem.label, pem.body, file)) };
}

/** The public half of a private key (a new record without secret fields). */
export function publicOf(k: PrivateKey | PublicKey): PublicKey {
  switch (k.type) {
    case 'ssh-ed25519':
      return { type: k.type, publicKey: k.publicKey };
    case 'ssh-rsa':
      return { type: k.type, n: k.n, e: k.e };
    default:
      return { type: k.type, curve: k.curve, point: k.point };
  }
}

/** Writes `key` as an OpenSSH private key file ("-----BEGIN OPENSSH PRIVATE KEY-----", 70 columns), encrypted when a passphrase is given. */
export function formatPrivateKey(key: PrivateKey, options: OpensshWriteOptions = {}): string {
  return formatPem(OPENSSH_PEM_LABEL, encodeOpensshPrivateKey(key, options), 70);
}

/** A parsed public key line. */
export interface PublicKeyLine {
  readonly key: PublicKey;
  /** The key blob as it appeared. */
  readonly blob: Uint8Array;
  readonly comment: string;
}

/** Most characters in one key line (a 16384-bit RSA key is under 3 KiB of base64). */
export const MAX_KEY_LINE = 16 * 1024;

/**
 * Parses "type base64 [comment]" (a .pub file line). The type must name the blob's type;
 * certificates and security-key types are refused as unsupported.
 */
export function parsePublicKeyLine(line: string, file?: string, lineNo?: number): PublicKeyLine {
  if (line.length > MAX_KEY_LINE) throw new KeyFileError('malformed', `line is longer than ${MAX_KEY_LINE} characters`, file, lineNo);
  const m = /^\s*(\S+)[ \t]+(\S+)(?:[ \t]+(.*?))?\s*$/.exec(line);
  if (!m) {
    if (line.trim() === '') throw new KeyFileError('truncated', 'empty public key line', file, lineNo);
    throw new KeyFileError('malformed', 'expected "type base64-key [comment]"', file, lineNo);
  }
  const [, type, b64, comment = ''] = m;
  let blob: Uint8Array;
  try {
    blob = base64Decode(b64);
  } catch (e) {
    if (!(e instanceof Base64Error)) throw e;
    throw new KeyFileError('bad-base64', `bad base64 in the ${type} key: ${e.message}`, file, lineNo);
  }
  const key = parsePublicKey(blob, file, lineNo);
  if (key.type !== type) throw new KeyFileError('malformed', `line says ${JSON.stringify(type.slice(0, 64))} but the key is ${key.type}`, file, lineNo);
  return { key, blob, comment };
}

const RFC4716_BEGIN = '---- BEGIN SSH2 PUBLIC KEY ----';
const RFC4716_END = '---- END SSH2 PUBLIC KEY ----';

/** Reads an RFC 4716 public key ("---- BEGIN SSH2 PUBLIC KEY ----", as `ssh-keygen -e` writes). */
function parseRfc4716(text: string, file?: string): PublicKeyLine {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((l) => l.trim() === RFC4716_BEGIN);
  let comment = '';
  let b64 = '';
  const starts: { offset: number; line: number }[] = [];
  let inHeader = true;
  let continued = false;
  let header = '';
  for (let i = start + 1; i < lines.length && i < start + 1 + 10_000; i++) {
    const l = lines[i].trim();
    if (l === RFC4716_END) {
      let blob: Uint8Array;
      try {
        blob = base64Decode(b64);
      } catch (e) {
        if (!(e instanceof Base64Error)) throw e;
        let line = start + 1;
        for (const s of starts) if (s.offset <= e.offset) line = s.line;
        throw new KeyFileError('bad-base64', `bad base64 in the SSH2 public key: ${e.message}`, file, line);
      }
      return { key: parsePublicKey(blob, file, start + 1), blob, comment };
    }
    if (inHeader && (continued || /^[\x21-\x39\x3b-\x7e]{1,64}:\s/.test(l))) {
      // a header, possibly continued over lines ending in '\\' (RFC 4716 §3.3)
      header = continued ? header + l : l;
      continued = header.endsWith('\\');
      if (continued) header = header.slice(0, -1);
      else {
        const m = /^Comment:\s*(.*)$/i.exec(header);
        if (m) comment = m[1].replace(/^"(.*)"$/, '$1');
      }
      continue;
    }
    inHeader = false;
    if (l === '') continue;
    starts.push({ offset: b64.length, line: i + 1 });
    b64 += l;
  }
  throw new KeyFileError('truncated', `no "${RFC4716_END}" line: the file is truncated`, file);
}

/**
 * Reads a public key file: a .pub line (the first line that is not blank or a # comment), an
 * RFC 4716 "SSH2 PUBLIC KEY" block, or an OpenSSH private key (its public key is stored in clear).
 */
export function parsePublicKeyFile(text: string, file?: string): PublicKeyLine {
  if (text.includes(RFC4716_BEGIN)) return parseRfc4716(text, file);
  if (looksLikePem(text)) {
    const info = privateKeyInfo(text, { file });
    if (!info.publicKey) throw new KeyFileError('passphrase-required', 'the public key of this private key file is encrypted', file);
    return { key: info.publicKey, blob: encodePublicKey(info.publicKey), comment: '' };
  }
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].trim();
    if (l === '' || l.startsWith('#')) continue;
    return parsePublicKeyLine(l, file, i + 1);
  }
  throw new KeyFileError('truncated', 'no public key in the file', file);
}

/** Formats a public key line as ssh-keygen writes .pub files: "type base64 comment". */
export function formatPublicKeyLine(key: PublicKey | PrivateKey, comment = ''): string {
  if (/[\r\n]/.test(comment)) throw new RangeError('a key comment cannot contain a line break');
  const pub = publicOf(key);
  const line = `${pub.type} ${base64Encode(encodePublicKey(pub))}`;
  return comment ? `${line} ${comment}` : line;
}
