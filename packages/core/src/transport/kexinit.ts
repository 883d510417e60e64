// KEXINIT and algorithm negotiation (RFC 4253 §7.1): for each category the chosen algorithm is
// the first on the client's list that is also on the server's. Pseudo-algorithm markers in
// kex_algorithms (ext-info-c/-s of RFC 8308, kex-strict-c/-s-v00@openssh.com of
// draft-miller-sshm-strict-kex) signal features and never take part in negotiation.
import { DisconnectReason, ProtocolError } from '../wire/index.ts';
import { Kexinit } from '../messages/index.ts';
import type { Decoded } from '../messages/index.ts';
import { MAX_NAME_LIST } from '../limits.ts';

export type KexinitFields = Decoded<(typeof Kexinit)['schema']>;

/** Feature markers carried in kex_algorithms. */
export const Marker = {
  EXT_INFO_C: 'ext-info-c',
  EXT_INFO_S: 'ext-info-s',
  STRICT_C: 'kex-strict-c-v00@openssh.com',
  STRICT_S: 'kex-strict-s-v00@openssh.com',
} as const;

const MARKERS: ReadonlySet<string> = new Set(Object.values(Marker));

/** Names to offer, most preferred first, per negotiated category. */
export interface AlgorithmLists {
  readonly kex: readonly string[];
  readonly hostKey: readonly string[];
  readonly cipher: readonly string[];
  readonly mac: readonly string[];
  readonly compression: readonly string[];
}

/** What a key exchange agreed on. `mac*` is null for AEAD ciphers, which carry their own tag. */
export interface Negotiated {
  readonly kex: string;
  readonly hostKey: string;
  readonly cipherClientToServer: string;
  readonly cipherServerToClient: string;
  readonly macClientToServer: string | null;
  readonly macServerToClient: string | null;
  readonly compressionClientToServer: string;
  readonly compressionServerToClient: string;
}

/** Builds our KEXINIT payload. `markers` are appended to the kex list (first KEXINIT only). */
export function buildKexinit(lists: AlgorithmLists, cookie: Uint8Array, markers: readonly string[]): Uint8Array {
  return Kexinit.encode({
    cookie,
    kexAlgorithms: [...lists.kex, ...markers],
    serverHostKeyAlgorithms: [...lists.hostKey],
    ciphersClientToServer: [...lists.cipher],
    ciphersServerToClient: [...lists.cipher],
    macsClientToServer: [...lists.mac],
    macsServerToClient: [...lists.mac],
    compressionClientToServer: [...lists.compression],
    compressionServerToClient: [...lists.compression],
    languagesClientToServer: [],
    languagesServerToClient: [],
    firstKexPacketFollows: false,
    reserved: 0,
  });
}

/** Decodes a peer's KEXINIT, bounding every list. */
export function parseKexinit(payload: Uint8Array): KexinitFields {
  const k = Kexinit.decode(payload);
  for (const [field, v] of Object.entries(k)) {
    if (Array.isArray(v) && v.join(',').length > MAX_NAME_LIST) throw new ProtocolError(`KEXINIT: ${field} is longer than ${MAX_NAME_LIST} bytes`);
  }
  return k;
}

function choose(what: string, client: readonly string[], server: readonly string[]): string {
  for (const name of client) {
    if (!MARKERS.has(name) && server.includes(name)) return name;
  }
  throw new ProtocolError(
    `no common ${what} algorithm (client offers ${client.filter((n) => !MARKERS.has(n)).join(',') || 'none'}; server offers ${server.filter((n) => !MARKERS.has(n)).join(',') || 'none'})`,
    DisconnectReason.KEY_EXCHANGE_FAILED,
  );
}

/**
 * Negotiates every category (RFC 4253 §7.1). `isAead` says which ciphers need no MAC.
 * `hostKeyUsable` filters server host key algorithms the kex can use (all, for the methods here).
 */
export function negotiate(client: KexinitFields, server: KexinitFields, isAead: (cipher: string) => boolean): Negotiated {
  const kex = choose('key exchange', client.kexAlgorithms, server.kexAlgorithms);
  const hostKey = choose('host key', client.serverHostKeyAlgorithms, server.serverHostKeyAlgorithms);
  const cipherClientToServer = choose('client-to-server cipher', client.ciphersClientToServer, server.ciphersClientToServer);
  const cipherServerToClient = choose('server-to-client cipher', client.ciphersServerToClient, server.ciphersServerToClient);
  const macClientToServer = isAead(cipherClientToServer) ? null : choose('client-to-server MAC', client.macsClientToServer, server.macsClientToServer);
  const macServerToClient = isAead(cipherServerToClient) ? null : choose('server-to-client MAC', client.macsServerToClient, server.macsServerToClient);
  const compressionClientToServer = choose('client-to-server compression', client.compressionClientToServer, server.compressionClientToServer);
  const compressionServerToClient = choose('server-to-client compression', client.compressionServerToClient, server.compressionServerToClient);
  return {
    kex,
    hostKey,
    cipherClientToServer,
    cipherServerToClient,
    macClientToServer,
    macServerToClient,
    compressionClientToServer,
    compressionServerToClient,
  };
}

/**
 * RFC 4253 §7: when a side sets first_kex_packet_follows, its guess is right only if both
 * sides' first kex algorithm and first host key algorithm are the same; a wrong guess means its
 * first KEX packet must be ignored.
 */
export function guessWasRight(client: KexinitFields, server: KexinitFields): boolean {
  const first = (l: string[]) => l.find((n) => !MARKERS.has(n));
  return first(client.kexAlgorithms) === first(server.kexAlgorithms) && first(client.serverHostKeyAlgorithms) === first(server.serverHostKeyAlgorithms);
}

/** True when `fields` offers the marker (only meaningful in the first KEXINIT of a connection). */
export function hasMarker(fields: KexinitFields, marker: string): boolean {
  return fields.kexAlgorithms.includes(marker);
}
