import { Kernel, type KernelHost } from './runtime.ts';
import type { HostMessage, KernelMessage } from './protocol.ts';

/** The part of a Web Worker's `self` or a worker_threads `parentPort` the kernel needs. */
export interface KernelPort {
  postMessage(message: KernelMessage): void;
  addEventListener(type: 'message', listener: (event: { data: HostMessage }) => void): void;
}

/**
 * Serves a kernel over a message port: the same code in a browser Web Worker and a Node
 * worker thread. Requests are handled in order; a failure to handle one is reported as a
 * `log` message and a failed `run-done`, never an unhandled rejection that kills the worker.
 */
export function serveKernel(port: KernelPort, host: KernelHost): Kernel {
  const kernel = new Kernel(host, (m) => port.postMessage(m));
  port.addEventListener('message', (event) => {
    const msg = event.data;
    const task = msg.type === 'open' ? kernel.open(msg.text, msg.parameters)
      : msg.type === 'edit' ? kernel.edit(msg.id, msg.source)
      : msg.type === 'run' ? kernel.run(msg.ids)
      : Promise.reject(new Error(`unknown message type ${(msg as { type: string }).type}`));
    task.catch((e: unknown) => {
      port.postMessage({ type: 'log', level: 'error', text: (e as Error).message ?? String(e) });
      port.postMessage({ type: 'run-done', ok: false, ms: 0 });
    });
  });
  return kernel;
}
