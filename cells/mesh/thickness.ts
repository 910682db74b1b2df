/**
 * Wall thickness of a closed mesh by ray casting along inward vertex normals: from a vertex,
 * the distance to the first surface the ray meets is the local thickness of the material
 * there. This is the one-ray form of the shape diameter function (Shapira, Shamir & Cohen-Or,
 * "Consistent mesh partitioning and skeletonisation using the shape diameter function",
 * 2008, doi:10.1007/s00371-007-0197-5); along the normal it measures the wall across, and
 * over-reads only where the opposite side is strongly tilted.
 */
import { ParameterError } from '../core/errors.ts';
import { checkMesh, type Mesh } from '../core/mesh.ts';
import { chunkRange, runShared, shouldShare, type ChunkBody } from '../core/parallel.ts';
import { scratchPool, withScratch } from '../core/scratch.ts';
import { checkAbort, type StageOptions } from '../core/stage.ts';
import { buildBvh, RayCaster, type TriangleBvh } from './bvh.ts';

export interface WallThicknessOptions extends StageOptions {
  /** Most rays to cast (one per vertex, every k-th vertex when there are more). Default 1,000,000. */
  readonly maxRays?: number;
}

export interface WallThickness {
  /** Per vertex, mm: the distance to the opposite surface; NaN for a vertex not sampled (or no triangle uses it), Infinity where the ray met nothing (an open mesh, or normals wound inward). */
  readonly thicknessMm: Float32Array;
  /** Rays cast (= vertices sampled). */
  readonly rays: number;
  /** Rays that met no surface. */
  readonly missed: number;
  /** Every k-th vertex was sampled. */
  readonly stride: number;
}

/** Area-weighted vertex normals (Σ of the unnormalised face normals around each vertex), not normalised. */
export function vertexNormals(mesh: Mesh): Float64Array {
  const P = mesh.positions, I = mesh.indices;
  const N = new Float64Array(P.length);
  for (let t = 0; t < I.length; t += 3) {
    const a = 3 * I[t]!, b = 3 * I[t + 1]!, c = 3 * I[t + 2]!;
    const ux = P[b]! - P[a]!, uy = P[b + 1]! - P[a + 1]!, uz = P[b + 2]! - P[a + 2]!;
    const wx = P[c]! - P[a]!, wy = P[c + 1]! - P[a + 1]!, wz = P[c + 2]! - P[a + 2]!;
    const nx = uy * wz - uz * wy, ny = uz * wx - ux * wz, nz = ux * wy - uy * wx;
    for (const v of [a, b, c]) {
      N[v] += nx;
      N[v + 1] += ny;
      N[v + 2] += nz;
    }
  }
  return N;
}

/**
 * Wall thickness at (a sample of) the vertices of a closed, outward-wound mesh: a ray from
 * each sampled vertex along its inward area-weighted normal, the distance to the nearest
 * triangle it meets (either face; the vertex's own triangles ignored). A BVH of our own
 * (cells/mesh/bvh.ts) answers the rays. On a ~600k-triangle skull: see bench/printability.ts.
 * Threads: with helper threads (cells/core/parallel.ts) and enough rays to pay for copying the
 * BVH to shared memory, the rays are cast in chunks by this thread and the helpers; every ray is
 * the same arithmetic whoever casts it, so the result is the same (tested).
 * @throws GeometryError (checkMesh) for an empty mesh, a non-finite position or a bad index.
 * @throws ParameterError if maxRays is not a whole number ≥ 1.
 * @throws AbortError when `signal` fires (checked every 8192 rays).
 */
export function wallThickness(mesh: Mesh, options: WallThicknessOptions = {}): WallThickness {
  const { maxRays = 1_000_000, signal, onProgress } = options;
  if (!Number.isInteger(maxRays) || maxRays < 1) throw new ParameterError(`wallThickness: maxRays must be a whole number ≥ 1 (got ${maxRays})`);
  const { V } = checkMesh(mesh, 'wallThickness');
  onProgress?.(0);
  const N = vertexNormals(mesh);
  const bvh = buildBvh(mesh);
  checkAbort('wallThickness', signal);
  onProgress?.(0.2);
  const stride = Math.max(1, Math.ceil(V / maxRays));
  const samples = Math.ceil(V / stride);
  // A ray costs a few hundred BVH steps: ~50k rays pay for the copies.
  const share = shouldShare(40 * samples);
  const chunks = share ? RAY_CHUNKS : 1;
  return withScratch(share ? SHARED_SCRATCH : LOCAL_SCRATCH, (scratch) => {
    const shared = <A extends Float32Array | Float64Array | Int32Array | Uint32Array>(a: A): A => (share ? scratch.shareable(a) : a);
    const job: RayJob = {
      bvh: { nodes: shared(bvh.nodes), boxes: shared(bvh.boxes), order: shared(bvh.order), corners: shared(bvh.corners), indices: shared(bvh.indices), nodeCount: bvh.nodeCount },
      positions: shared(mesh.positions), normals: shared(N), stride, chunks,
      thicknessMm: scratch.take(Float32Array, V, NaN),
      counts: scratch.take(Int32Array, 1 + 2 * chunks),
    };
    const tick = (): void => {
      checkAbort('wallThickness', signal);
      onProgress?.(0.2 + (0.8 * Math.min(samples, Atomics.load(job.counts, RAYS_DONE))) / samples);
    };
    // Should this thread give up (abort), runShared marks the job so, and a helper stops at its
    // next chunk (~1/32 of the rays).
    runShared({ share, name: RAY_JOB, payload: job, steps: 1, chunks }, rayBody(job, tick));
    let rays = 0, missed = 0;
    for (let c = 0; c < chunks; c++) {
      rays += job.counts[1 + 2 * c]!;
      missed += job.counts[2 + 2 * c]!;
    }
    onProgress?.(1);
    return { thicknessMm: job.thicknessMm.slice(), rays, missed, stride };
  });
}

/** The job name helpers know `rayBody` by (cells/jobs.ts). */
export const RAY_JOB = 'wall-thickness-rays';
/** Chunks of a shared ray job: enough that threads finish together though rays differ in cost. */
const RAY_CHUNKS = 32;
const RAYS_DONE = 0;
const SHARED_SCRATCH = scratchPool('thickness-job', true);
const LOCAL_SCRATCH = scratchPool('thickness-job-unshared');

/**
 * Wall-thickness rays as a shared job: chunk c casts the rays of the sampled vertices
 * (every `stride`-th) in its share of them, writing `thicknessMm` at those vertices. `counts`:
 * [rays cast so far by any chunk], then per chunk [rays, missed].
 */
export interface RayJob {
  readonly bvh: TriangleBvh;
  readonly positions: Float32Array;
  /** Area-weighted vertex normals, not normalised (`vertexNormals`). */
  readonly normals: Float64Array;
  readonly stride: number;
  readonly chunks: number;
  readonly thicknessMm: Float32Array;
  readonly counts: Int32Array;
}

/**
 * The body of a ray job on any thread. `tick` (the caller's abort check and progress) runs
 * every 8192 rays and after each chunk; a helper has none and stops between chunks when the
 * caller gave up (cells/core/parallel.ts, `runTickets`).
 */
export function rayBody(job: RayJob, tick?: () => void): ChunkBody {
  return (_step, c) => {
    const { positions: P, normals: N, stride, thicknessMm, counts } = job;
    const caster = new RayCaster(job.bvh);
    const [from, to] = chunkRange(Math.ceil(P.length / 3 / stride), job.chunks, c);
    let rays = 0, missed = 0;
    for (let s = from; s < to; s++) {
      if (((s - from) & 8191) === 8191) {
        Atomics.add(counts, RAYS_DONE, 8192);
        tick?.();
      }
      const v = s * stride;
      const nx = N[3 * v]!, ny = N[3 * v + 1]!, nz = N[3 * v + 2]!;
      const len = Math.hypot(nx, ny, nz);
      if (!(len > 0)) continue; // no triangle (or only degenerate ones) uses it
      const t = caster.closestHit(P[3 * v]!, P[3 * v + 1]!, P[3 * v + 2]!, -nx / len, -ny / len, -nz / len, 1e-6, Infinity, v);
      thicknessMm[v] = t;
      rays++;
      if (t === Infinity) missed++;
    }
    Atomics.add(counts, RAYS_DONE, (to - from) & 8191);
    counts[1 + 2 * c] = rays;
    counts[2 + 2 * c] = missed;
    tick?.();
  };
}
