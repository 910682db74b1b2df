import { describe, expect, it } from 'vitest';
import { makeVolume, IDENTITY3, type Volume } from '../../cells/core/volume.ts';
import { threshold, countNonZero } from '../../cells/segment/threshold.ts';
import { connectedComponents, removeIslands } from '../../cells/segment/components.ts';
import { AbortError, ParameterError } from '../../cells/core/errors.ts';

function grid(nx: number, ny: number, nz: number, f: (i: number, j: number, k: number) => number): Volume<Int16Array> {
  const data = new Int16Array(nx * ny * nz);
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) data[i + nx * (j + ny * k)] = f(i, j, k);
  return makeVolume({ data, dims: [nx, ny, nz], spacingMm: [0.5, 0.5, 2], originMm: [0, 0, 0], direction: IDENTITY3 });
}

describe('threshold', () => {
  it('keeps both bounds inclusive', () => {
    const v = grid(10, 1, 1, (i) => i * 100); // 0..900
    const m = threshold(v, { minHu: 200, maxHu: 500 });
    expect(Array.from(m.data)).toEqual([0, 0, 1, 1, 1, 1, 0, 0, 0, 0]);
  });
  it('rejects minHu above maxHu with a ParameterError', () => {
    const v = grid(2, 1, 1, () => 0);
    expect(() => threshold(v, { minHu: 10, maxHu: 0 })).toThrow(ParameterError);
  });
});

describe('connectedComponents', () => {
  // Two voxels touching only at a corner: one component at 26, two at 6.
  const diag = grid(3, 3, 3, (i, j, k) => ((i === 0 && j === 0 && k === 0) || (i === 1 && j === 1 && k === 1) ? 1 : 0));
  const mask = threshold(diag, { minHu: 1, maxHu: 1 });
  it('joins corner neighbours at 26-connectivity', () => {
    expect(connectedComponents(mask, 26).components.length).toBe(1);
  });
  it('separates corner neighbours at 6-connectivity', () => {
    const r = connectedComponents(mask, 6);
    expect(r.components.map((c) => c.voxels)).toEqual([1, 1]);
  });
  it('reports component volume in mm³ from spacing', () => {
    const r = connectedComponents(mask, 26);
    expect(r.components[0]!.volumeMm3).toBeCloseTo(2 * 0.5 * 0.5 * 2, 10);
  });
});

describe('connectedComponents: interrupt and progress', () => {
  // A ball of radius 20 voxels in the middle of a 64³ grid: the first voxel of every slice
  // is background, so a check placed after the background skip would never run.
  const n = 64;
  const ball = threshold(grid(n, n, n, (i, j, k) => ((i - 31.5) ** 2 + (j - 31.5) ** 2 + (k - 31.5) ** 2 <= 400 ? 1 : 0)), { minHu: 1, maxHu: 1 });

  it('throws AbortError for an already-aborted signal', () => {
    const ac = new AbortController();
    ac.abort();
    expect(() => connectedComponents(ball, 26, { signal: ac.signal })).toThrow(AbortError);
    expect(() => removeIslands(ball, { minIslandMm3: 1, signal: ac.signal })).toThrow(AbortError);
  });

  it('stops at the slice where the signal fires', () => {
    const ac = new AbortController();
    const seen: number[] = [];
    const run = () => connectedComponents(ball, 26, {
      signal: ac.signal,
      onProgress: (f) => {
        seen.push(f);
        if (seen.length === 10) ac.abort();
      },
    });
    expect(run).toThrow(AbortError);
    expect(seen).toHaveLength(10);
  });

  it('reports progress at least once per slice, non-decreasing, ending at 1', () => {
    const seen: number[] = [];
    const r = connectedComponents(ball, 26, { onProgress: (f) => seen.push(f) });
    expect(r.components).toHaveLength(1);
    expect(seen.length).toBeGreaterThanOrEqual(n);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
    expect(seen[0]).toBe(0);
    expect(seen.at(-1)).toBe(1);
  });
});

describe('removeIslands', () => {
  it('drops components below the volume threshold and keeps the rest', () => {
    // A 4×4×4 block (64 voxels × 0.5 mm³ = 32 mm³) and a lone voxel (0.5 mm³).
    const v = grid(12, 12, 12, (i, j, k) => ((i < 4 && j < 4 && k < 4) || (i === 10 && j === 10 && k === 10) ? 1 : 0));
    const r = removeIslands(threshold(v, { minHu: 1, maxHu: 1 }), { minIslandMm3: 1 });
    expect(countNonZero(r.mask)).toBe(64);
    expect(r.kept.length).toBe(1);
    expect(r.removed.map((c) => c.voxels)).toEqual([1]);
  });
});
