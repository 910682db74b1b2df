/**
 * NIfTI-1 single-file images (`.nii`, `.nii.gz`) from LPS volumes: the inverse of
 * `parseNifti` (nifti.ts), for masks, label maps and probability maps that other tools
 * (nibabel, ITK-SNAP, FSL, 3D Slicer) must open on the same grid as the input.
 *
 * Geometry (nifti1.h, "3D IMAGE (VOLUME) ORIENTATION AND LOCATION IN SPACE"): NIfTI world
 * coordinates are RAS+, Voxbook's are LPS, and RAS = diag(−1, −1, 1) · LPS. With
 * D the volume's direction, s its spacing and o its origin (all LPS, mm), the voxel → RAS
 * affine is
 *   A[:, c] = F · D[:, c] · s[c]  (c = 0, 1, 2),  A[:, 3] = F · o,  F = diag(−1, −1, 1),
 * which is what the reader inverts. Both transforms are written:
 * - the sform ("method 3"): srow_x/y/z = the rows of A (float32);
 * - the qform ("method 2"): pixdim[1..3] = s, and R = F · D written as a unit quaternion
 *   (b, c, d) with a ≥ 0 and qfac = pixdim[0] = det(R) (±1); when det(R) = −1 (a mirrored grid)
 *   R's third column is negated first, as nifti1.h prescribes. The quaternion comes from R by
 *   the branch on its largest diagonal combination (S. W. Shepperd, "Quaternion from rotation
 *   matrix", J. Guidance and Control 1(3):223–224, 1978, doi:10.2514/3.55767), which keeps
 *   its precision for every rotation, 180° turns included. A limit of the format, not of this
 *   code: readers rebuild a = √(1 − b² − c² − d²) from float32 b, c, d, so when R is within
 *   about 1° of a half turn but not one (an axial grid turned a little in plane: R = F·D is
 *   then a half turn about z), the qform alone is off by up to ~2e-4 rad (measured: the whole
 *   of a 0.01° turn). The sform holds such grids to float32 precision, and readers that
 *   prefer it (ours, nibabel, FSL, recent ITK) are unaffected.
 * The codes: qform_code 1 (NIFTI_XFORM_SCANNER_ANAT) — a Volume's LPS frame is the patient
 * frame of the scanner as DICOM defines it, which is what nifti1.h says the qform is for
 * (dcm2niix writes 1 too); sform_code 2 (NIFTI_XFORM_ALIGNED_ANAT, nibabel's default) — the
 * same grid as the image the volume was computed from, "aligned to another file's"
 * coordinates. When the data lives in a template space, say so with `sformCode` (3 Talairach,
 * 4 MNI-152, 5 other template: Colin27's `ch2.nii.gz` is written with 4). Readers that prefer
 * either transform (nibabel and FSL the sform, older ITK the qform) get the same grid.
 *
 * Other fields: dim = [3, nx, ny, nz, 1, 1, 1, 1]; datatype and bitpix from the typed array;
 * xyzt_units = 2 (NIFTI_UNITS_MM, no time unit); scl_slope 1, scl_inter 0 (values are stored
 * as they are); cal_min/cal_max = the smallest and largest finite value (display range; 0/0, "unset",
 * when that range does not fit float32);
 * vox_offset 352 with the four extension bytes zero (no extensions); magic "n+1\0";
 * little-endian. gzip by fflate's `gzipSync` with MTIME 0, so the same volume always gives
 * the same bytes.
 */
import { gzipSync } from 'fflate';
import { GeometryError, ParameterError } from '../core/errors.ts';
import { det3, makeVolume, type Mat3, type VoxelArray, type Volume } from '../core/volume.ts';

export interface EncodeNiftiOptions {
  /** gzip the file (`.nii.gz`). Default true. */
  readonly compress?: boolean;
  /** Header `descrip`: printable ASCII, at most 79 characters. Default: none. */
  readonly description?: string;
  /**
   * sform_code: 1 scanner_anat, 2 aligned_anat (default), 3 talairach, 4 mni_152,
   * 5 template_other (nifti1.h). The qform_code is always 1 (see the module comment).
   */
  readonly sformCode?: 1 | 2 | 3 | 4 | 5;
  /** gzip level 0–9 (fflate). Default 6, zlib's default. */
  readonly level?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
}

/** NIfTI-1 header size, and where the voxels start (header + 4 extension bytes). */
const HEADER_BYTES = 348;
const VOX_OFFSET = 352;

/** The NIfTI datatype code and size of each typed array Voxbook volumes hold (nifti1.h). */
function datatypeOf(data: VoxelArray): { code: number; bytes: number; name: string } {
  if (data instanceof Uint8Array) return { code: 2, bytes: 1, name: 'uint8' };
  if (data instanceof Int8Array) return { code: 256, bytes: 1, name: 'int8' };
  if (data instanceof Int16Array) return { code: 4, bytes: 2, name: 'int16' };
  if (data instanceof Uint16Array) return { code: 512, bytes: 2, name: 'uint16' };
  if (data instanceof Int32Array) return { code: 8, bytes: 4, name: 'int32' };
  if (data instanceof Uint32Array) return { code: 768, bytes: 4, name: 'uint32' };
  if (data instanceof Float32Array) return { code: 16, bytes: 4, name: 'float32' };
  if (data instanceof Float64Array) return { code: 64, bytes: 8, name: 'float64' };
  throw new ParameterError(`encodeNifti: volume.data is a ${(data as object)?.constructor?.name ?? typeof data}, not one of the typed arrays a NIfTI-1 file can hold (Uint8, Int8, Int16, Uint16, Int32, Uint32, Float32, Float64Array)`);
}

/**
 * The voxel → RAS (mm) affine of a volume, as 3 rows of 4: the matrix `encodeNifti` writes as
 * the sform, and the one nibabel's `img.affine` gives for the file (to float32 precision).
 * A[:, c] = F·D[:, c]·s[c], A[:, 3] = F·o with F = diag(−1, −1, 1) (LPS → RAS).
 */
export function rasAffine(volume: Pick<Volume, 'spacingMm' | 'originMm' | 'direction'>): number[][] {
  const d = volume.direction, s = volume.spacingMm, o = volume.originMm;
  const rows: number[][] = [];
  for (let r = 0; r < 3; r++) {
    const f = r < 2 ? -1 : 1;
    // + 0 turns −0 into 0, so flipped zeros compare and print cleanly.
    rows.push([f * d[3 * r]! * s[0] + 0, f * d[3 * r + 1]! * s[1] + 0, f * d[3 * r + 2]! * s[2] + 0, f * o[r]! + 0]);
  }
  return rows;
}

/**
 * Unit quaternion (b, c, d) with a ≥ 0 of a rotation matrix R (row-major, det +1), by
 * Shepperd's method: the largest of 1 + tr R, 1 + 2R₀₀ − tr R, … picks the component computed
 * from a square root, the others come from off-diagonal sums and differences over it.
 */
function quaternion(R: Mat3): [number, number, number] {
  const [r00, r01, r02, r10, r11, r12, r20, r21, r22] = R;
  const tr = r00 + r11 + r22;
  let a: number, b: number, c: number, d: number;
  const cands = [1 + tr, 1 + 2 * r00 - tr, 1 + 2 * r11 - tr, 1 + 2 * r22 - tr];
  let best = 0;
  for (let i = 1; i < 4; i++) if (cands[i]! > cands[best]!) best = i;
  const t = 2 * Math.sqrt(Math.max(cands[best]!, 0)); // = 4·|component|
  if (best === 0) {
    a = t / 4; b = (r21 - r12) / t; c = (r02 - r20) / t; d = (r10 - r01) / t;
  } else if (best === 1) {
    b = t / 4; a = (r21 - r12) / t; c = (r01 + r10) / t; d = (r02 + r20) / t;
  } else if (best === 2) {
    c = t / 4; a = (r02 - r20) / t; b = (r01 + r10) / t; d = (r12 + r21) / t;
  } else {
    d = t / 4; a = (r10 - r01) / t; b = (r02 + r20) / t; c = (r12 + r21) / t;
  }
  // q and −q are the same rotation; nifti1.h stores the one with a ≥ 0 (a is not written).
  const n = Math.hypot(a, b, c, d) * (a < 0 ? -1 : 1);
  return [b / n, c / n, d / n];
}

/**
 * A NIfTI-1 single file (`.nii.gz` by default, `.nii` with `compress: false`) holding the
 * volume on its own grid: dims, spacing, origin and direction such that `parseNifti` gives
 * them back (to float32 precision: about 6e-8 relative) and nibabel, ITK-SNAP and FSL place
 * every voxel at the same world point. Voxels are written as stored, in their own type.
 *
 * Shapes: `volume.data` x fastest, length nx·ny·nz, one of Uint8, Int8, Int16, Uint16, Int32,
 * Uint32, Float32, Float64Array (NIfTI datatypes 2, 256, 4, 512, 8, 768, 16, 64). Units: mm.
 * Header: see the module comment (sform and qform both set; qform_code 1, sform_code 2 unless
 * `options.sformCode`; xyzt_units mm; scl_slope 1, scl_inter 0; cal_min/cal_max the finite
 * value range, or 0/0 — unset — when it does not fit float32). Format: NIfTI-1 (nifti1.h, NIfTI DFWG 2004); gzip RFC 1952 via fflate.
 * Use `download(name, bytes)` (cells/viz) to hand the file to the user or a headless run.
 *
 * @returns the file's bytes.
 * @throws GeometryError if the volume's geometry is invalid (see `makeVolume`: dims, data
 *   length, spacing, origin, a direction that is not orthonormal), or an axis has more than
 *   32767 voxels (NIfTI-1 stores dims as int16; NIfTI-2 would be needed).
 * @throws ParameterError for a data array of another type, a description that is not
 *   printable ASCII or longer than 79 characters, an sformCode other than 1–5, or a level
 *   outside 0–9.
 */
export function encodeNifti(volume: Volume, options: EncodeNiftiOptions = {}): Uint8Array {
  const v = makeVolume(volume);
  const dt = datatypeOf(v.data);
  const { compress = true, description = '', sformCode = 2, level = 6 } = options;
  if (![1, 2, 3, 4, 5].includes(sformCode)) throw new ParameterError(`encodeNifti: sformCode must be 1 (scanner_anat), 2 (aligned_anat), 3 (talairach), 4 (mni_152) or 5 (template_other), got ${sformCode}`);
  if (!(Number.isInteger(level) && level >= 0 && level <= 9)) throw new ParameterError(`encodeNifti: level must be an integer 0–9, got ${level}`);
  if (description.length > 79 || !/^[\x20-\x7e]*$/.test(description)) {
    throw new ParameterError(`encodeNifti: description must be printable ASCII of at most 79 characters (the header's 80-byte descrip field, zero-terminated), got ${description.length} characters${/^[\x20-\x7e]*$/.test(description) ? '' : ' including others'}; shorten it or drop the other characters`);
  }
  const [nx, ny, nz] = v.dims;
  if (Math.max(nx, ny, nz) > 32767) {
    throw new GeometryError(`encodeNifti: dims [${nx}, ${ny}, ${nz}] do not fit NIfTI-1, which stores each axis size as an int16 (≤ 32767); crop or resample the volume first`);
  }

  const n = nx * ny * nz;
  const out = new Uint8Array(VOX_OFFSET + n * dt.bytes);
  const h = new DataView(out.buffer);
  const le = true;
  h.setInt32(0, HEADER_BYTES, le); // sizeof_hdr
  out[38] = 0x72; // regular = 'r' (unused by NIfTI; ANALYZE 7.5 compatibility, as nibabel writes)
  const dim = [3, nx, ny, nz, 1, 1, 1, 1];
  dim.forEach((x, i) => h.setInt16(40 + 2 * i, x, le));
  h.setInt16(70, dt.code, le); // datatype
  h.setInt16(72, 8 * dt.bytes, le); // bitpix

  // qform: R = F·D, mirrored grids (det −1) through qfac = −1 and R's third column negated.
  const D = v.direction;
  const R = [-D[0], -D[1], -D[2], -D[3], -D[4], -D[5], D[6], D[7], D[8]] as unknown as Mat3;
  const qfac = det3(R) < 0 ? -1 : 1;
  const Rq = (qfac < 0 ? [R[0], R[1], -R[2], R[3], R[4], -R[5], R[6], R[7], -R[8]] : R) as Mat3;
  const [qb, qc, qd] = quaternion(Rq);
  const pixdim = [qfac, v.spacingMm[0], v.spacingMm[1], v.spacingMm[2], 1, 1, 1, 1];
  pixdim.forEach((x, i) => h.setFloat32(76 + 4 * i, x, le));
  h.setFloat32(108, VOX_OFFSET, le); // vox_offset
  h.setFloat32(112, 1, le); // scl_slope
  h.setFloat32(116, 0, le); // scl_inter
  out[123] = 2; // xyzt_units: NIFTI_UNITS_MM | no time unit
  // cal_min/cal_max: the display range. 0/0 means "not set" (nifti1.h), used when the range
  // does not fit float32 (float64 data beyond ±3.4e38) rather than writing an infinity.
  const range = finiteRange(v.data);
  if (Math.max(-range.min, range.max) <= FLOAT32_MAX) {
    h.setFloat32(124, range.max, le); // cal_max
    h.setFloat32(128, range.min, le); // cal_min
  }
  for (let i = 0; i < description.length; i++) out[148 + i] = description.charCodeAt(i);
  h.setInt16(252, 1, le); // qform_code: scanner_anat
  h.setInt16(254, sformCode, le);
  const A = rasAffine(v);
  [qb, qc, qd, A[0]![3]!, A[1]![3]!, A[2]![3]!].forEach((x, i) => h.setFloat32(256 + 4 * i, x, le));
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) h.setFloat32(280 + 16 * r + 4 * c, A[r]![c]!, le);
  out.set([0x6e, 0x2b, 0x31, 0x00], 344); // magic "n+1\0"; bytes 348–351 (extension flag) stay 0

  // Voxels, little-endian (byte-swapped when the machine is not).
  const src = new Uint8Array(v.data.buffer, v.data.byteOffset, n * dt.bytes);
  out.set(src, VOX_OFFSET);
  if (!LITTLE_ENDIAN && dt.bytes > 1) {
    for (let i = VOX_OFFSET; i < out.length; i += dt.bytes) out.subarray(i, i + dt.bytes).reverse();
  }
  // mtime 0: RFC 1952's "no time stamp", so equal volumes give equal files.
  return compress ? gzipSync(out, { level, mtime: 0 }) : out;
}

const FLOAT32_MAX = 3.4028234663852886e38;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Smallest and largest finite value (0, 0 when there is none). */
function finiteRange(a: VoxelArray): { min: number; max: number } {
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    if (x < min && x !== -Infinity) min = x;
    if (x > max && x !== Infinity) max = x;
  }
  return min <= max ? { min, max } : { min: 0, max: 0 };
}
