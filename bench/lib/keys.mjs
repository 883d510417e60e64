// Small key helpers for the benchmarks.

/** The binary key blob (RFC 4253 §6.6) from an OpenSSH public key line "type base64 comment". */
export function parsePublicKeyBlob(line) {
  const parts = String(line).trim().split(/\s+/);
  if (parts.length < 2) throw new Error(`not a public key line: ${line}`);
  return Buffer.from(parts[1], 'base64');
}
