/**
 * Progress of a running cell's stages, as the `progress(label)` builtin reports it: a cell
 * passes `onProgress: progress('islands')` to a long stage, which calls it with the fraction
 * done (0..1, DESIGN.md §6). Invariants:
 * - updates reach the host throttled, per cell: the first update of a stage (a new label) and
 *   its completion (fraction 1) go at once, others at most once per `PROGRESS_INTERVAL_MS`,
 *   so a stage reporting per slice or per batch costs the host a few messages a second;
 * - time is read from a clock, never from timers: stages are synchronous loops, during which
 *   no timer fires (a worker's postMessage still leaves at once);
 * - a fraction is clamped to 0..1; NaN, a repeat of the last value sent, and anything after
 *   the cell ended (`close`) are dropped.
 */

/** The shortest time between two progress messages of one running cell, ms (completions aside). */
export const PROGRESS_INTERVAL_MS = 100;

/** One stage's progress: `fraction` 0..1 of the stage named `label`. */
export interface StageProgress {
  readonly label: string;
  readonly fraction: number;
}

export interface ProgressReporter {
  /** The `onProgress` callback of the stage `label` (the `progress(label)` builtin). */
  stage(label: string): (fraction: number) => void;
  /** The cell ended: later calls of its callbacks are dropped. */
  close(): void;
}

/**
 * A throttled reporter for one cell run (see the module comment); `send` gets the updates
 * that pass, `now` is the clock in ms (default `performance.now`).
 * @throws TypeError from `stage` when `label` is not a non-empty string.
 */
export function progressReporter(
  send: (update: StageProgress) => void,
  options: { readonly intervalMs?: number; readonly now?: () => number } = {},
): ProgressReporter {
  const intervalMs = options.intervalMs ?? PROGRESS_INTERVAL_MS;
  const now = options.now ?? (() => performance.now());
  let closed = false;
  let last: { label: string; fraction: number; at: number } | undefined;
  return {
    stage(label) {
      if (typeof label !== 'string' || label.trim() === '') {
        throw new TypeError(`progress(label): label must be a non-empty string naming the stage, got ${JSON.stringify(label)}`);
      }
      return (fraction) => {
        if (closed || typeof fraction !== 'number' || Number.isNaN(fraction)) return;
        const f = Math.min(1, Math.max(0, fraction));
        const t = now();
        const newStage = last?.label !== label;
        if (!newStage && f === last!.fraction) return;
        if (!newStage && f < 1 && t - last!.at < intervalMs) return;
        last = { label, fraction: f, at: t };
        send({ label, fraction: f });
      };
    },
    close() {
      closed = true;
    },
  };
}
