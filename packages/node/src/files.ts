// File-system conventions the Node adapter and CLI share with OpenSSH: where keys and
// known_hosts live, and writing secrets with the right mode without clobbering anything.
import { existsSync, mkdirSync, openSync, writeSync, closeSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** ~, honouring $HOME like ssh does when it is set. */
export function home(): string {
  return process.env.HOME || homedir();
}

/** ~/.ssh/<name>. */
export function sshPath(name: string): string {
  return join(home(), '.ssh', name);
}

/** The identity files ssh tries by default (ssh_config IdentityFile), in ssh's order, that exist. */
export function defaultIdentityFiles(): string[] {
  return ['id_rsa', 'id_ecdsa', 'id_ed25519'].map(sshPath).filter((p) => existsSync(p));
}

/** Expands a leading ~/ as ssh does. */
export function expandHome(p: string): string {
  return p === '~' ? home() : p.startsWith('~/') ? join(home(), p.slice(2)) : p;
}

/** Reads a file as text; a missing file is undefined, any other failure throws with the path. */
export function readTextIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${path}: ${(e as Error).message}`);
  }
}

/**
 * Writes data to path with mode, through a temp file and rename so a reader never sees half a
 * key. Refuses to replace an existing file unless overwrite is set.
 */
export function writeFileSafely(path: string, data: string | Uint8Array, mode: number, overwrite = false): void {
  if (!overwrite && existsSync(path)) throw new Error(`${path} already exists (use --force to overwrite)`);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'wx', mode);
  try {
    if (typeof data === 'string') writeSync(fd, data);
    else writeSync(fd, data);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}
