import { ParameterError } from '../core/errors.ts';
import { checkAbort, type StageOptions } from '../core/stage.ts';
import { type Volume, voxelVolumeMm3, withData } from '../core/volume.ts';

/** 6: faces only. 18: faces and edges. 26: faces, edges and corners. */
export type Connectivity = 6 | 18 | 26;

export interface Component {
  /** Label in `labels.data`, 1-based, in order of first voxel (x fastest). */
  readonly label: number;
  readonly voxels: number;
  readonly volumeMm3: number;
}

export interface ComponentsResult {
  /** Int32 labels on the mask's grid: 0 background, k for component k. */
  readonly labels: Volume<Int32Array>;
  /** Sorted by label. */
  readonly components: readonly Component[];
}

/** Neighbour offsets (di, dj, dk) already visited in a forward raster scan. */
function neighbourOffsets(connectivity: Connectivity): Array<readonly [number, number, number]> {
  const out: Array<readonly [number, number, number]> = [];
  for (let dk = -1; dk <= 1; dk++)
    for (let dj = -1; dj <= 1; dj++)
      for (let di = -1; di <= 1; di++) {
        const manhattan = Math.abs(di) + Math.abs(dj) + Math.abs(dk);
        if (manhattan === 0) continue;
        if (connectivity === 6 && manhattan > 1) continue;
        if (connectivity === 18 && manhattan > 2) continue;
        out.push([di, dj, dk]);
      }
  return out;
}

/**
 * Connected components of the non-zero voxels of a mask: connected-component labelling
 * by breadth-first flood fill. A raster scan (x fastest) finds each unlabelled foreground
 * voxel, which seeds a new label that is spread through its 6- or 26-neighbours with an
 * explicit Int32 queue (no recursion, no per-voxel allocation), so every voxel is labelled
 * once. Source: A. Rosenfeld and J. L. Pfaltz, "Sequential operations in digital picture
 * processing", J. ACM 13(4):471–494, 1966, doi:10.1145/321356.321357 (connected-component
 * labelling; this is its flood-fill variant rather than the two-pass one).
 *
 * Shapes: `mask` any grid, non-zero = foreground; `labels` Int32 on the same grid.
 * Units: `volumeMm3` = voxels × the voxel volume from spacingMm.
 * Progress: checks `options.signal` and reports `options.onProgress` once per z-slice
 * (fraction of slices scanned), then 1 at the end.
 * @throws ParameterError if connectivity is not 6, 18 or 26.
 * @throws AbortError if `options.signal` fires (checked before each slice).
 */
export function connectedComponents(
  mask: Volume<Uint8Array>,
  connectivity: Connectivity = 26,
  options: StageOptions = {},
): ComponentsResult {
  if (connectivity !== 6 && connectivity !== 18 && connectivity !== 26) throw new ParameterError(`connectivity must be 6, 18 or 26, got ${connectivity}`);
  const [nx, ny, nz] = mask.dims;
  const m = mask.data;
  const labels = new Int32Array(m.length);
  const queue = new Int32Array(m.length);
  const offs = neighbourOffsets(connectivity);
  const voxelMm3 = voxelVolumeMm3(mask);
  const components: Component[] = [];
  const nxy = nx * ny;
  let label = 0;
  for (let slice = 0; slice < nz; slice++) {
    // Once per slice, before any voxel is skipped: empty slices must still be interruptible.
    checkAbort('connectedComponents', options.signal);
    options.onProgress?.(slice / nz);
    const sliceEnd = (slice + 1) * nxy;
    for (let seed = slice * nxy; seed < sliceEnd; seed++) {
      if (m[seed] === 0 || labels[seed] !== 0) continue;
      label++;
      let head = 0, tail = 0;
      queue[tail++] = seed;
      labels[seed] = label;
      while (head < tail) {
        const p = queue[head++]!;
        const k = (p / nxy) | 0;
        const rem = p - k * nxy;
        const j = (rem / nx) | 0;
        const i = rem - j * nx;
        for (let o = 0; o < offs.length; o++) {
          const off = offs[o]!;
          const ii = i + off[0], jj = j + off[1], kk = k + off[2];
          if (ii < 0 || jj < 0 || kk < 0 || ii >= nx || jj >= ny || kk >= nz) continue;
          const q = ii + nx * jj + nxy * kk;
          if (m[q] !== 0 && labels[q] === 0) {
            labels[q] = label;
            queue[tail++] = q;
          }
        }
      }
      components.push({ label, voxels: tail, volumeMm3: tail * voxelMm3 });
    }
  }
  options.onProgress?.(1);
  return { labels: withData(mask, labels), components };
}

export interface IslandRemoval {
  /** The mask with only the kept components (Uint8, 1 inside). */
  readonly mask: Volume<Uint8Array>;
  readonly kept: readonly Component[];
  readonly removed: readonly Component[];
}

/**
 * Removes connected components smaller than `minIslandMm3` (loose fragments fall off a print).
 * A component is kept when its volume ≥ minIslandMm3. Components come from
 * `connectedComponents` (breadth-first flood-fill labelling after Rosenfeld & Pfaltz 1966,
 * "Sequential operations in digital picture processing", J. ACM 13(4),
 * doi:10.1145/321356.321357), default connectivity 26.
 *
 * Shapes: `mask` any grid, non-zero = foreground; result mask Uint8 (1 inside) on the same
 * grid. Units: `minIslandMm3` and the components' `volumeMm3` in mm³, from spacingMm.
 * Progress: `signal` and `onProgress` are passed to `connectedComponents` (per slice).
 * @throws ParameterError if minIslandMm3 is negative or not finite, or connectivity is not 6, 18 or 26.
 * @throws AbortError if `options.signal` fires during labelling.
 */
export function removeIslands(
  mask: Volume<Uint8Array>,
  options: StageOptions & { readonly minIslandMm3: number; readonly connectivity?: Connectivity },
): IslandRemoval {
  const { minIslandMm3 } = options;
  if (!Number.isFinite(minIslandMm3) || minIslandMm3 < 0) {
    throw new ParameterError(`minIslandMm3 must be a finite number ≥ 0, got ${minIslandMm3}`);
  }
  const { labels, components } = connectedComponents(mask, options.connectivity ?? 26, options);
  const keep = new Uint8Array(components.length + 1);
  const kept: Component[] = [];
  const removed: Component[] = [];
  for (const c of components) {
    if (c.volumeMm3 >= minIslandMm3) {
      keep[c.label] = 1;
      kept.push(c);
    } else removed.push(c);
  }
  const l = labels.data;
  const out = new Uint8Array(l.length);
  for (let i = 0; i < l.length; i++) out[i] = keep[l[i]!]!;
  return { mask: withData(mask, out), kept, removed };
}
