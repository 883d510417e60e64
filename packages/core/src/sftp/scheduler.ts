// Request ordering for the SFTP server. draft-ietf-secsh-filexfer-02 lets a server answer
// requests in any order but requires the results to be as if requests to the same file were
// served one at a time in arrival order. So each admitted request runs at once unless an earlier
// admitted request (running or waiting) conflicts with it:
//   - reads and writes on the same file conflict only when their byte ranges overlap and one of
//     them writes (so a download's 64 READs, or an upload's 64 WRITEs, all run together);
//   - any other operation on a handle (CLOSE, FSTAT, FSETSTAT, READDIR, fsync, ...) conflicts
//     with everything on that file;
//   - path operations (STAT, OPEN, RENAME, ...) can't be tied to a file cheaply, so they conflict
//     with any earlier or later request when either side changes something; two read-only
//     requests never conflict.

export interface JobSpec {
  /** Files (by the path their handle was opened with) a handle operation touches. */
  files?: string[];
  /** Byte range [start, end) of a READ/WRITE. */
  range?: [number, number];
  /** Whether the request changes anything (data, metadata, names, the handle table). */
  mutates: boolean;
  /** A path operation (not tied to a handle). */
  path: boolean;
}

interface Job extends JobSpec {
  run: (token: object) => void;
  started: boolean;
}

function conflicts(a: JobSpec, b: JobSpec): boolean {
  if (a.path || b.path) return a.mutates || b.mutates;
  const fa = a.files ?? [];
  const fb = b.files ?? [];
  if (!fa.some((f) => fb.includes(f))) return false;
  if (a.range && b.range) return (a.mutates || b.mutates) && a.range[0] < b.range[1] && b.range[0] < a.range[1];
  return true;
}

export class Scheduler {
  private jobs: Job[] = [];

  /** Requests admitted and not finished (running or waiting). */
  get size(): number {
    return this.jobs.length;
  }

  /** Admits a request; `run(token)` is called (synchronously, now or later) once nothing earlier conflicts; pass the token to done(). */
  add(spec: JobSpec, run: (token: object) => void): void {
    const job: Job = { ...spec, run, started: false };
    const blocked = this.jobs.some((earlier) => conflicts(earlier, job));
    this.jobs.push(job);
    if (!blocked) {
      job.started = true;
      run(job);
    }
  }

  /** A request finished: starts every waiting request that no longer has an earlier conflict. */
  done(token: object): void {
    const i = this.jobs.indexOf(token as Job);
    if (i < 0) return;
    this.jobs.splice(i, 1);
    for (let j = i; j < this.jobs.length; j++) {
      const job = this.jobs[j];
      if (job.started) continue;
      let blocked = false;
      for (let k = 0; k < j; k++) {
        if (conflicts(this.jobs[k], job)) {
          blocked = true;
          break;
        }
      }
      if (!blocked) {
        job.started = true;
        job.run(job);
      }
    }
  }

  clear(): void {
    this.jobs = [];
  }
}
