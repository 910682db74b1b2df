import { ParameterError } from '../core/errors.ts';
import type { StageOptions } from '../core/stage.ts';
import { type Volume, voxelVolumeMm3, withData } from '../core/volume.ts';
import { type Component, type ComponentsResult, connectedComponents, rememberComponents, rememberedComponents } from './components.ts';

export interface FragmentRemoval {
  /** The mask without the detached fragments (Uint8, 1 inside). */
  readonly mask: Volume<Uint8Array>;
  /** Fragments removed: 6-connected pieces that touch the rest of their 26-connected component only at edges or corners. */
  readonly removed: readonly Component[];
}

/**
 * Removes detached fragments: within each 26-connected component, the 6-connected pieces
 * smaller than `minIslandMm3` other than the component's largest piece. Such a piece meets
 * the rest only along a voxel edge or at a corner — zero thickness — so the isosurface
 * (which keeps diagonal inside corners apart) makes it a separate shell, and on the print it
 * is a loose fragment. A component that is one 6-connected piece is never touched, so this
 * never removes anything `removeIslands` kept as a whole.
 *
 * Shapes: `mask` any grid; the result on the same grid. Units: mm³ from spacingMm.
 * Algorithm: two labellings (Rosenfeld & Pfaltz 1966, doi:10.1145/321356.321357), 26- then
 * 6-connected, each 6-piece assigned to the 26-component of its first voxel.
 * The 26-labelling is taken from `removeIslands` when this mask is its result, and the
 * result's own 26-labelling is derived from the pieces (no third flood fill) and kept for
 * `keepLargestComponents`.
 * Progress: `onProgress` once 0 → 1 over the labellings, monotone; `signal` checked per slice.
 * @throws ParameterError if minIslandMm3 is negative or not finite; AbortError via `signal`.
 */
export function removeDetachedFragments(
  mask: Volume<Uint8Array>,
  options: StageOptions & { readonly minIslandMm3: number },
): FragmentRemoval {
  const { minIslandMm3 } = options;
  if (!Number.isFinite(minIslandMm3) || minIslandMm3 < 0) {
    throw new ParameterError(`minIslandMm3 must be a finite number ≥ 0, got ${minIslandMm3}`);
  }
  const { signal, onProgress } = options;
  // Progress: the labellings are the work. The 26-labelling is usually remembered from
  // `removeIslands` (then only the 6-labelling counts), else each is half.
  const remembered = rememberedComponents(mask, 26);
  const split = remembered ? 0 : 0.5;
  const part = (from: number, to: number): StageOptions =>
    ({ signal, ...(onProgress ? { onProgress: (f: number) => onProgress(from + (to - from) * f) } : {}) });
  onProgress?.(0);
  const wide = (remembered ?? connectedComponents(mask, 26, part(0, split))).labels.data;
  const narrow = connectedComponents(mask, 6, part(split, 1));
  const pieces = narrow.components;
  const labels = narrow.labels.data;
  // 26-component of each 6-piece, and its first voxel (pieces are numbered in scan order).
  const owner = new Int32Array(pieces.length + 1);
  const first = new Int32Array(pieces.length + 1);
  for (let i = 0, seen = 0; i < labels.length && seen < pieces.length; i++) {
    const p = labels[i]!;
    if (p !== 0 && owner[p] === 0) {
      owner[p] = wide[i]!;
      first[p] = i;
      seen++;
    }
  }
  // The largest piece of each 26-component stays, whatever its size.
  const largest = new Map<number, Component>();
  for (const p of pieces) {
    const best = largest.get(owner[p.label]!);
    if (!best || p.voxels > best.voxels) largest.set(owner[p.label]!, p);
  }
  const drop = new Uint8Array(pieces.length + 1);
  const removed: Component[] = [];
  const touched = new Set<number>(); // 26-components that lose a piece
  for (const p of pieces) {
    if (p.volumeMm3 < minIslandMm3 && largest.get(owner[p.label]!) !== p) {
      drop[p.label] = 1;
      removed.push(p);
      touched.add(owner[p.label]!);
    }
  }
  const src = mask.data;
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i] !== 0 && drop[labels[i]!] === 0 ? 1 : 0;
  const result = withData(mask, out);
  // (onProgress reached 1 at the end of the 6-labelling; what follows is a few linear passes.)
  rememberComponents(result, 26, () => componentsAfterDrop(mask, labels, pieces, owner, first, drop, touched, largest));
  return { mask: result, removed };
}

/**
 * The 26-labelling of the mask without the dropped pieces, equal to `connectedComponents(…,
 * 26)` of it but without a flood fill: a 26-component that lost no piece stays whole; in one
 * that did, its remaining 6-pieces are joined (union-find) where they touch, found from the
 * voxels of every remaining piece but the component's largest (any contact has at least one
 * such side). Labels are numbered by first voxel, as a raster-order labelling does.
 */
function componentsAfterDrop(
  mask: Volume<Uint8Array>, labels: Int32Array, pieces: readonly Component[], owner: Int32Array, first: Int32Array,
  drop: Uint8Array, touched: ReadonlySet<number>, largest: ReadonlyMap<number, Component>,
): ComponentsResult {
  const n = pieces.length;
  const parent = new Int32Array(n + 1);
  const root = (p: number): number => {
    while (parent[p] !== p) p = parent[p] = parent[parent[p]!]!;
    return p;
  };
  const scan = new Uint8Array(n + 1);
  let anyScan = false;
  for (let p = 1; p <= n; p++) {
    const w = owner[p]!;
    if (!touched.has(w)) parent[p] = largest.get(w)!.label;
    else {
      parent[p] = p;
      if (drop[p] === 0 && largest.get(w)!.label !== p) scan[p] = 1;
    }
  }
  for (let p = 1; p <= n; p++) if (scan[p]) anyScan = true;
  if (anyScan) {
    const [nx, ny, nz] = mask.dims;
    const nxy = nx * ny;
    for (let k = 0; k < nz; k++)
      for (let j = 0; j < ny; j++)
        for (let i = 0; i < nx; i++) {
          const at = i + nx * j + nxy * k;
          const p = labels[at]!;
          if (p === 0 || scan[p] === 0) continue;
          for (let dk = -1; dk <= 1; dk++) {
            const kk = k + dk;
            if (kk < 0 || kk >= nz) continue;
            for (let dj = -1; dj <= 1; dj++) {
              const jj = j + dj;
              if (jj < 0 || jj >= ny) continue;
              for (let di = -1; di <= 1; di++) {
                const ii = i + di;
                if (ii < 0 || ii >= nx) continue;
                const q = labels[ii + nx * jj + nxy * kk]!;
                if (q === 0 || q === p || drop[q] !== 0) continue;
                const a = root(p), b = root(q);
                if (a !== b) parent[a < b ? b : a] = a < b ? a : b;
              }
            }
          }
        }
  }
  // Groups of remaining pieces, numbered by their first voxel.
  const groupFirst = new Map<number, number>();
  const groupVoxels = new Map<number, number>();
  for (let p = 1; p <= n; p++) {
    if (drop[p] !== 0) continue;
    const r = root(p);
    const f = groupFirst.get(r);
    if (f === undefined || first[p]! < f) groupFirst.set(r, first[p]!);
    groupVoxels.set(r, (groupVoxels.get(r) ?? 0) + pieces[p - 1]!.voxels);
  }
  const order = [...groupFirst.keys()].sort((a, b) => groupFirst.get(a)! - groupFirst.get(b)!);
  const voxelMm3 = voxelVolumeMm3(mask);
  const groupLabel = new Map<number, number>();
  const components: Component[] = order.map((r, i) => {
    groupLabel.set(r, i + 1);
    const voxels = groupVoxels.get(r)!;
    return { label: i + 1, voxels, volumeMm3: voxels * voxelMm3 };
  });
  const pieceLabel = new Int32Array(n + 1);
  for (let p = 1; p <= n; p++) if (drop[p] === 0) pieceLabel[p] = groupLabel.get(root(p))!;
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = pieceLabel[labels[i]!]!;
  return { labels: withData(mask, out), components };
}
