import { describe, expect, it } from 'vitest';
import { axialSlab, cropVolume } from '../../cells/core/crop.ts';
import { ParameterError } from '../../cells/core/errors.ts';
import { indexToWorld, makeVolume } from '../../cells/core/volume.ts';

// 4×3×5, oblique direction (90° about z), anisotropic spacing; value = i + 10 j + 100 k.
const dims = [4, 3, 5] as const;
const data = new Int16Array(60);
for (let k = 0; k < 5; k++) for (let j = 0; j < 3; j++) for (let i = 0; i < 4; i++) data[i + 4 * (j + 3 * k)] = i + 10 * j + 100 * k;
const v = makeVolume({ data, dims, spacingMm: [0.5, 2, 3], originMm: [10, -20, 5], direction: [0, -1, 0, 1, 0, 0, 0, 0, 1] });

describe('cropVolume / axialSlab', () => {
  it('copies the box and keeps every voxel at its world position', () => {
    const c = cropVolume(v, [1, 1, 2], [3, 2, 3]);
    expect(c.dims).toEqual([3, 2, 2]);
    expect(Array.from(c.data)).toEqual([211, 212, 213, 221, 222, 223, 311, 312, 313, 321, 322, 323]);
    expect(indexToWorld(c, 0, 0, 0)).toEqual(indexToWorld(v, 1, 1, 2));
    expect(indexToWorld(c, 2, 1, 1)).toEqual(indexToWorld(v, 3, 2, 3));
    expect(c.data).toBeInstanceOf(Int16Array);
  });
  it('axialSlab takes whole slices', () => {
    const s = axialSlab(v, 4, 4);
    expect(s.dims).toEqual([4, 3, 1]);
    expect(s.data[0]).toBe(400);
    expect(s.data[11]).toBe(423);
  });
  it('refuses a box outside the grid or reversed', () => {
    expect(() => cropVolume(v, [0, 0, 0], [4, 2, 4])).toThrow(ParameterError);
    expect(() => axialSlab(v, 3, 2)).toThrow(/axis k range 3..2/);
  });
});
