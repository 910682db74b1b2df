/**
 * What `voxbook info` prints about a loaded volume: its geometry, value statistics and a
 * hash of its voxels, so a scan can be checked before a print and compared across readers
 * (the DICOM conformance suite compares these figures with pydicom's).
 */
import { type Mat3, type Vec3, type Volume } from '../core/volume.ts';
import { sha256Hex } from './bytes.ts';

export interface VolumeInfo {
  readonly input: string;
  readonly format: string;
  readonly description: string;
  /** [nx, ny, nz] voxels. */
  readonly dims: Vec3;
  readonly spacingMm: Vec3;
  /** World position (LPS mm) of voxel (0, 0, 0). */
  readonly originMm: Vec3;
  /** Row-major 3×3; columns are the LPS directions of the i, j, k axes. */
  readonly direction: Mat3;
  readonly modality: string | null;
  readonly valueUnit: string | null;
  /** The typed array's element type ('Int16Array', 'Float32Array', …). */
  readonly dataType: string;
  /** After rescale (HU for CT). NaN voxels are skipped; `nanVoxels` counts them. */
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly nanVoxels: number;
  /** SHA-256 (hex) of the voxel array's bytes (little-endian, x fastest). */
  readonly voxelSha256: string;
  /** SHA-256 of the input file bytes as read (`VolumeSource.sha256`); '' for generated volumes. */
  readonly fileSha256: string;
  readonly warnings: readonly string[];
}

/** Geometry, statistics (min, max, mean after rescale) and voxel hash of `volume`. */
export async function volumeInfo(volume: Volume): Promise<VolumeInfo> {
  const a = volume.data;
  let min = Infinity, max = -Infinity, sum = 0, nan = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    if (x !== x) { nan++; continue; }
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
  }
  const counted = a.length - nan;
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  return {
    input: volume.source?.input ?? '',
    format: volume.source?.format ?? 'unknown',
    description: volume.source?.description ?? '',
    dims: [...volume.dims] as unknown as Vec3,
    spacingMm: [...volume.spacingMm] as unknown as Vec3,
    originMm: [...volume.originMm] as unknown as Vec3,
    direction: [...volume.direction] as unknown as Mat3,
    modality: volume.source?.modality ?? null,
    valueUnit: volume.source?.valueUnit ?? null,
    dataType: a.constructor.name,
    min: counted > 0 ? min : NaN,
    max: counted > 0 ? max : NaN,
    mean: counted > 0 ? sum / counted : NaN,
    nanVoxels: nan,
    voxelSha256: await sha256Hex(bytes),
    fileSha256: volume.source?.sha256 ?? '',
    warnings: [...(volume.source?.warnings ?? [])],
  };
}
