/** Pure helpers turning a `VolumeViewData` output into what vtk.js draws (no DOM, no WebGL). */
import type { ClipPlane, CropIjk, VolumeViewData } from '../../cells/viz/volume-view.ts';
import type { Mat3, Vec3 } from '../../cells/core/volume.ts';

const TYPED = [Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array];

/** Whether `value` has the shape of a volume bundle's value (cells/viz/volume-view.ts). */
export function isVolumeData(value: unknown): value is VolumeViewData {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<VolumeViewData>;
  const dims = v.dims;
  return (
    TYPED.some((T) => v.data instanceof T) &&
    Array.isArray(dims) && dims.length === 3 &&
    (v.data as { length: number }).length === dims[0]! * dims[1]! * dims[2]! &&
    Array.isArray(v.spacingMm) && Array.isArray(v.originMm) && Array.isArray(v.direction) && v.direction.length === 9 &&
    typeof v.preset === 'string' && typeof v.transfer === 'object' && v.transfer !== null
  );
}

/** vtk.js's `setDirection` takes the axes' world directions one after another (column-major); ours is row-major. */
export function vtkDirection(m: Mat3): number[] {
  return [m[0], m[3], m[6], m[1], m[4], m[7], m[2], m[5], m[8]];
}

/**
 * The crop box's sides that cut in, as planes in world mm whose normals point into the kept box,
 * then the clipping plane (normal normalised).
 */
export function clipPlanesOf(v: Pick<VolumeViewData, 'dims' | 'spacingMm' | 'originMm' | 'direction'> & { cropIjk?: CropIjk; clipPlane?: ClipPlane }): ClipPlane[] {
  const planes: ClipPlane[] = [];
  const crop = v.cropIjk;
  if (crop) {
    for (let a = 0; a < 3; a++) {
      const axis: Vec3 = [v.direction[a]!, v.direction[3 + a]!, v.direction[6 + a]!];
      const at = (index: number): Vec3 => {
        const t = index * v.spacingMm[a]!;
        return [v.originMm[0] + axis[0] * t, v.originMm[1] + axis[1] * t, v.originMm[2] + axis[2] * t];
      };
      // Half a voxel outside the kept voxels, so they are whole.
      if (crop[2 * a]! > 0) planes.push({ originMm: at(crop[2 * a]! - 0.5), normal: axis });
      if (crop[2 * a + 1]! < v.dims[a]! - 1) planes.push({ originMm: at(crop[2 * a + 1]! + 0.5), normal: [-axis[0], -axis[1], -axis[2]] });
    }
  }
  if (v.clipPlane) {
    const n = v.clipPlane.normal, len = Math.hypot(...n);
    planes.push({ originMm: v.clipPlane.originMm, normal: [n[0] / len, n[1] / len, n[2] / len] });
  }
  return planes;
}

/** The centre of the volume's grid in world mm. */
export function centreMm(v: Pick<VolumeViewData, 'dims' | 'spacingMm' | 'originMm' | 'direction'>): Vec3 {
  const half = [0, 1, 2].map((a) => ((v.dims[a]! - 1) * v.spacingMm[a]!) / 2);
  const d = v.direction;
  return [
    v.originMm[0] + d[0] * half[0]! + d[1] * half[1]! + d[2] * half[2]!,
    v.originMm[1] + d[3] * half[0]! + d[4] * half[1]! + d[5] * half[2]!,
    v.originMm[2] + d[6] * half[0]! + d[7] * half[1]! + d[8] * half[2]!,
  ];
}

/** The world-mm bounds of the grid's voxel centres, `[xMin, xMax, yMin, yMax, zMin, zMax]` (LPS). */
export function boundsMm(v: Pick<VolumeViewData, 'dims' | 'spacingMm' | 'originMm' | 'direction'>): [number, number, number, number, number, number] {
  const b: [number, number, number, number, number, number] = [Infinity, -Infinity, Infinity, -Infinity, Infinity, -Infinity];
  const d = v.direction;
  for (let corner = 0; corner < 8; corner++) {
    const t = [0, 1, 2].map((a) => ((corner >> a) & 1 ? (v.dims[a]! - 1) * v.spacingMm[a]! : 0));
    for (let r = 0; r < 3; r++) {
      const w = v.originMm[r]! + d[3 * r]! * t[0]! + d[3 * r + 1]! * t[1]! + d[3 * r + 2]! * t[2]!;
      if (w < b[2 * r]!) b[2 * r] = w;
      if (w > b[2 * r + 1]!) b[2 * r + 1] = w;
    }
  }
  return b;
}

/** The plane that cuts `depthMm` off the front (anterior, −y in LPS) of `bounds`, keeping what lies behind. */
export function frontCutPlane(bounds: readonly number[], depthMm: number): ClipPlane {
  return { originMm: [0, bounds[2]! + depthMm, 0], normal: [0, 1, 0] };
}
