import { ParameterError } from '../core/errors.ts';
import type { Mesh } from '../core/mesh.ts';
import { checkMesh } from '../core/mesh.ts';
import { checkAbort, type StageOptions } from '../core/stage.ts';

/** The closed pieces of a mesh: each triangle's shell, and per shell its size and extent. */
export interface MeshShells {
  readonly count: number;
  /** Shell index (0-based) of each triangle. */
  readonly shellOfTriangle: Int32Array;
  /** Signed enclosed volume per shell, mm³: positive for a solid piece, negative for a cavity (inward winding). */
  readonly volumeMm3: Float64Array;
  readonly triangles: Int32Array;
  /** Per shell [minX, minY, minZ, maxX, maxY, maxZ], mm. */
  readonly bboxMm: Float64Array;
}

/**
 * Splits a welded mesh into shells: triangles joined through shared vertices (union-find with
 * path halving), then per shell the signed volume by the divergence theorem
 * (Σ p0 · (p1 × p2) / 6) and the bounding box.
 * Shapes: positions 3 per vertex (mm), indices 3 per triangle.
 * @throws AbortError when `signal` fires (checked between passes and every 2¹⁸ triangles).
 */
export function meshShells(mesh: Mesh, options: StageOptions = {}): MeshShells {
  checkMesh(mesh, 'meshShells');
  const P = mesh.positions, I = mesh.indices;
  const V = P.length / 3, T = I.length / 3;
  const { signal, onProgress } = options;
  onProgress?.(0);
  const parent = new Int32Array(V);
  for (let v = 0; v < V; v++) parent[v] = v;
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  };
  for (let t = 0; t < T; t++) {
    if ((t & 0x3ffff) === 0) checkAbort('meshShells', signal);
    const a = find(I[3 * t]!), b = find(I[3 * t + 1]!), c = find(I[3 * t + 2]!);
    if (b !== a) parent[b] = a;
    if (c !== a && c !== b) parent[c] = a;
    else if (c === b && b !== a) parent[find(c)] = a;
  }
  const shellOfRoot = new Int32Array(V).fill(-1);
  const shellOfTriangle = new Int32Array(T);
  let count = 0;
  for (let t = 0; t < T; t++) {
    const r = find(I[3 * t]!);
    if (shellOfRoot[r] === -1) shellOfRoot[r] = count++;
    shellOfTriangle[t] = shellOfRoot[r]!;
  }
  checkAbort('meshShells', signal);
  onProgress?.(0.5);
  const volumeMm3 = new Float64Array(count);
  const triangles = new Int32Array(count);
  const bboxMm = new Float64Array(6 * count);
  for (let s = 0; s < count; s++) bboxMm.set([Infinity, Infinity, Infinity, -Infinity, -Infinity, -Infinity], 6 * s);
  for (let t = 0; t < T; t++) {
    if ((t & 0x3ffff) === 0) checkAbort('meshShells', signal);
    const s = shellOfTriangle[t]!;
    const i = 3 * I[3 * t]!, j = 3 * I[3 * t + 1]!, k = 3 * I[3 * t + 2]!;
    const ax = P[i]!, ay = P[i + 1]!, az = P[i + 2]!, bx = P[j]!, by = P[j + 1]!, bz = P[j + 2]!, cx = P[k]!, cy = P[k + 1]!, cz = P[k + 2]!;
    volumeMm3[s]! += (ax * (by * cz - bz * cy) - ay * (bx * cz - bz * cx) + az * (bx * cy - by * cx)) / 6;
    triangles[s]!++;
    const b = 6 * s;
    for (const [x, y, z] of [[ax, ay, az], [bx, by, bz], [cx, cy, cz]] as const) {
      if (x < bboxMm[b]!) bboxMm[b] = x;
      if (y < bboxMm[b + 1]!) bboxMm[b + 1] = y;
      if (z < bboxMm[b + 2]!) bboxMm[b + 2] = z;
      if (x > bboxMm[b + 3]!) bboxMm[b + 3] = x;
      if (y > bboxMm[b + 4]!) bboxMm[b + 4] = y;
      if (z > bboxMm[b + 5]!) bboxMm[b + 5] = z;
    }
  }
  onProgress?.(1);
  return { count, shellOfTriangle, volumeMm3, triangles, bboxMm };
}

/**
 * True when point q is inside the shell made of `shellTriangles`: parity of crossings of the ray q + t·(1, ε1, ε2), t > 0,
 * with the shell's triangles (Möller & Trumbore 1997, doi:10.1080/10867651.1997.10487468).
 * The slightly tilted ray avoids passing exactly through the grid-aligned edges of an isosurface.
 */
function insideShell(mesh: Mesh, shellTriangles: Int32Array, qx: number, qy: number, qz: number): boolean {
  const P = mesh.positions, I = mesh.indices;
  const dx = 1, dy = 1.3e-4, dz = 2.9e-4;
  let crossings = 0;
  for (const t of shellTriangles) {
    const i = 3 * I[3 * t]!, j = 3 * I[3 * t + 1]!, k = 3 * I[3 * t + 2]!;
    const e1x = P[j]! - P[i]!, e1y = P[j + 1]! - P[i + 1]!, e1z = P[j + 2]! - P[i + 2]!;
    const e2x = P[k]! - P[i]!, e2y = P[k + 1]! - P[i + 1]!, e2z = P[k + 2]! - P[i + 2]!;
    const px = dy * e2z - dz * e2y, py = dz * e2x - dx * e2z, pz = dx * e2y - dy * e2x;
    const det = e1x * px + e1y * py + e1z * pz;
    if (Math.abs(det) < 1e-12) continue;
    const inv = 1 / det;
    const tx = qx - P[i]!, ty = qy - P[i + 1]!, tz = qz - P[i + 2]!;
    const u = (tx * px + ty * py + tz * pz) * inv;
    if (u < 0 || u > 1) continue;
    const rx = ty * e1z - tz * e1y, ry = tz * e1x - tx * e1z, rz = tx * e1y - ty * e1x;
    const v = (dx * rx + dy * ry + dz * rz) * inv;
    if (v < 0 || u + v > 1) continue;
    if ((e2x * rx + e2y * ry + e2z * rz) * inv > 0) crossings++;
  }
  return (crossings & 1) === 1;
}

export interface ShellRemoval {
  readonly mesh: Mesh;
  /** Solid shells removed (volume < minVolumeMm3), and cavities removed with them. */
  readonly removedShells: number;
  readonly removedCavities: number;
  readonly removedVolumeMm3: number;
  readonly keptShells: number;
}

/**
 * Removes loose pieces from a closed mesh: solid shells (positive volume) smaller than
 * `minVolumeMm3`, and the cavities (negative shells) that lie inside a removed piece. It is the
 * mesh-level twin of `removeIslands`: voxels that touch only at an edge or a corner are one
 * 26-connected component, but the isosurface keeps them apart (it separates diagonal inside
 * corners), so on the print they are separate pieces and would fall off.
 * @throws ParameterError if minVolumeMm3 is negative or not finite.
 */
export function removeSmallShells(mesh: Mesh, options: { readonly minVolumeMm3: number }): ShellRemoval {
  checkMesh(mesh, 'removeSmallShells');
  const { minVolumeMm3 } = options;
  if (!Number.isFinite(minVolumeMm3) || minVolumeMm3 < 0) throw new ParameterError(`minVolumeMm3 must be a finite number ≥ 0, got ${minVolumeMm3}`);
  const shells = meshShells(mesh);
  const drop = new Uint8Array(shells.count);
  const small: number[] = [];
  let removedShells = 0, removedCavities = 0, removedVolumeMm3 = 0;
  for (let s = 0; s < shells.count; s++) {
    if (shells.volumeMm3[s]! > 0 && shells.volumeMm3[s]! < minVolumeMm3) {
      drop[s] = 1;
      small.push(s);
      removedShells++;
      removedVolumeMm3 += shells.volumeMm3[s]!;
    }
  }
  if (small.length > 0) {
    // A cavity belongs to a removed piece if one of its vertices lies inside that piece.
    const firstVertex = new Int32Array(shells.count).fill(-1);
    for (let t = 0; t < shells.shellOfTriangle.length; t++) {
      const s = shells.shellOfTriangle[t]!;
      if (firstVertex[s] === -1) firstVertex[s] = mesh.indices[3 * t]!;
    }
    // Triangles of each small piece, gathered once: each containment test then costs only its own.
    const smallIndex = new Int32Array(shells.count).fill(-1);
    small.forEach((sh, n) => (smallIndex[sh] = n));
    const lists = small.map((sh) => new Int32Array(shells.triangles[sh]!));
    const fill = new Int32Array(small.length);
    shells.shellOfTriangle.forEach((sh, t) => {
      const n = smallIndex[sh]!;
      if (n >= 0) lists[n]![fill[n]!++] = t;
    });
    const B = shells.bboxMm;
    for (let c = 0; c < shells.count; c++) {
      if (shells.volumeMm3[c]! >= 0) continue;
      const v = 3 * firstVertex[c]!;
      const qx = mesh.positions[v]!, qy = mesh.positions[v + 1]!, qz = mesh.positions[v + 2]!;
      for (let n = 0; n < small.length; n++) {
        const b = 6 * small[n]!;
        if (qx < B[b]! || qy < B[b + 1]! || qz < B[b + 2]! || qx > B[b + 3]! || qy > B[b + 4]! || qz > B[b + 5]!) continue;
        if (insideShell(mesh, lists[n]!, qx, qy, qz)) {
          drop[c] = 1;
          removedCavities++;
          removedVolumeMm3 += shells.volumeMm3[c]!;
          break;
        }
      }
    }
  }
  const kept = compactMesh(mesh, (t) => drop[shells.shellOfTriangle[t]!] === 0);
  return { mesh: kept, removedShells, removedCavities, removedVolumeMm3, keptShells: shells.count - removedShells - removedCavities };
}

/** The triangles for which `keep(t)` holds, with unused vertices dropped and indices renumbered. */
function compactMesh(mesh: Mesh, keep: (t: number) => boolean): Mesh {
  const I = mesh.indices, P = mesh.positions;
  const T = I.length / 3;
  const newId = new Int32Array(P.length / 3).fill(-1);
  let vertices = 0, triangles = 0;
  for (let t = 0; t < T; t++) if (keep(t)) {
    triangles++;
    for (let c = 0; c < 3; c++) if (newId[I[3 * t + c]!] === -1) newId[I[3 * t + c]!] = vertices++;
  }
  if (triangles === T) return mesh;
  const positions = new Float32Array(3 * vertices);
  for (let v = 0; v < newId.length; v++) if (newId[v]! >= 0) positions.set(P.subarray(3 * v, 3 * v + 3), 3 * newId[v]!);
  const indices = new Uint32Array(3 * triangles);
  let o = 0;
  for (let t = 0; t < T; t++) if (keep(t)) for (let c = 0; c < 3; c++) indices[o++] = newId[I[3 * t + c]!]!;
  return { positions, indices };
}
