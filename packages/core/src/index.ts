// @seashell/core: the sans-I/O SSH engine and promise API. Web-standard APIs only.
export const VERSION = '0.1.0';
export * from './sftp/index.ts';
