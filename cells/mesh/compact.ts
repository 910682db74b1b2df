/**
 * A mesh cut down to the vertices its triangles use: what decimation returns.
 */
import type { Mesh } from '../core/mesh.ts';

/**
 * The vertices `indices` uses, renumbered from 0 in first-use order (the order the triangles
 * name them), with their positions (mm, copied); `indices` itself is left as it was.
 * Shapes: `positions` 3 per vertex (ids < positions.length / 3), `indices` 3 per triangle.
 */
export function compactMesh(indices: Uint32Array, positions: Float32Array): Pick<Mesh, 'positions' | 'indices'> {
  const remap = new Int32Array(positions.length / 3).fill(-1);
  const owned = new Uint32Array(indices.length);
  let unique = 0;
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i]!;
    let to = remap[v]!;
    if (to < 0) remap[v] = to = unique++;
    owned[i] = to;
  }
  const out = new Float32Array(unique * 3);
  for (let v = 0; v < remap.length; v++) {
    const to = remap[v]!;
    if (to < 0) continue;
    out[3 * to] = positions[3 * v]!;
    out[3 * to + 1] = positions[3 * v + 1]!;
    out[3 * to + 2] = positions[3 * v + 2]!;
  }
  return { positions: out, indices: owned };
}
