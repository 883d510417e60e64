// Known-answer checks for the aes family: FIPS-197 block vectors, NIST SP 800-38A CTR vectors
// (F.5.1-F.5.6), the GCM specification's test cases 1-18 (96-, 64- and 480-bit IVs), and SSH
// aes*-gcm@openssh.com packets built independently with node:crypto
// (test-vectors/generate/aes-gcm-openssh.mjs). Runtime-agnostic: Node, Deno and Bun.
import { aesCtr, aesEncryptBlocks, aesGcm, AesCtrStream, AesGcmPacketCipher } from '../../src/aes.ts';
import { equal, hex, type VectorRun } from './harness.ts';

interface BlockVector { name: string; key: string; plaintext: string; ciphertext: string }
interface CtrVector { name: string; key: string; counter: string; input: string; output: string }
interface GcmVector { name: string; key: string; iv: string; aad: string; plaintext: string; ciphertext: string; tag: string }
interface SshSession { name: string; cipher: string; key: string; iv: string; packets: { invocation: string; plain: string; wire: string }[] }

export function run(t: VectorRun): void {
  for (const v of t.json<{ tests: BlockVector[] }>('aes-fips197.json').tests) {
    t.check(`aes ${v.name}`, equal(aesEncryptBlocks(hex(v.key), hex(v.plaintext)), hex(v.ciphertext)));
  }

  for (const v of t.json<{ tests: CtrVector[] }>('aes-ctr-sp800-38a.json').tests) {
    const key = hex(v.key);
    const ctr = hex(v.counter);
    const input = hex(v.input);
    const output = hex(v.output);
    t.check(`aes-ctr ${v.name}`, equal(aesCtr(key, ctr, input), output));
    // The same keystream taken in uneven pieces (5, 16, 27, rest) through a stream.
    const s = new AesCtrStream(key, ctr);
    const parts = [input.subarray(0, 5), input.subarray(5, 21), input.subarray(21, 48), input.subarray(48)];
    const joined = new Uint8Array(input.length);
    let off = 0;
    for (const p of parts) {
      joined.set(s.xor(p), off);
      off += p.length;
    }
    s.dispose();
    t.check(`aes-ctr ${v.name} in pieces`, equal(joined, output));
  }

  for (const v of t.json<{ tests: GcmVector[] }>('gcm-spec.json').tests) {
    const key = hex(v.key);
    const iv = hex(v.iv);
    const aad = hex(v.aad);
    const sealed = new Uint8Array([...hex(v.ciphertext), ...hex(v.tag)]);
    t.check(`gcm ${v.name} seal`, equal(aesGcm.seal(key, iv, aad, hex(v.plaintext)), sealed));
    t.check(`gcm ${v.name} open`, equal(aesGcm.open(key, iv, aad, sealed), hex(v.plaintext)));
    const bad = sealed.slice();
    bad[bad.length - 1] ^= 1;
    t.check(`gcm ${v.name} open rejects a wrong tag`, aesGcm.open(key, iv, aad, bad) === null);
  }

  for (const s of t.json<{ sessions: SshSession[] }>('aes-gcm-openssh.json').sessions) {
    const tx = new AesGcmPacketCipher(hex(s.key), hex(s.iv));
    const rx = new AesGcmPacketCipher(hex(s.key), hex(s.iv));
    t.check(`${s.name}: name`, tx.name === s.cipher);
    s.packets.forEach((p, i) => {
      const plain = hex(p.plain);
      const wire = hex(p.wire);
      const packetLen = plain.length;
      tx.ioView.set(plain);
      tx.seal(i, packetLen);
      t.check(`${s.name}: packet ${i} (invocation ${p.invocation}) seal`, equal(tx.ioView.slice(0, packetLen + 16), wire));
      rx.ioView.set(wire);
      t.check(`${s.name}: packet ${i} length in clear`, rx.decryptLength(i) === packetLen - 4);
      const ok = rx.open(i, packetLen);
      t.check(`${s.name}: packet ${i} open`, ok && equal(rx.ioView.slice(0, packetLen), plain));
    });
    tx.dispose();
    rx.dispose();
  }
}
