/**
 * Decimation to a triangle budget by quadric-error edge collapses (Garland & Heckbert 1997,
 * "Surface simplification using quadric error metrics", doi:10.1145/258734.258849):
 * - `decimateMesh`: print-grade; a closed 2-manifold stays one, with each shell's topology
 *   (our own topology-preserving collapses, cells/mesh/edge-collapse.ts).
 * - `decimateForDisplay`: a preview for the page with meshoptimizer's simplifier (may leave a few defects).
 */
import { MeshoptSimplifier } from 'meshoptimizer/simplifier';
import { ParameterError } from '../core/errors.ts';
import { checkMesh, type Mesh } from '../core/mesh.ts';
import { checkAbort, type StageOptions } from '../core/stage.ts';
import { isClosedOrientedManifold } from './edge-collapse.ts';
import { collapseEdgesInParts } from './collapse-parts.ts';
import { compactMesh } from './compact.ts';

/** Most triangles a budget may name: 3 indices each must fit the uint32 index range. */
export const MAX_TRIANGLE_BUDGET = Math.floor(0xffffffff / 3);

/** Options of `decimateMesh`: give `targetTriangles` or `ratio`, and/or `maxErrorMm`. */
export interface DecimateOptions extends StageOptions {
  /** Most triangles the result may have: a whole number 1..MAX_TRIANGLE_BUDGET. */
  readonly targetTriangles?: number;
  /** Budget as a fraction of the input's triangles, in (0, 1]: `targetTriangles = floor(ratio · T)`. */
  readonly ratio?: number;
  /**
   * Refuse collapses whose error (see `Decimation.errorMm`) exceeds this, mm (> 0). The budget
   * may then not be reached (`triangles` > `targetTriangles`). Default: no limit, the budget
   * decides. Alone (no budget), decimate as far as this error allows.
   */
  readonly maxErrorMm?: number;
}

/** What `decimateMesh` returns. */
export interface Decimation {
  /** The decimated mesh: positions a subset of the input's (mm, unmoved), indices renumbered from 0. */
  readonly mesh: Mesh;
  readonly inputTriangles: number;
  readonly triangles: number;
  /** The budget asked for (from `targetTriangles` or `ratio`); 0 when only `maxErrorMm` was given. */
  readonly targetTriangles: number;
  /**
   * The largest error of a collapse, mm: the root of the area-weighted mean squared distance
   * from the kept vertex to the planes of the input triangles merged into it (0 when unchanged).
   * For the meshoptimizer path (non-manifold input), meshoptimizer's own estimate.
   */
  readonly errorMm: number;
  /**
   * `triangles` ≤ `targetTriangles`. False when `maxErrorMm`, or the topology (e.g. a budget
   * below what the shells need: no collapse keeps it), stopped the decimation first.
   */
  readonly withinBudget: boolean;
  /** True when the input already had no more triangles than the budget: `mesh` is the input as it was. */
  readonly unchanged: boolean;
  /** The input was a closed, consistently oriented 2-manifold. */
  readonly inputManifold: boolean;
  /**
   * The result is a closed 2-manifold with every shell's Euler characteristic unchanged.
   * Always true when `inputManifold` is (by construction, see cells/mesh/edge-collapse.ts);
   * when the input was not, this is the result's own verdict and the defects were not repaired.
   */
  readonly manifold: boolean;
  /** Which simplifier ran: ours on a manifold input, meshoptimizer's on any other. */
  readonly method: 'edge-collapse' | 'meshoptimizer';
  /** Collapse passes (each an independent set of collapses) and collapses in all; 0 for meshoptimizer. */
  readonly passes: number;
  readonly collapses: number;
  /**
   * Parts of a large mesh decimated by a helper thread (cells/mesh/collapse-parts.ts); 0 when
   * this thread did them all. The result is the same bytes either way.
   */
  readonly helperChunks: number;
}

/**
 * `mesh` decimated to at most `targetTriangles` (or `ratio · T`) triangles, for printing:
 * when the input is a closed, consistently oriented 2-manifold, so is the result — every
 * edge in exactly two triangles in opposite directions, no duplicated face, no triangle with
 * a repeated vertex, one fan per vertex — and every shell keeps its Euler characteristic
 * (genus). Vertices keep their positions (a subset of the input's).
 *
 * Method (cells/mesh/edge-collapse.ts): passes of half-edge collapses, cheapest quadric error
 * first, each collapse tested for the link condition (Dey, Edelsbrunner, Guha & Nekhayev 1999,
 * "Topology preserving edge contraction") and for triangle flips, the collapses of a pass
 * independent of each other. meshoptimizer's simplifier, which we used before, does not test
 * the link condition: on the CT skull to 500k triangles it left 4 non-manifold edges and a
 * duplicated face, and checking and repairing its output cost more than decimating.
 * Meshes of at least 200,000 triangles are decimated as two halves and then a band around the
 * seam between them (cells/mesh/collapse-parts.ts), the halves on two threads when the host set
 * helper threads (cells/core/parallel.ts): the split depends on the mesh alone, so the result is
 * the same bytes on one thread or two.
 * An input that is not a closed oriented 2-manifold is decimated by meshoptimizer's `simplify`
 * without repair and the result's own verdict returned in `manifold` (exporters check it).
 *
 * A budget at or above the input's triangle count returns the input itself (`unchanged`).
 * When `maxErrorMm`, or the topology, stops the collapses above the budget, the result is
 * returned with `withinBudget: false` (the topology is never traded for the budget).
 *
 * Shapes: positions 3 per vertex (mm), indices 3 per triangle.
 * @throws GeometryError from `checkMesh` (empty mesh, non-finite position, index out of range).
 * @throws ParameterError when neither a budget nor `maxErrorMm` is given, both
 *   `targetTriangles` and `ratio` are, `targetTriangles` is not a whole number in
 *   1..MAX_TRIANGLE_BUDGET (1,431,655,765: a budget uint32 indices cannot address is refused
 *   before anything is allocated), `ratio` is not in (0, 1] or leaves no triangle, or
 *   `maxErrorMm` is not a finite number > 0.
 * @throws AbortError when `signal` fires (checked between passes).
 */
export async function decimateMesh(mesh: Mesh, options: DecimateOptions): Promise<Decimation> {
  const { targetTriangles, ratio, maxErrorMm, signal, onProgress } = options;
  if (targetTriangles !== undefined && ratio !== undefined) throw new ParameterError('decimateMesh: give targetTriangles or ratio, not both');
  if (targetTriangles === undefined && ratio === undefined && maxErrorMm === undefined) {
    throw new ParameterError('decimateMesh: give a budget (targetTriangles or ratio) or a maxErrorMm');
  }
  if (targetTriangles !== undefined && (!Number.isInteger(targetTriangles) || targetTriangles < 1 || targetTriangles > MAX_TRIANGLE_BUDGET)) {
    throw new ParameterError(`decimateMesh: targetTriangles must be a whole number from 1 to ${MAX_TRIANGLE_BUDGET.toLocaleString('en')} (uint32 indices), got ${targetTriangles}`);
  }
  if (ratio !== undefined && !(Number.isFinite(ratio) && ratio > 0 && ratio <= 1)) {
    throw new ParameterError(`decimateMesh: ratio must be a number in (0, 1], the fraction of triangles to keep; got ${ratio}`);
  }
  if (maxErrorMm !== undefined && !(Number.isFinite(maxErrorMm) && maxErrorMm > 0)) {
    throw new ParameterError(`decimateMesh: maxErrorMm must be a finite number of mm > 0, got ${maxErrorMm}`);
  }
  const { V, T } = checkMesh(mesh, 'decimateMesh');
  const budget = targetTriangles ?? (ratio !== undefined ? Math.floor(ratio * T) : 0);
  if (ratio !== undefined && budget < 1) throw new ParameterError(`decimateMesh: ratio ${ratio} of ${T} triangles leaves none; use a larger ratio`);
  checkAbort('decimateMesh', signal);
  onProgress?.(0);
  const base = { inputTriangles: T, targetTriangles: budget };
  if (budget >= T) {
    const inputManifold = isClosedOrientedManifold(mesh.indices, V);
    onProgress?.(1);
    return { ...base, mesh, triangles: T, errorMm: 0, withinBudget: true, unchanged: true, inputManifold, manifold: inputManifold, method: 'edge-collapse', passes: 0, collapses: 0, helperChunks: 0 };
  }
  // Progress: the log of the reduction so far over the log of the whole reduction.
  const span = Math.log(T / Math.max(budget, 1));
  let done = 0;
  const collapsed = collapseEdgesInParts(mesh.positions, mesh.indices, {
    targetTriangles: budget,
    maxErrorMm: maxErrorMm ?? Infinity,
    afterPass: (triangles) => {
      checkAbort('decimateMesh', signal);
      done = Math.max(done, Math.min(0.99, Math.log(T / triangles) / span));
      onProgress?.(done);
    },
  });
  if (collapsed) {
    const triangles = collapsed.mesh.indices.length / 3;
    onProgress?.(1);
    return {
      ...base,
      mesh: collapsed.mesh,
      triangles,
      errorMm: collapsed.errorMm,
      withinBudget: budget === 0 || triangles <= budget,
      unchanged: false,
      inputManifold: true,
      manifold: true,
      method: 'edge-collapse',
      passes: collapsed.passes,
      collapses: collapsed.collapses,
      helperChunks: collapsed.helperChunks,
    };
  }
  // Not a closed oriented manifold: nothing to preserve; meshoptimizer, and the result's verdict.
  await MeshoptSimplifier.ready;
  checkAbort('decimateMesh', signal);
  const scale = MeshoptSimplifier.getScale(mesh.positions, 3);
  const relativeError = maxErrorMm === undefined ? 1 : maxErrorMm / scale;
  const [indices, error] = MeshoptSimplifier.simplify(mesh.indices, mesh.positions, 3, budget * 3, relativeError);
  const triangles = indices.length / 3;
  const manifold = isClosedOrientedManifold(indices, V);
  onProgress?.(1);
  return {
    ...base,
    mesh: compactMesh(indices, mesh.positions),
    triangles,
    errorMm: error * scale,
    withinBudget: budget === 0 || triangles <= budget,
    unchanged: false,
    inputManifold: false,
    manifold,
    method: 'meshoptimizer',
    passes: 0,
    collapses: 0,
    helperChunks: 0,
  };
}

/** A display preview: `mesh` within `targetTriangles` (see `decimateForDisplay`), with the error in mm. */
export interface DisplayDecimated extends Mesh {
  /** The simplifier's deviation from the input surface, mm (0 when the input was within budget). */
  readonly errorMm: number;
}

/**
 * Decimation for display only (HTML previews): `mesh` with at most `targetTriangles`
 * triangles by meshoptimizer's `simplify` (the error bound lets the budget decide), and, should
 * that stall (many tiny disconnected pieces), its sloppy simplifier, which merges vertices on a
 * grid. A mesh already within budget is returned compacted but otherwise unchanged.
 * The result is a preview: it may keep a few duplicated faces or non-manifold edges
 * (`decimateMesh` is the print-grade one). Positions: the input's (mm), a subset; indices
 * re-numbered from 0.
 * @throws GeometryError from `checkMesh` (empty mesh, NaN, index out of range, indices not whole triangles).
 * @throws ParameterError when `targetTriangles` is not a whole number ≥ 1.
 */
export async function decimateForDisplay(mesh: Mesh, options: { readonly targetTriangles: number }): Promise<DisplayDecimated> {
  checkMesh(mesh, 'decimateForDisplay');
  const { targetTriangles } = options;
  if (!Number.isInteger(targetTriangles) || targetTriangles < 1) throw new ParameterError(`targetTriangles must be a whole number ≥ 1 (got ${targetTriangles})`);
  await MeshoptSimplifier.ready;
  const triangles = mesh.indices.length / 3;
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
  return { ...compactMesh(indices, mesh.positions), errorMm: relativeError * scale };
}
