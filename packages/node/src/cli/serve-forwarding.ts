// `seashell serve` flags for the forwarding policy (ForwardingPolicy in @seashell/core), named
// after sshd_config's PermitOpen, PermitListen and StreamLocalBindUnlink. Default: loopback
// targets and loopback listeners only, no unix sockets.
import { posix } from 'node:path';
import type { ForwardingPolicy } from '@seashell/core';
import { isLoopbackHost } from '@seashell/core';
import { flag, list, UsageError, type Parsed } from './args.ts';

export const FORWARDING_USAGE = `  --permit-open any|none|HOST:PORT     where clients may connect through us (ssh -L / -D; repeatable;
                           PORT may be *). Default: loopback addresses only
  --permit-listen any|none|HOST:PORT   where clients may make us listen (ssh -R; repeatable). Default:
                           loopback addresses only
  --permit-unix PATH       a unix socket clients may connect to (ssh -L PORT:/path; repeatable). Default: none
  --permit-listen-unix any|none|PATH|DIR/*
                           a unix socket clients may make us listen on (ssh -R /path:...; repeatable;
                           DIR/* is any socket directly in DIR). Default: none. The socket is made
                           0600 and removed when the forward ends
  --stream-local-bind-unlink   such a socket replaces a stale socket file at its path (default: a path
                           that exists is refused), like sshd's StreamLocalBindUnlink
`;

export const FORWARDING_SPEC = {
  permitOpen: { value: true, multiple: true, aliases: ['--permit-open'] },
  permitListen: { value: true, multiple: true, aliases: ['--permit-listen'] },
  permitUnix: { value: true, multiple: true, aliases: ['--permit-unix'] },
  permitListenUnix: { value: true, multiple: true, aliases: ['--permit-listen-unix'] },
  streamLocalBindUnlink: { aliases: ['--stream-local-bind-unlink'] },
};

type Rule = boolean | ((r: { host: string; port: number }) => boolean);

function parseRule(values: string[], flagName: string): Rule | undefined {
  if (values.length === 0) return undefined;
  if (values.length === 1 && values[0] === 'any') return true;
  if (values.length === 1 && values[0] === 'none') return false;
  const entries = values.map((v) => {
    const m = /^\[([^\]]+)\]:(\d+|\*)$/.exec(v) ?? /^([^:]+):(\d+|\*)$/.exec(v);
    if (!m || (m[2] !== '*' && (+m[2] < 0 || +m[2] > 65535))) throw new UsageError(`${flagName} wants any, none or HOST:PORT (PORT may be *), got "${v}"`);
    return { host: m[1].toLowerCase(), port: m[2] === '*' ? -1 : +m[2] };
  });
  return (r) => entries.some((e) => (e.host === '*' || e.host === r.host.toLowerCase() || (e.host === 'localhost' && isLoopbackHost(r.host))) && (e.port === -1 || e.port === r.port));
}

/**
 * --permit-listen-unix: any, none, or absolute paths and DIR/* patterns. A requested path must
 * be absolute and already normal (no '.', '..' or '//' segments) to match anything, so
 * "/allowed/../elsewhere" never passes as "/allowed/*".
 */
export function parseUnixListenRule(values: string[]): ForwardingPolicy['remoteUnix'] {
  if (values.length === 0) return undefined;
  if (values.length === 1 && values[0] === 'any') return true;
  if (values.length === 1 && values[0] === 'none') return false;
  const entries = values.map((v) => {
    const dir = v.endsWith('/*') ? v.slice(0, -2) || '/' : undefined;
    const path = dir ?? v;
    if (!path.startsWith('/') || posix.normalize(path) !== path || (path !== '/' && path.endsWith('/'))) {
      throw new UsageError(`--permit-listen-unix wants any, none, an absolute normalized PATH or DIR/*, got "${v}"`);
    }
    return { path, dir: dir !== undefined };
  });
  return ({ path }) => {
    if (!path.startsWith('/') || posix.normalize(path) !== path || path.endsWith('/')) return false;
    return entries.some((e) => (e.dir ? posix.dirname(path) === e.path : path === e.path));
  };
}

/** The policy the flags describe (undefined parts keep the loopback-only defaults). */
export function forwardingPolicy(p: Parsed): ForwardingPolicy {
  const unix = list(p, 'permitUnix');
  return {
    local: parseRule(list(p, 'permitOpen'), '--permit-open'),
    remote: parseRule(list(p, 'permitListen'), '--permit-listen'),
    unix: unix.length ? (t) => unix.includes(t.path) : undefined,
    remoteUnix: parseUnixListenRule(list(p, 'permitListenUnix')),
    streamLocalBindUnlink: flag(p, 'streamLocalBindUnlink'),
  };
}
