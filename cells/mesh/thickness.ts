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
import { checkAbort, type StageOptions } from '../core/stage.ts';
import { buildBvh, RayCaster } from './bvh.ts';

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
 * @throws GeometryError (checkMesh) for an empty mesh, a non-finite position or a bad index.
 * @throws ParameterError if maxRays is not a whole number ≥ 1.
 * @throws AbortError when `signal` fires (checked every 8192 rays).
 */
export function wallThickness(mesh: Mesh, options: WallThicknessOptions = {}): WallThickness {
  const { maxRays = 1_000_000, signal, onProgress } = options;
  if (!Number.isInteger(maxRays) || maxRays < 1) throw new ParameterError(`wallThickness: maxRays must be a whole number ≥ 1 (got ${maxRays})`);
  const { V } = checkMesh(mesh, 'wallThickness');
  onProgress?.(0);
  const P = mesh.positions;
  const N = vertexNormals(mesh);
  const bvh = buildBvh(mesh);
  checkAbort('wallThickness', signal);
  onProgress?.(0.2);
  const caster = new RayCaster(bvh);
  const stride = Math.max(1, Math.ceil(V / maxRays));
  const thicknessMm = new Float32Array(V).fill(NaN);
  let rays = 0, missed = 0;
  for (let v = 0; v < V; v += stride) {
    if ((v / stride) % 8192 === 0 && v > 0) {
      checkAbort('wallThickness', signal);
      onProgress?.(0.2 + 0.8 * (v / V));
    }
    const nx = N[3 * v]!, ny = N[3 * v + 1]!, nz = N[3 * v + 2]!;
    const len = Math.hypot(nx, ny, nz);
    if (!(len > 0)) continue; // no triangle (or only degenerate ones) uses it
    const t = caster.closestHit(P[3 * v]!, P[3 * v + 1]!, P[3 * v + 2]!, -nx / len, -ny / len, -nz / len, 1e-6, Infinity, v);
    thicknessMm[v] = t;
    rays++;
    if (t === Infinity) missed++;
  }
  onProgress?.(1);
  return { thicknessMm, rays, missed, stride };
}
