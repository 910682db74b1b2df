/**
 * Builtins the kernel gives every cell, declared for the type checker so that
 * `tsc --noEmit` checks notebooks as the modules they are (DESIGN.md §1).
 */
import type { DisplayHandle } from './executor.ts';
import type { RunInfo } from './runtime.ts';

declare global {
  /**
   * Shows a value under the cell at once, while the cell still runs (any value; views from
   * 'voxbook' show as tables, plots, images, meshes, files). The handle's `update(x)`
   * replaces that output in place: a loss plot that grows while a model trains.
   */
  function display(value: unknown): DisplayHandle;
  /**
   * Fires when the user presses Stop (or the host sends an interrupt): pass it to long
   * stages (`train(model, data, { signal })`) so they end at their next check and keep what
   * they have; the kernel then runs no further cell.
   */
  const signal: AbortSignal;
  /**
   * The `onProgress` callback of a long stage named `label`: pass it with `signal`
   * (`isosurface(ct, { isoValue, signal, onProgress: progress('surface') })`). The app shows
   * a bar in the running cell, `voxbook run` a line per stage in a terminal; throttled, so a
   * stage may call it per slice.
   */
  function progress(label: string): (fraction: number) => void;
  /** Facts about this run: notebook hash, parameter values, timings of finished cells, library versions. */
  function runInfo(): RunInfo;
}
