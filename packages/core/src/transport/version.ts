// Protocol version exchange (RFC 4253 §4.2): each side sends "SSH-2.0-software SP comments"
// CR LF. A server may send other lines first; a client may not. Lines are bounded (255 bytes for
// the identification, MAX_PRE_VERSION_LINES lines of MAX_PRE_VERSION_LINE before it) so a peer
// that never identifies cannot make us buffer without end. Only 2.0 and 1.99 are accepted.
import { DisconnectReason, ProtocolError } from '../wire/index.ts';
import { MAX_PRE_VERSION_LINE, MAX_PRE_VERSION_LINES, MAX_VERSION_LINE } from '../limits.ts';

/** A parsed identification string. */
export interface Identification {
  /** The whole line without CR LF: V_C / V_S in the exchange hash. */
  readonly line: string;
  /** '2.0' or '1.99'. */
  readonly protocol: string;
  readonly software: string;
  readonly comments: string;
}

/** Builds our identification line (without CR LF), checking it is printable US-ASCII as RFC 4253 §4.2 requires. */
export function makeIdentification(software: string, comments = ''): string {
  if (typeof software !== 'string' || !/^[\x21-\x2c\x2e-\x7e]+$/.test(software)) {
    throw new TypeError(`software version must be printable US-ASCII without spaces or '-', got ${JSON.stringify(software)}`);
  }
  if (typeof comments !== 'string' || !/^[\x20-\x7e]*$/.test(comments)) {
    throw new TypeError(`identification comments must be printable US-ASCII, got ${JSON.stringify(comments)}`);
  }
  const line = `SSH-2.0-${software}${comments ? ' ' + comments : ''}`;
  if (line.length + 2 > MAX_VERSION_LINE) throw new RangeError(`identification line is longer than ${MAX_VERSION_LINE - 2} characters`);
  return line;
}

/** Parses one identification line (without line ending). */
export function parseIdentification(line: string): Identification {
  const m = /^SSH-([^-\s]+)-([^\s]*)(?: (.*))?$/.exec(line);
  if (!m) throw new ProtocolError(`invalid identification string ${JSON.stringify(line.slice(0, 80))}`, DisconnectReason.PROTOCOL_VERSION_NOT_SUPPORTED);
  if (m[1] !== '2.0' && m[1] !== '1.99') {
    throw new ProtocolError(`unsupported SSH protocol version ${JSON.stringify(m[1])}`, DisconnectReason.PROTOCOL_VERSION_NOT_SUPPORTED);
  }
  if (m[2].length === 0) throw new ProtocolError('identification string has an empty software version', DisconnectReason.PROTOCOL_VERSION_NOT_SUPPORTED);
  return { line, protocol: m[1], software: m[2], comments: m[3] ?? '' };
}

/**
 * Reads the peer's identification from bytes arriving in any split. `push` returns the
 * identification and the bytes after its line (the first binary packet) once it has been seen.
 */
export class VersionReader {
  private buf = new Uint8Array(0);
  private lines = 0;
  /** Lines the server sent before its identification (client side only), for display. */
  readonly preamble: string[] = [];

  constructor(private readonly role: 'client' | 'server') {}

  push(bytes: Uint8Array): { identification: Identification; rest: Uint8Array } | undefined {
    const merged = new Uint8Array(this.buf.length + bytes.length);
    merged.set(this.buf);
    merged.set(bytes, this.buf.length);
    let start = 0;
    for (;;) {
      const nl = merged.indexOf(0x0a, start);
      const isVersion = startsWithSsh(merged, start);
      if (nl < 0) {
        const pending = merged.length - start;
        if (isVersion && pending > MAX_VERSION_LINE) throw new ProtocolError(`identification line longer than ${MAX_VERSION_LINE} bytes`);
        if (!isVersion && pending > MAX_PRE_VERSION_LINE) throw new ProtocolError(`line before the identification longer than ${MAX_PRE_VERSION_LINE} bytes`);
        // A partial line that can't become "SSH-" is only fine where pre-version lines are.
        if (this.role === 'server' && !isVersion) throw this.notSsh(merged.subarray(start));
        this.buf = merged.slice(start);
        return undefined;
      }
      const end = nl > start && merged[nl - 1] === 0x0d ? nl - 1 : nl;
      const raw = merged.subarray(start, end);
      if (isVersion) {
        if (nl + 1 - start > MAX_VERSION_LINE) throw new ProtocolError(`identification line longer than ${MAX_VERSION_LINE} bytes`);
        if (raw.includes(0)) throw new ProtocolError('identification line contains a NUL byte', DisconnectReason.PROTOCOL_VERSION_NOT_SUPPORTED);
        let line = '';
        for (const c of raw) {
          if (c < 0x20 || c > 0x7e) throw new ProtocolError(`identification line contains byte 0x${c.toString(16)}`, DisconnectReason.PROTOCOL_VERSION_NOT_SUPPORTED);
          line += String.fromCharCode(c);
        }
        const identification = parseIdentification(line);
        const rest = merged.slice(nl + 1);
        this.buf = new Uint8Array(0);
        return { identification, rest };
      }
      if (this.role === 'server') throw this.notSsh(raw);
      if (nl + 1 - start > MAX_PRE_VERSION_LINE) throw new ProtocolError(`line before the identification longer than ${MAX_PRE_VERSION_LINE} bytes`);
      if (++this.lines > MAX_PRE_VERSION_LINES) throw new ProtocolError(`more than ${MAX_PRE_VERSION_LINES} lines before the identification`);
      this.preamble.push(new TextDecoder('utf-8', { fatal: false }).decode(raw));
      start = nl + 1;
    }
  }

  private notSsh(raw: Uint8Array): ProtocolError {
    const shown = Array.from(raw.subarray(0, 40), (c) => (c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.')).join('');
    return new ProtocolError(`the client did not send an SSH identification (got ${JSON.stringify(shown)})`, DisconnectReason.PROTOCOL_VERSION_NOT_SUPPORTED);
  }
}

/** True when bytes at `at` start with "SSH-" (or are a prefix of it, for partial lines). */
function startsWithSsh(b: Uint8Array, at: number): boolean {
  const sig = [0x53, 0x53, 0x48, 0x2d];
  for (let i = 0; i < 4; i++) {
    if (at + i >= b.length) return true;
    if (b[at + i] !== sig[i]) return false;
  }
  return true;
}
