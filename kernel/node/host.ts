import { Worker } from 'node:worker_threads';
import type { HostMessage, KernelMessage } from '../protocol.ts';

/** How a kernel worker ended without being asked to: it exited, or failed to start or crashed. */
export type WorkerEnd =
  | { readonly kind: 'exit'; readonly code: number }
  | { readonly kind: 'error'; readonly message: string };

/** A kernel in a worker thread, driven by messages (the Node twin of the app's Web Worker). */
export interface NodeKernel {
  send(message: HostMessage): void;
  onMessage(listener: (m: KernelMessage) => void): void;
  /**
   * Called once if the worker ends on its own (an 'error' event, or an 'exit' not caused by
   * `terminate`). A worker that ends this way sends no `run-done`: whoever waits for one
   * must listen here too.
   */
  onEnd(listener: (end: WorkerEnd) => void): void;
  /** Interrupt: ends the worker at once, whatever it is doing (a `while (true) {}` included). */
  terminate(): Promise<number>;
}

/** What a kernel worker is started with. */
export interface NodeKernelOptions {
  /** Folder of the persistent result store (kernel/node/store.ts); none: results live in memory only. */
  readonly cacheDir?: string;
  /** Cap of that folder, bytes. */
  readonly cacheMaxBytes?: number;
}

/** The `workerData` of a kernel worker. */
export interface KernelWorkerData {
  readonly cacheDir?: string;
  readonly cacheMaxBytes?: number;
}

/**
 * Starts the kernel worker. The worker is TypeScript; tsx's loader is registered inside
 * the worker first (loader hooks are per thread, so `--import tsx` on the parent does not
 * reach it).
 */
export function startNodeKernel(options: NodeKernelOptions = {}): NodeKernel {
  const entry = new URL('./worker.ts', import.meta.url).href;
  // Resolved here, against this package: eval'd worker code resolves bare names from the
  // current directory, which may be anywhere (a user's scan folder).
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  const workerData: KernelWorkerData = { ...options };
  const worker = new Worker(bootstrap, { eval: true, workerData });
  const listeners: Array<(m: KernelMessage) => void> = [];
  const endListeners: Array<(end: WorkerEnd) => void> = [];
  let ended = false;
  let terminating = false;
  const end = (e: WorkerEnd) => {
    if (ended || terminating) return;
    ended = true;
    for (const l of endListeners) l(e);
  };
  worker.on('message', (m: KernelMessage) => {
    for (const l of listeners) l(m);
  });
  worker.on('error', (e) => end({ kind: 'error', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }));
  worker.on('exit', (code) => end({ kind: 'exit', code }));
  return {
    send: (m) => worker.postMessage(m),
    onMessage: (l) => listeners.push(l),
    onEnd: (l) => endListeners.push(l),
    terminate: () => {
      terminating = true;
      return worker.terminate();
    },
  };
}
