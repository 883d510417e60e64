// Fused SSH packet operations for aes128/192/256-ctr (RFC 4344 section 4) with HMAC-SHA1,
// HMAC-SHA2-256 or HMAC-SHA2-512 (RFC 4253 section 6.4, RFC 6668), in both MAC forms:
//  - encrypt-and-MAC (RFC 4253 6.4): mac = MAC(key, uint32 seq || plaintext packet), the whole
//    packet (length field included) is encrypted, the MAC follows in clear;
//  - encrypt-then-MAC (the *-etm@openssh.com MACs, OpenSSH PROTOCOL section 1.5): the length
//    field stays in clear, bytes [4, packetLen) are encrypted, and
//    mac = MAC(key, uint32 seq || length || ciphertext).
// One call seals or opens one packet in place in kernel memory; nothing is allocated.
import { aes_ctr_init, aes_ctr_xor } from './aes';
import { hmacSetKey, hmacStart, hmacFinish, hashUpdate, HASH_CTX_BYTES } from './sha_core';
import { zero16 } from './sha_mem';

// Context slot layout (4096 bytes): [0, 2048) AES-CTR state (aes.ts), then
const HK: usize = 2048;    // 144 bytes: HMAC inner/outer states (sha_core.ts)
const HC: usize = 2192;    // 208 bytes: hash context the MAC runs in
const FLAGS: usize = 2400; // u32: bit 0 = encrypt-then-MAC; u32 at +4: MAC length
// ctx + 3584 .. 3696 is left free: the TS wrapper stages the init arguments (key, IV, MAC key) there.

// uint32 sequence number, big-endian, as the MAC's first 4 bytes. And the computed MAC on open.
const SEQ: usize = memory.data(16, 16);
const MAC: usize = memory.data(64, 64);

/**
 * Keys a packet cipher in ctx: AES-CTR with keyLen (16/24/32) bytes at keyPtr and the 16-byte
 * initial counter block at ivPtr; HMAC with macAlg (1 = SHA-1, 2 = SHA-256, 3 = SHA-512) and
 * macKeyLen bytes at macKeyPtr; etm != 0 selects encrypt-then-MAC. Returns the MAC length, 0 for
 * an unknown macAlg.
 */
export function ctrmac_init(
  ctx: usize, keyPtr: usize, keyLen: u32, ivPtr: usize, macAlg: u32, macKeyPtr: usize, macKeyLen: usize, etm: u32,
): u32 {
  const macLen = hmacSetKey(ctx + HK, macAlg, macKeyPtr, macKeyLen);
  if (macLen == 0) return 0;
  aes_ctr_init(ctx, keyPtr, keyLen, ivPtr);
  store<u32>(ctx + FLAGS, etm != 0 ? 1 : 0);
  store<u32>(ctx + FLAGS, macLen, 4);
  return macLen;
}

/** HMAC(key, uint32 seq || packetLen bytes at ptr) into out. */
function macPacket(ctx: usize, seq: u32, ptr: usize, packetLen: usize, out: usize): void {
  const hc = ctx + HC;
  hmacStart(hc, ctx + HK);
  store<u32>(SEQ, bswap<u32>(seq));
  hashUpdate(hc, SEQ, 4);
  hashUpdate(hc, ptr, packetLen);
  hmacFinish(hc, ctx + HK, out);
  zero16(hc, HASH_CTX_BYTES);
}

/**
 * Seals the packet at ptr (packetLen bytes: uint32 length, padding length, payload, padding) in
 * place under sequence number seq and writes the MAC at ptr + packetLen.
 */
export function ctrmac_seal(ctx: usize, seq: u32, ptr: usize, packetLen: usize): void {
  if (load<u32>(ctx + FLAGS) & 1) {
    aes_ctr_xor(ctx, ptr + 4, packetLen - 4);
    macPacket(ctx, seq, ptr, packetLen, ptr + packetLen);
  } else {
    macPacket(ctx, seq, ptr, packetLen, ptr + packetLen);
    aes_ctr_xor(ctx, ptr, packetLen);
  }
}

/**
 * packet_length of the packet starting at ptr. Encrypt-and-MAC: decrypts the first 16-byte block
 * in place first (advancing the keystream); encrypt-then-MAC: reads the clear length field.
 */
export function ctrmac_decrypt_length(ctx: usize, ptr: usize): u32 {
  if (!(load<u32>(ctx + FLAGS) & 1)) aes_ctr_xor(ctx, ptr, 16);
  return bswap<u32>(load<u32>(ptr));
}

/** Constant-time comparison of the computed MAC (in MAC) with n bytes at p: 1 if equal. */
function macEqual(p: usize, n: usize): i32 {
  let d = i64x2.splat(0);
  for (let i: usize = 0; i + 16 <= n; i += 16) d = v128.or(d, v128.xor(v128.load(MAC + i), v128.load(p + i)));
  let r = <u64>(i64x2.extract_lane(d, 0) | i64x2.extract_lane(d, 1));
  if (n & 15) r |= <u64>(load<u32>(MAC + (n & ~15)) ^ load<u32>(p + (n & ~15))); // SHA-1: bytes 16..19
  return <i32>(r == 0);
}

/**
 * Opens the packet at ptr (packetLen bytes, then the MAC) in place under sequence number seq and
 * returns 1 if the MAC matches, else 0.
 * Encrypt-then-MAC: the MAC over the ciphertext is checked first, and only a packet that passes is
 * decrypted; a failed open changes nothing (neither the packet nor the keystream position).
 * Encrypt-and-MAC: expects ctrmac_decrypt_length to have decrypted the first block already;
 * decrypts the rest, then checks the MAC over the plaintext. On a mismatch the decrypted bytes
 * are zeroed (nothing unauthenticated is left behind); the keystream has moved on, so the
 * connection must be dropped, as RFC 4253 requires anyway.
 */
export function ctrmac_open(ctx: usize, seq: u32, ptr: usize, packetLen: usize): i32 {
  const macLen = <usize>load<u32>(ctx + FLAGS, 4);
  let ok: i32;
  if (load<u32>(ctx + FLAGS) & 1) {
    macPacket(ctx, seq, ptr, packetLen, MAC);
    ok = macEqual(ptr + packetLen, macLen);
    if (ok) aes_ctr_xor(ctx, ptr + 4, packetLen - 4);
  } else {
    if (packetLen < 16) return 0;
    aes_ctr_xor(ctx, ptr + 16, packetLen - 16);
    macPacket(ctx, seq, ptr, packetLen, MAC);
    ok = macEqual(ptr + packetLen, macLen);
    if (!ok) memory.fill(ptr, 0, packetLen);
  }
  zero16(MAC, 64);
  return ok;
}
