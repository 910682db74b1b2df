/**
 * Our metrics against scipy / scikit-image on the same voxels: the numbers in
 * test/fixtures/metrics/reference.json come from make-reference.py beside it (run it with
 * /usr/bin/python3 after changing a case; the inputs are regenerated here from seeds).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Vec3 } from '../../cells/core/volume.ts';
import { openInv3 } from '../../cells/io/inv3.ts';
import { compareImages } from '../../cells/metrics/compare-images.ts';
import { compareMasks, type MaskComparison } from '../../cells/metrics/compare-masks.ts';
import { threshold } from '../../cells/segment/threshold.ts';
import { cached } from '../helpers.ts';
import { checksum, imagePair, maskPair, vol } from './synthetic.ts';

interface MaskCase { name: string; dims: Vec3; spacingMm: Vec3; seed: number; blobs: number; noisePercent: number; checksums: [number, number]; metrics: Record<string, MaskComparison> }
interface ImageMetrics { mse: number; mae: number; psnrDb: number; ssim: number; ssim3d: number }
interface ImageCase { name: string; dims: Vec3; seed: number; dataRange: number; checksums: [number, number]; metrics: ImageMetrics; maskedMetrics: ImageMetrics }
const ref = JSON.parse(readFileSync(new URL('../fixtures/metrics/reference.json', import.meta.url), 'utf8')) as {
  masks: MaskCase[]; images: ImageCase[]; real: { dims: Vec3; spacingMm: Vec3; metrics: MaskComparison };
};

const KEYS = ['dice', 'iou', 'sensitivity', 'precision', 'volumeDiffPercent', 'hdMm', 'hd95Mm', 'assdMm', 'surfaceDice'] as const;

function expectSame(ours: MaskComparison, theirs: MaskComparison) {
  for (const k of KEYS) expect(ours[k], k).toBeCloseTo(theirs[k], 12);
  expect(ours.referenceSurfaceVoxels).toBe(theirs.referenceSurfaceVoxels);
  expect(ours.predictionSurfaceVoxels).toBe(theirs.predictionSurfaceVoxels);
  expect(ours.referenceVoxels).toBe(theirs.referenceVoxels);
}

describe('compareMasks vs scipy distance_transform_edt with the MONAI convention', () => {
  for (const c of ref.masks) {
    it(`${c.name} (${c.dims.join('×')}, ${c.spacingMm.join(' × ')} mm)`, () => {
      const [r, p] = maskPair(c.dims, c.seed, c.blobs, c.noisePercent);
      expect([checksum(r), checksum(p)]).toEqual(c.checksums);
      for (const [tol, theirs] of Object.entries(c.metrics)) {
        expectSame(compareMasks(vol(r, c.dims, c.spacingMm), vol(p, c.dims, c.spacingMm), { toleranceMm: Number(tol) }), theirs);
      }
    });
  }
});

describe('compareImages vs skimage structural_similarity (gaussian_weights, σ 1.5, population covariance)', () => {
  for (const c of ref.images) {
    it(`${c.name}: per slice, 3D, and with a mask`, () => {
      const [a, b] = imagePair(c.dims, c.seed);
      expect([checksum(a), checksum(b)]).toEqual(c.checksums);
      const A = vol(a, c.dims, [0.5, 0.5, 3]), B = vol(b, c.dims, [0.5, 0.5, 3]);
      const [nx, ny, nz] = c.dims;
      const mask = new Uint8Array(nx * ny * nz);
      for (let z = 0, i = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++, i++) mask[i] = x + y > 30 ? 1 : 0;
      const M = vol(mask, c.dims, [0.5, 0.5, 3]);
      for (const [m, ssim3d, theirs] of [[undefined, false, c.metrics], [M, false, c.maskedMetrics], [undefined, true, c.metrics], [M, true, c.maskedMetrics]] as const) {
        const ours = compareImages(A, B, { dataRange: c.dataRange, mask: m, ssim3d });
        expect(ours.mse).toBeCloseTo(theirs.mse, 9);
        expect(ours.mae).toBeCloseTo(theirs.mae, 12);
        expect(ours.psnrDb).toBeCloseTo(theirs.psnrDb, 12);
        expect(ours.ssim).toBeCloseTo(ssim3d ? theirs.ssim3d : theirs.ssim, 12);
      }
    });
  }
});

describe('real data: head CT (Cranium.inv3), InVesalius bone mask vs threshold ≥ 300 HU', () => {
  it('reproduces scipy: Dice 0.9622, HD95 0.957 mm, ASSD 0.162 mm, surface Dice (1 mm) 0.988', () => {
    const project = openInv3(new Uint8Array(readFileSync(cached('Cranium.inv3'))), 'Cranium.inv3');
    const ct = project.volume();
    const bone = project.mask(0).mask;
    const m = compareMasks(bone, threshold(ct, { minHu: 300, maxHu: 32767 }), { toleranceMm: 1 });
    // The figures quoted in STACK.md and the issue, at their precision …
    expect(m.dice).toBeCloseTo(0.9622, 4);
    expect(m.hd95Mm).toBeCloseTo(0.957, 3);
    expect(m.assdMm).toBeCloseTo(0.162, 3);
    expect(m.surfaceDice).toBeCloseTo(0.988, 3);
    // … and scipy's full-precision numbers from the committed reference.
    expect(ct.dims).toEqual(ref.real.dims);
    expectSame(m, ref.real.metrics);
  });
});
