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
