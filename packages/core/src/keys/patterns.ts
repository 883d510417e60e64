// OpenSSH's pattern lists (ssh_config(5) PATTERNS; OpenSSH match.c and addrmatch.c): globs with
// '*' and '?', comma-separated lists where a '!'-negated match overrides any positive one, and
// address lists where an entry may be a CIDR block (192.0.2.0/24, 2001:db8::/32).

/** Most entries in one pattern list; longer lists are refused, not matched (bounds the work). */
export const MAX_PATTERN_ENTRIES = 1024;

/** Glob match of the whole string: '*' any run (possibly empty), '?' exactly one character. */
export function matchPattern(s: string, pattern: string): boolean {
  // Iterative matcher with single-star backtracking: O(|s|·|pattern|) at worst, no recursion.
  let si = 0, pi = 0, star = -1, mark = 0;
  while (si < s.length) {
    if (pi < pattern.length && (pattern[pi] === '?' || (pattern[pi] !== '*' && pattern[pi] === s[si]))) {
      si++;
      pi++;
    } else if (pi < pattern.length && pattern[pi] === '*') {
      star = pi++;
      mark = si;
    } else if (star >= 0) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < pattern.length && pattern[pi] === '*') pi++;
  return pi === pattern.length;
}

/**
 * Matches `s` against a comma-separated pattern list: 1 if some pattern matches and no negated
 * one does, -1 if a negated pattern ('!pat') matches, 0 otherwise. `lower` compares
 * case-insensitively (host names).
 */
export function matchPatternList(s: string, list: string, lower = false): 1 | 0 | -1 {
  const subject = lower ? s.toLowerCase() : s;
  const parts = list.split(',');
  if (parts.length > MAX_PATTERN_ENTRIES) return -1;
  let got: 1 | 0 = 0;
  for (let p of parts) {
    const negated = p.startsWith('!');
    if (negated) p = p.slice(1);
    if (lower) p = p.toLowerCase();
    if (p === '') continue;
    if (matchPattern(subject, p)) {
      if (negated) return -1;
      got = 1;
    }
  }
  return got;
}

/** Parses an IPv4 or IPv6 address to 4 or 16 bytes; IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes IPv4. */
export function parseIp(text: string): Uint8Array | undefined {
  const v4 = parseIpv4(text);
  if (v4) return v4;
  const v6 = parseIpv6(text);
  if (!v6) return undefined;
  const mapped = v6.subarray(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff;
  return mapped ? v6.slice(12) : v6;
}

function parseIpv4(text: string): Uint8Array | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const b = m.slice(1).map(Number);
  if (b.some((x, i) => x > 255 || (m[i + 1].length > 1 && m[i + 1][0] === '0'))) return undefined;
  return Uint8Array.from(b);
}

function parseIpv6(text: string): Uint8Array | undefined {
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  if (!/^[0-9a-fA-F:.]{2,45}$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    const parts = h.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIpv4(p);
        if (!v4) return undefined;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return undefined;
  const total = head.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const all = [...head, ...new Array(8 - total).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** Parses "addr/len" (or a bare address, as a host route). Undefined if malformed or host bits are set. */
export function parseCidr(text: string): { addr: Uint8Array; bits: number } | undefined {
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const addr = parseIpv4(addrText) ?? parseIpv6(addrText);
  if (!addr) return undefined;
  const max = addr.length * 8;
  let bits = max;
  if (slash >= 0) {
    const lenText = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(lenText)) return undefined;
    bits = Number(lenText);
    if (bits > max) return undefined;
  }
  for (let i = 0; i < addr.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    if (addr[i] & (0xff >> keep)) return undefined;
  }
  return { addr, bits };
}

function inCidr(ip: Uint8Array, net: { addr: Uint8Array; bits: number }): boolean {
  if (ip.length !== net.addr.length) return false;
  for (let i = 0; i < ip.length; i++) {
    const keep = Math.max(0, Math.min(8, net.bits - i * 8));
    const mask = (0xff00 >> keep) & 0xff;
    if ((ip[i] & mask) !== net.addr[i]) return false;
  }
  return true;
}

/**
 * OpenSSH addr_match_list: matches an address against a list whose entries are CIDR blocks
 * (when they contain '/') or globs over the address text. 1, 0 or -1 as matchPatternList;
 * -2 when a CIDR entry is malformed (callers must treat that as a refusal).
 */
export function matchAddressList(address: string, list: string): 1 | 0 | -1 | -2 {
  const ip = parseIp(address);
  const parts = list.split(',');
  if (parts.length > MAX_PATTERN_ENTRIES) return -2;
  let got: 1 | 0 = 0;
  for (let p of parts) {
    const negated = p.startsWith('!');
    if (negated) p = p.slice(1);
    if (p === '') continue;
    let hit: boolean;
    if (p.includes('/')) {
      const net = parseCidr(p);
      if (!net) return -2;
      hit = ip !== undefined && inCidr(ip, net);
    } else {
      hit = matchPattern(address.toLowerCase(), p.toLowerCase());
    }
    if (hit) {
      if (negated) return -1;
      got = 1;
    }
  }
  return got;
}

/**
 * Whether a client may use a key with `from="patterns"` (OpenSSH match_host_and_ip): the
 * address is matched (CIDR or glob), then the host name if known; any negated match refuses,
 * a malformed CIDR refuses, and at least one positive match is needed.
 */
export function fromAllowed(patterns: string, clientAddress: string, clientHostname?: string): boolean {
  const mapped = parseIp(clientAddress);
  const address = mapped && mapped.length === 4 && clientAddress.includes(':') ? Array.from(mapped).join('.') : clientAddress;
  const mip = matchAddressList(address, patterns);
  if (mip === -2 || mip === -1) return false;
  let mhost: 1 | 0 | -1 = 0;
  if (clientHostname !== undefined && clientHostname !== '') {
    mhost = matchPatternList(clientHostname, patterns, true);
    if (mhost === -1) return false;
  }
  return mip === 1 || mhost === 1;
}
