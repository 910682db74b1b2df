import { ParameterError } from '../core/errors.ts';
import type { StageOptions } from '../core/stage.ts';
import { type Volume, withData } from '../core/volume.ts';
import { type Component, type Connectivity, connectedComponents } from './components.ts';

export interface LargestComponentsOptions extends StageOptions {
  /** How many components to keep, largest first. Default 1. */
  readonly count?: number;
  /** 6 (faces) or 26 (faces, edges, corners). Default 26. */
  readonly connectivity?: Connectivity;
}

export interface LargestComponents {
  /** The mask with only the kept components (Uint8, 1 inside). */
  readonly mask: Volume<Uint8Array>;
  /** Largest first. Fewer than `count` when the mask has fewer components. */
  readonly kept: readonly Component[];
  readonly removed: readonly Component[];
}

/**
 * Keeps the `count` largest connected components of a mask (by voxel count; equal sizes are
 * ranked by label, i.e. by first voxel in x-fastest order). Components come from
 * `connectedComponents` (breadth-first flood-fill labelling after A. Rosenfeld and
 * J. L. Pfaltz, "Sequential operations in digital picture processing", J. ACM 13(4), 1966,
 * doi:10.1145/321356.321357). An empty mask gives an empty mask and no components.
 *
 * Shapes: `mask` any grid, non-zero = foreground; result mask Uint8 (0/1) on the same grid.
 * Units: components' `volumeMm3` in mm³ from the spacing. Progress: `signal` and
 * `onProgress` are passed to `connectedComponents` (per slice).
 * @throws ParameterError if count is not an integer ≥ 1 or connectivity is not 6 or 26.
 * @throws AbortError if `options.signal` fires during labelling.
 */
export function keepLargestComponents(mask: Volume<Uint8Array>, options: LargestComponentsOptions = {}): LargestComponents {
  const { count = 1, connectivity = 26 } = options;
  if (!(Number.isInteger(count) && count >= 1)) throw new ParameterError(`keepLargestComponents: count must be an integer ≥ 1, got ${count}`);
  const { labels, components } = connectedComponents(mask, connectivity, options);
  const ranked = [...components].sort((a, b) => b.voxels - a.voxels || a.label - b.label);
  const kept = ranked.slice(0, count);
  const keep = new Uint8Array(components.length + 1);
  for (const c of kept) keep[c.label] = 1;
  const removed = components.filter((c) => keep[c.label] === 0);
  const l = labels.data;
  const out = new Uint8Array(l.length);
  for (let i = 0; i < l.length; i++) out[i] = keep[l[i]!]!;
  return { mask: withData(mask, out), kept, removed };
}
