// The ssh2 npm package as a second, independent peer, both ways: its client against our server
// and our client against its server, over a set of combinations where every kex, host key
// algorithm, cipher and MAC both sides share appears at least once; plus a 16 MiB round trip
// each way with equal SHA-256.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type * as Ssh2 from 'ssh2';
import { harnessKeys, sshdAvailable, SSHD_HINT } from '../../../test-support/sshd.ts';
import { describeWithPeer } from '../../../test-support/peers.ts';
import { CIPHER_MACS, HOST_KEY, HOST_KEY_KIND, comboName, type Combo } from '../../../test-support/matrix.ts';
import { CLIENT_KINDS, clientAlgorithms, payload, roundTrip, sha256, startOurServer, type OurServer } from '../../../test-support/interop.ts';
import { interopRegistry } from '../../../test-support/registry.ts';
import { connect, fingerprintSha256, parsePublicKeyLine } from '@seashell/core';
import { connectTcp } from '../src/index.ts';

const require = createRequire(import.meta.url);
let ssh2: typeof Ssh2 | undefined;
try {
  ssh2 = require('ssh2');
} catch {
  ssh2 = undefined;
}

/** Key exchanges ssh2 implements (it has no ML-KEM and no sntrup). */
const SSH2_KEX = [
  'curve25519-sha256',
  'curve25519-sha256@libssh.org',
  'ecdh-sha2-nistp256',
  'ecdh-sha2-nistp384',
  'ecdh-sha2-nistp521',
  'diffie-hellman-group-exchange-sha256',
  'diffie-hellman-group14-sha256',
  'diffie-hellman-group16-sha512',
  'diffie-hellman-group18-sha512',
];

/** ssh2's server has no group exchange ("Group exchange not implemented for server" in its kex.js). */
const SSH2_SERVER_KEX = SSH2_KEX.filter((k) => k !== 'diffie-hellman-group-exchange-sha256');

/** 15 combinations: every cipher x MAC pair once, kex and host key rotating so each appears. */
const combos = (kexes: readonly string[]): Combo[] =>
  CIPHER_MACS.map((cm, i) => ({ kex: kexes[i % kexes.length], hostKey: HOST_KEY[i % HOST_KEY.length], ...cm }));
const BIG = 16 << 20;

const ssh2Algorithms = (c: Combo) => ({ kex: [c.kex], serverHostKey: [c.hostKey], cipher: [c.cipher], hmac: c.mac ? [c.mac] : ['hmac-sha2-256'] }) as Ssh2.Algorithms;

// ssh-keygen makes the keys, so this needs OpenSSH's tools as well as ssh2.
describeWithPeer('ssh2 package as a peer', !!ssh2 && sshdAvailable, `npm install (ssh2 is a root devDependency); ${SSHD_HINT}`, () => {
  const keys = () => harnessKeys();

  describe('ssh2 client -> our server', () => {
    let ours: OurServer;
    beforeAll(async () => {
      ours = await startOurServer({ hostKeys: keys().hostKeys, clientKeys: Object.values(keys().clientKeys), registry: interopRegistry });
    });
    afterAll(async () => {
      await ours?.stop();
    });

    /** Connects ssh2's client, verifying our host key by its blob. */
    function ssh2Connect(c: Combo | undefined, kind: (typeof CLIENT_KINDS)[number]): Promise<Ssh2.Client> {
      const host = keys().hostKeys.find((h) => h.kind === (c ? HOST_KEY_KIND[c.hostKey as keyof typeof HOST_KEY_KIND] : 'ed25519'))!;
      const blob = Buffer.from(parsePublicKeyLine(host.publicLine).blob);
      return new Promise((resolve, reject) => {
        const client = new ssh2!.Client();
        client.on('ready', () => resolve(client));
        client.on('error', reject);
        client.connect({
          host: '127.0.0.1',
          port: ours.port,
          username: userInfo().username,
          privateKey: readFileSync(keys().clientKeys[kind].path),
          readyTimeout: 30_000,
          ...(c ? { algorithms: ssh2Algorithms(c) } : {}),
          hostVerifier: (key: Buffer) => key.equals(blob),
        });
      });
    }

    function ssh2Exec(client: Ssh2.Client, command: string, input?: Uint8Array): Promise<{ stdout: Buffer; stderr: string; code: number | null }> {
      return new Promise((resolve, reject) => {
        client.exec(command, (err, stream) => {
          if (err) return reject(err);
          const out: Buffer[] = [];
          let errText = '';
          let code: number | null = null;
          stream.on('data', (d: Buffer) => out.push(d));
          stream.stderr.on('data', (d: Buffer) => (errText += d.toString()));
          stream.on('exit', (c: number | null) => (code = c));
          stream.on('close', () => resolve({ stdout: Buffer.concat(out), stderr: errText, code }));
          stream.end(input ? Buffer.from(input.buffer, input.byteOffset, input.byteLength) : undefined);
        });
      });
    }

    combos(SSH2_KEX).forEach((combo, i) => {
      const kind = CLIENT_KINDS[i % CLIENT_KINDS.length];
      it.concurrent(`${comboName(combo)} (user key ${kind})`, async ({ expect }) => {
        const client = await ssh2Connect(combo, kind);
        try {
          const r = await ssh2Exec(client, 'echo out; echo err >&2; exit 7');
          expect({ stdout: r.stdout.toString(), stderr: r.stderr, code: r.code }).toEqual({ stdout: 'out\n', stderr: 'err\n', code: 7 });
        } finally {
          client.end();
        }
      });
    });

    it('16 MiB through cat and back, sha256 equal', async () => {
      const client = await ssh2Connect(undefined, 'ed25519');
      try {
        const data = payload(BIG, 3);
        const r = await ssh2Exec(client, 'cat', data);
        expect(r.code).toBe(0);
        expect(r.stdout.length).toBe(BIG);
        expect(sha256(r.stdout)).toBe(sha256(data));
      } finally {
        client.end();
      }
    });
  });

  describe('our client -> ssh2 server', () => {
    let server: Ssh2.Server;
    let port: number;
    const userBlobs = () => new Set(Object.values(keys().clientKeys).map((k) => Buffer.from(parsePublicKeyLine(k.publicLine).blob).toString('base64')));

    beforeAll(async () => {
      const allowed = userBlobs();
      // One server; each test pins its algorithms through the client, and ssh2 offers them all.
      server = new ssh2!.Server(
        {
          hostKeys: keys().hostKeys.map((h) => readFileSync(h.path)),
          algorithms: {
            kex: SSH2_SERVER_KEX,
            serverHostKey: [...HOST_KEY],
            cipher: CIPHER_MACS.map((c) => c.cipher).filter((c, i, a) => a.indexOf(c) === i),
            hmac: ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com', 'hmac-sha2-256', 'hmac-sha2-512'],
          } as Ssh2.Algorithms,
        },
        (client) => {
          client.on('error', () => {});
          client.on('authentication', (ctx) => {
            if (ctx.method === 'publickey' && allowed.has(ctx.key.data.toString('base64'))) ctx.accept();
            else if (ctx.method === 'password' && ctx.username === 'pw-user' && ctx.password === 'open sesame') ctx.accept();
            else if (ctx.method === 'keyboard-interactive' && ctx.username === 'kbd-user') {
              ctx.prompt([{ prompt: 'Code: ', echo: true }, { prompt: 'Secret: ', echo: false }], 'Login', 'two answers', (answers) => {
                if (answers[0] === '42' && answers[1] === 'hunter2') ctx.accept();
                else ctx.reject();
              });
            } else ctx.reject(['publickey', 'password', 'keyboard-interactive']);
          });
          client.on('session', (accept) => {
            const session = accept();
            session.on('exec', (acceptExec, _reject, info) => {
              const stream = acceptExec();
              if (info.command === 'cat') {
                stream.on('data', (d: Buffer) => {
                  if (!stream.write(d)) {
                    stream.pause();
                    stream.once('drain', () => stream.resume());
                  }
                });
                stream.on('end', () => {
                  stream.exit(0);
                  stream.end();
                });
              } else {
                stream.write('out\n');
                stream.stderr.write('err\n');
                stream.exit(7);
                stream.end();
              }
            });
          });
        },
      );
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(async () => {
      await new Promise<void>((r) => server?.close(() => r()));
    });

    const ourConnect = async (algorithms: object, kind: (typeof CLIENT_KINDS)[number], hostKind = 'ed25519') => {
      const host = keys().hostKeys.find((h) => h.kind === hostKind)!;
      return connect({
        stream: await connectTcp('127.0.0.1', port),
        host: '127.0.0.1',
        port,
        username: 'tester',
        privateKey: readFileSync(keys().clientKeys[kind].path, 'utf8'),
        registry: interopRegistry,
        algorithms,
        hostVerifier: (k) => k.fingerprint === host.fingerprint && fingerprintSha256(k.key) === host.fingerprint,
      });
    };

    it.skip('diffie-hellman-group-exchange-sha256: the ssh2 package does not implement group exchange as a server', () => {});

    combos(SSH2_SERVER_KEX).forEach((combo, i) => {
      const kind = CLIENT_KINDS[(i + 2) % CLIENT_KINDS.length];
      it.concurrent(`${comboName(combo)} (user key ${kind})`, async ({ expect }) => {
        const c = await ourConnect(clientAlgorithms(combo), kind, HOST_KEY_KIND[combo.hostKey as keyof typeof HOST_KEY_KIND]);
        try {
          expect(c.algorithms).toMatchObject({ kex: combo.kex, hostKey: combo.hostKey, cipherServerToClient: combo.cipher });
          expect(await c.exec('anything')).toEqual({ stdout: 'out\n', stderr: 'err\n', code: 7, signal: null });
        } finally {
          await c.close();
        }
      });
    });

    it('logs in despite ssh2 quirks: PK_OK naming ssh-rsa for an rsa-sha2 query, server-sig-algs missing nistp521 and rsa-sha2-512', async () => {
      for (const kind of ['rsa', 'ecdsa521'] as const) {
        const c = await ourConnect({ kex: ['curve25519-sha256'] }, kind);
        expect((await c.exec('x')).code).toBe(7);
        await c.close();
      }
    });

    it('logs in with a password and with keyboard-interactive prompts', async () => {
      const host = keys().hostKeys.find((h) => h.kind === 'ed25519')!;
      const common = { host: '127.0.0.1', port, registry: interopRegistry, hostVerifier: (k: { fingerprint: string }) => k.fingerprint === host.fingerprint };
      const pw = await connect({ ...common, stream: await connectTcp('127.0.0.1', port), username: 'pw-user', password: 'open sesame' });
      expect((await pw.exec('x')).code).toBe(7);
      await pw.close();
      const seen: string[] = [];
      const kbd = await connect({
        ...common,
        stream: await connectTcp('127.0.0.1', port),
        username: 'kbd-user',
        keyboardInteractive: (name, instruction, prompts) => {
          seen.push(name, instruction, ...prompts.map((p) => `${p.prompt}${p.echo ? '+echo' : ''}`));
          return ['42', 'hunter2'];
        },
      });
      expect(seen).toEqual(['Login', 'two answers', 'Code: +echo', 'Secret: ']);
      expect((await kbd.exec('x')).code).toBe(7);
      await kbd.close();
      const wrong = connect({ ...common, stream: await connectTcp('127.0.0.1', port), username: 'pw-user', password: 'nope' });
      await expect(wrong).rejects.toThrow(/authentication failed/);
    });

    it('16 MiB through cat and back, sha256 equal', async () => {
      const c = await ourConnect({ kex: ['curve25519-sha256'] }, 'ed25519');
      try {
        const data = payload(BIG, 5);
        const p = await c.execStream('cat');
        const got = await roundTrip(p, data);
        expect(await p.exit).toEqual({ code: 0, signal: null });
        expect(got).toEqual({ bytes: BIG, sha256: sha256(data) });
      } finally {
        await c.close();
      }
    });
  });
});
