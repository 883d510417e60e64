// The ssh-agent protocol, client side (draft-miller-ssh-agent; OpenSSH PROTOCOL.agent): list the
// agent's identities and ask it to sign, with the rsa-sha2 flags. Each operation runs on a fresh
// connection from the adapter's factory (Node: the SSH_AUTH_SOCK unix socket), one framed request
// and one framed answer; answers are bounded and parsed with the bounds-checked reader.
import { SshReader, SshWriter, ProtocolError } from '../wire/index.ts';
import type { ByteStream } from '../stream.ts';

/** Message numbers (draft-miller-ssh-agent §5.1). */
export const AgentMsg = {
  FAILURE: 5,
  SUCCESS: 6,
  REQUEST_IDENTITIES: 11,
  IDENTITIES_ANSWER: 12,
  SIGN_REQUEST: 13,
  SIGN_RESPONSE: 14,
} as const;

/** Signature flags (§5.3): which hash an RSA key signs with. */
export const AgentSignFlags = { RSA_SHA2_256: 2, RSA_SHA2_512: 4 } as const;

/** Largest agent message we accept (OpenSSH's agent uses the same 256 KiB bound). */
export const AGENT_MAX_MESSAGE = 256 * 1024;
/** Most identities we read from one answer. */
export const AGENT_MAX_IDENTITIES = 1024;
/** Milliseconds an agent has to answer. */
export const AGENT_TIMEOUT_MS = 30_000;

export interface AgentIdentity {
  /** Public key blob (RFC 4253 §6.6). */
  readonly blob: Uint8Array;
  readonly comment: string;
}

/** What the client's authentication needs from an agent. */
export interface SshAgent {
  identities(): Promise<AgentIdentity[]>;
  /** Returns the signature blob (string algorithm || string signature). */
  sign(blob: Uint8Array, data: Uint8Array, algorithm: string): Promise<Uint8Array>;
}

/** Flags for a signature algorithm (RSA picks its hash; other keys take none). */
export function signFlags(algorithm: string): number {
  if (algorithm === 'rsa-sha2-256') return AgentSignFlags.RSA_SHA2_256;
  if (algorithm === 'rsa-sha2-512') return AgentSignFlags.RSA_SHA2_512;
  return 0;
}

/** An agent reached through byte streams from `open` (one per operation). */
export class AgentClient implements SshAgent {
  constructor(
    private readonly open: () => Promise<ByteStream>,
    private readonly timers: { setTimeout(fn: () => void, ms: number): unknown; clearTimeout(h: unknown): void } = {
      setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
      clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
    },
  ) {
    if (typeof open !== 'function') throw new TypeError('AgentClient needs a function that opens a stream to the agent');
  }

  async identities(): Promise<AgentIdentity[]> {
    const answer = await this.call(new Uint8Array([AgentMsg.REQUEST_IDENTITIES]));
    const r = new SshReader(answer);
    const type = r.byte();
    if (type === AgentMsg.FAILURE) throw new Error('the agent refused to list its keys');
    if (type !== AgentMsg.IDENTITIES_ANSWER) throw new ProtocolError(`agent answered message ${type} to REQUEST_IDENTITIES`);
    const n = r.uint32('nkeys');
    if (n > AGENT_MAX_IDENTITIES) throw new ProtocolError(`the agent lists ${n} keys (limit ${AGENT_MAX_IDENTITIES})`);
    const out: AgentIdentity[] = [];
    for (let i = 0; i < n; i++) out.push({ blob: r.string('key blob'), comment: r.text('comment') });
    r.end();
    return out;
  }

  async sign(blob: Uint8Array, data: Uint8Array, algorithm: string): Promise<Uint8Array> {
    const req = new SshWriter(64 + blob.length + data.length).byte(AgentMsg.SIGN_REQUEST).string(blob).string(data).uint32(signFlags(algorithm)).finish();
    const answer = await this.call(req);
    const r = new SshReader(answer);
    const type = r.byte();
    if (type === AgentMsg.FAILURE) throw new Error(`the agent refused to sign with the key (${algorithm})`);
    if (type !== AgentMsg.SIGN_RESPONSE) throw new ProtocolError(`agent answered message ${type} to SIGN_REQUEST`);
    const sig = r.string('signature');
    r.end();
    const got = new SshReader(sig).text('signature algorithm');
    if (got !== algorithm) throw new Error(`the agent signed with ${got}, not ${algorithm}`);
    return sig;
  }

  /** One framed request, one framed answer. */
  private async call(payload: Uint8Array): Promise<Uint8Array> {
    const stream = await this.open();
    return new Promise<Uint8Array>((resolve, reject) => {
      const parts: Uint8Array[] = [];
      let have = 0;
      let done = false;
      const finish = (e: Error | undefined, v?: Uint8Array) => {
        if (done) return;
        done = true;
        this.timers.clearTimeout(timer);
        stream.destroy();
        if (e) reject(e);
        else resolve(v!);
      };
      const timer = this.timers.setTimeout(() => finish(new Error(`the agent did not answer within ${AGENT_TIMEOUT_MS} ms`)), AGENT_TIMEOUT_MS);
      stream.start({
        data: (d) => {
          parts.push(d);
          have += d.length;
          if (have < 4) return;
          const all = concatAll(parts, have);
          parts.length = 0;
          parts.push(all);
          const len = ((all[0] << 24) | (all[1] << 16) | (all[2] << 8) | all[3]) >>> 0;
          if (len === 0 || len > AGENT_MAX_MESSAGE) return finish(new ProtocolError(`agent message of ${len} bytes (limit ${AGENT_MAX_MESSAGE})`));
          if (have >= 4 + len) finish(undefined, all.subarray(4, 4 + len));
        },
        drain: () => {},
        end: () => finish(new Error('the agent closed the connection without answering')),
        close: (e) => finish(e ?? new Error('the agent connection closed')),
      });
      stream.write([new SshWriter(payload.length + 4).string(payload).finish()]);
    });
  }
}

function concatAll(parts: Uint8Array[], n: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
