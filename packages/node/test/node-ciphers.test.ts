// AES-GCM on node:crypto (packages/node/src/ciphers.ts) against the WebAssembly kernel's: packets
// sealed by one open with the other in both directions, across sizes and past the invocation
// counter's carry; a flipped bit anywhere fails the tag and leaves the buffer's plaintext unwritten;
// and both key sizes against OpenSSH sshd over SFTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AesGcmPacketCipher, type PacketCipher } from '@seashell/kernel';
import { NodeAesGcmPacketCipher, nodeRegistry, connect, type SshClient } from '../src/index.ts';
import { describeWithSshd, startSshd, type Sshd } from '../../../test-support/sshd.ts';
import { payload, sha256 } from '../../../test-support/interop.ts';

function layOut(c: PacketCipher, body: Uint8Array): number {
  const packetLen = 4 + body.length;
  const io = c.ioView;
  new DataView(io.buffer, io.byteOffset).setUint32(0, body.length);
  io.set(body, 4);
  return packetLen;
}

describe('node:crypto AES-GCM packet cipher', () => {
  for (const keyLen of [16, 32]) {
    it(`aes${keyLen * 8}-gcm: interoperates with the kernel both ways, across the counter's carry`, () => {
      const key = randomBytes(keyLen);
      // an IV whose invocation counter carries out of its low bytes within a few packets
      const iv = Buffer.concat([randomBytes(4), Buffer.from([0, 0, 0, 0, 0, 0xff, 0xff, 0xfe])]);
      const name = `aes${keyLen * 8}-gcm@openssh.com`;
      const pairs: [PacketCipher, PacketCipher][] = [
        [new NodeAesGcmPacketCipher(name, key, iv), new AesGcmPacketCipher(key, iv)],
        [new AesGcmPacketCipher(key, iv), new NodeAesGcmPacketCipher(name, key, iv)],
      ];
      for (const [tx, rx] of pairs) {
        for (let seq = 0; seq < 6; seq++) {
          const body = randomBytes(16 * (1 + seq * 997));
          const len = layOut(tx, body);
          tx.seal(seq, len);
          const wire = tx.ioView.slice(0, len + 16);
          rx.ioView.set(wire);
          expect(rx.decryptLength(seq)).toBe(len - 4);
          expect(rx.open(seq, len)).toBe(true);
          expect(Buffer.from(rx.ioView.subarray(4, len)).equals(body)).toBe(true);
        }
      }
    });
  }

  it('a flipped bit in the length, the body or the tag fails; nothing is decrypted into the buffer', () => {
    const key = randomBytes(16);
    const iv = randomBytes(12);
    for (const where of [1, 20, 4 + 64 + 3]) {
      const tx = new NodeAesGcmPacketCipher('aes128-gcm@openssh.com', key, iv);
      const rx = new NodeAesGcmPacketCipher('aes128-gcm@openssh.com', key, iv);
      const len = layOut(tx, new Uint8Array(64).fill(7));
      tx.seal(0, len);
      const wire = tx.ioView.slice(0, len + 16);
      wire[where] ^= 1;
      rx.ioView.set(wire);
      expect(rx.open(0, len)).toBe(false);
      expect(Buffer.from(rx.ioView.subarray(0, len)).equals(wire.subarray(0, len))).toBe(true); // still the ciphertext
    }
  });

  it('refuses bad keys, IVs and packet lengths', () => {
    expect(() => new NodeAesGcmPacketCipher('x', new Uint8Array(15), new Uint8Array(12))).toThrow(/key/);
    expect(() => new NodeAesGcmPacketCipher('x', new Uint8Array(16), new Uint8Array(16))).toThrow(/iv/);
    const c = new NodeAesGcmPacketCipher('x', new Uint8Array(16), new Uint8Array(12));
    expect(() => c.seal(0, 4 + 15)).toThrow(/multiple of 16/);
    c.dispose();
    expect(() => c.seal(0, 20)).toThrow(/disposed/);
  });

  it('the Node registry takes AES-GCM from node:crypto and everything else from the kernel', () => {
    const c = nodeRegistry.cipher['aes128-gcm@openssh.com'].create({ key: new Uint8Array(16), iv: new Uint8Array(12) });
    expect(c).toBeInstanceOf(NodeAesGcmPacketCipher);
    expect(nodeRegistry.cipher['chacha20-poly1305@openssh.com'].create({ key: new Uint8Array(64), iv: new Uint8Array(0) })).not.toBeInstanceOf(NodeAesGcmPacketCipher);
  });
});

describeWithSshd('node:crypto AES-GCM against OpenSSH sshd', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd({ hostKeyKinds: ['ed25519'] });
  });
  afterAll(async () => {
    await sshd?.stop();
  });
  for (const cipher of ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com']) {
    it(`${cipher}: 6 MiB up, its sha256 back`, async () => {
      const c: SshClient = await connect({
        host: '127.0.0.1',
        port: sshd.port,
        username: sshd.user,
        privateKey: readFileSync(sshd.clientKeys.ed25519.path, 'utf8'),
        knownHostsFile: sshd.knownHostsFile,
        algorithms: { cipher: [cipher] },
      });
      try {
        expect(c.algorithms.cipherClientToServer).toBe(cipher);
        const data = payload(6 << 20, 3);
        const p = await c.execStream('sha256sum');
        const w = p.stdin.getWriter();
        await w.write(data);
        await w.close();
        let out = '';
        for await (const chunk of p.stdout as unknown as AsyncIterable<Uint8Array>) out += new TextDecoder().decode(chunk);
        expect(out.split(' ')[0]).toBe(sha256(data));
      } finally {
        await c.close();
      }
    });
  }
});
