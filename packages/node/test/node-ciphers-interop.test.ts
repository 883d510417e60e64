// Connections that run Node's crypto (aes*-gcm@openssh.com on HybridAesGcmPacketCipher: OpenSSL
// for large packets, the kernel for small ones; OpenSSL X25519 and ssh-ed25519 checks) end to end: our client against our server with
// either side on either backend, and our client against OpenSSH's sshd. Data goes through `cat`
// (an echoing exec on our server) both ways and comes back with the same SHA-256, so packets on
// both paths of the hybrid, in both directions, were sealed and opened by the other side.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultRegistry, formatPrivateKey, generateKey } from '@seashell/core';
import { describeWithSshd, startSshd, sshdLogin, type Sshd } from '../../../test-support/sshd.ts';
import { payload, roundTrip, sha256 } from '../../../test-support/interop.ts';
import { connect, createServer, withNodeCrypto, type NodeSshServer, type CryptoBackend } from '../src/index.ts';
import { HybridAesGcmPacketCipher } from '../src/node-ciphers.ts';
import { nodeEd25519Verifier } from '../src/node-curves.ts';

const DATA = payload(3 << 20, 11);
const hostKey = generateKey({ type: 'ed25519' });
const userKey = generateKey({ type: 'ed25519' });

describe('registry hook', () => {
  it('withNodeCrypto puts the hybrid under both aes-gcm names and leaves the rest to the kernel', () => {
    const reg = withNodeCrypto(defaultRegistry);
    for (const name of ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com']) {
      const spec = reg.cipher[name];
      const c = spec.create({ key: new Uint8Array(spec.keyLength), iv: new Uint8Array(12) });
      expect(c).toBeInstanceOf(HybridAesGcmPacketCipher);
      c.dispose();
    }
    for (const name of Object.keys(defaultRegistry.cipher).filter((n) => !n.includes('gcm'))) {
      expect(reg.cipher[name]).toBe(defaultRegistry.cipher[name]);
    }
    expect(defaultRegistry.cipher['aes128-gcm@openssh.com']).not.toBe(reg.cipher['aes128-gcm@openssh.com']);
  });

  it('withNodeCrypto puts OpenSSL X25519 under curve25519-sha256 and OpenSSL under ssh-ed25519 verification', () => {
    const reg = withNodeCrypto(defaultRegistry);
    for (const n of ['curve25519-sha256', 'curve25519-sha256@libssh.org']) {
      expect(reg.kex[n]).not.toBe(defaultRegistry.kex[n]);
      expect(reg.kex[n].name).toBe(n);
    }
    expect(reg.signature['ssh-ed25519']).toBe(nodeEd25519Verifier);
    expect(reg.kex['mlkem768x25519-sha256']).toBe(defaultRegistry.kex['mlkem768x25519-sha256']);
    expect(reg.signature['rsa-sha2-512']).toBe(defaultRegistry.signature['rsa-sha2-512']);
  });

  it("leaves a caller's own cipher implementation alone", () => {
    const mine = { ...defaultRegistry.cipher['aes128-gcm@openssh.com'] };
    const reg = withNodeCrypto({ ...defaultRegistry, cipher: { ...defaultRegistry.cipher, 'aes128-gcm@openssh.com': mine } });
    expect(reg.cipher['aes128-gcm@openssh.com']).toBe(mine);
  });
});

describe('our client <-> our server over aes-gcm with Node ciphers', () => {
  let port: number;
  const servers: NodeSshServer[] = [];
  const start = async (cryptoBackend: CryptoBackend) => {
    const s = createServer({
      hostKeys: [hostKey],
      cryptoBackend,
      authenticate: (ctx) => ctx.method === 'publickey',
      onExec: (exec) => {
        exec.onData((d) => {
          if (!exec.write(d)) exec.pause();
        });
        exec.onDrain(() => exec.resume());
        exec.onEnd(() => exec.exit(0));
      },
    });
    servers.push(s);
    return { s, port: (await s.listen(0, '127.0.0.1')).port };
  };
  beforeAll(async () => {
    ({ port } = await start('fastest'));
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
  });

  for (const cipher of ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com']) {
    for (const [clientSide, serverSide] of [['fastest', 'fastest'], ['portable', 'fastest'], ['fastest', 'portable']] as const) {
      it(`${cipher}, client ${clientSide}, server ${serverSide}: 3 MiB through an echoing exec, sha256 equal`, async () => {
        const p = serverSide === 'fastest' ? port : (await start('portable')).port;
        const c = await connect({
          host: '127.0.0.1',
          port: p,
          username: 'u',
          privateKey: formatPrivateKey(userKey),
          hostVerifier: () => true,
          cryptoBackend: clientSide,
          // curve25519-sha256 so X25519 runs on whichever backend each side has
          algorithms: { cipher: [cipher], kex: ['curve25519-sha256'] },
        });
        try {
          expect(c.algorithms).toMatchObject({ cipherClientToServer: cipher, kex: 'curve25519-sha256', hostKey: 'ssh-ed25519' });
          const proc = await c.execStream('cat');
          const got = await roundTrip(proc, DATA);
          expect(got).toEqual({ bytes: DATA.length, sha256: sha256(DATA) });
          // small packets too: a short exec
          const proc2 = await c.execStream('cat');
          expect(await roundTrip(proc2, new TextEncoder().encode('hi\n'))).toEqual({ bytes: 3, sha256: sha256(new TextEncoder().encode('hi\n')) });
        } finally {
          await c.close();
        }
      });
    }
  }
});

describeWithSshd('our client (Node ciphers) -> OpenSSH sshd over aes-gcm', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd({ hostKeyKinds: ['ed25519'] });
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  for (const cipher of ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com']) {
    it(`${cipher}: 3 MiB through cat and back, sha256 equal`, async () => {
      const c = await connect({
        ...sshdLogin(sshd),
        algorithms: { cipher: [cipher] },
      });
      try {
        expect(c.algorithms).toMatchObject({ cipherServerToClient: cipher, kex: 'curve25519-sha256', hostKey: 'ssh-ed25519' });
        const got = await roundTrip(await c.execStream('cat'), DATA);
        expect(got).toEqual({ bytes: DATA.length, sha256: sha256(DATA) });
      } finally {
        await c.close();
      }
    });
  }
});
