/**
 * Overlap between two binary masks on the same grid.
 *
 * Dice: L. R. Dice, "Measures of the amount of ecologic association between species",
 * Ecology 26(3):297–302, 1945, doi:10.2307/1932409. IoU is the Jaccard index
 * (P. Jaccard, 1912, doi:10.1111/j.1469-8137.1912.tb05611.x); IoU = Dice / (2 − Dice).
 */
import { GeometryError } from '../core/errors.ts';
import type { Volume } from '../core/volume.ts';

const TOL_MM = 1e-4;

/**
 * Throws GeometryError unless `a` and `b` have the same dims, and spacing, origin and
 * direction equal within 1e-4 (mm for spacing and origin).
 */
export function assertSameGrid(a: Volume, b: Volume, what = 'masks'): void {
  const fail = (p: string) => { throw new GeometryError(`${what} are on different grids: ${p}; resample one onto the other first`); };
  if (a.dims.some((n, i) => n !== b.dims[i])) fail(`dims [${a.dims.join(', ')}] vs [${b.dims.join(', ')}]`);
  if (a.spacingMm.some((s, i) => Math.abs(s - b.spacingMm[i]!) > TOL_MM)) fail(`spacingMm [${a.spacingMm.join(', ')}] vs [${b.spacingMm.join(', ')}]`);
  if (a.originMm.some((s, i) => Math.abs(s - b.originMm[i]!) > TOL_MM)) fail(`originMm [${a.originMm.join(', ')}] vs [${b.originMm.join(', ')}]`);
  if (a.direction.some((s, i) => Math.abs(s - b.direction[i]!) > TOL_MM)) fail(`direction [${a.direction.join(', ')}] vs [${b.direction.join(', ')}]`);
}

/** |A ∩ B| and |A| + |B| for non-zero voxels. */
function counts(a: Volume<Uint8Array>, b: Volume<Uint8Array>): { both: number; sum: number } {
  assertSameGrid(a, b);
  const x = a.data, y = b.data;
  let both = 0, sum = 0;
  for (let i = 0; i < x.length; i++) {
    const p = x[i] !== 0 ? 1 : 0, q = y[i] !== 0 ? 1 : 0;
    both += p & q;
    sum += p + q;
  }
  return { both, sum };
}

/**
 * Dice similarity coefficient 2|A∩B| / (|A| + |B|) of two masks (non-zero = inside).
 * Range 0..1; two empty masks give 1 (they agree).
 * @throws GeometryError when the grids differ (see `assertSameGrid`).
 */
export function dice(a: Volume<Uint8Array>, b: Volume<Uint8Array>): number {
  const { both, sum } = counts(a, b);
  return sum === 0 ? 1 : (2 * both) / sum;
}

/**
 * Intersection over union |A∩B| / |A∪B| (Jaccard index) of two masks (non-zero = inside).
 * Range 0..1; two empty masks give 1.
 * @throws GeometryError when the grids differ (see `assertSameGrid`).
 */
export function iou(a: Volume<Uint8Array>, b: Volume<Uint8Array>): number {
  const { both, sum } = counts(a, b);
  const union = sum - both;
  return union === 0 ? 1 : both / union;
}
