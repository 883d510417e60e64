// `seashell serve` flags for the forwarding policy (ForwardingPolicy in @seashell/core), named
// after sshd_config's PermitOpen and PermitListen. Default: loopback targets and loopback
// listeners only.
import type { ForwardingPolicy } from '@seashell/core';
import { isLoopbackHost } from '@seashell/core';
import { list, UsageError, type Parsed } from './args.ts';

export const FORWARDING_USAGE = `  --permit-open any|none|HOST:PORT     where clients may connect through us (ssh -L / -D; repeatable;
                           PORT may be *). Default: loopback addresses only
  --permit-listen any|none|HOST:PORT   where clients may make us listen (ssh -R; repeatable). Default:
                           loopback addresses only
  --permit-unix PATH       a unix socket clients may connect to (ssh -L PORT:/path; repeatable). Default: none
`;

export const FORWARDING_SPEC = {
  permitOpen: { value: true, multiple: true, aliases: ['--permit-open'] },
  permitListen: { value: true, multiple: true, aliases: ['--permit-listen'] },
  permitUnix: { value: true, multiple: true, aliases: ['--permit-unix'] },
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

/** The policy the flags describe (undefined parts keep the loopback-only defaults). */
export function forwardingPolicy(p: Parsed): ForwardingPolicy {
  const unix = list(p, 'permitUnix');
  return {
    local: parseRule(list(p, 'permitOpen'), '--permit-open'),
    remote: parseRule(list(p, 'permitListen'), '--permit-listen'),
    unix: unix.length ? (t) => unix.includes(t.path) : undefined,
  };
}
