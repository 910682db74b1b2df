/**
 * Orientation of the three orthogonal planes of a volume in patient LPS (DICOM PS3.3
 * C.7.6.2.1.1: +x toward the patient's Left, +y Posterior, +z Superior), as radiologists read
 * them:
 * - axial: patient's right on the viewer's left, anterior at the top (seen from the feet);
 * - coronal: patient's right on the viewer's left, superior at the top (seen from the front);
 * - sagittal: anterior on the viewer's left, superior at the top (seen from the patient's left).
 *
 * The planes are index planes: each screen axis follows the volume's index axis nearest the
 * patient axis it stands for (the largest component of the direction matrix's column), flipped
 * when that index axis runs the other way. An oblique grid is shown unresampled, along its own
 * axes; its edge letters name the nearest patient direction. No DOM: pure arithmetic shared by
 * the headless PNG and the app's renderer.
 */
import { GeometryError } from '../core/errors.ts';
import type { Mat3, Vec3 } from '../core/volume.ts';

export type PlaneName = 'axial' | 'coronal' | 'sagittal';
export const PLANE_NAMES: readonly PlaneName[] = ['axial', 'coronal', 'sagittal'];

/** An index axis (0 = i, 1 = j, 2 = k) and whether it runs along (+1) or against (−1) a patient axis. */
export interface AxisMatch {
  readonly axis: 0 | 1 | 2;
  readonly sign: 1 | -1;
}

/**
 * For each patient axis x, y, z (LPS), the index axis nearest it.
 * @throws GeometryError when two index axes are nearest the same patient axis (a grid turned
 *   45° or more from every patient axis: the planes would not be axial, coronal and sagittal).
 */
export function patientAxes(direction: Mat3): readonly [AxisMatch, AxisMatch, AxisMatch] {
  const out: (AxisMatch | undefined)[] = [undefined, undefined, undefined];
  for (let a = 0 as 0 | 1 | 2; a < 3; a = (a + 1) as 0 | 1 | 2) {
    const col = [direction[a]!, direction[3 + a]!, direction[6 + a]!];
    let w = 0;
    for (let r = 1; r < 3; r++) if (Math.abs(col[r]!) > Math.abs(col[w]!)) w = r;
    if (out[w]) throw new GeometryError(`index axes ${'ijk'[out[w]!.axis]} and ${'ijk'[a]} are both nearest the patient ${'xyz'[w]} axis (direction ${direction.map((d) => +d.toFixed(3)).join(', ')}); the planes need a grid within 45° of LPS`);
    out[w] = { axis: a, sign: col[w]! < 0 ? -1 : 1 };
  }
  return out as [AxisMatch, AxisMatch, AxisMatch];
}

/** Letters of the patient directions: + and − end of x, y, z in LPS. */
const PLUS = ['L', 'P', 'S'] as const;
const MINUS = ['R', 'A', 'I'] as const;

/**
 * How one plane maps to voxels: screen column c (0 at the left) and row r (0 at the top) of a
 * `width` × `height` image show the voxel whose index along `colAxis` is `colFlip ? width−1−c : c`,
 * along `rowAxis` `rowFlip ? height−1−r : r`, and along `sliceAxis` the slice shown.
 * `colSpacingMm` / `rowSpacingMm`: the size of one image pixel across / down, mm.
 * `edges`: the patient direction each edge of the image faces.
 */
export interface PlaneLayout {
  readonly plane: PlaneName;
  readonly colAxis: 0 | 1 | 2;
  readonly rowAxis: 0 | 1 | 2;
  readonly sliceAxis: 0 | 1 | 2;
  readonly colFlip: boolean;
  readonly rowFlip: boolean;
  readonly width: number;
  readonly height: number;
  readonly colSpacingMm: number;
  readonly rowSpacingMm: number;
  readonly edges: { readonly top: string; readonly bottom: string; readonly left: string; readonly right: string };
}

/** Patient axis (0 x, 1 y, 2 z) and sense (+1: toward L/P/S) of a plane's columns (left → right) and rows (top → bottom). */
const SCREEN: Record<PlaneName, { readonly col: readonly [number, 1 | -1]; readonly row: readonly [number, 1 | -1]; readonly slice: number }> = {
  axial: { col: [0, 1], row: [1, 1], slice: 2 },
  coronal: { col: [0, 1], row: [2, -1], slice: 1 },
  sagittal: { col: [1, 1], row: [2, -1], slice: 0 },
};

/** The layout of `plane` for a grid. @throws GeometryError as `patientAxes`. */
export function planeLayout(plane: PlaneName, grid: { readonly dims: Vec3; readonly spacingMm: Vec3; readonly direction: Mat3 }): PlaneLayout {
  const axes = patientAxes(grid.direction);
  const s = SCREEN[plane];
  const col = axes[s.col[0]]!, row = axes[s.row[0]]!, slice = axes[s.slice]!;
  const letter = (w: number, sense: number) => (sense > 0 ? PLUS[w]! : MINUS[w]!);
  return {
    plane,
    colAxis: col.axis,
    rowAxis: row.axis,
    sliceAxis: slice.axis,
    colFlip: col.sign * s.col[1] < 0,
    rowFlip: row.sign * s.row[1] < 0,
    width: grid.dims[col.axis],
    height: grid.dims[row.axis],
    colSpacingMm: grid.spacingMm[col.axis],
    rowSpacingMm: grid.spacingMm[row.axis],
    edges: {
      left: letter(s.col[0], -s.col[1]),
      right: letter(s.col[0], s.col[1]),
      top: letter(s.row[0], -s.row[1]),
      bottom: letter(s.row[0], s.row[1]),
    },
  };
}

/** The voxel index shown at image pixel (c, r) of `layout` when the cursor (crosshair) is at `cursor`. */
export function pixelToIndex(layout: PlaneLayout, c: number, r: number, cursor: Vec3): Vec3 {
  const out: [number, number, number] = [cursor[0], cursor[1], cursor[2]];
  out[layout.colAxis] = layout.colFlip ? layout.width - 1 - c : c;
  out[layout.rowAxis] = layout.rowFlip ? layout.height - 1 - r : r;
  return out;
}

/** The image pixel (column, row) of `layout` that shows voxel `index` (its slice aside). */
export function indexToPixel(layout: PlaneLayout, index: Vec3): readonly [number, number] {
  const a = index[layout.colAxis], b = index[layout.rowAxis];
  return [layout.colFlip ? layout.width - 1 - a : a, layout.rowFlip ? layout.height - 1 - b : b];
}

/**
 * The continuous voxel index at image position (u, v) of `layout` — u, v in image pixels from
 * the image's top-left corner (pixel (c, r) covers [c, c+1) × [r, r+1), its voxel centre at
 * c + ½, r + ½) — on the slice of `cursor`. Inverse of `indexToPixel` plus ½ for any index.
 */
export function pointToIndex(layout: PlaneLayout, u: number, v: number, cursor: Vec3): Vec3 {
  return pixelToIndex(layout, u - 0.5, v - 0.5, cursor);
}
