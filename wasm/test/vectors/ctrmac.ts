// Known-answer checks for the ctrmac family: SSH packets sealed by node:crypto (aes-*-ctr +
// HMAC, test-vectors/generate/ctrmac.mjs) in encrypt-and-MAC and encrypt-then-MAC form, for
// hmac-sha1 / hmac-sha2-256 / hmac-sha2-512 and aes128/192/256-ctr, with sequence numbers that
// wrap past 2^32-1. Our seal must produce the same bytes; our open must recover the plaintext
// and reject the packet with one bit of its MAC flipped.
import type { VectorRun } from './harness.ts';
import { hex, equal } from './harness.ts';
import { CtrHmacPacketCipher, type CtrHmacMac } from '../../src/ctrmac.ts';

interface CtrMacFile {
  cases: { name: string; key: string; iv: string; mac: CtrHmacMac; macKey: string; packets: { seq: number; plaintext: string; sealed: string }[] }[];
}

export function run(t: VectorRun): void {
  for (const c of t.json<CtrMacFile>('ctrmac.json').cases) {
    const opts = { key: hex(c.key), iv: hex(c.iv), mac: c.mac, macKey: hex(c.macKey) };
    const sealer = new CtrHmacPacketCipher(opts);
    const opener = new CtrHmacPacketCipher(opts);
    const bad = new CtrHmacPacketCipher(opts);
    t.check(`${c.name} name`, sealer.name === c.name);
    for (const [i, p] of c.packets.entries()) {
      const plain = hex(p.plaintext);
      const sealed = hex(p.sealed);
      const n = plain.length;
      const id = `${c.name} packet ${i} seq ${p.seq}`;
      sealer.ioView.set(plain);
      sealer.seal(p.seq, n);
      t.check(`${id} seal`, equal(sealer.ioView.slice(0, n + sealer.macLength), sealed));

      opener.ioView.set(sealed);
      const len = opener.decryptLength(p.seq);
      t.check(`${id} decryptLength`, len === n - 4);
      t.check(`${id} open`, opener.open(p.seq, n) && equal(opener.ioView.slice(0, n), plain));

      // A second opener fed the same packet with its MAC's last bit flipped. Encrypt-then-MAC
      // leaves its state untouched on failure, so it can follow every packet; encrypt-and-MAC's
      // keystream has moved on after a failure, so only the first packet is tried there.
      if (c.mac.endsWith('-etm@openssh.com') || i === 0) {
        const forged = sealed.slice();
        forged[forged.length - 1] ^= 1;
        bad.ioView.set(forged);
        bad.decryptLength(p.seq);
        t.check(`${id} flipped MAC bit rejected`, bad.open(p.seq, n) === false);
      }
    }
    sealer.dispose();
    opener.dispose();
    bad.dispose();
  }
}
