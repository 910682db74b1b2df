/**
 * Builtins the kernel gives every cell, declared for the type checker so that
 * `tsc --noEmit` checks notebooks as the modules they are (DESIGN.md §1).
 */
import type { RunInfo } from './runtime.ts';

declare global {
  /** Shows a value under the cell (any value; views from 'voxbook' show as tables, plots, images, meshes, files). */
  function display(value: unknown): void;
  /** Facts about this run: notebook hash, parameter values, timings of finished cells, library versions. */
  function runInfo(): RunInfo;
}
