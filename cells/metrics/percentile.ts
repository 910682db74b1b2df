/**
 * Percentiles by selection, as numpy's `np.percentile(x, q)` with its default
 * `method='linear'` (Hyndman & Fan 1996, definition 7, doi:10.2307/2684934): the virtual
 * index (n − 1)·q/100 is interpolated linearly between its two neighbouring order statistics.
 * Selection (Hoare's quickselect, doi:10.1145/366622.366647) finds them in O(n) instead of
 * sorting.
 */
import { ParameterError } from '../core/errors.ts';

/** Moves the k-th smallest of `a[lo..hi]` to `a[k]`, smaller ones before it, larger after. */
function select(a: Float64Array, k: number, lo: number, hi: number): void {
  while (hi > lo) {
    // Median of three as pivot, then Hoare partition.
    const mid = (lo + hi) >>> 1;
    let p0 = a[lo]!, p1 = a[mid]!, p2 = a[hi]!;
    if (p0 > p1) { const t = p0; p0 = p1; p1 = t; }
    if (p1 > p2) { p1 = p2; if (p0 > p1) p1 = p0; }
    const pivot = p1;
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) { const t = a[i]!; a[i] = a[j]!; a[j] = t; i++; j--; }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return; // j < k < i: a[k] equals the pivot and is in place
  }
}

/**
 * The q-th percentile (0 ≤ q ≤ 100) of the values, numpy's default linear method. Reorders
 * `values` in place (pass a copy to keep the order). NaN-free input assumed.
 * @throws ParameterError if `values` is empty or q is outside [0, 100].
 */
export function percentileInPlace(values: Float64Array, q: number): number {
  const n = values.length;
  if (n === 0) throw new ParameterError('percentile of no values is undefined');
  if (!(q >= 0 && q <= 100)) throw new ParameterError(`percentile q must be in [0, 100], got ${q}`);
  const virtual = (n - 1) * (q / 100);
  const lo = Math.floor(virtual);
  const t = virtual - lo;
  select(values, lo, 0, n - 1);
  const a = values[lo]!;
  if (lo + 1 >= n || t === 0) return a;
  let b = Infinity;
  for (let i = lo + 1; i < n; i++) if (values[i]! < b) b = values[i]!;
  // numpy's _lerp: from the nearer end, so t = 1 gives b exactly.
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}
