import { GeometryError } from './errors.ts';

/**
 * A triangle mesh in world millimetres, patient LPS coordinates.
 * `indices` hold 3 vertex ids per triangle, counter-clockwise seen from outside
 * (so normals point outward and enclosed volume is positive).
 */
export interface Mesh {
  readonly positions: Float32Array;
  readonly indices: Uint32Array;
  readonly normals?: Float32Array;
  readonly labels?: Uint8Array;
}

/** Number of triangles: `indices.length / 3`. */
export function triangleCount(m: Mesh): number {
  return m.indices.length / 3;
}

/** Number of vertices: `positions.length / 3` (x, y, z per vertex). */
export function vertexCount(m: Mesh): number {
  return m.positions.length / 3;
}

export const EMPTY_MESH: Mesh = { positions: new Float32Array(0), indices: new Uint32Array(0) };

/** Most vertices a mesh may have: ids are uint32. */
export const MAX_MESH_VERTICES = 2 ** 32;

/**
 * Checks a mesh given to a stage or writer. Reads every coordinate and index once; every
 * mesh stage calls it first so that bad input fails with a typed error before any work.
 * @returns V (vertices) and T (triangles).
 * @throws GeometryError naming `stage` if the mesh is empty, has more than 2³² vertices,
 *   array lengths not multiples of 3, a non-finite coordinate, or an index ≥ V.
 */
export function checkMesh(mesh: Mesh, stage: string): { V: number; T: number } {
  const P = mesh.positions, I = mesh.indices;
  if (P.length % 3 !== 0 || I.length % 3 !== 0) {
    throw new GeometryError(`${stage}: positions (${P.length}) and indices (${I.length}) must both hold 3 numbers per vertex / triangle`);
  }
  const V = P.length / 3, T = I.length / 3;
  if (V > MAX_MESH_VERTICES) throw new GeometryError(`${stage}: ${V} vertices is more than 2^32, which uint32 indices cannot address; split the mesh into parts or decimate it`);
  if (V === 0 || T === 0) throw new GeometryError(`${stage}: the mesh is empty (${V} vertices, ${T} triangles); check the threshold or segmentation that made it`);
  // Scans without a branch per element (x − x is 0 only for finite x; the largest index is
  // compared once), then a second look only to name the culprit.
  let finite = 0;
  for (let i = 0; i < P.length; i++) {
    const x = P[i]!;
    finite += x - x;
  }
  if (finite !== 0) {
    const i = P.findIndex((x) => !Number.isFinite(x));
    throw new GeometryError(`${stage}: vertex ${(i / 3) | 0} has a non-finite coordinate (${P[i]}); fix the stage that produced it`);
  }
  // Over an int32 view (ids ≥ 2³¹ read negative; V − 1 < 2³¹ since 3V floats fit a Float32Array):
  // (V − 1 − v) | v is negative exactly when v is out of 0..V−1. Uint32 reads above 2³¹ would
  // leave V8's integer path.
  const ids = new Int32Array(I.buffer, I.byteOffset, I.length);
  let outside = 0;
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i]!;
    outside |= (V - 1 - v) | v;
  }
  if (outside < 0) {
    const i = I.findIndex((v) => v >= V);
    throw new GeometryError(`${stage}: triangle ${(i / 3) | 0} names vertex ${I[i]} but the mesh has ${V} vertices`);
  }
  return { V, T };
}

