/**
 * The one line sampler (cells/viz/line-sample.ts) behind `lineProfile` in Node and the planes
 * view's picked line in the app: exact on a linear field, on a planes-bundle-like grid of int16
 * voxels as on a Volume; `lineProfile` gives its very numbers; the planes' continuous pixel →
 * index mapping inverts `indexToPixel`.
 */
import { describe, expect, it } from 'vitest';
import { indexToWorld, makeVolume, type Mat3, type Vec3 } from '../../cells/core/volume.ts';
import { lineProfile } from '../../cells/viz/line-profile.ts';
import { profileStats, sampleLine, type SampledGrid } from '../../cells/viz/line-sample.ts';
import { indexToPixel, planeLayout, pointToIndex, PLANE_NAMES } from '../../cells/viz/planes-geometry.ts';
import { niceTicks } from '../../app/renderers/profile-chart.ts';

const linear = (p: Vec3) => 3 * p[0] - 2 * p[1] + 0.5 * p[2] + 40;

/** A 9×8×6 int16 grid (flipped x, 0.8 × 0.9 × 2.5 mm) holding 20·linear, an integer at every voxel (so int16 stores it exactly). */
function grid(): SampledGrid {
  const dims: Vec3 = [9, 8, 6], direction: Mat3 = [-1, 0, 0, 0, 1, 0, 0, 0, 1];
  const v = makeVolume({ data: new Int16Array(9 * 8 * 6), dims, spacingMm: [0.8, 0.9, 2.5], originMm: [20, -4, 7], direction });
  for (let k = 0; k < 6; k++) for (let j = 0; j < 8; j++) for (let i = 0; i < 9; i++) v.data[i + 9 * (j + 8 * k)] = Math.round(20 * linear(indexToWorld(v, i, j, k)));
  return { data: v.data, dims: v.dims, spacingMm: v.spacingMm, originMm: v.originMm, direction: v.direction };
}

describe('sampleLine (shared by lineProfile and the planes view)', () => {
  it('is exact on a linear field stored as int16 in a plain grid object', () => {
    const g = grid();
    const vol = makeVolume({ ...g, data: g.data });
    const from = indexToWorld(vol, 0.25, 1.5, 0.5), to = indexToWorld(vol, 7.75, 6.2, 4.9);
    const p = sampleLine(g, from, to, { samples: 21 });
    expect(p.outside).toBe(0);
    for (let s = 0; s <= 20; s++) {
      const t = s / 20;
      const q: Vec3 = [0, 1, 2].map((a) => from[a]! + (to[a]! - from[a]!) * t) as unknown as Vec3;
      expect(p.values[s]).toBeCloseTo(20 * linear(q), 9);
      expect(p.distancesMm[s]).toBeCloseTo(t * p.lengthMm, 12);
    }
    expect(p.lengthMm).toBeCloseTo(Math.hypot(7.5 * 0.8, 4.7 * 0.9, 4.4 * 2.5), 12);
  });

  it('is what lineProfile returns, sample for sample (default count: every half of the smallest spacing)', () => {
    const g = grid();
    const vol = makeVolume({ ...g });
    const from: Vec3 = [19, -3, 8], to: Vec3 = [14.5, 2, 16];
    const a = sampleLine(g, from, to), b = lineProfile(vol, from, to).value;
    expect(a.values.length).toBe(Math.ceil(Math.hypot(4.5, 5, 8) / 0.4) + 1);
    expect(Array.from(b.values)).toEqual(Array.from(a.values));
    expect(Array.from(b.distancesMm)).toEqual(Array.from(a.distancesMm));
  });

  it('profileStats skips NaN (samples outside the grid)', () => {
    expect(profileStats([1, NaN, 5, 3])).toEqual({ min: 1, max: 5, mean: 3, defined: 3 });
    expect(profileStats([NaN]).defined).toBe(0);
  });

  it('pointToIndex puts a pixel centre on its voxel and interpolates between', () => {
    const g = grid();
    for (const name of PLANE_NAMES) {
      const layout = planeLayout(name, g);
      const idx: Vec3 = [3, 5, 2];
      const [c, r] = indexToPixel(layout, idx);
      expect(pointToIndex(layout, c + 0.5, r + 0.5, idx)).toEqual(idx);
      const half = pointToIndex(layout, c + 1, r + 0.5, idx);
      expect(Math.abs(half[layout.colAxis] - idx[layout.colAxis])).toBe(0.5);
    }
  });

  it('niceTicks: round steps covering the range', () => {
    expect(niceTicks(0, 123.4)).toEqual([0, 20, 40, 60, 80, 100, 120]);
    expect(niceTicks(-980, 1730, 4)).toEqual([-500, 0, 500, 1000, 1500]);
  });
});
