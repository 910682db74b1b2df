import { describe, expect, it } from 'vitest';
import { ParameterError } from '../../cells/core/errors.ts';
import { keepLargestComponents } from '../../cells/segment/largest.ts';
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
  it('refuses a count that is not a whole number ≥ 1, and connectivity 18', () => {
    expect(() => keepLargestComponents(blobs, { count: 0 })).toThrow(ParameterError);
    expect(() => keepLargestComponents(blobs, { count: 1.5 })).toThrow(/count/);
    expect(() => keepLargestComponents(blobs, { connectivity: 18 as 6 })).toThrow(ParameterError);
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
