#!/usr/bin/env node
// One ssh2 SFTP transfer, as its own process so the bench can measure its CPU and memory:
//   node ssh2-transfer.mjs get|put HOST PORT USER KEYFILE CIPHER REMOTE LOCAL
// fastGet / fastPut with concurrency 64 and 32 KiB chunks (the reference settings).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Client } = require('ssh2');
const [op, host, port, username, keyFile, cipher, remote, local] = process.argv.slice(2);
const c = new Client();
c.on('ready', () =>
  c.sftp((e, s) => {
    if (e) throw e;
    const opts = { concurrency: 64, chunkSize: 32768 };
    const done = (err) => {
      c.end();
      if (err) {
        console.error(`ssh2 ${op}: ${err.message}`);
        process.exit(1);
      }
    };
    if (op === 'get') s.fastGet(remote, local, opts, done);
    else s.fastPut(local, remote, opts, done);
  }),
);
c.on('error', (e) => {
  console.error(`ssh2: ${e.message}`);
  process.exit(1);
});
c.connect({ host, port: Number(port), username, privateKey: readFileSync(keyFile), algorithms: { cipher: [cipher] } });
