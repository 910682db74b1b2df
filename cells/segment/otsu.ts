/**
 * Otsu's threshold: the grey level that maximises the between-class variance of the two
 * classes it splits the histogram into. N. Otsu, "A threshold selection method from
 * gray-level histograms", IEEE Trans. Systems, Man, and Cybernetics 9(1):62–66, 1979,
 * doi:10.1109/TSMC.1979.4310076.
 */
import { GeometryError, ParameterError } from '../core/errors.ts';
import type { Volume } from '../core/volume.ts';

export interface OtsuOptions {
  /**
   * Number of equal-width histogram bins between the smallest and largest value, for
   * floating-point data. Integer data get one bin per integer value and ignore this, as
   * scikit-image does. Default 256.
   */
  readonly bins?: number;
  /** Only voxels where the mask is non-zero count (same dims as the volume). */
  readonly mask?: Volume;
}

/** Integer value ranges wider than this are refused rather than binned one per integer. */
const MAX_INTEGER_BINS = 1 << 24;

/**
 * Otsu's threshold of a volume's values (or of the voxels inside `options.mask`): the voxels
 * with value > threshold are the bright class.
 *
 * Binning follows `skimage.filters.threshold_otsu(values, nbins)` (scikit-image 0.19):
 * - integer arrays: one bin per integer from min to max, centres at the integers, so the
 *   threshold is one of the values (`bins` is ignored);
 * - float arrays: `bins` bins as numpy.histogram makes them over [min, max] (edges
 *   min + i·(max − min)/bins, rounded to float32 for Float32 data as numpy does; a value
 *   falls in the bin whose edges bracket it, the last bin closed), centres halfway between
 *   edges (in the data's precision).
 * Then, over the bin counts n and centres c, with w₁(t) = Σ_{i≤t} nᵢ, w₂(t) = Σ_{i>t} nᵢ and the
 * class means μ₁, μ₂, the threshold is c[t] for the first t maximising w₁·w₂·(μ₁ − μ₂)²
 * (Otsu's σ²_B up to the constant 1/N²). All values equal → that value.
 *
 * Shapes: `volume` any grid; `mask` the same dims. Units: those of the values (HU, MR signal).
 * Cost: one pass over the voxels plus O(bins).
 * @returns the threshold, in the values' units.
 * @throws ParameterError if `bins` is not an integer ≥ 2, no voxel is selected (empty mask),
 *   a selected value is NaN or infinite, or integer values span more than 2²⁴ integers
 *   (convert to Float32 to bin them into `bins` bins).
 * @throws GeometryError if the mask's dims differ from the volume's.
 */
export function otsuThreshold(volume: Volume, options: OtsuOptions = {}): number {
  const { bins = 256, mask } = options;
  if (!(Number.isInteger(bins) && bins >= 2)) throw new ParameterError(`otsuThreshold: bins must be an integer ≥ 2, got ${bins}`);
  const a = volume.data;
  const m = mask?.data;
  if (mask && (mask.dims.some((d, i) => d !== volume.dims[i]) || mask.data.length !== a.length)) {
    throw new GeometryError(`otsuThreshold: mask dims [${mask.dims.join(', ')}] differ from the volume's [${volume.dims.join(', ')}]; resample the mask onto the volume's grid`);
  }
  // Range of the selected values.
  let min = Infinity, max = -Infinity, count = 0;
  for (let i = 0; i < a.length; i++) {
    if (m && m[i] === 0) continue;
    const x = a[i]!;
    if (x !== x || x === Infinity || x === -Infinity) {
      throw new ParameterError(`otsuThreshold: voxel ${i} is ${x}; Otsu's threshold needs finite values (mask the voxel out or replace it)`);
    }
    if (x < min) min = x;
    if (x > max) max = x;
    count++;
  }
  if (count === 0) throw new ParameterError('otsuThreshold: the mask selects no voxel; pass a mask with at least one non-zero voxel inside the volume');
  if (min === max) return min;

  const integer = !(a instanceof Float32Array || a instanceof Float64Array);
  let counts: Float64Array, centres: Float64Array;
  if (integer) {
    const nb = max - min + 1;
    if (nb > MAX_INTEGER_BINS) {
      throw new ParameterError(`otsuThreshold: integer values span ${min}..${max} (${nb} integers, more than 2²⁴ one-per-integer bins); convert the volume to Float32Array to bin it into \`bins\` bins`);
    }
    counts = new Float64Array(nb);
    centres = new Float64Array(nb);
    for (let b = 0; b < nb; b++) centres[b] = min + b;
    for (let i = 0; i < a.length; i++) if (!m || m[i] !== 0) counts[a[i]! - min]!++;
  } else {
    counts = new Float64Array(bins);
    centres = new Float64Array(bins);
    // Edges and centres in the data's precision (numpy makes float32 edges for float32 data).
    const f32 = a instanceof Float32Array;
    const width = (max - min) / bins;
    const edges = new Float64Array(bins + 1);
    for (let b = 0; b <= bins; b++) edges[b] = b === bins ? max : f32 ? Math.fround(min + b * width) : min + b * width;
    for (let b = 0; b < bins; b++) centres[b] = f32 ? Math.fround(Math.fround(edges[b]! + edges[b + 1]!) / 2) : (edges[b]! + edges[b + 1]!) / 2;
    const edge = (b: number) => edges[b]!;
    const scale = bins / (max - min);
    for (let i = 0; i < a.length; i++) {
      if (m && m[i] === 0) continue;
      const x = a[i]!;
      let b = Math.floor((x - min) * scale);
      if (b >= bins) b = bins - 1;
      // The formula can be one bin off at an edge; the edges decide, as numpy.histogram does.
      while (b > 0 && x < edge(b)) b--;
      while (b < bins - 1 && x >= edge(b + 1)) b++;
      counts[b]!++;
    }
  }
  return otsuOfHistogram(counts, centres);
}

/**
 * The centre of the bin that maximises the between-class variance w₁·w₂·(μ₁ − μ₂)² of a
 * histogram, first maximum on ties; cumulative sums in bin order (low class) and reverse
 * order (high class), as skimage computes them.
 */
function otsuOfHistogram(counts: Float64Array, centres: Float64Array): number {
  const nb = counts.length;
  // High-class sums from the top: w2[t] = Σ_{i≥t} n, s2[t] = Σ_{i≥t} n·c.
  const w2 = new Float64Array(nb), s2 = new Float64Array(nb);
  let w = 0, s = 0;
  for (let t = nb - 1; t >= 0; t--) {
    w += counts[t]!;
    s += counts[t]! * centres[t]!;
    w2[t] = w;
    s2[t] = s;
  }
  let best = -Infinity, bestT = 0;
  let w1 = 0, s1 = 0;
  for (let t = 0; t < nb - 1; t++) {
    w1 += counts[t]!;
    s1 += counts[t]! * centres[t]!;
    const hw = w2[t + 1]!;
    // The first and last bins hold min and max, so neither class is ever empty; kept as a guard.
    if (w1 === 0 || hw === 0) continue;
    const d = s1 / w1 - s2[t + 1]! / hw;
    const v = w1 * hw * (d * d);
    if (v > best) {
      best = v;
      bestT = t;
    }
  }
  return centres[bestT]!;
}
