/**
 * Exact Euclidean distance transform on an anisotropic grid.
 *
 * Algorithm: P. F. Felzenszwalb and D. P. Huttenlocher, "Distance Transforms of Sampled
 * Functions", Theory of Computing 8(19):415–428, 2012, doi:10.4086/toc.2012.v008a019.
 * The squared distance separates into one-dimensional passes, one per axis; each pass takes
 * the lower envelope of the parabolas (w·(q − p))² + f(p) rooted at the samples p of a line
 * (w = that axis's spacing in mm), which is exact for any positive per-axis spacing.
 * The first pass (along x) needs no envelope: with binary features, f is 0 or ∞, so the
 * nearest feature along the row is found by a forward and a backward sweep.
 *
 * Invariants the passes keep, on a box of bx × by × bz voxels stored x fastest:
 * - after pass x: `f[i]` = squared mm distance from voxel i to the nearest feature on its row;
 * - after pass y: the same over the voxel's z-slice;
 * - after pass z: over the whole box — the exact squared distance to the nearest feature
 *   inside the box. Callers make the box contain every feature, so it is the exact answer.
 * ∞ (no feature reachable yet) is never pushed onto an envelope, so no ∞ − ∞ arises.
 */
import { ParameterError } from '../core/errors.ts';
import { checkAbort, type StageOptions } from '../core/stage.ts';
import { makeVolume, type Volume } from '../core/volume.ts';

/** Scratch arrays for the one-dimensional envelope, sized for the longest line. */
export interface EnvelopeScratch {
  /** Line values gathered from the volume. */
  readonly line: Float64Array;
  /** Sample index of each parabola on the envelope. */
  readonly roots: Int32Array;
  /** Left boundary (index units) of each parabola's interval; one more than `roots`. */
  readonly bounds: Float64Array;
  /** Result of the pass for the line. */
  readonly out: Float64Array;
  /** f[p] + w²p² of each finite sample, so a pop costs one subtraction and a division. */
  readonly heights: Float64Array;
}

/** Scratch arrays for lines of up to `n` samples (plus the two border sites some callers add), allocated once per transform, not per line. */
export function envelopeScratch(n: number): EnvelopeScratch {
  return { line: new Float64Array(n), roots: new Int32Array(n), bounds: new Float64Array(n + 1), out: new Float64Array(n), heights: new Float64Array(n) };
}

/**
 * Builds the lower envelope of the parabolas y = w²(q − p)² + f[p] over the finite samples
 * of `f[0..n)`; returns the number k of parabolas on it (0 if every sample is ∞). Roots are
 * in `roots[0..k)`, and parabola r is lowest on [bounds[r], bounds[r+1]).
 */
export function buildEnvelope(f: Float64Array, n: number, w2: number, roots: Int32Array, bounds: Float64Array, heights: Float64Array): number {
  let k = -1;
  const half = 1 / (2 * w2);
  for (let q = 0; q < n; q++) {
    const fq = f[q]!;
    if (fq === Infinity) continue;
    const hq = fq + w2 * q * q;
    heights[q] = hq;
    // Pop parabolas that the new one hides entirely: their interval starts at or after
    // the point s where the new one becomes the lower.
    let s = -Infinity;
    while (k >= 0) {
      const p = roots[k]!;
      s = ((hq - heights[p]!) * half) / (q - p);
      if (s > bounds[k]!) break;
      k--;
    }
    k++;
    roots[k] = q;
    bounds[k] = k === 0 ? -Infinity : s;
  }
  bounds[k + 1] = Infinity;
  return k + 1;
}

/** Evaluates an envelope (from `buildEnvelope`, k ≥ 1 parabolas) at every q in [0, n) into `out`. */
export function evaluateEnvelope(f: Float64Array, n: number, w2: number, k: number, roots: Int32Array, bounds: Float64Array, out: Float64Array): void {
  let r = 0, next = bounds[1]!, p = roots[0]!, fp = f[p]!;
  for (let q = 0; q < n; q++) {
    while (next < q) { r++; next = bounds[r + 1]!; p = roots[r]!; fp = f[p]!; }
    const d = q - p;
    out[q] = w2 * d * d + fp;
  }
}

/**
 * Pass x: for each row of the box, the squared distance (mm²) to the nearest feature on the
 * row, into `f` (∞ where the row has none). Returns, per z-slice, whether it holds a feature.
 */
function passX(feat: Uint8Array, bx: number, by: number, bz: number, sx: number, f: Float64Array): Uint8Array {
  const sliceHas = new Uint8Array(bz);
  const sx2 = sx * sx;
  for (let z = 0; z < bz; z++) {
    for (let y = 0; y < by; y++) {
      const row = bx * (y + by * z);
      let last = -1;
      for (let x = 0; x < bx; x++) {
        if (feat[row + x] !== 0) last = x;
        f[row + x] = last < 0 ? Infinity : x - last;
      }
      if (last < 0) continue; // empty row: all ∞ already
      sliceHas[z] = 1;
      let next = -1;
      for (let x = bx - 1; x >= 0; x--) {
        if (feat[row + x] !== 0) next = x;
        let d = f[row + x]!;
        if (next >= 0 && next - x < d) d = next - x;
        f[row + x] = d * d * sx2;
      }
    }
  }
  return sliceHas;
}

/** Pass y: lower envelope along each column of each slice that holds a feature; in place. */
function passY(f: Float64Array, bx: number, by: number, bz: number, sy: number, sliceHas: Uint8Array, s: EnvelopeScratch, options: StageOptions, stage: string, progress: (z: number) => void): void {
  const w2 = sy * sy;
  const { line, roots, bounds, out, heights } = s;
  for (let z = 0; z < bz; z++) {
    if ((z & 7) === 0) { checkAbort(stage, options.signal); progress(z); }
    if (sliceHas[z] === 0) continue;
    const base = bx * by * z;
    for (let x = 0; x < bx; x++) {
      let any = false;
      for (let y = 0, i = base + x; y < by; y++, i += bx) {
        const v = f[i]!;
        line[y] = v;
        if (v !== Infinity) any = true;
      }
      if (!any) continue;
      const k = buildEnvelope(line, by, w2, roots, bounds, heights);
      evaluateEnvelope(line, by, w2, k, roots, bounds, out);
      for (let y = 0, i = base + x; y < by; y++, i += bx) f[i] = out[y]!;
    }
  }
}

/**
 * Distances (mm) from query voxels to the nearest feature voxel, both given in a box of
 * bx × by × bz voxels (x fastest) that contains every feature.
 *
 * @param feat box-local features, non-zero = feature (at least one).
 * @param queries box-local linear indices, ascending.
 * @param out receives one distance per query, in column order (x + bx·y, then z), not in
 *   the order of `queries`: callers only need the multiset.
 * @param f scratch of bx·by·bz doubles (overwritten).
 */
export function distancesAtQueries(
  feat: Uint8Array, bx: number, by: number, bz: number, spacingMm: readonly [number, number, number],
  queries: Int32Array, out: Float64Array, f: Float64Array, options: StageOptions = {}, stage = 'distance transform',
  progress: (fraction: number) => void = () => {},
): void {
  const [sx, sy, sz] = spacingMm;
  const sliceHas = passX(feat, bx, by, bz, sx, f);
  const scratch = envelopeScratch(Math.max(bx, by, bz));
  passY(f, bx, by, bz, sy, sliceHas, scratch, options, stage, (z) => progress(0.7 * z / bz));
  // Pass z, only on the columns (x, y) that hold queries, evaluated only at the queries.
  // Queries are grouped by column with a counting sort; ascending input keeps z ascending.
  const plane = bx * by;
  const start = new Int32Array(plane + 1);
  for (let n = 0; n < queries.length; n++) start[(queries[n]! % plane) + 1]!++;
  for (let c = 0; c < plane; c++) start[c + 1]! += start[c]!;
  const fill = start.slice(0, plane);
  const zs = new Int32Array(queries.length);
  for (let n = 0; n < queries.length; n++) {
    const q = queries[n]!;
    const c = q % plane;
    zs[fill[c]!++] = (q - c) / plane;
  }
  const w2 = sz * sz;
  const { line, roots, bounds, heights } = scratch;
  for (let c = 0; c < plane; c++) {
    if ((c & 4095) === 0) { checkAbort(stage, options.signal); progress(0.7 + 0.3 * c / plane); }
    const a = start[c]!, b = start[c + 1]!;
    if (a === b) continue;
    for (let z = 0, i = c; z < bz; z++, i += plane) line[z] = f[i]!;
    const k = buildEnvelope(line, bz, w2, roots, bounds, heights);
    // After passes x and y every voxel of a slice holding a feature is finite, so k ≥ 1
    // whenever the box holds a feature; the guard keeps a featureless box at ∞.
    if (k === 0) { for (let n = a; n < b; n++) out[n] = Infinity; continue; }
    let r = 0, next = bounds[1]!, p = roots[0]!, fp = line[p]!;
    for (let n = a; n < b; n++) {
      const q = zs[n]!;
      while (next < q) { r++; next = bounds[r + 1]!; p = roots[r]!; fp = line[p]!; }
      const d = q - p;
      out[n] = Math.sqrt(w2 * d * d + fp);
    }
  }
  progress(1);
}

/**
 * Euclidean distance transform of a mask: for every voxel, the distance in mm from its centre
 * to the nearest voxel centre where `mask` is non-zero (0 on the mask). Exact, with the
 * mask's anisotropic `spacingMm`; the same as
 * `scipy.ndimage.distance_transform_edt(mask == 0, sampling=spacing)` in (z, y, x) order.
 * An orthonormal direction matrix (all that `makeVolume` admits) is a rotation or reflection,
 * which leaves distances between centres unchanged, so it plays no part.
 *
 * Algorithm: Felzenszwalb & Huttenlocher 2012 (doi:10.4086/toc.2012.v008a019), see the file
 * header; O(voxels), three separable passes.
 *
 * Shape: same grid as `mask`; data Float64Array of mm, `Infinity` everywhere if the mask is
 * empty (no voxel to be near).
 * Progress: `signal` is checked and `onProgress` called every 8 slices of the y pass and
 * every 8 slices of the z pass.
 * @throws ParameterError if the mask's data is not a Uint8Array; AbortError when aborted.
 */
export function distanceTransform(mask: Volume<Uint8Array>, options: StageOptions = {}): Volume<Float64Array> {
  if (!(mask.data instanceof Uint8Array)) throw new ParameterError(`distanceTransform needs a Uint8Array mask, got ${(mask.data as object).constructor.name}`);
  const [nx, ny, nz] = mask.dims;
  const [sx, sy, sz] = mask.spacingMm;
  const f = new Float64Array(nx * ny * nz);
  const stage = 'distanceTransform';
  const sliceHas = passX(mask.data, nx, ny, nz, sx, f);
  const scratch = envelopeScratch(Math.max(nx, ny, nz));
  passY(f, nx, ny, nz, sy, sliceHas, scratch, options, stage, (z) => options.onProgress?.(0.5 * z / nz));
  const w2 = sz * sz;
  const plane = nx * ny;
  const { line, roots, bounds, out, heights } = scratch;
  for (let y = 0; y < ny; y++) {
    if ((y & 7) === 0) { checkAbort(stage, options.signal); options.onProgress?.(0.5 + 0.5 * y / ny); }
    for (let x = 0; x < nx; x++) {
      const c = x + nx * y;
      for (let z = 0, i = c; z < nz; z++, i += plane) line[z] = f[i]!;
      const k = buildEnvelope(line, nz, w2, roots, bounds, heights);
      if (k === 0) { for (let z = 0, i = c; z < nz; z++, i += plane) f[i] = Infinity; continue; }
      evaluateEnvelope(line, nz, w2, k, roots, bounds, out);
      for (let z = 0, i = c; z < nz; z++, i += plane) f[i] = Math.sqrt(out[z]!);
    }
  }
  options.onProgress?.(1);
  return makeVolume({ data: f, dims: mask.dims, spacingMm: mask.spacingMm, originMm: mask.originMm, direction: mask.direction });
}
