/**
 * Intensity metrics between a reference image and a test image (denoised, reconstructed,
 * registered) on the same grid: MSE, MAE, PSNR and SSIM.
 *
 * SSIM: Z. Wang, A. C. Bovik, H. R. Sheikh and E. P. Simoncelli, "Image quality assessment:
 * from error visibility to structural similarity", IEEE TIP 13(4):600–612, 2004,
 * doi:10.1109/TIP.2003.819861 — with the paper's settings, which are what
 * `skimage.metrics.structural_similarity(x, y, gaussian_weights=True, sigma=1.5,
 * use_sample_covariance=False, data_range=R)` computes on float64 images:
 * - local statistics under a Gaussian window, σ = 1.5 voxels truncated at 3.5σ (radius 5,
 *   11 taps, weights exp(−t²/2σ²) normalised to sum 1), separable;
 * - population (biased) variances and covariance: v = E[x²] − E[x]²;
 * - S = (2μxμy + C1)(2σxy + C2) / ((μx² + μy² + C1)(σx² + σy² + C2)), C1 = (0.01R)²,
 *   C2 = (0.03R)²;
 * - the mean of S over the voxels at least the radius (5) from every edge of the image —
 *   skimage crops that border before averaging, so the filter's edge mode never counts.
 * Windows of cropped-in voxels lie wholly inside the image, so no boundary extension is
 * needed at all and skimage's reflect mode never shows: results agree with skimage to
 * rounding (1e-12 in test/metrics/reference.test.ts). The 3D window filters y, x, then z
 * (skimage: z, y, x), which changes only the rounding.
 * Cost: about 11·2·5 multiply-adds per voxel for the five local statistics; memory: a few
 * slices of doubles (the 3D window keeps a ring of 11 filtered slices).
 */
import { ParameterError } from '../core/errors.ts';
import { checkAbort, type StageOptions } from '../core/stage.ts';
import type { Volume } from '../core/volume.ts';
import { assertSameGrid } from './overlap.ts';

export interface CompareImagesOptions extends StageOptions {
  /**
   * The data range R (max − min the images can take, e.g. 4095 for 12-bit CT, 1 for
   * normalised images); sets PSNR's peak and SSIM's constants. Required, finite, > 0.
   */
  readonly dataRange: number;
  /** Only voxels where the mask is non-zero count (same grid). */
  readonly mask?: Volume<Uint8Array>;
  /** SSIM with a 3D Gaussian window over the volume instead of per axial slice. Default false. */
  readonly ssim3d?: boolean;
}

/** What `compareImages` measures, in the images' units. */
export interface ImageComparison {
  /** Mean squared error, units². */
  readonly mse: number;
  /** Mean absolute error, units. */
  readonly mae: number;
  /** 10·log10(R² / MSE) dB; Infinity when the images are equal. */
  readonly psnrDb: number;
  /** Mean SSIM (−1..1). */
  readonly ssim: number;
  /** Voxels counted by MSE/MAE/PSNR and by SSIM (fewer: the border is cropped). */
  readonly voxels: number;
  readonly ssimVoxels: number;
}

/** Window radius and taps: σ = 1.5 truncated at 3.5σ → radius int(3.5·1.5 + 0.5) = 5. */
const SIGMA = 1.5;
const RADIUS = Math.floor(3.5 * SIGMA + 0.5);
const WEIGHTS: Float64Array = (() => {
  const w = new Float64Array(2 * RADIUS + 1);
  let sum = 0;
  for (let t = -RADIUS; t <= RADIUS; t++) {
    w[t + RADIUS] = Math.exp((-0.5 / (SIGMA * SIGMA)) * (t * t));
    sum += w[t + RADIUS]!;
  }
  for (let t = 0; t < w.length; t++) w[t]! /= sum;
  return w.subarray(RADIUS); // w[j] for |t| = j
})();
const K1 = 0.01, K2 = 0.03;

function assertFinite(v: Volume, what: string): void {
  const a = v.data;
  if (!(a instanceof Float32Array || a instanceof Float64Array)) return;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!)) {
      const [nx, ny] = v.dims;
      const x = i % nx, y = Math.floor(i / nx) % ny, z = Math.floor(i / (nx * ny));
      throw new ParameterError(`compareImages: the ${what} image holds ${a[i]} at voxel (${x}, ${y}, ${z}); fill or mask non-finite voxels first`);
    }
  }
}

/**
 * The five Gaussian-filtered statistics of one axial slice (μx, μy, E[x²], E[y²], E[xy]) at
 * its interior pixels (x, y ∈ [RADIUS, n − RADIUS)), stored (x − R) + W·(y − R).
 * Pass y first, then x, as scipy's gaussian_filter (axis 0 = y of a (ny, nx) array, then x);
 * symmetric taps summed as w0·c + Σ wj·(a + b), as scipy's correlate1d does.
 */
class SliceFilter {
  readonly nx: number; readonly ny: number; readonly W: number; readonly H: number;
  /** Pass-y results over all x for interior rows: 5 arrays of nx·H. */
  private readonly t: Float64Array[];
  /** Pass-x results: 5 arrays of W·H (μx, μy, xx, yy, xy). */
  readonly out: Float64Array[];
  constructor(nx: number, ny: number) {
    this.nx = nx; this.ny = ny; this.W = nx - 2 * RADIUS; this.H = ny - 2 * RADIUS;
    this.t = Array.from({ length: 5 }, () => new Float64Array(nx * this.H));
    this.out = Array.from({ length: 5 }, () => new Float64Array(this.W * this.H));
  }
  /** Filters slice z of a and b (x fastest volumes); `into` defaults to `this.out`. */
  run(a: ArrayLike<number>, b: ArrayLike<number>, z: number, into: Float64Array[] = this.out): void {
    const { nx, ny, W, H } = this;
    const w = WEIGHTS, w0 = w[0]!;
    const [tx, ty, txx, tyy, txy] = this.t as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    const base = nx * ny * z;
    for (let y = 0; y < H; y++) {
      const cRow = base + nx * (y + RADIUS);
      for (let x = 0; x < nx; x++) {
        const c = cRow + x;
        const xc = +a[c]!, yc = +b[c]!;
        let sx = xc * w0, sy = yc * w0, sxx = xc * xc * w0, syy = yc * yc * w0, sxy = xc * yc * w0;
        for (let j = 1; j <= RADIUS; j++) {
          const p = c + j * nx, m = c - j * nx, wj = w[j]!;
          const xp = +a[p]!, xm = +a[m]!, yp = +b[p]!, ym = +b[m]!;
          sx += (xp + xm) * wj;
          sy += (yp + ym) * wj;
          sxx += (xp * xp + xm * xm) * wj;
          syy += (yp * yp + ym * ym) * wj;
          sxy += (xp * yp + xm * ym) * wj;
        }
        const o = x + nx * y;
        tx[o] = sx; ty[o] = sy; txx[o] = sxx; tyy[o] = syy; txy[o] = sxy;
      }
    }
    const [ox, oy, oxx, oyy, oxy] = into as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const c = x + RADIUS + nx * y;
        let sx = tx[c]! * w0, sy = ty[c]! * w0, sxx = txx[c]! * w0, syy = tyy[c]! * w0, sxy = txy[c]! * w0;
        for (let j = 1; j <= RADIUS; j++) {
          const wj = w[j]!;
          sx += (tx[c + j]! + tx[c - j]!) * wj;
          sy += (ty[c + j]! + ty[c - j]!) * wj;
          sxx += (txx[c + j]! + txx[c - j]!) * wj;
          syy += (tyy[c + j]! + tyy[c - j]!) * wj;
          sxy += (txy[c + j]! + txy[c - j]!) * wj;
        }
        const o = x + W * y;
        ox[o] = sx; oy[o] = sy; oxx[o] = sxx; oyy[o] = syy; oxy[o] = sxy;
      }
    }
  }
}

/** SSIM of local statistics. */
function ssimAt(ux: number, uy: number, uxx: number, uyy: number, uxy: number, c1: number, c2: number): number {
  const vx = uxx - ux * ux, vy = uyy - uy * uy, vxy = uxy - ux * uy;
  return ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
}

/**
 * Compares a test image with a reference image on the same grid.
 *
 * - MSE = mean (t − r)², MAE = mean |t − r| over all voxels, or the mask's;
 * - PSNR = 10·log10(R² / MSE) dB with R = `dataRange` (skimage's peak_signal_noise_ratio);
 *   Infinity when MSE is 0;
 * - SSIM (Wang et al. 2004, see the file header): by default computed per axial slice
 *   (fixed k, a 2D Gaussian window over x and y) and averaged over the slices, which is
 *   skimage's `structural_similarity` on each slice (all slices count the same number of
 *   voxels, so this is also the mean over all cropped voxels); with `ssim3d` a 3D window
 *   over the volume (skimage on the whole volume). A voxel within 5 voxels of an edge of
 *   the slice (or volume, in 3D) is cropped away as skimage does. With `mask`, SSIM is the
 *   mean of the SSIM map over the cropped-in voxels of the mask (the statistics still see
 *   the whole window; skimage has no mask).
 * Values are read as float64, as skimage does for integer images (skimage computes float32
 * images in float32: compare with float64 copies).
 *
 * Shapes: `reference`, `test` and `mask` on one grid; slices need nx, ny ≥ 11 (and nz ≥ 11
 * for `ssim3d`), the window's size, as skimage requires.
 * Progress: `signal` checked and `onProgress` called once per slice.
 * @throws GeometryError if the grids differ; ParameterError if `dataRange` is missing,
 *   not finite or ≤ 0, an image holds NaN or ±Infinity (named, with the voxel), the images
 *   are smaller than the window, or the mask selects no voxel (or none inside the cropped
 *   region); AbortError.
 */
export function compareImages(reference: Volume, test: Volume, options: CompareImagesOptions): ImageComparison {
  const R = options?.dataRange;
  if (typeof R !== 'number' || !Number.isFinite(R) || R <= 0) {
    throw new ParameterError(`compareImages: dataRange must be a finite number > 0 (max − min of the values the images can take, e.g. 4095 for 12-bit CT), got ${R}`);
  }
  assertSameGrid(reference, test, 'reference and test images');
  const mask = options.mask;
  if (mask) {
    if (!(mask.data instanceof Uint8Array)) throw new ParameterError(`compareImages: mask must be a Uint8Array mask, got ${(mask.data as object).constructor.name}`);
    assertSameGrid(reference, mask, 'image and mask');
  }
  assertFinite(reference, 'reference');
  assertFinite(test, 'test');
  const [nx, ny, nz] = reference.dims;
  const win = 2 * RADIUS + 1;
  if (nx < win || ny < win || (options.ssim3d && nz < win)) {
    throw new ParameterError(`compareImages: SSIM's Gaussian window is ${win} voxels wide; the images are ${nx}×${ny}×${nz}, need at least ${win} along x and y${options.ssim3d ? ' and z (ssim3d)' : ''}`);
  }
  const a = reference.data, b = test.data, m = mask?.data;

  // MSE, MAE.
  let se = 0, ae = 0, count = 0;
  for (let i = 0; i < a.length; i++) {
    if (m && m[i] === 0) continue;
    const d = b[i]! - a[i]!;
    se += d * d;
    ae += Math.abs(d);
    count++;
  }
  if (count === 0) throw new ParameterError('compareImages: the mask selects no voxel; nothing to compare');
  const mse = se / count, mae = ae / count;
  const psnrDb = mse === 0 ? Infinity : 10 * Math.log10((R * R) / mse);

  // SSIM.
  const c1 = (K1 * R) ** 2, c2 = (K2 * R) ** 2;
  const filter = new SliceFilter(nx, ny);
  const { W, H } = filter;
  const stage = 'compareImages';
  let sum = 0, n = 0;
  const accumulate = (z: number, ux: Float64Array, uy: Float64Array, uxx: Float64Array, uyy: Float64Array, uxy: Float64Array, o: number, x: number, y: number) => {
    if (m && m[x + RADIUS + nx * (y + RADIUS + ny * z)] === 0) return;
    sum += ssimAt(ux[o]!, uy[o]!, uxx[o]!, uyy[o]!, uxy[o]!, c1, c2);
    n++;
  };
  if (!options.ssim3d) {
    for (let z = 0; z < nz; z++) {
      checkAbort(stage, options.signal);
      options.onProgress?.(z / nz);
      filter.run(a, b, z);
      const [ux, uy, uxx, uyy, uxy] = filter.out as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
      for (let y = 0, o = 0; y < H; y++) for (let x = 0; x < W; x++, o++) accumulate(z, ux, uy, uxx, uyy, uxy, o, x, y);
    }
  } else {
    // A ring of the 2D-filtered slices z − R … z + R; the z pass combines them (the output
    // slices are the interior ones, so the ring never reaches outside the volume).
    const ring = Array.from({ length: win }, () => Array.from({ length: 5 }, () => new Float64Array(W * H)));
    const acc = Array.from({ length: 5 }, () => new Float64Array(W * H));
    const w = WEIGHTS, w0 = w[0]!;
    for (let z = 0; z < nz; z++) {
      checkAbort(stage, options.signal);
      options.onProgress?.(z / nz);
      filter.run(a, b, z, ring[z % win]!);
      const zc = z - RADIUS; // the slice whose window is now complete
      if (zc < RADIUS) continue;
      for (let q = 0; q < 5; q++) {
        const out = acc[q]!, centre = ring[zc % win]![q]!;
        for (let o = 0; o < out.length; o++) out[o] = centre[o]! * w0;
        for (let j = 1; j <= RADIUS; j++) {
          const p = ring[(zc + j) % win]![q]!, mm = ring[(zc - j) % win]![q]!, wj = w[j]!;
          for (let o = 0; o < out.length; o++) out[o]! += (p[o]! + mm[o]!) * wj;
        }
      }
      const [ux, uy, uxx, uyy, uxy] = acc as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
      for (let y = 0, o = 0; y < H; y++) for (let x = 0; x < W; x++, o++) accumulate(zc, ux, uy, uxx, uyy, uxy, o, x, y);
    }
  }
  options.onProgress?.(1);
  if (n === 0) throw new ParameterError(`compareImages: the mask has no voxel at least ${RADIUS} voxels from the ${options.ssim3d ? 'volume' : 'slice'} edges, where SSIM is defined`);
  return { mse, mae, psnrDb, ssim: sum / n, voxels: count, ssimVoxels: n };
}
