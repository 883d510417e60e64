// mlkem768x25519-sha256 (draft-ietf-sshm-mlkem-hybrid-kex, formerly draft-kampanakis-curdle-ssh-
// pq-ke; OpenSSH 9.9+): ML-KEM-768 (FIPS 203) combined with X25519. Messages 30/31 carry
//   C_INIT  = ML-KEM-768 encapsulation key (1184) || X25519 public key (32)
//   S_REPLY = ML-KEM-768 ciphertext (1088)        || X25519 public key (32)
// as SSH strings of exactly those lengths. K = SHA-256(ML-KEM shared secret || X25519 shared
// secret), entering the exchange hash and key derivation as an SSH string (not an mpint). The
// encapsulation key gets FIPS 203 §7.2's modulus check; an all-zero X25519 secret is refused,
// as for curve25519-sha256.
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { KexContext, KexMethod } from '../types.ts';
import { fixedStringCodec, kexFailed, oneRoundClient, oneRoundServer, randomBytes, sshString, wipe } from './common.ts';
import type { OneRoundInfo, OneRoundOps } from './common.ts';
import { X25519_LENGTH, x25519Keygen, x25519Shared } from './curve25519.ts';

/** FIPS 203 Table 3 sizes for ML-KEM-768. */
export const MLKEM768_PUBLIC = 1184;
export const MLKEM768_CIPHERTEXT = 1088;
const MLKEM_SEED = 64;
const MLKEM_MSG = 32;

export const MLKEM768X25519_C_INIT = MLKEM768_PUBLIC + X25519_LENGTH;
export const MLKEM768X25519_S_REPLY = MLKEM768_CIPHERTEXT + X25519_LENGTH;

/** K = string(SHA-256(kem || ecdh)); wipes the two inputs. */
function combine(kem: Uint8Array, ecdh: Uint8Array): Uint8Array {
  const both = new Uint8Array(kem.length + ecdh.length);
  both.set(kem, 0);
  both.set(ecdh, kem.length);
  const h = sha256(both);
  const k = sshString(h);
  wipe(both, h, kem, ecdh);
  return k;
}

/**
 * Randomness is drawn in a fixed order so fixed-randomness transcripts are reproducible:
 * client: 64-byte ML-KEM key-generation seed (d || z), then the 32-byte X25519 private key;
 * server: the 32-byte ML-KEM encapsulation message m, then the X25519 private key.
 */
const ops: OneRoundOps<Uint8Array> = {
  clientCodec: fixedStringCodec(MLKEM768X25519_C_INIT),
  serverCodec: fixedStringCodec(MLKEM768X25519_S_REPLY),
  clientKeygen(ctx: KexContext) {
    const seed = randomBytes(ctx, MLKEM_SEED, 'ML-KEM key seed');
    const { publicKey, secretKey } = ml_kem768.keygen(seed);
    wipe(seed);
    const x = x25519Keygen(ctx, 'mlkem768x25519 client X25519 key');
    const pub = new Uint8Array(MLKEM768X25519_C_INIT);
    pub.set(publicKey, 0);
    pub.set(x.pub, MLKEM768_PUBLIC);
    return {
      pub,
      agree(reply) {
        const ct = reply.subarray(0, MLKEM768_CIPHERTEXT);
        const serverX = reply.subarray(MLKEM768_CIPHERTEXT);
        const ecdh = x25519Shared(x.secret, serverX, 'the server X25519 key');
        let kem: Uint8Array;
        try {
          kem = ml_kem768.decapsulate(ct, secretKey);
        } catch {
          wipe(ecdh);
          throw kexFailed('ML-KEM-768 decapsulation failed');
        }
        return combine(kem, ecdh);
      },
      dispose() {
        wipe(secretKey, x.secret);
      },
    };
  },
  serverRespond(ctx, init) {
    const ek = init.subarray(0, MLKEM768_PUBLIC);
    const clientX = init.subarray(MLKEM768_PUBLIC);
    const m = randomBytes(ctx, MLKEM_MSG, 'ML-KEM encapsulation randomness');
    let enc: { cipherText: Uint8Array; sharedSecret: Uint8Array };
    try {
      enc = ml_kem768.encapsulate(ek, m);
    } catch {
      throw kexFailed('the client ML-KEM-768 encapsulation key is invalid (FIPS 203 modulus check)');
    } finally {
      wipe(m);
    }
    const x = x25519Keygen(ctx, 'mlkem768x25519 server X25519 key');
    let ecdh: Uint8Array;
    try {
      ecdh = x25519Shared(x.secret, clientX, 'the client X25519 key');
    } catch (e) {
      wipe(enc.sharedSecret);
      throw e;
    } finally {
      wipe(x.secret);
    }
    const pub = new Uint8Array(MLKEM768X25519_S_REPLY);
    pub.set(enc.cipherText, 0);
    pub.set(x.pub, MLKEM768_CIPHERTEXT);
    return { pub, k: combine(enc.sharedSecret, ecdh) };
  },
};

const info: OneRoundInfo = { name: 'mlkem768x25519-sha256', hash: 'sha256', initName: 'KEX_HYBRID_INIT', replyName: 'KEX_HYBRID_REPLY', clientField: 'C_INIT', serverField: 'S_REPLY' };

/** mlkem768x25519-sha256: post-quantum hybrid, OpenSSH 9.9's default. */
export const mlkem768x25519Sha256: KexMethod & { readonly name: 'mlkem768x25519-sha256' } = {
  name: 'mlkem768x25519-sha256',
  hash: 'sha256',
  client: (ctx) => oneRoundClient(info, ops, ctx),
  server: (ctx) => oneRoundServer(info, ops, ctx),
};
