/** The shape check of a planes bundle's value (cells/viz/planes.ts), without the element. */
import type { PlanesViewData } from '../../cells/viz/planes.ts';

const TYPED = [Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array];

function isGridArray(x: unknown, n: number): boolean {
  return TYPED.some((T) => x instanceof T) && (x as { length: number }).length === n;
}

/** Whether `value` has the shape of `PlanesViewData`: typed arrays of dims voxels for the image and each layer. */
export function isPlanesData(value: unknown): value is PlanesViewData {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<PlanesViewData>;
  const dims = v.dims;
  if (!Array.isArray(dims) || dims.length !== 3) return false;
  const n = dims[0]! * dims[1]! * dims[2]!;
  return (
    isGridArray(v.data, n) &&
    Array.isArray(v.spacingMm) && Array.isArray(v.originMm) && Array.isArray(v.direction) && v.direction.length === 9 &&
    Array.isArray(v.windows) && typeof v.window === 'object' && v.window !== null && Array.isArray(v.cursor) &&
    (v.overlay === undefined || isGridArray(v.overlay.data, n)) &&
    (v.labels === undefined || (isGridArray(v.labels.data, n) && Array.isArray(v.labels.table))) &&
    (v.probability === undefined || isGridArray(v.probability.data, n))
  );
}
