/**
 * One headless run of a notebook in a fresh kernel worker, watched from outside.
 *
 * Invariant: the returned promise always settles — when the kernel says `run-done`, or when
 * the run is stopped: a cell over its time limit, an abort (Ctrl-C), or the worker ending on
 * its own. A stopped run names the cell that was running and for how long; the worker is
 * terminated in every case (a `while (true) {}` cannot be interrupted from inside).
 */
import type { CellError, CellStatus, KernelMessage, MimeBundle } from '../protocol.ts';
import { startNodeKernel, type WorkerEnd } from './host.ts';

export interface CellOutcome {
  readonly id: string;
  readonly status: CellStatus;
  readonly outputs: readonly MimeBundle[];
  readonly error?: CellError;
  readonly ms: number;
  readonly cached: boolean;
  /** With a cache: the identity of a done cell's result (equal keys, equal outputs). */
  readonly resultKey?: string;
}

/** The cell that was running when a run was stopped, and for how long it had run. */
export interface RunningCell {
  readonly id: string;
  readonly elapsedMs: number;
}

/** Why a run ended before the kernel finished it. `cell` is absent when no cell was running (loading imports, between cells). */
export type RunStop =
  | { readonly kind: 'timeout'; readonly cell: RunningCell; readonly limitMs: number }
  | { readonly kind: 'interrupted'; readonly cell?: RunningCell }
  | { readonly kind: 'worker-ended'; readonly end: WorkerEnd; readonly cell?: RunningCell };

export interface RunOutcome {
  readonly ok: boolean;
  readonly cells: ReadonlyMap<string, CellOutcome>;
  readonly logs: readonly string[];
  readonly ms: number;
  /** Parameter values the run used (defaults with overrides applied). */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** Set when the run did not reach its end (then `ok` is false). */
  readonly stopped?: RunStop;
}

export interface RunOptions {
  /** Parameter overrides (`-p`), by own name. */
  readonly parameters?: Readonly<Record<string, unknown>>;
  /** Longest a single cell may run, ms; the run is stopped when one runs longer. */
  readonly cellTimeoutMs?: number;
  /** Aborting stops the run (the CLI aborts on Ctrl-C). */
  readonly signal?: AbortSignal;
  /** Sees every status change of a cell (for progress output). */
  readonly onCell?: (c: CellOutcome) => void;
  /** Sees the stage progress a running cell reports (`progress(label)`; throttled by the kernel). */
  readonly onProgress?: (p: { readonly id: string; readonly label: string; readonly fraction: number }) => void;
  /** Folder of the persistent result cache (kernel/node/store.ts); none: nothing outlives the run. */
  readonly cacheDir?: string;
  /** Cap of that folder, bytes (default 2 GiB). */
  readonly cacheMaxBytes?: number;
}

/**
 * Runs a percent-format notebook to the end in a fresh kernel worker thread and returns
 * each cell's final state, or why the run was stopped.
 */
export async function runNotebookInWorker(text: string, options: RunOptions = {}): Promise<RunOutcome> {
  const { parameters = {}, cellTimeoutMs, signal, onCell, onProgress, cacheDir, cacheMaxBytes } = options;
  const kernel = startNodeKernel({ ...(cacheDir !== undefined ? { cacheDir } : {}), ...(cacheMaxBytes !== undefined ? { cacheMaxBytes } : {}) });
  const cells = new Map<string, CellOutcome>();
  const logs: string[] = [];
  const t0 = performance.now();
  let running: { id: string; since: number } | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const runningCell = (): RunningCell | undefined => running && { id: running.id, elapsedMs: performance.now() - running.since };
  let onAbort: (() => void) | undefined;
  try {
    return await new Promise<RunOutcome>((resolve) => {
      // Once settled, later messages (sent while the worker is being terminated) are ignored.
      let settled = false;
      const finish = (ok: boolean, ms: number, params: Readonly<Record<string, unknown>>, stopped?: RunStop) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ ok, cells, logs, ms, parameters: params, ...(stopped ? { stopped } : {}) });
      };
      const stop = (why: RunStop) => finish(false, performance.now() - t0, {}, why);
      kernel.onMessage((m: KernelMessage) => {
        if (settled) return;
        if (m.type === 'cell') {
          const outputs = m.outputs ?? cells.get(m.id)?.outputs ?? [];
          const c: CellOutcome = { id: m.id, status: m.status, outputs, ...(m.error ? { error: m.error } : {}), ms: m.ms ?? 0, cached: m.cached ?? false, ...(m.resultKey ? { resultKey: m.resultKey } : {}) };
          cells.set(m.id, c);
          if (m.status === 'running') {
            running = { id: m.id, since: performance.now() };
            clearTimeout(timer);
            if (cellTimeoutMs !== undefined) timer = setTimeout(() => stop({ kind: 'timeout', cell: runningCell()!, limitMs: cellTimeoutMs }), cellTimeoutMs);
          } else if (running?.id === m.id) {
            running = undefined;
            clearTimeout(timer);
          }
          onCell?.(c);
        } else if (m.type === 'progress') onProgress?.(m);
        else if (m.type === 'log') logs.push(`${m.level}: ${m.text}`);
        else if (m.type === 'run-done') finish(m.ok, m.ms, m.parameters ?? {});
      });
      kernel.onEnd((end) => stop({ kind: 'worker-ended', end, ...(running ? { cell: runningCell()! } : {}) }));
      if (signal?.aborted) return stop({ kind: 'interrupted' });
      onAbort = () => stop({ kind: 'interrupted', ...(running ? { cell: runningCell()! } : {}) });
      signal?.addEventListener('abort', onAbort, { once: true });
      kernel.send({ type: 'open', text, parameters });
      kernel.send({ type: 'run' });
    });
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    await kernel.terminate();
  }
}
