/** Pure helpers turning a `MeshData` output into what vtk.js draws. */
import type { MeshData } from '../../kernel/protocol.ts';

/** Default surface colour for bone, sRGB 0..1. */
export const BONE_RGB: readonly [number, number, number] = [0.89, 0.855, 0.79];

/**
 * vtk's flat cell array for triangles: `[3, a, b, c, 3, d, e, f, …]`.
 * @throws RangeError when `indices` is not a whole number of triangles or refers to a
 *   vertex past `vertexCount`.
 */
export function trianglesToCellArray(indices: Uint32Array, vertexCount: number): Uint32Array {
  if (indices.length % 3 !== 0) throw new RangeError(`mesh has ${indices.length} indices, not a multiple of 3`);
  const n = indices.length / 3;
  const cells = new Uint32Array(4 * n);
  for (let t = 0, i = 0, o = 0; t < n; t++) {
    const a = indices[i++]!, b = indices[i++]!, c = indices[i++]!;
    if (a >= vertexCount || b >= vertexCount || c >= vertexCount) {
      throw new RangeError(`triangle ${t} refers to vertex ${Math.max(a, b, c)} of ${vertexCount}`);
    }
    cells[o++] = 3;
    cells[o++] = a;
    cells[o++] = b;
    cells[o++] = c;
  }
  return cells;
}

/** Axis-aligned extent of the vertices in mm, [x, y, z]; zeros for an empty mesh. */
export function extentMm(positions: Float32Array): [number, number, number] {
  if (positions.length < 3) return [0, 0, 0];
  const lo = [Infinity, Infinity, Infinity], hi = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < positions.length; i += 3) {
    for (let k = 0; k < 3; k++) {
      const v = positions[i + k]!;
      if (v < lo[k]!) lo[k] = v;
      if (v > hi[k]!) hi[k] = v;
    }
  }
  return [hi[0]! - lo[0]!, hi[1]! - lo[1]!, hi[2]! - lo[2]!];
}

/** sRGB 0..255 → 0..1, or bone when absent. */
export function meshColor(mesh: Pick<MeshData, 'color'>): [number, number, number] {
  const c = mesh.color;
  return c ? [c[0] / 255, c[1] / 255, c[2] / 255] : [...BONE_RGB];
}

/**
 * The mesh's per-vertex colours (sRGB 0..255, r g b per vertex), or undefined when it has none.
 * @throws RangeError when `colors` is not a Uint8Array of 3 bytes per vertex.
 */
export function vertexColors(mesh: Pick<MeshData, 'colors' | 'positions'>): Uint8Array | undefined {
  const c = mesh.colors;
  if (c === undefined) return undefined;
  if (!(c instanceof Uint8Array) || c.length !== mesh.positions.length) {
    throw new RangeError(`mesh colours: expected 3 bytes per vertex (${mesh.positions.length}), got ${c instanceof Uint8Array ? c.length : typeof c}`);
  }
  return c;
}

/** Checks the shape of a mesh bundle's value (it crossed a worker boundary untyped). */
export function isMeshData(value: unknown): value is MeshData {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Partial<MeshData>;
  return m.positions instanceof Float32Array && m.indices instanceof Uint32Array && typeof m.triangles === 'number';
}

/** "678,480 triangles · 171 × 205 × 160 mm" */
export function describeMesh(mesh: MeshData): string {
  const [x, y, z] = extentMm(mesh.positions);
  const mm = [x, y, z].map((v) => v.toFixed(0)).join(' × ');
  return `${mesh.triangles.toLocaleString('en-US')} triangles · ${mm} mm`;
}
