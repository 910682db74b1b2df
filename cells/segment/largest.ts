import { ParameterError } from '../core/errors.ts';
import type { StageOptions } from '../core/stage.ts';
import { det3, type Vec3, type Volume } from '../core/volume.ts';
import { type Component, type Connectivity, componentsOf, maskOfComponents } from './components.ts';

export interface LargestComponentsOptions extends StageOptions {
  /** How many components to keep, largest first. Default 1. */
  readonly count?: number;
  /** 6 (faces), 18 (faces, edges) or 26 (faces, edges, corners). Default 26. */
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
 * @throws ParameterError if count is not an integer ≥ 1 or connectivity is not 6, 18 or 26.
 * @throws AbortError if `options.signal` fires during labelling.
 */
export function keepLargestComponents(mask: Volume<Uint8Array>, options: LargestComponentsOptions = {}): LargestComponents {
  const { count = 1, connectivity = 26 } = options;
  if (!(Number.isInteger(count) && count >= 1)) throw new ParameterError(`keepLargestComponents: count must be an integer ≥ 1, got ${count}`);
  const all = componentsOf(mask, connectivity, options);
  const ranked = [...all.components].sort((a, b) => b.voxels - a.voxels || a.label - b.label);
  const kept = ranked.slice(0, count);
  const keep = new Uint8Array(all.components.length + 1);
  for (const c of kept) keep[c.label] = 1;
  const removed = all.components.filter((c) => keep[c.label] === 0);
  return { mask: maskOfComponents(mask, connectivity, all, keep), kept, removed };
}

export interface ComponentsAtOptions extends StageOptions {
  /** 6 (faces), 18 (faces, edges) or 26 (faces, edges, corners). Default 26. */
  readonly connectivity?: Connectivity;
}

/** The voxel index (i, j, k) nearest to a world point (LPS mm), or null outside the grid. */
function nearestVoxel(v: Volume, p: Vec3): Vec3 | null {
  const d = v.direction, s = v.spacingMm, o = v.originMm;
  const det = det3(d);
  const x = p[0] - o[0], y = p[1] - o[1], z = p[2] - o[2];
  // direction⁻¹ · (p − origin) by Cramer's rule (direction is row-major), then ÷ spacing.
  const u = (x * (d[4] * d[8] - d[5] * d[7]) - d[1] * (y * d[8] - d[5] * z) + d[2] * (y * d[7] - d[4] * z)) / det;
  const w = (d[0] * (y * d[8] - d[5] * z) - x * (d[3] * d[8] - d[5] * d[6]) + d[2] * (d[3] * z - y * d[6])) / det;
  const t = (d[0] * (d[4] * z - y * d[7]) - d[1] * (d[3] * z - y * d[6]) + x * (d[3] * d[7] - d[4] * d[6])) / det;
  const idx: Vec3 = [Math.round(u / s[0]), Math.round(w / s[1]), Math.round(t / s[2])];
  return idx.every((n, a) => n >= 0 && n < v.dims[a]!) ? idx : null;
}

/**
 * Keeps the connected components that contain the given points — "the skull is the piece
 * under this point" — and removes every other component. Each point is taken to its nearest
 * voxel (world = origin + direction · (index ∘ spacing), LPS mm); several points in one
 * component keep it once. Components come from `connectedComponents` (flood-fill labelling,
 * Rosenfeld & Pfaltz 1966, doi:10.1145/321356.321357).
 *
 * Shapes: `mask` any grid, non-zero = foreground; `pointsMm` [x, y, z] in patient LPS mm;
 * result mask Uint8 (0/1) on the same grid; `kept` in the order of the points' first hits,
 * `removed` by label. Progress: `signal` and `onProgress` go to `connectedComponents`.
 * @throws ParameterError if `pointsMm` is empty, a point is not three finite numbers, a point
 *   lies outside the volume, or a point's voxel is background (the message names the point
 *   and its voxel: pick a point inside the structure), or connectivity is not 6, 18 or 26.
 * @throws AbortError if `options.signal` fires during labelling.
 */
export function keepComponentsAt(
  mask: Volume<Uint8Array>,
  pointsMm: readonly Vec3[],
  options: ComponentsAtOptions = {},
): LargestComponents {
  if (pointsMm.length === 0) throw new ParameterError('keepComponentsAt: give at least one point [x, y, z] in LPS mm');
  const [nx, ny] = mask.dims;
  const seeds: number[] = [];
  for (const p of pointsMm) {
    const name = `point [${p.join(', ')}] mm`;
    if (p.length !== 3 || !p.every(Number.isFinite)) throw new ParameterError(`keepComponentsAt: ${name} must be three finite numbers (LPS mm)`);
    const idx = nearestVoxel(mask, p);
    if (!idx) throw new ParameterError(`keepComponentsAt: ${name} lies outside the volume (dims ${mask.dims.join(' × ')}); give a point inside the scan`);
    const at = idx[0] + nx * (idx[1] + ny * idx[2]);
    if (mask.data[at] === 0) throw new ParameterError(`keepComponentsAt: ${name} (voxel ${idx.join(', ')}) is background, in no component; give a point inside the structure to keep`);
    seeds.push(at);
  }
  const connectivity = options.connectivity ?? 26;
  const all = componentsOf(mask, connectivity, options);
  const keep = new Uint8Array(all.components.length + 1);
  const kept: Component[] = [];
  for (const at of seeds) {
    const label = all.labels.data[at]!;
    if (keep[label] === 0) {
      keep[label] = 1;
      kept.push(all.components[label - 1]!);
    }
  }
  const removed = all.components.filter((c) => keep[c.label] === 0);
  return { mask: maskOfComponents(mask, connectivity, all, keep), kept, removed };
}
