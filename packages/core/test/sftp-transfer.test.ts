// Whole-file and whole-tree transfers, client against server in memory: multi-MiB get/put with
// sha256 equal, replies out of order, short reads, progress, abort, resume after a cut, recursive
// get/put, Web Streams.
import { afterEach, describe, expect, it } from 'vitest';
import { SftpError } from '../src/wire/index.ts';
import {
  FXP,
  type FileSystem,
  type FsFile,
  MemoryFileSystem,
  MemorySink,
  MemoryTree,
  PARTIAL_SUFFIX,
  SftpStatus,
  type TransferProgress,
  createReadStream,
  createWriteStream,
  getFile,
  getDirectory,
  memorySource,
  putFile,
  putDirectory,
  readableSource,
  writableSink,
} from '../src/sftp/index.ts';
import { type Pair, connect, delayed, randomBytes, rng, sha256 } from './sftp-harness.ts';

const MiB = 1024 * 1024;
let pairs: Pair[] = [];
afterEach(() => {
  for (const p of pairs) p.cut();
  pairs = [];
});
function pair(fs: FileSystem, o: Parameters<typeof connect>[1] = {}): Pair {
  const p = connect(fs, { maxSplit: 40000, ...o });
  pairs.push(p);
  return p;
}

/** Counts READ/WRITE calls in flight at the backend. */
function counting(fs: FileSystem): { fs: FileSystem; max: { read: number; write: number } } {
  const max = { read: 0, write: 0 };
  let reads = 0;
  let writes = 0;
  const wrapFile = (f: FsFile): FsFile => ({
    ...f,
    read: async (o, l) => {
      reads++;
      max.read = Math.max(max.read, reads);
      try {
        await new Promise((r) => setTimeout(r, 0));
        return await f.read(o, l);
      } finally {
        reads--;
      }
    },
    write: async (o, d) => {
      writes++;
      max.write = Math.max(max.write, writes);
      try {
        await new Promise((r) => setTimeout(r, 0));
        return await f.write(o, d);
      } finally {
        writes--;
      }
    },
    stat: () => f.stat(),
    setstat: (a) => f.setstat(a),
    close: () => f.close(),
  });
  const proxy = Object.create(fs) as FileSystem;
  proxy.open = async (p, fl, a) => wrapFile(await fs.open(p, fl, a));
  return { fs: proxy, max };
}

describe('get and put of multi-MiB files', () => {
  it('get: 8 MiB with sha256 equal, 255 KiB requests from limits@openssh.com, progress to the total', async () => {
    const fs = new MemoryFileSystem();
    const data = randomBytes(8 * MiB + 12345, 1);
    fs.writeFile('/big', data);
    const c = counting(fs);
    const { client } = pair(c.fs);
    const sink = new MemorySink();
    const seen: TransferProgress[] = [];
    const r = await getFile(client, '/big', sink, { onProgress: (p) => seen.push(p) });
    expect(r).toEqual({ bytes: data.length, resumedFrom: 0, resumeRejected: false });
    expect(sha256(sink.data!)).toBe(sha256(data));
    expect(seen.at(-1)).toEqual({ transferred: data.length, total: data.length });
    for (let i = 1; i < seen.length; i++) expect(seen[i].transferred).toBeGreaterThanOrEqual(seen[i - 1].transferred);
    expect(seen.length).toBeGreaterThanOrEqual(Math.ceil(data.length / (255 * 1024)));
    expect(c.max.read).toBeGreaterThan(8); // pipelined
    expect(c.max.read).toBeLessThanOrEqual(64);
  });

  it('put: 8 MiB with sha256 equal, atomically renamed, 32 KiB requests when asked', async () => {
    const fs = new MemoryFileSystem();
    const data = randomBytes(8 * MiB + 7, 2);
    const c = counting(fs);
    const { client } = pair(c.fs);
    const seen: TransferProgress[] = [];
    const r = await putFile(client, memorySource(data), '/up', { chunkSize: 32 * 1024, concurrency: 16, onProgress: (p) => seen.push(p) });
    expect(r.bytes).toBe(data.length);
    expect(sha256(fs.readFile('/up')!)).toBe(sha256(data));
    expect(fs.exists('/up' + PARTIAL_SUFFIX)).toBe(false);
    expect(seen.at(-1)).toEqual({ transferred: data.length, total: data.length });
    expect(c.max.write).toBeGreaterThan(4);
    expect(c.max.write).toBeLessThanOrEqual(16);
  });

  it('put replaces an existing file (posix-rename) and works without atomic mode', async () => {
    const fs = new MemoryFileSystem();
    fs.writeFile('/f', 'old contents');
    const { client } = pair(fs);
    await putFile(client, memorySource(new TextEncoder().encode('new')), '/f');
    expect(new TextDecoder().decode(fs.readFile('/f')!)).toBe('new');
    await putFile(client, memorySource(new TextEncoder().encode('direct')), '/g', { atomic: false });
    expect(new TextDecoder().decode(fs.readFile('/g')!)).toBe('direct');
  });

  it('put falls back to remove + rename when posix-rename is not offered', async () => {
    const base = new MemoryFileSystem();
    base.writeFile('/f', 'old');
    const fs = Object.create(base, { posixRename: { value: undefined } }) as FileSystem;
    const { client } = pair(fs);
    await putFile(client, memorySource(new TextEncoder().encode('new')), '/f');
    expect(new TextDecoder().decode(base.readFile('/f')!)).toBe('new');
  });

  it('empty files and files of one byte', async () => {
    const fs = new MemoryFileSystem();
    fs.writeFile('/e', new Uint8Array(0));
    fs.writeFile('/o', new Uint8Array([7]));
    const { client } = pair(fs);
    const s1 = new MemorySink();
    await getFile(client, '/e', s1);
    expect(s1.data!.length).toBe(0);
    const s2 = new MemorySink();
    await getFile(client, '/o', s2);
    expect([...s2.data!]).toEqual([7]);
    await putFile(client, memorySource(new Uint8Array(0)), '/e2');
    expect(fs.readFile('/e2')!.length).toBe(0);
  });

  it('get errors: a missing file fails with NO_SUCH_FILE and the sink is never committed', async () => {
    const { client } = pair(new MemoryFileSystem());
    const sink = new MemorySink();
    const e = await getFile(client, '/missing', sink).catch((x) => x);
    expect(e).toBeInstanceOf(SftpError);
    expect(e.code).toBe(SftpStatus.NO_SUCH_FILE);
    expect(sink.data).toBeUndefined();
  });
});

describe('concurrency', () => {
  it('replies out of order (random backend delays) still give sha256-equal files both ways', async () => {
    const fs = new MemoryFileSystem();
    const data = randomBytes(3 * MiB + 333, 3);
    fs.writeFile('/src', data);
    const order: number[] = [];
    const { client } = pair(delayed(fs, 11, 3), {
      tapServer: (b) => {
        // DATA replies: collect request ids in the order they leave the server
        for (let p = 0; p + 9 <= b.length; ) {
          const len = new DataView(b.buffer, b.byteOffset + p).getUint32(0);
          if (b[p + 4] === FXP.DATA) order.push(new DataView(b.buffer, b.byteOffset + p + 5).getUint32(0));
          p += 4 + len;
        }
      },
    });
    const sink = new MemorySink();
    await getFile(client, '/src', sink, { chunkSize: 16 * 1024 });
    expect(sha256(sink.data!)).toBe(sha256(data));
    const sorted = [...order].sort((a, b) => a - b);
    expect(order).not.toEqual(sorted); // really out of order
    await putFile(client, memorySource(data), '/dst', { chunkSize: 16 * 1024 });
    expect(sha256(fs.readFile('/dst')!)).toBe(sha256(data));
  });

  it('short reads are completed with follow-up requests', async () => {
    const base = new MemoryFileSystem();
    const data = randomBytes(2 * MiB + 5, 4);
    base.writeFile('/f', data);
    const r = rng(5);
    const fs = Object.create(base) as FileSystem;
    fs.open = async (p, fl, a) => {
      const f = await base.open(p, fl, a);
      return { ...f, read: async (o, l) => f.read(o, Math.max(1, Math.floor(l * r()))), stat: () => f.stat(), close: () => f.close() } as FsFile;
    };
    const { client } = pair(fs);
    const sink = new MemorySink();
    await getFile(client, '/f', sink, { chunkSize: 64 * 1024 });
    expect(sha256(sink.data!)).toBe(sha256(data));
  });

  it('a slow sink holds the pipeline: outstanding requests never exceed the concurrency', async () => {
    const fs = new MemoryFileSystem();
    fs.writeFile('/f', randomBytes(2 * MiB, 6));
    const { client } = pair(fs);
    let maxOutstanding = 0;
    let writes = 0;
    const sink = {
      async write() {
        maxOutstanding = Math.max(maxOutstanding, client.outstanding);
        if (++writes % 8 === 0) await new Promise((r) => setTimeout(r, 1));
      },
    };
    await getFile(client, '/f', sink, { chunkSize: 8 * 1024, concurrency: 12 });
    expect(maxOutstanding).toBeGreaterThan(1);
    expect(maxOutstanding).toBeLessThanOrEqual(12);
  });
});

describe('abort', () => {
  it('get: aborting mid-way rejects with the reason, closes the remote handle, never commits', async () => {
    const fs = new MemoryFileSystem();
    fs.writeFile('/f', randomBytes(6 * MiB, 7));
    const { client, server, settle } = pair(delayed(fs, 3, 1));
    const ac = new AbortController();
    const sink = new MemorySink();
    const p = getFile(client, '/f', sink, { chunkSize: 32 * 1024, signal: ac.signal, onProgress: (x) => x.transferred > MiB && ac.abort(new Error('stop')) });
    await expect(p).rejects.toThrow('stop');
    expect(sink.data).toBeUndefined();
    expect(sink.partial!.length).toBeGreaterThan(MiB);
    await settle();
    await server.idle();
    await settle();
    expect(server.handleCount).toBe(0);
  });

  it('put: aborting leaves no destination, only the partial', async () => {
    const fs = new MemoryFileSystem();
    const { client, server, settle } = pair(fs);
    const ac = new AbortController();
    const p = putFile(client, memorySource(randomBytes(6 * MiB, 8)), '/up', { chunkSize: 32 * 1024, signal: ac.signal, onProgress: (x) => x.transferred > MiB && ac.abort() });
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(fs.exists('/up')).toBe(false);
    expect(fs.exists('/up' + PARTIAL_SUFFIX)).toBe(true);
    await settle();
    await server.idle();
    expect(server.handleCount).toBe(0);
  });

  it('an already-aborted signal fails before sending anything', async () => {
    const fs = new MemoryFileSystem();
    fs.writeFile('/f', 'x');
    const { client } = pair(fs);
    await client.ready;
    const ac = new AbortController();
    ac.abort(new Error('early'));
    await expect(getFile(client, '/f', new MemorySink(), { signal: ac.signal })).rejects.toThrow('early');
    expect(client.outstanding).toBe(0);
  });
});

describe('resume after a cut', () => {
  it('get: a cut leaves only a partial; resume checks it and completes with sha256 equal', async () => {
    const fs = new MemoryFileSystem();
    const data = randomBytes(5 * MiB + 99, 9);
    fs.writeFile('/f', data);
    const first = pair(fs, { cutAfterToClient: 2 * MiB + 777 });
    const sink = new MemorySink();
    await expect(getFile(first.client, '/f', sink, { chunkSize: 64 * 1024 })).rejects.toThrow(/connection cut/);
    expect(sink.data).toBeUndefined();
    const have = sink.partial!.length;
    expect(have).toBeGreaterThan(MiB);
    const second = pair(fs);
    const r = await getFile(second.client, '/f', sink, { resume: true });
    expect(r.resumedFrom).toBe(have);
    expect(r.resumeRejected).toBe(false);
    expect(sha256(sink.data!)).toBe(sha256(data));
  });

  it('get: a partial that differs from the remote file is started over (or refused)', async () => {
    const fs = new MemoryFileSystem();
    const data = randomBytes(MiB, 10);
    fs.writeFile('/f', data);
    const { client } = pair(fs);
    const bad = data.slice(0, 300_000);
    bad[299_000] ^= 1;
    await expect(getFile(client, '/f', new MemorySink(bad), { resume: true, onResumeMismatch: 'error' })).rejects.toThrow(/differs/);
    const sink = new MemorySink(bad);
    const r = await getFile(client, '/f', sink, { resume: true });
    expect(r).toMatchObject({ resumedFrom: 0, resumeRejected: true });
    expect(sha256(sink.data!)).toBe(sha256(data));
    // with verify: 'full' a difference early in the prefix is caught too
    const early = data.slice(0, 600_000);
    early[10] ^= 1;
    const s2 = new MemorySink(early);
    expect((await getFile(client, '/f', s2, { resume: true, verifyBytes: 1000 })).resumedFrom).toBe(600_000); // tail check misses it (documented)
    const s3 = new MemorySink(early);
    expect((await getFile(client, '/f', s3, { resume: true, verify: 'full' })).resumeRejected).toBe(true);
    expect(sha256(s3.data!)).toBe(sha256(data));
  });

  it('put: a cut leaves no destination; resume completes it with sha256 equal', async () => {
    const fs = new MemoryFileSystem();
    const data = randomBytes(5 * MiB + 1, 11);
    const first = pair(fs, { cutAfterToServer: 2 * MiB + 12345 });
    await expect(putFile(first.client, memorySource(data), '/up', { chunkSize: 64 * 1024 })).rejects.toThrow(/connection cut/);
    await first.settle();
    expect(fs.exists('/up')).toBe(false);
    const have = fs.readFile('/up' + PARTIAL_SUFFIX)!.length;
    expect(have).toBeGreaterThan(MiB);
    const second = pair(fs);
    const r = await putFile(second.client, memorySource(data), '/up', { resume: true });
    expect(r.resumedFrom).toBe(have);
    expect(sha256(fs.readFile('/up')!)).toBe(sha256(data));
    expect(fs.exists('/up' + PARTIAL_SUFFIX)).toBe(false);
  });

  it('put: regression — writes finished out of order before the cut leave holes; resume finds the first wrong byte', async () => {
    const base = new MemoryFileSystem();
    const data = randomBytes(4 * MiB, 12).map((b) => b | 1); // no zero bytes: a hole always differs
    const HELD = 20 * 32 * 1024; // this WRITE never completes before the cut; later ones do
    const fs = Object.create(base) as FileSystem;
    fs.open = async (p, fl, a) => {
      const f = await base.open(p, fl, a);
      return { ...f, write: (o, d) => (o === HELD ? new Promise<void>(() => {}) : f.write(o, d)), stat: () => f.stat(), setstat: (x) => f.setstat(x), close: () => f.close() } as FsFile;
    };
    // concurrency 8 x 32 KiB: the window stalls 256 KiB past the held write, so cut before that
    const first = pair(fs, { cutAfterToServer: HELD + 200 * 1024 });
    await expect(putFile(first.client, memorySource(data), '/up', { chunkSize: 32 * 1024, concurrency: 8 })).rejects.toThrow(/connection cut/);
    await first.settle();
    const partial = base.readFile('/up' + PARTIAL_SUFFIX)!;
    expect(partial.length).toBeGreaterThan(HELD + 32 * 1024); // data after the hole landed
    expect(partial.findIndex((b) => b === 0)).toBe(HELD);
    const second = pair(base);
    const r = await putFile(second.client, memorySource(data), '/up', { resume: true });
    expect(r.resumedFrom).toBe(HELD);
    expect(sha256(base.readFile('/up')!)).toBe(sha256(data));
  });

  it('put: a remote part from another file restarts with a source factory, and refuses with a plain source', async () => {
    const fs = new MemoryFileSystem();
    const data = randomBytes(MiB, 13);
    const other = randomBytes(500_000, 14);
    fs.writeFile('/up' + PARTIAL_SUFFIX, other);
    const { client } = pair(fs);
    // under PUT_WINDOW the whole part is compared: a first difference at 0 just means "start at 0"
    const r = await putFile(client, () => memorySource(data), '/up', { resume: true });
    expect(r.resumedFrom).toBe(0);
    expect(sha256(fs.readFile('/up')!)).toBe(sha256(data));
    fs.writeFile('/up2' + PARTIAL_SUFFIX, randomBytes(MiB + 1, 15));
    const e = await putFile(client, memorySource(data), '/up2', { resume: true, onResumeMismatch: 'error' }).catch((x) => x);
    expect(e.message).toMatch(/longer than the source/);
  });
});

describe('recursive get and put', () => {
  function tree(): MemoryFileSystem {
    const fs = new MemoryFileSystem();
    fs.writeFile('/srv/a.txt', 'A');
    fs.writeFile('/srv/sub/b.bin', randomBytes(300_000, 16));
    fs.writeFile('/srv/sub/deeper/c', randomBytes(70_000, 17));
    fs.mkdirp('/srv/empty');
    return fs;
  }

  it('getDirectory copies files and directories, skips links', async () => {
    const fs = tree();
    const { client } = pair(fs);
    await client.symlink('/etc', '/srv/link');
    const local = new MemoryTree();
    const progress: TransferProgress[] = [];
    const r = await getDirectory(client, '/srv', local, { onProgress: (p) => progress.push(p) });
    expect(r).toMatchObject({ files: 3, directories: 4, bytes: 370_001, skipped: ['link'] });
    expect([...local.directories].sort()).toEqual(['', 'empty', 'sub', 'sub/deeper']);
    expect(sha256(local.files.get('sub/b.bin')!)).toBe(sha256(fs.readFile('/srv/sub/b.bin')!));
    expect(local.files.get('a.txt')).toEqual(new TextEncoder().encode('A'));
    expect(progress.at(-1)!.transferred).toBe(370_001);
    expect(progress.map((p) => p.path)).toContain('sub/deeper/c');
  });

  it('putDirectory uploads a tree, round trip equal', async () => {
    const fs = tree();
    const { client } = pair(fs);
    const local = new MemoryTree();
    await getDirectory(client, '/srv', local);
    const r = await putDirectory(client, local, '/copy');
    expect(r).toMatchObject({ files: 3, directories: 4, bytes: 370_001 });
    for (const p of ['a.txt', 'sub/b.bin', 'sub/deeper/c']) expect(sha256(fs.readFile(`/copy/${p}`)!)).toBe(sha256(fs.readFile(`/srv/${p}`)!));
    expect(fs.exists('/copy/empty')).toBe(true);
    // again, into existing directories
    await putDirectory(client, local, '/copy');
  });

  it('regression: a hostile server listing "..", "a/b" or "/x" cannot make getDirectory write outside the target', async () => {
    const base = tree();
    const fs = Object.create(base) as FileSystem;
    fs.opendir = async (p) => {
      const d = await base.opendir(p);
      let extra = true;
      return {
        read: async () => {
          const b = await d.read();
          if (b === null || !extra) return b;
          extra = false;
          const file = { permissions: 0o100644, size: 1 };
          return [...b, { filename: '../evil', attrs: file }, { filename: '..', attrs: { permissions: 0o040755 } }, { filename: 'a/b', attrs: file }, { filename: '/abs', attrs: file }];
        },
        close: () => d.close(),
      };
    };
    const { client } = pair(fs);
    const local = new MemoryTree();
    const r = await getDirectory(client, '/srv', local);
    for (const k of [...local.files.keys(), ...local.directories]) {
      expect(k.split('/')).not.toContain('..');
      expect(k.startsWith('/')).toBe(false);
    }
    expect(r.skipped).toEqual(expect.arrayContaining(['"../evil"', '"a/b"', '"/abs"']));
  });

  it('getDirectory of a file is refused', async () => {
    const { client } = pair(tree());
    await expect(getDirectory(client, '/srv/a.txt', new MemoryTree())).rejects.toThrow(/not a directory/);
  });
});

describe('Web Streams', () => {
  it('createReadStream yields the file in order; a range too', async () => {
    const fs = new MemoryFileSystem();
    const data = randomBytes(3 * MiB + 5, 18);
    fs.writeFile('/f', data);
    const { client } = pair(delayed(fs, 2, 1));
    const parts: Uint8Array[] = [];
    for await (const c of createReadStream(client, '/f', { chunkSize: 32 * 1024 })) parts.push(c);
    expect(sha256(Buffer.concat(parts))).toBe(sha256(data));
    const range: Uint8Array[] = [];
    for await (const c of createReadStream(client, '/f', { start: 100, end: 70_000, chunkSize: 4096 })) range.push(c);
    expect(Buffer.concat(range)).toEqual(Buffer.from(data.subarray(100, 70_000)));
  });

  it('cancelling a read stream closes the remote handle', async () => {
    const fs = new MemoryFileSystem();
    fs.writeFile('/f', randomBytes(4 * MiB, 19));
    const { client, server, settle } = pair(fs);
    const reader = createReadStream(client, '/f', { chunkSize: 16 * 1024 }).getReader();
    await reader.read();
    await reader.cancel();
    for (let i = 0; i < 5; i++) await settle();
    expect(server.handleCount).toBe(0);
  });

  it('createWriteStream writes chunks of any size, pipelined', async () => {
    const fs = new MemoryFileSystem();
    const data = randomBytes(2 * MiB + 3, 20);
    const { client } = pair(fs);
    const ws = createWriteStream(client, '/w', { chunkSize: 20_000 });
    const w = ws.getWriter();
    const r = rng(21);
    for (let p = 0; p < data.length; ) {
      const n = Math.min(data.length - p, 1 + Math.floor(r() * 100_000));
      await w.write(data.slice(p, p + n));
      p += n;
    }
    await w.close();
    expect(sha256(fs.readFile('/w')!)).toBe(sha256(data));
  });

  it('get into a WritableStream and put from a ReadableStream', async () => {
    const fs = new MemoryFileSystem();
    const data = randomBytes(MiB + 17, 22);
    fs.writeFile('/f', data);
    const { client } = pair(fs);
    const got: Uint8Array[] = [];
    await getFile(client, '/f', writableSink(new WritableStream({ write: (c) => void got.push(c.slice()) })));
    expect(sha256(Buffer.concat(got))).toBe(sha256(data));
    const rs = new ReadableStream<Uint8Array>({
      start(c) {
        for (let p = 0; p < data.length; p += 100_000) c.enqueue(data.slice(p, p + 100_000));
        c.close();
      },
    });
    await putFile(client, readableSource(rs, data.length), '/g');
    expect(sha256(fs.readFile('/g')!)).toBe(sha256(data));
  });
});

describe('readFile / writeFile', () => {
  it('round-trip a file through memory', async () => {
    const fs = new MemoryFileSystem();
    const { client } = pair(fs);
    await client.writeFile('/t.txt', 'héllo');
    expect(new TextDecoder().decode(await client.readFile('/t.txt'))).toBe('héllo');
    const data = randomBytes(700_000, 30);
    await client.writeFile('/b', data);
    expect(sha256(await client.readFile('/b', { chunkSize: 10_000 }))).toBe(sha256(data));
  });
});
