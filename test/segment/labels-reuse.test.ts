import { describe, expect, it } from 'vitest';
import { IDENTITY3, makeVolume, type Volume, withData } from '../../cells/core/volume.ts';
import { connectedComponents, removeIslands } from '../../cells/segment/components.ts';
import { removeDetachedFragments } from '../../cells/segment/fragments.ts';
import { keepLargestComponents } from '../../cells/segment/largest.ts';

const n = 16;
const at = (i: number, j: number, k: number): number => i + n * (j + n * k);
function block(d: Uint8Array, lo: number, hi: number): void {
  for (let k = lo; k <= hi; k++) for (let j = lo; j <= hi; j++) for (let i = lo; i <= hi; i++) d[at(i, j, k)] = 1;
}
/**
 * Two cubes joined only through one voxel that touches each at a corner (a detached
 * fragment bridging them), a cube elsewhere that touches nothing, and a lone voxel (an island).
 */
function scene(): Volume<Uint8Array> {
  const d = new Uint8Array(n * n * n);
  block(d, 1, 4); // A: 64 voxels
  d[at(5, 5, 5)] = 1; // F: corner to A's (4,4,4) and to B's (6,6,6)
  block(d, 6, 8); // B: 27 voxels
  for (let k = 11; k <= 13; k++) for (let j = 1; j <= 3; j++) for (let i = 11; i <= 13; i++) d[at(i, j, k)] = 1; // C: 27
  d[at(14, 14, 1)] = 1; // lone voxel
  return makeVolume({ data: d, dims: [n, n, n], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: IDENTITY3 });
}
/** A fresh labelling: a copy of the mask is a new object, so nothing remembered applies. */
const fresh = (m: Volume<Uint8Array>) => connectedComponents(withData(m, m.data.slice()), 26);

describe('labellings handed from stage to stage', () => {
  it('gives the results of fresh labellings when a removed fragment splits a component in two', () => {
    const islands = removeIslands(scene(), { minIslandMm3: 2, connectivity: 26 });
    expect(islands.removed.map((c) => c.voxels)).toEqual([1]);
    const fragments = removeDetachedFragments(islands.mask, { minIslandMm3: 2 });
    expect(fragments.removed.map((c) => c.voxels)).toEqual([1]);
    // After the bridge is gone, A and B are two components: keep the 2 largest = A and one of B/C (B first by label).
    const largest = keepLargestComponents(fragments.mask, { count: 2 });
    const reference = fresh(fragments.mask);
    expect(reference.components.map((c) => c.voxels)).toEqual([64, 27, 27]);
    const ranked = [...reference.components].sort((a, b) => b.voxels - a.voxels || a.label - b.label);
    expect(largest.kept).toEqual(ranked.slice(0, 2));
    expect(largest.removed).toEqual(ranked.slice(2));
    const keep = new Set(ranked.slice(0, 2).map((c) => c.label));
    expect(Array.from(largest.mask.data)).toEqual(Array.from(reference.labels.data, (l) => (keep.has(l) ? 1 : 0)));
  });

  it('labels the mask afresh when it was changed in place after the stage returned it', () => {
    const islands = removeIslands(scene(), { minIslandMm3: 2, connectivity: 26 });
    islands.mask.data[at(5, 5, 5)] = 0; // cut the bridge by hand
    const largest = keepLargestComponents(islands.mask, { count: 1 });
    expect(largest.kept.map((c) => c.voxels)).toEqual([64]);
    expect(largest.removed.map((c) => c.voxels)).toEqual(fresh(islands.mask).components.slice(1).map((c) => c.voxels));
  });

  it('reports progress 0 → 1 once, monotone, in removeDetachedFragments after removeIslands', () => {
    const islands = removeIslands(scene(), { minIslandMm3: 2, connectivity: 26 });
    const seen: number[] = [];
    removeDetachedFragments(islands.mask, { minIslandMm3: 2, onProgress: (f) => seen.push(f) });
    expect(seen[0]).toBe(0);
    expect(seen.at(-1)).toBe(1);
    expect(seen.filter((f) => f === 1).length).toBe(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]!);
  });
});
