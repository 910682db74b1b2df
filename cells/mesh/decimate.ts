/**
 * Decimation to a triangle budget, for display: meshoptimizer's edge-collapse simplifier
 * (quadric error metric; Garland & Heckbert 1997, "Surface simplification using quadric error
 * metrics", doi:10.1145/258734.258849), then its compaction, which drops vertices no triangle
 * uses any more.
 *
 * The result is a preview: meshoptimizer may leave a few duplicated faces or repeated edges
 * (STACK.md), so it is not a printable, edge-manifold surface. Print the full mesh.
 */
import { MeshoptSimplifier } from 'meshoptimizer/simplifier';
import { ParameterError } from '../core/errors.ts';
import type { Mesh } from '../core/mesh.ts';
import { checkMesh } from '../core/mesh.ts';

export interface DecimateOptions {
  /** Most triangles the result may have (≥ 1). */
  readonly targetTriangles: number;
}

export interface Decimated extends Mesh {
  /** The simplifier's deviation from the input surface, mm (0 when the input was within budget). */
  readonly errorMm: number;
}

/**
 * `mesh` with at most `targetTriangles` triangles: edge collapses that keep the shape
 * (the error is allowed to grow as far as the budget needs), and, should those stall (many
 * tiny disconnected pieces), meshoptimizer's sloppy simplifier, which merges vertices on a
 * grid. A mesh already within budget is returned compacted but otherwise unchanged.
 * Positions: the input's (mm), a subset; indices re-numbered from 0.
 * @throws ParameterError when `targetTriangles` is not a whole number ≥ 1, or `mesh.indices`
 *   is not a whole number of triangles.
 */
export async function decimateMesh(mesh: Mesh, options: DecimateOptions): Promise<Decimated> {
  checkMesh(mesh, 'decimateMesh');
  const { targetTriangles } = options;
  if (!Number.isInteger(targetTriangles) || targetTriangles < 1) throw new ParameterError(`targetTriangles must be a whole number ≥ 1 (got ${targetTriangles})`);
  if (mesh.indices.length % 3 !== 0) throw new ParameterError(`mesh has ${mesh.indices.length} indices, not a multiple of 3`);
  await MeshoptSimplifier.ready;
  const triangles = mesh.indices.length / 3;
  if (triangles === 0) return { positions: new Float32Array(0), indices: new Uint32Array(0), errorMm: 0 };
  let indices = mesh.indices;
  let relativeError = 0;
  if (triangles > targetTriangles) {
    // An error bound of 1 (the mesh's whole extent) lets the budget decide where to stop.
    [indices, relativeError] = MeshoptSimplifier.simplify(mesh.indices, mesh.positions, 3, targetTriangles * 3, 1);
    if (indices.length / 3 > targetTriangles) {
      [indices, relativeError] = MeshoptSimplifier.simplifySloppy(mesh.indices, mesh.positions, 3, null, targetTriangles * 3, 1);
    }
  } else {
    indices = mesh.indices.slice();
  }
  const scale = MeshoptSimplifier.getScale(mesh.positions, 3);
  return { ...compact(indices, mesh.positions), errorMm: relativeError * scale };
}

/** Keeps the vertices `indices` uses, in first-use order (meshoptimizer's compaction); `indices` is re-numbered in place. */
function compact(indices: Uint32Array, positions: Float32Array): { positions: Float32Array; indices: Uint32Array } {
  const owned = indices.slice();
  const [remap, unique] = MeshoptSimplifier.compactMesh(owned);
  const out = new Float32Array(unique * 3);
  for (let v = 0; v < remap.length; v++) {
    const to = remap[v]!;
    if (to === 0xffffffff) continue;
    out[3 * to] = positions[3 * v]!;
    out[3 * to + 1] = positions[3 * v + 1]!;
    out[3 * to + 2] = positions[3 * v + 2]!;
  }
  return { positions: out, indices: owned };
}
