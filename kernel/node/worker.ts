/**
 * Entry of the Node kernel worker (worker_threads): serves the kernel on `parentPort`.
 * Notebook imports resolve with Node's own `import()`, so `import … from 'voxbook'`
 * finds this package through its `exports` (self-reference).
 *
 * The Node-specific guards live here, so the kernel itself stays platform-neutral:
 * - `process.exit()` would end this thread silently (the CLI would never hear of it), so
 *   in here it throws a `ProcessExitError` instead, which fails the cell that called it;
 * - unhandled rejections and exceptions thrown in callbacks would end the thread too; they
 *   go to `Kernel.reportUncaught`, which names the cell they came from.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serveKernel } from '../worker-runtime.ts';
import type { HostMessage } from '../protocol.ts';
import type { KernelWorkerData } from './host.ts';
import { NodeResultStore } from './store.ts';
import { runtimeVersions } from './versions.ts';
import { startNodeHelpers } from './parallel-pool.ts';

/** A cell called `process.exit()`: the kernel outlives its cells, so this fails the cell instead. */
export class ProcessExitError extends Error {
  constructor(code: unknown) {
    super(`cells may not call process.exit()${code === undefined ? '' : ` (it was called with ${String(code)})`}; throw an Error to fail the cell`);
    this.name = 'ProcessExitError';
  }
}

if (!parentPort) throw new Error('kernel/node/worker.ts must run in a worker thread');
const port = parentPort;
process.exit = ((code?: unknown) => {
  throw new ProcessExitError(code);
}) as typeof process.exit;
const data = (workerData ?? {}) as KernelWorkerData;
// `VOXBOOK_DEBUG=cache` (or `=1`) prints why results were not persisted or not reused.
const debugFlag = process.env.VOXBOOK_DEBUG ?? '';
const debug = debugFlag === '1' || debugFlag.split(',').includes('cache') ? (text: string) => console.error(`debug: ${text}`) : undefined;
const store = data.cacheDir
  ? new NodeResultStore(data.cacheDir, { ...(data.cacheMaxBytes !== undefined ? { maxBytes: data.cacheMaxBytes } : {}), ...(debug ? { debug } : {}) })
  : undefined;
// Helper threads for the stages that share work (smoothing, decimation), started now so they are
// up by the time a notebook reaches them; the domain side comes through the package entry.
const helpers = startNodeHelpers();
if (helpers.helpers > 0) {
  const { setParallelPool } = await import('voxbook/parallel');
  setParallelPool(helpers);
}
serveKernel(
  {
    postMessage: (m) => port.postMessage(m),
    addEventListener: (_type, listener) => port.on('message', (data: HostMessage) => listener({ data })),
  },
  { importModule: (specifier) => import(specifier), versions: runtimeVersions(), ...(store ? { store } : {}), ...(debug ? { debug } : {}) },
  (report) => {
    process.on('unhandledRejection', (reason) => report(reason, 'rejection'));
    process.on('uncaughtException', (error) => report(error, 'exception'));
  },
);
