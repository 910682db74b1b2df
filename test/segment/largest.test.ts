import { describe, expect, it } from 'vitest';
import { ParameterError } from '../../cells/core/errors.ts';
import { keepComponentsAt, keepLargestComponents } from '../../cells/segment/largest.ts';
import { makeVolume } from '../../cells/core/volume.ts';
import { binaryErosion } from '../../cells/segment/morphology.ts';
import { count, figures, phantom, reference, tissue } from './helpers.ts';

// Cubes of 27, 8 and 1 voxels, and a second 8-voxel cube touching the first 8 only at a corner.
const blobs = phantom([12, 12, 12], (i, j, k) =>
  (i < 3 && j < 3 && k < 3) || (i >= 5 && i < 7 && j >= 5 && j < 7 && k >= 5 && k < 7)
  || (i >= 7 && i < 9 && j >= 7 && j < 9 && k >= 7 && k < 9) || (i === 11 && j === 0 && k === 11), [0.5, 0.5, 2]);

describe('keepLargestComponents', () => {
  it('26-connected: the corner-touching cubes are one 16-voxel component; count 1 keeps the 27-voxel cube', () => {
    const r = keepLargestComponents(blobs);
    expect(count(r.mask)).toBe(27);
    expect(r.kept.map((c) => c.voxels)).toEqual([27]);
    expect(r.removed.map((c) => c.voxels).sort((a, b) => a - b)).toEqual([1, 16]);
    expect(r.kept[0]!.volumeMm3).toBeCloseTo(27 * 0.5, 12);
  });
  it('6-connected, count 3: 27, then the two 8-voxel cubes (tie broken by first voxel)', () => {
    const r = keepLargestComponents(blobs, { count: 3, connectivity: 6 });
    expect(r.kept.map((c) => c.voxels)).toEqual([27, 8, 8]);
    expect(r.kept[1]!.label).toBeLessThan(r.kept[2]!.label);
    expect(count(r.mask)).toBe(43);
  });
  it('asking for more components than there are keeps all; an empty mask gives an empty mask', () => {
    expect(count(keepLargestComponents(blobs, { count: 10 }).mask)).toBe(44);
    const empty = keepLargestComponents(phantom([4, 4, 4], () => false));
    expect([count(empty.mask), empty.kept.length]).toEqual([0, 0]);
  });
  it('refuses a count that is not a whole number ≥ 1, and a connectivity other than 6, 18, 26', () => {
    expect(() => keepLargestComponents(blobs, { count: 0 })).toThrow(ParameterError);
    expect(() => keepLargestComponents(blobs, { count: 1.5 })).toThrow(/count/);
    expect(() => keepLargestComponents(blobs, { connectivity: 8 as 6 })).toThrow(/6, 18 or 26/);
  });
  it('18-connected joins voxels sharing an edge but not a corner', () => {
    // Voxel pairs: (0,0,0)–(1,1,0) share an edge; (4,4,4)–(5,5,5) share a corner only.
    const pairs = phantom([8, 8, 8], (i, j, k) => (k === 0 && ((i === 0 && j === 0) || (i === 1 && j === 1))) || (i === j && j === k && (i === 4 || i === 5)));
    const sizes = (c: 6 | 18 | 26) => keepLargestComponents(pairs, { count: 10, connectivity: c }).kept.map((x) => x.voxels);
    expect(sizes(6)).toEqual([1, 1, 1, 1]);
    expect(sizes(18)).toEqual([2, 1, 1]);
    expect(sizes(26)).toEqual([2, 2]);
  });
  it(`equals scipy.ndimage.label + largest sizes (scipy ${reference.versions.scipy}) on the eroded Colin27 tissue mask`, async () => {
    const eroded = binaryErosion(await tissue(), { radiusMm: 4 });
    const one = keepLargestComponents(eroded);
    expect(figures(one.mask)).toEqual({ voxels: reference.largest['count 1, 26']!.voxels, sha256: reference.largest['count 1, 26']!.sha256 });
    const three = keepLargestComponents(eroded, { count: 3, connectivity: 6 });
    expect(three.kept.map((c) => c.voxels)).toEqual(reference.largest['count 3, 6']!.sizes);
    expect(figures(three.mask).sha256).toBe(reference.largest['count 3, 6']!.sha256);
  });
});

describe('keepComponentsAt', () => {
  // blobs: spacing [0.5, 0.5, 2] mm, origin 0, so voxel (i, j, k) is at (0.5 i, 0.5 j, 2 k) mm.
  it('keeps the components under the points (LPS mm, nearest voxel), once each, and removes the rest', () => {
    const r = keepComponentsAt(blobs, [[3, 3, 10.4], [0.5, 0.5, 2], [0.2, 0.2, 0]]);
    // (3, 3, 10.4) mm → voxel (6, 6, 5): the corner-touching pair, 16 voxels at 26-connectivity.
    expect(r.kept.map((c) => c.voxels)).toEqual([16, 27]);
    expect(r.removed.map((c) => c.voxels)).toEqual([1]);
    expect(count(r.mask)).toBe(43);
    expect(keepComponentsAt(blobs, [[3, 3, 10.4]], { connectivity: 6 }).kept.map((c) => c.voxels)).toEqual([8]);
  });
  it('follows the direction matrix: a volume flipped in x keeps the component at the same world point', () => {
    // direction diag(−1, 1, 1), origin (5.5, 0, 0): voxel i sits at x = 5.5 − 0.5 i mm.
    const flipped = makeVolume({ ...blobs, direction: [-1, 0, 0, 0, 1, 0, 0, 0, 1], originMm: [5.5, 0, 0] });
    expect(keepComponentsAt(flipped, [[5, 0, 0]]).kept.map((c) => c.voxels)).toEqual([27]); // voxel (1, 0, 0)
    expect(() => keepComponentsAt(flipped, [[0, 0, 0]])).toThrow(/voxel 11, 0, 0\) is background/);
  });
  it('names a point outside the volume, on background, or not a number, and refuses no points', () => {
    expect(() => keepComponentsAt(blobs, [[0, 0, 0], [-3, 0, 0]])).toThrow(/point \[-3, 0, 0\] mm lies outside the volume/);
    expect(() => keepComponentsAt(blobs, [[5, 5, 0]])).toThrow(/point \[5, 5, 0\] mm \(voxel 10, 10, 0\) is background/);
    expect(() => keepComponentsAt(blobs, [[Number.NaN, 0, 0]])).toThrow(ParameterError);
    expect(() => keepComponentsAt(blobs, [])).toThrow(/at least one point/);
  });
  it('stops on an aborted signal and reports progress up to 1', () => {
    const seen: number[] = [];
    keepComponentsAt(blobs, [[0, 0, 0]], { onProgress: (f) => seen.push(f) });
    expect(seen.at(-1)).toBe(1);
    const ac = new AbortController();
    ac.abort();
    expect(() => keepComponentsAt(blobs, [[0, 0, 0]], { signal: ac.signal })).toThrow(/interrupted/);
  });
});
