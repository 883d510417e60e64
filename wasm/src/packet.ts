// The interface the SSH transport uses to seal and open binary packets (RFC 4253 §6) with the
// kernel's fused operations: the transport lays the packet out directly in kernel memory
// (ioView), one call seals or opens it in place, and the transport copies the result out once.
//
// Layout in ioView, offsets from 0:
//   [uint32 packet_length][byte padding_length][payload][padding]   = packetLen bytes
//   followed, once sealed, by macLength bytes of tag / MAC.
// packetLen = 4 + packet_length.

export interface PacketCipher {
  /** Wire name, e.g. 'chacha20-poly1305@openssh.com' or 'aes128-ctr+hmac-sha2-256-etm@openssh.com'. */
  readonly name: string;
  /**
   * Padding granularity. As OpenSSH does it: when firstBlockLength is 4 (chacha20-poly1305, GCM,
   * -etm MACs) packet_length alone is a multiple of blockSize; otherwise (encrypt-and-MAC CTR) the
   * whole packet including the 4-byte length field is.
   */
  readonly blockSize: number;
  /** Bytes of tag or MAC following the packet. */
  readonly macLength: number;
  /** True when packet_length travels unencrypted (aes-gcm, -etm MACs). */
  readonly lengthInClear: boolean;
  /** Bytes of the packet's start needed before decryptLength can run (4, or one block for encrypt-and-MAC). */
  readonly firstBlockLength: number;
  /** View of this cipher's kernel IO buffer; lay packets out here. Never detaches. */
  readonly ioView: Uint8Array;
  /** Seals io[0, packetLen) in place; afterwards io[0, packetLen + macLength) is what goes on the wire. */
  seal(seq: number, packetLen: number): void;
  /**
   * Reads packet_length from the first firstBlockLength bytes in io. Encrypt-and-MAC CTR decrypts
   * that block in place; the others leave the bytes as they were.
   */
  decryptLength(seq: number): number;
  /** Verifies and decrypts io[0, packetLen + macLength) in place; false on a bad tag or MAC. */
  open(seq: number, packetLen: number): boolean;
  /** Wipes the keys and releases the kernel context. The cipher cannot be used afterwards. */
  dispose(): void;
}
