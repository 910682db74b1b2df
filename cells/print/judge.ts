/**
 * manifold-3d as a second judge of a mesh, next to our own edge counting (`validateMesh`).
 *
 * Why two: manifold-3d's `status()` is not enough alone (STACK.md: it reported NoError for a
 * meshoptimizer output with duplicated faces), and our edge counting is one implementation;
 * a mesh is called printable only when both call it a closed, oriented 2-manifold and they
 * agree on its volume, area and genus.
 */
import { checkMesh, type Mesh } from '../core/mesh.ts';
import { ParameterError } from '../core/errors.ts';
import { checkAbort, type StageOptions } from '../core/stage.ts';
import { validateMesh, type MeshReport } from '../mesh/validate.ts';
import { loadManifold } from './manifold-wasm.ts';

/** Options of `judgeManifold`. */
export interface JudgeOptions extends StageOptions {
  /** Largest relative difference of volume and area between the two judges that still agrees. Default 1e-3 (0.1%). */
  readonly relativeTolerance?: number;
}

/** The two verdicts on one mesh. */
export interface ManifoldJudgement {
  /** manifold-3d's status: 'NoError', or why it refused the mesh ('NotManifold', 'NonFiniteVertex', …). */
  readonly status: string;
  /** manifold-3d built a non-empty Manifold from the mesh as given (no vertex merging). */
  readonly manifold: boolean;
  /** manifold-3d's genus, 1 − χ/2 over the whole mesh (k shells of genus gᵢ give Σgᵢ − (k − 1)); NaN when it refused the mesh. */
  readonly genus: number;
  /** manifold-3d's volume, mm³ (negative when the mesh winds inward); NaN when refused. */
  readonly volumeMm3: number;
  /** manifold-3d's surface area, mm²; NaN when refused. */
  readonly areaMm2: number;
  /** Triangles manifold-3d kept (it collapses degenerate ones); 0 when refused. */
  readonly triangles: number;
  /** Our own check of the same mesh. */
  readonly ours: MeshReport;
  /** Our genus by the same definition, 1 − (V − E + T)/2 with V the vertices triangles use; NaN when not edge-manifold. */
  readonly oursGenus: number;
  /** The two judges agree on manifoldness and, when both accept the mesh, on volume, area and genus. */
  readonly agreesWithOurs: boolean;
  /** Each point where they differ, in words; [] when they agree. */
  readonly disagreements: readonly string[];
  /** Both call it a closed, consistently oriented 2-manifold winding outward (volume > 0), and they agree. */
  readonly printable: boolean;
}

/**
 * Judges `mesh` with manifold-3d and with `validateMesh`, and compares them.
 *
 * manifold-3d builds a `Manifold` from the positions and triangles as given (no merging of
 * coincident vertices, so an unwelded crack stays a crack): it refuses a mesh that is not an
 * oriented 2-manifold (status 'NotManifold'), else reports volume, area and genus. Ours counts
 * edge uses (`validateMesh`). Volume and area must agree within `relativeTolerance`, genus
 * exactly; manifoldness must agree. Cost: manifold-3d's build, ~1.1 s for 678k triangles.
 *
 * Shapes: `positions` 3 per vertex (mm), `indices` 3 per triangle, counter-clockwise seen from
 * outside. Progress: 0 before, 0.3 after our check, 1 at the end; `signal` checked between steps.
 * @throws GeometryError (from `checkMesh`) for an empty mesh, NaN positions or indices out of range.
 * @throws ParameterError if `relativeTolerance` is not a finite number ≥ 0.
 * @throws VoxbookError ('manifold-runtime') if manifold-3d cannot start; AbortError via `signal`.
 */
export async function judgeManifold(mesh: Mesh, options: JudgeOptions = {}): Promise<ManifoldJudgement> {
  const tol = options.relativeTolerance ?? 1e-3;
  if (!(Number.isFinite(tol) && tol >= 0)) throw new ParameterError(`judgeManifold: relativeTolerance must be a finite number ≥ 0, got ${tol}`);
  checkMesh(mesh, 'judgeManifold');
  options.onProgress?.(0);
  const ours = validateMesh(mesh);
  const oursManifold = ours.edgeManifold && ours.consistentlyOriented;
  const oursGenus = oursManifold ? 1 - (usedVertices(mesh) - ours.edges + ours.triangles) / 2 : NaN;
  checkAbort('judgeManifold', options.signal);
  options.onProgress?.(0.3);

  const w = await loadManifold();
  checkAbort('judgeManifold', options.signal);
  let status = 'NoError', genus = NaN, volumeMm3 = NaN, areaMm2 = NaN, triangles = 0, manifold = false;
  const input = new w.Mesh({ numProp: 3, vertProperties: mesh.positions, triVerts: mesh.indices });
  try {
    const m = new w.Manifold(input);
    try {
      status = m.status();
      manifold = status === 'NoError' && !m.isEmpty();
      if (manifold) {
        genus = m.genus();
        volumeMm3 = m.volume();
        areaMm2 = m.surfaceArea();
        triangles = m.numTri();
      }
    } finally {
      m.delete();
    }
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string') throw e;
    status = code;
  }

  const disagreements: string[] = [];
  if (manifold !== oursManifold) {
    disagreements.push(manifold
      ? `manifold-3d accepts the mesh but ours does not (${ours.openEdges} open edges, ${ours.nonManifoldEdges} non-manifold edges${ours.consistentlyOriented ? '' : ', inconsistent winding'})`
      : `ours calls the mesh an oriented 2-manifold but manifold-3d refuses it (${status})`);
  }
  if (manifold && oursManifold) {
    const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-30);
    if (rel(volumeMm3, ours.volumeMm3) > tol) disagreements.push(`volume: manifold-3d ${volumeMm3.toFixed(3)} mm³, ours ${ours.volumeMm3.toFixed(3)} mm³`);
    if (rel(areaMm2, ours.areaMm2) > tol) disagreements.push(`area: manifold-3d ${areaMm2.toFixed(3)} mm², ours ${ours.areaMm2.toFixed(3)} mm²`);
    if (genus !== oursGenus) disagreements.push(`genus: manifold-3d ${genus}, ours ${oursGenus}`);
  }
  const agreesWithOurs = disagreements.length === 0;
  options.onProgress?.(1);
  return {
    status, manifold, genus, volumeMm3, areaMm2, triangles, ours, oursGenus, agreesWithOurs, disagreements,
    printable: agreesWithOurs && manifold && oursManifold && ours.manifold && ours.volumeMm3 > 0 && volumeMm3 > 0,
  };
}

/** Vertices at least one triangle uses (unused vertices do not count in χ). */
function usedVertices(mesh: Mesh): number {
  const used = new Uint8Array(mesh.positions.length / 3);
  const I = mesh.indices;
  for (let i = 0; i < I.length; i++) used[I[i]!] = 1;
  let n = 0;
  for (let v = 0; v < used.length; v++) n += used[v]!;
  return n;
}
