// openssh-key-v1 private key files (OpenSSH PROTOCOL.key):
//   "openssh-key-v1\0" string ciphername, string kdfname, string kdfoptions, uint32 N (= 1),
//   string publickey, string encrypted-section [|| tag for aes-gcm]
// kdfoptions for "bcrypt": string salt, uint32 rounds. The (decrypted) section holds
//   uint32 checkint, uint32 checkint, key-type-specific private fields, string comment,
//   padding 1, 2, 3, … to the cipher block size.
// A checkint mismatch after decryption (or a GCM tag failure) means a wrong passphrase.
import { SshReader, SshWriter } from '../wire/index.ts';
import type { RandomSource } from '../algorithms/types.ts';
import type { KeyPair, PrivateKey, PublicKey } from './model.ts';
import { KeyFileError } from './errors.ts';
import { asKeyError, encodePublicKey, parsePublicKey } from './keys.ts';
import { bcryptPbkdf, BCRYPT_MAX_ROUNDS } from './bcrypt-pbkdf.ts';
import { type KeyFileCipher, keyFileCipher, keyFileDecrypt, keyFileEncrypt } from './cipher.ts';
import { equalBytes, webRandom, wipe } from './bytes.ts';
import { ecdsaCheckPair, ecdsaCurveOf } from './ecdsa.ts';
import { rsaPrivateKey } from './rsa.ts';

const MAGIC = new TextEncoder().encode('openssh-key-v1\0');
/** PEM label of openssh-key-v1 files. */
export const OPENSSH_PEM_LABEL = 'OPENSSH PRIVATE KEY';
/** Rounds ssh-keygen uses by default (-a). */
export const DEFAULT_KDF_ROUNDS = 16;
const SALT_LENGTH = 16;

/** What the unencrypted part of an openssh-key-v1 file says. */
export interface OpensshKeyInfo {
  readonly publicKey: PublicKey;
  readonly cipher: string;
  readonly kdf: string;
  /** bcrypt rounds, when kdf is "bcrypt". */
  readonly rounds?: number;
  readonly encrypted: boolean;
}

/** True when `bytes` starts with the openssh-key-v1 magic. */
export function isOpensshKeyBlob(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && equalBytes(bytes.subarray(0, MAGIC.length), MAGIC);
}

interface Outer {
  info: OpensshKeyInfo;
  cipher: KeyFileCipher;
  salt?: Uint8Array;
  publicBlob: Uint8Array;
  encrypted: Uint8Array;
  tag: Uint8Array;
}

function readOuter(blob: Uint8Array, file?: string): Outer {
  if (!isOpensshKeyBlob(blob)) {
    const prefix = blob.length < MAGIC.length && equalBytes(blob, MAGIC.subarray(0, blob.length));
    throw prefix
      ? new KeyFileError('truncated', 'openssh-key-v1 key is truncated', file)
      : new KeyFileError('malformed', 'not an openssh-key-v1 key (bad magic)', file);
  }
  try {
    const r = new SshReader(blob.subarray(MAGIC.length), 'openssh-key-v1');
    const cipherName = r.text('ciphername');
    const kdf = r.text('kdfname');
    const kdfOptions = r.string('kdfoptions');
    const n = r.uint32('number of keys');
    if (n !== 1) throw new KeyFileError('unsupported', `openssh-key-v1 file holds ${n} keys; exactly 1 is supported`, file);
    const publicBlob = r.string('public key');
    const cipher = keyFileCipher(cipherName);
    if (cipher === 'unsupported') throw new KeyFileError('unsupported', `key file cipher ${cipherName} is not supported (use ssh-keygen -p -Z aes256-ctr)`, file);
    if (!cipher) throw new KeyFileError('malformed', `unknown key file cipher ${JSON.stringify(cipherName.slice(0, 64))}`, file);
    let salt: Uint8Array | undefined;
    let rounds: number | undefined;
    if (kdf === 'none') {
      if (cipher.name !== 'none') throw new KeyFileError('malformed', `cipher ${cipher.name} with kdf "none"`, file);
      if (kdfOptions.length !== 0) throw new KeyFileError('malformed', 'kdf "none" with kdf options', file);
    } else if (kdf === 'bcrypt') {
      if (cipher.name === 'none') throw new KeyFileError('malformed', 'kdf "bcrypt" with cipher "none"', file);
      const o = new SshReader(kdfOptions, 'bcrypt kdf options');
      salt = o.string('salt').slice();
      rounds = o.uint32('rounds');
      o.end();
      if (salt.length === 0 || salt.length > 1024) throw new KeyFileError('malformed', `bcrypt salt of ${salt.length} bytes`, file);
      if (rounds < 1 || rounds > BCRYPT_MAX_ROUNDS) throw new KeyFileError('malformed', `bcrypt rounds ${rounds} out of range 1..${BCRYPT_MAX_ROUNDS}`, file);
    } else {
      throw new KeyFileError('unsupported', `key file kdf ${JSON.stringify(kdf.slice(0, 64))} is not supported (only "bcrypt")`, file);
    }
    const encLen = r.uint32('private section length');
    if (encLen < cipher.blockSize || encLen % cipher.blockSize !== 0) {
      throw new KeyFileError('malformed', `private section of ${encLen} bytes is not a whole number of ${cipher.blockSize}-byte blocks`, file);
    }
    const encrypted = r.raw(encLen, 'private section');
    const tag = r.raw(cipher.tagLength, 'authentication tag');
    r.end();
    const publicKey = parsePublicKey(publicBlob, file);
    return {
      info: { publicKey, cipher: cipher.name, kdf, rounds, encrypted: cipher.name !== 'none' },
      cipher,
      salt,
      publicBlob,
      encrypted,
      tag,
    };
  } catch (e) {
    throw asKeyError(e, 'openssh-key-v1', file);
  }
}

/** Reads what an openssh-key-v1 file says without decrypting it (the public key is in clear). */
export function opensshKeyInfo(blob: Uint8Array, file?: string): OpensshKeyInfo {
  return readOuter(blob, file).info;
}

const utf8 = new TextDecoder('utf-8');

function readPrivateFields(r: SshReader, type: string, file?: string): PrivateKey {
  switch (type) {
    case 'ssh-ed25519': {
      const pub = r.string('ed25519 public key');
      const priv = r.string('ed25519 private key');
      if (pub.length !== 32 || priv.length !== 64) throw new RangeError('ssh-ed25519 private key has wrong lengths');
      if (!equalBytes(priv.subarray(32), pub)) throw new RangeError('ssh-ed25519 private key does not match its public key');
      // The public key is taken as the file gives it (as OpenSSH does), not derived from the seed
      // here: that scalar multiplication on BigInt cost ~0.1 s of every `seashell` start. Both
      // signers (ed25519Signer, and node:crypto's in packages/node) check seed against public key.
      return { type: 'ssh-ed25519', publicKey: pub.slice(), seed: priv.slice(0, 32) };
    }
    case 'ecdsa-sha2-nistp256':
    case 'ecdsa-sha2-nistp384':
    case 'ecdsa-sha2-nistp521': {
      const curve = ecdsaCurveOf(type)!;
      if (r.text('curve') !== curve) throw new RangeError(`${type} private key names another curve`);
      const point = r.string('Q').slice();
      const d = r.mpint('d');
      const key = { type, curve, point, d } as const;
      ecdsaCheckPair(key);
      return key;
    }
    case 'ssh-rsa': {
      const n = r.mpint('n');
      const e = r.mpint('e');
      const d = r.mpint('d');
      const iqmp = r.mpint('iqmp');
      const p = r.mpint('p');
      const q = r.mpint('q');
      return rsaPrivateKey({ n, e, d, p, q, iqmp });
    }
    default:
      throw new KeyFileError('unsupported', `unsupported key type ${JSON.stringify(type.slice(0, 64))}`, file);
  }
}

/**
 * Decodes an openssh-key-v1 blob (the base64-decoded body). `passphrase` is needed when the
 * file is encrypted: without it the error code is 'passphrase-required'; a wrong one gives
 * 'wrong-passphrase'.
 */
export function decodeOpensshPrivateKey(blob: Uint8Array, passphrase?: string | Uint8Array, file?: string): KeyPair {
  const outer = readOuter(blob, file);
  const { cipher } = outer;
  let plain: Uint8Array | undefined;
  if (cipher.name === 'none') {
    plain = outer.encrypted.slice();
  } else {
    const pass = typeof passphrase === 'string' ? new TextEncoder().encode(passphrase) : passphrase;
    if (!pass || pass.length === 0) throw new KeyFileError('passphrase-required', 'the key is encrypted: a passphrase is required', file);
    const km = bcryptPbkdf(pass, outer.salt!, cipher.keyLength + cipher.ivLength, outer.info.rounds!);
    if (typeof passphrase === 'string') wipe(pass);
    try {
      plain = keyFileDecrypt(cipher, km.subarray(0, cipher.keyLength), km.subarray(cipher.keyLength), outer.encrypted, outer.tag);
    } finally {
      wipe(km);
    }
    if (!plain) throw new KeyFileError('wrong-passphrase', 'wrong passphrase (the authentication tag does not verify)', file);
  }
  try {
    const r = new SshReader(plain, 'openssh-key-v1 private section');
    const c1 = r.uint32('checkint');
    const c2 = r.uint32('checkint');
    if (c1 !== c2) {
      throw cipher.name === 'none'
        ? new KeyFileError('malformed', 'check-ints differ in an unencrypted key: the file is corrupt', file)
        : new KeyFileError('wrong-passphrase', 'wrong passphrase (check-ints differ after decryption)', file);
    }
    const type = r.text('key type');
    const privateKey = readPrivateFields(r, type, file);
    const commentBytes = r.string('comment');
    const comment = utf8.decode(commentBytes);
    const pad = r.rest();
    for (let i = 0; i < pad.length; i++) {
      if (pad[i] !== ((i + 1) & 0xff)) throw new KeyFileError('malformed', 'bad padding after the private key', file);
    }
    if (!equalBytes(encodePublicKey(privateKey), outer.publicBlob)) {
      throw new KeyFileError('invalid-key', 'the private key does not match the public key stored beside it', file);
    }
    return { privateKey, publicKey: outer.info.publicKey, comment };
  } catch (e) {
    throw asKeyError(e, 'openssh-key-v1 private section', file);
  } finally {
    wipe(plain);
  }
}

function writePrivateFields(w: SshWriter, k: PrivateKey): void {
  switch (k.type) {
    case 'ssh-ed25519': {
      const priv = new Uint8Array(64);
      priv.set(k.seed);
      priv.set(k.publicKey, 32);
      w.string('ssh-ed25519').string(k.publicKey).string(priv);
      wipe(priv);
      return;
    }
    case 'ecdsa-sha2-nistp256':
    case 'ecdsa-sha2-nistp384':
    case 'ecdsa-sha2-nistp521':
      w.string(k.type).string(k.curve).string(k.point).mpint(k.d);
      return;
    case 'ssh-rsa':
      w.string('ssh-rsa').mpint(k.n).mpint(k.e).mpint(k.d).mpint(k.iqmp).mpint(k.p).mpint(k.q);
      return;
  }
}

/** Options for writing an openssh-key-v1 file. */
export interface OpensshWriteOptions {
  /** Comment stored with the key (ssh-keygen -C). */
  comment?: string;
  /** Encrypts the key with bcrypt_pbkdf + `cipher` when non-empty. */
  passphrase?: string | Uint8Array;
  /** bcrypt_pbkdf rounds (default 16, as ssh-keygen -a). */
  rounds?: number;
  /** Cipher for an encrypted key: 'aes256-ctr' (default, as ssh-keygen) or 'aes256-gcm@openssh.com'. */
  cipher?: 'aes256-ctr' | 'aes256-gcm@openssh.com';
  /** Randomness for check-ints and salt (default: Web Crypto). */
  random?: RandomSource;
}

/** Encodes `key` as an openssh-key-v1 blob (not armored). */
export function encodeOpensshPrivateKey(key: PrivateKey, options: OpensshWriteOptions = {}): Uint8Array {
  const random = options.random ?? webRandom;
  const pass = typeof options.passphrase === 'string' ? new TextEncoder().encode(options.passphrase) : options.passphrase;
  const encrypt = pass !== undefined && pass.length > 0;
  const cipher = keyFileCipher(encrypt ? (options.cipher ?? 'aes256-ctr') : 'none');
  if (!cipher || cipher === 'unsupported') throw new RangeError(`cipher ${options.cipher} cannot write key files`);
  const rounds = options.rounds ?? DEFAULT_KDF_ROUNDS;
  if (encrypt && (!Number.isInteger(rounds) || rounds < 1 || rounds > BCRYPT_MAX_ROUNDS)) throw new RangeError(`rounds must be 1..${BCRYPT_MAX_ROUNDS}`);
  const publicBlob = encodePublicKey(key);

  const check = random(4);
  if (check.length !== 4) throw new RangeError('random source returned the wrong number of bytes');
  const sec = new SshWriter(1024);
  sec.raw(check).raw(check);
  writePrivateFields(sec, key);
  sec.string(options.comment ?? '');
  for (let i = 1; sec.length % cipher.blockSize !== 0; i++) sec.byte(i);
  const plain = sec.finish();

  const out = new SshWriter(plain.length + publicBlob.length + 128);
  out.raw(MAGIC).string(cipher.name);
  let body: Uint8Array;
  if (encrypt) {
    const salt = random(SALT_LENGTH);
    out.string('bcrypt').string(new SshWriter(32).string(salt).uint32(rounds).finish());
    const km = bcryptPbkdf(pass!, salt, cipher.keyLength + cipher.ivLength, rounds);
    try {
      body = keyFileEncrypt(cipher, km.subarray(0, cipher.keyLength), km.subarray(cipher.keyLength), plain);
    } finally {
      wipe(km);
      if (typeof options.passphrase === 'string') wipe(pass);
    }
  } else {
    out.string('none').string('');
    body = plain.slice();
  }
  wipe(plain);
  out.uint32(1).string(publicBlob);
  out.uint32(body.length - cipher.tagLength).raw(body);
  return out.finish();
}
