/**
 * The app's side of the kernel protocol (kernel/protocol.ts): a typed wrapper around
 * whatever carries the messages — normally the module Web Worker in `kernel-worker.ts`,
 * in tests and UI development any object with the same two methods.
 */
import type { HostMessage, KernelMessage } from '../kernel/protocol.ts';

/** What carries messages to and from a kernel: a `Worker`, or a fake with the same shape. */
export interface KernelPort {
  postMessage(message: HostMessage): void;
  addEventListener(type: 'message', listener: (event: { data: KernelMessage }) => void): void;
  addEventListener(type: 'error', listener: (event: { message?: string }) => void): void;
  terminate?(): void;
}

export type KernelListener = (message: KernelMessage) => void;

export class KernelClient {
  readonly #port: KernelPort;
  readonly #listeners = new Set<KernelListener>();

  constructor(port: KernelPort) {
    this.#port = port;
    port.addEventListener('message', (event) => this.#emit(event.data));
    // A worker that fails to load (a syntax error in the kernel, a missing module) reports
    // only an ErrorEvent: surface it as a kernel error and end the run, rather than
    // leaving the notebook "running" for ever.
    port.addEventListener('error', (event) => {
      this.#emit({ type: 'log', level: 'error', text: `kernel worker failed: ${event.message ?? 'unknown error'}` });
      this.#emit({ type: 'run-done', ok: false, ms: 0 });
    });
  }

  /** Starts the kernel in a module Web Worker. */
  static inWorker(): KernelClient {
    const worker = new Worker(new URL('./kernel-worker.ts', import.meta.url), { type: 'module', name: 'voxbook-kernel' });
    return new KernelClient(worker as unknown as KernelPort);
  }

  /** Calls `listener` for every message from the kernel; returns the unsubscribe function. */
  subscribe(listener: KernelListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Loads a notebook, replacing any open one. */
  open(text: string, parameters?: Readonly<Record<string, unknown>>): void {
    this.#send(parameters ? { type: 'open', text, parameters } : { type: 'open', text });
  }

  /** Runs every cell, or the given cells and their descendants. */
  run(ids?: readonly string[]): void {
    this.#send(ids ? { type: 'run', ids } : { type: 'run' });
  }

  /** Shows the cached results of the open notebook without running anything (answered by `restore-done`). */
  restore(): void {
    this.#send({ type: 'restore' });
  }

  /** Replaces one cell's source; the kernel re-analyses and re-runs what depends on it. */
  edit(id: string, source: string): void {
    this.#send({ type: 'edit', id, source });
  }

  /** Asks the running cells to stop (their `signal` fires; no further cell runs). */
  interrupt(): void {
    this.#send({ type: 'interrupt' });
  }

  /** Stops the kernel for good (the worker is terminated; no more messages arrive). */
  dispose(): void {
    this.#port.terminate?.();
    this.#listeners.clear();
  }

  #send(message: HostMessage): void {
    this.#port.postMessage(message);
  }

  #emit(message: KernelMessage): void {
    for (const listener of this.#listeners) listener(message);
  }
}
