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
  /**
   * What the reader had to assume because the file did not say it, or said it in a way a
   * format documents a fallback for (a missing PixelSpacing read as 1 mm, say). Each is one
   * sentence for people. Notebooks show them in their first output and reports carry them;
   * a reader never falls back silently.
   */
  readonly warnings?: readonly string[];
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
 * Largest deviation of a direction matrix from orthonormal: max |(Dᵀ·D − I)ᵢⱼ|.
 * 0 for a rotation or reflection; NaN if an entry is not finite.
 */
export function orthonormalityError(m: Mat3): number {
  let worst = 0;
  for (let a = 0; a < 3; a++) {
    for (let b = 0; b < 3; b++) {
      const dot = m[a]! * m[b]! + m[3 + a]! * m[3 + b]! + m[6 + a]! * m[6 + b]!;
      const e = Math.abs(dot - (a === b ? 1 : 0));
      if (!(e <= worst)) worst = e; // NaN propagates
    }
  }
  return worst;
}

/**
 * How far a direction matrix may be from orthonormal and still count as one: DICOM's
 * ImageOrientationPatient is often written with 6 decimals and NIfTI's sform in float32,
 * which leaves errors near 1e-6; a shear or a scale left in the matrix is far above this.
 */
export const ORTHONORMAL_TOLERANCE = 1e-3;

/**
 * Builds a volume after checking its geometry (DESIGN.md §3): a print is only as right as
 * its spacing, so nothing here is clamped or guessed.
 * @throws GeometryError if dims are not positive integers, data length ≠ nx·ny·nz,
 *   a spacing is not finite and > 0, an origin coordinate is not finite, or the direction
 *   matrix is not orthonormal (columns of unit length at right angles, within
 *   `ORTHONORMAL_TOLERANCE`).
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
  if (v.spacingMm.length !== 3 || v.originMm.length !== 3 || v.direction.length !== 9) {
    throw new GeometryError(`spacingMm and originMm need 3 numbers and direction 9, got ${v.spacingMm.length}, ${v.originMm.length} and ${v.direction.length}`);
  }
  for (const o of v.originMm) {
    if (!Number.isFinite(o)) throw new GeometryError(`originMm must be finite, got [${v.originMm.join(', ')}]`);
  }
  const err = orthonormalityError(v.direction);
  if (!(err <= ORTHONORMAL_TOLERANCE)) {
    throw new GeometryError(`direction matrix is not orthonormal (largest deviation of DᵀD from I: ${err}): [${v.direction.join(', ')}]; a sheared or scaled grid needs resampling first`);
  }
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
