import { ParameterError } from '../core/errors.ts';
import { checkMesh, type Mesh } from '../core/mesh.ts';
import { runShared, shouldShare, type ChunkBody } from '../core/parallel.ts';
import { scratchPool, withScratch } from '../core/scratch.ts';
import { checkAbort, type StageOptions } from '../core/stage.ts';
import type { Volume } from '../core/volume.ts';
import { isosurfaceOfMask } from './isosurface.ts';

/** Surface distances between two meshes, mm. */
export interface SurfaceDistance {
  /** Symmetric Hausdorff distance: max(max d(a→B), max d(b→A)). */
  readonly hausdorffMm: number;
  /** max(P95 of d(a→B), P95 of d(b→A)), P95 the nearest-rank 95th percentile over vertices. */
  readonly hd95Mm: number;
  /** Mean surface distance: (Σ d(a→B) + Σ d(b→A)) / (|A| + |B|), sums over vertices. */
  readonly meanMm: number;
  /** The one-sided figures, a's vertices to b's surface and b's vertices to a's. */
  readonly aToB: { readonly maxMm: number; readonly p95Mm: number; readonly meanMm: number };
  readonly bToA: { readonly maxMm: number; readonly p95Mm: number; readonly meanMm: number };
}

/**
 * Symmetric surface distances between two triangle meshes, in mm.
 *
 * Definition: d(p→B) is the Euclidean distance from point p to the nearest point of B's
 * triangles (point-to-triangle, not point-to-vertex). It is evaluated at every vertex of A
 * (d(a→B)) and at every vertex of B (d(b→A)). Hausdorff = the larger of the two maxima;
 * HD95 = the larger of the two 95th percentiles (nearest rank); mean = the mean over all
 * vertices of both meshes. Vertices that no triangle uses are skipped. Vertex sampling means
 * the figures are exact at vertices and, for meshes with edges much shorter than the
 * distances measured, close to the continuous surface definition.
 *
 * Method: B's triangles are binned in a uniform grid (cell ≈ the mean edge length, each
 * triangle in every cell its bounding box overlaps); a query scans rings of cells around its
 * own (skipping cells whose box is farther than the best triangle so far) until the best
 * distance is no larger than the distance from the query to the nearest
 * face of the scanned box (a face on the grid's outer edge counts as infinitely far). Point-to-triangle
 * by the closest-point regions of Ericson, "Real-Time Collision Detection" (2005) §5.1.5.
 * Float64 arithmetic throughout.
 *
 * Threads: the two directions are independent. With helper threads (cells/core/parallel.ts)
 * and meshes large enough to pay for copying them to shared memory, a helper measures b→A
 * while this thread measures a→B; the figures are the same numbers either way (tested).
 *
 * @throws GeometryError naming the stage and the mesh (a or b) if either is empty, has a
 *   non-finite position, an index that names no vertex, or arrays not 3 per vertex /
 *   triangle (`checkMesh`).
 * @throws AbortError when `signal` fires (checked every 4096 queries).
 */
export function meshDistance(a: Mesh, b: Mesh, options: StageOptions = {}): SurfaceDistance {
  checkMesh(a, 'meshDistance: mesh a');
  checkMesh(b, 'meshDistance: mesh b');
  options.onProgress?.(0);
  const share = shouldShare(a.indices.length + b.indices.length);
  const [ab, ba] = withScratch(share ? SHARED_SCRATCH : LOCAL_SCRATCH, (scratch) => {
    const where = (m: MeshArrays): MeshArrays => (share ? { positions: scratch.shareable(m.positions), indices: scratch.shareable(m.indices) } : m);
    const job: DistanceJob = {
      a: where(a),
      b: where(b),
      counts: scratch.take(Int32Array, 2),
      results: scratch.take(Float64Array, 2 * RESULT),
    };
    // Progress: the vertices measured in both directions, by either thread, over all vertices.
    const vertices = (a.positions.length + b.positions.length) / 3;
    const tick = (): void => {
      checkAbort('meshDistance', options.signal);
      options.onProgress?.(Math.min(1, Atomics.load(job.counts, QUERIES) / vertices));
    };
    try {
      runShared({ share, name: DISTANCE_JOB, payload: job, steps: 1, chunks: 2, callerFirst: true }, distanceBody(job, tick));
    } catch (e) {
      Atomics.store(job.counts, STOP, 1);
      throw e;
    }
    return [resultOf(job.results, 0), resultOf(job.results, 1)];
  });
  options.onProgress?.(1);
  const total = ab.n + ba.n;
  return {
    hausdorffMm: Math.max(ab.maxMm, ba.maxMm),
    hd95Mm: Math.max(ab.p95Mm, ba.p95Mm),
    meanMm: total === 0 ? 0 : (ab.sum + ba.sum) / total,
    aToB: { maxMm: ab.maxMm, p95Mm: ab.p95Mm, meanMm: ab.meanMm },
    bToA: { maxMm: ba.maxMm, p95Mm: ba.p95Mm, meanMm: ba.meanMm },
  };
}

/** The job name helpers know `distanceBody` by (cells/jobs.ts). */
export const DISTANCE_JOB = 'mesh-distance';

type MeshArrays = Pick<Mesh, 'positions' | 'indices'>;

/**
 * `meshDistance`'s two directions as a shared job: chunk 0 measures a's vertices against b
 * (this thread's, `callerFirst`), chunk 1 b's against a. `counts`: [vertices measured so far by
 * either chunk, stop flag (set when the caller gives up, so a helper's chunk ends early)];
 * `results`: per chunk c, RESULT numbers from c · RESULT: [vertices, sum, max, P95] (mm).
 */
export interface DistanceJob {
  readonly a: MeshArrays;
  readonly b: MeshArrays;
  readonly counts: Int32Array;
  readonly results: Float64Array;
}
const QUERIES = 0, STOP = 1, RESULT = 4;
/** Ends a helper's chunk when the caller gave up (never out of the body). */
const STOPPED = new Error('meshDistance stopped');
const SHARED_SCRATCH = scratchPool('distance-job', true);
const LOCAL_SCRATCH = scratchPool('distance-job-unshared');

/**
 * The body of a distance job on any thread. `tick` runs every 4096 queries: the caller's abort
 * check and progress; a helper (no `tick`) checks the stop flag instead.
 */
export function distanceBody(job: DistanceJob, tick?: () => void): ChunkBody {
  return (_step, c) => {
    const every = tick ?? ((): void => {
      if (Atomics.load(job.counts, STOP) !== 0) throw STOPPED;
    });
    try {
      const r = c === 0 ? oneSided(job.a, job.b, job.counts, every) : oneSided(job.b, job.a, job.counts, every);
      job.results.set([r.n, r.sum, r.maxMm, r.p95Mm], c * RESULT);
    } catch (e) {
      if (e !== STOPPED) throw e;
    }
  };
}

function resultOf(results: Float64Array, c: number): OneSided {
  const n = results[c * RESULT]!, sum = results[c * RESULT + 1]!;
  return { n, sum, maxMm: results[c * RESULT + 2]!, p95Mm: results[c * RESULT + 3]!, meanMm: n === 0 ? 0 : sum / n };
}

/**
 * "Within x mm of the voxels": `meshDistance` between `mesh` and the voxel surface of `mask`,
 * i.e. the marching-cubes surface of the mask at 0.5 (`isosurfaceOfMask`: vertices at the
 * midpoints of edges between an inside and an outside voxel centre, world mm, LPS).
 * `a` is the mesh, `b` the voxel surface. Errors as `meshDistance` (a bad `mesh` is a
 * GeometryError naming meshToVoxelDistance, before any meshing); an empty mask throws ParameterError.
 */
export function meshToVoxelDistance(mesh: Mesh, mask: Volume<Uint8Array>, options: StageOptions = {}): SurfaceDistance {
  checkMesh(mesh, 'meshToVoxelDistance');
  const voxels = isosurfaceOfMask(mask, { signal: options.signal });
  if (voxels.indices.length === 0) throw new ParameterError('meshToVoxelDistance: the mask has no voxel set, so there is no voxel surface to measure against');
  return meshDistance(mesh, voxels, options);
}

interface OneSided { n: number; sum: number; maxMm: number; p95Mm: number; meanMm: number }

/**
 * d(v→to) at every vertex v that a triangle of `from` uses, with their count, sum, maximum
 * and nearest-rank P95 (mm). Adds to `counts[QUERIES]` and calls `every` each 4096 vertices.
 */
function oneSided(from: MeshArrays, to: MeshArrays, counts: Int32Array, every: () => void): OneSided {
  const grid = buildGrid(to);
  const P = from.positions, V = P.length / 3;
  const used = new Uint8Array(V);
  for (let i = 0; i < from.indices.length; i++) used[from.indices[i]!] = 1;
  let n = 0;
  for (let v = 0; v < V; v++) n += used[v]!;
  const d = new Float64Array(n);
  let k = 0, sum = 0, max = 0;
  for (let v = 0; v < V; v++) {
    if (!used[v]) continue;
    if ((k & 4095) === 0) {
      if (k > 0) Atomics.add(counts, QUERIES, 4096);
      every();
    }
    const dist = Math.sqrt(grid.nearest2(P[3 * v]!, P[3 * v + 1]!, P[3 * v + 2]!));
    d[k++] = dist;
    sum += dist;
    if (dist > max) max = dist;
  }
  d.sort();
  const p95 = n === 0 ? 0 : d[Math.max(0, Math.ceil(0.95 * n) - 1)]!;
  return { n, sum, maxMm: max, p95Mm: p95, meanMm: n === 0 ? 0 : sum / n };
}

/**
 * Uniform grid of triangles with a nearest-squared-distance query. `nearest2(x, y, z, upper2)`
 * returns the squared distance from the point to the nearest triangle, or `upper2` when no
 * triangle is nearer (a known upper bound prunes the search to cells within it).
 */
export function buildGrid(m: MeshArrays): { nearest2: (x: number, y: number, z: number, upper2?: number) => number } {
  const P = m.positions, I = m.indices, T = I.length / 3;
  let minX = Infinity, minY = Infinity, minZ = Infinity, maxX = -Infinity, maxY = -Infinity, maxZ = -Infinity;
  let edgeSum = 0;
  for (let t = 0; t < T; t++) {
    for (let j = 0; j < 3; j++) {
      const v = I[3 * t + j]!, w = I[3 * t + ((j + 1) % 3)]!;
      const x = P[3 * v]!, y = P[3 * v + 1]!, z = P[3 * v + 2]!;
      if (x < minX) minX = x; if (x > maxX) maxX = x;
      if (y < minY) minY = y; if (y > maxY) maxY = y;
      if (z < minZ) minZ = z; if (z > maxZ) maxZ = z;
      // sqrt, not Math.hypot (4× slower in V8): float32 differences cannot overflow float64.
      const ex = P[3 * w]! - x, ey = P[3 * w + 1]! - y, ez = P[3 * w + 2]! - z;
      edgeSum += Math.sqrt(ex * ex + ey * ey + ez * ez);
    }
  }
  const ext = Math.max(maxX - minX, maxY - minY, maxZ - minZ, 1e-9);
  // Cell ≈ 1 mean edge, at most 512 per axis and about 4 cells per triangle overall.
  let h = Math.max(edgeSum / (3 * T), ext / 512, 1e-9);
  const cells = (s: number): number => Math.max(1, Math.ceil((s + 1e-9) / h));
  while (cells(maxX - minX) * cells(maxY - minY) * cells(maxZ - minZ) > 4 * T + 64) h *= 1.25;
  const nx = cells(maxX - minX), ny = cells(maxY - minY), nz = cells(maxZ - minZ);
  const cellOf = (c: number, lo: number, n: number): number => Math.min(n - 1, Math.max(0, Math.floor((c - lo) / h)));

  // CSR of triangle ids per cell.
  const count = new Int32Array(nx * ny * nz + 1);
  const boxes = new Int32Array(6 * T);
  for (let t = 0; t < T; t++) {
    const a = 3 * I[3 * t]!, b = 3 * I[3 * t + 1]!, c = 3 * I[3 * t + 2]!;
    const x0 = cellOf(Math.min(P[a]!, P[b]!, P[c]!), minX, nx), x1 = cellOf(Math.max(P[a]!, P[b]!, P[c]!), minX, nx);
    const y0 = cellOf(Math.min(P[a + 1]!, P[b + 1]!, P[c + 1]!), minY, ny), y1 = cellOf(Math.max(P[a + 1]!, P[b + 1]!, P[c + 1]!), minY, ny);
    const z0 = cellOf(Math.min(P[a + 2]!, P[b + 2]!, P[c + 2]!), minZ, nz), z1 = cellOf(Math.max(P[a + 2]!, P[b + 2]!, P[c + 2]!), minZ, nz);
    boxes[6 * t] = x0; boxes[6 * t + 1] = x1; boxes[6 * t + 2] = y0; boxes[6 * t + 3] = y1; boxes[6 * t + 4] = z0; boxes[6 * t + 5] = z1;
    for (let k = z0; k <= z1; k++) for (let j = y0; j <= y1; j++) for (let i = x0; i <= x1; i++) count[(k * ny + j) * nx + i + 1]!++;
  }
  for (let c = 0; c < nx * ny * nz; c++) count[c + 1]! += count[c]!;
  const fill = count.slice(0, nx * ny * nz), tris = new Int32Array(count[nx * ny * nz]!);
  for (let t = 0; t < T; t++) {
    const x0 = boxes[6 * t]!, x1 = boxes[6 * t + 1]!, y0 = boxes[6 * t + 2]!, y1 = boxes[6 * t + 3]!, z0 = boxes[6 * t + 4]!, z1 = boxes[6 * t + 5]!;
    for (let k = z0; k <= z1; k++) for (let j = y0; j <= y1; j++) for (let i = x0; i <= x1; i++) tris[fill[(k * ny + j) * nx + i]!++] = t;
  }
  const stamp = new Int32Array(T).fill(-1);
  let query = 0;

  const nearest2 = (px: number, py: number, pz: number, upper2 = Infinity): number => {
    query++;
    const ci = cellOf(px, minX, nx), cj = cellOf(py, minY, ny), ck = cellOf(pz, minZ, nz);
    let best = upper2;
    const maxRing = Math.max(ci, nx - 1 - ci, cj, ny - 1 - cj, ck, nz - 1 - ck);
    for (let r = 0; r <= maxRing; r++) {
      for (let k = Math.max(0, ck - r); k <= Math.min(nz - 1, ck + r); k++) {
        // Skip whole slices and rows of cells farther than the best triangle so far.
        const bz = Math.max(0, minZ + k * h - pz, pz - (minZ + (k + 1) * h));
        if (bz * bz >= best) continue;
        for (let j = Math.max(0, cj - r); j <= Math.min(ny - 1, cj + r); j++) {
          const by = Math.max(0, minY + j * h - py, py - (minY + (j + 1) * h));
          const byz = by * by + bz * bz;
          if (byz >= best) continue;
          const onShell = Math.abs(k - ck) === r || Math.abs(j - cj) === r;
          for (let i = Math.max(0, ci - r); i <= Math.min(nx - 1, ci + r); i++) {
            if (!onShell && Math.abs(i - ci) !== r) continue;
            // Skip a cell whose box is farther than the best triangle so far.
            const bx = Math.max(0, minX + i * h - px, px - (minX + (i + 1) * h));
            if (bx * bx + byz >= best) continue;
            const cell = (k * ny + j) * nx + i;
            for (let q = count[cell]!, e = count[cell + 1]!; q < e; q++) {
              const t = tris[q]!;
              if (stamp[t] === query) continue;
              stamp[t] = query;
              const d2 = pointTriangle2(px, py, pz, P, 3 * I[3 * t]!, 3 * I[3 * t + 1]!, 3 * I[3 * t + 2]!);
              if (d2 < best) best = d2;
            }
          }
        }
      }
      // Points outside the scanned box of cells are at least its distance to the nearest
      // face of the box (a face on the grid's edge has nothing beyond it).
      let bound = Infinity;
      if (ci - r > 0) bound = Math.min(bound, px - (minX + (ci - r) * h));
      if (ci + r < nx - 1) bound = Math.min(bound, minX + (ci + r + 1) * h - px);
      if (cj - r > 0) bound = Math.min(bound, py - (minY + (cj - r) * h));
      if (cj + r < ny - 1) bound = Math.min(bound, minY + (cj + r + 1) * h - py);
      if (ck - r > 0) bound = Math.min(bound, pz - (minZ + (ck - r) * h));
      if (ck + r < nz - 1) bound = Math.min(bound, minZ + (ck + r + 1) * h - pz);
      if (bound === Infinity || (bound > 0 && best <= bound * bound)) break;
    }
    return best;
  };
  return { nearest2 };
}

/** Squared distance from p to triangle (a, b, c) (offsets into P), by closest-point region. */
function pointTriangle2(px: number, py: number, pz: number, P: Float32Array, a: number, b: number, c: number): number {
  const ax = P[a]!, ay = P[a + 1]!, az = P[a + 2]!;
  const abx = P[b]! - ax, aby = P[b + 1]! - ay, abz = P[b + 2]! - az;
  const acx = P[c]! - ax, acy = P[c + 1]! - ay, acz = P[c + 2]! - az;
  const apx = px - ax, apy = py - ay, apz = pz - az;
  const d1 = abx * apx + aby * apy + abz * apz, d2 = acx * apx + acy * apy + acz * apz;
  let qx: number, qy: number, qz: number;
  if (d1 <= 0 && d2 <= 0) { qx = ax; qy = ay; qz = az; }
  else {
    const bpx = px - P[b]!, bpy = py - P[b + 1]!, bpz = pz - P[b + 2]!;
    const d3 = abx * bpx + aby * bpy + abz * bpz, d4 = acx * bpx + acy * bpy + acz * bpz;
    const cpx = px - P[c]!, cpy = py - P[c + 1]!, cpz = pz - P[c + 2]!;
    const d5 = abx * cpx + aby * cpy + abz * cpz, d6 = acx * cpx + acy * cpy + acz * cpz;
    const vc = d1 * d4 - d3 * d2, vb = d5 * d2 - d1 * d6, va = d3 * d6 - d5 * d4;
    if (d3 >= 0 && d4 <= d3) { qx = P[b]!; qy = P[b + 1]!; qz = P[b + 2]!; }
    else if (d6 >= 0 && d5 <= d6) { qx = P[c]!; qy = P[c + 1]!; qz = P[c + 2]!; }
    else if (vc <= 0 && d1 >= 0 && d3 <= 0) { const v = d1 / (d1 - d3); qx = ax + v * abx; qy = ay + v * aby; qz = az + v * abz; }
    else if (vb <= 0 && d2 >= 0 && d6 <= 0) { const w = d2 / (d2 - d6); qx = ax + w * acx; qy = ay + w * acy; qz = az + w * acz; }
    else if (va <= 0 && d4 - d3 >= 0 && d5 - d6 >= 0) {
      const w = (d4 - d3) / (d4 - d3 + (d5 - d6));
      qx = P[b]! + w * (P[c]! - P[b]!); qy = P[b + 1]! + w * (P[c + 1]! - P[b + 1]!); qz = P[b + 2]! + w * (P[c + 2]! - P[b + 2]!);
    } else {
      const den = va + vb + vc;
      if (den === 0) { qx = ax; qy = ay; qz = az; } // degenerate triangle: its vertex a (edges were covered above)
      else {
        const v = vb / den, w = vc / den;
        qx = ax + abx * v + acx * w; qy = ay + aby * v + acy * w; qz = az + abz * v + acz * w;
      }
    }
  }
  const dx = px - qx, dy = py - qy, dz = pz - qz;
  return dx * dx + dy * dy + dz * dz;
}
