/**
 * Simulated low-dose CT: noise added in the image domain to a full-dose scan.
 *
 * Model. In CT, quantum noise dominates and its variance in the reconstructed image is
 * inversely proportional to the dose (tube current × time): σ(f) = σ_full / √f at dose
 * fraction f of the original scan. If the full-dose image already carries noise of standard
 * deviation σ_full (stated by the caller: `fullDoseSigmaHu`), independent noise of
 *
 *     σ_added = σ_full · √(1/f − 1)
 *
 * brings its total to σ_full / √f (variances add). This is the image-domain form of the
 * usual noise-insertion argument (e.g. Žabić et al., "A low dose simulation tool for CT
 * systems with energy integrating detectors", Med. Phys. 40(3):031102, 2013,
 * doi:10.1118/1.4789628, do it in the projection domain, which is out of scope here: we have
 * no sinogram). What this model leaves out, so read results with it in mind:
 * - noise here is Gaussian, zero-mean, with the same σ everywhere; real low-dose noise is
 *   larger behind dense bone and along long paths (it depends on the projections), and at
 *   very low dose photon starvation adds streaks;
 * - its texture: optional in-plane correlation by a Gaussian kernel (`correlationSigmaMm`,
 *   0 = white) stands in for the reconstruction kernel's noise power spectrum; no
 *   correlation along z;
 * - values are not clipped to the scanner's stored range (air can go below −1024 HU).
 *
 * Randomness: white N(0, 1) samples from `createRng(seed)` (cells/learn/augment.ts:
 * Mulberry32 + Box–Muller), one per voxel in index order (x fastest), so the same seed gives
 * the same noise on the same grid; Box–Muller uses Math.log/cos/sin, so bit-identity is
 * promised for one JavaScript engine (V8: Node and Chromium), not across engines.
 * Correlated noise is that field filtered in-plane by {@link gaussianFilter} (mode 'nearest')
 * and divided by the kernel's L2 norm √(Σw²), which restores σ_added exactly away from the
 * grid's x/y edges (within the kernel radius of an edge the σ is somewhat larger).
 */
import { ParameterError } from '../core/errors.ts';
import { checkAbort, type StageOptions } from '../core/stage.ts';
import { type Volume, withData } from '../core/volume.ts';
import { createRng } from '../learn/augment.ts';
import { gaussianFilter, gaussianTaps, sigmaInVoxels } from './gaussian.ts';

/** Options of {@link simulateLowDose}. */
export interface LowDoseOptions extends StageOptions {
  /** Dose of the simulated scan as a fraction of the original's, 0 < f ≤ 1 (0.25 = quarter dose). */
  readonly doseFraction: number;
  /**
   * Standard deviation of the noise already in the full-dose image, HU (> 0). Measure it as
   * the standard deviation in a uniform region (water, brain parenchyma) or take the
   * scanner protocol's; it sets the scale of all added noise.
   */
  readonly fullDoseSigmaHu: number;
  /** In-plane (x, y) Gaussian correlation of the added noise, σ in mm; 0 (default) = white. */
  readonly correlationSigmaMm?: number;
  /** Seed of the noise (any number; its low 32 bits are used). Default 1. */
  readonly seed?: number;
}

/** What {@link simulateLowDose} returns. */
export interface LowDoseSimulation {
  /** The low-dose image: input + noise, HU, float32, on the input's grid. */
  readonly volume: Volume<Float32Array>;
  /** σ of the added noise, HU: σ_full · √(1/f − 1). */
  readonly addedSigmaHu: number;
  /** Expected total σ of the result, HU: σ_full / √f. */
  readonly lowDoseSigmaHu: number;
  readonly doseFraction: number;
  readonly seed: number;
}

/** σ of the noise to add for dose fraction `f`: σ_full·√(1/f − 1) (see the module comment). */
export function addedNoiseSigmaHu(doseFraction: number, fullDoseSigmaHu: number): number {
  if (!(Number.isFinite(doseFraction) && doseFraction > 0 && doseFraction <= 1)) {
    throw new ParameterError(`simulateLowDose: doseFraction must be in (0, 1], got ${doseFraction}`);
  }
  if (!(Number.isFinite(fullDoseSigmaHu) && fullDoseSigmaHu > 0)) {
    throw new ParameterError(`simulateLowDose: fullDoseSigmaHu must be a finite number > 0 (HU), got ${fullDoseSigmaHu}`);
  }
  return fullDoseSigmaHu * Math.sqrt(1 / doseFraction - 1);
}

/**
 * Adds simulated low-dose noise to a full-dose CT (see the module comment for the model,
 * what it leaves out, and how it is seeded).
 *
 * Shapes: `ct` any scalar volume in HU; result float32 on the same grid.
 * @throws ParameterError if doseFraction is not in (0, 1], fullDoseSigmaHu not finite and > 0,
 *   or correlationSigmaMm not finite and ≥ 0.
 * @throws AbortError when `signal` fires (checked once per slice).
 */
export function simulateLowDose(ct: Volume, options: LowDoseOptions): LowDoseSimulation {
  const { doseFraction, fullDoseSigmaHu, correlationSigmaMm = 0, seed = 1, signal, onProgress } = options;
  const added = addedNoiseSigmaHu(doseFraction, fullDoseSigmaHu);
  if (!(Number.isFinite(correlationSigmaMm) && correlationSigmaMm >= 0)) {
    throw new ParameterError(`simulateLowDose: correlationSigmaMm must be finite and ≥ 0, got ${correlationSigmaMm}`);
  }
  checkAbort('simulateLowDose', signal);
  const [nx, ny, nz] = ct.dims;
  const plane = nx * ny;
  const rng = createRng(seed);
  const noise = new Float32Array(plane * nz);
  for (let k = 0; k < nz; k++) {
    checkAbort('simulateLowDose', signal);
    onProgress?.(0.5 * (k / nz));
    for (let p = k * plane, end = p + plane; p < end; p++) noise[p] = rng.normal();
  }
  let field: Float32Array = noise;
  let scale = added;
  if (correlationSigmaMm > 0) {
    const [sx, sy] = sigmaInVoxels(ct, { sigmaMm: [correlationSigmaMm, correlationSigmaMm, 0] });
    field = gaussianFilter(withData(ct, noise), { sigmaVoxels: [sx, sy, 0], signal }).data;
    const l2 = (w: Float64Array) => {
      let s = w[0]! * w[0]!;
      for (let t = 1; t < w.length; t++) s += 2 * w[t]! * w[t]!;
      return s;
    };
    scale = added / Math.sqrt(l2(gaussianTaps(sx)) * l2(gaussianTaps(sy)));
  }
  const src = ct.data;
  const out = new Float32Array(src.length);
  for (let k = 0; k < nz; k++) {
    if ((k & 7) === 0) checkAbort('simulateLowDose', signal);
    for (let p = k * plane, end = p + plane; p < end; p++) out[p] = src[p]! + scale * field[p]!;
  }
  onProgress?.(1);
  return { volume: withData(ct, out), addedSigmaHu: added, lowDoseSigmaHu: fullDoseSigmaHu / Math.sqrt(doseFraction), doseFraction, seed };
}
