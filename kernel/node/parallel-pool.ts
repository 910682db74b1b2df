/**
 * Helper threads for shared jobs (cells/core/parallel.ts) in Node: worker_threads that run
 * `runHelperJob` from the package entry 'voxbook/jobs' on every job posted to them. They start
 * in the background (tsx's loader is registered in each first, as for the kernel worker), are
 * `unref`'d so an idle pool never keeps a process alive, and a job posted before a helper is
 * up simply runs in the calling thread (the ticket scheme does not wait for helpers).
 *
 * Threads: `VOXBOOK_THREADS` (all threads, the caller included; 1 = no helpers), else the
 * machine's available parallelism, at most 8.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** The pool as cells/core/parallel.ts's `ParallelPool` sees it, plus `close`. */
export interface NodeHelperPool {
  readonly helpers: number;
  post(job: unknown): void;
  /** Resolves once every helper has loaded the jobs (benches wait for it; stages never need to). */
  ready(): Promise<void>;
  /** Ends the helper threads. */
  close(): Promise<void>;
}

/** Threads a shared job may use here, the caller included: `VOXBOOK_THREADS` or the cores, 1..8. */
export function nodeThreads(): number {
  const asked = Number(process.env.VOXBOOK_THREADS);
  const threads = Number.isInteger(asked) && asked >= 1 ? asked : availableParallelism();
  return Math.max(1, Math.min(8, threads));
}

/** Starts `threads − 1` helper threads (none for 1). */
export function startNodeHelpers(threads = nodeThreads()): NodeHelperPool {
  const entry = new URL('./parallel-worker.ts', import.meta.url).href;
  // Resolved here, against this package: eval'd worker code resolves bare names from the cwd.
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  const workers: Worker[] = [];
  const ready: Array<Promise<void>> = [];
  for (let i = 0; i < threads - 1; i++) {
    const worker = new Worker(bootstrap, { eval: true, name: `voxbook-helper-${i + 1}` });
    worker.unref();
    ready.push(new Promise((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    }));
    // A helper's failure reaches the waiting caller through shared memory (failJob); this only logs it.
    worker.on('error', (e) => console.error(`voxbook helper thread ${i + 1}: ${e instanceof Error ? e.message : String(e)}`));
    workers.push(worker);
  }
  return {
    helpers: workers.length,
    post: (job) => {
      for (const w of workers) w.postMessage(job);
    },
    ready: async () => {
      await Promise.all(ready);
    },
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
