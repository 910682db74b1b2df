import { describe, expect, it } from 'vitest';
import { AbortError, ParameterError } from '../../cells/core/errors.ts';
import { fillHoles } from '../../cells/segment/fill-holes.ts';
import { count, figures, phantom, reference, tissue } from './helpers.ts';

const c = 10;
const r2 = (i: number, j: number, k: number) => (i - c) ** 2 + (j - c) ** 2 + (k - c) ** 2;

describe('fillHoles: phantoms', () => {
  it('a hollow sphere (shell 6 ≤ r ≤ 8) becomes the solid ball r ≤ 8', () => {
    const shell = phantom([21, 21, 21], (i, j, k) => r2(i, j, k) >= 36 && r2(i, j, k) <= 64);
    const ball = phantom([21, 21, 21], (i, j, k) => r2(i, j, k) <= 64);
    expect(fillHoles(shell).data).toEqual(ball.data);
  });
  it('a cavity with a one-voxel channel to the border is not a hole; a diagonal-only leak is (background is 6-connected)', () => {
    const open = phantom([21, 21, 21], (i, j, k) => r2(i, j, k) >= 36 && r2(i, j, k) <= 64 && !(j === c && k === c && i > c));
    expect(count(fillHoles(open))).toBe(count(open));
    // A box with 2-voxel walls (i, j, k in 1..12 of 14) and an 8³ cavity; two wall voxels
    // removed so that outside and cavity meet only along an edge: (1,5,5) then (2,6,5).
    const box = phantom([14, 14, 14], (i, j, k) => {
      const wall = i >= 1 && i <= 12 && j >= 1 && j <= 12 && k >= 1 && k <= 12 && !(i >= 3 && i <= 10 && j >= 3 && j <= 10 && k >= 3 && k <= 10);
      return wall && !(i === 1 && j === 5 && k === 5) && !(i === 2 && j === 6 && k === 5);
    });
    const filled = fillHoles(box);
    expect(count(filled) - count(box)).toBe(8 ** 3 + 1);
    expect(filled.data[1 + 14 * (5 + 14 * 5)]).toBe(0);
    expect(filled.data[2 + 14 * (6 + 14 * 5)]).toBe(1);
  });
  it('a tube along k (open at both ends): not filled in 3-D, filled slice by slice across axis 2, not across axis 0', () => {
    const tube = phantom([21, 21, 9], (i, j) => { const d = (i - c) ** 2 + (j - c) ** 2; return d >= 16 && d <= 49; });
    const disc = phantom([21, 21, 9], (i, j) => (i - c) ** 2 + (j - c) ** 2 <= 49);
    expect(count(fillHoles(tube))).toBe(count(tube));
    expect(fillHoles(tube, { axis: 2 }).data).toEqual(disc.data);
    expect(count(fillHoles(tube, { axis: 0 }))).toBe(count(tube));
  });
  it('refuses an axis other than 0, 1, 2; stops on an aborted signal', () => {
    const m = phantom([3, 3, 3], () => true);
    expect(() => fillHoles(m, { axis: 3 as 0 })).toThrow(ParameterError);
    const ac = new AbortController();
    ac.abort();
    expect(() => fillHoles(m, { signal: ac.signal })).toThrow(AbortError);
    expect(() => fillHoles(m, { axis: 1, signal: ac.signal })).toThrow(AbortError);
  });
});

describe(`fillHoles equals scipy.ndimage.binary_fill_holes (scipy ${reference.versions.scipy}) on the Colin27 tissue mask`, () => {
  it('3-D, and per axial slice (axis 2)', async () => {
    const m = await tissue();
    expect(figures(m)).toEqual(reference.tissue);
    expect(figures(fillHoles(m))).toEqual(reference.fillHoles['3d']);
    expect(figures(fillHoles(m, { axis: 2 }))).toEqual(reference.fillHoles['axis 2']);
  });
});
