/**
 * Median filtering of a volume over a box footprint.
 *
 * Definition: each output voxel is the median of the sx × sy × sz box of input voxels
 * centred on it (sizes odd, so the box has a centre and an odd count n, and the median is
 * the input value of rank ⌊n/2⌋ in ascending order — never an average); edges: mode
 * 'nearest' (coordinates outside the grid are clamped to its first or last index). That is
 * `scipy.ndimage.median_filter(a, size=(sz, sy, sx), mode='nearest')` for the array `a` of
 * shape (nz, ny, nx), value for value (test/preprocess/reference.test.ts, scipy 1.10.1).
 * Even sizes are refused: scipy accepts them with the box shifted by its `origin` rule,
 * which is easy to get wrong by half a voxel.
 *
 * Algorithm: sorted columns. Along each x row, the sy·sz values of the footprint's y-z
 * column at every x are sorted once (insertion sort; each column serves sx windows) — the
 * per-column reuse of S. Perreault and P. Hébert, "Median filtering in constant time",
 * IEEE TIP 16(9):2389–2394, 2007, doi:10.1109/TIP.2007.902329, with sorted lists in place of
 * histograms so any value type works. For sx = 3 the median is found by merging the three
 * columns up to rank ⌊n/2⌋ (about 14 three-way comparisons for 3×3×3); for wider boxes the
 * whole window is kept sorted and slid along x, one merge pass per voxel dropping the
 * column that leaves and taking in the one that enters (O(n)).
 * Memory: the output (same array type as the input), nx·sy·sz + 2n doubles of scratch.
 */
import { ParameterError } from '../core/errors.ts';
import { checkAbort, type StageOptions } from '../core/stage.ts';
import { type Vec3, type VoxelArray, type Volume, withData } from '../core/volume.ts';

/** Options of {@link medianFilter}. */
export interface MedianFilterOptions extends StageOptions {
  /** Footprint in voxels, one odd number for all axes or [x, y, z] (each odd, ≥ 1). Default 3. */
  readonly size?: number | Vec3;
}

/** Offsets (index · `stride`) of the indices −r…n−1+r clamped to 0…n−1. */
function clampedTable(n: number, r: number, stride: number): Int32Array {
  const t = new Int32Array(n + 2 * r);
  for (let i = 0; i < t.length; i++) {
    const c = i - r;
    t[i] = (c < 0 ? 0 : c > n - 1 ? n - 1 : c) * stride;
  }
  return t;
}

/**
 * Median filter over an odd box footprint, edges 'nearest' (see the module comment for the
 * definition and its scipy equivalent).
 *
 * Shapes: any scalar volume in; out a volume on the same grid with the same typed-array
 * type (a median is one of the input values, so nothing is rounded).
 * @throws ParameterError if a size is not an odd integer ≥ 1, or if an input value is NaN
 *   (the median of values with a NaN is undefined).
 * @throws AbortError when `signal` fires (checked once per slice).
 */
export function medianFilter<T extends VoxelArray>(volume: Volume<T>, options: MedianFilterOptions = {}): Volume<T> {
  const size = options.size ?? 3;
  const s: Vec3 = typeof size === 'number' ? [size, size, size] : size;
  if (!Array.isArray(s) || s.length !== 3 || s.some((v) => !Number.isInteger(v) || v < 1 || v % 2 === 0)) {
    throw new ParameterError(`medianFilter: size must be an odd integer ≥ 1 or three of them [x, y, z], got ${JSON.stringify(size)}`);
  }
  const { signal, onProgress } = options;
  checkAbort('medianFilter', signal);
  const [nx, ny, nz] = volume.dims;
  const [rx, ry, rz] = [(s[0] - 1) / 2, (s[1] - 1) / 2, (s[2] - 1) / 2];
  const src = volume.data;
  if (src instanceof Float32Array || src instanceof Float64Array) {
    for (let p = 0; p < src.length; p++) {
      if (Number.isNaN(src[p]!)) {
        const i = p % nx, j = Math.floor(p / nx) % ny, k = Math.floor(p / (nx * ny));
        throw new ParameterError(`medianFilter: voxel (${i}, ${j}, ${k}) is NaN; fill or mask it first`);
      }
    }
  }
  const out = new (src.constructor as new (n: number) => T)(src.length);
  const ys = clampedTable(ny, ry, nx), zs = clampedTable(nz, rz, nx * ny);
  const wx = s[0], wy = s[1], wz = s[2];
  const cs = wy * wz, n = wx * cs, rank = n >> 1;
  // The sorted y-z column of every x of the current row; a window is wx such columns.
  const cols = new Float64Array(nx * cs);
  const win = new Float64Array(n), win2 = new Float64Array(n);
  for (let k = 0; k < nz; k++) {
    checkAbort('medianFilter', signal);
    if (onProgress && (k & 3) === 0) onProgress(k / nz);
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const c0 = i * cs;
        let m = c0;
        for (let dz = 0; dz < wz; dz++) {
          const zo = zs[k + dz]! + i;
          for (let dy = 0; dy < wy; dy++) {
            // Insertion into the sorted prefix of this column.
            const v = src[zo + ys[j + dy]!]!;
            let q = m++;
            while (q > c0 && cols[q - 1]! > v) {
              cols[q] = cols[q - 1]!;
              q--;
            }
            cols[q] = v;
          }
        }
      }
      const o = nx * (j + ny * k);
      if (wx === 1) {
        for (let i = 0; i < nx; i++) out[o + i] = cols[i * cs + rank]!;
        continue;
      }
      if (wx === 3) {
        // The common case, unrolled: three columns, heads in locals.
        for (let i = 0; i < nx; i++) {
          let a = (i === 0 ? 0 : i - 1) * cs, b = i * cs, c = (i === nx - 1 ? nx - 1 : i + 1) * cs;
          const ae = a + cs, be = b + cs, ce = c + cs;
          let v = 0;
          for (let r = 0; r <= rank; r++) {
            const va = a < ae ? cols[a]! : Infinity, vb = b < be ? cols[b]! : Infinity, vc = c < ce ? cols[c]! : Infinity;
            if (va <= vb && va <= vc) { v = va; a++; } else if (vb <= vc) { v = vb; b++; } else { v = vc; c++; }
          }
          out[o + i] = v;
        }
        continue;
      }
      // Wider windows: keep the whole window sorted and slide it along x, one merge pass
      // per step that drops the column leaving and takes in the column entering.
      let cur = win, nxt = win2;
      for (let d = 0; d < wx; d++) {
        const c = d - rx, x = c < 0 ? 0 : c > nx - 1 ? nx - 1 : c;
        cur.set(cols.subarray(x * cs, x * cs + cs), d * cs);
      }
      cur.sort();
      out[o] = cur[rank]!;
      for (let i = 1; i < nx; i++) {
        const xo = i - 1 - rx, xi = i + rx;
        const gone = (xo < 0 ? 0 : xo) * cs, come = (xi > nx - 1 ? nx - 1 : xi) * cs;
        if (gone !== come) {
          let a = 0, g = gone, c = come, m = 0;
          const ge = gone + cs, ce = come + cs;
          while (a < n) {
            const v = cur[a]!;
            if (g < ge && v === cols[g]!) { g++; a++; continue; }
            while (c < ce && cols[c]! < v) nxt[m++] = cols[c++]!;
            nxt[m++] = v;
            a++;
          }
          while (c < ce) nxt[m++] = cols[c++]!;
          const t = cur; cur = nxt; nxt = t;
        }
        out[o + i] = cur[rank]!;
      }
    }
  }
  onProgress?.(1);
  return withData(volume, out);
}
