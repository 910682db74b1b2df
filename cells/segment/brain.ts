/**
 * The classic brain-extraction baseline for a T1-weighted MRI, from the stages of this
 * folder: threshold → opening that cuts the brain from skull and scalp → largest component →
 * hole filling → closing. No learning, no atlas; what a learned model has to beat.
 */
import { ParameterError } from '../core/errors.ts';
import type { StageOptions } from '../core/stage.ts';
import { type Volume, withData } from '../core/volume.ts';
import { fillHoles } from './fill-holes.ts';
import { keepLargestComponents } from './largest.ts';
import { binaryClosing, binaryDilation, binaryErosion } from './morphology.ts';
import { otsuThreshold } from './otsu.ts';

export interface ClassicBrainMaskOptions extends StageOptions {
  /**
   * Intensity above which a voxel is tissue (value > threshold). Default: Otsu's threshold
   * of the whole volume (`otsuThreshold`), which on a T1 separates air and dark CSF/bone
   * from tissue.
   */
  readonly threshold?: number;
  /** Bins for Otsu on float data (integer data use one bin per value). Default 256. */
  readonly otsuBins?: number;
  /**
   * Radius (mm) of the ball the tissue mask is eroded by before the largest component is
   * taken, and dilated by after: it must break the thin connections between brain and
   * scalp (dura, vessels, optic nerves) yet leave the brain in one piece. Default 5 mm. On
   * Colin27 (Dice whole / slab k 60–89 against ch2bet, closing 4 mm): 3 mm leaves the brain
   * joined to the scalp (0.706 / 0.850), 4 mm 0.964 / 0.985, 5 mm 0.967 / 0.987, 6 mm
   * 0.953 / 0.962 (the dilation no longer gives back thin gyri). 5 keeps a margin from the
   * failure below 4, where the result collapses rather than degrades.
   */
  readonly openingRadiusMm?: number;
  /** Radius (mm) of the closing that fills sulci and dents at the surface. Default 4 mm; 0 skips it. */
  readonly closingRadiusMm?: number;
}

export interface ClassicBrainMask {
  /** The brain mask (Uint8, 1 inside) on the input's grid. */
  readonly mask: Volume<Uint8Array>;
  /** The intensity threshold used (Otsu's unless given). */
  readonly threshold: number;
  /** Voxels after each step, for reports: tissue, eroded, core (largest eroded component), opened, filled, final. */
  readonly voxels: { readonly tissue: number; readonly eroded: number; readonly core: number; readonly opened: number; readonly filled: number; readonly final: number };
}

function count(m: Volume<Uint8Array>): number {
  let n = 0;
  const a = m.data;
  for (let i = 0; i < a.length; i++) n += a[i]!;
  return n;
}

/**
 * Brain mask of a T1-weighted MRI by the classic pipeline:
 * 1. tissue = value > threshold (Otsu 1979, doi:10.1109/TSMC.1979.4310076, unless given);
 * 2. erosion by a ball of `openingRadiusMm` (exact, EDT-based: `binaryErosion`);
 * 3. the largest 26-connected component of what is left — the brain, now cut from the scalp;
 * 4. dilation by the same ball: steps 2–4 are an opening restricted to that component;
 * 5. 3-D hole filling (ventricles and other dark inclusions);
 * 6. closing by a ball of `closingRadiusMm` (sulci, surface dents), then hole filling again.
 * Measured on Colin27 (`ch2.nii.gz`, 1 mm, against `ch2bet.nii.gz` non-zero) with the
 * defaults: Dice 0.9673 on the whole volume, 0.9865 on the axial slab k 60–89; the mask is
 * the one scipy.ndimage gives for the same pipeline, voxel for voxel (test/segment/brain.test.ts).
 * About 3 s on one core of this machine (181×217×181).
 *
 * Shapes: `t1` any grid, any value type; the mask Uint8 on the same grid. Units: radii in mm,
 * through the spacing (anisotropic grids get ellipsoidal structuring elements).
 * Progress: `onProgress` over the steps (weights by their cost), `signal` checked inside each.
 * @throws ParameterError if a radius is not finite and ≥ 0, the threshold is not finite, or
 *   nothing is left after the erosion (the opening radius is too large for this image, or the
 *   threshold too high): lower `openingRadiusMm` or `threshold`.
 * @throws AbortError via `signal`.
 */
export function classicBrainMask(t1: Volume, options: ClassicBrainMaskOptions = {}): ClassicBrainMask {
  const { openingRadiusMm = 5, closingRadiusMm = 4, signal } = options;
  for (const [name, r] of [['openingRadiusMm', openingRadiusMm], ['closingRadiusMm', closingRadiusMm]] as const) {
    if (!(Number.isFinite(r) && r >= 0)) throw new ParameterError(`classicBrainMask: ${name} must be a finite number ≥ 0, got ${r}`);
  }
  const report = options.onProgress ?? (() => {});
  // Progress spans per step (roughly their measured cost).
  const span = (from: number, to: number) => ({ signal, onProgress: (f: number) => report(from + (to - from) * f) });

  const threshold = options.threshold ?? otsuThreshold(t1, { bins: options.otsuBins ?? 256 });
  if (!Number.isFinite(threshold)) throw new ParameterError(`classicBrainMask: threshold must be a finite number, got ${threshold}`);
  const src = t1.data;
  const tissueData = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) tissueData[i] = src[i]! > threshold ? 1 : 0;
  const tissue = withData(t1, tissueData);

  const eroded = binaryErosion(tissue, { radiusMm: openingRadiusMm, ...span(0.05, 0.25) });
  const nEroded = count(eroded);
  if (nEroded === 0) {
    throw new ParameterError(`classicBrainMask: nothing is left of the ${count(tissue)} voxels above the threshold ${threshold} after an erosion by ${openingRadiusMm} mm; lower openingRadiusMm or the threshold`);
  }
  const core = keepLargestComponents(eroded, { count: 1, connectivity: 26, ...span(0.25, 0.45) }).mask;
  const opened = binaryDilation(core, { radiusMm: openingRadiusMm, ...span(0.45, 0.6) });
  const filled = fillHoles(opened, span(0.6, 0.7));
  const closed = closingRadiusMm > 0 ? binaryClosing(filled, { radiusMm: closingRadiusMm, ...span(0.7, 0.9) }) : filled;
  const mask = closingRadiusMm > 0 ? fillHoles(closed, span(0.9, 1)) : closed;
  report(1);
  return {
    mask: withData(t1, mask.data),
    threshold,
    voxels: { tissue: count(tissue), eroded: nEroded, core: count(core), opened: count(opened), filled: count(filled), final: count(mask) },
  };
}
