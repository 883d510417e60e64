import { describe, expect, it } from 'vitest';
import {
  KeyFileError,
  encodePublicKey,
  findAuthorizedKey,
  formatPublicKeyLine,
  fromAllowed,
  generateKey,
  matchAddressList,
  matchPattern,
  matchPatternList,
  parseAuthorizedKeys,
  parseCidr,
  parseExpiryTime,
  parseIp,
  publicOf,
} from '../src/keys/index.ts';

const A = publicOf(generateKey({ type: 'ed25519', random: (n) => new Uint8Array(n).fill(7) }));
const B = publicOf(generateKey({ type: 'ecdsa', random: (n) => new Uint8Array(n).fill(9) }));
const KA = formatPublicKeyLine(A, 'alice@laptop');
const KB = formatPublicKeyLine(B);
const ctx = { clientAddress: '192.0.2.10', now: Date.UTC(2030, 0, 1) };

describe('patterns (OpenSSH match.c / addrmatch.c)', () => {
  it('globs * and ? over the whole string', () => {
    expect(matchPattern('host.example.com', '*.example.com')).toBe(true);
    expect(matchPattern('example.com', '*.example.com')).toBe(false);
    expect(matchPattern('abc', 'a?c')).toBe(true);
    expect(matchPattern('ac', 'a?c')).toBe(false);
    expect(matchPattern('', '*')).toBe(true);
    expect(matchPattern('aaa', 'a*a*a')).toBe(true);
    expect(matchPattern('aab', 'a*a*a')).toBe(false);
  });

  it('a pathological pattern does not blow up (no exponential backtracking)', () => {
    const s = 'a'.repeat(5000);
    expect(matchPattern(s, '*a*a*a*a*a*a*a*a*a*ab')).toBe(false);
  });

  it('lists: negation overrides, case folding for host names', () => {
    expect(matchPatternList('a.example.com', '*.example.com,!b.example.com')).toBe(1);
    expect(matchPatternList('b.example.com', '*.example.com,!b.example.com')).toBe(-1);
    expect(matchPatternList('c.example.org', '*.example.com')).toBe(0);
    expect(matchPatternList('HOST', 'host', true)).toBe(1);
    expect(matchPatternList('HOST', 'host', false)).toBe(0);
  });

  it('parses IPv4, IPv6 (compressed, embedded IPv4, zone) and CIDR blocks', () => {
    expect(Array.from(parseIp('10.1.2.3')!)).toEqual([10, 1, 2, 3]);
    expect(parseIp('010.1.2.3')).toBeUndefined();
    expect(parseIp('256.1.2.3')).toBeUndefined();
    expect(parseIp('2001:db8::1')!.length).toBe(16);
    expect(Array.from(parseIp('::ffff:192.0.2.1')!)).toEqual([192, 0, 2, 1]);
    expect(parseIp('fe80::1%eth0')!.length).toBe(16);
    expect(parseIp('1::2::3')).toBeUndefined();
    expect(parseCidr('10.0.0.0/8')).toBeDefined();
    expect(parseCidr('10.0.0.1/8')).toBeUndefined(); // host bits set
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('2001:db8::/32')).toBeDefined();
  });

  it('address lists mix CIDR and globs; malformed CIDR is an error (-2)', () => {
    expect(matchAddressList('10.9.8.7', '10.0.0.0/8')).toBe(1);
    expect(matchAddressList('11.9.8.7', '10.0.0.0/8')).toBe(0);
    expect(matchAddressList('10.9.8.7', '10.0.0.0/8,!10.9.0.0/16')).toBe(-1);
    expect(matchAddressList('192.168.1.5', '192.168.1.*')).toBe(1);
    expect(matchAddressList('2001:db8::5', '2001:db8::/32')).toBe(1);
    expect(matchAddressList('10.0.0.1', '10.0.0.0/99')).toBe(-2);
  });

  it('fromAllowed: address, host name, negation, IPv4-mapped clients', () => {
    expect(fromAllowed('192.0.2.0/24', '192.0.2.10')).toBe(true);
    expect(fromAllowed('192.0.2.0/24', '::ffff:192.0.2.10')).toBe(true);
    expect(fromAllowed('192.0.2.0/24,!192.0.2.10', '192.0.2.10')).toBe(false);
    expect(fromAllowed('*.example.com', '198.51.100.1', 'ws.example.com')).toBe(true);
    expect(fromAllowed('*.example.com', '198.51.100.1')).toBe(false);
    expect(fromAllowed('*.example.com,!evil.example.com', '198.51.100.1', 'EVIL.example.com')).toBe(false);
    expect(fromAllowed('10.0.0.0/77', '10.0.0.1')).toBe(false);
    expect(fromAllowed('192.0.2.?', '192.0.2.7')).toBe(true);
  });
});

describe('authorized_keys', () => {
  it('reads plain lines with comments and blank / # lines', () => {
    const ak = parseAuthorizedKeys(`# mine\n\n${KA}\n${KB}\n`, { file: 'ak' });
    expect(ak.errors).toEqual([]);
    expect(ak.keys.map((k) => [k.line, k.key.type, k.comment])).toEqual([
      [3, 'ssh-ed25519', 'alice@laptop'],
      [4, 'ecdsa-sha2-nistp256', ''],
    ]);
    expect(ak.keys[0].options.pty).toBe(true);
    expect(ak.keys[0].options.restrict).toBe(false);
  });

  it('parses quoted values with commas, spaces and \\" inside', () => {
    const ak = parseAuthorizedKeys(
      `command="echo \\"a, b\\" && ls -l",environment="PATH=/bin:/usr/bin",environment="LANG=C, x",from="10.0.0.0/8,!10.1.0.0/16,*.lan",permitopen="localhost:8080",permitopen="[::1]:22",permitlisten="2222",principals="alice,bob",tunnel="3",expiry-time="20991231" ${KA}`,
      { strict: true },
    );
    const o = ak.keys[0].options;
    expect(o.command).toBe('echo "a, b" && ls -l');
    expect(o.environment).toEqual([
      { name: 'PATH', value: '/bin:/usr/bin' },
      { name: 'LANG', value: 'C, x' },
    ]);
    expect(o.from).toBe('10.0.0.0/8,!10.1.0.0/16,*.lan');
    expect(o.permitOpen).toEqual(['localhost:8080', '[::1]:22']);
    expect(o.permitListen).toEqual(['2222']);
    expect(o.principals).toBe('alice,bob');
    expect(o.tunnel).toBe(3);
    expect(o.expiryTime).toBe(new Date(2099, 11, 31).getTime());
    expect(ak.keys[0].comment).toBe('alice@laptop');
  });

  it('restrict turns everything off; later flags turn single features back on, in order', () => {
    const opt = (s: string) => parseAuthorizedKeys(`${s} ${KA}`, { strict: true }).keys[0].options;
    expect(opt('restrict')).toMatchObject({ restrict: true, pty: false, agentForwarding: false, portForwarding: false, userRc: false, x11Forwarding: false });
    expect(opt('restrict,pty')).toMatchObject({ pty: true, portForwarding: false });
    expect(opt('pty,restrict')).toMatchObject({ pty: false });
    expect(opt('no-pty,no-port-forwarding,no-agent-forwarding,no-X11-forwarding,no-user-rc')).toMatchObject({
      restrict: false,
      pty: false,
      portForwarding: false,
      agentForwarding: false,
      x11Forwarding: false,
      userRc: false,
    });
    expect(opt('cert-authority,principals="x"').certAuthority).toBe(true);
    expect(opt('expiry-time="203001011200Z"').expiryTime).toBe(Date.UTC(2030, 0, 1, 12, 0));
  });

  it('bad options make the line unusable, reported with file:line', () => {
    const text = [
      `bogus-option ${KA}`,
      `command=unquoted ${KA}`,
      `command="a",command="b" ${KA}`,
      `from="10.0.0.0/99" ${KA}`,
      `environment="1 bad" ${KA}`,
      `permitopen="nohost" ${KA}`,
      `expiry-time="2030" ${KA}`,
      `command="unterminated ${KA}`,
      `restrict`,
      `no-pty ssh-dss AAAAB3NzaC1kc3MAAAAA`,
      `ssh-ed25519 AAAA$$$$`,
      KB,
    ].join('\n');
    const ak = parseAuthorizedKeys(text, { file: '/home/u/.ssh/authorized_keys' });
    expect(ak.keys.map((k) => k.line)).toEqual([12]);
    expect(ak.errors.map((e) => e.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(ak.errors[0].message).toBe('/home/u/.ssh/authorized_keys:1: unknown option "bogus-option"');
    expect(ak.errors[9].code).toBe('unsupported');
    expect(ak.errors[10].code).toBe('bad-base64');
    expect(() => parseAuthorizedKeys(text, { strict: true })).toThrow(KeyFileError);
  });

  it('findAuthorizedKey enforces from=, expiry-time and skips cert-authority lines', () => {
    const blobA = encodePublicKey(A);
    const ak = parseAuthorizedKeys(
      [`cert-authority ${KA}`, `from="198.51.100.0/24" ${KA}`, `expiry-time="20200101" ${KA}`, `from="192.0.2.0/24",command="uptime" ${KA}`].join('\n'),
      { strict: true },
    );
    expect(findAuthorizedKey(ak, blobA, ctx)?.line).toBe(4);
    expect(findAuthorizedKey(ak, blobA, ctx)?.options.command).toBe('uptime');
    expect(findAuthorizedKey(ak, blobA, { ...ctx, clientAddress: '203.0.113.9' })).toBeUndefined();
    expect(findAuthorizedKey(ak, blobA, { ...ctx, clientAddress: '198.51.100.4' })?.line).toBe(2);
    expect(findAuthorizedKey(ak, blobA, { ...ctx, now: Date.UTC(2019, 0, 1), clientAddress: '203.0.113.9' })?.line).toBe(3);
    expect(findAuthorizedKey(ak, encodePublicKey(B), ctx)).toBeUndefined();
  });

  it('expiry-time formats', () => {
    expect(parseExpiryTime('20300101')).toBe(new Date(2030, 0, 1).getTime());
    expect(parseExpiryTime('203001011230')).toBe(new Date(2030, 0, 1, 12, 30).getTime());
    expect(parseExpiryTime('20300101123045Z')).toBe(Date.UTC(2030, 0, 1, 12, 30, 45));
    expect(parseExpiryTime('20301301')).toBeUndefined();
    expect(parseExpiryTime('2030010112')).toBeUndefined();
  });
});
