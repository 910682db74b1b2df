import { ParameterError } from '../core/errors.ts';
import { type Volume, withData } from '../core/volume.ts';

export interface ThresholdRange {
  /** Lowest value kept, inclusive (Hounsfield units for CT). */
  readonly minHu: number;
  /** Highest value kept, inclusive. */
  readonly maxHu: number;
}

/**
 * Binary mask of the voxels with minHu ≤ value ≤ maxHu (both ends inclusive, as
 * InVesalius's threshold masks are).
 *
 * Shape: same grid as `volume`; data Uint8Array, 1 inside, 0 outside.
 * @throws ParameterError if a bound is not finite or minHu > maxHu.
 */
export function threshold(volume: Volume, range: ThresholdRange): Volume<Uint8Array> {
  const { minHu, maxHu } = range;
  if (!Number.isFinite(minHu) || !Number.isFinite(maxHu)) {
    throw new ParameterError(`threshold bounds must be finite numbers, got minHu=${minHu}, maxHu=${maxHu}`);
  }
  if (minHu > maxHu) throw new ParameterError(`threshold: minHu (${minHu}) is above maxHu (${maxHu}); swap them`);
  const src = volume.data;
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!;
    out[i] = v >= minHu && v <= maxHu ? 1 : 0;
  }
  return withData(volume, out);
}

/** Number of non-zero voxels of a mask. */
export function countNonZero(mask: Volume<Uint8Array>): number {
  const a = mask.data;
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) n++;
  return n;
}
