/**
 * Overlap and surface-distance metrics between a reference mask and a prediction.
 *
 * Conventions are MONAI's (`monai.metrics`: DiceMetric, HausdorffDistanceMetric with
 * percentile 95, SurfaceDistanceMetric symmetric, SurfaceDiceMetric without sub-voxels), so
 * numbers can be set beside published ones:
 * - surface ∂M of a mask: its voxels with at least one 6-neighbour outside it, the outside
 *   of the grid counting as outside (`surface.ts`);
 * - d(a, ∂B): distance in mm between the centre of voxel a and the nearest centre of a voxel
 *   of ∂B, from an exact Euclidean distance transform of ∂B (`distance-transform.ts`);
 * - directed sets D(A→B) = { d(a, ∂B) : a ∈ ∂A } and D(B→A).
 */
import { ParameterError } from '../core/errors.ts';
import type { StageOptions } from '../core/stage.ts';
import type { Volume } from '../core/volume.ts';
import { distancesAtQueries } from './distance-transform.ts';
import { assertSameGrid } from './overlap.ts';
import { percentileInPlace } from './percentile.ts';
import { surfaceInto, type VoxelBox } from './surface.ts';

export interface CompareMasksOptions extends StageOptions {
  /** Tolerance of the surface Dice, mm (≥ 0, finite). Default 1. */
  readonly toleranceMm?: number;
}

/** What `compareMasks` measures. Fractions are 0..1; distances mm. */
export interface MaskComparison {
  /** 2|R∩P| / (|R| + |P|). */
  readonly dice: number;
  /** |R∩P| / |R∪P| (Jaccard). */
  readonly iou: number;
  /** |R∩P| / |R| (recall, true-positive rate). */
  readonly sensitivity: number;
  /** |R∩P| / |P| (positive predictive value). */
  readonly precision: number;
  /** 100·(|P| − |R|) / |R|, signed: positive when the prediction is larger. */
  readonly volumeDiffPercent: number;
  /** Hausdorff distance: max(max D(R→P), max D(P→R)). */
  readonly hdMm: number;
  /** max(95th percentile of D(R→P), 95th percentile of D(P→R)), numpy's linear percentile. */
  readonly hd95Mm: number;
  /** Average symmetric surface distance (Σ D(R→P) + Σ D(P→R)) / (|∂R| + |∂P|). */
  readonly assdMm: number;
  /** Surface Dice at `toleranceMm`: (#{D(R→P) ≤ τ} + #{D(P→R) ≤ τ}) / (|∂R| + |∂P|). */
  readonly surfaceDice: number;
  /** Voxels of the reference and the prediction (non-zero). */
  readonly referenceVoxels: number;
  readonly predictionVoxels: number;
  /** Surface voxels |∂R| and |∂P|. */
  readonly referenceSurfaceVoxels: number;
  readonly predictionSurfaceVoxels: number;
}

/** Statistics of one directed distance set. */
interface Directed { max: number; p95: number; sum: number; within: number; }

function directedStats(d: Float64Array, toleranceMm: number): Directed {
  let max = 0, sum = 0, within = 0;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v > max) max = v;
    sum += v;
    if (v <= toleranceMm) within++;
  }
  return { max, p95: percentileInPlace(d, 95), sum, within };
}

/**
 * Compares a prediction with a reference mask (non-zero = inside) on the same grid.
 *
 * Returns the overlap (Dice, IoU, sensitivity, precision, volume difference) and the
 * surface distances in mm, with MONAI's conventions (see the file header):
 * - surface: voxels of the mask with at least one 6-neighbour outside it; outside the
 *   grid counts as outside;
 * - distances between voxel centres in mm, with the grid's anisotropic `spacingMm`. The
 *   direction matrix is honoured trivially: grids are orthonormal (`makeVolume` refuses
 *   others), and a rotation or reflection does not change distances between centres;
 * - HD = max of both directed maxima; HD95 = max of the two directed sets' 95th
 *   percentiles, each with linear interpolation (numpy's default); ASSD =
 *   (Σ d(R→P) + Σ d(P→R)) / (|∂R| + |∂P|); surface Dice at `toleranceMm` as Nikolov et al.,
 *   "Clinically applicable segmentation of head and neck anatomy for radiotherapy", JMIR
 *   2021, doi:10.2196/26151 (a distance equal to the tolerance counts as within).
 *
 * Empty masks are defined, never NaN: both empty → Dice, IoU, sensitivity, precision and
 * surface Dice 1, distances 0, volume difference 0; one empty → those fractions 0,
 * distances `Infinity`, volume difference `Infinity` (empty reference) or −100 (empty
 * prediction).
 *
 * Algorithm: the distances come from an exact Euclidean distance transform
 * (Felzenszwalb & Huttenlocher 2012, doi:10.4086/toc.2012.v008a019) of each surface,
 * evaluated at the other's surface voxels. It runs on the bounding box of the two masks
 * only — exact, because every surface voxel (feature or query) lies inside it — and its
 * last pass only on the columns that hold query voxels.
 * Cost: O(voxels of the box); memory: 10 bytes per box voxel, 4 per mask voxel and 12 per
 * surface voxel. On the head CT's 7M-voxel bone masks: about 0.6 s, 4–5× faster than scipy
 * (bench/metrics.ts).
 *
 * Progress: `signal` is checked between slices; `onProgress` gets 0..1 over the two
 * transforms.
 * @throws GeometryError if the masks are on different grids (`assertSameGrid`);
 *   ParameterError if `toleranceMm` is not finite and ≥ 0 or a mask is not Uint8; AbortError.
 */
export function compareMasks(
  reference: Volume<Uint8Array>, prediction: Volume<Uint8Array>, options: CompareMasksOptions = {},
): MaskComparison {
  const toleranceMm = options.toleranceMm ?? 1;
  if (!Number.isFinite(toleranceMm) || toleranceMm < 0) {
    throw new ParameterError(`compareMasks: toleranceMm must be a finite number ≥ 0, got ${toleranceMm}`);
  }
  for (const [what, m] of [['reference', reference], ['prediction', prediction]] as const) {
    if (!(m.data instanceof Uint8Array)) throw new ParameterError(`compareMasks: ${what} must be a Uint8Array mask, got ${(m.data as object).constructor.name}; threshold or compare labels first`);
  }
  assertSameGrid(reference, prediction, 'reference and prediction');
  const dims = reference.dims;
  const [nx, ny, nz] = dims;
  const R = reference.data, P = prediction.data;

  // Counts and the bounding boxes of both masks, in one pass.
  let nr = 0, np = 0, both = 0;
  let rx0 = nx, ry0 = ny, rz0 = nz, rx1 = -1, ry1 = -1, rz1 = -1;
  let px0 = nx, py0 = ny, pz0 = nz, px1 = -1, py1 = -1, pz1 = -1;
  for (let z = 0, i = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i++) {
        const r = R[i]!, p = P[i]!;
        if ((r | p) === 0) continue;
        if (r !== 0) {
          nr++;
          if (x < rx0) rx0 = x; if (x > rx1) rx1 = x;
          if (y < ry0) ry0 = y; if (y > ry1) ry1 = y;
          if (z < rz0) rz0 = z; rz1 = z;
          if (p !== 0) both++;
        }
        if (p !== 0) {
          np++;
          if (x < px0) px0 = x; if (x > px1) px1 = x;
          if (y < py0) py0 = y; if (y > py1) py1 = y;
          if (z < pz0) pz0 = z; pz1 = z;
        }
      }
    }
  }
  const overlap = {
    dice: nr + np === 0 ? 1 : (2 * both) / (nr + np),
    iou: nr + np === 0 ? 1 : both / (nr + np - both),
    sensitivity: nr === 0 ? (np === 0 ? 1 : 0) : both / nr,
    precision: np === 0 ? (nr === 0 ? 1 : 0) : both / np,
    volumeDiffPercent: nr === 0 ? (np === 0 ? 0 : Infinity) : (100 * (np - nr)) / nr,
    referenceVoxels: nr,
    predictionVoxels: np,
  };
  if (nr === 0 || np === 0) {
    const d = nr === np ? 0 : Infinity;
    options.onProgress?.(1);
    return { ...overlap, hdMm: d, hd95Mm: d, assdMm: d, surfaceDice: nr === np ? 1 : 0, referenceSurfaceVoxels: 0, predictionSurfaceVoxels: 0 };
  }

  // Surfaces, in the frame of the union box of both masks (every surface voxel is inside it).
  const rBox: VoxelBox = { x0: rx0, y0: ry0, z0: rz0, x1: rx1 + 1, y1: ry1 + 1, z1: rz1 + 1 };
  const pBox: VoxelBox = { x0: px0, y0: py0, z0: pz0, x1: px1 + 1, y1: py1 + 1, z1: pz1 + 1 };
  const box: VoxelBox = {
    x0: Math.min(rx0, px0), y0: Math.min(ry0, py0), z0: Math.min(rz0, pz0),
    x1: Math.max(rBox.x1, pBox.x1), y1: Math.max(rBox.y1, pBox.y1), z1: Math.max(rBox.z1, pBox.z1),
  };
  const bx = box.x1 - box.x0, by = box.y1 - box.y0, bz = box.z1 - box.z0;
  const n = bx * by * bz;
  const featR = new Uint8Array(n), featP = new Uint8Array(n);
  const surfR = new Int32Array(nr), surfP = new Int32Array(np);
  const sr = surfaceInto(R, dims, rBox, box, surfR, featR);
  const sp = surfaceInto(P, dims, pBox, box, surfP, featP);

  // Directed distances: ∂R's transform at ∂P's voxels and the other way round.
  const f = new Float64Array(n);
  const spacing = reference.spacingMm;
  const dPR = new Float64Array(sp), dRP = new Float64Array(sr);
  const stage = 'compareMasks';
  distancesAtQueries(featR, bx, by, bz, spacing, surfP.subarray(0, sp), dPR, f, options, stage, (t) => options.onProgress?.(0.5 * t));
  distancesAtQueries(featP, bx, by, bz, spacing, surfR.subarray(0, sr), dRP, f, options, stage, (t) => options.onProgress?.(0.5 + 0.5 * t));
  const a = directedStats(dRP, toleranceMm), b = directedStats(dPR, toleranceMm);
  return {
    ...overlap,
    hdMm: Math.max(a.max, b.max),
    hd95Mm: Math.max(a.p95, b.p95),
    assdMm: (a.sum + b.sum) / (sr + sp),
    surfaceDice: (a.within + b.within) / (sr + sp),
    referenceSurfaceVoxels: sr,
    predictionSurfaceVoxels: sp,
  };
}
