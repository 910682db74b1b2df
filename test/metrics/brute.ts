/** Brute-force definitions the fast code is checked against (O(n²), for small grids only). */
import type { Vec3 } from '../../cells/core/volume.ts';

/** Surface voxels by the definition: inside, and a 6-neighbour outside the mask or the grid. */
export function bruteSurface(m: Uint8Array, dims: Vec3): number[] {
  const [nx, ny, nz] = dims;
  const at = (x: number, y: number, z: number) => x >= 0 && y >= 0 && z >= 0 && x < nx && y < ny && z < nz && m[x + nx * (y + ny * z)] !== 0;
  const out: number[] = [];
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
    if (!at(x, y, z)) continue;
    if (!at(x - 1, y, z) || !at(x + 1, y, z) || !at(x, y - 1, z) || !at(x, y + 1, z) || !at(x, y, z - 1) || !at(x, y, z + 1)) out.push(x + nx * (y + ny * z));
  }
  return out;
}

export function coords(i: number, dims: Vec3): Vec3 {
  return [i % dims[0], Math.floor(i / dims[0]) % dims[1], Math.floor(i / (dims[0] * dims[1]))];
}

/** Distance (mm) from voxel i to the nearest of `targets`. */
export function bruteNearest(i: number, targets: readonly number[], dims: Vec3, s: Vec3): number {
  const [x, y, z] = coords(i, dims);
  let best = Infinity;
  for (const t of targets) {
    const [u, v, w] = coords(t, dims);
    const d = ((x - u) * s[0]) ** 2 + ((y - v) * s[1]) ** 2 + ((z - w) * s[2]) ** 2;
    if (d < best) best = d;
  }
  return Math.sqrt(best);
}

/** numpy's percentile, method 'linear', by sorting. */
export function brutePercentile(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const v = (s.length - 1) * (q / 100);
  const lo = Math.floor(v), hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (s[hi]! - s[lo]!) * (v - lo);
}

/** compareMasks' distance metrics by brute force. */
export function bruteSurfaceMetrics(a: Uint8Array, b: Uint8Array, dims: Vec3, s: Vec3, tol: number) {
  const sa = bruteSurface(a, dims), sb = bruteSurface(b, dims);
  const dab = sa.map((i) => bruteNearest(i, sb, dims, s));
  const dba = sb.map((i) => bruteNearest(i, sa, dims, s));
  const all = [...dab, ...dba];
  return {
    hdMm: Math.max(...all),
    hd95Mm: Math.max(brutePercentile(dab, 95), brutePercentile(dba, 95)),
    assdMm: all.reduce((p, q) => p + q, 0) / all.length,
    surfaceDice: all.filter((d) => d <= tol).length / all.length,
    referenceSurfaceVoxels: sa.length,
    predictionSurfaceVoxels: sb.length,
  };
}
