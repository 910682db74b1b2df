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
 * voxel, which seeds a new label that is spread through its 6-, 18- or 26-neighbours with an
 * explicit Int32 queue (no recursion, no per-voxel allocation), so every voxel is labelled
 * once. Voxels off the grid's border take their neighbours by precomputed linear offsets
 * without bounds checks. Source: A. Rosenfeld and J. L. Pfaltz, "Sequential operations in
 * digital picture processing", J. ACM 13(4):471–494, 1966, doi:10.1145/321356.321357
 * (connected-component labelling; this is its flood-fill variant rather than the two-pass one).
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
  // -1: foreground not yet labelled, 0: background, k > 0: component k.
  const labels = new Int32Array(m.length);
  for (let i = 0; i < m.length; i++) if (m[i] !== 0) labels[i] = -1;
  const queue = new Int32Array(m.length);
  const offs = neighbourOffsets(connectivity);
  const nOffs = offs.length;
  const nxy = nx * ny;
  const linear = Int32Array.from(offs, ([di, dj, dk]) => di + nx * dj + nxy * dk);
  const voxelMm3 = voxelVolumeMm3(mask);
  const components: Component[] = [];
  let label = 0;
  for (let slice = 0; slice < nz; slice++) {
    // Once per slice, before any voxel is skipped: empty slices must still be interruptible.
    checkAbort('connectedComponents', options.signal);
    options.onProgress?.(slice / nz);
    const sliceEnd = (slice + 1) * nxy;
    for (let seed = slice * nxy; seed < sliceEnd; seed++) {
      if (labels[seed] !== -1) continue;
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
        if (i > 0 && j > 0 && k > 0 && i < nx - 1 && j < ny - 1 && k < nz - 1) {
          for (let o = 0; o < nOffs; o++) {
            const q = p + linear[o]!;
            if (labels[q] === -1) {
              labels[q] = label;
              queue[tail++] = q;
            }
          }
          continue;
        }
        for (let o = 0; o < nOffs; o++) {
          const off = offs[o]!;
          const ii = i + off[0], jj = j + off[1], kk = k + off[2];
          if (ii < 0 || jj < 0 || kk < 0 || ii >= nx || jj >= ny || kk >= nz) continue;
          const q = p + linear[o]!;
          if (labels[q] === -1) {
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

/**
 * Labellings the segment stages made of the masks they returned, so that the next stage on
 * that mask (removeIslands → removeDetachedFragments → keepLargestComponents) need not label
 * it again. Keyed by the mask object; an entry is used only after checking, in one pass,
 * that its labels are non-zero exactly where the mask is (a mask changed in place since is
 * labelled afresh). Only the segment stages read entries (through `componentsOf`), and
 * they never write to them; no public function returns one.
 */
const remembered = new WeakMap<Volume<Uint8Array>, Map<Connectivity, { result?: ComponentsResult; make?: () => ComponentsResult }>>();

/**
 * Records `result` as the `connectivity`-labelling of `mask` (it must equal
 * `connectedComponents(mask, connectivity)`); a function is called only when the labelling
 * is first asked for, so a stage whose result is not labelled again pays nothing for it.
 */
export function rememberComponents(mask: Volume<Uint8Array>, connectivity: Connectivity, result: ComponentsResult | (() => ComponentsResult)): void {
  let byConnectivity = remembered.get(mask);
  if (!byConnectivity) remembered.set(mask, (byConnectivity = new Map()));
  byConnectivity.set(connectivity, typeof result === 'function' ? { make: result } : { result });
}

/** A remembered labelling of `mask` that still matches its foreground, or undefined. */
export function rememberedComponents(mask: Volume<Uint8Array>, connectivity: Connectivity): ComponentsResult | undefined {
  const entry = remembered.get(mask)?.get(connectivity);
  if (!entry) return undefined;
  const r = (entry.result ??= entry.make!());
  const m = mask.data, l = r.labels.data;
  if (l.length !== m.length) return undefined;
  for (let i = 0; i < m.length; i++) {
    if ((m[i] === 0) !== (l[i] === 0)) {
      remembered.get(mask)!.delete(connectivity);
      return undefined;
    }
  }
  return r;
}

/**
 * `connectedComponents` for the segment stages: a remembered labelling of this mask when
 * there is one (progress then goes 0 → 1 at once), else a fresh one. The result is shared:
 * callers must not write to its labels.
 */
export function componentsOf(mask: Volume<Uint8Array>, connectivity: Connectivity, options: StageOptions = {}): ComponentsResult {
  const r = rememberedComponents(mask, connectivity);
  if (!r) return connectedComponents(mask, connectivity, options);
  checkAbort('connectedComponents', options.signal);
  options.onProgress?.(0);
  options.onProgress?.(1);
  return r;
}

/**
 * The mask of the components with keep[label] ≠ 0, and its own labelling (kept components
 * renumbered 1.. in their order, which is the order of their first voxels, so it equals a
 * fresh `connectedComponents` of the result), remembered for the next stage.
 */
export function maskOfComponents(
  mask: Volume<Uint8Array>, connectivity: Connectivity, all: ComponentsResult, keep: Uint8Array,
): Volume<Uint8Array> {
  const renumber = new Int32Array(keep.length);
  const kept: Component[] = [];
  for (const c of all.components) {
    if (keep[c.label] !== 0) {
      kept.push({ label: kept.length + 1, voxels: c.voxels, volumeMm3: c.volumeMm3 });
      renumber[c.label] = kept.length;
    }
  }
  const l = all.labels.data;
  const out = new Uint8Array(l.length);
  for (let i = 0; i < l.length; i++) out[i] = keep[l[i]!] !== 0 ? 1 : 0;
  const result = withData(mask, out);
  rememberComponents(result, connectivity, () => {
    const outLabels = new Int32Array(l.length);
    for (let i = 0; i < l.length; i++) outLabels[i] = renumber[l[i]!]!;
    return { labels: withData(mask, outLabels), components: kept };
  });
  return result;
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
  const connectivity = options.connectivity ?? 26;
  const all = componentsOf(mask, connectivity, options);
  const keep = new Uint8Array(all.components.length + 1);
  const kept: Component[] = [];
  const removed: Component[] = [];
  for (const c of all.components) {
    if (c.volumeMm3 >= minIslandMm3) {
      keep[c.label] = 1;
      kept.push(c);
    } else removed.push(c);
  }
  return { mask: maskOfComponents(mask, connectivity, all, keep), kept, removed };
}
