// Messages: numbers, the schema-driven codec and every message of RFC 4253, 4252, 4256, 4254, 8308.
export * from './numbers.ts';
export * from './codec.ts';
export * from './transport.ts';
export * from './userauth.ts';
export * from './connection.ts';
