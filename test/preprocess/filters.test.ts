import { describe, expect, it } from 'vitest';
import { AbortError, ParameterError } from '../../cells/core/errors.ts';
import { IDENTITY3, makeVolume, type Vec3, type VoxelArray } from '../../cells/core/volume.ts';
import { gaussianFilter, gaussianTaps, sigmaInVoxels } from '../../cells/preprocess/gaussian.ts';
import { medianFilter } from '../../cells/preprocess/median.ts';

function vol<T extends VoxelArray>(data: T, dims: Vec3, spacingMm: Vec3 = [1, 1, 1]) {
  return makeVolume({ data, dims, spacingMm, originMm: [0, 0, 0], direction: IDENTITY3 });
}

describe('gaussianTaps', () => {
  it('has radius ⌊truncate·σ + 0.5⌋ and sums to 1 over −r…r', () => {
    const w = gaussianTaps(1.5, 4);
    expect(w.length - 1).toBe(6);
    let s = w[0]!;
    for (let t = 1; t < w.length; t++) s += 2 * w[t]!;
    expect(s).toBeCloseTo(1, 14);
    expect(w[1]! / w[0]!).toBeCloseTo(Math.exp(-1 / (2 * 1.5 * 1.5)), 14);
  });
});

describe('gaussianFilter', () => {
  it('leaves a constant volume constant, in float32, on the same grid', () => {
    const v = vol(new Int16Array(6 * 5 * 4).fill(-300), [6, 5, 4], [0.5, 0.7, 2]);
    const g = gaussianFilter(v, { sigmaMm: 1.3 });
    expect(g.data).toBeInstanceOf(Float32Array);
    expect(g.spacingMm).toEqual(v.spacingMm);
    expect(new Set(g.data)).toEqual(new Set([-300]));
  });

  it('spreads an impulse into the outer product of the three tap vectors (σ in mm → voxels by spacing)', () => {
    const dims: Vec3 = [21, 21, 21];
    const d = new Float32Array(21 ** 3);
    d[10 + 21 * (10 + 21 * 10)] = 1;
    const g = gaussianFilter(vol(d, dims, [0.8, 1, 2]), { sigmaMm: 2 }); // σ 2.5, 2, 1 voxels: radius ≤ 10, no mass leaves the grid
    const [wx, wy, wz] = [gaussianTaps(2 / 0.8), gaussianTaps(2), gaussianTaps(1)];
    for (const [i, j, k] of [[10, 10, 10], [13, 10, 10], [10, 8, 11], [2, 13, 12]] as const) {
      const expected = wx[Math.abs(i - 10)]! * wy[Math.abs(j - 10)]! * wz[Math.abs(k - 10)]!;
      expect(g.data[i + 21 * (j + 21 * k)]).toBeCloseTo(expected, 7);
    }
    expect(g.data.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 5);
  });

  it('does not filter an axis whose σ is 0', () => {
    const d = new Float32Array(4 * 4 * 3);
    d[5 + 16] = 8; // (1, 1, 1)
    const g = gaussianFilter(vol(d, [4, 4, 3]), { sigmaVoxels: [1, 1, 0] });
    expect(g.data.slice(0, 16).every((x) => x === 0)).toBe(true);
    expect(g.data.slice(32).every((x) => x === 0)).toBe(true);
  });

  it('refuses both or neither σ, negative σ, and a bad truncate', () => {
    const v = vol(new Float32Array(8), [2, 2, 2]);
    expect(() => gaussianFilter(v, {})).toThrow(ParameterError);
    expect(() => gaussianFilter(v, { sigmaMm: 1, sigmaVoxels: 1 })).toThrow(ParameterError);
    expect(() => gaussianFilter(v, { sigmaMm: [1, -1, 1] })).toThrow(ParameterError);
    expect(() => gaussianFilter(v, { sigmaMm: 1, truncate: 0 })).toThrow(ParameterError);
    expect(sigmaInVoxels({ spacingMm: [0.5, 2, 4] }, { sigmaMm: 2 })).toEqual([4, 1, 0.5]);
  });

  it('stops with AbortError when its signal has fired', () => {
    const c = new AbortController();
    c.abort();
    expect(() => gaussianFilter(vol(new Float32Array(8), [2, 2, 2]), { sigmaMm: 1, signal: c.signal })).toThrow(AbortError);
  });
});

describe('medianFilter', () => {
  it('removes isolated outliers from a constant background and keeps the array type', () => {
    const d = new Int16Array(9 * 9 * 9).fill(40);
    for (const p of [0, 100, 333, 728]) d[p] = 3000;
    const m = medianFilter(vol(d, [9, 9, 9]), { size: 3 });
    expect(m.data).toBeInstanceOf(Int16Array);
    expect(new Set(m.data)).toEqual(new Set([40]));
  });

  it('keeps a straight edge where it is', () => {
    const d = new Float32Array(8 * 6 * 5);
    for (let p = 0; p < d.length; p++) d[p] = p % 8 < 3 ? -1000 : 60;
    expect(medianFilter(vol(d, [8, 6, 5]), { size: [3, 3, 3] }).data).toEqual(d);
  });

  it('takes the middle value of a 1-D window along x', () => {
    const d = new Float32Array([5, 1, 4, 2, 3]);
    expect([...medianFilter(vol(d, [5, 1, 1]), { size: [3, 1, 1] }).data]).toEqual([5, 4, 2, 3, 3]);
  });

  it('refuses even or fractional sizes and NaN voxels', () => {
    const v = vol(new Float32Array(8), [2, 2, 2]);
    expect(() => medianFilter(v, { size: 2 })).toThrow(ParameterError);
    expect(() => medianFilter(v, { size: [3, 1.5, 1] })).toThrow(ParameterError);
    const n = new Float32Array(8);
    n[3] = NaN;
    expect(() => medianFilter(vol(n, [2, 2, 2]))).toThrow(/voxel \(1, 1, 0\) is NaN/);
  });
});
