import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeWithPeer, findBinary } from '../../../test-support/peers.ts';
import {
  KeyFileError,
  encodePublicKey,
  formatKnownHostsLine,
  formatPublicKeyLine,
  generateKey,
  lookupKnownHost,
  parseKnownHosts,
  publicOf,
  knownHostEntries,
} from '../src/keys/index.ts';

const seedKey = (n: number) => generateKey({ type: 'ed25519', random: (len) => new Uint8Array(len).fill(n) });
const A = publicOf(seedKey(1));
const B = publicOf(seedKey(2));
const E = publicOf(generateKey({ type: 'ecdsa', bits: 256, random: (len) => new Uint8Array(len).fill(3) }));
const line = (hosts: string, k = A) => `${hosts} ${formatPublicKeyLine(k)}`;
const blob = (k = A) => encodePublicKey(k);

describe('known_hosts', () => {
  it('matches plain names, comma lists and is case-insensitive', () => {
    const kh = parseKnownHosts(line('example.com,Other.ORG,192.0.2.7'));
    expect(lookupKnownHost(kh, 'example.com', 22, blob())).toBe('match');
    expect(lookupKnownHost(kh, 'other.org', 22, blob())).toBe('match');
    expect(lookupKnownHost(kh, 'EXAMPLE.com', 22, blob())).toBe('match');
    expect(lookupKnownHost(kh, '192.0.2.7', 22, blob())).toBe('match');
    expect(lookupKnownHost(kh, 'example.net', 22, blob())).toBe('unknown');
  });

  it('uses [host]:port for ports other than 22, and plain names only for 22', () => {
    const kh = parseKnownHosts([line('[example.com]:2222'), line('plain.example', B)].join('\n'));
    expect(lookupKnownHost(kh, 'example.com', 2222, blob())).toBe('match');
    expect(lookupKnownHost(kh, 'example.com', 22, blob())).toBe('unknown');
    expect(lookupKnownHost(kh, 'plain.example', 2200, blob(B))).toBe('unknown');
    expect(lookupKnownHost(kh, 'plain.example', 22, blob(B))).toBe('match');
  });

  it('handles wildcards * and ? and negation !', () => {
    const kh = parseKnownHosts(line('*.example.com,!bad.example.com,host?.lan,[*.dev]:*'));
    expect(lookupKnownHost(kh, 'a.example.com', 22, blob())).toBe('match');
    expect(lookupKnownHost(kh, 'bad.example.com', 22, blob())).toBe('unknown');
    expect(lookupKnownHost(kh, 'host1.lan', 22, blob())).toBe('match');
    expect(lookupKnownHost(kh, 'host12.lan', 22, blob())).toBe('unknown');
    expect(lookupKnownHost(kh, 'x.dev', 8022, blob())).toBe('match');
  });

  it('reports a different key of the same type as mismatch, another type as unknown', () => {
    const kh = parseKnownHosts(line('example.com', A));
    expect(lookupKnownHost(kh, 'example.com', 22, blob(B))).toBe('mismatch');
    expect(lookupKnownHost(kh, 'example.com', 22, blob(E))).toBe('unknown');
    expect(knownHostEntries(kh, 'example.com', 22)).toHaveLength(1);
  });

  it('@revoked wins over a matching line; @cert-authority lines are recognised and not used', () => {
    const kh = parseKnownHosts([line('*'), '@revoked * ' + formatPublicKeyLine(A), '@cert-authority *.example.com ' + formatPublicKeyLine(B)].join('\n'));
    expect(kh.errors).toEqual([]);
    expect(lookupKnownHost(kh, 'example.com', 22, blob(A))).toBe('revoked');
    expect(kh.entries.filter((e) => e.marker === 'cert-authority')).toHaveLength(1);
    // the CA line never vouches for B itself: only the '*' line (key A) counts, so B is a mismatch
    expect(lookupKnownHost(kh, 'x.example.com', 22, blob(B))).toBe('mismatch');
    const caOnly = parseKnownHosts('@cert-authority *.example.com ' + formatPublicKeyLine(B));
    expect(lookupKnownHost(caOnly, 'x.example.com', 22, blob(B))).toBe('unknown');
  });

  it('writes lines that read back, hashed or not, with [host]:port for port != 22', () => {
    const plain = formatKnownHostsLine('Example.COM', 2222, A);
    expect(plain.startsWith('[example.com]:2222 ssh-ed25519 AAAA')).toBe(true);
    expect(formatKnownHostsLine('example.com', 22, A).startsWith('example.com ')).toBe(true);
    const hashed = formatKnownHostsLine('example.com', 2222, A, { hash: true });
    expect(hashed).toMatch(/^\|1\|[A-Za-z0-9+/=]{28}\|[A-Za-z0-9+/=]{28} ssh-ed25519 /);
    const kh = parseKnownHosts(`${plain}\n${hashed}\n`);
    expect(lookupKnownHost({ ...kh, entries: [kh.entries[1]] }, 'example.com', 2222, blob())).toBe('match');
    expect(lookupKnownHost({ ...kh, entries: [kh.entries[1]] }, 'example.com', 22, blob())).toBe('unknown');
    expect(() => formatKnownHostsLine('a b', 22, A)).toThrow(RangeError);
  });

  it('collects bad lines with file:line and keeps going; strict mode throws', () => {
    const text = ['# comment', '', line('good.example'), 'bad.example ssh-ed25519 AAAA!!!', 'only-two fields', '@weird * ' + formatPublicKeyLine(A), 'x ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA=='].join('\n');
    const kh = parseKnownHosts(text, { file: 'kh' });
    expect(kh.entries).toHaveLength(1);
    expect(kh.errors.map((e) => [e.line, e.code])).toEqual([
      [4, 'bad-base64'],
      [5, 'truncated'],
      [6, 'malformed'],
      [7, 'truncated'],
    ]);
    expect(kh.errors[0].message).toMatch(/^kh:4: /);
    expect(() => parseKnownHosts(text, { file: 'kh', strict: true })).toThrow(KeyFileError);
  });

  it('keeps entries of key types it cannot use (they still count for lookups by blob)', () => {
    const kh = parseKnownHosts('old.example ssh-dss AAAAB3NzaC1kc3MAAAAA');
    expect(kh.errors).toEqual([]);
    expect(kh.entries[0].key).toBeUndefined();
  });
});

const keygen = findBinary('ssh-keygen', ['/usr/bin/ssh-keygen']);
describeWithPeer('known_hosts hashed by ssh-keygen -H', keygen !== undefined, 'apt-get install openssh-client', () => {
  it('finds hosts in a file hashed by ssh-keygen -H and ssh-keygen -F finds ours', () => {
    const dir = mkdtempSync(join(tmpdir(), 'seashell-kh-'));
    try {
      const f = join(dir, 'known_hosts');
      writeFileSync(f, [line('alpha.example'), line('[beta.example]:2222', B), line('gamma.example,10.1.2.3', E)].join('\n') + '\n');
      const r = spawnSync(keygen!, ['-H', '-f', f], { encoding: 'utf8', timeout: 30_000 });
      expect(r.status).toBe(0);
      const kh = parseKnownHosts(readFileSync(f, 'utf8'), { file: f });
      expect(kh.errors).toEqual([]);
      expect(kh.entries.every((e) => e.hashed)).toBe(true);
      expect(lookupKnownHost(kh, 'alpha.example', 22, blob(A))).toBe('match');
      expect(lookupKnownHost(kh, 'beta.example', 2222, blob(B))).toBe('match');
      expect(lookupKnownHost(kh, 'beta.example', 22, blob(B))).toBe('unknown');
      expect(lookupKnownHost(kh, '10.1.2.3', 22, blob(E))).toBe('match');
      expect(lookupKnownHost(kh, 'alpha.example', 22, blob(B))).toBe('mismatch');
      // the other way: ssh-keygen -F finds a line we hashed
      const ours = join(dir, 'ours');
      writeFileSync(ours, formatKnownHostsLine('delta.example', 2200, A, { hash: true }) + '\n');
      const f2 = spawnSync(keygen!, ['-F', '[delta.example]:2200', '-f', ours], { encoding: 'utf8', timeout: 30_000 });
      expect(f2.status).toBe(0);
      expect(f2.stdout).toMatch(/found: line 1/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
