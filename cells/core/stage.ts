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
