/**
 * Intensity normalisation for learning: a function of one volume alone, so that training
 * (`sliceDataset`) and inference (`predictVolume`) compute exactly the same mapping from the
 * same image, with nothing carried between them.
 *
 * Rule (nnU-Net's for non-CT images is a z-score per volume; the percentile clip is its CT
 * rule and MONAI's `ScaleIntensityRangePercentiles`, applied here to every modality):
 * 1. lo, hi = the 0.5th and 99.5th percentiles of all voxels (numpy's default linear
 *    percentile, see cells/metrics/percentile.ts);
 * 2. clip every voxel to [lo, hi];
 * 3. z = (clipped − mean) / std, mean and population std of the clipped voxels.
 * Isensee et al. 2021, "nnU-Net: a self-configuring method for deep learning-based
 * biomedical image segmentation", Nature Methods 18:203–211, doi:10.1038/s41592-020-01008-z.
 */
import { ParameterError } from '../core/errors.ts';
import type { Volume } from '../core/volume.ts';
import { percentileInPlace } from '../metrics/percentile.ts';

/** Options of {@link intensityNormalization}. */
export interface NormalizeOptions {
  /** Lower clip percentile, 0..100. Default 0.5. */
  readonly lowPercent?: number;
  /** Upper clip percentile, 0..100, above `lowPercent`. Default 99.5. */
  readonly highPercent?: number;
}

/** The numbers that define the mapping; z = (min(max(v, lo), hi) − mean) / std. */
export interface IntensityNormalization {
  /** Clip bounds in the image's own units (HU, MR signal…). */
  readonly lo: number;
  readonly hi: number;
  /** Mean and population standard deviation of the clipped voxels, image units. */
  readonly mean: number;
  readonly std: number;
  /** The percentiles used. */
  readonly lowPercent: number;
  readonly highPercent: number;
}

/**
 * Throws a ParameterError naming the first voxel (i, j, k) whose value is NaN or ±Infinity.
 * @param what how the volume is called in the message ('image').
 */
export function assertFiniteVolume(volume: Volume, what = 'image'): void {
  const a = volume.data;
  if (!(a instanceof Float32Array || a instanceof Float64Array)) return; // integer arrays are always finite
  for (let n = 0; n < a.length; n++) {
    const v = a[n]!;
    if (!Number.isFinite(v)) {
      const [nx, ny] = volume.dims;
      const i = n % nx, j = Math.floor(n / nx) % ny, k = Math.floor(n / (nx * ny));
      throw new ParameterError(`${what} has ${v} at voxel (i ${i}, j ${j}, k ${k}); replace non-finite values (e.g. with the background level) before learning`);
    }
  }
}

/**
 * Computes the normalisation of a volume (see the module comment): percentile clip then
 * z-score, per volume. O(n) time (selection, not sorting), 8 bytes per voxel of scratch.
 * @throws ParameterError if a voxel is NaN or infinite (named by its index), if the
 *   percentiles are out of order or outside 0..100, or if the clipped volume is constant
 *   (std 0: nothing to normalise).
 */
export function intensityNormalization(volume: Volume, options: NormalizeOptions = {}): IntensityNormalization {
  const lowPercent = options.lowPercent ?? 0.5;
  const highPercent = options.highPercent ?? 99.5;
  if (!(lowPercent >= 0 && highPercent <= 100 && lowPercent < highPercent)) {
    throw new ParameterError(`normalisation percentiles must satisfy 0 ≤ low < high ≤ 100, got ${lowPercent} and ${highPercent}`);
  }
  assertFiniteVolume(volume);
  const a = volume.data;
  const scratch = Float64Array.from(a);
  const lo = percentileInPlace(scratch, lowPercent);
  const hi = percentileInPlace(scratch, highPercent);
  let sum = 0;
  for (let n = 0; n < a.length; n++) {
    const v = a[n]!;
    sum += v < lo ? lo : v > hi ? hi : v;
  }
  const mean = sum / a.length;
  let ss = 0;
  for (let n = 0; n < a.length; n++) {
    const v = a[n]!;
    const d = (v < lo ? lo : v > hi ? hi : v) - mean;
    ss += d * d;
  }
  const std = Math.sqrt(ss / a.length);
  if (!(std > 0)) {
    throw new ParameterError(`image is constant between its ${lowPercent}th and ${highPercent}th percentiles (${lo}..${hi}): nothing to normalise`);
  }
  return { lo, hi, mean, std, lowPercent, highPercent };
}

/** Applies `norm` to one value. */
export function normalizeValue(v: number, norm: IntensityNormalization): number {
  return ((v < norm.lo ? norm.lo : v > norm.hi ? norm.hi : v) - norm.mean) / norm.std;
}

/** The normalised value of the lower clip bound: the darkest value, used as padding/background. */
export function normalizedFloor(norm: IntensityNormalization): number {
  return (norm.lo - norm.mean) / norm.std;
}
