// Errors of the keys layer. KeyFileError is a KeyParseError (wire/errors.ts) that also carries a
// machine-readable code, so a caller can tell "wrong passphrase" (ask again) from "truncated".
import { KeyParseError } from '../wire/index.ts';

/** Why a key, key file, known_hosts or authorized_keys line was refused. */
export type KeyErrorCode =
  | 'wrong-passphrase'
  | 'passphrase-required'
  | 'unsupported'
  | 'truncated'
  | 'bad-base64'
  | 'malformed'
  | 'invalid-key';

/** A key file or line that could not be used; the message names the file (and line) and what was wrong. */
export class KeyFileError extends KeyParseError {
  constructor(
    readonly code: KeyErrorCode,
    message: string,
    file?: string,
    line?: number,
  ) {
    super(message, file, line);
  }
}

/** True when `e` is a KeyFileError caused by a wrong passphrase. */
export function isWrongPassphrase(e: unknown): boolean {
  return e instanceof KeyFileError && e.code === 'wrong-passphrase';
}
