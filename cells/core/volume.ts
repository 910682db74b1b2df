import { GeometryError } from './errors.ts';

/** Typed arrays a volume may hold, x fastest. */
export type VoxelArray =
  | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

/** A 3×3 matrix, row-major: `m[3*r + c]`. Columns are the world directions of the i, j, k axes. */
export type Mat3 = readonly [number, number, number, number, number, number, number, number, number];

export type Vec3 = readonly [number, number, number];

/** Where a volume came from, for reports and provenance. */
export interface VolumeSource {
  /** Path, URL or sample id as the user gave it. */
  readonly input: string;
  /** `dicom` | `nifti` | `inv3` | `phantom` | …: the reader that made it. */
  readonly format: string;
  /** SHA-256 (hex) of the bytes read, in a fixed order; '' for generated volumes. */
  readonly sha256: string;
  /** One line for people: "head CT ProMED 0051 (InVesalius sample)", "synthetic head phantom …". */
  readonly description: string;
  /**
   * Imaging modality as DICOM's Modality tag (0008,0060) spells it: 'CT', 'MR', 'PT', ….
   * DICOM: the tag's value; `.inv3`: main.plist's `modality` ('CT' for the samples);
   * the head phantom: 'CT'; NIfTI: undefined (its header has no modality field).
   * Undefined when the file does not say: readers never guess it.
   */
  readonly modality?: string;
  /**
   * Unit of the voxel values when the reader knows it: 'HU' (Hounsfield units) for CT
   * with the DICOM rescale applied, for `.inv3` CT projects and for the head phantom;
   * undefined otherwise (MR signal, NIfTI, …). Stages that take HU thresholds only mean
   * what they say when this is 'HU'.
   */
  readonly valueUnit?: string;
}

/**
 * A scalar volume on a regular grid (DESIGN.md §3).
 * - `data[i + nx*(j + ny*k)]` is voxel (i, j, k): x fastest.
 * - World (patient LPS, mm) = originMm + direction · (index ∘ spacingMm).
 * - For CT, values are Hounsfield units (rescale already applied).
 */
export interface Volume<T extends VoxelArray = VoxelArray> {
  readonly data: T;
  readonly dims: Vec3;
  readonly spacingMm: Vec3;
  readonly originMm: Vec3;
  readonly direction: Mat3;
  readonly source?: VolumeSource;
}

export const IDENTITY3: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

/** Number of voxels. */
export function voxelCount(v: { readonly dims: Vec3 }): number {
  return v.dims[0] * v.dims[1] * v.dims[2];
}

/** Volume of one voxel, mm³. */
export function voxelVolumeMm3(v: { readonly spacingMm: Vec3 }): number {
  return v.spacingMm[0] * v.spacingMm[1] * v.spacingMm[2];
}

/** Determinant of a row-major 3×3 matrix. */
export function det3(m: Mat3): number {
  return (
    m[0] * (m[4] * m[8] - m[5] * m[7]) -
    m[1] * (m[3] * m[8] - m[5] * m[6]) +
    m[2] * (m[3] * m[7] - m[4] * m[6])
  );
}

/**
 * Builds a volume after checking its geometry.
 * @throws GeometryError if dims are not positive integers, data length ≠ nx·ny·nz,
 *   a spacing is not finite and > 0, or the direction matrix is singular.
 */
export function makeVolume<T extends VoxelArray>(v: Volume<T>): Volume<T> {
  const [nx, ny, nz] = v.dims;
  for (const n of v.dims) {
    if (!Number.isInteger(n) || n <= 0) throw new GeometryError(`dims must be positive integers, got [${v.dims.join(', ')}]`);
  }
  if (v.data.length !== nx * ny * nz) {
    throw new GeometryError(`data holds ${v.data.length} voxels but dims [${nx}, ${ny}, ${nz}] need ${nx * ny * nz}`);
  }
  for (const s of v.spacingMm) {
    if (!Number.isFinite(s) || s <= 0) throw new GeometryError(`spacingMm must be finite and > 0, got [${v.spacingMm.join(', ')}]`);
  }
  if (Math.abs(det3(v.direction)) < 1e-6) throw new GeometryError(`direction matrix is singular: [${v.direction.join(', ')}]`);
  return v;
}

/** A volume with the same geometry as `like` and new data (checked for length). */
export function withData<T extends VoxelArray>(like: Volume, data: T): Volume<T> {
  return makeVolume({ data, dims: like.dims, spacingMm: like.spacingMm, originMm: like.originMm, direction: like.direction, source: like.source });
}

/** World position (LPS mm) of a continuous index (i, j, k). */
export function indexToWorld(v: Volume, i: number, j: number, k: number): Vec3 {
  const d = v.direction, s = v.spacingMm, o = v.originMm;
  const x = i * s[0], y = j * s[1], z = k * s[2];
  return [o[0] + d[0] * x + d[1] * y + d[2] * z, o[1] + d[3] * x + d[4] * y + d[5] * z, o[2] + d[6] * x + d[7] * y + d[8] * z];
}

/** Minimum and maximum of the data (NaN-free data assumed; NaN is skipped). */
export function valueRange(v: Volume): { min: number; max: number } {
  const a = v.data;
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { min, max };
}
