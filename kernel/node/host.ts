import { Worker } from 'node:worker_threads';
import type { HostMessage, KernelMessage } from '../protocol.ts';

/** A kernel in a worker thread, driven by messages (the Node twin of the app's Web Worker). */
export interface NodeKernel {
  send(message: HostMessage): void;
  onMessage(listener: (m: KernelMessage) => void): void;
  /** Interrupt: ends the worker at once, whatever it is doing. */
  terminate(): Promise<number>;
}

/**
 * Starts the kernel worker. The worker is TypeScript; tsx's loader is registered inside
 * the worker first (loader hooks are per thread, so `--import tsx` on the parent does not
 * reach it).
 */
export function startNodeKernel(): NodeKernel {
  const entry = new URL('./worker.ts', import.meta.url).href;
  // Resolved here, against this package: eval'd worker code resolves bare names from the
  // current directory, which may be anywhere (a user's scan folder).
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  const worker = new Worker(bootstrap, { eval: true });
  const listeners: Array<(m: KernelMessage) => void> = [];
  worker.on('message', (m: KernelMessage) => {
    for (const l of listeners) l(m);
  });
  worker.on('error', (e) => {
    for (const l of listeners) l({ type: 'log', level: 'error', text: `kernel worker crashed: ${e.message}` });
    for (const l of listeners) l({ type: 'run-done', ok: false, ms: 0 });
  });
  return {
    send: (m) => worker.postMessage(m),
    onMessage: (l) => listeners.push(l),
    terminate: () => worker.terminate(),
  };
}
