/**
 * Shared-memory work sharing for the stages whose speed is Voxbook's point (smoothing,
 * decimation): a job's steps are cut into chunks that any thread may claim, so the result never
 * depends on how many threads ran it, or whether a helper thread had started yet.
 *
 * Invariants:
 * 1. The calling thread always runs the job to the end itself. Helper threads (a pool set by the
 *    host: worker_threads in Node, Web Workers in a cross-origin-isolated page) only take chunks
 *    it has not claimed yet; with no pool, no SharedArrayBuffer, or a helper still starting up,
 *    the caller claims every chunk and the job runs serially. No deadlock: a claimed chunk is
 *    always being run by a live thread.
 * 2. Tickets are handed out in order by one atomic counter: ticket t is chunk t mod C of step
 *    ⌊t / C⌋. Before running a chunk of step s, a thread waits until all C chunks of step s − 1 are
 *    done (Atomics.wait on that step's done counter), so a step sees every write of the one before.
 *    With `callerFirst`, the counter starts at 1 and ticket 0 (chunk 0 of step 0) is the caller's:
 *    it runs that chunk before it claims any other, so the chunk may read the caller's own,
 *    unshared memory (helpers never run it).
 * 3. Chunks of a step write disjoint parts of the shared arrays and read only what earlier steps
 *    wrote; each chunk does the same arithmetic in the same order whoever runs it, so the output
 *    is bit-identical to a serial run (tested).
 * 4. A helper that arrives after the job ended draws a ticket past the end and touches nothing;
 *    the control block is the job's own, so no later job is confused by it.
 *
 * Atomics.wait blocks: the caller must be a worker or Node's main thread (Voxbook's kernel runs
 * cells in a worker in the browser and in Node). Sources: the ECMAScript Atomics API
 * (ECMA-262 §25.4); the ticket scheme is a plain shared-counter work queue.
 */

/** A job's body: runs chunk `chunk` of step `step`, over the job's shared arrays. */
export type ChunkBody = (step: number, chunk: number) => void;

/**
 * A job as helpers receive it: the registered name of its body factory and a payload of
 * structured-clonable values (typed arrays over SharedArrayBuffers are shared, not copied).
 */
export interface SharedJob<P = unknown> {
  readonly name: string;
  readonly payload: P;
  /** Control block: see `CONTROL_*`. */
  readonly control: Int32Array;
  readonly steps: number;
  readonly chunks: number;
}

/** Helper threads, as the host provides them. */
export interface ParallelPool {
  /** Threads besides the caller that may take chunks (0: none). */
  readonly helpers: number;
  /** Hands `job` to every helper (fire-and-forget; a helper runs `runTickets` with the registered body). */
  post(job: SharedJob): void;
}

const TICKET = 0; // next ticket
const ABORTED = 1; // CALLER_GAVE_UP or HELPER_FAILED; 0 while the job runs
const RUN_BY_HELPERS = 2; // chunks run by helper threads (for tests and benches)
const DONE = 3; // DONE + s: chunks of step s done
const CALLER_GAVE_UP = 1;
const HELPER_FAILED = 2;

/**
 * Ends `control`'s job as failed: a host calls it when a helper that may hold a claimed chunk
 * throws or dies, so the caller stops waiting for that chunk and throws `ParallelJobError`.
 */
export function failJob(control: Int32Array): void {
  Atomics.store(control, ABORTED, HELPER_FAILED);
  for (let i = DONE; i < control.length; i++) Atomics.notify(control, i);
}

/** A helper thread failed while it held a chunk of a shared job (a bug, or the thread died). */
export class ParallelJobError extends Error {
  constructor(job: string) {
    super(`${job}: a helper thread failed during the shared job; nothing was returned (run again, or without helpers)`);
    this.name = 'ParallelJobError';
  }
}

let pool: ParallelPool | undefined;

/** Sets (or, with undefined, clears) the helper pool the stages use. Hosts call this once. */
export function setParallelPool(p: ParallelPool | undefined): void {
  pool = p;
}

/** True when jobs may be shared with helper threads: a pool is set and shared memory exists here. */
export function parallelAvailable(): boolean {
  return pool !== undefined && pool.helpers > 0 && typeof SharedArrayBuffer === 'function';
}

/**
 * Whether a job of about `work` element-operations is worth sharing: helpers are there and the
 * work is large enough to pay for posting it (~0.1 ms) and the copies into shared memory.
 */
export function shouldShare(work: number): boolean {
  return work >= 2_000_000 && parallelAvailable();
}

/** What `runShared` reports. */
export interface SharedRun {
  /** Chunks run by helper threads (0 when the caller ran them all). */
  readonly chunksByHelpers: number;
}

/** How `runShared` runs a job. */
export interface SharedJobSpec<P> {
  /** The arrays in `payload` are over SharedArrayBuffers (see cells/core/scratch.ts): post the job to the helpers. */
  readonly share: boolean;
  /** Registered name of the job's body factory (cells/jobs.ts). */
  readonly name: string;
  readonly payload: P;
  readonly steps: number;
  readonly chunks: number;
  /**
   * Chunk 0 of step 0 runs in this thread, first, whoever is there (invariant 2): for a job whose
   * first chunk reads this thread's unshared data, so only the other chunks' inputs need copying
   * to shared memory. Absent: any thread may run it.
   */
  readonly callerFirst?: boolean;
}

/**
 * Runs `steps` × `chunks` chunks of `body` (invariants above). With `share`, posts the job to
 * the pool's helpers, which rebuild the same body from `payload` through the job registry
 * (cells/jobs.ts); this thread claims tickets until none is left either way. `afterStep(s)` runs in this thread once step s is
 * complete (progress, abort checks); should it throw, the helpers stop at their next ticket and
 * the error is re-thrown here.
 */
export function runShared<P>(spec: SharedJobSpec<P>, body: ChunkBody, afterStep?: (step: number) => void): SharedRun {
  const { name, payload, steps, chunks } = spec;
  const shared = spec.share && parallelAvailable();
  const control = new Int32Array(shared ? new SharedArrayBuffer(4 * (DONE + steps)) : new ArrayBuffer(4 * (DONE + steps)));
  // Ticket 0 taken before any helper can draw one.
  if (spec.callerFirst) control[TICKET] = 1;
  if (shared) pool!.post({ name, payload, control, steps, chunks });
  let reported = 0;
  const timing: ChunkTiming = { longestMs: 0 };
  // This thread reports every step that is complete, in order, as it goes.
  const report = (s: number): void => {
    for (; reported <= s && Atomics.load(control, DONE + reported) === chunks; reported++) afterStep?.(reported);
  };
  try {
    if (spec.callerFirst) {
      runChunk(control, 0, 0, body, false, timing);
      report(0);
    }
    runTickets(control, steps, chunks, body, report, false, timing);
    for (; reported < steps; reported++) {
      waitStep(control, reported, chunks, timing);
      if (Atomics.load(control, ABORTED) === HELPER_FAILED) break;
      afterStep?.(reported);
    }
  } catch (e) {
    Atomics.store(control, ABORTED, CALLER_GAVE_UP);
    throw e;
  }
  if (Atomics.load(control, ABORTED) === HELPER_FAILED) throw new ParallelJobError(name);
  return { chunksByHelpers: Atomics.load(control, RUN_BY_HELPERS) };
}

/**
 * The ticket loop every participating thread runs (the caller through `runShared`, a helper
 * through the job registry). Returns when no ticket is left or the job was aborted.
 */
export function runTickets(control: Int32Array, steps: number, chunks: number, body: ChunkBody, afterChunk?: (step: number) => void, helper = false, timing: ChunkTiming = { longestMs: 0 }): void {
  const total = steps * chunks;
  for (;;) {
    if (Atomics.load(control, ABORTED) !== 0) return;
    const ticket = Atomics.add(control, TICKET, 1);
    if (ticket >= total) return;
    const step = Math.floor(ticket / chunks), chunk = ticket - step * chunks;
    if (step > 0) waitStep(control, step - 1, chunks, timing);
    if (Atomics.load(control, ABORTED) !== 0) return;
    runChunk(control, step, chunk, body, helper, timing);
    afterChunk?.(step);
  }
}

/** Runs one claimed chunk and counts it done (waking threads that wait for its step). */
function runChunk(control: Int32Array, step: number, chunk: number, body: ChunkBody, helper: boolean, timing: ChunkTiming): void {
  const t0 = performance.now();
  body(step, chunk);
  timing.longestMs = Math.max(timing.longestMs, performance.now() - t0);
  if (helper) Atomics.add(control, RUN_BY_HELPERS, 1);
  Atomics.add(control, DONE + step, 1);
  Atomics.notify(control, DONE + step);
}

/** The longest chunk this thread has run in the job, ms (the yardstick of `waitStep`'s stall test). */
interface ChunkTiming {
  longestMs: number;
}

/**
 * A step whose done count has not moved for 30 s plus 8 times the longest chunk this thread
 * ran (chunks of a job are of a size) has lost its helper — the thread died holding a chunk,
 * e.g. out of memory — and the job fails instead of waiting for ever. A slow but live helper
 * on a huge mesh stays within that.
 */
const STALL_MIN_MS = 30_000;

function waitStep(control: Int32Array, step: number, chunks: number, timing: ChunkTiming): void {
  let last = -1, since = 0;
  for (;;) {
    const done = Atomics.load(control, DONE + step);
    if (done >= chunks || Atomics.load(control, ABORTED) !== 0) return;
    const now = Date.now();
    if (done !== last) {
      last = done;
      since = now;
    } else if (now - since > STALL_MIN_MS + 8 * timing.longestMs) {
      failJob(control);
      return;
    }
    // Only reached with shared memory: in a serial run every earlier chunk is already done.
    Atomics.wait(control, DONE + step, done, 100);
  }
}

/** Contiguous ranges: chunk `c` of `chunks` over 0..n, as [from, to). */
export function chunkRange(n: number, chunks: number, c: number): [number, number] {
  return [Math.floor((n * c) / chunks), Math.floor((n * (c + 1)) / chunks)];
}
