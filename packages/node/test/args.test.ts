// The CLI's argument parser: ssh-shaped exec lines, repeated options, clear usage errors.
import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError, parsePort, parseList } from '../src/cli/args.ts';

const execSpec = {
  port: { value: true, aliases: ['-p'] },
  identity: { value: true, multiple: true, aliases: ['-i'] },
  option: { value: true, multiple: true, aliases: ['-o'] },
  kex: { value: true, aliases: ['--kex'] },
  verbose: { aliases: ['-v'] },
};

describe('parseArgs', () => {
  it('splits options, destination and the remote command at --', () => {
    const p = parseArgs(['-p', '2222', '-i', 'a', '-ib', 'me@h', '--', 'ls', '-la', '--', 'x'], execSpec, 1);
    expect(p.options).toEqual({ port: '2222', identity: ['a', 'b'] });
    expect(p.positionals).toEqual(['me@h']);
    expect(p.rest).toEqual(['ls', '-la', '--', 'x']);
  });
  it('keeps the remote command\'s own options when there is no --', () => {
    const p = parseArgs(['h', '-p', '22', 'grep', '--help'], execSpec, 1);
    expect(p.options).toEqual({ port: '22' });
    expect(p.rest).toEqual(['grep', '--help']);
  });
  it('reads --name=value and repeated -o', () => {
    const p = parseArgs(['--kex=curve25519-sha256', '-o', 'A=1', '-oB=2', 'h'], execSpec, 1);
    expect(p.options).toEqual({ kex: 'curve25519-sha256', option: ['A=1', 'B=2'] });
  });
  it('rejects unknown options, missing values, values on flags and repeats of single options', () => {
    expect(() => parseArgs(['-z'], execSpec)).toThrow(UsageError);
    expect(() => parseArgs(['-p'], execSpec)).toThrow(/needs a value/);
    expect(() => parseArgs(['-vx'], execSpec)).toThrow(/takes no value/);
    expect(() => parseArgs(['-p', '1', '-p', '2'], execSpec)).toThrow(/twice/);
  });
  it('checks ports and lists', () => {
    expect(parsePort('22', '-p')).toBe(22);
    expect(() => parsePort('0', '-p')).toThrow(UsageError);
    expect(() => parsePort('65536', '-p')).toThrow(UsageError);
    expect(() => parsePort('2x', '-p')).toThrow(UsageError);
    expect(parseList('a, b', '-c')).toEqual(['a', 'b']);
    expect(() => parseList('a,,b', '-c')).toThrow(/empty entry/);
  });
});
