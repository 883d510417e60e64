// ChaCha20-Poly1305 family of the kernel:
//   - ChaCha20 stream (RFC 8439 §2.4; and the original 64-bit nonce/counter variant),
//   - Poly1305 (RFC 8439 §2.5), streaming,
//   - the AEAD_CHACHA20_POLY1305 construction (RFC 8439 §2.8), streaming,
//   - chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305) as fused in-place
//     packet operations: one call seals, reads the length of, or opens one SSH packet.
// Primitives live in chacha_core.ts (ChaCha20) and poly1305.ts (Poly1305).
import { setState, chachaXor, chacha4, chacha1, xorBytes, zero, LANES, KS, ZERO } from './chacha_core';
import { polyInit, polyUpdate, polyPad16, polyFinish, polyWipe, tagEqual, POLY_STATE_SIZE } from './poly1305';

/** ChaCha20 state (16 words) for the one-shot stream, the AEAD and the SSH payload. */
const W: usize = memory.data(64, 64);
/** Poly1305 state for the one-shot MAC and the AEAD. */
const POLY: usize = memory.data(<i32>POLY_STATE_SIZE, 64);
/** Poly1305 state for SSH packets (kept apart so a packet never disturbs a streaming AEAD). */
const POLY_SSH: usize = memory.data(<i32>POLY_STATE_SIZE, 64);
/** AEAD length block: le64(aad length) || le64(ciphertext length). */
const AEAD_LENS: usize = memory.data(16, 16);
/** Computed tag while verifying. */
const TAG: usize = memory.data(16, 16);
/** AEAD phase: 0 while absorbing AAD, 1 once ciphertext has started. */
let aeadPhase: u32 = 0;

// ---------------------------------------------------------------------------------------------
// ChaCha20 and Poly1305 one-shots (used by the TS wrappers, in chunks for long inputs)

/**
 * XORs len bytes at ptr in place with ChaCha20 keystream. Key: 32 bytes at keyPtr. nonceLen 12:
 * IETF variant (RFC 8439), 32-bit block counter ctrLo. nonceLen 8: original variant, 64-bit
 * block counter ctrHi:ctrLo. Chunked callers pass lengths that are multiples of 64 except the last.
 */
export function chacha20_xor(keyPtr: usize, noncePtr: usize, nonceLen: u32, ctrLo: u32, ctrHi: u32, ptr: usize, len: usize): void {
  if (nonceLen == 12) {
    setState(W, keyPtr, ctrLo, load<u32>(noncePtr, 0), load<u32>(noncePtr, 4), load<u32>(noncePtr, 8));
    chachaXor(W, ptr, ptr, len, false);
  } else {
    setState(W, keyPtr, ctrLo, ctrHi, load<u32>(noncePtr, 0), load<u32>(noncePtr, 4));
    chachaXor(W, ptr, ptr, len, true);
  }
  zero(W, 64);
}

/** Starts a Poly1305 MAC with the 32-byte one-time key at keyPtr. */
export function poly1305_init(keyPtr: usize): void { polyInit(POLY, keyPtr); }
/** Absorbs len bytes at ptr into the MAC started by poly1305_init. */
export function poly1305_update(ptr: usize, len: usize): void { polyUpdate(POLY, ptr, len); }
/** Writes the 16-byte tag to outPtr and wipes the MAC state. */
export function poly1305_finish(outPtr: usize): void { polyFinish(POLY, outPtr); }

// ---------------------------------------------------------------------------------------------
// AEAD_CHACHA20_POLY1305 (RFC 8439 §2.8), streaming: init, aad*, (seal|open)*, tag|verify

/** Starts an AEAD operation: 32-byte key at keyPtr, 12-byte nonce at noncePtr (§2.6 key generation). */
export function aead_init(keyPtr: usize, noncePtr: usize): void {
  setState(W, keyPtr, 0, load<u32>(noncePtr, 0), load<u32>(noncePtr, 4), load<u32>(noncePtr, 8));
  chacha1(W, KS);
  polyInit(POLY, KS);
  zero(KS, 64);
  store<u32>(W, 1, 48); // payload starts at block 1
  store<u64>(AEAD_LENS, 0, 0);
  store<u64>(AEAD_LENS, 0, 8);
  aeadPhase = 0;
}

/** Absorbs len bytes of additional data (all AAD comes before any seal/open call). */
export function aead_aad(ptr: usize, len: usize): void {
  polyUpdate(POLY, ptr, len);
  store<u64>(AEAD_LENS, load<u64>(AEAD_LENS, 0) + <u64>len, 0);
}

// @ts-ignore: decorator
@inline function aeadStartCiphertext(): void {
  if (aeadPhase == 0) { polyPad16(POLY); aeadPhase = 1; }
}

/** Encrypts len bytes at ptr in place and MACs the ciphertext (len a multiple of 64 except the last call). */
export function aead_seal(ptr: usize, len: usize): void {
  aeadStartCiphertext();
  chachaXor(W, ptr, ptr, len, false);
  polyUpdate(POLY, ptr, len);
  store<u64>(AEAD_LENS, load<u64>(AEAD_LENS, 8) + <u64>len, 8);
}

/** MACs len bytes of ciphertext at ptr, then decrypts them in place (same length rule as aead_seal). */
export function aead_open(ptr: usize, len: usize): void {
  aeadStartCiphertext();
  polyUpdate(POLY, ptr, len);
  chachaXor(W, ptr, ptr, len, false);
  store<u64>(AEAD_LENS, load<u64>(AEAD_LENS, 8) + <u64>len, 8);
}

function aeadFinish(out: usize): void {
  aeadStartCiphertext();
  polyPad16(POLY);
  polyUpdate(POLY, AEAD_LENS, 16);
  polyFinish(POLY, out);
  zero(W, 64);
  zero(AEAD_LENS, 16);
}

/** Writes the 16-byte tag to outPtr and wipes the AEAD state. */
export function aead_tag(outPtr: usize): void { aeadFinish(outPtr); }

/** Compares the computed tag with the 16 bytes at tagPtr in constant time: 1 equal, 0 not. Wipes the state. */
export function aead_verify(tagPtr: usize): u32 {
  aeadFinish(TAG);
  const ok = tagEqual(TAG, tagPtr);
  zero(TAG, 16);
  return ok;
}

// ---------------------------------------------------------------------------------------------
// chacha20-poly1305@openssh.com. Context slot: [0, 32) K_2 (payload + Poly1305 key),
// [32, 64) K_1 (packet length). Nonce: the sequence number as a 64-bit big-endian value, i.e.
// state words 14 = 0, 15 = bswap(seq); 64-bit block counter in words 12-13.

/** Stores the 64-byte key (K_2 || K_1) at keyPtr in the context slot ctx. */
export function chachassh_init(ctx: usize, keyPtr: usize): void {
  for (let i: usize = 0; i < 64; i += 16) v128.store(ctx + i, v128.load(keyPtr + i));
}

/**
 * One four-lane pass for the start of a packet: lanes 0-2 are K_2 blocks 0, 1, 2 and lane 3 is
 * K_1 block 0, so KS = [Poly1305 key block | payload bytes 0..127 | length keystream].
 */
function sshHead(ctx: usize, seq: u32): void {
  v128.store(LANES, i32x4.splat(0x61707865), 0);
  v128.store(LANES, i32x4.splat(0x3320646e), 16);
  v128.store(LANES, i32x4.splat(0x79622d32), 32);
  v128.store(LANES, i32x4.splat(0x6b206574), 48);
  for (let i: usize = 0; i < 8; i++) {
    const k2 = load<i32>(ctx + (i << 2)), k1 = load<i32>(ctx + 32 + (i << 2));
    v128.store(LANES + 64 + (i << 4), i32x4(k2, k2, k2, k1));
  }
  v128.store(LANES, i32x4(0, 1, 2, 0), 192);
  v128.store(LANES, i32x4.splat(0), 208);
  v128.store(LANES, i32x4.splat(0), 224);
  v128.store(LANES, i32x4.splat(<i32>bswap<u32>(seq)), 240);
  chacha4(ZERO, KS);
}

/** XORs the packet [ptr, ptr + n) with its keystream: length with K_1, payload with K_2 from block 1. */
function sshCrypt(ctx: usize, seq: u32, ptr: usize, n: usize): void {
  xorBytes(ptr, ptr, KS + 192, 4);
  const body = n - 4;
  const first = body < 128 ? body : 128;
  xorBytes(ptr + 4, ptr + 4, KS + 64, first);
  if (body > 128) {
    setState(W, ctx, 3, 0, 0, bswap<u32>(seq));
    chachaXor(W, ptr + 132, ptr + 132, body - 128, true);
    zero(W, 64);
  }
}

/**
 * Seals the packet at ptr in place: n = 4 + packet_length bytes (n >= 4); the 16-byte tag is
 * written at ptr + n.
 */
export function chachassh_seal(ctx: usize, seq: u32, ptr: usize, n: usize): void {
  sshHead(ctx, seq);
  polyInit(POLY_SSH, KS);
  sshCrypt(ctx, seq, ptr, n);
  zero(KS, 256);
  zero(LANES, 256);
  polyUpdate(POLY_SSH, ptr, n);
  polyFinish(POLY_SSH, ptr + n);
}

/** Decrypts the packet_length field at ptr (K_1, block 0) without modifying the buffer. */
export function chachassh_length(ctx: usize, seq: u32, ptr: usize): u32 {
  setState(W, ctx + 32, 0, 0, 0, bswap<u32>(seq));
  chacha1(W, KS);
  const len = bswap<u32>(load<u32>(ptr) ^ load<u32>(KS));
  zero(KS, 64);
  zero(W, 64);
  return len;
}

/**
 * Opens the packet at ptr in place: n = 4 + packet_length bytes followed by the 16-byte tag.
 * Verifies the tag first (constant time); 1 and the plaintext in place when it matches, 0 (and
 * the buffer untouched) when not.
 */
export function chachassh_open(ctx: usize, seq: u32, ptr: usize, n: usize): u32 {
  sshHead(ctx, seq);
  polyInit(POLY_SSH, KS);
  polyUpdate(POLY_SSH, ptr, n);
  polyFinish(POLY_SSH, TAG);
  const ok = tagEqual(TAG, ptr + n);
  zero(TAG, 16);
  if (ok) sshCrypt(ctx, seq, ptr, n);
  zero(KS, 256);
  zero(LANES, 256);
  return ok;
}
