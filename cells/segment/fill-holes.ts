/**
 * Hole filling: background that cannot reach the grid's border becomes foreground.
 * P. Soille, "Morphological Image Analysis", 2nd ed., Springer 2003, §6.3.7 (hole filling
 * as the complement of the background reconstructed from the border); computed here by a
 * breadth-first flood fill of the background from the border.
 */
import { ParameterError } from '../core/errors.ts';
import { checkAbort, type StageOptions } from '../core/stage.ts';
import { type Volume, withData } from '../core/volume.ts';

export interface FillHolesOptions extends StageOptions {
  /**
   * Fill in 2-D, slice by slice, across this voxel axis (0 = i, 1 = j, 2 = k; 2 gives axial
   * slices for an axial acquisition): a hole is then background enclosed within its slice,
   * even if it opens to the border through other slices. Default: 3-D.
   */
  readonly axis?: 0 | 1 | 2;
}

/**
 * Fills the holes of a mask: background voxels not connected to the grid's border through
 * background become foreground. Background connectivity is 6 in 3-D (4 within a slice with
 * `axis`), so the foreground is taken as 26- (8-) connected — `scipy.ndimage.binary_fill_holes`'s
 * default structure, which this equals (per slice with `axis`: binary_fill_holes on each
 * 2-D slice).
 *
 * Shapes: `mask` any grid, non-zero = foreground; result Uint8 (0/1) on the same grid.
 * Cost: O(n) time, one Int32 queue of n entries. Progress: per slice with `axis`, else per
 * 2²⁰ voxels flooded (fraction of the grid); `signal` checked as often.
 * @throws ParameterError if `axis` is not 0, 1 or 2. @throws AbortError via `signal`.
 */
export function fillHoles(mask: Volume, options: FillHolesOptions = {}): Volume<Uint8Array> {
  const { axis } = options;
  if (axis !== undefined && axis !== 0 && axis !== 1 && axis !== 2) throw new ParameterError(`fillHoles: axis must be 0, 1 or 2 (or left out for 3-D), got ${axis}`);
  checkAbort('fillHoles', options.signal);
  const [nx, ny, nz] = mask.dims;
  const m = mask.data;
  const n = m.length;
  // 0 background not (yet) reached, 1 foreground, 2 background reached from the border.
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = m[i] !== 0 ? 1 : 0;
  const queue = new Int32Array(axis === undefined ? n : Math.max(nx * ny, ny * nz, nx * nz));
  const strides = [1, nx, nx * ny];
  const dims = [nx, ny, nz];
  const progress = options.onProgress ?? (() => {});
  if (axis === undefined) {
    flood(out, queue, dims, strides, 0, [true, true, true], 'fillHoles', options, (done) => progress(done / n));
  } else {
    // The slice's two axes (a, b) and the axis it steps along.
    const [a, b] = [0, 1, 2].filter((x) => x !== axis) as [number, number];
    for (let s = 0; s < dims[axis]!; s++) {
      checkAbort('fillHoles', options.signal);
      progress(s / dims[axis]!);
      flood(out, queue, [dims[a]!, dims[b]!, 1], [strides[a]!, strides[b]!, 0], s * strides[axis]!, [true, true, false], 'fillHoles', options, () => {});
    }
  }
  for (let i = 0; i < n; i++) out[i] = out[i] === 2 ? 0 : 1;
  progress(1);
  return withData(mask, out);
}

/**
 * Marks with 2 the background (0) voxels of a box region reachable from its border through
 * 6-neighbours. Region: local (a, b, c) in `dims`, global index base + a·sa + b·sb + c·sc;
 * `bordered[axis]` says whether that axis's first and last layers are border.
 */
function flood(
  out: Uint8Array, queue: Int32Array, dims: readonly number[], strides: readonly number[], base: number,
  bordered: readonly boolean[], stage: string, options: StageOptions, progress: (done: number) => void,
): void {
  const [na, nb, nc] = dims as [number, number, number];
  const [sa, sb, sc] = strides as [number, number, number];
  const nab = na * nb;
  let tail = 0;
  const seed = (a: number, b: number, c: number) => {
    const g = base + a * sa + b * sb + c * sc;
    if (out[g] === 0) { out[g] = 2; queue[tail++] = a + na * (b + nb * c); }
  };
  // Seeds: the background of every border layer.
  for (let c = 0; c < nc; c++) for (let b = 0; b < nb; b++) for (let a = 0; a < na; a++) {
    const border = (bordered[0] && (a === 0 || a === na - 1)) || (bordered[1] && (b === 0 || b === nb - 1)) || (bordered[2] && (c === 0 || c === nc - 1));
    if (border) seed(a, b, c);
    else if (bordered[0] && a === 1 && na > 2) a = na - 2; // an interior row: jump to its last voxel
  }
  let head = 0;
  while (head < tail) {
    if ((head & 0xfffff) === 0) {
      checkAbort(stage, options.signal);
      progress(head);
    }
    const l = queue[head++]!;
    const c = (l / nab) | 0;
    const rem = l - c * nab;
    const b = (rem / na) | 0;
    const a = rem - b * na;
    if (a > 0) seed(a - 1, b, c);
    if (a < na - 1) seed(a + 1, b, c);
    if (b > 0) seed(a, b - 1, c);
    if (b < nb - 1) seed(a, b + 1, c);
    if (c > 0) seed(a, b, c - 1);
    if (c < nc - 1) seed(a, b, c + 1);
  }
}
