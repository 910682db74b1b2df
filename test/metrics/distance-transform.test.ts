import { describe, expect, it } from 'vitest';
import { distanceTransform } from '../../cells/metrics/distance-transform.ts';
import { percentileInPlace } from '../../cells/metrics/percentile.ts';
import { surfaceVoxels } from '../../cells/metrics/surface.ts';
import { AbortError, ParameterError } from '../../cells/core/errors.ts';
import type { Vec3 } from '../../cells/core/volume.ts';
import { bruteNearest, brutePercentile, bruteSurface } from './brute.ts';
import { rng, vol } from './synthetic.ts';

describe('distanceTransform', () => {
  it('gives the anisotropic distance to a single voxel exactly', () => {
    const dims: Vec3 = [5, 4, 3];
    const m = new Uint8Array(60);
    m[1 + 5 * (2 + 4 * 0)] = 1; // voxel (1, 2, 0)
    const d = distanceTransform(vol(m, dims, [0.5, 2, 3])).data;
    expect(d[1 + 5 * 2]).toBe(0);
    // (4, 0, 2): Δ = (3, −2, 2) voxels → (1.5, 4, 6) mm → √(2.25 + 16 + 36)
    expect(d[4 + 5 * (0 + 4 * 2)]).toBeCloseTo(Math.sqrt(54.25), 12);
    // (1, 2, 1): one slice up, 3 mm
    expect(d[1 + 5 * (2 + 4 * 1)]).toBe(3);
  });

  it('equals brute force on random anisotropic masks, sparse and dense', () => {
    for (const [seed, density] of [[1, 2], [2, 10], [3, 50], [4, 1]] as const) {
      const next = rng(seed);
      const dims: Vec3 = [7 + (next() % 5), 5 + (next() % 6), 4 + (next() % 5)];
      const spacing: Vec3 = [0.3 + (next() % 100) / 40, 0.3 + (next() % 100) / 40, 0.3 + (next() % 100) / 40];
      const n = dims[0] * dims[1] * dims[2];
      const m = new Uint8Array(n);
      for (let i = 0; i < n; i++) m[i] = next() % 100 < density ? 1 : 0;
      m[next() % n] = 1; // never empty
      const on: number[] = [];
      m.forEach((v, i) => { if (v) on.push(i); });
      const d = distanceTransform(vol(m, dims, spacing)).data;
      for (let i = 0; i < n; i++) expect(d[i]).toBeCloseTo(bruteNearest(i, on, dims, spacing), 10);
    }
  });

  it('is Infinity everywhere for an empty mask', () => {
    const d = distanceTransform(vol(new Uint8Array(24), [4, 3, 2])).data;
    expect([...d].every((x) => x === Infinity)).toBe(true);
  });

  it('stops with AbortError when its signal has fired', () => {
    const c = new AbortController();
    c.abort();
    expect(() => distanceTransform(vol(new Uint8Array(8).fill(1), [2, 2, 2]), { signal: c.signal })).toThrow(AbortError);
  });
});

describe('surfaceVoxels', () => {
  it('counts a 4×4×4 cube inside the grid as 64 − 8 = 56, and the whole 3×3×3 grid as 26', () => {
    const m = new Uint8Array(8 * 8 * 8);
    for (let z = 2; z < 6; z++) for (let y = 2; y < 6; y++) for (let x = 2; x < 6; x++) m[x + 8 * (y + 8 * z)] = 1;
    expect(surfaceVoxels(vol(m, [8, 8, 8])).length).toBe(56);
    // Outside the grid counts as outside: a full grid's border voxels are surface.
    expect(surfaceVoxels(vol(new Uint8Array(27).fill(1), [3, 3, 3])).length).toBe(26);
  });

  it('matches the definition on random masks', () => {
    const next = rng(9);
    const dims: Vec3 = [9, 8, 7];
    const m = new Uint8Array(9 * 8 * 7);
    for (let i = 0; i < m.length; i++) m[i] = next() % 3 === 0 ? 0 : 1;
    expect([...surfaceVoxels(vol(m, dims))]).toEqual(bruteSurface(m, dims));
  });
});

describe('percentileInPlace', () => {
  it('interpolates as numpy: percentile([1, 2, 3, 4], 95) = 3.85', () => {
    expect(percentileInPlace(new Float64Array([4, 1, 3, 2]), 95)).toBeCloseTo(3.85, 14);
    expect(percentileInPlace(new Float64Array([7]), 95)).toBe(7);
    expect(percentileInPlace(new Float64Array([5, 1, 9]), 100)).toBe(9);
    expect(percentileInPlace(new Float64Array([5, 1, 9]), 0)).toBe(1);
  });

  it('equals sorting on random data with many ties', () => {
    const next = rng(5);
    for (let t = 0; t < 50; t++) {
      const n = 1 + (next() % 300);
      const xs = Array.from({ length: n }, () => next() % 17);
      for (const q of [0, 50, 95, 99.5, 100]) expect(percentileInPlace(new Float64Array(xs), q)).toBeCloseTo(brutePercentile(xs, q), 12);
    }
  });

  it('refuses no values and q outside [0, 100]', () => {
    expect(() => percentileInPlace(new Float64Array(0), 95)).toThrow(ParameterError);
    expect(() => percentileInPlace(new Float64Array(3), 101)).toThrow(/\[0, 100\]/);
  });
});
