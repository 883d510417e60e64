// Helpers shared by the SFTP interop suites: big files with distinct content in every block (so a
// chunk written at the wrong offset changes the hash), hashing files on disk, and building and
// comparing directory trees.
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, writeSync, createReadStream, writeFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { payload } from './interop.ts';

const MiB = 1024 * 1024;

/** Writes `size` bytes of seeded pseudo-random data (1 MiB blocks, each seeded differently); returns its sha256. */
export function writeBigFile(path: string, size: number, seed = 1): string {
  const h = createHash('sha256');
  const fd = openSync(path, 'w');
  try {
    for (let off = 0, i = 0; off < size; off += MiB, i++) {
      const block = payload(Math.min(MiB, size - off), seed * 100_003 + i);
      h.update(block);
      for (let done = 0; done < block.length; ) done += writeSync(fd, block, done, block.length - done);
    }
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

/** sha256 of a file, streamed. */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path, { highWaterMark: MiB })
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

/** A small tree: nested directories, empty and non-empty files, one of 3 MiB, and a symlink (skipped by transfers). */
export function makeTree(root: string): void {
  mkdirSync(join(root, 'a', 'b', 'c'), { recursive: true });
  mkdirSync(join(root, 'empty-dir'));
  writeFileSync(join(root, 'top.txt'), 'top level\n');
  writeFileSync(join(root, 'a', 'empty'), '');
  writeFileSync(join(root, 'a', 'b', 'mid.bin'), payload(70_000, 3));
  writeFileSync(join(root, 'a', 'b', 'c', 'deep.bin'), payload(3 * MiB + 5, 4));
  writeFileSync(join(root, 'name with spaces & "quotes"'), 'odd name\n');
  symlinkSync('top.txt', join(root, 'link-to-top'));
}

/** Relative path -> 'dir' or the sha256 of a regular file; symbolic links and others are left out. */
export function describeTree(root: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(join(root, rel)).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    const st = lstatSync(join(root, r));
    if (st.isDirectory()) {
      out[r] = 'dir';
      Object.assign(out, describeTree(root, r));
    } else if (st.isFile()) {
      out[r] = createHash('sha256').update(readFileSync(join(root, r))).digest('hex');
    }
  }
  return out;
}

/**
 * A TCP proxy on 127.0.0.1 to `target` that destroys both sockets once `cutAfter` bytes have gone
 * the given way: a connection killed in the middle of a transfer.
 */
export async function cuttingProxy(target: number, way: 'toClient' | 'toServer', cutAfter: number): Promise<{ port: number; cut: Promise<void>; close(): Promise<void> }> {
  const { createServer, connect } = await import('node:net');
  let onCut!: () => void;
  const cut = new Promise<void>((r) => (onCut = r));
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((down) => {
    const up = connect({ host: '127.0.0.1', port: target });
    sockets.add(down).add(up);
    let moved = 0;
    const kill = () => {
      down.destroy();
      up.destroy();
      onCut();
    };
    const [from, to] = way === 'toClient' ? [up, down] : [down, up];
    from.on('data', (d: Buffer) => {
      moved += d.length;
      if (moved >= cutAfter) return kill();
      if (!to.write(d)) from.pause();
    });
    to.on('drain', () => from.resume());
    const [other, otherTo] = way === 'toClient' ? [down, up] : [up, down];
    other.pipe(otherTo);
    for (const s of [down, up]) s.on('error', () => kill()).on('close', () => kill());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as import('node:net').AddressInfo).port;
  return {
    port,
    cut,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
