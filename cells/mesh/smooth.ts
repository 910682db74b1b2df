import { ParameterError } from '../core/errors.ts';
import type { Mesh } from '../core/mesh.ts';
import { checkMesh } from '../core/mesh.ts';
import { checkAbort, type StageOptions } from '../core/stage.ts';
import { chunkRange, runShared, type ChunkBody, shouldShare } from '../core/parallel.ts';
import { scratchPool, withScratch, type Scratch } from '../core/scratch.ts';
import { edgesPaired, hasRepeatedVertex, scratchRings, vertexRings } from './rings.ts';

/** Options of `smoothMesh`. */
export interface SmoothOptions extends StageOptions {
  /** Degree of the Chebyshev filter = number of Laplacian passes, integer 1..1000. Default 20. */
  readonly iterations?: number;
  /** Pass-band frequency k_pb in (0, 2), in units of the graph Laplacian's spectrum. Smaller is smoother. Default 0.1. */
  readonly passBand?: number;
}

/** What `smoothMesh` returns: the smoothed mesh (same indices) and its volume change. */
export interface Smoothed {
  /** Same `indices` array as the input (topology unchanged), new `positions`; normals dropped. */
  readonly mesh: Mesh;
  /** Enclosed volume before and after, mm³ (divergence theorem, signed as `validateMesh`'s). */
  readonly volumeBeforeMm3: number;
  readonly volumeAfterMm3: number;
  /** (after − before) / before; 0 for a mesh of zero volume. */
  readonly volumeChange: number;
  /** Largest and mean distance a vertex moved, mm. */
  readonly maxDisplacementMm: number;
  readonly meanDisplacementMm: number;
  /**
   * Chunks of the filter run by helper threads (cells/core/parallel.ts); 0 when this thread ran
   * them all. The result is bit-identical either way.
   */
  readonly helperChunks: number;
}

/**
 * Windowed-sinc smoothing of a triangle mesh: a low-pass filter on the mesh's graph
 * Laplacian that removes the marching-cubes staircase without the shrinkage of plain
 * Laplacian smoothing. Only vertex positions change; `indices` are returned as they are, so
 * a closed edge-manifold mesh stays closed and edge-manifold with the same Euler characteristic.
 *
 * Method (Taubin, Zhang & Golub 1996), with the defaults of VTK's
 * vtkWindowedSincPolyDataFilter: the output is f(K)·x with f(k) = Σᵢ wᵢ cᵢ Tᵢ(1 − k/2),
 * i = 0..N (N = `iterations`), K = I − W the umbrella operator (W averages a vertex's edge
 * neighbours, uniform weights), Tᵢ Chebyshev polynomials evaluated by their three-term
 * recurrence (one Laplacian pass each), cᵢ the Fourier coefficients of the ideal low-pass
 * with cut-off θ = acos(1 − k_pb/2) + σ, wᵢ a Hamming window 0.54 + 0.46·cos(iπ/(N+1)), and σ
 * found by Newton's method so that f(k_pb) = 1. Coordinates are first normalised (centred on
 * the bounding box, scaled to [−1, 1]) and restored after.
 * One departure from VTK 9.1: the coefficients are divided by their sum so the DC gain
 * f(0) is exactly 1. With the Hamming window f(0) = 0.998 (N = 20, k_pb = 0.1), which in VTK
 * 9.1 scales the whole mesh about the origin (or the centre, with NormalizeCoordinates),
 * −0.6% in volume; VTK ≥ 9.2 changed its default window to Nuttall for this reason.
 * Vertex classes, as VTK's defaults (boundary smoothing on, feature-edge and non-manifold
 * smoothing off): a vertex on no open or non-manifold edge moves with all its neighbours; a
 * vertex on exactly two open edges moves along the boundary only (its two boundary
 * neighbours); any other vertex on an open or non-manifold edge stays fixed.
 *
 * Shapes and units: `positions` 3 per vertex (mm), `indices` 3 per triangle; the result's
 * positions are Float32 mm. Cost: O(N · edges), two Float64 scratch copies of the positions;
 * f(K)·x is evaluated by Clenshaw's recurrence (no running sum), and a closed, oriented,
 * edge-manifold mesh takes its neighbour lists straight from its half-edges.
 *
 * @throws ParameterError if iterations is not an integer 1..1000 or passBand not in (0, 2).
 * @throws GeometryError (checkMesh) if the mesh is empty, an index names no vertex, or a
 *   position is not finite.
 * @throws AbortError when `signal` fires (checked once per iteration).
 *
 * Sources: G. Taubin, T. Zhang, G. Golub, "Optimal surface smoothing as filter design",
 * ECCV 1996, doi:10.1007/BFb0015544; VTK's vtkWindowedSincPolyDataFilter (read, not copied).
 */
export function smoothMesh(mesh: Mesh, options: SmoothOptions = {}): Smoothed {
  checkMesh(mesh, 'smoothMesh');
  const iterations = options.iterations ?? 20, passBand = options.passBand ?? 0.1;
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > 1000) {
    throw new ParameterError(`smoothMesh: iterations must be an integer 1..1000, got ${iterations}`);
  }
  if (!(passBand > 0 && passBand < 2)) throw new ParameterError(`smoothMesh: passBand must be in (0, 2), got ${passBand}; 0.1 is VTK's default`);
  const P = mesh.positions, I = mesh.indices;
  const V = P.length / 3; // checkMesh: 3 per vertex / triangle, indices in range, all finite
  const volumeBeforeMm3 = enclosedVolume(P, I);
  options.onProgress?.(0);
  return withScratch(NEIGHBOUR_SCRATCH, (local) => {
    const neighbours = smoothingNeighbours(I, V, local);
    // Shared with helper threads when there are some and the mesh is large (cells/core/parallel.ts):
    // the result is bit-identical either way.
    const share = shouldShare(neighbours.nbr.length * iterations);
    return withScratch(share ? SHARED_SCRATCH : JOB_SCRATCH, (scratch) => smoothWith(scratch, share, neighbours, mesh, iterations, passBand, volumeBeforeMm3, options));
  });
}

/**
 * Temporaries kept between calls (cells/core/scratch.ts): the neighbour lists, and the job's
 * arrays (shared with helpers when they run): ~90 bytes per vertex and 24 per triangle.
 */
const NEIGHBOUR_SCRATCH = scratchPool('smooth-neighbours');
const SHARED_SCRATCH = scratchPool('smooth-job', true);
const JOB_SCRATCH = scratchPool('smooth-job-unshared');

function smoothWith(scratch: Scratch, share: boolean, neighbours: { start: Int32Array; nbr: Int32Array }, mesh: Mesh, iterations: number, passBand: number, volumeBeforeMm3: number, options: SmoothOptions): Smoothed {
  const P = mesh.positions, I = mesh.indices;
  const V = P.length / 3;
  // The neighbour lists are ours (scratch): used as they are, or copied where helpers see them.
  const shared = <A extends Int32Array | Float32Array>(a: A): A => (share ? scratch.shareable(a) : a);
  const start = shared(neighbours.start);
  // Per pass, the inner loop reads 3·neighbour and 0.5 / degree: both fixed, so computed once.
  const nbr3 = shared(neighbours.nbr);
  for (let j = 0; j < nbr3.length; j++) nbr3[j]! *= 3;
  const half = scratch.take(Float64Array, V, null);
  for (let v = 0; v < V; v++) half[v] = start[v + 1]! > start[v]! ? 0.5 / (start[v + 1]! - start[v]!) : 0;
  const coeff = filterCoefficients(iterations, passBand);

  // Normalise: centre on the bounding box, scale the largest half-extent to 1.
  let minX = Infinity, minY = Infinity, minZ = Infinity, maxX = -Infinity, maxY = -Infinity, maxZ = -Infinity;
  for (let v = 0; v < V; v++) {
    const x = P[3 * v]!, y = P[3 * v + 1]!, z = P[3 * v + 2]!;
    if (x < minX) minX = x; if (x > maxX) maxX = x;
    if (y < minY) minY = y; if (y > maxY) maxY = y;
    if (z < minZ) minZ = z; if (z > maxZ) maxZ = z;
  }
  const scale = Math.max(maxX - minX, maxY - minY, maxZ - minZ) / 2 || 1;
  const job: ClenshawJob = {
    P: shared(P), start, nbr3, half, coeff,
    X: scratch.take(Float64Array, 3 * V), Y: scratch.take(Float64Array, 3 * V),
    centre: [(minX + maxX) / 2, (minY + maxY) / 2, (minZ + maxZ) / 2], inv: 1 / scale, chunks: share ? SMOOTH_CHUNKS : 1,
  };
  const [cx, cy, cz] = job.centre;
  const { chunksByHelpers } = runShared({ share, name: CLENSHAW_JOB, payload: job, steps: iterations + 1, chunks: job.chunks }, clenshawBody(job), (step) => {
    checkAbort('smoothMesh', options.signal);
    if (step > 0) options.onProgress?.(step / (iterations + 1));
  });
  const out = iterations % 2 === 1 ? job.Y : job.X;

  const positions = new Float32Array(3 * V);
  let maxD2 = 0, sumD = 0;
  for (let v = 0; v < V; v++) {
    const x = out[3 * v]! * scale + cx, y = out[3 * v + 1]! * scale + cy, z = out[3 * v + 2]! * scale + cz;
    positions[3 * v] = x;
    positions[3 * v + 1] = y;
    positions[3 * v + 2] = z;
    const dx = x - P[3 * v]!, dy = y - P[3 * v + 1]!, dz = z - P[3 * v + 2]!;
    const d2 = dx * dx + dy * dy + dz * dz;
    if (d2 > maxD2) maxD2 = d2;
    sumD += Math.sqrt(d2);
  }
  const smoothed: Mesh = mesh.labels ? { positions, indices: I, labels: mesh.labels } : { positions, indices: I };
  const volumeAfterMm3 = enclosedVolume(positions, I);
  options.onProgress?.(1);
  return {
    mesh: smoothed,
    volumeBeforeMm3,
    volumeAfterMm3,
    volumeChange: volumeBeforeMm3 === 0 ? 0 : (volumeAfterMm3 - volumeBeforeMm3) / volumeBeforeMm3,
    maxDisplacementMm: Math.sqrt(maxD2),
    meanDisplacementMm: V === 0 ? 0 : sumD / V,
    helperChunks: chunksByHelpers,
  };
}

/** Registered name of the smoothing job (cells/jobs.ts), which helper threads run. */
export const CLENSHAW_JOB = 'smooth-clenshaw';
/** Chunks per step: small enough that a helper arriving late still finds work, large enough to cost nothing. */
const SMOOTH_CHUNKS = 8;

/** What the smoothing job shares with helper threads (arrays shared, not copied). */
export interface ClenshawJob {
  /** Input positions, mm, 3 per vertex. */
  readonly P: Float32Array;
  readonly start: Int32Array;
  /** 3 × each smoothing neighbour's index (CSR over `start`). */
  readonly nbr3: Int32Array;
  /** 0.5 / degree per vertex (0 for a fixed vertex). */
  readonly half: Float64Array;
  /** wᵢcᵢ, i = 0..N. */
  readonly coeff: Float64Array;
  /** Clenshaw's b(k) arrays, normalised coordinates, 3 per vertex; they alternate per step. */
  readonly X: Float64Array;
  readonly Y: Float64Array;
  readonly centre: readonly [number, number, number];
  readonly inv: number;
  /** Chunks per step. */
  readonly chunks: number;
}

/**
 * Clenshaw's recurrence for f(A)·x = Σᵢ cᵢ Tᵢ(A)·x with A = I − K/2 (A y = y + ½Δy, Δy =
 * mean(neighbours) − y): b(N+1) = b(N+2) = 0, b(k) = cₖ x + 2A b(k+1) − b(k+2) for k = N..1,
 * f(A)·x = c₀ x + A b(1) − b(2). Step 0 writes b(N) = c_N x into X (Y holds b(N+1) = 0); step
 * i = 1..N writes b(N − i) over b(N − i + 2) (in place: each entry reads only its own), in Y
 * for odd i and X for even i, with m = 2, or m = 1 for the last (k = 0). x is read from the
 * Float32 positions on the fly, so one pass streams two Float64 arrays and the positions.
 * Chunk c of a step covers vertices chunkRange(V, chunks, c).
 */
export function clenshawBody(job: ClenshawJob): ChunkBody {
  const { P, start, nbr3, half, coeff, X, Y, inv } = job;
  const [cx, cy, cz] = job.centre;
  const V = start.length - 1, N = coeff.length - 1;
  return (step, chunk) => {
    const [from, to] = chunkRange(V, job.chunks, chunk);
    if (step === 0) {
      const cN = coeff[N]!;
      for (let v = from; v < to; v++) {
        X[3 * v] = cN * (P[3 * v]! - cx) * inv;
        X[3 * v + 1] = cN * (P[3 * v + 1]! - cy) * inv;
        X[3 * v + 2] = cN * (P[3 * v + 2]! - cz) * inv;
      }
      return;
    }
    const odd = step % 2 === 1;
    clenshawStep(P, cx, cy, cz, inv, coeff[N - step]!, odd ? X : Y, odd ? Y : X, start, nbr3, half, step === N ? 1 : 2, from, to);
  };
}

/**
 * One Clenshaw step over vertices [from, to): b2[v] ← c·x[v] + m·(A b)[v] − b2[v], where
 * x[v] = (P[v] − centre)·inv and (A b)[v] = b[v] + ½(mean of v's smoothing neighbours − b[v])
 * (b[v] for a fixed vertex); `nbr3` holds 3 × each neighbour's index and `half` 0.5 / degree.
 */
function clenshawStep(
  P: ArrayLike<number>, cx: number, cy: number, cz: number, inv: number, c: number,
  b: Float64Array, b2: Float64Array, start: Int32Array, nbr3: Int32Array, half: Float64Array, m: number, from: number, to: number,
): void {
  const cInv = c * inv;
  for (let v = from; v < to; v++) {
    const s = start[v]!, e = start[v + 1]!;
    let ax = b[3 * v]!, ay = b[3 * v + 1]!, az = b[3 * v + 2]!;
    if (e > s) {
      let sx = 0, sy = 0, sz = 0;
      for (let j = s; j < e; j++) {
        const n = nbr3[j]!;
        sx += b[n]!;
        sy += b[n + 1]!;
        sz += b[n + 2]!;
      }
      const h = half[v]!;
      ax = 0.5 * ax + h * sx;
      ay = 0.5 * ay + h * sy;
      az = 0.5 * az + h * sz;
    }
    b2[3 * v] = cInv * (P[3 * v]! - cx) + m * ax - b2[3 * v]!;
    b2[3 * v + 1] = cInv * (P[3 * v + 1]! - cy) + m * ay - b2[3 * v + 1]!;
    b2[3 * v + 2] = cInv * (P[3 * v + 2]! - cz) + m * az - b2[3 * v + 2]!;
  }
}

/**
 * Each vertex's smoothing neighbours (CSR): all edge neighbours for an interior vertex, the
 * two boundary neighbours for a vertex on exactly two open edges, none (fixed) otherwise.
 */
function smoothingNeighbours(I: Uint32Array, V: number, scratch: Scratch): { start: Int32Array; nbr: Int32Array } {
  return closedManifoldNeighbours(I, V, scratch) ?? generalNeighbours(I, V);
}

/**
 * The common case, fast: when every edge is used once in each direction (a closed, oriented,
 * edge-manifold mesh without degenerate triangles) all vertices are interior and a vertex's
 * neighbours are the ends of its outgoing half-edges (cells/mesh/rings.ts, in triangle order),
 * or undefined when the mesh is not of that kind.
 */
function closedManifoldNeighbours(I: Uint32Array, V: number, scratch: Scratch): { start: Int32Array; nbr: Int32Array } | undefined {
  if (hasRepeatedVertex(I)) return undefined;
  const rings = vertexRings(I, V, scratchRings(scratch, V, I.length / 3));
  return edgesPaired(rings, undefined, scratch) ? { start: rings.start, nbr: rings.next } : undefined;
}

/** Any mesh: open, non-manifold and degenerate edges sorted out per vertex (see above). */
function generalNeighbours(I: Uint32Array, V: number): { start: Int32Array; nbr: Int32Array } {
  // Undirected edges with their triangle count, via per-vertex buckets of the higher end.
  const T = I.length / 3;
  const deg = new Int32Array(V + 1);
  for (let h = 0; h < 3 * T; h++) {
    const a = I[h]!, b = I[h % 3 === 2 ? h - 2 : h + 1]!;
    if (a !== b) deg[(a < b ? a : b) + 1]!++;
  }
  for (let v = 0; v < V; v++) deg[v + 1]! += deg[v]!;
  const fill = deg.slice(0, V), hi = new Int32Array(deg[V]!);
  for (let h = 0; h < 3 * T; h++) {
    const a = I[h]!, b = I[h % 3 === 2 ? h - 2 : h + 1]!;
    if (a !== b) hi[fill[a < b ? a : b]!++] = a < b ? b : a;
  }
  // Distinct edges (lo, hi, count), in place over the sorted buckets; open (1) and
  // non-manifold (> 2) edges counted per vertex.
  const eLo = new Int32Array(hi.length), eHi = new Int32Array(hi.length), eCount = new Int32Array(hi.length);
  const open = new Int32Array(V), bad = new Uint8Array(V);
  let E = 0;
  for (let v = 0; v < V; v++) {
    const s = deg[v]!, e = deg[v + 1]!;
    for (let i = s + 1; i < e; i++) { // insertion sort: buckets hold ~3 entries
      const x = hi[i]!;
      let j = i - 1;
      while (j >= s && hi[j]! > x) { hi[j + 1] = hi[j]!; j--; }
      hi[j + 1] = x;
    }
    const bucket = hi.subarray(s, e);
    for (let i = 0; i < bucket.length; ) {
      let j = i;
      while (j < bucket.length && bucket[j] === bucket[i]) j++;
      const w = bucket[i]!, c = j - i;
      eLo[E] = v; eHi[E] = w; eCount[E] = c; E++;
      if (c === 1) { open[v]!++; open[w]!++; }
      else if (c > 2) { bad[v] = 1; bad[w] = 1; }
      i = j;
    }
  }
  // Keep an edge for vertex v if v is interior, or v is a 2-open-edge boundary vertex and the edge is open.
  const uses = (v: number, c: number): boolean => bad[v] === 0 && (open[v] === 0 || (open[v] === 2 && c === 1));
  const start = new Int32Array(V + 1);
  for (let k = 0; k < E; k++) {
    if (uses(eLo[k]!, eCount[k]!)) start[eLo[k]! + 1]!++;
    if (uses(eHi[k]!, eCount[k]!)) start[eHi[k]! + 1]!++;
  }
  for (let v = 0; v < V; v++) start[v + 1]! += start[v]!;
  const at = start.slice(0, V), nbr = new Int32Array(start[V]!);
  for (let k = 0; k < E; k++) {
    const a = eLo[k]!, b = eHi[k]!, c = eCount[k]!;
    if (uses(a, c)) nbr[at[a]!++] = b;
    if (uses(b, c)) nbr[at[b]!++] = a;
  }
  return { start, nbr };
}

/**
 * wᵢ·cᵢ for i = 0..N: Hamming-windowed Fourier coefficients of the ideal low-pass on
 * θ ∈ [0, π], cut-off shifted by σ (Newton's method) so that f(k_pb) = 1, then divided by their
 * sum so the DC gain f(0) is 1 (f(k_pb) stays within 0.3% of 1 for N = 20, k_pb = 0.1).
 */
export function filterCoefficients(N: number, passBand: number): Float64Array {
  const thetaPb = Math.acos(1 - 0.5 * passBand);
  const w = new Float64Array(N + 1), cheb = new Float64Array(N + 1);
  for (let i = 0; i <= N; i++) w[i] = 0.54 + 0.46 * Math.cos((i * Math.PI) / (N + 1));
  const x = Math.cos(thetaPb); // 1 − k_pb/2
  cheb[0] = 1;
  if (N >= 1) cheb[1] = x;
  for (let i = 2; i <= N; i++) cheb[i] = 2 * x * cheb[i - 1]! - cheb[i - 2]!;
  const response = (theta: number): { f: number; df: number } => {
    let f = (theta / Math.PI) * w[0]!, df = w[0]! / Math.PI;
    for (let i = 1; i <= N; i++) {
      f += ((2 * Math.sin(i * theta)) / (i * Math.PI)) * w[i]! * cheb[i]!;
      df += ((2 * Math.cos(i * theta)) / Math.PI) * w[i]! * cheb[i]!;
    }
    return { f, df };
  };
  let theta = thetaPb;
  for (let it = 0; it < 100; it++) {
    const { f, df } = response(theta);
    if (Math.abs(f - 1) < 1e-12 || df === 0) break;
    theta = Math.min(Math.PI, Math.max(1e-6, theta - (f - 1) / df));
  }
  const c = new Float64Array(N + 1);
  c[0] = (theta / Math.PI) * w[0]!;
  for (let i = 1; i <= N; i++) c[i] = ((2 * Math.sin(i * theta)) / (i * Math.PI)) * w[i]!;
  // DC gain f(0) = Σ cᵢ (Tᵢ(1) = 1) is 0.998 for N = 20, k_pb = 0.1 with the Hamming window:
  // it scales the whole mesh about the normalisation centre (−0.6% volume). Divide it out.
  let dc = 0;
  for (let i = 0; i <= N; i++) dc += c[i]!;
  for (let i = 0; i <= N; i++) c[i]! /= dc;
  return c;
}

/** Enclosed volume Σ p0 · (p1 × p2) / 6 relative to the first vertex (divergence theorem), mm³, float64. */
function enclosedVolume(P: ArrayLike<number>, I: Uint32Array): number {
  if (I.length === 0) return 0;
  const ox = P[0]!, oy = P[1]!, oz = P[2]!;
  let vol6 = 0;
  for (let t = 0; t < I.length; t += 3) {
    const a = 3 * I[t]!, b = 3 * I[t + 1]!, c = 3 * I[t + 2]!;
    const ax = P[a]! - ox, ay = P[a + 1]! - oy, az = P[a + 2]! - oz;
    const bx = P[b]! - ox, by = P[b + 1]! - oy, bz = P[b + 2]! - oz;
    const cx = P[c]! - ox, cy = P[c + 1]! - oy, cz = P[c + 2]! - oz;
    vol6 += ax * (by * cz - bz * cy) + ay * (bz * cx - bx * cz) + az * (bx * cy - by * cx);
  }
  return vol6 / 6;
}
