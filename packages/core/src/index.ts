// @seashell/core: the sans-I/O SSH engine and promise API. Web-standard APIs only.
export const VERSION = '0.1.0';
export * from './wire/errors.ts';
export * from './stream.ts';
