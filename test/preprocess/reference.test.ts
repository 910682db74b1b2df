/**
 * gaussianFilter and medianFilter against scipy.ndimage on the same voxels: the values in
 * test/fixtures/preprocess/reference.json come from make-reference.py beside it
 * (scipy.ndimage.gaussian_filter(a.astype(float32), sigma, mode='nearest', truncate) and
 * median_filter(a, size, mode='nearest'); run it with /usr/bin/python3 after changing a case).
 * Both are expected bit for bit, not to a tolerance.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../../cells/core/volume.ts';
import { loadInv3 } from '../../cells/io/inv3.ts';
import { gaussianFilter, sigmaInVoxels } from '../../cells/preprocess/gaussian.ts';
import { medianFilter } from '../../cells/preprocess/median.ts';
import { cached } from '../helpers.ts';
import { sha256, synthetic } from './synthetic.ts';

interface Case { name: string; kind: string; dims: Vec3; seed: number; inputSha256: string; output: number[] }
const ref = JSON.parse(readFileSync(new URL('../fixtures/preprocess/reference.json', import.meta.url), 'utf8')) as {
  scipy: string;
  gaussian: Array<Case & { sigmaVoxels: Vec3; truncate: number }>;
  median: Array<Case & { size: Vec3 }>;
  real: {
    inputSha256: string; spacingMm: Vec3;
    gaussian: { sigmaMm: number; sigmaVoxels: Vec3; truncate: number; outputSha256: string };
    median: { size: number; outputSha256: string };
  };
};

/** Number of voxels where ours and theirs differ, and the largest difference. */
function diff(ours: ArrayLike<number>, theirs: readonly number[]): { count: number; max: number } {
  expect(ours.length).toBe(theirs.length);
  let count = 0, max = 0;
  for (let i = 0; i < theirs.length; i++) {
    const d = Math.abs(ours[i]! - theirs[i]!);
    if (d !== 0) count++;
    if (d > max) max = d;
  }
  return { count, max };
}

describe(`gaussianFilter equals scipy ${ref.scipy} gaussian_filter(mode='nearest') bit for bit`, () => {
  for (const c of ref.gaussian) {
    it(`${c.name} (${c.dims.join('×')}, σ ${c.sigmaVoxels.join(', ')} voxels, truncate ${c.truncate})`, () => {
      const v = synthetic(c.kind, c.dims, c.seed);
      expect(sha256(v.data)).toBe(c.inputSha256);
      const out = gaussianFilter(v, { sigmaVoxels: c.sigmaVoxels, truncate: c.truncate });
      expect(diff(out.data, c.output)).toEqual({ count: 0, max: 0 });
    });
  }
});

describe(`medianFilter equals scipy ${ref.scipy} median_filter(mode='nearest')`, () => {
  for (const c of ref.median) {
    it(`${c.name} (${c.dims.join('×')}, size ${c.size.join('×')})`, () => {
      const v = synthetic(c.kind, c.dims, c.seed);
      expect(sha256(v.data)).toBe(c.inputSha256);
      const out = medianFilter(v, { size: c.size });
      expect(out.data.constructor).toBe(v.data.constructor);
      expect(diff(out.data, c.output)).toEqual({ count: 0, max: 0 });
    });
  }
});

describe('on the head CT (256×256×108, 0.957×0.957×1.5 mm)', async () => {
  const ct = await loadInv3(cached('Cranium.inv3'));
  it('is the volume the scipy reference filtered', () => {
    expect(sha256(ct.data)).toBe(ref.real.inputSha256);
    expect([...ct.spacingMm]).toEqual(ref.real.spacingMm);
  });
  it('σ 1 mm Gaussian: the same σ in voxels and the same float32 bytes as scipy', () => {
    const g = ref.real.gaussian;
    expect(sigmaInVoxels(ct, { sigmaMm: g.sigmaMm })).toEqual(g.sigmaVoxels);
    expect(sha256(gaussianFilter(ct, { sigmaMm: g.sigmaMm, truncate: g.truncate }).data)).toBe(g.outputSha256);
  });
  it('3×3×3 median: the same int16 bytes as scipy', () => {
    expect(sha256(medianFilter(ct, { size: ref.real.median.size }).data)).toBe(ref.real.median.outputSha256);
  });
});
