// Transport layer messages (RFC 4253 §§7, 9, 10, 11, 12) and EXT_INFO (RFC 8308 §2.3).
// Key-exchange-method messages (30-49) are encoded by the kex methods themselves.
import { message } from './codec.ts';
import { Msg } from './numbers.ts';

/** RFC 4253 §11.1 */
export const Disconnect = message(Msg.DISCONNECT, 'DISCONNECT', {
  reason: 'uint32',
  description: 'text',
  language: 'text',
});

/** RFC 4253 §11.2: the data is arbitrary. */
export const Ignore = message(Msg.IGNORE, 'IGNORE', { data: 'string' });

/** RFC 4253 §11.4: the sequence number of the packet not understood. */
export const Unimplemented = message(Msg.UNIMPLEMENTED, 'UNIMPLEMENTED', { sequence: 'uint32' });

/** RFC 4253 §11.3 */
export const Debug = message(Msg.DEBUG, 'DEBUG', {
  alwaysDisplay: 'boolean',
  message: 'text',
  language: 'text',
});

/** RFC 4253 §10 */
export const ServiceRequest = message(Msg.SERVICE_REQUEST, 'SERVICE_REQUEST', { service: 'text' });
export const ServiceAccept = message(Msg.SERVICE_ACCEPT, 'SERVICE_ACCEPT', { service: 'text' });

/** RFC 8308 §2.3: name/value pairs; values are opaque bytes (server-sig-algs is a name-list). */
export const ExtInfo = message(Msg.EXT_INFO, 'EXT_INFO', {
  extensions: { list: { name: 'text', value: 'string' } },
});

/** RFC 4253 §7.1 */
export const Kexinit = message(Msg.KEXINIT, 'KEXINIT', {
  cookie: { fixed: 16 },
  kexAlgorithms: 'names',
  serverHostKeyAlgorithms: 'names',
  ciphersClientToServer: 'names',
  ciphersServerToClient: 'names',
  macsClientToServer: 'names',
  macsServerToClient: 'names',
  compressionClientToServer: 'names',
  compressionServerToClient: 'names',
  languagesClientToServer: 'names',
  languagesServerToClient: 'names',
  firstKexPacketFollows: 'boolean',
  reserved: 'uint32',
});

/** RFC 4253 §7.3 */
export const Newkeys = message(Msg.NEWKEYS, 'NEWKEYS', {});

/** Every transport message codec, for the round-trip tests. */
export const transportMessages = [Disconnect, Ignore, Unimplemented, Debug, ServiceRequest, ServiceAccept, ExtInfo, Kexinit, Newkeys] as const;
