/** Pure helpers of `<vb-mesh-scene>` (app/renderers/mesh-scene.ts): bounds, distances, the four-view layout. */
import type { MeshSceneData } from '../../kernel/protocol.ts';
import { isMeshData } from './mesh-geometry.ts';

export type Vec3 = [number, number, number];

/** Euclidean distance between two points, mm. */
export function distanceMm(a: readonly number[], b: readonly number[]): number {
  return Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!);
}

/** [xmin, xmax, ymin, ymax, zmin, zmax] over every part's vertices, mm; zeros when there are none. */
export function sceneBounds(parts: readonly { readonly positions: Float32Array }[]): [number, number, number, number, number, number] {
  const b: [number, number, number, number, number, number] = [Infinity, -Infinity, Infinity, -Infinity, Infinity, -Infinity];
  for (const { positions } of parts) {
    for (let i = 0; i < positions.length; i += 3) {
      for (let k = 0; k < 3; k++) {
        const v = positions[i + k]!;
        if (v < b[2 * k]!) b[2 * k] = v;
        if (v > b[2 * k + 1]!) b[2 * k + 1] = v;
      }
    }
  }
  return b[0] === Infinity ? [0, 0, 0, 0, 0, 0] : b;
}

/**
 * The four-view's renderers as vtk.js draws them (before the display's top-to-bottom flip), on a
 * 3 × 3 grid of the square canvas: [xmin, ymin, xmax, ymax], normalised, y up.
 * Order: top, right, bottom, left.
 */
export const FOUR_VIEW_VIEWPORTS: readonly (readonly [number, number, number, number])[] = [
  [1 / 3, 2 / 3, 2 / 3, 1],
  [2 / 3, 1 / 3, 1, 2 / 3],
  [1 / 3, 0, 2 / 3, 1 / 3],
  [0, 1 / 3, 1 / 3, 2 / 3],
];

/**
 * Cameras of the four renderers (LPS): `direction` is where the camera looks, `viewUp` the world
 * direction drawn up. Superior (+z) points away from the centre in every cell: top = anterior view
 * (from −y), right = the patient's left side (from +x), bottom = posterior (from +y), left = the
 * patient's right side (from −x).
 */
export const FOUR_VIEW_CAMERAS: readonly { readonly side: string; readonly direction: Vec3; readonly viewUp: Vec3 }[] = [
  { side: 'anterior', direction: [0, 1, 0], viewUp: [0, 0, 1] },
  { side: 'left', direction: [-1, 0, 0], viewUp: [0, -1, 0] },
  { side: 'posterior', direction: [0, -1, 0], viewUp: [0, 0, -1] },
  { side: 'right', direction: [1, 0, 0], viewUp: [0, -1, 0] },
];

/** Checks the shape of a several-mesh bundle's value (it crossed a worker boundary untyped). */
export function isMeshSceneData(value: unknown): value is MeshSceneData {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Partial<MeshSceneData>;
  return (s.layout === 'view' || s.layout === 'four') && Array.isArray(s.parts) && s.parts.length > 0
    && s.parts.every((p: unknown) => isMeshData(p) && typeof p.name === 'string' && Array.isArray(p.color) && typeof (p as { opacity?: unknown }).opacity === 'number');
}
