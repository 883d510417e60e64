// Test-only access to engine internals: sending a raw payload as a correctly framed (and, after
// NEWKEYS, correctly encrypted) packet from one side, bypassing its own state checks, as a
// malicious or buggy peer would.
import type { Connection } from '../../src/engine.ts';
import type { Transport } from '../../src/transport/transport.ts';

export function transportOf(conn: Connection): Transport {
  return (conn as unknown as { transport: Transport }).transport;
}

/** Seals `payload` with `from`'s current outbound keys; the bytes come out of from.pollTransmit(). */
export function rawSend(from: Connection, payload: Uint8Array): void {
  (transportOf(from) as unknown as { sealer: { sealPayload(p: Uint8Array): void } }).sealer.sealPayload(payload);
}

/** Moves everything `from` has to send into `to`. */
export function flush(from: Connection, to: Connection): void {
  for (let out; (out = from.pollTransmit()); ) to.receive(out.slice());
}

/** Drains a connection's events. */
export function drain(conn: Connection): ReturnType<Connection['pollEvent']>[] {
  const out = [];
  for (let ev; (ev = conn.pollEvent()); ) out.push(ev);
  return out;
}
