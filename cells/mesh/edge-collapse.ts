/**
 * Topology-preserving edge-collapse decimation of a closed, oriented 2-manifold triangle mesh.
 *
 * Invariants (why the result is a closed 2-manifold with every shell's genus, by construction):
 * 1. The input passes `isClosedOrientedManifold`: every directed edge a→b once and b→a once,
 *    each vertex's triangles one fan (a single cycle of its ring), every used vertex in ≥ 3
 *    triangles (so no two triangles share all three vertices), no triangle repeats a vertex.
 * 2. A half-edge collapse a→b (a removed, its triangles re-pointed to b, the two triangles on
 *    edge ab dropped) keeps a closed 2-manifold and its topology iff the link condition holds:
 *    the rings of a and b share exactly the two vertices opposite ab, and not both of a and b
 *    have 3 neighbours (the tetrahedron). Dey, Edelsbrunner, Guha & Nekhayev 1999, "Topology
 *    preserving edge contraction", Publ. Inst. Math. (Beograd) 66(80), 23–45.
 * 3. Collapses run in passes over the rings as the pass began; the pass equals applying its
 *    accepted collapses one after the other. After a→b is accepted, a and b are locked: a later
 *    collapse c→d of the pass has c and d neither a source nor a target of an earlier one. So
 *    (by induction) the mesh at that point is the pass's input with each earlier source mapped
 *    to its target (one level: no target is a source) and the degenerate triangles dropped;
 *    the triangles around c and d are their input triangles so mapped (neither gained any), and
 *    their neighbour sets the mapped input neighbours, distinct. The link test and the flip test
 *    of c→d read exactly that (`remap`), so each collapse is tested on the mesh it applies to.
 *    Its error is exact too: c's and d's quadrics have not been merged into in this pass.
 *    (meshoptimizer's simplifier also locks only the two ends and maps its neighbours, but it
 *    does not test the link condition.)
 * 4. Geometry: a collapse is refused when it would flip one of a's remaining triangles (its
 *    normal before and after a → b point in opposite half-spaces), so no fold-overs.
 *
 * Order: each pass collapses, cheapest first, the edges with the smallest quadric error
 * (Garland & Heckbert 1997, "Surface simplification using quadric error metrics",
 * doi:10.1145/258734.258849): area-weighted plane quadrics per vertex, summed on collapse;
 * the error of a→b is (Qa + Qb)(pb) / (wa + wb), a mean squared distance in mm². Vertices never
 * move (the result's positions are a subset of the input's), as in meshoptimizer's simplifier.
 * Candidates are ordered by a 65,536-bucket counting sort on the error's float32 bits (≈ 1%
 * resolution) instead of a full sort.
 */

import { freshScratch, scratchPool, withScratch, type Scratch } from '../core/scratch.ts';
import { edgesPaired, hasRepeatedVertex, scratchRings, vertexRings, type VertexRings } from './rings.ts';

/** Options of `collapseEdges`. */
export interface CollapseOptions {
  /** Stop at or below this many triangles. */
  readonly targetTriangles: number;
  /** Refuse collapses whose error (root of the mean squared distance above) exceeds this, mm. */
  readonly maxErrorMm: number;
  /** Called after each pass; returns to stop early (abort checks live in the caller). */
  readonly afterPass?: (triangles: number) => void;
  /**
   * Vertices (1) that never move nor receive a collapse, and whose rings are not checked: the
   * cut edge of a part of a larger mesh (cells/mesh/collapse-parts.ts). Every other vertex's
   * triangles must all be in `input`.
   */
  readonly frozen?: Uint8Array;
  /** With `frozen`: `targetTriangles` counts only the triangles with no frozen vertex. */
  readonly budgetFreeOnly?: boolean;
  /** `vertexRings(input, V)` when the caller has it already (its arrays are written over by later passes). */
  readonly rings?: VertexRings;
}

/** What `collapseEdges` returns. */
export interface Collapsed {
  /** Triangles over the input's vertex ids (unused vertices stay in the array). */
  readonly indices: Uint32Array;
  /** Largest error of an accepted collapse, mm (0 when none). */
  readonly errorMm: number;
  readonly passes: number;
  readonly collapses: number;
}

/** Values per vertex quadric: a00 a01 a02 a11 a12 a22, b0 b1 b2, c (its weight, the area in mm², is kept in `VertexBest.sw`). */
const QS = 10;
const BUCKETS = 65536;

/**
 * True when `indices` over `V` vertices is a closed, consistently oriented 2-manifold in the
 * sense of invariant 1 above (unused vertices allowed). O(Σ valence²), typed arrays.
 */
export function isClosedOrientedManifold(indices: Uint32Array, V: number): boolean {
  return ringsManifold(indices, vertexRings(indices, V));
}

/** Invariant 1 at every vertex but those with `skip[v] = 1` (whose rings may be cut off). */
function ringsManifold(indices: Uint32Array, rings: VertexRings, skip?: Uint8Array, scratch: Scratch = freshScratch()): boolean {
  if (hasRepeatedVertex(indices) || !edgesPaired(rings, skip, scratch)) return false;
  const { start, next, prev } = rings;
  const V = start.length - 1;
  const slot = scratch.take(Int32Array, V, null); // per vertex v: slot[x] = the entry whose edge is v→x
  for (let v = 0; v < V; v++) {
    if (skip !== undefined && skip[v] === 1) continue;
    const s = start[v]!, e = start[v + 1]!, deg = e - s;
    if (deg === 0) continue;
    if (deg < 3) return false; // two triangles on the same three vertices
    for (let i = s; i < e; i++) slot[next[i]!] = i;
    // One fan: from an entry (v, x, y), the next triangle around v is the one whose next is y.
    let i = s, steps = 0;
    do {
      i = slot[prev[i]!]!;
      steps++;
    } while (i !== s && steps <= deg);
    if (steps !== deg) return false;
  }
  return true;
}

/**
 * Collapses edges of `input` until at most `targetTriangles` remain, no collapse within
 * `maxErrorMm` passes the tests above, or a pass finds none. Positions are mm, 3 per vertex.
 * Returns null, having changed nothing, when `input` is not a closed oriented 2-manifold
 * (invariant 1; the caller decides what to do with such a mesh).
 */
export function collapseEdges(positions: Float32Array, input: Uint32Array, options: CollapseOptions): Collapsed | null {
  return withScratch(SCRATCH, (scratch) => collapseWith(scratch, positions, input, options));
}

/** Temporaries of `collapseEdges` (~90 bytes per vertex and 32 per triangle), kept between calls. */
const SCRATCH = scratchPool('collapse-edges');

function collapseWith(scratch: Scratch, positions: Float32Array, input: Uint32Array, options: CollapseOptions): Collapsed | null {
  const V = positions.length / 3;
  let rings = options.rings ?? vertexRings(input, V, scratchRings(scratch, V, input.length / 3));
  if (!ringsManifold(input, rings, options.frozen, scratch)) return null;
  const maxError2 = options.maxErrorMm * options.maxErrorMm;
  const { Q, weight } = vertexQuadrics(positions, input, V, scratch);
  const remap = scratch.take(Int32Array, V, -1);
  // Vertices of small shells (and the caller's frozen ones) are never moved nor collapsed onto;
  // `lock` starts each pass from them.
  const frozen = smallShellVertices(rings, SMALL_SHELL_VERTICES, scratch);
  if (options.frozen) for (let v = 0; v < V; v++) frozen[v]! |= options.frozen[v]!;
  const best = new VertexBest(weight, frozen, scratch);
  const sw = best.sw;
  const lock = scratch.take(Uint8Array, V, null);
  lock.set(frozen);
  const stamp = scratch.take(Int32Array, V), stamp2 = scratch.take(Int32Array, V);
  // Per vertex, what its cheapest collapse must look at again: UNCHANGED, ALL its neighbours, or
  // (≥ 0) only that one neighbour, whose quadric grew or which just became a neighbour.
  const changed = scratch.take(Int32Array, V, ALL);
  const orderSpace = scratch.take(Int32Array, V, null), targetSpace = scratch.take(Int32Array, V, null);
  let stampId = 0;
  let tri = input;
  // Triangles the budget counts: all, or those without a frozen vertex (`countedFrozen`).
  const countedFrozen = options.frozen && options.budgetFreeOnly ? options.frozen : undefined;
  let T = countedFrozen ? freeTriangles(tri, countedFrozen) : tri.length / 3;
  let passes = 0, collapses = 0, maxAccepted2 = 0;

  while (T > options.targetTriangles) {
    if (passes > 0) rings = vertexRings(tri, V, rings);
    best.update(positions, rings, Q, changed);
    changed.fill(UNCHANGED); // from here, marks who the accepted collapses touch
    // Choosing runs in error order and touches only what the tests and locks need; the merges
    // and dirty marks wait for a sweep in vertex order (each target receives one source per
    // pass, invariant 3, so their order does not matter), where neighbours share cache lines.
    const { order, target } = best.order(maxError2, orderSpace, targetSpace);
    let accepted = 0;
    for (let i = 0; i < order.length && T > options.targetTriangles; i++) {
      const a = order[i]!;
      if (lock[a] === 1) continue;
      // The cheapest target first; should it fail the tests, a's other neighbours by cost.
      let b = target[i]!;
      if (lock[b] === 1) continue; // b is in a collapse of this pass: a is re-evaluated next pass
      if (!linkCondition(rings, a, b, stamp, stamp2, ++stampId, remap) || flipsTriangle(positions, rings, a, b, remap)) {
        b = -1;
        for (const [c, e2] of best.ranked(positions, rings, Q, a)) {
          if (e2 > maxError2) break;
          if (lock[c] === 1 || !linkCondition(rings, a, c, stamp, stamp2, ++stampId, remap) || flipsTriangle(positions, rings, a, c, remap)) continue;
          b = c;
          if (e2 > maxAccepted2) maxAccepted2 = e2;
          break;
        }
        if (b < 0) continue;
      }
      remap[a] = b;
      accepted++;
      // A collapse removes exactly the two triangles on edge ab (invariant 2).
      T -= countedFrozen ? countedOnEdge(rings, a, b, countedFrozen) : 2;
      // Lock a and b (invariant 3).
      lock[a] = 1;
      lock[b] = 1;
    }
    passes++;
    if (accepted === 0) break;
    collapses += accepted;
    // Whose cheapest collapse changes: b's (its quadric) wholly; for a's ring (a became b) and
    // b's ring (collapses onto b cost otherwise) only the candidate b, unless their cheapest was
    // a or b, or another collapse touched them too. Quadrics and weights merge into b.
    const to = best.to;
    for (let a = 0; a < V; a++) {
      const b = remap[a]!;
      if (b < 0) continue;
      if (to[a] === b && best.error[a]! > maxAccepted2) maxAccepted2 = best.error[a]!;
      changed[b] = ALL;
      for (let j = rings.start[a]!; j < rings.start[a + 1]!; j++) {
        const x = rings.next[j]!;
        if (x === b) continue;
        const c = changed[x]!;
        changed[x] = to[x] === a || to[x] === b || (c !== UNCHANGED && c !== b) ? ALL : b;
      }
      for (let j = rings.start[b]!; j < rings.start[b + 1]!; j++) {
        const x = rings.next[j]!;
        if (x === a) continue;
        const c = changed[x]!;
        changed[x] = to[x] === b || (c !== UNCHANGED && c !== b) ? ALL : b;
      }
      const qa = a * QS, qb = b * QS;
      Q[qb]! += Q[qa]!;
      Q[qb + 1]! += Q[qa + 1]!;
      Q[qb + 2]! += Q[qa + 2]!;
      Q[qb + 3]! += Q[qa + 3]!;
      Q[qb + 4]! += Q[qa + 4]!;
      Q[qb + 5]! += Q[qa + 5]!;
      Q[qb + 6]! += Q[qa + 6]!;
      Q[qb + 7]! += Q[qa + 7]!;
      Q[qb + 8]! += Q[qa + 8]!;
      Q[qb + 9]! += Q[qa + 9]!;
      sw[2 * b + 1]! += sw[2 * a + 1]!;
      sw[2 * b] = quadricAt(Q, qb, positions[3 * b]!, positions[3 * b + 1]!, positions[3 * b + 2]!);
    }
    // The first pass copies the caller's triangles; later ones compact our copy in place.
    tri = applyCollapses(tri, remap, tri === input ? scratch.take(Uint32Array, input.length, null) : tri);
    for (let a = 0; a < V; a++) {
      if (remap[a]! < 0) continue;
      best.remove(a);
      changed[a] = UNCHANGED;
      remap[a] = -1;
    }
    lock.set(frozen);
    options.afterPass?.(T);
  }
  return { indices: tri === input ? tri : tri.slice(), errorMm: Math.sqrt(maxAccepted2), passes, collapses };
}

/**
 * Qa(p) = pᵀAp + 2 b·p + c for the quadric at `qa` in `Q`. The error of a → b is
 * (Qa(pb) + Qb(pb)) / (wa + wb); Qb(pb) is b's own residual, kept per vertex (`VertexBest.self`),
 * so one collapse costs one quadric evaluation.
 */
function quadricAt(Q: Float64Array, qa: number, x: number, y: number, z: number): number {
  return x * (Q[qa]! * x + 2 * (Q[qa + 1]! * y + Q[qa + 2]! * z + Q[qa + 6]!)) + y * (Q[qa + 3]! * y + 2 * (Q[qa + 4]! * z + Q[qa + 7]!)) + z * (Q[qa + 5]! * z + 2 * Q[qa + 8]!) + Q[qa + 9]!;
}

/**
 * Per vertex a, its cheapest half-edge collapse a → b over its ring (`to`; `error` in mm²,
 * +∞ for a vertex no triangle uses or one collapsed away), recomputed where `changed` says.
 */
class VertexBest {
  readonly to: Int32Array;
  readonly error: Float32Array;
  private readonly gone: Uint8Array;
  /**
   * Per vertex v, interleaved (one cache line for both): Qv(pv), what v's own quadric charges at
   * its own position (area-weighted mm²·mm²), and v's quadric weight (area, mm²). Qv(pv) is 0
   * until v receives a collapse (every plane of v's own triangles passes through pv), then
   * recomputed as the quadrics merge.
   */
  readonly sw: Float64Array;

  /** Vertices that are neither collapsed nor collapsed onto. */
  private readonly frozen: Uint8Array;

  constructor(weight: Float64Array, frozen: Uint8Array, scratch: Scratch) {
    const V = weight.length;
    this.frozen = frozen;
    this.to = scratch.take(Int32Array, V, -1);
    this.error = scratch.take(Float32Array, V, Infinity);
    this.gone = scratch.take(Uint8Array, V);
    this.sw = scratch.take(Float64Array, 2 * V);
    for (let v = 0; v < V; v++) this.sw[2 * v + 1] = weight[v]!;
  }

  update(P: Float32Array, rings: VertexRings, Q: Float64Array, changed: Int32Array): void {
    const { start, next } = rings, sw = this.sw;
    const frozen = this.frozen;
    for (let a = 0; a < changed.length; a++) {
      const only = changed[a]!;
      if (only === UNCHANGED || this.gone[a] === 1) continue;
      const s = start[a]!, e = start[a + 1]!;
      if (s === e || frozen[a] === 1) {
        this.error[a] = Infinity;
        continue;
      }
      const q = a * QS;
      if (only !== ALL) {
        // The cheapest so far still stands (neither it nor a changed): only `only` can beat it.
        const x = P[3 * only]!, y = P[3 * only + 1]!, z = P[3 * only + 2]!;
        const r = quadricAt(Q, q, x, y, z) + sw[2 * only]!;
        const w = sw[2 * a + 1]! + sw[2 * only + 1]!;
        const err = r > 0 && w > 0 ? r / w : 0;
        if (err < this.error[a]!) {
          this.error[a] = err;
          this.to[a] = only;
        }
        continue;
      }
      // Qa in locals: one evaluation per neighbour reads only its position, residual and weight.
      const a00 = Q[q]!, a01 = Q[q + 1]!, a02 = Q[q + 2]!, a11 = Q[q + 3]!, a12 = Q[q + 4]!, a22 = Q[q + 5]!;
      const b0 = Q[q + 6]!, b1 = Q[q + 7]!, b2 = Q[q + 8]!, c = Q[q + 9]!, wa = sw[2 * a + 1]!;
      let bestB = -1, bestErr = Infinity;
      for (let j = s; j < e; j++) {
        const b = next[j]!;
        if (frozen[b] === 1) continue;
        const x = P[3 * b]!, y = P[3 * b + 1]!, z = P[3 * b + 2]!;
        const r = x * (a00 * x + 2 * (a01 * y + a02 * z + b0)) + y * (a11 * y + 2 * (a12 * z + b1)) + z * (a22 * z + 2 * b2) + c + sw[2 * b]!;
        const w = wa + sw[2 * b + 1]!;
        const err = r > 0 && w > 0 ? r / w : 0;
        if (err < bestErr) {
          bestErr = err;
          bestB = b;
        }
      }
      this.to[a] = bestB;
      this.error[a] = bestErr;
    }
  }

  remove(a: number): void {
    this.gone[a] = 1;
    this.error[a] = Infinity;
  }

  /**
   * Live vertices with `error` ≤ `maxError2` by ascending error (a counting sort on the top 16
   * bits of the float32: non-negative, so ordered; ≈ 1% buckets, vertex order within one), and
   * each one's cheapest target, side by side so the caller reads both in sequence; written
   * into the starts of `orderSpace` and `targetSpace` (V each).
   */
  order(maxError2: number, orderSpace: Int32Array, targetSpace: Int32Array): { order: Int32Array; target: Int32Array } {
    const error = this.error, bits = new Uint32Array(error.buffer, error.byteOffset, error.length);
    const count = new Int32Array(BUCKETS + 1);
    let live = 0;
    for (let v = 0; v < bits.length; v++) if (bits[v] !== INFINITY_BITS && error[v]! <= maxError2) {
      count[(bits[v]! >>> 16) + 1]!++;
      live++;
    }
    for (let k = 0; k < BUCKETS; k++) count[k + 1]! += count[k]!;
    const order = orderSpace.subarray(0, live), target = targetSpace.subarray(0, live), to = this.to;
    for (let v = 0; v < bits.length; v++) if (bits[v] !== INFINITY_BITS && error[v]! <= maxError2) {
      const i = count[bits[v]! >>> 16]!++;
      order[i] = v;
      target[i] = to[v]!;
    }
    return { order, target };
  }

  /** a's ring neighbours with their collapse errors (mm²), cheapest first (the fallback when the best fails). */
  ranked(P: Float32Array, rings: VertexRings, Q: Float64Array, a: number): [number, number][] {
    const out: [number, number][] = [];
    for (let j = rings.start[a]!; j < rings.start[a + 1]!; j++) {
      const b = rings.next[j]!;
      if (this.frozen[b] === 1) continue;
      const r = quadricAt(Q, a * QS, P[3 * b]!, P[3 * b + 1]!, P[3 * b + 2]!) + this.sw[2 * b]!;
      const w = this.sw[2 * a + 1]! + this.sw[2 * b + 1]!;
      out.push([b, r > 0 && w > 0 ? r / w : 0]);
    }
    return out.sort((x, y) => x[1] - y[1]);
  }
}

/**
 * Shells (edge-connected triangles) with at most this many vertices are kept as they are: specks
 * and cavities of a few voxels cost nothing of the budget, and collapsed to a tetrahedron at
 * float32 resolution they become degenerate shells that manifold-3d and slicers delete.
 */
const SMALL_SHELL_VERTICES = 64;

/**
 * 1 for each vertex of a shell with at most `maxVertices` vertices: a breadth-first walk over
 * the rings from each unvisited vertex, abandoned as soon as it exceeds `maxVertices` or meets
 * a vertex already known to be in a large shell (so each vertex is walked O(1) times).
 */
function smallShellVertices(rings: VertexRings, maxVertices: number, scratch: Scratch): Uint8Array {
  const { start, next } = rings;
  const V = start.length - 1;
  const LARGE = 2, SMALL = 1;
  const state = scratch.take(Uint8Array, V); // 0 unvisited, SMALL, LARGE
  const queue = new Int32Array(maxVertices + 1);
  const seen = scratch.take(Int32Array, V, -1);
  for (let s = 0; s < V; s++) {
    if (state[s] !== 0 || start[s] === start[s + 1]) continue;
    let head = 0, tail = 0, large = false;
    queue[tail++] = s;
    seen[s] = s;
    walk: while (head < tail) {
      const v = queue[head++]!;
      for (let j = start[v]!; j < start[v + 1]!; j++) {
        const u = next[j]!;
        if (seen[u] === s) continue;
        if (state[u] === LARGE || tail === maxVertices) {
          large = true;
          break walk;
        }
        seen[u] = s;
        queue[tail++] = u;
      }
    }
    for (let k = 0; k < tail; k++) state[queue[k]!] = large ? LARGE : SMALL;
  }
  for (let v = 0; v < V; v++) state[v] = state[v] === SMALL ? 1 : 0;
  return state;
}

/** `changed` marks (else the one neighbour to look at). */
const UNCHANGED = -1;
const ALL = -2;

/** float32 +∞: the error of a vertex that is no candidate. */
const INFINITY_BITS = 0x7f800000;

/**
 * Area-weighted plane quadrics, QS values per vertex (float64: mm-scale planes leave ~1e-10
 * relative error), and each vertex's weight (the area of its triangles, mm²). One plane per
 * triangle, added to its three corners: a third of the arithmetic of gathering it per corner.
 */
function vertexQuadrics(P: Float32Array, tri: Uint32Array, V: number, scratch: Scratch): { Q: Float64Array; weight: Float64Array } {
  const Q = scratch.take(Float64Array, V * QS), weight = scratch.take(Float64Array, V);
  for (let t = 0; t < tri.length; t += 3) {
    const i0 = tri[t]!, i1 = tri[t + 1]!, i2 = tri[t + 2]!;
    const px = P[3 * i0]!, py = P[3 * i0 + 1]!, pz = P[3 * i0 + 2]!;
    const ux = P[3 * i1]! - px, uy = P[3 * i1 + 1]! - py, uz = P[3 * i1 + 2]! - pz;
    const vx = P[3 * i2]! - px, vy = P[3 * i2 + 1]! - py, vz = P[3 * i2 + 2]! - pz;
    let nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx;
    const len = Math.sqrt(nx * nx + ny * ny + nz * nz); // Math.hypot is several times slower in V8
    if (len === 0) continue;
    const w = len / 2;
    nx /= len;
    ny /= len;
    nz /= len;
    const d = -(nx * px + ny * py + nz * pz);
    const wx = w * nx, wy = w * ny, wz = w * nz, wd = w * d;
    const q0 = wx * nx, q1 = wx * ny, q2 = wx * nz, q3 = wy * ny, q4 = wy * nz, q5 = wz * nz;
    const q6 = wd * nx, q7 = wd * ny, q8 = wd * nz, q9 = wd * d;
    addPlane(Q, weight, i0 * QS, i0, w, q0, q1, q2, q3, q4, q5, q6, q7, q8, q9);
    addPlane(Q, weight, i1 * QS, i1, w, q0, q1, q2, q3, q4, q5, q6, q7, q8, q9);
    addPlane(Q, weight, i2 * QS, i2, w, q0, q1, q2, q3, q4, q5, q6, q7, q8, q9);
  }
  return { Q, weight };
}

function addPlane(Q: Float64Array, weight: Float64Array, q: number, v: number, w: number, q0: number, q1: number, q2: number, q3: number, q4: number, q5: number, q6: number, q7: number, q8: number, q9: number): void {
  Q[q]! += q0;
  Q[q + 1]! += q1;
  Q[q + 2]! += q2;
  Q[q + 3]! += q3;
  Q[q + 4]! += q4;
  Q[q + 5]! += q5;
  Q[q + 6]! += q6;
  Q[q + 7]! += q7;
  Q[q + 8]! += q8;
  Q[q + 9]! += q9;
  weight[v]! += w;
}

/**
 * The link condition (invariant 2) for a→b on the pass's mesh as it stands: a's and b's
 * neighbours through `remap` (invariant 3), each counted once.
 */
function linkCondition(rings: VertexRings, a: number, b: number, stamp: Int32Array, stamp2: Int32Array, id: number, remap: Int32Array): boolean {
  const { start, next } = rings;
  let degA = 0;
  for (let j = start[a]!; j < start[a + 1]!; j++) {
    let w = next[j]!;
    const r = remap[w]!;
    if (r >= 0) w = r;
    if (stamp[w] !== id) {
      stamp[w] = id;
      degA++;
    }
  }
  let degB = 0, shared = 0;
  for (let j = start[b]!; j < start[b + 1]!; j++) {
    let w = next[j]!;
    const r = remap[w]!;
    if (r >= 0) w = r;
    if (stamp2[w] === id) continue;
    stamp2[w] = id;
    degB++;
    if (w !== a && stamp[w] === id) shared++;
  }
  if (degA === 3 && degB === 3) return false;
  return shared === 2;
}
/** Whether a→b would turn one of a's remaining triangles (through `remap`) upside down (invariant 4). */
function flipsTriangle(P: Float32Array, rings: VertexRings, a: number, b: number, remap: Int32Array): boolean {
  const { start, next, prev } = rings;
  const ax = P[3 * a]!, ay = P[3 * a + 1]!, az = P[3 * a + 2]!;
  const bx = P[3 * b]!, by = P[3 * b + 1]!, bz = P[3 * b + 2]!;
  for (let j = start[a]!; j < start[a + 1]!; j++) {
    let u = next[j]!, v = prev[j]!;
    const ru = remap[u]!, rv = remap[v]!;
    if (ru >= 0) u = ru;
    if (rv >= 0) v = rv;
    if (u === v || u === b || v === b) continue;
    const ux = P[3 * u]!, uy = P[3 * u + 1]!, uz = P[3 * u + 2]!;
    const vx = P[3 * v]!, vy = P[3 * v + 1]!, vz = P[3 * v + 2]!;
    const e1x = ux - ax, e1y = uy - ay, e1z = uz - az, e2x = vx - ax, e2y = vy - ay, e2z = vz - az;
    const n0x = e1y * e2z - e1z * e2y, n0y = e1z * e2x - e1x * e2z, n0z = e1x * e2y - e1y * e2x;
    const f1x = ux - bx, f1y = uy - by, f1z = uz - bz, f2x = vx - bx, f2y = vy - by, f2z = vz - bz;
    const n1x = f1y * f2z - f1z * f2y, n1y = f1z * f2x - f1x * f2z, n1z = f1x * f2y - f1y * f2x;
    if (n0x * n1x + n0y * n1y + n0z * n1z <= 0) return true;
  }
  return false;
}

/** Of the two triangles on edge ab, (a, b, x) and (b, a, y), how many have no vertex in `frozen` (a and b have none). */
function countedOnEdge(rings: VertexRings, a: number, b: number, frozen: Uint8Array): number {
  const { start, next, prev } = rings;
  let n = 0;
  for (let j = start[a]!; j < start[a + 1]!; j++) {
    if (next[j] === b) n += 1 - frozen[prev[j]!]!;
    else if (prev[j] === b) n += 1 - frozen[next[j]!]!;
  }
  return n;
}

/** Triangles of `tri` with no vertex marked in `frozen`. */
function freeTriangles(tri: Uint32Array, frozen: Uint8Array): number {
  let n = 0;
  for (let t = 0; t < tri.length; t += 3) if ((frozen[tri[t]!]! | frozen[tri[t + 1]!]! | frozen[tri[t + 2]!]!) === 0) n++;
  return n;
}

/**
 * Triangles re-pointed through `remap` (−1: unchanged), those with a repeated vertex dropped,
 * written into `out` (which may be `tri` itself: each triangle is written at or before where it
 * was read); returns the view of `out` that holds them.
 */
function applyCollapses(tri: Uint32Array, remap: Int32Array, out: Uint32Array): Uint32Array {
  let n = 0;
  for (let t = 0; t < tri.length; t += 3) {
    let a = tri[t]!, b = tri[t + 1]!, c = tri[t + 2]!;
    const ra = remap[a]!, rb = remap[b]!, rc = remap[c]!;
    if (ra >= 0) a = ra;
    if (rb >= 0) b = rb;
    if (rc >= 0) c = rc;
    if (a === b || b === c || a === c) continue;
    out[n++] = a;
    out[n++] = b;
    out[n++] = c;
  }
  return out.subarray(0, n);
}
