// Known answers for the chacha family: RFC 8439 (test-vectors/chacha.json) and SSH packets
// sealed with chacha20-poly1305@openssh.com by an independent construction
// (test-vectors/chacha-openssh.json, from test-vectors/generate/chacha-openssh.mjs).
import { chacha20, poly1305, aeadChaCha20Poly1305, ChaChaPolyPacketCipher } from '../../src/chacha.ts';
import { hex, equal, type VectorRun } from './harness.ts';

interface Hexy { [k: string]: string | number | undefined }

const utf8 = new TextEncoder();
/** Field f as bytes: hex, or the f + 'Utf8' text form. */
function field(t: Hexy, f: string): Uint8Array {
  const text = t[f + 'Utf8'];
  return typeof text === 'string' ? utf8.encode(text) : hex(String(t[f]));
}

interface RfcFile {
  block: Hexy[];
  encrypt: Hexy[];
  poly1305: Hexy[];
  keygen: Hexy[];
  aead: Hexy[];
}

interface SshFile {
  cases: { name: string; key: string; seq: number; packet: string; sealed: string }[];
}

export function run(t: VectorRun): void {
  const v = t.json<RfcFile>('chacha.json');
  for (const c of v.block) {
    const ks = chacha20(hex(String(c.key)), hex(String(c.nonce)), Number(c.counter), new Uint8Array(64));
    t.check(`chacha20 block ${c.name}`, equal(ks, hex(String(c.keystream))));
  }
  for (const c of v.encrypt) {
    const pt = field(c, 'plaintext');
    const ct = hex(String(c.ciphertext));
    const key = hex(String(c.key));
    const nonce = hex(String(c.nonce));
    t.check(`chacha20 encrypt ${c.name}`, equal(chacha20(key, nonce, Number(c.counter), pt), ct));
    t.check(`chacha20 decrypt ${c.name}`, equal(chacha20(key, nonce, Number(c.counter), ct), pt));
  }
  for (const c of v.poly1305) {
    t.check(`poly1305 ${c.name}`, equal(poly1305(hex(String(c.key)), field(c, 'msg')), hex(String(c.tag))));
  }
  for (const c of v.keygen) {
    const otk = chacha20(hex(String(c.key)), hex(String(c.nonce)), 0, new Uint8Array(32));
    t.check(`poly1305 key generation ${c.name}`, equal(otk, hex(String(c.otk))));
  }
  for (const c of v.aead) {
    const key = hex(String(c.key));
    const nonce = hex(String(c.nonce));
    const aad = hex(String(c.aad));
    const pt = field(c, 'plaintext');
    const sealed = new Uint8Array([...hex(String(c.ciphertext)), ...hex(String(c.tag))]);
    t.check(`aead seal ${c.name}`, equal(aeadChaCha20Poly1305.seal(key, nonce, aad, pt), sealed));
    t.check(`aead open ${c.name}`, equal(aeadChaCha20Poly1305.open(key, nonce, aad, sealed), pt));
    const forged = sealed.slice();
    forged[forged.length - 1]! ^= 1;
    t.check(`aead open rejects a modified tag ${c.name}`, aeadChaCha20Poly1305.open(key, nonce, aad, forged) === null);
  }

  const ssh = t.json<SshFile>('chacha-openssh.json');
  for (const c of ssh.cases) {
    const key = hex(c.key);
    const packet = hex(c.packet);
    const sealed = hex(c.sealed);
    const tx = new ChaChaPolyPacketCipher(key);
    const rx = new ChaChaPolyPacketCipher(key);
    try {
      tx.ioView.set(packet);
      tx.seal(c.seq, packet.length);
      t.check(`openssh seal ${c.name}`, equal(tx.ioView.slice(0, sealed.length), sealed));
      rx.ioView.set(sealed);
      t.check(`openssh decryptLength ${c.name}`, rx.decryptLength(c.seq) === packet.length - 4);
      t.check(`openssh decryptLength leaves the buffer ${c.name}`, equal(rx.ioView.slice(0, 4), sealed.subarray(0, 4)));
      t.check(`openssh open ${c.name}`, rx.open(c.seq, packet.length) && equal(rx.ioView.slice(0, packet.length), packet));
    } finally {
      tx.dispose();
      rx.dispose();
    }
  }
}
