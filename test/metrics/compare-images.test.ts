import { describe, expect, it } from 'vitest';
import { GeometryError, ParameterError } from '../../cells/core/errors.ts';
import { IDENTITY3, makeVolume, type Vec3 } from '../../cells/core/volume.ts';
import { compareImages, type CompareImagesOptions } from '../../cells/metrics/compare-images.ts';
import { imagePair, vol } from './synthetic.ts';

const D: Vec3 = [16, 13, 12];
const N = D[0] * D[1] * D[2];
const f32 = (data: Float32Array, dims: Vec3 = D) => makeVolume({ data, dims, spacingMm: [0.8, 0.8, 2], originMm: [0, 0, 0], direction: IDENTITY3 });

describe('compareImages on hand-computed cases', () => {
  it('identical images: MSE 0, PSNR Infinity, SSIM exactly 1 (2D and 3D)', () => {
    const [a] = imagePair(D, 4);
    for (const ssim3d of [false, true]) {
      const m = compareImages(vol(a, D), vol(a.slice(), D), { dataRange: 2000, ssim3d });
      expect(m).toMatchObject({ mse: 0, mae: 0, psnrDb: Infinity, ssim: 1 });
    }
  });

  it('constant images 100 and 120 (R = 255): MSE 400, PSNR 10·log10(255²/400), SSIM = luminance term only', () => {
    const m = compareImages(f32(new Float32Array(N).fill(100)), f32(new Float32Array(N).fill(120)), { dataRange: 255 });
    expect(m.mse).toBe(400);
    expect(m.mae).toBe(20);
    expect(m.psnrDb).toBeCloseTo(10 * Math.log10((255 * 255) / 400), 12);
    const c1 = (0.01 * 255) ** 2;
    expect(m.ssim).toBeCloseTo((2 * 100 * 120 + c1) / (100 * 100 + 120 * 120 + c1), 9);
    // Cropped border: (16 − 10)·(13 − 10) pixels per slice, 12 slices.
    expect(m.ssimVoxels).toBe(6 * 3 * 12);
    expect(m.voxels).toBe(N);
  });

  it('a mask restricts MSE and MAE to its voxels', () => {
    const a = new Float32Array(N), b = new Float32Array(N), mask = new Uint8Array(N);
    for (let i = 0; i < N; i++) { b[i] = i % 2 === 0 ? 3 : 0; mask[i] = i % 2; }
    const all = compareImages(f32(a), f32(b), { dataRange: 10 });
    expect(all.mse).toBe(4.5);
    const masked = compareImages(f32(a), f32(b), { dataRange: 10, mask: makeVolume({ ...f32(a), data: mask }) });
    expect(masked).toMatchObject({ mse: 0, mae: 0, psnrDb: Infinity, voxels: N / 2 });
  });
});

describe('compareImages refuses bad input', () => {
  const a = new Float32Array(N).fill(1);
  it('NaN in an image → ParameterError naming the image and the voxel', () => {
    const b = a.slice();
    b[3 + 16 * (2 + 13 * 5)] = NaN;
    expect(() => compareImages(f32(a), f32(b), { dataRange: 1 })).toThrow(/test image holds NaN at voxel \(3, 2, 5\)/);
    expect(() => compareImages(f32(b), f32(a), { dataRange: 1 })).toThrow(/reference image holds NaN/);
    const c = a.slice();
    c[0] = Infinity;
    expect(() => compareImages(f32(a), f32(c), { dataRange: 1 })).toThrow(ParameterError);
  });
  it('dataRange missing, 0, negative or NaN → ParameterError', () => {
    for (const dataRange of [undefined, 0, -1, NaN, Infinity]) {
      expect(() => compareImages(f32(a), f32(a), { dataRange } as unknown as CompareImagesOptions)).toThrow(/dataRange must be a finite number > 0/);
    }
  });
  it('slices narrower than the 11-voxel window, or too few slices for ssim3d → ParameterError', () => {
    const small: Vec3 = [10, 20, 12];
    const s = new Float32Array(10 * 20 * 12);
    expect(() => compareImages(f32(s, small), f32(s, small), { dataRange: 1 })).toThrow(/at least 11 along x and y/);
    const thin: Vec3 = [12, 12, 10];
    const t = new Float32Array(12 * 12 * 10);
    expect(compareImages(f32(t, thin), f32(t, thin), { dataRange: 1 }).ssim).toBe(1);
    expect(() => compareImages(f32(t, thin), f32(t, thin), { dataRange: 1, ssim3d: true })).toThrow(/and z \(ssim3d\)/);
  });
  it('an empty mask, or one only in the cropped border → ParameterError', () => {
    const mask = new Uint8Array(N);
    const mv = () => makeVolume({ ...f32(a), data: mask });
    expect(() => compareImages(f32(a), f32(a), { dataRange: 1, mask: mv() })).toThrow(/selects no voxel/);
    mask[0] = 1;
    expect(() => compareImages(f32(a), f32(a), { dataRange: 1, mask: mv() })).toThrow(/at least 5 voxels from the slice edges/);
  });
  it('images on different grids → GeometryError', () => {
    const other = makeVolume({ ...f32(a), spacingMm: [0.8, 0.8, 2.5] });
    expect(() => compareImages(f32(a), other, { dataRange: 1 })).toThrow(GeometryError);
  });
});
