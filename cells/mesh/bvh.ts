/**
 * A bounding volume hierarchy over a mesh's triangles, for ray casting (wall thickness,
 * inside tests). Our own, flat and typed: nodes in one Int32Array, boxes in one Float32Array,
 * the triangles' corners copied in leaf order so a leaf reads contiguous memory.
 *
 * Build: top-down, split at the midpoint of the longest axis of the node's centroid bounds
 * (an in-place partition; Wald, "On fast construction of SAH-based bounding volume
 * hierarchies", 2007, discusses the choice), leaves of at most `LEAF_TRIANGLES`. O(T log T).
 * Traversal: a stack, nearer child first, slab test for boxes (Kay & Kajiya 1986), and
 * Möller & Trumbore's ray–triangle test (doi:10.1080/10867651.1997.10487468) in float64.
 */
import type { Mesh } from '../core/mesh.ts';

const LEAF_TRIANGLES = 4;

export interface TriangleBvh {
  /** Per node: [first, count]. count > 0: a leaf of `order[first .. first+count)`; count = 0: children at first and first + 1. */
  readonly nodes: Int32Array;
  /** Per node: [minX, minY, minZ, maxX, maxY, maxZ], mm. */
  readonly boxes: Float32Array;
  /** Triangle ids in leaf order. */
  readonly order: Uint32Array;
  /** The corners of triangle `order[i]` at 9·i .. 9·i+9 (x, y, z of a, b, c), mm. */
  readonly corners: Float32Array;
  /** The mesh's indices (to know a hit triangle's vertices). */
  readonly indices: Uint32Array;
  readonly nodeCount: number;
}

/**
 * Builds the hierarchy of `mesh`'s triangles. The mesh is not checked here (callers run
 * `checkMesh` first). Memory: about 100 bytes per triangle.
 */
export function buildBvh(mesh: Mesh): TriangleBvh {
  const P = mesh.positions, I = mesh.indices;
  const T = I.length / 3;
  const cx = new Float32Array(T), cy = new Float32Array(T), cz = new Float32Array(T);
  const tb = new Float32Array(6 * T);
  for (let t = 0; t < T; t++) {
    const a = 3 * I[3 * t]!, b = 3 * I[3 * t + 1]!, c = 3 * I[3 * t + 2]!;
    for (let k = 0; k < 3; k++) {
      const x = P[a + k]!, y = P[b + k]!, z = P[c + k]!;
      const lo = x < y ? (x < z ? x : z) : (y < z ? y : z);
      const hi = x > y ? (x > z ? x : z) : (y > z ? y : z);
      tb[6 * t + k] = lo;
      tb[6 * t + 3 + k] = hi;
    }
    cx[t] = (tb[6 * t]! + tb[6 * t + 3]!) / 2;
    cy[t] = (tb[6 * t + 1]! + tb[6 * t + 4]!) / 2;
    cz[t] = (tb[6 * t + 2]! + tb[6 * t + 5]!) / 2;
  }
  const order = new Uint32Array(T);
  for (let t = 0; t < T; t++) order[t] = t;
  const maxNodes = Math.max(1, 2 * T);
  const nodes = new Int32Array(2 * maxNodes);
  const boxes = new Float32Array(6 * maxNodes);
  let nodeCount = 1;
  // Work list of nodes to split: node id, first, count.
  const work: number[] = [0, 0, T];
  while (work.length > 0) {
    const count = work.pop()!, first = work.pop()!, node = work.pop()!;
    // The node's box and its centroids' box.
    let bx0 = Infinity, by0 = Infinity, bz0 = Infinity, bx1 = -Infinity, by1 = -Infinity, bz1 = -Infinity;
    let qx0 = Infinity, qy0 = Infinity, qz0 = Infinity, qx1 = -Infinity, qy1 = -Infinity, qz1 = -Infinity;
    for (let i = first; i < first + count; i++) {
      const t = order[i]!, o = 6 * t;
      if (tb[o]! < bx0) bx0 = tb[o]!;
      if (tb[o + 1]! < by0) by0 = tb[o + 1]!;
      if (tb[o + 2]! < bz0) bz0 = tb[o + 2]!;
      if (tb[o + 3]! > bx1) bx1 = tb[o + 3]!;
      if (tb[o + 4]! > by1) by1 = tb[o + 4]!;
      if (tb[o + 5]! > bz1) bz1 = tb[o + 5]!;
      const x = cx[t]!, y = cy[t]!, z = cz[t]!;
      if (x < qx0) qx0 = x;
      if (x > qx1) qx1 = x;
      if (y < qy0) qy0 = y;
      if (y > qy1) qy1 = y;
      if (z < qz0) qz0 = z;
      if (z > qz1) qz1 = z;
    }
    boxes[6 * node] = bx0; boxes[6 * node + 1] = by0; boxes[6 * node + 2] = bz0;
    boxes[6 * node + 3] = bx1; boxes[6 * node + 4] = by1; boxes[6 * node + 5] = bz1;
    const ex = qx1 - qx0, ey = qy1 - qy0, ez = qz1 - qz0;
    const extent = Math.max(ex, ey, ez);
    if (count <= LEAF_TRIANGLES || !(extent > 0)) {
      nodes[2 * node] = first;
      nodes[2 * node + 1] = count;
      continue;
    }
    const C = ex === extent ? cx : ey === extent ? cy : cz;
    const split = ex === extent ? (qx0 + qx1) / 2 : ey === extent ? (qy0 + qy1) / 2 : (qz0 + qz1) / 2;
    // Partition order[first, first+count) by C < split (Hoare style).
    let i = first, j = first + count - 1;
    while (i <= j) {
      if (C[order[i]!]! < split) i++;
      else {
        const s = order[i]!;
        order[i] = order[j]!;
        order[j] = s;
        j--;
      }
    }
    let left = i - first;
    // The midpoint of a positive extent leaves both sides non-empty, except in float ties; halve then.
    if (left === 0 || left === count) left = count >> 1;
    const child = nodeCount;
    nodeCount += 2;
    nodes[2 * node] = child;
    nodes[2 * node + 1] = 0;
    work.push(child, first, left, child + 1, first + left, count - left);
  }
  const corners = new Float32Array(9 * T);
  for (let i = 0; i < T; i++) {
    const t = order[i]!;
    for (let c = 0; c < 3; c++) {
      const v = 3 * I[3 * t + c]!;
      corners[9 * i + 3 * c] = P[v]!;
      corners[9 * i + 3 * c + 1] = P[v + 1]!;
      corners[9 * i + 3 * c + 2] = P[v + 2]!;
    }
  }
  return { nodes: nodes.slice(0, 2 * nodeCount), boxes: boxes.slice(0, 6 * nodeCount), order, corners, indices: I, nodeCount };
}

/**
 * Casts rays against a `TriangleBvh`. One caster holds its own traversal stack, so a loop of
 * millions of rays allocates nothing; after a hit, `triangle` is the hit triangle's id.
 */
export class RayCaster {
  readonly bvh: TriangleBvh;
  /** The triangle of the last hit, or -1. */
  triangle = -1;
  #stack = new Int32Array(256);

  constructor(bvh: TriangleBvh) {
    this.bvh = bvh;
  }

  /**
   * Distance t > tMin along the ray o + t·d (d need not be unit; t is in units of |d|) to the
   * nearest triangle, or Infinity. Triangles that use vertex `skipVertex` are ignored (the
   * ray's own one-ring when it starts at a vertex; pass -1 for none). Both faces count.
   */
  closestHit(ox: number, oy: number, oz: number, dx: number, dy: number, dz: number, tMin: number, tMax: number, skipVertex = -1): number {
    const { nodes, boxes, order, corners, indices } = this.bvh;
    const ix = 1 / dx, iy = 1 / dy, iz = 1 / dz;
    let best = tMax, bestTri = -1;
    const stack = this.#stack;
    let sp = 0;
    if (this.#boxEntry(0, ox, oy, oz, ix, iy, iz, best) === false) { this.triangle = -1; return Infinity; }
    stack[sp++] = 0;
    while (sp > 0) {
      const node = stack[--sp]!;
      const first = nodes[2 * node]!, count = nodes[2 * node + 1]!;
      if (count > 0) {
        for (let i = first; i < first + count; i++) {
          const o = 9 * i;
          const ax = corners[o]!, ay = corners[o + 1]!, az = corners[o + 2]!;
          const e1x = corners[o + 3]! - ax, e1y = corners[o + 4]! - ay, e1z = corners[o + 5]! - az;
          const e2x = corners[o + 6]! - ax, e2y = corners[o + 7]! - ay, e2z = corners[o + 8]! - az;
          const px = dy * e2z - dz * e2y, py = dz * e2x - dx * e2z, pz = dx * e2y - dy * e2x;
          const det = e1x * px + e1y * py + e1z * pz;
          if (det > -1e-14 && det < 1e-14) continue;
          const inv = 1 / det;
          const tx = ox - ax, ty = oy - ay, tz = oz - az;
          const u = (tx * px + ty * py + tz * pz) * inv;
          if (u < 0 || u > 1) continue;
          const qx = ty * e1z - tz * e1y, qy = tz * e1x - tx * e1z, qz = tx * e1y - ty * e1x;
          const v = (dx * qx + dy * qy + dz * qz) * inv;
          if (v < 0 || u + v > 1) continue;
          const t = (e2x * qx + e2y * qy + e2z * qz) * inv;
          if (t <= tMin || t >= best) continue;
          const tri = order[i]!;
          if (skipVertex >= 0 && (indices[3 * tri] === skipVertex || indices[3 * tri + 1] === skipVertex || indices[3 * tri + 2] === skipVertex)) continue;
          best = t;
          bestTri = tri;
        }
        continue;
      }
      const l = first, r = first + 1;
      const tl = this.#boxEntry(l, ox, oy, oz, ix, iy, iz, best), tr = this.#boxEntry(r, ox, oy, oz, ix, iy, iz, best);
      if (sp + 2 > stack.length) {
        const grown = new Int32Array(2 * stack.length);
        grown.set(stack);
        this.#stack = grown;
        return this.closestHit(ox, oy, oz, dx, dy, dz, tMin, tMax, skipVertex);
      }
      // Push the farther first so the nearer is searched first and shrinks `best`.
      if (tl !== false && tr !== false) {
        if (tl <= tr) { stack[sp++] = r; stack[sp++] = l; } else { stack[sp++] = l; stack[sp++] = r; }
      } else if (tl !== false) stack[sp++] = l;
      else if (tr !== false) stack[sp++] = r;
    }
    this.triangle = bestTri;
    return bestTri < 0 ? Infinity : best;
  }

  /** Where the ray enters node's box (≥ 0), or false when it misses it before `tMax`. */
  #boxEntry(node: number, ox: number, oy: number, oz: number, ix: number, iy: number, iz: number, tMax: number): number | false {
    const b = this.bvh.boxes, o = 6 * node;
    let t0 = (b[o]! - ox) * ix, t1 = (b[o + 3]! - ox) * ix;
    let lo = t0 < t1 ? t0 : t1, hi = t0 < t1 ? t1 : t0;
    t0 = (b[o + 1]! - oy) * iy; t1 = (b[o + 4]! - oy) * iy;
    lo = Math.max(lo, t0 < t1 ? t0 : t1); hi = Math.min(hi, t0 < t1 ? t1 : t0);
    t0 = (b[o + 2]! - oz) * iz; t1 = (b[o + 5]! - oz) * iz;
    lo = Math.max(lo, t0 < t1 ? t0 : t1); hi = Math.min(hi, t0 < t1 ? t1 : t0);
    // NaN (0 · ∞ for a ray in a box face's plane) compares false: counted as a hit, which is safe.
    if (hi < lo || hi < 0 || lo > tMax) return false;
    return lo > 0 ? lo : 0;
  }
}
