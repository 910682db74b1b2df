import { ParameterError } from '../core/errors.ts';
import { checkAbort, type StageOptions } from '../core/stage.ts';

/**
 * The combinatorial checks of a triangle mesh (indices only, no positions): what makes it a
 * closed, oriented 2-manifold or not, and its topology per shell. Shared by `validateMesh`
 * (and its verdict is what `decimateMesh` keeps by construction).
 */
export interface MeshTopology {
  /** Distinct undirected edges (the zero-length edges of triangles with a repeated vertex not counted). */
  readonly edges: number;
  /** Edges in exactly one triangle (holes, cracks). */
  readonly openEdges: number;
  /** Edges in more than two triangles, or used twice in the same direction a→b. */
  readonly nonManifoldEdges: number;
  /** Edges used twice in the same direction (neighbours disagree on winding). */
  readonly misorientedEdges: number;
  /** Triangles whose 3 vertex ids (in any order) repeat an earlier triangle's: each extra copy counts once. */
  readonly duplicatedFaces: number;
  /** Triangles with a repeated vertex id (a collapsed edge). */
  readonly collapsedTriangles: number;
  /**
   * Vertices on no open or non-manifold edge and in no collapsed triangle whose triangles still do not form one fan (two surfaces
   * touching at a point): edge-manifold but not a manifold there.
   */
  readonly nonManifoldVertices: number;
  /** Connected components of triangles, connected through shared edges. */
  readonly shells: number;
  /**
   * Euler characteristic V − E + F of each shell (2 for a sphere, 0 for a torus, 2 − 2g for
   * genus g when closed), shells in order of their first triangle. A vertex counts in the
   * shell of its first triangle (on a manifold, a vertex is in one shell).
   */
  readonly shellEuler: Int32Array;
  /**
   * True when every edge is in exactly two triangles, once in each direction, no face is
   * duplicated, no triangle has a repeated vertex and every vertex's triangles form one fan:
   * a closed, consistently oriented 2-manifold (an empty mesh counts as one).
   */
  readonly closedManifold: boolean;
  /** Per vertex, 1 when it lies on any of the defects above (only with `perVertex`). */
  readonly defectiveVertices?: Uint8Array;
  /** Per vertex, the shell of its first triangle, −1 for a vertex no triangle uses (only with `perVertex`). */
  readonly shellOfVertex?: Int32Array;
}

/** Options of `meshTopology`. */
export interface MeshTopologyOptions extends StageOptions {
  /** Also return `defectiveVertices` and `shellOfVertex`. */
  readonly perVertex?: boolean;
}

/**
 * Edge, face and vertex manifoldness and the per-shell Euler characteristic of `indices`
 * over `vertexCount` vertices, in O(V + T) with typed arrays.
 *
 * Method: directed edges a→b are bucketed by min(a, b) with a counting sort (CSR), each small
 * bucket ordered by max(a, b) (insertion sort), and runs of equal pairs give each edge's
 * triangle count and directions. Triangles sharing an edge are joined in a union-find forest
 * (path halving) to form shells. Duplicated faces: triangles bucketed by their lowest vertex,
 * compared on the other two. Vertex fans: around a vertex whose edges are all manifold, the
 * triangles are visited through edge twins from one of them; fewer steps than the vertex has
 * triangles means several fans.
 *
 * @throws ParameterError if `indices.length` is not a multiple of 3, an index is ≥ vertexCount,
 *   or there are more than 357,913,941 triangles (half-edge ids are packed in Int32).
 * @throws AbortError when `signal` fires (checked between passes).
 */
export function meshTopology(indices: Uint32Array, vertexCount: number, options: MeshTopologyOptions = {}): MeshTopology {
  const I = indices, V = vertexCount, T = I.length / 3;
  const { signal, onProgress } = options;
  if (I.length % 3 !== 0) throw new ParameterError(`meshTopology: ${I.length} indices is not a whole number of triangles`);
  if (3 * T > 0x3fffffff) throw new ParameterError(`meshTopology: ${T} triangles is more than the 357,913,941 supported`);
  for (let i = 0; i < I.length; i++) if (I[i]! >= V) throw new ParameterError(`meshTopology: triangle ${(i / 3) | 0} names vertex ${I[i]} but the mesh has ${V} vertices`);
  onProgress?.(0);
  const flags = new Uint8Array(V);

  // Directed edges bucketed by their lower vertex (CSR). entry = half-edge id · 2 + (a < b).
  const start = new Int32Array(V + 1);
  let collapsed = 0;
  for (let t = 0; t < 3 * T; t += 3) {
    const a = I[t]!, b = I[t + 1]!, c = I[t + 2]!;
    if (a === b || b === c || a === c) {
      collapsed++;
      flags[a] = flags[b] = flags[c] = 1;
    }
    if (a !== b) start[(a < b ? a : b) + 1]!++;
    if (b !== c) start[(b < c ? b : c) + 1]!++;
    if (c !== a) start[(c < a ? c : a) + 1]!++;
  }
  for (let v = 0; v < V; v++) start[v + 1]! += start[v]!;
  const fill = start.slice(0, V);
  const n = start[V]!;
  const hiOf = new Int32Array(n), entry = new Int32Array(n);
  const put = (h: number, a: number, b: number): void => {
    if (a === b) return;
    const pos = a < b ? fill[a]!++ : fill[b]!++;
    hiOf[pos] = a < b ? b : a;
    entry[pos] = (h << 1) | (a < b ? 1 : 0);
  };
  for (let t = 0; t < 3 * T; t += 3) {
    const a = I[t]!, b = I[t + 1]!, c = I[t + 2]!;
    put(t, a, b);
    put(t + 1, b, c);
    put(t + 2, c, a);
  }
  checkAbort('meshTopology', signal);
  onProgress?.(0.25);

  // Union-find over triangles.
  const parent = new Int32Array(T);
  for (let t = 0; t < T; t++) parent[t] = t;
  const find = (x: number): number => {
    while (parent[x] !== x) {
      const g = parent[parent[x]!]!;
      parent[x] = g;
      x = g;
    }
    return x;
  };

  // Runs of equal (lo, hi): one undirected edge each. edgeFirstTriangle remembers a triangle per edge for the per-shell count.
  const edgeTriangle = new Int32Array(n);
  // twin[h]: the half-edge of the same edge in the other direction, on manifold edges (else -1).
  const twin = new Int32Array(3 * T).fill(-1);
  let edges = 0, open = 0, nonManifold = 0, misoriented = 0;
  for (let v = 0; v < V; v++) {
    const s = start[v]!, e = start[v + 1]!;
    for (let i = s + 1; i < e; i++) {
      const hk = hiOf[i]!, ek = entry[i]!;
      let j = i - 1;
      while (j >= s && hiOf[j]! > hk) {
        hiOf[j + 1] = hiOf[j]!;
        entry[j + 1] = entry[j]!;
        j--;
      }
      hiOf[j + 1] = hk;
      entry[j + 1] = ek;
    }
    for (let i = s; i < e; ) {
      const hk = hiOf[i]!;
      let j = i, forward = 0;
      const t0 = ((entry[i]! >> 1) / 3) | 0;
      while (j < e && hiOf[j] === hk) {
        const en = entry[j]!;
        forward += en & 1;
        if (j > i) {
          const ra = find(t0), rb = find(((en >> 1) / 3) | 0);
          if (ra !== rb) {
            if (ra < rb) parent[rb] = ra;
            else parent[ra] = rb;
          }
        }
        j++;
      }
      const count = j - i, backward = count - forward;
      edgeTriangle[edges++] = t0;
      let bad = false;
      if (count === 1) open++, (bad = true);
      else if (count > 2 || forward > 1 || backward > 1) nonManifold++, (bad = true);
      if (forward > 1 || backward > 1) misoriented++;
      if (bad) flags[v] = flags[hk] = 1;
      else {
        const h1 = entry[i]! >> 1, h2 = entry[i + 1]! >> 1;
        twin[h1] = h2;
        twin[h2] = h1;
      }
      i = j;
    }
  }
  checkAbort('meshTopology', signal);
  onProgress?.(0.5);

  // Shells numbered in order of their first triangle.
  const shellOf = new Int32Array(T);
  let shells = 0;
  for (let t = 0; t < T; t++) shellOf[t] = parent[t] === t ? shells++ : -1;
  for (let t = 0; t < T; t++) if (shellOf[t] === -1) shellOf[t] = shellOf[find(t)]!;
  const euler = new Int32Array(shells);
  for (let t = 0; t < T; t++) euler[shellOf[t]!]!++;
  // With every edge in two triangles, one each way, a duplicated face can only be a shell of
  // two triangles on the same three vertices (each edge of one is in the other): count those
  // and skip the face pass below.
  const shellTriangles = euler.slice();
  let twoTriangleShells = 0;
  for (let sh = 0; sh < shells; sh++) if (shellTriangles[sh] === 2) twoTriangleShells++;
  const edgesClean = open === 0 && nonManifold === 0;
  for (let k = 0; k < edges; k++) euler[shellOf[edgeTriangle[k]!]!]!--;

  // Vertices: each counts in the shell of its first triangle. Fans: on a vertex whose edges
  // are all manifold, rotate from one corner h (the half-edge v→b) to twin(prev(h)) until back
  // at h; fewer steps than the vertex has triangles means several fans.
  const firstCorner = new Int32Array(V).fill(-1), degree = new Int32Array(V), shellOfVertex = new Int32Array(V).fill(-1);
  for (let h = 3 * T - 1; h >= 0; h--) {
    const v = I[h]!;
    firstCorner[v] = h;
    degree[v]!++;
  }
  let nonManifoldVertices = 0;
  for (let v = 0; v < V; v++) {
    const h0 = firstCorner[v]!;
    if (h0 < 0) continue;
    const sh = shellOf[(h0 / 3) | 0]!;
    euler[sh]!++;
    shellOfVertex[v] = sh;
    if (flags[v] !== 0) continue;
    let h = h0, steps = 0;
    do {
      h = twin[h % 3 === 0 ? h + 2 : h - 1]!;
      steps++;
    } while (h !== h0 && h >= 0 && steps <= degree[v]!);
    if (steps !== degree[v]) {
      nonManifoldVertices++;
      flags[v] = 1;
    }
  }
  checkAbort('meshTopology', signal);
  onProgress?.(0.75);

  let duplicated = 0;
  if (edgesClean) {
    duplicated = twoTriangleShells;
    if (duplicated > 0) for (let t = 0; t < T; t++) if (shellTriangles[shellOf[t]!] === 2) {
      flags[I[3 * t]!] = flags[I[3 * t + 1]!] = flags[I[3 * t + 2]!] = 1;
    }
  } else {
    // Duplicated faces: bucket by the lowest vertex, compare the other two (sorted).
    const faceStart = new Int32Array(V + 1);
    for (let t = 0; t < T; t++) {
      const a = I[3 * t]!, b = I[3 * t + 1]!, c = I[3 * t + 2]!;
      faceStart[Math.min(a, b, c) + 1]!++;
    }
    for (let v = 0; v < V; v++) faceStart[v + 1]! += faceStart[v]!;
    const faceFill = faceStart.slice(0, V);
    const faceMid = new Int32Array(T), faceHi = new Int32Array(T);
    for (let t = 0; t < T; t++) {
      const a = I[3 * t]!, b = I[3 * t + 1]!, c = I[3 * t + 2]!;
      const lo = Math.min(a, b, c), hi = Math.max(a, b, c);
      const pos = faceFill[lo]!++;
      faceMid[pos] = a + b + c - lo - hi;
      faceHi[pos] = hi;
    }
    for (let v = 0; v < V; v++) {
      const s = faceStart[v]!, e = faceStart[v + 1]!;
      for (let i = s + 1; i < e; i++) {
        for (let j = s; j < i; j++) {
          if (faceMid[j] === faceMid[i] && faceHi[j] === faceHi[i]) {
            duplicated++;
            flags[v] = flags[faceMid[i]!] = flags[faceHi[i]!] = 1;
            break;
          }
        }
      }
    }
  }
  onProgress?.(1);

  return {
    edges,
    openEdges: open,
    nonManifoldEdges: nonManifold,
    misorientedEdges: misoriented,
    duplicatedFaces: duplicated,
    collapsedTriangles: collapsed,
    nonManifoldVertices,
    shells,
    shellEuler: euler,
    closedManifold: open === 0 && nonManifold === 0 && duplicated === 0 && collapsed === 0 && nonManifoldVertices === 0,
    ...(options.perVertex ? { defectiveVertices: flags, shellOfVertex } : {}),
  };
}
