/**
 * Gaussian smoothing of a volume: a separable filter, one 1-D pass per axis.
 *
 * Definition (the one `scipy.ndimage.gaussian_filter` uses, matched exactly):
 * - per axis, σ in voxels; radius r = ⌊truncate·σ + 0.5⌋; taps wₜ = exp(−t²/2σ²) for
 *   t = −r…r, normalised to sum 1 (an axis with σ ≤ 1e-15 is not filtered);
 * - edges: mode 'nearest' — the line is extended by repeating its first and last voxel;
 * - passes in the order z, y, x (numpy axes 0, 1, 2 of an array shaped (nz, ny, nx));
 *   each output voxel is summed in double precision as w₀·x₀ + Σ_{t=r…1} wₜ·(x₋ₜ + xₜ) and
 *   rounded to float32 between passes.
 * So `gaussianFilter(v, { sigmaVoxels: [sx, sy, sz], truncate })` gives the values of
 * `scipy.ndimage.gaussian_filter(a.astype(numpy.float32), sigma=(sz, sy, sx),
 * mode='nearest', truncate=truncate)` for the array `a` of shape (nz, ny, nx):
 * bit for bit on the committed cases (test/preprocess/reference.test.ts, scipy 1.10.1;
 * the tap weights are computed as numpy computes them, so a difference could only come
 * from `exp` rounding differently in the last bit between V8 and numpy).
 *
 * Cost: (2r+1) multiply-adds per voxel and axis (r+1 multiplies, using the symmetry);
 * memory: the float32 result plus one float32 copy of the input and a slice of scratch.
 */
import { ParameterError } from '../core/errors.ts';
import { checkAbort, type StageOptions } from '../core/stage.ts';
import { type Vec3, type Volume, withData } from '../core/volume.ts';

/** Options of {@link gaussianFilter}: give exactly one of `sigmaMm` and `sigmaVoxels`. */
export interface GaussianFilterOptions extends StageOptions {
  /**
   * Standard deviation in millimetres, one number for all axes or [x, y, z]; converted to
   * voxels per axis as σ_mm / spacingMm. 0 on an axis leaves that axis unfiltered.
   */
  readonly sigmaMm?: number | Vec3;
  /** Standard deviation in voxels, one number or [x, y, z] (scipy's `sigma`, reversed). */
  readonly sigmaVoxels?: number | Vec3;
  /** The kernel reaches ⌊truncate·σ + 0.5⌋ voxels from its centre. Default 4 (scipy's). */
  readonly truncate?: number;
}

/**
 * The sum of a float64 array as numpy's `ndarray.sum()` computes it (pairwise summation:
 * 8 interleaved partial sums over blocks of at most 128 values), so that normalised
 * weights round as they do in scipy.
 */
function numpySum(a: Float64Array, start: number, n: number): number {
  if (n < 8) {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[start + i]!;
    return s;
  }
  if (n <= 128) {
    const r = new Float64Array(8);
    for (let j = 0; j < 8; j++) r[j] = a[start + j]!;
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j]! += a[start + i + j]!;
    let s = ((r[0]! + r[1]!) + (r[2]! + r[3]!)) + ((r[4]! + r[5]!) + (r[6]! + r[7]!));
    for (; i < n; i++) s += a[start + i]!;
    return s;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return numpySum(a, start, n2) + numpySum(a, start + n2, n - n2);
}

/**
 * The normalised 1-D Gaussian taps for σ in voxels: `w[t]` for t = 0…r (the kernel is
 * w[|t|]), r = ⌊truncate·σ + 0.5⌋. Computed as scipy's `_gaussian_kernel1d` does.
 * @throws ParameterError if σ is not finite and > 0, or truncate not finite and > 0.
 */
export function gaussianTaps(sigmaVoxels: number, truncate = 4): Float64Array {
  if (!(Number.isFinite(sigmaVoxels) && sigmaVoxels > 0)) throw new ParameterError(`gaussianTaps: sigma must be finite and > 0 voxels, got ${sigmaVoxels}`);
  if (!(Number.isFinite(truncate) && truncate > 0)) throw new ParameterError(`gaussianTaps: truncate must be finite and > 0, got ${truncate}`);
  const r = Math.trunc(truncate * sigmaVoxels + 0.5);
  const full = new Float64Array(2 * r + 1);
  const e = -0.5 / (sigmaVoxels * sigmaVoxels);
  for (let t = -r; t <= r; t++) full[t + r] = Math.exp(e * (t * t));
  const sum = numpySum(full, 0, full.length);
  const w = new Float64Array(r + 1);
  for (let t = 0; t <= r; t++) w[t] = full[t + r]! / sum;
  return w;
}

function perAxis(x: number | Vec3, what: string): Vec3 {
  const v: Vec3 = typeof x === 'number' ? [x, x, x] : x;
  if (!Array.isArray(v) || v.length !== 3 || v.some((s) => typeof s !== 'number' || !Number.isFinite(s) || s < 0)) {
    throw new ParameterError(`gaussianFilter: ${what} must be a finite number ≥ 0 or three of them [x, y, z], got ${JSON.stringify(x)}`);
  }
  return v;
}

/**
 * σ per axis in voxels from the options (see {@link GaussianFilterOptions}).
 * @throws ParameterError unless exactly one of sigmaMm / sigmaVoxels is given, finite and ≥ 0.
 */
export function sigmaInVoxels(volume: Pick<Volume, 'spacingMm'>, options: Pick<GaussianFilterOptions, 'sigmaMm' | 'sigmaVoxels'>): Vec3 {
  const { sigmaMm, sigmaVoxels } = options;
  if ((sigmaMm === undefined) === (sigmaVoxels === undefined)) {
    throw new ParameterError('gaussianFilter: give exactly one of sigmaMm and sigmaVoxels');
  }
  if (sigmaVoxels !== undefined) return perAxis(sigmaVoxels, 'sigmaVoxels');
  const mm = perAxis(sigmaMm!, 'sigmaMm');
  const s = volume.spacingMm;
  return [mm[0] / s[0], mm[1] / s[1], mm[2] / s[2]];
}

/**
 * The 1-D passes of the symmetric kernel `w` (w[0…r]), edges 'nearest', each voxel summed
 * in double as scipy's correlate1d does and stored as float32. passZ reads `src` and writes
 * `dst` a slice at a time; passY and passX work in place through a slice / line copy.
 */
function passZ(src: Float32Array, dst: Float32Array, dims: Vec3, w: Float64Array, acc: Float64Array, tick: (k: number) => void): void {
  const [nx, ny, nz] = dims;
  const plane = nx * ny, r = w.length - 1, w0 = w[0]!;
  for (let k = 0; k < nz; k++) {
    tick(k);
    const o = k * plane;
    for (let p = 0; p < plane; p++) acc[p] = src[o + p]! * w0;
    for (let t = r; t >= 1; t--) {
      const lo = (k - t < 0 ? 0 : k - t) * plane, hi = (k + t > nz - 1 ? nz - 1 : k + t) * plane, wt = w[t]!;
      for (let p = 0; p < plane; p++) acc[p]! += (src[lo + p]! + src[hi + p]!) * wt;
    }
    for (let p = 0; p < plane; p++) dst[o + p] = acc[p]!;
  }
}

function passY(a: Float32Array, dims: Vec3, w: Float64Array, slice: Float64Array, acc: Float64Array, tick: (k: number) => void): void {
  const [nx, ny, nz] = dims;
  const plane = nx * ny, r = w.length - 1, w0 = w[0]!;
  for (let k = 0; k < nz; k++) {
    tick(k);
    const o = k * plane;
    for (let p = 0; p < plane; p++) slice[p] = a[o + p]!;
    for (let j = 0; j < ny; j++) {
      const row = j * nx;
      for (let i = 0; i < nx; i++) acc[i] = slice[row + i]! * w0;
      for (let t = r; t >= 1; t--) {
        const lo = (j - t < 0 ? 0 : j - t) * nx, hi = (j + t > ny - 1 ? ny - 1 : j + t) * nx, wt = w[t]!;
        for (let i = 0; i < nx; i++) acc[i]! += (slice[lo + i]! + slice[hi + i]!) * wt;
      }
      for (let i = 0; i < nx; i++) a[o + row + i] = acc[i]!;
    }
  }
}

function passX(a: Float32Array, dims: Vec3, w: Float64Array, line: Float64Array, tick: (k: number) => void): void {
  const [nx, ny, nz] = dims;
  const r = w.length - 1, w0 = w[0]!;
  for (let k = 0; k < nz; k++) {
    tick(k);
    for (let j = 0; j < ny; j++) {
      const o = nx * (j + ny * k);
      const first = a[o]!, last = a[o + nx - 1]!;
      for (let t = 0; t < r; t++) {
        line[t] = first;
        line[r + nx + t] = last;
      }
      for (let i = 0; i < nx; i++) line[r + i] = a[o + i]!;
      for (let i = 0; i < nx; i++) {
        const c = r + i;
        let s = line[c]! * w0;
        for (let t = r; t >= 1; t--) s += (line[c - t]! + line[c + t]!) * w[t]!;
        a[o + i] = s;
      }
    }
  }
}

/**
 * Smooths a volume with a Gaussian kernel, σ in mm or voxels per axis (see the module
 * comment for the exact definition and its scipy equivalent).
 *
 * Shapes: any scalar volume in (x fastest); out a `Volume<Float32Array>` on the same grid,
 * values in the input's units (HU stay HU). The input is read as float32 first (exact for
 * 8- and 16-bit integers; float64 values round to float32).
 * @throws ParameterError unless exactly one of sigmaMm / sigmaVoxels is given with values
 *   finite and ≥ 0, or if truncate is not finite and > 0.
 * @throws AbortError when `signal` fires (checked once per slice and pass).
 */
export function gaussianFilter(volume: Volume, options: GaussianFilterOptions): Volume<Float32Array> {
  const sigma = sigmaInVoxels(volume, options);
  const truncate = options.truncate ?? 4;
  if (!(Number.isFinite(truncate) && truncate > 0)) throw new ParameterError(`gaussianFilter: truncate must be finite and > 0, got ${truncate}`);
  const { signal, onProgress } = options;
  checkAbort('gaussianFilter', signal);
  const dims = volume.dims;
  const [nx, ny, nz] = dims;
  const a = new Float32Array(volume.data as ArrayLike<number>); // float64 values round to float32
  // Axes in scipy's order (z, y, x); σ ≤ 1e-15 is skipped, as scipy does.
  const axes = ([2, 1, 0] as const).filter((ax) => sigma[ax] > 1e-15);
  const total = axes.length * nz;
  let done = 0;
  const tick = (_k: number) => {
    checkAbort('gaussianFilter', signal);
    if (onProgress && (done & 7) === 0) onProgress(done / total);
    done++;
  };
  let out = a;
  for (const ax of axes) {
    const w = gaussianTaps(sigma[ax], truncate);
    const r = w.length - 1;
    if (ax === 2) {
      const dst = new Float32Array(a.length);
      passZ(out, dst, dims, w, new Float64Array(nx * ny), tick);
      out = dst;
    } else if (ax === 1) {
      passY(out, dims, w, new Float64Array(nx * ny), new Float64Array(nx), tick);
    } else {
      passX(out, dims, w, new Float64Array(nx + 2 * r), tick);
    }
  }
  onProgress?.(1);
  return withData(volume, out);
}
