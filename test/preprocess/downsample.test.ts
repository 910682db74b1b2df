import { describe, expect, it } from 'vitest';
import { makeVolume, indexToWorld, type Mat3 } from '../../cells/core/volume.ts';
import { downsample } from '../../cells/preprocess/downsample.ts';
import { histogram, histogramBins } from '../../cells/viz/histogram.ts';
import { MIME_METHOD } from '../../cells/viz/bundle.ts';

// value = i + 10 j + 100 k on a 5×4×3 grid (the last x column and z slice are cut by factor 2)
const dims = [5, 4, 3] as const;
const data = new Int16Array(5 * 4 * 3);
for (let k = 0; k < 3; k++) for (let j = 0; j < 4; j++) for (let i = 0; i < 5; i++) data[i + 5 * (j + 4 * k)] = i + 10 * j + 100 * k;
// x and y swapped (det −1): the origin shift must follow the direction, not the axes.
const direction: Mat3 = [0, 1, 0, 1, 0, 0, 0, 0, 1];
const ramp = makeVolume({ data, dims: [...dims], spacingMm: [0.5, 1, 2], originMm: [10, 20, 30], direction });

describe('downsample', () => {
  it('averages each 2×2×2 block: a linear ramp gives the value at the block centre', () => {
    const d = downsample(ramp, 2);
    expect(d.dims).toEqual([2, 2, 1]);
    expect(d.spacingMm).toEqual([1, 2, 4]);
    // Block (0,0,0) holds i 0..1, j 0..1, k 0..1: mean 0.5 + 5 + 50.
    expect(Array.from(d.data)).toEqual([55.5, 57.5, 75.5, 77.5]);
  });

  it('puts output voxel 0 at the centre of its block in world mm, through the direction matrix', () => {
    const d = downsample(ramp, 2);
    expect(d.originMm).toEqual(indexToWorld(ramp, 0.5, 0.5, 0.5));
    expect(d.originMm).toEqual([10.5, 20.25, 31]);
    expect(d.direction).toEqual(direction);
  });

  it('refuses a factor that is not a whole number ≥ 1, or larger than a dimension', () => {
    expect(() => downsample(ramp, 1.5)).toThrow(/factor must be an integer ≥ 1, got 1.5/);
    expect(() => downsample(ramp, 0)).toThrow(/factor must be an integer ≥ 1/);
    expect(() => downsample(ramp, 4)).toThrow(/dims \[5, 4, 3\] are smaller than the factor 4/);
  });
});

describe('histogram of bins counted before', () => {
  it('draws the same figure from bins as from the volume', () => {
    const svg = (x: Parameters<typeof histogram>[0]) => histogram(x, { binWidth: 50, markers: { minHu: 120 } })[MIME_METHOD]().data['image/svg+xml'];
    expect(svg(histogramBins(ramp, 50))).toBe(svg(ramp));
  });
});
