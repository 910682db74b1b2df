/** Closed test meshes with known answers for the printability tests (outward winding unless asked). */
import type { Mesh } from '../../cells/core/mesh.ts';
import { mulberry32 } from '../../datasets/phantom.ts';

/**
 * A geodesic sphere: an icosahedron subdivided `level` times, vertices on radius `r` about
 * `center`. `jitter` (radians) moves each vertex direction a little at random (seeded) so no
 * ray runs exactly through a vertex or its antipode. `inward` reverses the winding.
 */
export function icosphere(r: number, level: number, options: { inward?: boolean; jitter?: number; seed?: number; center?: [number, number, number] } = {}): Mesh {
  const { inward = false, jitter = 0.002, seed = 1, center = [0, 0, 0] } = options;
  const g = (1 + Math.sqrt(5)) / 2;
  const dirs: number[][] = [[-1, g, 0], [1, g, 0], [-1, -g, 0], [1, -g, 0], [0, -1, g], [0, 1, g], [0, -1, -g], [0, 1, -g], [g, 0, -1], [g, 0, 1], [-g, 0, -1], [-g, 0, 1]];
  let faces: number[][] = [[0, 11, 5], [0, 5, 1], [0, 1, 7], [0, 7, 10], [0, 10, 11], [1, 5, 9], [5, 11, 4], [11, 10, 2], [10, 7, 6], [7, 1, 8], [3, 9, 4], [3, 4, 2], [3, 2, 6], [3, 6, 8], [3, 8, 9], [4, 9, 5], [2, 4, 11], [6, 2, 10], [8, 6, 7], [9, 8, 1]];
  const norm = (v: number[]) => { const n = Math.hypot(v[0]!, v[1]!, v[2]!); return [v[0]! / n, v[1]! / n, v[2]! / n]; };
  const verts = dirs.map(norm);
  for (let l = 0; l < level; l++) {
    const mid = new Map<string, number>();
    const m = (a: number, b: number) => {
      const k = a < b ? `${a},${b}` : `${b},${a}`;
      let i = mid.get(k);
      if (i === undefined) {
        i = verts.length;
        verts.push(norm([verts[a]![0]! + verts[b]![0]!, verts[a]![1]! + verts[b]![1]!, verts[a]![2]! + verts[b]![2]!]));
        mid.set(k, i);
      }
      return i;
    };
    faces = faces.flatMap(([a, b, c]) => { const ab = m(a!, b!), bc = m(b!, c!), ca = m(c!, a!); return [[a!, ab, ca], [b!, bc, ab], [c!, ca, bc], [ab, bc, ca]]; });
  }
  const rand = mulberry32(seed);
  const positions = new Float32Array(3 * verts.length);
  verts.forEach((v, i) => {
    const d = norm([v[0]! + jitter * (rand() - 0.5), v[1]! + jitter * (rand() - 0.5), v[2]! + jitter * (rand() - 0.5)]);
    for (let k = 0; k < 3; k++) positions[3 * i + k] = center[k]! + r * d[k]!;
  });
  const indices = new Uint32Array(faces.flatMap(([a, b, c]) => (inward ? [a!, c!, b!] : [a!, b!, c!])));
  return { positions, indices };
}

/** Two meshes as one (indices of `b` shifted). */
export function joinMeshes(a: Mesh, b: Mesh): Mesh {
  const positions = new Float32Array(a.positions.length + b.positions.length);
  positions.set(a.positions);
  positions.set(b.positions, a.positions.length);
  const V = a.positions.length / 3;
  const indices = new Uint32Array(a.indices.length + b.indices.length);
  indices.set(a.indices);
  for (let i = 0; i < b.indices.length; i++) indices[a.indices.length + i] = b.indices[i]! + V;
  return { positions, indices };
}

/** A torus about the z axis: ring radius R, tube radius r, a u × v quad grid (closed, genus 1). */
export function torus(R: number, r: number, u: number, v: number): Mesh {
  const positions = new Float32Array(3 * u * v);
  for (let i = 0; i < u; i++) for (let j = 0; j < v; j++) {
    const a = (2 * Math.PI * i) / u, b = (2 * Math.PI * j) / v, o = 3 * (i * v + j);
    positions[o] = (R + r * Math.cos(b)) * Math.cos(a);
    positions[o + 1] = (R + r * Math.cos(b)) * Math.sin(a);
    positions[o + 2] = r * Math.sin(b);
  }
  const idx: number[] = [];
  const id = (i: number, j: number) => (i % u) * v + (j % v);
  for (let i = 0; i < u; i++) for (let j = 0; j < v; j++) {
    const p = id(i, j), q = id(i + 1, j), s = id(i + 1, j + 1), t = id(i, j + 1);
    idx.push(p, q, s, p, s, t);
  }
  return { positions, indices: new Uint32Array(idx) };
}

/**
 * A closed prism: the polygon `xz` (counter-clockwise in the x–z plane, x right, z up)
 * extruded along y from 0 to `depth`. `cap` triangulates the polygon (indices into `xz`,
 * counter-clockwise); default a fan from its first vertex (for convex polygons).
 */
export function prismY(xz: ReadonlyArray<readonly [number, number]>, depth: number, cap?: ReadonlyArray<readonly [number, number, number]>): Mesh {
  const n = xz.length;
  const positions = new Float32Array(6 * n);
  xz.forEach(([x, z], i) => {
    positions.set([x, 0, z], 3 * i);
    positions.set([x, depth, z], 3 * (n + i));
  });
  const idx: number[] = [];
  // Caps: the front (y = 0) faces −y, the back faces +y.
  const tris = cap ?? Array.from({ length: n - 2 }, (_, i) => [0, i + 1, i + 2] as const);
  for (const [a, b, c] of tris) {
    idx.push(a, b, c);
    idx.push(n + a, n + c, n + b);
  }
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    idx.push(i, n + i, n + j, i, n + j, j);
  }
  return { positions, indices: new Uint32Array(idx) };
}

/** An axis-aligned box [0, sx] × [0, sy] × [0, sz] (12 triangles). */
export function box(sx: number, sy: number, sz: number): Mesh {
  return prismY([[0, 0], [sx, 0], [sx, sz], [0, sz]], sy);
}

/**
 * A "T" standing on its post: post x 15..25, z 0..20; slab x 0..40, z 20..30; depth `depth`
 * along y. As given, the slab's underside on both sides of the post (2 × 15 × depth mm²)
 * overhangs; upside down it rests on the slab and nothing overhangs.
 */
export function teeShape(depth: number): Mesh {
  const xz = [[15, 0], [25, 0], [25, 20], [40, 20], [40, 30], [0, 30], [0, 20], [15, 20]] as const;
  return prismY(xz, depth, [[0, 1, 2], [0, 2, 7], [5, 6, 7], [5, 7, 2], [5, 2, 3], [5, 3, 4]]);
}
