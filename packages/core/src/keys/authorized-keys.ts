// authorized_keys files (sshd(8) AUTHORIZED_KEYS FILE FORMAT; OpenSSH auth-options.c):
//   [options] key-type base64-key [comment]
// Options are comma-separated, with no spaces outside double quotes; quoted values may contain
// commas and spaces, and \" for a quote. Flags are applied in order, so "restrict,pty" allows
// a pty and "pty,restrict" does not. Unknown options make the line unusable (as in sshd).
import type { PublicKey } from './model.ts';
import { KeyFileError } from './errors.ts';
import { keyTypeOf } from './keys.ts';
import { MAX_KEY_LINE, parsePublicKeyLine } from './keyfile.ts';
import { fromAllowed, parseCidr } from './patterns.ts';
import { equalBytes } from './bytes.ts';

/** Options of one authorized_keys line, after applying restrict / no-* / re-enabling flags in order. */
export interface AuthorizedKeyOptions {
  /** command="…": run this instead of what the client asks. */
  readonly command?: string;
  /** environment="NAME=value" entries, first occurrence of each name kept. */
  readonly environment: readonly { readonly name: string; readonly value: string }[];
  /** from="pattern-list": see fromAllowed. */
  readonly from?: string;
  /** permitopen="host:port" entries (local forwarding destinations allowed). */
  readonly permitOpen: readonly string[];
  /** permitlisten="[host:]port" entries (remote forwarding listens allowed). */
  readonly permitListen: readonly string[];
  /** principals="…" (certificate principals; parsed, used only with cert-authority). */
  readonly principals?: string;
  /** tunnel="n": the forced tun device. */
  readonly tunnel?: number;
  /** expiry-time="YYYYMMDD[HHMM[SS]][Z]" as milliseconds since the epoch. */
  readonly expiryTime?: number;
  /** The line is a certificate authority (cert-authority); such lines don't authorize plain keys. */
  readonly certAuthority: boolean;
  /** True if "restrict" appeared. */
  readonly restrict: boolean;
  readonly agentForwarding: boolean;
  readonly portForwarding: boolean;
  readonly pty: boolean;
  readonly userRc: boolean;
  readonly x11Forwarding: boolean;
  /** no-touch-required / verify-required (security keys; parsed only). */
  readonly noTouchRequired: boolean;
  readonly verifyRequired: boolean;
}

/** One authorized key. */
export interface AuthorizedKey {
  /** 1-based line number. */
  readonly line: number;
  readonly key: PublicKey;
  readonly blob: Uint8Array;
  readonly comment: string;
  readonly options: AuthorizedKeyOptions;
}

/** A parsed authorized_keys file; unusable lines are in `errors` with file:line. */
export interface AuthorizedKeys {
  readonly file?: string;
  readonly keys: readonly AuthorizedKey[];
  readonly errors: readonly KeyFileError[];
}

/** Most lines read from one authorized_keys file. */
export const MAX_AUTHORIZED_KEYS_LINES = 100_000;
/** Most options on one line (sshd has no fixed limit; this bounds the work per line). */
export const MAX_OPTIONS = 256;

const FLAGS = ['agent-forwarding', 'port-forwarding', 'pty', 'user-rc', 'x11-forwarding'] as const;
type Flag = (typeof FLAGS)[number];
const FLAG_FIELD: Record<Flag, 'agentForwarding' | 'portForwarding' | 'pty' | 'userRc' | 'x11Forwarding'> = {
  'agent-forwarding': 'agentForwarding',
  'port-forwarding': 'portForwarding',
  pty: 'pty',
  'user-rc': 'userRc',
  'x11-forwarding': 'x11Forwarding',
};

/** Splits the option field at commas outside quotes; returns the options and the rest of the line. */
function splitOptions(line: string, fail: (m: string) => never): { options: string[]; rest: string } {
  const options: string[] = [];
  let cur = '';
  let quoted = false;
  let i = 0;
  for (; i < line.length; i++) {
    const c = line[i];
    if (!quoted && (c === ' ' || c === '\t')) break;
    if (c === '\\' && quoted && line[i + 1] === '"') {
      cur += '\\"';
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ',' && !quoted) {
      options.push(cur);
      cur = '';
      if (options.length > MAX_OPTIONS) fail(`more than ${MAX_OPTIONS} options`);
      continue;
    }
    cur += c;
  }
  if (quoted) fail('unterminated quote in the options');
  options.push(cur);
  return { options, rest: line.slice(i) };
}

/** Parses "YYYYMMDD[HHMM[SS]][Z]" (local time unless Z), as sshd's expiry-time. */
export function parseExpiryTime(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?(Z)?$/.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', z] = m;
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)] as const;
  if (parts[1] > 11 || parts[2] < 1 || parts[2] > 31 || parts[3] > 23 || parts[4] > 59 || parts[5] > 60) return undefined;
  const t = z ? Date.UTC(...parts) : new Date(...parts).getTime();
  return Number.isFinite(t) ? t : undefined;
}

function validHostPort(v: string, listen: boolean): boolean {
  // [host:]port for permitlisten, host:port for permitopen; host may be [ipv6] or *; port a number or *.
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):)?(\d{1,5}|\*)$/.exec(v);
  if (!m) return false;
  if (!listen && m[1] === undefined) return false;
  return m[2] === '*' || Number(m[2]) <= 65535;
}

/** Parses the options of one line (exported for tests and for callers holding options alone). */
export function parseAuthorizedKeyOptions(parts: readonly string[], fail: (m: string) => never): AuthorizedKeyOptions {
  const o = {
    command: undefined as string | undefined,
    environment: [] as { name: string; value: string }[],
    from: undefined as string | undefined,
    permitOpen: [] as string[],
    permitListen: [] as string[],
    principals: undefined as string | undefined,
    tunnel: undefined as number | undefined,
    expiryTime: undefined as number | undefined,
    certAuthority: false,
    restrict: false,
    agentForwarding: true,
    portForwarding: true,
    pty: true,
    userRc: true,
    x11Forwarding: true,
    noTouchRequired: false,
    verifyRequired: false,
  };
  for (const raw of parts) {
    if (raw === '') fail('empty option');
    const eq = raw.indexOf('=');
    const name = (eq < 0 ? raw : raw.slice(0, eq)).toLowerCase();
    let value: string | undefined;
    if (eq >= 0) {
      const v = raw.slice(eq + 1);
      if (v.length < 2 || !v.startsWith('"') || !v.endsWith('"')) fail(`option ${name} needs a double-quoted value`);
      value = v.slice(1, -1).replace(/\\"/g, '"');
    }
    const needValue = (): string => {
      if (value === undefined) fail(`option ${name} needs a value`);
      return value!;
    };
    const noValue = () => {
      if (value !== undefined) fail(`option ${name} takes no value`);
    };
    const once = (present: unknown) => {
      if (present !== undefined) fail(`option ${name} given twice`);
    };
    if (name === 'restrict') {
      noValue();
      o.restrict = true;
      for (const f of FLAGS) o[FLAG_FIELD[f]] = false;
      continue;
    }
    const flag = FLAGS.find((f) => f === name || `no-${f}` === name);
    if (flag) {
      noValue();
      o[FLAG_FIELD[flag]] = !name.startsWith('no-');
      continue;
    }
    switch (name) {
      case 'cert-authority':
        noValue();
        o.certAuthority = true;
        break;
      case 'no-touch-required':
        noValue();
        o.noTouchRequired = true;
        break;
      case 'verify-required':
        noValue();
        o.verifyRequired = true;
        break;
      case 'command':
        once(o.command);
        o.command = needValue();
        break;
      case 'from': {
        once(o.from);
        const v = needValue();
        for (const p of v.split(',')) {
          const q = p.startsWith('!') ? p.slice(1) : p;
          if (q === '') fail('from= has an empty pattern');
          if (q.includes('/') && !parseCidr(q)) fail(`from= has a malformed address block ${JSON.stringify(q)}`);
        }
        o.from = v;
        break;
      }
      case 'environment': {
        const v = needValue();
        const m = /^([A-Za-z0-9_]+)=(.*)$/s.exec(v);
        if (!m) fail('environment= must be "NAME=value"');
        if (!o.environment.some((e) => e.name === m![1])) o.environment.push({ name: m![1], value: m![2] });
        break;
      }
      case 'permitopen': {
        const v = needValue();
        if (!validHostPort(v, false)) fail(`permitopen= must be "host:port", got ${JSON.stringify(v.slice(0, 64))}`);
        o.permitOpen.push(v);
        break;
      }
      case 'permitlisten': {
        const v = needValue();
        if (!validHostPort(v, true)) fail(`permitlisten= must be "[host:]port", got ${JSON.stringify(v.slice(0, 64))}`);
        o.permitListen.push(v);
        break;
      }
      case 'principals':
        once(o.principals);
        o.principals = needValue();
        break;
      case 'tunnel': {
        once(o.tunnel);
        const v = needValue();
        if (!/^\d{1,9}$/.test(v)) fail('tunnel= must be a number');
        o.tunnel = Number(v);
        break;
      }
      case 'expiry-time': {
        const t = parseExpiryTime(needValue());
        if (t === undefined) fail('expiry-time= must be YYYYMMDD[HHMM[SS]][Z]');
        // sshd keeps the earliest when given more than once
        o.expiryTime = o.expiryTime === undefined ? t : Math.min(o.expiryTime, t!);
        break;
      }
      default:
        fail(`unknown option ${JSON.stringify(name.slice(0, 40))}`);
    }
  }
  return o;
}

function parseLine(text: string, lineNo: number, file?: string): AuthorizedKey | undefined {
  const t = text.trim();
  if (t === '' || t.startsWith('#')) return undefined;
  const fail = (m: string): never => {
    throw new KeyFileError('malformed', m, file, lineNo);
  };
  if (t.length > MAX_KEY_LINE) fail(`line is longer than ${MAX_KEY_LINE} characters`);
  const first = t.split(/[ \t]/, 1)[0];
  let options: AuthorizedKeyOptions;
  let keyPart: string;
  if (keyTypeOf(first) || /^(ssh-|ecdsa-|sk-)/.test(first)) {
    options = parseAuthorizedKeyOptions([], fail);
    keyPart = t;
  } else {
    const s = splitOptions(t, fail);
    options = parseAuthorizedKeyOptions(s.options, fail);
    keyPart = s.rest.trim();
    if (keyPart === '') throw new KeyFileError('truncated', 'options but no key', file, lineNo);
  }
  const kt = keyPart.split(/[ \t]/, 1)[0];
  if (!keyTypeOf(kt) || kt === 'rsa-sha2-256' || kt === 'rsa-sha2-512') {
    throw new KeyFileError('unsupported', `unsupported key type ${JSON.stringify(kt.slice(0, 64))}`, file, lineNo);
  }
  const pk = parsePublicKeyLine(keyPart, file, lineNo);
  return { line: lineNo, key: pk.key, blob: pk.blob, comment: pk.comment, options };
}

/**
 * Parses an authorized_keys file. Unusable lines (bad options, unsupported or malformed keys) are
 * collected in `errors` naming file and line and skipped, as sshd does; `strict` throws instead.
 */
export function parseAuthorizedKeys(text: string, options: { file?: string; strict?: boolean } = {}): AuthorizedKeys {
  const { file, strict } = options;
  const lines = text.split(/\r?\n/);
  if (lines.length > MAX_AUTHORIZED_KEYS_LINES) throw new KeyFileError('malformed', `more than ${MAX_AUTHORIZED_KEYS_LINES} lines`, file);
  const keys: AuthorizedKey[] = [];
  const errors: KeyFileError[] = [];
  for (let i = 0; i < lines.length; i++) {
    try {
      const k = parseLine(lines[i], i + 1, file);
      if (k) keys.push(k);
    } catch (e) {
      if (!(e instanceof KeyFileError)) throw e;
      if (strict) throw e;
      errors.push(e);
    }
  }
  return { file, keys, errors };
}

/** Where a client connects from and when, to decide whether an entry applies. */
export interface AuthorizedKeyContext {
  /** Client IP address (IPv4, IPv6 or IPv4-mapped IPv6). */
  readonly clientAddress: string;
  /** Client host name, if resolved (sshd UseDNS). */
  readonly clientHostname?: string;
  /** Current time in ms since the epoch (the engine reads no clock). */
  readonly now: number;
}

/**
 * The first entry authorizing `keyBlob` for this client: same key, not a cert-authority line,
 * not expired, and from= (if any) allowing the client. Undefined if none does.
 */
export function findAuthorizedKey(file: AuthorizedKeys, keyBlob: Uint8Array, ctx: AuthorizedKeyContext): AuthorizedKey | undefined {
  for (const k of file.keys) {
    if (k.options.certAuthority || !equalBytes(k.blob, keyBlob)) continue;
    if (k.options.expiryTime !== undefined && ctx.now >= k.options.expiryTime) continue;
    if (k.options.from !== undefined && !fromAllowed(k.options.from, ctx.clientAddress, ctx.clientHostname)) continue;
    return k;
  }
  return undefined;
}
