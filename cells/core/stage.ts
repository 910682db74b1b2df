import { AbortError } from './errors.ts';

/** The option shape every long stage shares (DESIGN.md §6). */
export interface StageOptions {
  /** Aborts the stage with an `AbortError` at the next check. */
  readonly signal?: AbortSignal;
  /** Called with the fraction done, 0..1. */
  readonly onProgress?: (fraction: number) => void;
}

/** Throws `AbortError` if the signal has fired. Call it between slices, not per voxel. */
export function checkAbort(stage: string, signal?: AbortSignal): void {
  if (signal?.aborted) throw new AbortError(stage);
}

/**
 * The `onProgress` of a step that covers [from, to] of its stage's 0..1: the step reports its
 * own 0..1 and the stage sees from + (to − from)·f, so consecutive steps stay monotone.
 * `undefined` when the stage has no `onProgress` (the step then skips its reporting).
 */
export function progressSpan(onProgress: ((fraction: number) => void) | undefined, from: number, to: number): ((fraction: number) => void) | undefined {
  return onProgress && ((f: number) => onProgress(from + (to - from) * f));
}

/**
 * The options of a step covering [from, to] of a stage: the same `signal`, and `onProgress`
 * through `progressSpan`. Keys are left out when the stage has none (exactOptionalPropertyTypes).
 */
export function stageSpan(options: StageOptions, from: number, to: number): StageOptions {
  const onProgress = progressSpan(options.onProgress, from, to);
  return { ...(options.signal ? { signal: options.signal } : {}), ...(onProgress ? { onProgress } : {}) };
}
