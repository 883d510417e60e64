// The browser example's script: reads the form, connects through the relay with the host key
// pinned to the given fingerprint, runs the command and prints what it wrote.
import { connect } from '@seashell/browser';

const form = document.getElementById('f') as HTMLFormElement;
const out = document.getElementById('out')!;
const print = (s: string) => (out.textContent += s);

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const v = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value.trim();
  out.textContent = '';
  try {
    print(`connecting through ${v('url')} ...\n`);
    const client = await connect({
      url: v('url'),
      username: v('username'),
      hostFingerprint: v('fingerprint'),
      privateKey: v('key') + '\n',
      passphrase: v('passphrase') || undefined,
    });
    print(`host key ${client.hostKey.type} ${client.hostKey.fingerprint} matches; ${client.algorithms.cipherClientToServer}\n$ ${v('command')}\n`);
    const r = await client.exec(v('command'));
    print(r.stdout + r.stderr + `[exit ${r.code ?? r.signal}]\n`);
    await client.close();
  } catch (e) {
    print(`error: ${(e as Error).message}\n`);
  }
});
