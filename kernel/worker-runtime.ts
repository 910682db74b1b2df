import type { UncaughtKind } from './errors.ts';
import { Kernel, type KernelHost } from './runtime.ts';
import type { HostMessage, KernelMessage } from './protocol.ts';

/** The part of a Web Worker's `self` or a worker_threads `parentPort` the kernel needs. */
export interface KernelPort {
  postMessage(message: KernelMessage): void;
  addEventListener(type: 'message', listener: (event: { data: HostMessage }) => void): void;
}

/**
 * Where a platform reports errors nobody caught (unhandled rejections, exceptions thrown in
 * callbacks): called once with the kernel's `report`, it subscribes to the platform's hooks.
 * Node's is in kernel/node/worker.ts; a Web Worker's is `webUncaughtSource(self)`.
 */
export type UncaughtSource = (report: (error: unknown, kind: UncaughtKind) => void) => void;

/** The events of a Web Worker's global scope that carry uncaught errors (standard in browsers). */
interface ErrorEventTarget {
  addEventListener(type: 'unhandledrejection', listener: (event: { reason: unknown; preventDefault(): void }) => void): void;
  addEventListener(type: 'error', listener: (event: { error?: unknown; message?: string; preventDefault(): void }) => void): void;
}

/**
 * The `UncaughtSource` of a Web Worker: `unhandledrejection` and `error` events on its global
 * scope, marked handled so the worker's host does not also see them as a worker failure.
 */
export function webUncaughtSource(scope: ErrorEventTarget): UncaughtSource {
  return (report) => {
    scope.addEventListener('unhandledrejection', (event) => {
      event.preventDefault();
      report(event.reason, 'rejection');
    });
    scope.addEventListener('error', (event) => {
      event.preventDefault();
      report(event.error ?? new Error(event.message ?? 'unknown error'), 'exception');
    });
  };
}

/**
 * Serves a kernel over a message port: the same code in a browser Web Worker and a Node
 * worker thread. Requests are handled in order; a failure to handle one is reported as a
 * `log` message and a failed `run-done`, never an unhandled rejection that kills the worker.
 * With `uncaught`, errors that escape cells are attributed to a cell (`Kernel.reportUncaught`)
 * instead of ending the worker.
 */
export function serveKernel(port: KernelPort, host: KernelHost, uncaught?: UncaughtSource): Kernel {
  const kernel = new Kernel(host, (m) => port.postMessage(m));
  uncaught?.((error, kind) => kernel.reportUncaught(error, kind));
  port.addEventListener('message', (event) => {
    const msg = event.data;
    if (msg.type === 'interrupt') {
      kernel.interrupt();
      return;
    }
    const task = msg.type === 'open' ? kernel.open(msg.text, msg.parameters)
      : msg.type === 'edit' ? kernel.edit(msg.id, msg.source)
      : msg.type === 'run' ? kernel.run(msg.ids)
      : msg.type === 'restore' ? kernel.restore()
      : Promise.reject(new Error(`unknown message type ${(msg as { type: string }).type}`));
    task.catch((e: unknown) => {
      port.postMessage({ type: 'log', level: 'error', text: e instanceof Error ? e.message : String(e) });
      port.postMessage({ type: 'run-done', ok: false, ms: 0 });
    });
  });
  return kernel;
}
