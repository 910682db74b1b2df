import { ParameterError } from '../core/errors.ts';
import type { StageOptions } from '../core/stage.ts';
import { type Volume, withData } from '../core/volume.ts';
import { type Component, connectedComponents } from './components.ts';

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
 * Progress: `onProgress` 0..1 over both labellings (half each), `signal` checked per slice.
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
  // Progress: the two labellings are the work, half each.
  const { signal, onProgress } = options;
  const wide = connectedComponents(mask, 26, { signal, ...(onProgress ? { onProgress: (f: number) => onProgress(0.5 * f) } : {}) }).labels.data;
  const narrow = connectedComponents(mask, 6, { signal, ...(onProgress ? { onProgress: (f: number) => onProgress(0.5 + 0.5 * f) } : {}) });
  const pieces = narrow.components;
  const labels = narrow.labels.data;
  // 26-component of each 6-piece, from its first voxel (pieces are numbered in scan order).
  const owner = new Int32Array(pieces.length + 1);
  for (let i = 0, seen = 0; i < labels.length && seen < pieces.length; i++) {
    const p = labels[i]!;
    if (p !== 0 && owner[p] === 0) {
      owner[p] = wide[i]!;
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
  for (const p of pieces) {
    if (p.volumeMm3 < minIslandMm3 && largest.get(owner[p.label]!) !== p) {
      drop[p.label] = 1;
      removed.push(p);
    }
  }
  const src = mask.data;
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i] !== 0 && drop[labels[i]!] === 0 ? 1 : 0;
  return { mask: withData(mask, out), removed };
}
