import type { Mesh } from '../core/mesh.ts';
import { view, type View } from './bundle.ts';

export interface MeshViewOptions {
  readonly name?: string;
  /** sRGB 0..255; default bone white. */
  readonly color?: readonly [number, number, number];
}

/**
 * An interactive 3D view of a mesh (`application/vnd.voxbook.mesh+json`: positions in LPS mm,
 * counter-clockwise outward triangles). The app renders it with vtk.js; text shows counts.
 */
export function meshView(mesh: Mesh, options: MeshViewOptions = {}): View<Mesh> {
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
        },
        'text/plain': `${options.name ?? 'mesh'}: ${triangles} triangles, ${mesh.positions.length / 3} vertices`,
      },
    };
  });
}
