import { ParameterError } from '../core/errors.ts';
import type { Mesh } from '../core/mesh.ts';
import { view, type View } from './bundle.ts';

export interface MeshViewOptions {
  readonly name?: string;
  /** sRGB 0..255; default bone white. */
  readonly color?: readonly [number, number, number];
  /** Per-vertex sRGB 0..255, 3 bytes per vertex (r, g, b); drawn instead of `color` when given. */
  readonly vertexColors?: Uint8Array;
}

/**
 * An interactive 3D view of a mesh (`application/vnd.voxbook.mesh+json`: positions in LPS mm,
 * counter-clockwise outward triangles; optional `colors`, 3 bytes per vertex). The app renders it
 * with vtk.js; text shows counts.
 * @throws ParameterError when `vertexColors` does not hold 3 bytes per vertex.
 */
export function meshView(mesh: Mesh, options: MeshViewOptions = {}): View<Mesh> {
  const colors = options.vertexColors;
  if (colors && colors.length !== mesh.positions.length) {
    throw new ParameterError(`meshView: vertexColors has ${colors.length} bytes; give 3 (r, g, b) per vertex = ${mesh.positions.length}`);
  }
  return view(mesh, () => {
    const triangles = mesh.indices.length / 3;
    return {
      data: {
        'application/vnd.voxbook.mesh+json': {
          positions: mesh.positions,
          indices: mesh.indices,
          triangles,
          color: options.color ?? [241, 230, 210],
          name: options.name ?? 'mesh',
          ...(colors ? { colors } : {}),
        },
        'text/plain': `${options.name ?? 'mesh'}: ${triangles} triangles, ${mesh.positions.length / 3} vertices`,
      },
    };
  });
}
