// Command-line parsing for `seashell`, by hand because exec needs ssh's shape: options, then a
// destination, then (after an optional `--`) the remote command whose own dashes are not ours.

/** A mistake in how the command was called; the CLI prints it with the command's usage, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface OptionSpec {
  /** Takes a value (`-p 22`, `-p22`, `--port 22`, `--port=22`). */
  value?: boolean;
  /** May be given more than once; values collect in an array. */
  multiple?: boolean;
  /** Other spellings, e.g. ['-p'] for 'port' (which is always also --port; camelCase keys are --kebab-case). */
  aliases?: readonly string[];
}

export interface Parsed {
  /** Option values keyed by the canonical name (the spec key): string, string[] or true. */
  options: Record<string, string | string[] | true>;
  /** Words that are not options, in order. */
  positionals: string[];
  /** Everything after the first positional when stopAtPositional is 'rest' (the remote command). */
  rest: string[];
}

/**
 * Parses argv against spec. With stopAfter = n, after the n-th positional the parser keeps
 * reading options until `--` or the next non-option word; everything from there on is `rest`
 * (so `exec host -p 2 -- ls -la` and `exec host ls -la` both give rest = ['ls', '-la']).
 */
export function parseArgs(argv: readonly string[], spec: Record<string, OptionSpec>, stopAfter = Infinity): Parsed {
  const byName = new Map<string, string>();
  for (const [name, s] of Object.entries(spec)) {
    byName.set('--' + name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase()), name);
    for (const a of s.aliases ?? []) byName.set(a, name);
  }
  const options: Parsed['options'] = {};
  const positionals: string[] = [];
  const set = (name: string, v: string | true) => {
    const s = spec[name];
    if (s.multiple) ((options[name] ??= []) as string[]).push(v as string);
    else if (name in options) throw new UsageError(`${name} given twice`);
    else options[name] = v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      if (positionals.length >= stopAfter) return { options, positionals, rest: argv.slice(i + 1) };
      positionals.push(...argv.slice(i + 1));
      return { options, positionals, rest: [] };
    }
    if (positionals.length >= stopAfter && !a.startsWith('-')) return { options, positionals, rest: argv.slice(i) };
    if (a.startsWith('-') && a !== '-') {
      let name: string | undefined;
      let inline: string | undefined;
      if (a.startsWith('--')) {
        const eq = a.indexOf('=');
        name = byName.get(eq >= 0 ? a.slice(0, eq) : a);
        if (eq >= 0) inline = a.slice(eq + 1);
      } else {
        name = byName.get(a.slice(0, 2));
        if (a.length > 2) inline = a.slice(2);
      }
      if (!name) throw new UsageError(`unknown option ${a}`);
      if (spec[name].value) {
        let v = inline;
        if (v === undefined) {
          if (i + 1 >= argv.length) throw new UsageError(`${a} needs a value`);
          v = argv[++i];
        }
        set(name, v);
      } else {
        if (inline !== undefined) throw new UsageError(`${a.startsWith('--') ? a.split('=')[0] : a.slice(0, 2)} takes no value`);
        set(name, true);
      }
      continue;
    }
    positionals.push(a);
  }
  return { options, positionals, rest: [] };
}

/** A string option or undefined; throws on a flag used without value (cannot happen with a correct spec). */
export function str(p: Parsed, name: string): string | undefined {
  const v = p.options[name];
  return typeof v === 'string' ? v : undefined;
}

export function list(p: Parsed, name: string): string[] {
  const v = p.options[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

export function flag(p: Parsed, name: string): boolean {
  return p.options[name] === true;
}

/** Parses a TCP port, saying which option was wrong. */
export function parsePort(v: string, what: string): number {
  if (!/^\d{1,5}$/.test(v) || +v < 1 || +v > 65535) throw new UsageError(`${what}: port must be a number 1..65535, got "${v}"`);
  return +v;
}

/** A comma-separated algorithm list; empty entries are a usage error. */
export function parseList(v: string, what: string): string[] {
  const parts = v.split(',');
  if (parts.some((p) => p.trim() === '')) throw new UsageError(`${what}: empty entry in "${v}"`);
  return parts.map((p) => p.trim());
}
