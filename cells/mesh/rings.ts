/**
 * Each vertex's ring of a triangle mesh — the triangles around it, as (next, prev) pairs in the
 * triangle's winding — and the checks a closed, oriented mesh passes on them. Shared by
 * `smoothMesh` (its neighbour lists) and the edge-collapse decimator (its topology tests).
 *
 * On a closed, consistently oriented, edge-manifold mesh every ring vertex x of v is the `next`
 * of exactly one of v's entries (edge v→x) and the `prev` of exactly one (edge x→v).
 */
import { freshScratch, type Scratch } from '../core/scratch.ts';

/** CSR over vertices: entries start[v]..start[v+1]; for triangle (v, x, y) in its winding, next = x and prev = y. */
export interface VertexRings {
  readonly start: Int32Array;
  readonly next: Int32Array;
  readonly prev: Int32Array;
}

/**
 * The rings of `tri` (3 vertex ids per triangle, each < V), by a counting sort in triangle order.
 * O(V + T), three Int32Arrays (V + 1, 3T, 3T). `reuse`: rings of the same V and at least as many
 * triangles, no longer needed, whose arrays are written over (a decimation's next pass), or
 * `scratchRings`.
 */
export function vertexRings(tri: Uint32Array, V: number, reuse?: VertexRings): VertexRings {
  const fits = reuse !== undefined && reuse.start.length === V + 1 && reuse.next.length >= tri.length;
  const start = fits ? reuse.start.fill(0) : new Int32Array(V + 1);
  for (let c = 0; c < tri.length; c++) start[tri[c]! + 1]!++;
  for (let v = 0; v < V; v++) start[v + 1]! += start[v]!;
  const fill = start.slice(0, V);
  const next = fits ? reuse.next.subarray(0, tri.length) : new Int32Array(tri.length);
  const prev = fits ? reuse.prev.subarray(0, tri.length) : new Int32Array(tri.length);
  for (let t = 0; t < tri.length; t += 3) {
    const a = tri[t]!, b = tri[t + 1]!, c = tri[t + 2]!;
    let i = fill[a]!++;
    next[i] = b;
    prev[i] = c;
    i = fill[b]!++;
    next[i] = c;
    prev[i] = a;
    i = fill[c]!++;
    next[i] = a;
    prev[i] = b;
  }
  return { start, next, prev };
}

/** Arrays for `vertexRings(tri, V, reuse)` of up to `triangles` triangles, from `scratch`. */
export function scratchRings(scratch: Scratch, V: number, triangles: number): VertexRings {
  return { start: scratch.take(Int32Array, V + 1, null), next: scratch.take(Int32Array, 3 * triangles, null), prev: scratch.take(Int32Array, 3 * triangles, null) };
}

/** True when some triangle of `tri` repeats a vertex id (a collapsed edge). */
export function hasRepeatedVertex(tri: Uint32Array): boolean {
  for (let t = 0; t < tri.length; t += 3) {
    const a = tri[t]!, b = tri[t + 1]!, c = tri[t + 2]!;
    if (a === b || b === c || a === c) return true;
  }
  return false;
}

/**
 * True when every edge is used exactly once in each direction: at every vertex v the `next`s
 * (edges v→x) are distinct, the `prev`s (edges y→v) are distinct, and they are the same set.
 * Stamps (2v + 1 for an outgoing end, 2v + 2 once matched) instead of clearing. O(Σ valence).
 * Vertices with `skip[v] = 1` are not checked (their rings may be cut off: a part of a mesh).
 */
export function edgesPaired(rings: VertexRings, skip?: Uint8Array, scratch: Scratch = freshScratch()): boolean {
  const { start, next, prev } = rings;
  const V = start.length - 1;
  const stamp = scratch.take(Int32Array, V);
  for (let v = 0; v < V; v++) {
    if (skip !== undefined && skip[v] === 1) continue;
    const s = start[v]!, e = start[v + 1]!, out = 2 * v + 1;
    for (let j = s; j < e; j++) {
      const w = next[j]!;
      if (stamp[w] === out) return false;
      stamp[w] = out;
    }
    for (let j = s; j < e; j++) {
      const u = prev[j]!;
      if (stamp[u] !== out) return false;
      stamp[u] = out + 1;
    }
  }
  return true;
}
