// Our client (the Node adapter) against the real OpenSSH sshd on loopback: every kex paired with
// every host key algorithm (cipher/MAC rotating), each logging in with a rotating user key type
// and checking output and exit codes; every cipher x MAC pair carrying 16 MiB through `cat` and
// back with equal SHA-256. mlkem768x25519-sha256 is skipped when this OpenSSH lacks it (9.9+).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { describeWithSshd, startSshd, type Sshd } from '../../../test-support/sshd.ts';
import { CIPHER_MACS, comboName, coveringCombos, kexForOpenssh } from '../../../test-support/matrix.ts';
import { CLIENT_KINDS, clientAlgorithms, payload, roundTrip, sha256 } from '../../../test-support/interop.ts';
import { interopRegistry } from '../../../test-support/registry.ts';
import { connect, type SshClient } from '../src/index.ts';

const { supported: KEXES, skipped } = kexForOpenssh();
const BIG = 16 << 20;

describeWithSshd('our client -> OpenSSH sshd', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  const login = (algorithms: object, kind = CLIENT_KINDS[0]): Promise<SshClient> =>
    connect({
      host: '127.0.0.1',
      port: sshd.port,
      username: sshd.user,
      privateKey: readFileSync(sshd.clientKeys[kind].path, 'utf8'),
      knownHostsFile: sshd.knownHostsFile,
      registry: interopRegistry,
      algorithms,
    });

  for (const s of skipped) it.skip(`${s.kex}: ${s.reason}`, () => {});

  coveringCombos(KEXES).forEach((combo, i) => {
    const kind = CLIENT_KINDS[i % CLIENT_KINDS.length];
    it.concurrent(`${comboName(combo)} (user key ${kind}): exec and exit codes`, async ({ expect }) => {
      const c = await login(clientAlgorithms(combo), kind);
      try {
        expect(c.algorithms).toMatchObject({ kex: combo.kex, hostKey: combo.hostKey, cipherClientToServer: combo.cipher, cipherServerToClient: combo.cipher });
        if (combo.mac) expect(c.algorithms.macClientToServer).toBe(combo.mac);
        const r = await c.exec('echo out; echo err >&2; exit 7');
        // stderr may also carry noise from the login user's shell startup files (sshd runs them)
        expect({ ...r, stderr: r.stderr.endsWith('err\n') }).toEqual({ stdout: 'out\n', stderr: true, code: 7, signal: null });
      } finally {
        await c.close();
      }
    });
  });

  for (const cm of CIPHER_MACS) {
    it.concurrent(`${comboName(cm)}: 16 MiB through cat and back, sha256 equal`, async ({ expect }) => {
      const c = await login({ kex: ['curve25519-sha256'], cipher: [cm.cipher], ...(cm.mac ? { mac: [cm.mac] } : {}) });
      try {
        const data = payload(BIG, 7);
        const p = await c.execStream('cat');
        const got = await roundTrip(p, data);
        expect(await p.exit).toEqual({ code: 0, signal: null });
        expect(got).toEqual({ bytes: BIG, sha256: sha256(data) });
      } finally {
        await c.close();
      }
    });
  }

  it('reports a signal death and a missing command', async () => {
    const c = await login({});
    try {
      expect(await c.exec('kill -TERM $$')).toMatchObject({ code: null, signal: 'TERM' });
      const r = await c.exec('/nonexistent/command');
      expect(r.code).toBe(127);
      expect(r.stderr).toMatch(/nonexistent/);
      // several commands on one connection, one after another and at once
      const rs = await Promise.all([1, 2, 3].map((k) => c.exec(`exit ${k}`)));
      expect(rs.map((x) => x.code)).toEqual([1, 2, 3]);
    } finally {
      await c.close();
    }
  });
});
