/**
 * Decimation to a triangle budget with meshoptimizer's edge-collapse simplifier (quadric
 * error metric; Garland & Heckbert 1997, "Surface simplification using quadric error
 * metrics", doi:10.1145/258734.258849):
 * - `decimateMesh`: print-grade; a closed 2-manifold stays one, with each shell's topology.
 * - `decimateForDisplay`: a preview for the page (may leave a few defects).
 */
import { MeshoptSimplifier } from 'meshoptimizer/simplifier';
import { GeometryError, ParameterError } from '../core/errors.ts';
import { checkMesh, type Mesh } from '../core/mesh.ts';
import { checkAbort, type StageOptions } from '../core/stage.ts';
import { meshTopology, type MeshTopology } from './topology.ts';

/** Most triangles a budget may name: 3 indices each must fit the uint32 index range. */
export const MAX_TRIANGLE_BUDGET = Math.floor(0xffffffff / 3);

/** Options of `decimateMesh`: give `targetTriangles` or `ratio`, and/or `maxErrorMm`. */
export interface DecimateOptions extends StageOptions {
  /** Most triangles the result may have: a whole number 1..MAX_TRIANGLE_BUDGET. */
  readonly targetTriangles?: number;
  /** Budget as a fraction of the input's triangles, in (0, 1]: `targetTriangles = floor(ratio · T)`. */
  readonly ratio?: number;
  /**
   * Stop collapsing before the simplifier's error estimate exceeds this, mm (> 0). The
   * budget may then not be reached (`triangles` > `targetTriangles`). Default: no limit, the
   * budget decides. Alone (no budget), decimate as far as this error allows.
   */
  readonly maxErrorMm?: number;
}

/** Defect counts of a mesh (see `MeshTopology`). */
export interface DefectCounts {
  readonly openEdges: number;
  readonly nonManifoldEdges: number;
  readonly duplicatedFaces: number;
  readonly collapsedTriangles: number;
  readonly nonManifoldVertices: number;
  /** Input shells that vanished, split or changed Euler characteristic (genus). */
  readonly shellsChanged: number;
}

/** What `decimateMesh` returns. */
export interface Decimation {
  /** The decimated mesh: positions a subset of the input's (mm, unmoved), indices renumbered from 0. */
  readonly mesh: Mesh;
  readonly inputTriangles: number;
  readonly triangles: number;
  /** The budget asked for (from `targetTriangles` or `ratio`); 0 when only `maxErrorMm` was given. */
  readonly targetTriangles: number;
  /** meshoptimizer's error estimate of the result (distance from the input surface), mm; 0 when unchanged. */
  readonly errorMm: number;
  /**
   * `triangles` ≤ `targetTriangles`. False when `maxErrorMm`, or vertices locked to keep the
   * topology (e.g. a budget below what the shells need), stopped the simplifier first.
   */
  readonly withinBudget: boolean;
  /** True when the input already had no more triangles than the budget: `mesh` is the input as it was. */
  readonly unchanged: boolean;
  /** The input was a closed 2-manifold (`MeshTopology.closedManifold`). */
  readonly inputManifold: boolean;
  /**
   * The result is a closed 2-manifold with every shell's Euler characteristic unchanged.
   * Always true when `inputManifold` is (otherwise `decimateMesh` throws); when the input was
   * not, this is the result's own verdict and the defects were not repaired.
   */
  readonly manifold: boolean;
  /** How the result was made manifold. */
  readonly repair: {
    /** Simplifier runs in all (= `stages` when no run had to be repeated). */
    readonly runs: number;
    /** Stages kept (each at most halves the triangles). */
    readonly stages: number;
    /** Vertices locked against collapse, summed over the stages' last runs. */
    readonly lockedVertices: number;
    /** Defects of the first run's output, before any back-off (null when unchanged). */
    readonly firstTry: DefectCounts | null;
  };
}

/** Runs of the simplifier before giving up: each locks more of the input around the defects left. */
const MAX_ROUNDS = 8;

/**
 * `mesh` decimated to at most `targetTriangles` (or `ratio · T`) triangles, for printing:
 * when the input is a closed, consistently oriented 2-manifold, so is the result — every
 * edge in exactly two triangles in opposite directions, no duplicated face, no triangle with
 * a repeated vertex, one fan per vertex — and every shell keeps its Euler characteristic
 * (genus). Vertices keep their positions (a subset of the input's).
 *
 * Method: meshoptimizer's `simplify` (edge collapses ordered by quadric error). It does not test
 * the link condition (Dey, Edelsbrunner, Guha & Nekhayev 1999, "Topology preserving edge
 * contraction", Publ. Inst. Math. (Beograd) 66: the end points of a collapsed edge may share
 * only the two opposite vertices), so a collapse can pinch a thin part: on the CT skull to 500k
 * triangles it leaves ~1 duplicated face and 4 non-manifold edges, to 100k ~17 and 29.
 * We run it in stages that at most halve the triangles, and check each stage's output with
 * `meshTopology`; where it is not a manifold we back off: the stage input's vertices on the
 * defects and their neighbourhood (k edge rings, k the round) are locked (`vertex_lock`) and
 * the stage is run again, the locks accumulating, until its output is clean (one or two more
 * runs on the skull) or `MAX_ROUNDS` runs fail. Each output shell is matched to the input
 * shell it came from: a small input shell (≤ 1000 vertices, e.g. a cavity of a few voxels)
 * that vanished or changed is locked whole; pieces split off a shell are locked as defects.
 * A change of genus with no defect left to show where (later collapses in the same run can
 * tidy a pinch away) makes the stage repeat with a smaller step (down to 3%) so that it shows.
 * `errorMm` is the sum of the stages' error estimates (an upper bound of the chain's).
 *
 * A budget at or above the input's triangle count returns the input itself (`unchanged`).
 * When `maxErrorMm`, or the locks that keep the topology, stop the simplifier above the budget,
 * the result is returned with `withinBudget: false` (the topology is never traded for the budget).
 * An input that is not a closed 2-manifold is decimated without repair and the result's
 * own verdict returned in `manifold` (exporters check it with `validateMesh`).
 *
 * Shapes: positions 3 per vertex (mm), indices 3 per triangle.
 * @throws GeometryError from `checkMesh` (empty mesh, non-finite position, index out of
 *   range), and when the input is a closed 2-manifold but no run gives a manifold result
 *   with its topology (the message names the defects; a larger budget or a smaller
 *   `maxErrorMm` may help). A non-manifold result is never returned for a manifold input.
 * @throws ParameterError when neither a budget nor `maxErrorMm` is given, both
 *   `targetTriangles` and `ratio` are, `targetTriangles` is not a whole number in
 *   1..MAX_TRIANGLE_BUDGET (1,431,655,765: a budget uint32 indices cannot address is refused
 *   before anything is allocated), `ratio` is not in (0, 1] or leaves no triangle, or
 *   `maxErrorMm` is not a finite number > 0.
 * @throws AbortError when `signal` fires (checked between simplifier runs).
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
  onProgress?.(0);
  const before = meshTopology(mesh.indices, V, { signal, perVertex: true });
  const inputManifold = before.closedManifold;
  if (budget >= T) {
    onProgress?.(1);
    return { mesh, inputTriangles: T, triangles: T, targetTriangles: budget, errorMm: 0, withinBudget: true, unchanged: true, inputManifold, manifold: inputManifold, repair: { runs: 0, stages: 0, lockedVertices: 0, firstTry: null } };
  }
  await MeshoptSimplifier.ready;
  checkAbort('decimateMesh', signal);
  onProgress?.(0.1);
  const scale = MeshoptSimplifier.getScale(mesh.positions, 3);

  // Stages: each at most halves the triangles, so that a pinch shows as a defect in some
  // stage's output before later collapses tidy it into a silent change of genus.
  let indices = mesh.indices, topology = before, errorMm = 0, runs = 0, lockedVertices = 0;
  let firstTry: DefectCounts | null = null;
  let manifold = inputManifold;
  let stepRatio = STAGE_RATIO, stages = 0;
  while (indices.length / 3 > budget) {
    const current = indices.length / 3;
    const stageBudget = Math.max(budget, Math.ceil(current * stepRatio));
    const maxStageErrorMm = maxErrorMm === undefined ? scale : maxErrorMm - errorMm;
    if (maxStageErrorMm <= 0) break;
    const stage = decimateStage(mesh.positions, indices, topology, stageBudget, maxStageErrorMm / scale, inputManifold, signal);
    firstTry ??= stage.firstTry;
    if (stage.unlocated !== null) {
      // A change of topology with no defect to show where: take a smaller step, so that it shows.
      if (stepRatio >= MAX_STEP_RATIO) {
        throw new GeometryError(`decimateMesh: decimating ${current} to ${stageBudget} triangles changes the topology of a shell with no defect to show where (${describe(stage.unlocated)}), even in steps of ${Math.round((1 - stepRatio) * 100)}%; try a larger targetTriangles or a smaller maxErrorMm`);
      }
      stepRatio = 1 - (1 - stepRatio) / 2;
      runs += stage.rounds + 1;
      continue;
    }
    stepRatio = STAGE_RATIO;
    runs += stage.rounds + 1;
    stages++;
    lockedVertices += stage.lockedVertices;
    errorMm += stage.error * scale;
    manifold = stage.manifold;
    const stalled = stage.indices.length === indices.length;
    indices = stage.indices;
    topology = stage.topology;
    checkAbort('decimateMesh', signal);
    onProgress?.(0.1 + 0.9 * Math.min(1, Math.log(T / (indices.length / 3)) / Math.log(T / Math.max(budget, 1))));
    if (stalled || indices.length / 3 > stageBudget) break; // the error limit (or locks) stopped it short of the stage's budget
  }
  onProgress?.(1);
  return {
    mesh: compact(indices, mesh.positions),
    inputTriangles: T,
    triangles: indices.length / 3,
    targetTriangles: budget,
    errorMm,
    withinBudget: budget === 0 || indices.length / 3 <= budget,
    unchanged: false,
    inputManifold,
    manifold,
    repair: { runs, stages, lockedVertices, firstTry },
  };
}

/** Each stage keeps at least this fraction of its input's triangles. */
const STAGE_RATIO = 0.5;
/** Smallest step tried when a stage's change of topology cannot be located (keeps 97% and above). */
const MAX_STEP_RATIO = 0.97;

/**
 * One simplifier stage from `indices` (its topology `before`) to `budget` triangles, with
 * back-off (see `decimateMesh`). Indices stay those of the input's vertex array.
 */
function decimateStage(positions: Float32Array, input: Uint32Array, before: MeshTopology, budget: number, relativeError: number, inputManifold: boolean, signal?: AbortSignal) {
  const V = positions.length / 3;
  let lock: Uint8Array | null = null;
  let lockedVertices = 0;
  let firstTry: DefectCounts | null = null;
  let neighbours: { start: Int32Array; list: Uint32Array } | null = null;
  for (let round = 0; ; round++) {
    const [indices, error] = lock === null
      ? MeshoptSimplifier.simplify(input, positions, 3, budget * 3, relativeError)
      : MeshoptSimplifier.simplifyWithAttributes(input, positions, 3, new Float32Array(0), 0, [], lock, budget * 3, relativeError);
    checkAbort('decimateMesh', signal);
    const after = meshTopology(indices, V, { perVertex: true });
    const shells = inputManifold ? compareShells(before, after) : null;
    const defects = countDefects(after, shells?.changed ?? 0);
    firstTry ??= defects;
    const clean = inputManifold && isClean(defects);
    if (clean || !inputManifold) return { indices, error, topology: after, manifold: clean || after.closedManifold, rounds: round, lockedVertices, firstTry, unlocated: null };
    const seeds = after.defectiveVertices!;
    // Pieces split off a shell: all but the largest are where the split happened.
    for (let v = 0; v < V; v++) if (after.shellOfVertex![v]! >= 0 && shells!.splitOff[after.shellOfVertex![v]!] === 1) seeds[v] = 1;
    let located = shells!.lockWhole.length > 0;
    for (let v = 0; v < V && !located; v++) located = seeds[v] === 1;
    if (!located) return { indices, error, topology: after, manifold: false, rounds: round, lockedVertices, firstTry, unlocated: defects };
    if (round + 1 >= MAX_ROUNDS) {
      throw new GeometryError(`decimateMesh: the simplifier's output to ${budget} triangles is not a closed manifold with the input's topology after ${round + 1} runs locking ${lockedVertices} vertices around its defects (${describe(defects)}); try a larger targetTriangles or a smaller maxErrorMm`);
    }
    // Back off: lock the defective vertices and `round + 1` rings of input neighbours around
    // them, and every vertex of small input shells that vanished or changed.
    neighbours ??= vertexNeighbours(input, V);
    lock ??= new Uint8Array(V);
    const whole = new Uint8Array(before.shells);
    for (const sh of shells!.lockWhole) whole[sh] = 1;
    for (let v = 0; v < V; v++) if (before.shellOfVertex![v]! >= 0 && whole[before.shellOfVertex![v]!] === 1) lock[v] = 1;
    lockedVertices = lockRings(lock, seeds, neighbours, round + 1);
  }
}

/** Input shells with at most this many vertices are locked whole when decimation changes or removes them. */
const SMALL_SHELL_VERTICES = 1000;

/**
 * Matches each output shell to the input shell its vertices came from (collapses stay inside
 * a shell) and compares topology: an input shell is unchanged when exactly one output shell
 * comes from it, with the same Euler characteristic. `lockWhole`: the changed input shells
 * with at most SMALL_SHELL_VERTICES vertices (a small cavity the simplifier flattened away).
 * `splitOff`: per output shell, 1 when it is not the largest of those from its input shell.
 */
function compareShells(before: MeshTopology, after: MeshTopology): { changed: number; lockWhole: number[]; splitOff: Uint8Array } {
  const inShell = before.shellOfVertex!, outShell = after.shellOfVertex!;
  const count = new Int32Array(before.shells), euler = new Int32Array(before.shells);
  const fromShell = new Int32Array(after.shells).fill(-1), outSize = new Int32Array(after.shells);
  for (let v = 0; v < outShell.length; v++) {
    const so = outShell[v]!;
    if (so < 0) continue;
    outSize[so]!++;
    if (fromShell[so] !== -1) continue;
    const si = inShell[v]!;
    fromShell[so] = si;
    count[si]!++;
    euler[si]! += after.shellEuler[so]!;
  }
  // Of several output shells from one input shell, the largest is the shell itself, the others split off.
  const largest = new Int32Array(before.shells).fill(-1);
  for (let so = 0; so < after.shells; so++) {
    const si = fromShell[so]!;
    if (largest[si] === -1 || outSize[so]! > outSize[largest[si]!]!) largest[si] = so;
  }
  const splitOff = new Uint8Array(after.shells);
  for (let so = 0; so < after.shells; so++) if (largest[fromShell[so]!] !== so) splitOff[so] = 1;
  const size = new Int32Array(before.shells);
  for (let v = 0; v < inShell.length; v++) if (inShell[v]! >= 0) size[inShell[v]!]!++;
  let changed = 0;
  const lockWhole: number[] = [];
  for (let si = 0; si < before.shells; si++) {
    if (count[si] === 1 && euler[si] === before.shellEuler[si]) continue;
    changed++;
    if (size[si]! <= SMALL_SHELL_VERTICES) lockWhole.push(si);
  }
  return { changed, lockWhole, splitOff };
}

function countDefects(t: MeshTopology, shellsChanged: number): DefectCounts {
  return {
    openEdges: t.openEdges,
    nonManifoldEdges: t.nonManifoldEdges,
    duplicatedFaces: t.duplicatedFaces,
    collapsedTriangles: t.collapsedTriangles,
    nonManifoldVertices: t.nonManifoldVertices,
    shellsChanged,
  };
}

function isClean(d: DefectCounts): boolean {
  return d.openEdges === 0 && d.nonManifoldEdges === 0 && d.duplicatedFaces === 0 && d.collapsedTriangles === 0 && d.nonManifoldVertices === 0 && d.shellsChanged === 0;
}

function describe(d: DefectCounts): string {
  return `${d.openEdges} open edges, ${d.nonManifoldEdges} non-manifold edges, ${d.duplicatedFaces} duplicated faces, ${d.collapsedTriangles} collapsed triangles, ${d.nonManifoldVertices} non-manifold vertices, ${d.shellsChanged} shells with a changed Euler characteristic`;
}

/** Each vertex's neighbours through triangles of `indices` (CSR; a neighbour may repeat). */
function vertexNeighbours(I: Uint32Array, V: number): { start: Int32Array; list: Uint32Array } {
  const start = new Int32Array(V + 1);
  for (let h = 0; h < I.length; h++) start[I[h]! + 1]! += 2;
  for (let v = 0; v < V; v++) start[v + 1]! += start[v]!;
  const fill = start.slice(0, V);
  const list = new Uint32Array(start[V]!);
  for (let t = 0; t < I.length; t += 3) {
    const a = I[t]!, b = I[t + 1]!, c = I[t + 2]!;
    let f = fill[a]!;
    list[f] = b;
    list[f + 1] = c;
    fill[a] = f + 2;
    f = fill[b]!;
    list[f] = c;
    list[f + 1] = a;
    fill[b] = f + 2;
    f = fill[c]!;
    list[f] = a;
    list[f + 1] = b;
    fill[c] = f + 2;
  }
  return { start, list };
}

/**
 * Sets `lock` on every vertex flagged in `seeds` (a defect in the simplified mesh; seeds carry
 * input vertex ids) and on the input vertices up to `rings` edges from one. Returns how many are locked.
 */
function lockRings(lock: Uint8Array, seeds: Uint8Array, nb: { start: Int32Array; list: Uint32Array }, rings: number): number {
  let front: number[] = [];
  for (let v = 0; v < seeds.length; v++) if (seeds[v] === 1) {
    front.push(v);
    lock[v] = 1;
  }
  for (let r = 0; r < rings; r++) {
    const nextFront: number[] = [];
    for (const v of front) {
      for (let i = nb.start[v]!; i < nb.start[v + 1]!; i++) {
        const u = nb.list[i]!;
        if (lock[u] === 0) {
          lock[u] = 1;
          nextFront.push(u);
        }
      }
    }
    front = nextFront;
  }
  let locked = 0;
  for (let v = 0; v < lock.length; v++) locked += lock[v]!;
  return locked;
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
  return { ...compact(indices, mesh.positions), errorMm: relativeError * scale };
}

/** Keeps the vertices `indices` uses, in first-use order (meshoptimizer's compaction); `indices` is copied, then re-numbered. */
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
