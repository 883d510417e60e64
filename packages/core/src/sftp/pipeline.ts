// The two pipelined loops under every SFTP transfer: a reader that keeps many READ requests in
// flight and hands the data on strictly in file order (a reorder buffer bounded by concurrency x
// request size), and a writer that keeps many WRITE requests in flight within a bounded window.
// get/put (transfer.ts) and the Web Streams helpers (streams.ts) are built on them.
import { SftpError } from '../wire/index.ts';
import { SFTP_LIMITS, SftpStatus } from './constants.ts';
import type { SftpClient, SftpHandle } from './client.ts';

/** The reason an AbortSignal carries, as an Error. */
export function abortReason(signal: AbortSignal): Error {
  const r = signal.reason;
  if (r instanceof Error) return r;
  const e = new Error(r === undefined ? 'The operation was aborted' : String(r));
  e.name = 'AbortError';
  return e;
}

/** Request size for a transfer: the caller's, else limits@openssh.com's (at most 255 KiB), else 32 KiB; always within both sides' packet limits. */
export async function chooseChunkSize(client: SftpClient, direction: 'read' | 'write', requested?: number): Promise<number> {
  if (requested !== undefined && (!Number.isInteger(requested) || requested < 1 || requested > 0xffffffff)) throw new RangeError(`SFTP transfer: chunkSize must be a positive integer, got ${requested}`);
  const limits = await client.cachedLimits().catch(() => undefined);
  const serverMax = limits ? (direction === 'read' ? limits.maxReadLength : limits.maxWriteLength) : 0;
  let chunk = requested ?? (serverMax > 0 ? Math.min(serverMax, SFTP_LIMITS.MAX_DATA) : SFTP_LIMITS.DEFAULT_DATA);
  if (serverMax > 0) chunk = Math.min(chunk, serverMax);
  // A WRITE carries ~300 bytes of header at most (a 256-byte handle); a DATA reply 13.
  if (direction === 'write' && limits && limits.maxPacketLength > 0) chunk = Math.min(chunk, limits.maxPacketLength - 512);
  if (direction === 'read') chunk = Math.min(chunk, client.maxPacketLength - 64);
  if (chunk < 1) throw new SftpError('SFTP transfer: the server announced limits too small for any data', SftpStatus.FAILURE);
  return chunk;
}

export interface ReadPipelineOptions {
  start: number;
  /** Stop before this offset (exclusive); undefined reads to end of file. */
  end?: number;
  /** The file's size if known: reads are issued up to it, then one at a time past it until EOF. */
  sizeHint?: number;
  chunkSize: number;
  concurrency: number;
  signal?: AbortSignal;
  /** Hand each piece back to the client (SftpClient.recycle) once deliver() has settled: deliver keeps nothing. */
  recycle?: boolean;
}

/**
 * New READs are sent in groups of up to this many (a quarter of the concurrency when that is
 * less): the pipeline is topped up once that many slots are free, so the requests leave in one
 * socket write instead of one write (and one wakeup of the server) per reply consumed.
 */
export const READ_REFILL = 16;

/**
 * Reads [start, end or EOF) of an open file with up to `concurrency` READs in flight and calls
 * `deliver` for each piece strictly in offset order, awaiting it before the next (so a slow sink
 * holds the pipeline: at most `concurrency` pieces are ever held). Short reads are re-requested
 * for the rest. Resolves with the offset reached.
 */
export async function readPipelined(client: SftpClient, handle: SftpHandle, o: ReadPipelineOptions, deliver: (data: Uint8Array, offset: number) => void | Promise<void>): Promise<number> {
  checkPipelineOptions(o.chunkSize, o.concurrency);
  const refill = Math.max(1, Math.min(READ_REFILL, Math.floor(o.concurrency / 4)));
  const hardEnd = o.end ?? Infinity;
  let sizeHint = o.sizeHint;
  let next = o.start;
  let at = o.start;
  let eof = Infinity;
  let inflight = 0;
  let probing = false;
  let failure: unknown;
  const buffered = new Map<number, Uint8Array>();
  const gaps: [number, number][] = [];
  let wake: () => void = () => {};
  let waiting: Promise<void> | undefined;
  const onAbort = () => wake();
  o.signal?.addEventListener('abort', onAbort);

  const issue = (off: number, len: number, probe: boolean): void => {
    inflight++;
    client.read(handle, off, len).then(
      (data) => {
        inflight--;
        if (probe) probing = false;
        if (data === null || data.length === 0) eof = Math.min(eof, off);
        else {
          if (probe) sizeHint = undefined; // the file grew: stop guessing its size
          if (data.length < len) gaps.push([off + data.length, len - data.length]);
          buffered.set(off, data);
        }
        wake();
      },
      (e) => {
        inflight--;
        failure ??= e;
        wake();
      },
    );
  };

  try {
    for (;;) {
      if (failure !== undefined) {
        // hand on what arrived in order before the failure: a resume then starts further on
        for (let piece = buffered.get(at); piece !== undefined && !o.signal?.aborted; piece = buffered.get(at)) {
          buffered.delete(at);
          await deliver(piece, at);
          at += piece.length;
        }
        throw failure;
      }
      if (o.signal?.aborted) throw abortReason(o.signal);
      // Gaps (the rest of a short read) go first and ignore the buffered count: the piece the
      // sink waits for may be one of them.
      while (gaps.length > 0 && inflight < o.concurrency) {
        const [off, len] = gaps.shift()!;
        if (off < eof && off < hardEnd) issue(off, Math.min(len, hardEnd - off), false);
      }
      // top up only once `refill` slots are free (or nothing is in flight): see READ_REFILL
      const topUp = inflight === 0 || inflight + buffered.size + refill <= o.concurrency;
      while (topUp && inflight + buffered.size < o.concurrency) {
        if (next >= hardEnd || next >= eof) break;
        const beyond = sizeHint !== undefined && next >= sizeHint;
        if (beyond && probing) break;
        const len = Math.min(o.chunkSize, hardEnd - next);
        if (beyond) probing = true;
        issue(next, len, beyond);
        next += len;
      }
      const piece = buffered.get(at);
      if (piece !== undefined) {
        buffered.delete(at);
        const keep = Math.min(piece.length, Math.max(0, Math.min(eof, hardEnd) - at));
        const data = keep < piece.length ? piece.subarray(0, keep) : piece;
        if (data.length > 0) await deliver(data, at);
        if (o.recycle) client.recycle(piece);
        at += piece.length;
        continue;
      }
      if (inflight === 0 && gaps.length === 0) {
        if (at >= eof || at >= hardEnd) return Math.min(at, eof, hardEnd);
        if (next >= hardEnd || next >= eof) return at;
        if (buffered.size + inflight >= o.concurrency) throw new Error('SFTP read pipeline: internal error, no request covers the next offset');
        continue;
      }
      waiting = new Promise<void>((r) => (wake = r));
      await waiting;
    }
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Writes pieces at increasing offsets with up to `concurrency` WRITEs in flight. The distance
 * between the lowest unacknowledged byte and the next byte sent never exceeds `window`, so after a
 * cut every byte below (file size - window) is known to be written: resume relies on this.
 */
export class WritePipeline {
  private inflight = 0;
  private failure: unknown;
  private wake: () => void = () => {};
  /** Offsets of WRITEs in flight, to know the lowest unacknowledged byte. */
  private readonly pendingOffsets = new Set<number>();
  private nextOffset: number;
  private acked = 0;

  constructor(
    private readonly client: SftpClient,
    private readonly handle: SftpHandle,
    start: number,
    private readonly concurrency: number,
    private readonly window: number,
    private readonly signal?: AbortSignal,
    /** Send each piece without copying it (it must not change until acknowledged). */
    private readonly handOver = false,
  ) {
    checkPipelineOptions(1, concurrency);
    this.nextOffset = start;
    signal?.addEventListener('abort', () => this.wake(), { once: true });
  }

  /** Bytes acknowledged by the server so far. */
  get acknowledged(): number {
    return this.acked;
  }

  private lowestPending(): number {
    let low = Infinity;
    for (const o of this.pendingOffsets) if (o < low) low = o;
    return low;
  }

  private check(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.signal?.aborted) throw abortReason(this.signal);
  }

  /**
   * Sends one piece at the next offset once there is room; resolves when it has been queued (not
   * acknowledged). onAck gets the byte count, and `done` is called, once the server acknowledged it.
   */
  async write(data: Uint8Array, onAck?: (bytes: number) => void, done?: () => void): Promise<void> {
    this.check();
    while (this.inflight >= this.concurrency || (this.inflight > 0 && this.nextOffset + data.length - this.lowestPending() > this.window)) {
      await new Promise<void>((r) => (this.wake = r));
      this.check();
    }
    const off = this.nextOffset;
    this.nextOffset += data.length;
    this.inflight++;
    this.pendingOffsets.add(off);
    this.client.write(this.handle, off, data, this.handOver).then(
      () => {
        this.inflight--;
        this.pendingOffsets.delete(off);
        this.acked += data.length;
        onAck?.(data.length);
        done?.();
        this.wake();
      },
      (e) => {
        this.inflight--;
        this.pendingOffsets.delete(off);
        this.failure ??= e;
        this.wake();
      },
    );
  }

  /** Waits for every WRITE to be acknowledged; throws the first failure. */
  async flush(): Promise<void> {
    while (this.inflight > 0) {
      await new Promise<void>((r) => (this.wake = r));
      if (this.failure !== undefined) break;
      if (this.signal?.aborted) throw abortReason(this.signal);
    }
    // let any other in-flight writes settle before reporting, so no rejection goes unobserved
    if (this.failure !== undefined) throw this.failure;
  }

  /** The offset the next piece goes to. */
  get offset(): number {
    return this.nextOffset;
  }
}

function checkPipelineOptions(chunkSize: number, concurrency: number): void {
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`SFTP transfer: chunk size must be a positive integer, got ${chunkSize}`);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1024) throw new RangeError(`SFTP transfer: concurrency must be an integer in [1, 1024], got ${concurrency}`);
}
