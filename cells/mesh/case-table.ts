/**
 * The marching-cubes case table, generated when this module loads (no pasted literal).
 *
 * Cube conventions (shared with isosurface.ts):
 * - Corner c ∈ 0..7 sits at (c & 1, (c >> 1) & 1, (c >> 2) & 1): x is bit 0, y bit 1, z bit 2.
 *   Bit c of a case index is set when corner c is inside (value > iso).
 * - Edges 0..3 run along x, 4..7 along y, 8..11 along z (see `EDGE_CORNERS`).
 *
 * How each case is built:
 * 1. On each of the six faces, the crossed edges (ends on opposite sides) are paired into
 *    boundary segments. A face with two crossings has one segment. A face with four
 *    crossings is ambiguous (inside corners on one diagonal, outside on the other); it is
 *    always resolved by separating the inside corners (each inside corner gets its own
 *    segment cutting it off), which is the rule of Montani, Scateni & Scopigno (1994, "A
 *    modified look-up table for implicit disambiguation of marching cubes", The Visual
 *    Computer 10:353–355). The decision depends on the face's four corners only, so the two
 *    cubes sharing a face draw the same segments on it: the surface has no cracks.
 * 2. Each segment is directed so that, seen from outside the cube, the inside corners lie to
 *    its right. Every crossed edge is then the end of exactly one segment and the start of
 *    exactly one other (it lies on two faces), so the segments chain into closed loops.
 * 3. Each loop is triangulated as a fan, which keeps the loop's direction: triangles wind
 *    counter-clockwise seen from the outside region (normals from inside to outside). The fan
 *    apex is chosen so that no diagonal joins two vertices lying on one face (such a
 *    diagonal would lie in the face and could coincide with an edge of the neighbouring cube,
 *    making the edge non-manifold); among the admissible apexes, the one with the shortest
 *    total diagonal length (edge midpoints as proxies) wins. If a loop had no admissible
 *    fan the module would throw at load; none does.
 * Segments on a shared face appear once in each of the two cubes, in opposite directions,
 * and fan diagonals are interior to one cube, so every edge of the resulting surface belongs
 * to exactly two triangles, once in each direction: a closed, consistently oriented,
 * edge-manifold surface.
 *
 * Source: W. E. Lorensen & H. E. Cline, "Marching cubes: a high resolution 3D surface
 * construction algorithm", SIGGRAPH 1987, doi:10.1145/37402.37422 (the method); the
 * ambiguity rule as cited above.
 */

/** Corner pairs [a, b] (a < b) of the 12 cube edges: 0–3 along x, 4–7 along y, 8–11 along z. */
export const EDGE_CORNERS: readonly (readonly [number, number])[] = [
  [0, 1], [2, 3], [4, 5], [6, 7], // x edges at (y,z) = (0,0), (1,0), (0,1), (1,1)
  [0, 2], [1, 3], [4, 6], [5, 7], // y edges at (x,z) = (0,0), (1,0), (0,1), (1,1)
  [0, 4], [1, 5], [2, 6], [3, 7], // z edges at (x,y) = (0,0), (1,0), (0,1), (1,1)
];

/** Faces as corner cycles, with their outward normals. */
const FACES: readonly { readonly corners: readonly [number, number, number, number]; readonly normal: readonly [number, number, number] }[] = [
  { corners: [0, 2, 6, 4], normal: [-1, 0, 0] },
  { corners: [1, 3, 7, 5], normal: [1, 0, 0] },
  { corners: [0, 1, 5, 4], normal: [0, -1, 0] },
  { corners: [2, 3, 7, 6], normal: [0, 1, 0] },
  { corners: [0, 1, 3, 2], normal: [0, 0, -1] },
  { corners: [4, 5, 7, 6], normal: [0, 0, 1] },
];

type V3 = [number, number, number];

function cornerPos(c: number): V3 {
  return [c & 1, (c >> 1) & 1, (c >> 2) & 1];
}

function edgeMid(e: number): V3 {
  const [a, b] = EDGE_CORNERS[e]!;
  const pa = cornerPos(a), pb = cornerPos(b);
  return [(pa[0] + pb[0]) / 2, (pa[1] + pb[1]) / 2, (pa[2] + pb[2]) / 2];
}

function edgeOf(a: number, b: number): number {
  const lo = Math.min(a, b), hi = Math.max(a, b);
  const e = EDGE_CORNERS.findIndex(([p, q]) => p === lo && q === hi);
  if (e < 0) throw new Error(`case-table: corners ${a} and ${b} share no edge`);
  return e;
}

function dist(p: V3, q: V3): number {
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

/** faceMask[e]: bit f set when edge e lies on face f. */
const EDGE_FACES: readonly number[] = (() => {
  const m = new Array<number>(12).fill(0);
  FACES.forEach((f, fi) => {
    for (let i = 0; i < 4; i++) m[edgeOf(f.corners[i]!, f.corners[(i + 1) % 4]!)]! |= 1 << fi;
  });
  return m;
})();

/** Directed boundary segments [fromEdge, toEdge] of one case on the cube's faces. */
function faceSegments(caseIndex: number): Array<[number, number]> {
  const inside = (c: number): boolean => ((caseIndex >> c) & 1) === 1;
  const segs: Array<[number, number]> = [];
  for (const face of FACES) {
    const q = face.corners;
    const crossed: number[] = [];
    for (let i = 0; i < 4; i++) if (inside(q[i]!) !== inside(q[(i + 1) % 4]!)) crossed.push(i);
    // Each pair: the two face-edge slots and an inside corner on the segment's inside side.
    const pairs: Array<{ a: number; b: number; corner: number }> = [];
    if (crossed.length === 2) {
      const a = crossed[0]!, b = crossed[1]!;
      const corner = q.find((c) => inside(c))!;
      pairs.push({ a: edgeOf(q[a]!, q[(a + 1) % 4]!), b: edgeOf(q[b]!, q[(b + 1) % 4]!), corner });
    } else if (crossed.length === 4) {
      // Ambiguous face: cut off each inside corner by its own segment.
      for (let i = 0; i < 4; i++) {
        if (!inside(q[i]!)) continue;
        const prev = (i + 3) % 4;
        pairs.push({ a: edgeOf(q[prev]!, q[i]!), b: edgeOf(q[i]!, q[(i + 1) % 4]!), corner: q[i]! });
      }
    } else if (crossed.length !== 0) {
      throw new Error(`case-table: face with ${crossed.length} crossings in case ${caseIndex}`);
    }
    for (const { a, b, corner } of pairs) {
      // Direct a→b so that (d × (C − P)) · n < 0: the inside corner C lies to the right of
      // the segment seen from outside (normal n towards the viewer).
      const p = edgeMid(a), d = sub(edgeMid(b), p), c = sub(cornerPos(corner), p);
      const n = face.normal;
      const s = (d[1] * c[2] - d[2] * c[1]) * n[0] + (d[2] * c[0] - d[0] * c[2]) * n[1] + (d[0] * c[1] - d[1] * c[0]) * n[2];
      if (s === 0) throw new Error(`case-table: degenerate segment in case ${caseIndex}`);
      segs.push(s < 0 ? [a, b] : [b, a]);
    }
  }
  return segs;
}

function sub(p: V3, q: V3): V3 {
  return [p[0] - q[0], p[1] - q[1], p[2] - q[2]];
}

/** Chains directed segments into closed loops of edge ids. */
function traceLoops(caseIndex: number, segs: Array<[number, number]>): number[][] {
  const next = new Array<number>(12).fill(-1);
  const incoming = new Array<number>(12).fill(0);
  for (const [a, b] of segs) {
    if (next[a] !== -1) throw new Error(`case-table: edge ${a} starts two segments in case ${caseIndex}`);
    next[a] = b;
    incoming[b]!++;
  }
  const loops: number[][] = [];
  const used = new Array<boolean>(12).fill(false);
  for (let e = 0; e < 12; e++) {
    if (next[e] === -1) continue;
    if (incoming[e] !== 1) throw new Error(`case-table: edge ${e} ends ${incoming[e]} segments in case ${caseIndex}`);
    if (used[e]) continue;
    const loop: number[] = [];
    let cur = e;
    while (!used[cur]) {
      used[cur] = true;
      loop.push(cur);
      cur = next[cur]!;
      if (cur === -1) throw new Error(`case-table: open chain in case ${caseIndex}`);
    }
    if (cur !== e) throw new Error(`case-table: loop does not close in case ${caseIndex}`);
    loops.push(loop);
  }
  return loops;
}

/** Fan-triangulates a loop from the best admissible apex. */
function triangulateLoop(caseIndex: number, loop: number[], canonicalTies = false): number[] {
  const n = loop.length;
  if (n < 3) throw new Error(`case-table: loop of ${n} edges in case ${caseIndex}`);
  let bestApex = -1, bestCost = Infinity;
  for (let a = 0; a < n; a++) {
    let cost = 0, ok = true;
    for (let i = 2; i <= n - 2; i++) {
      const ea = loop[a]!, eb = loop[(a + i) % n]!;
      if ((EDGE_FACES[ea]! & EDGE_FACES[eb]!) !== 0) {
        ok = false;
        break;
      }
      cost += dist(edgeMid(ea), edgeMid(eb));
    }
    // With `canonicalTies`, ties go to the apex with the smallest edge id rather than the first
    // in loop order, so that a loop and its reverse (the complementary case) get the same
    // diagonals: case c and case 255 − c then draw the same triangles, oppositely wound,
    // wherever no face is ambiguous (the label tables below need this).
    if (ok && (cost < bestCost - 1e-12 || (canonicalTies && cost <= bestCost + 1e-12 && loop[a]! < loop[bestApex]!))) {
      bestCost = cost;
      bestApex = a;
    }
  }
  if (bestApex < 0) throw new Error(`case-table: no admissible fan for a loop of ${n} edges in case ${caseIndex}`);
  const tris: number[] = [];
  for (let i = 1; i <= n - 2; i++) {
    tris.push(loop[bestApex]!, loop[(bestApex + i) % n]!, loop[(bestApex + i + 1) % n]!);
  }
  return tris;
}

/**
 * The table: triangles of case c are the edge-id triples
 * `CASE_EDGES[CASE_OFFSETS[c] .. CASE_OFFSETS[c + 1])`, three per triangle, counter-clockwise
 * seen from outside in a right-handed (x, y, z) frame.
 */
export const CASE_OFFSETS: Uint16Array = new Uint16Array(257);
export const CASE_EDGES: Uint8Array = (() => {
  const all: number[] = [];
  for (let c = 0; c < 256; c++) {
    CASE_OFFSETS[c] = all.length;
    for (const loop of traceLoops(c, faceSegments(c))) all.push(...triangulateLoop(c, loop));
  }
  CASE_OFFSETS[256] = all.length;
  return Uint8Array.from(all);
})();

/** Number of triangles of case `c` (0..255). */
export function caseTriangleCount(c: number): number {
  return (CASE_OFFSETS[c + 1]! - CASE_OFFSETS[c]!) / 3;
}

/** A case table as two arrays, laid out as `CASE_OFFSETS` / `CASE_EDGES`. */
export interface CaseTable {
  readonly offsets: Uint16Array;
  readonly edges: Uint8Array;
}

function buildTable(triangles: (c: number) => number[]): CaseTable {
  const offsets = new Uint16Array(257), all: number[] = [];
  for (let c = 0; c < 256; c++) {
    offsets[c] = all.length;
    all.push(...triangles(c));
  }
  offsets[256] = all.length;
  return { offsets, edges: Uint8Array.from(all) };
}

/**
 * The tables of the label surfaces (cells/mesh/label-surfaces.ts), a pair:
 * - `separate`: as `CASE_EDGES` (inside corners of an ambiguous face cut off one by one) but
 *   with canonical fan ties, so case c and case 255 − c are mirror images wherever no face is
 *   ambiguous;
 * - `join`: the opposite ambiguity rule (inside corners of an ambiguous face joined): case c is
 *   `separate`'s case 255 − c with every triangle reversed, hence closed and edge-manifold for
 *   the same reasons.
 * Where a grid point is inside one label exactly when it is inside another's complement (two
 * labels touching), the `join` surface of one is the `separate` surface of the other, wound
 * oppositely, triangle for triangle; and two labels both using `join` agree wherever no face
 * between them is ambiguous.
 */
export const LABEL_CASE_TABLES: { readonly separate: CaseTable; readonly join: CaseTable } = (() => {
  const separate = buildTable((c) => traceLoops(c, faceSegments(c)).flatMap((loop) => triangulateLoop(c, loop, true)));
  const join = buildTable((c) => {
    const d = 255 - c, out: number[] = [];
    for (let e = separate.offsets[d]!; e < separate.offsets[d + 1]!; e += 3) out.push(separate.edges[e]!, separate.edges[e + 2]!, separate.edges[e + 1]!);
    return out;
  });
  return { separate, join };
})();
