// User authentication messages (RFC 4252 §§5-8) and keyboard-interactive (RFC 4256 §3).
// A USERAUTH_REQUEST carries method-specific data in `data`, decoded with the method's struct.
// Number 60 means PK_OK, PASSWD_CHANGEREQ or INFO_REQUEST depending on the method in progress.
import { message, struct } from './codec.ts';
import { Msg } from './numbers.ts';

/** RFC 4252 §5: the fields every method shares; `data` is the method-specific rest. */
export const UserauthRequest = message(Msg.USERAUTH_REQUEST, 'USERAUTH_REQUEST', {
  username: 'text',
  service: 'text',
  method: 'text',
  data: 'rest',
});

/** RFC 4252 §5.2: "none" has no data. */
export const AuthNone = struct('none', {});

/** RFC 4252 §8: a password (change = false). */
export const AuthPassword = struct('password', { change: 'boolean', password: 'text' });

/** RFC 4252 §8: a password change (change = true), sent in answer to PASSWD_CHANGEREQ. */
export const AuthPasswordChange = struct('password change', {
  change: 'boolean',
  oldPassword: 'text',
  newPassword: 'text',
});

/** RFC 4252 §7: a public key query (signed = false): "would this key be acceptable?" */
export const AuthPublickeyQuery = struct('publickey query', {
  signed: 'boolean',
  algorithm: 'text',
  key: 'string',
});

/** RFC 4252 §7: a signed public key request (signed = true). */
export const AuthPublickeySigned = struct('publickey', {
  signed: 'boolean',
  algorithm: 'text',
  key: 'string',
  signature: 'string',
});

/** RFC 4256 §3.1 */
export const AuthKeyboardInteractive = struct('keyboard-interactive', {
  language: 'text',
  submethods: 'text',
});

/** RFC 4252 §5.1 */
export const UserauthFailure = message(Msg.USERAUTH_FAILURE, 'USERAUTH_FAILURE', {
  methods: 'names',
  partialSuccess: 'boolean',
});

/** RFC 4252 §5.1 */
export const UserauthSuccess = message(Msg.USERAUTH_SUCCESS, 'USERAUTH_SUCCESS', {});

/** RFC 4252 §5.4 */
export const UserauthBanner = message(Msg.USERAUTH_BANNER, 'USERAUTH_BANNER', {
  message: 'text',
  language: 'text',
});

/** RFC 4252 §7 */
export const UserauthPkOk = message(Msg.USERAUTH_PK_OK, 'USERAUTH_PK_OK', {
  algorithm: 'text',
  key: 'string',
});

/** RFC 4252 §8 */
export const UserauthPasswdChangereq = message(Msg.USERAUTH_PASSWD_CHANGEREQ, 'USERAUTH_PASSWD_CHANGEREQ', {
  prompt: 'text',
  language: 'text',
});

/** RFC 4256 §3.2 */
export const UserauthInfoRequest = message(Msg.USERAUTH_INFO_REQUEST, 'USERAUTH_INFO_REQUEST', {
  name: 'text',
  instruction: 'text',
  language: 'text',
  prompts: { list: { prompt: 'text', echo: 'boolean' } },
});

/** RFC 4256 §3.4 */
export const UserauthInfoResponse = message(Msg.USERAUTH_INFO_RESPONSE, 'USERAUTH_INFO_RESPONSE', {
  responses: { list: { response: 'text' } },
});

export const userauthMessages = [
  UserauthRequest,
  UserauthFailure,
  UserauthSuccess,
  UserauthBanner,
  UserauthPkOk,
  UserauthPasswdChangereq,
  UserauthInfoRequest,
  UserauthInfoResponse,
] as const;

export const userauthStructs = [AuthNone, AuthPassword, AuthPasswordChange, AuthPublickeyQuery, AuthPublickeySigned, AuthKeyboardInteractive] as const;
