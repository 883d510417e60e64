// PEM-style armor (RFC 7468, and RFC 1421 headers as in "Proc-Type: 4,ENCRYPTED"): finds the
// first -----BEGIN label----- block, reads its headers and base64 body, and reports problems with
// the file line they are on. OpenSSH's own format uses the same armor (PROTOCOL.key), wrapped at 70.
import { Base64Error, base64Decode, base64Encode } from './bytes.ts';
import { KeyFileError } from './errors.ts';

/** One armored block. */
export interface PemBlock {
  /** The label between BEGIN and the dashes, e.g. "OPENSSH PRIVATE KEY". */
  readonly label: string;
  /** RFC 1421 headers (e.g. Proc-Type, DEK-Info), names as written. */
  readonly headers: Readonly<Record<string, string>>;
  /** The decoded body. */
  readonly body: Uint8Array;
  /** 1-based line of the BEGIN line. */
  readonly line: number;
}

/** Most lines a PEM block may span (a 16384-bit RSA key in PEM is ~200 lines); bounds the work. */
const MAX_PEM_LINES = 10_000;

const BEGIN = /^-----BEGIN ([A-Z0-9 ]+)-----\s*$/;

/** True when `text` contains a PEM BEGIN line. */
export function looksLikePem(text: string): boolean {
  return /^-----BEGIN [A-Z0-9 ]+-----\s*$/m.test(text);
}

/** Parses the first PEM block in `text`; KeyFileError names `file` and the line of any problem. */
export function parsePem(text: string, file?: string): PemBlock {
  const lines = text.split(/\r?\n/);
  let i = 0;
  let label = '';
  for (; i < lines.length; i++) {
    const m = BEGIN.exec(lines[i]);
    if (m) {
      label = m[1];
      break;
    }
  }
  if (!label) throw new KeyFileError('malformed', 'no "-----BEGIN ...-----" line found', file);
  const beginLine = i + 1;
  const headers: Record<string, string> = {};
  let b64 = '';
  const starts: { offset: number; line: number }[] = [];
  let inHeaders = true;
  let ended = false;
  for (i++; i < lines.length && i < beginLine + MAX_PEM_LINES; i++) {
    const raw = lines[i].trim();
    if (raw.startsWith('-----END ')) {
      if (raw !== `-----END ${label}-----`) throw new KeyFileError('malformed', `"${raw.slice(0, 60)}" does not close "BEGIN ${label}"`, file, i + 1);
      ended = true;
      break;
    }
    if (inHeaders) {
      const h = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(raw);
      if (h) {
        headers[h[1]] = h[2];
        continue;
      }
      inHeaders = false;
      if (raw === '') continue;
    }
    if (raw === '') continue;
    starts.push({ offset: b64.length, line: i + 1 });
    b64 += raw;
  }
  if (!ended) throw new KeyFileError('truncated', `no "-----END ${label}-----" line: the file is truncated`, file);
  let body: Uint8Array;
  try {
    body = base64Decode(b64);
  } catch (e) {
    if (!(e instanceof Base64Error)) throw e;
    let line = beginLine;
    for (const s of starts) if (s.offset <= e.offset) line = s.line;
    throw new KeyFileError('bad-base64', `bad base64 in "${label}": ${e.message}`, file, line);
  }
  return { label, headers, body, line: beginLine };
}

/** Armors `body` under `label`, base64 wrapped at `width` columns (70 as ssh-keygen writes, 64 for RFC 7468). */
export function formatPem(label: string, body: Uint8Array, width = 70): string {
  const b64 = base64Encode(body);
  let out = `-----BEGIN ${label}-----\n`;
  for (let i = 0; i < b64.length; i += width) out += b64.slice(i, i + width) + '\n';
  return out + `-----END ${label}-----\n`;
}
