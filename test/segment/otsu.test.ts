import { describe, expect, it } from 'vitest';
import { GeometryError, ParameterError } from '../../cells/core/errors.ts';
import { IDENTITY3, makeVolume, withData, type VoxelArray } from '../../cells/core/volume.ts';
import { otsuThreshold } from '../../cells/segment/otsu.ts';
import { colin27, reference } from './helpers.ts';

const line = (data: VoxelArray) => makeVolume({ data, dims: [data.length, 1, 1], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: IDENTITY3 });

describe('otsuThreshold: hand-computed histograms', () => {
  it('two integer values: every t between them splits the classes equally well; the first (the lower value) wins', () => {
    expect(otsuThreshold(line(Int16Array.of(10, 10, 10, 50, 50)))).toBe(10);
  });
  it('0, 4, 10 with counts 3, 1, 2: w₁w₂(μ₁ − μ₂)² is 3·3·(0 − 8)² = 576 for t < 4 and 4·2·(1 − 10)² = 648 for 4 ≤ t < 10, so t = 4', () => {
    expect(otsuThreshold(line(Uint8Array.of(0, 0, 0, 4, 10, 10)))).toBe(4);
  });
  it('float values 0 and 1 in 256 bins: the centre of the first bin, 1/512', () => {
    expect(otsuThreshold(line(Float64Array.of(0, 0, 1, 1, 1)))).toBe(1 / 512);
    expect(otsuThreshold(line(Float64Array.of(0, 0, 1, 1, 1)), { bins: 4 })).toBe(1 / 8);
  });
  it('all values equal: that value', () => {
    expect(otsuThreshold(line(Float32Array.of(3.5, 3.5)))).toBe(3.5);
  });
  it('with a mask: only the selected voxels count', () => {
    const v = line(Uint8Array.of(0, 0, 100, 200, 200, 7));
    expect(otsuThreshold(v, { mask: line(Uint8Array.of(0, 0, 1, 1, 1, 0)) })).toBe(100);
    expect(otsuThreshold(v)).toBe(7);
  });
});

describe('otsuThreshold: refusals', () => {
  it('an empty mask, NaN values, bad bins, a mask on other dims', () => {
    const v = line(Float32Array.of(1, NaN, 3));
    expect(() => otsuThreshold(v)).toThrow(ParameterError);
    expect(otsuThreshold(v, { mask: line(Uint8Array.of(1, 0, 1)) })).toBeCloseTo(1 + 2 / 512, 12);
    expect(() => otsuThreshold(v, { mask: line(Uint8Array.of(0, 0, 0)) })).toThrow(/selects no voxel/);
    expect(() => otsuThreshold(v, { bins: 1 })).toThrow(ParameterError);
    expect(() => otsuThreshold(v, { mask: line(Uint8Array.of(1, 1)) })).toThrow(GeometryError);
  });
  it('an integer range too wide for one bin per integer, with the fix', () => {
    expect(() => otsuThreshold(line(Int32Array.of(0, 1 << 30)))).toThrow(/Float32Array/);
  });
});

describe(`otsuThreshold equals skimage.filters.threshold_otsu (skimage ${reference.versions.skimage}) on Colin27`, () => {
  it('uint8 T1: 49, and 90 inside the ch2bet brain', async () => {
    const { t1, bet } = await colin27();
    expect(otsuThreshold(t1)).toBe(reference.otsu['uint8']);
    expect(reference.otsu['uint8']).toBe(49);
    expect(otsuThreshold(t1, { mask: bet })).toBe(reference.otsu['uint8 in ch2bet']);
  });
  it('int16 (7x − 300): one bin per integer, so the threshold is 7·49 − 300 = 43', async () => {
    const { t1 } = await colin27();
    const v = withData(t1, Int16Array.from(t1.data, (x) => 7 * x - 300));
    expect(otsuThreshold(v)).toBe(reference.otsu['int16 (7x - 300)']);
    expect(otsuThreshold(v)).toBe(43);
  });
  it('float32 and float64 (0.37x + 1.5) with 256, 100 and 64 bins, masked too: the same bin centres to the last bit', async () => {
    const { t1, bet } = await colin27();
    const a = Math.fround(0.37);
    const f32 = withData(t1, Float32Array.from(t1.data, (x) => Math.fround(Math.fround(x * a) + 1.5)));
    const f64 = withData(t1, Float64Array.from(t1.data, (x) => x * 0.37 + 1.5));
    expect(otsuThreshold(f32)).toBe(reference.otsu['float32 (0.37x + 1.5), 256 bins']);
    expect(otsuThreshold(f32, { bins: 100 })).toBe(reference.otsu['float32 (0.37x + 1.5), 100 bins']);
    expect(otsuThreshold(f64)).toBe(reference.otsu['float64 (0.37x + 1.5), 256 bins']);
    expect(otsuThreshold(f64, { bins: 64, mask: bet })).toBe(reference.otsu['float64 (0.37x + 1.5) in ch2bet, 64 bins']);
  });
});
