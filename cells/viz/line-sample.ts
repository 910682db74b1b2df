/**
 * Sampling a volume along a straight segment in patient coordinates (LPS, mm) by trilinear
 * interpolation between voxel centres. Pure arithmetic, no DOM and no plotting: the one
 * sampler behind `lineProfile` (cells/viz/line-profile.ts) in Node and the line picked in the
 * app's planes view (app/renderers/planes-view.ts), so both give the same numbers.
 */
import { GeometryError, ParameterError } from '../core/errors.ts';
import type { Mat3, Vec3, VoxelArray } from '../core/volume.ts';

/** What the sampler reads of a volume: its voxels and grid (a `Volume` or a planes bundle). */
export interface SampledGrid {
  readonly data: VoxelArray;
  readonly dims: Vec3;
  readonly spacingMm: Vec3;
  readonly originMm: Vec3;
  readonly direction: Mat3;
}

/** The samples of a segment (see `sampleLine`). */
export interface LineProfile {
  readonly fromMm: Vec3;
  readonly toMm: Vec3;
  /** Length of the segment, mm. */
  readonly lengthMm: number;
  /** Distance of each sample from `fromMm`, mm: 0, …, lengthMm evenly. */
  readonly distancesMm: Float64Array;
  /**
   * The interpolated value at each sample (the volume's unit: HU for CT); NaN where the
   * sample lies outside the grid's voxel centres (there is nothing to interpolate from).
   */
  readonly values: Float64Array;
  /** Samples that fell outside the grid (NaN values). */
  readonly outside: number;
}

/**
 * The value of `volume` at the continuous index (x, y, z) by trilinear interpolation of the
 * eight surrounding voxel centres; NaN outside [0, n−1] on any axis. On a face of the grid the
 * weight of the missing neighbour is 0, so voxel centres give their own values exactly.
 */
export function sampleTrilinear(volume: SampledGrid, x: number, y: number, z: number): number {
  const [nx, ny, nz] = volume.dims;
  if (!(x >= 0 && y >= 0 && z >= 0 && x <= nx - 1 && y <= ny - 1 && z <= nz - 1)) return NaN;
  const i0 = Math.min(Math.floor(x), Math.max(0, nx - 2)), j0 = Math.min(Math.floor(y), Math.max(0, ny - 2)), k0 = Math.min(Math.floor(z), Math.max(0, nz - 2));
  const fx = x - i0, fy = y - j0, fz = z - k0;
  const i1 = nx > 1 ? i0 + 1 : i0, j1 = ny > 1 ? j0 + 1 : j0, k1 = nz > 1 ? k0 + 1 : k0;
  const d = volume.data, sy = nx, sz = nx * ny;
  const at = (i: number, j: number, k: number) => d[i + sy * j + sz * k]!;
  const c00 = at(i0, j0, k0) * (1 - fx) + at(i1, j0, k0) * fx;
  const c10 = at(i0, j1, k0) * (1 - fx) + at(i1, j1, k0) * fx;
  const c01 = at(i0, j0, k1) * (1 - fx) + at(i1, j0, k1) * fx;
  const c11 = at(i0, j1, k1) * (1 - fx) + at(i1, j1, k1) * fx;
  return (c00 * (1 - fy) + c10 * fy) * (1 - fz) + (c01 * (1 - fy) + c11 * fy) * fz;
}

/**
 * The continuous voxel index of a patient point (LPS, mm): index = (Dᵀ · (p − origin)) ∘ / spacing.
 * Dᵀ inverts D because grids are orthonormal (`makeVolume` refuses others).
 */
export function worldToIndex(volume: SampledGrid, p: Vec3): Vec3 {
  const d = volume.direction, o = volume.originMm, s = volume.spacingMm;
  const a = p[0] - o[0], b = p[1] - o[1], c = p[2] - o[2];
  return [(d[0] * a + d[3] * b + d[6] * c) / s[0], (d[1] * a + d[4] * b + d[7] * c) / s[1], (d[2] * a + d[5] * b + d[8] * c) / s[2]];
}

function checkPoint(p: Vec3, what: string): void {
  if (!Array.isArray(p) || p.length !== 3 || !p.every((c) => Number.isFinite(c))) {
    throw new GeometryError(`lineProfile: ${what} must be three finite mm coordinates (LPS), got ${JSON.stringify(p)}`);
  }
}

/**
 * The values of `volume` at `samples` evenly spaced points from `fromMm` to `toMm` (LPS, mm),
 * both ends included. Default sample count: spaced at most half the smallest voxel spacing, so
 * no voxel is skipped: ⌈length / (min spacing / 2)⌉ + 1. Cost: 8 voxel reads per sample.
 * @throws GeometryError if a point is not three finite numbers; ParameterError if `samples`
 *   is not an integer ≥ 2.
 */
export function sampleLine(volume: SampledGrid, fromMm: Vec3, toMm: Vec3, options: { readonly samples?: number } = {}): LineProfile {
  checkPoint(fromMm, 'fromMm');
  checkPoint(toMm, 'toMm');
  const lengthMm = Math.hypot(toMm[0] - fromMm[0], toMm[1] - fromMm[1], toMm[2] - fromMm[2]);
  const step = Math.min(...volume.spacingMm) / 2;
  const n = options.samples ?? Math.ceil(lengthMm / step) + 1;
  if (!Number.isInteger(n) || n < 2) throw new ParameterError(`lineProfile: samples must be an integer ≥ 2, got ${n}`);
  const a = worldToIndex(volume, fromMm), b = worldToIndex(volume, toMm);
  const distancesMm = new Float64Array(n), values = new Float64Array(n);
  let outside = 0;
  for (let s = 0; s < n; s++) {
    const t = s / (n - 1);
    distancesMm[s] = t * lengthMm;
    const v = sampleTrilinear(volume, a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t);
    values[s] = v;
    if (Number.isNaN(v)) outside++;
  }
  return { fromMm, toMm, lengthMm, distancesMm, values, outside };
}

/** Min, max and mean of a profile's defined (non-NaN) values; NaN for all three when none is. */
export function profileStats(values: ArrayLike<number>): { min: number; max: number; mean: number; defined: number } {
  let min = Infinity, max = -Infinity, sum = 0, defined = 0;
  for (let s = 0; s < values.length; s++) {
    const v = values[s]!;
    if (Number.isNaN(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    defined++;
  }
  return defined ? { min, max, mean: sum / defined, defined } : { min: NaN, max: NaN, mean: NaN, defined: 0 };
}
