/**
 * NIfTI-1 and NIfTI-2 single-file images (`.nii`, `.nii.gz`) into LPS volumes.
 *
 * Geometry (NIfTI-1 header documentation, nifti1.h, "3D IMAGE (VOLUME) ORIENTATION AND
 * LOCATION IN SPACE"; NIfTI-2 has the same fields in float64): NIfTI world coordinates are
 * RAS+ (x right, y anterior, z superior). The reader takes the sform when sform_code > 0,
 * else the qform when qform_code > 0 (the order nibabel's `get_best_affine` uses), else
 * nifti1.h's method 1 (pixdim scaling, no orientation). Each is checked, never repaired:
 * - sform ("method 3"): all 12 srow values finite; the 3×3 part non-singular and, once its
 *   columns are normalised, orthonormal within `ORTHONORMAL_TOLERANCE` (no shear, which a
 *   Volume cannot represent).
 * - qform ("method 2"): R from the unit quaternion (a, b, c, d), a = √(1 − b² − c² − d²) ≥ 0;
 *   A = R · diag(pixdim[1], pixdim[2], qfac·pixdim[3]) with offsets qoffset_x/y/z. pixdim[1..3]
 *   must be finite and > 0; qfac = pixdim[0] must be −1 or 1 (nifti1.h: "If pixdim[0]=0.0
 *   (which should not occur), we take qfac=1" — done, with a warning); b² + c² + d² may exceed
 *   1 only by float rounding (then a = 0, as nifti1_io.c does).
 * - neither ("method 1", "the ANALYZE 7.5 way": x = pixdim[1]·i, …, "no particular spatial
 *   orientation"): pixdim[1..3] finite and > 0; loaded as identity RAS with origin 0 and a
 *   warning in `source.warnings`, since left/right are then unknown.
 * Spatial units (xyzt_units bits 0–2): metres and micrometres are converted to mm; code 0
 * (unknown) is read as mm — what nibabel, ITK and FSL do — with a warning.
 * From the affine A (voxel index → RAS mm):
 *   spacing[c] = ‖A[0..2, c]‖, direction[:, c] = A[0..2, c] / spacing[c],
 *   and LPS = diag(−1, −1, 1) · RAS, applied to the direction's first two rows and to the
 *   origin's first two components.
 * Other header checks: dim[0] in 1..7 and dim[1..dim[0]] ≥ 1; bitpix = 8 × the datatype's
 * size; vox_offset an integer ≥ the header (NIfTI-1: "If vox_offset is less than 352 in a .nii
 * file, it is equivalent to 352" — done, with a warning); the file long enough for
 * vox_offset + nx·ny·nz·nt·size bytes before anything is allocated.
 * Values: scl_slope finite, ≠ 0 and (slope, inter) ≠ (1, 0) → value·slope + inter in a
 * Float32Array (Float64Array for float64 data); otherwise the stored type is kept. A slope of 0
 * or NaN means no scaling; an infinite slope, or a usable slope with a non-finite intercept, is
 * refused (nibabel refuses it too).
 * Header fields are read by nifti-reader-js (both versions); the sform rows straight from the
 * header bytes; the qform, checks, datatypes, byte order and scaling here.
 */
import * as nifti from 'nifti-reader-js';
import { FormatError, ParameterError } from '../core/errors.ts';
import { checkAbort, stageSpan, type StageOptions } from '../core/stage.ts';
import { det3, makeVolume, orthonormalityError, ORTHONORMAL_TOLERANCE, type Mat3, type Vec3, type VoxelArray, type Volume } from '../core/volume.ts';
import { inputName, readInput, sha256Hex, type PickedFile } from './bytes.ts';
import { gunzipChecked, isGzip } from './gzip.ts';

/** Options of `parseNifti` / `loadNifti`; `signal` and `onProgress` as every long stage. */
export interface NiftiOptions extends StageOptions {
  /** For 4-D files: which volume (0-based) to read. Required when dim[4] > 1. */
  readonly frame?: number;
}

/** NIfTI datatype code → [name, bytes per voxel]. */
const DATATYPES: Record<number, readonly [string, number]> = {
  2: ['uint8', 1], 4: ['int16', 2], 8: ['int32', 4], 16: ['float32', 4], 64: ['float64', 8],
  256: ['int8', 1], 512: ['uint16', 2], 768: ['uint32', 4],
};

/** Names of the NIfTI datatypes this reader does not support, for error messages (nifti1.h). */
const OTHER_DATATYPES: Record<number, string> = {
  0: 'unknown', 1: 'binary', 32: 'complex64', 128: 'rgb24', 1024: 'int64', 1280: 'uint64',
  1536: 'float128', 1792: 'complex128', 2048: 'complex256', 2304: 'rgba32',
};

/** NIFTI_XFORM_* names (nifti1.h; 5 = TEMPLATE_OTHER from the 2012 revision). */
const XFORM_NAMES: Record<number, string> = { 1: 'scanner_anat', 2: 'aligned_anat', 3: 'talairach', 4: 'mni_152', 5: 'template_other' };

function xformName(code: number): string {
  return XFORM_NAMES[code] ?? `code ${code}`;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function readVoxels(code: number, bytes: Uint8Array, n: number, littleEndian: boolean): VoxelArray {
  const size = DATATYPES[code]![1];
  // Copy to a fresh, aligned buffer: also detaches the volume from the decompressed file.
  const buf = bytes.slice(0, n * size).buffer;
  if (littleEndian !== LITTLE_ENDIAN && size > 1) {
    const u = new Uint8Array(buf);
    for (let i = 0; i < u.length; i += size) u.subarray(i, i + size).reverse();
  }
  switch (code) {
    case 2: return new Uint8Array(buf);
    case 256: return new Int8Array(buf);
    case 4: return new Int16Array(buf);
    case 512: return new Uint16Array(buf);
    case 8: return new Int32Array(buf);
    case 768: return new Uint32Array(buf);
    case 16: return new Float32Array(buf);
    default: return new Float64Array(buf);
  }
}

/** The sform rows (3×4, RAS) straight from the header bytes (NIfTI-1: float32 at 280; NIfTI-2: float64 at 400). */
function sformRows(header: Uint8Array, isNifti2: boolean, littleEndian: boolean): number[][] {
  const dv = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const rows: number[][] = [];
  for (let r = 0; r < 3; r++) {
    const row: number[] = [];
    for (let c = 0; c < 4; c++) {
      row.push(isNifti2 ? dv.getFloat64(400 + 8 * (4 * r + c), littleEndian) : dv.getFloat32(280 + 4 * (4 * r + c), littleEndian));
    }
    rows.push(row);
  }
  return rows;
}

/** The header fields the geometry needs (same names in NIfTI-1 and NIfTI-2 headers). */
interface GeometryFields {
  readonly sform_code: number;
  readonly qform_code: number;
  readonly pixDims: readonly number[];
  readonly quatern_b: number;
  readonly quatern_c: number;
  readonly quatern_d: number;
  readonly qoffset_x: number;
  readonly qoffset_y: number;
  readonly qoffset_z: number;
  readonly xyzt_units: number;
}

/**
 * The voxel-to-RAS-mm affine (3×4 rows) of a NIfTI header, checked as the module comment
 * says, with the method used and any warnings.
 * @throws FormatError naming `name` and the field that is wrong.
 */
function niftiAffine(h: GeometryFields, srow: () => number[][], name: string): { A: number[][]; method: string; warnings: string[] } {
  const warnings: string[] = [];
  const num = (x: number) => (Number.isNaN(x) ? 'NaN' : String(x));
  for (const [field, code] of [['sform_code', h.sform_code], ['qform_code', h.qform_code]] as const) {
    if (!Number.isInteger(code) || code < 0) throw new FormatError(name, `${field} = ${code} is not a NIFTI_XFORM code (0 = none, 1..5); the header is corrupt`);
  }
  const unitCode = h.xyzt_units & 7;
  const unitMm = [1, 1000, 1, 0.001][unitCode];
  if (unitMm === undefined) throw new FormatError(name, `xyzt_units gives spatial unit code ${unitCode}, which nifti1.h does not define (0 unknown, 1 m, 2 mm, 3 µm): the size of the image is unknown`);
  if (unitCode === 0) warnings.push('xyzt_units does not give the spatial unit (code 0): millimetres assumed, as nibabel, ITK and FSL do; check the size before printing');

  const pixdimsPositive = (method: string) => {
    for (let i = 1; i <= 3; i++) {
      const p = h.pixDims[i]!;
      if (!(Number.isFinite(p) && p > 0)) {
        throw new FormatError(name, `pixdim[${i}] = ${num(p)}: ${method} needs voxel sizes pixdim[1..3] that are finite and > 0 (got ${[1, 2, 3].map((k) => num(h.pixDims[k]!)).join(', ')}); the header is corrupt or was written wrongly — fix pixdim (e.g. nibabel's header.set_zooms) rather than guess a size`);
      }
    }
  };

  let A: number[][];
  let method: string;
  if (h.sform_code > 0) {
    method = `sform (${xformName(h.sform_code)})`;
    A = srow();
    const flat = A.flat();
    if (!flat.every(Number.isFinite)) {
      throw new FormatError(name, `the sform (sform_code ${h.sform_code}) has values that are not finite: srow_x/y/z = [${A.map((r) => r.map(num).join(', ')).join('; ')}]; the header is corrupt (set sform_code to 0 to use the qform instead, if that is right)`);
    }
    const norms = [0, 1, 2].map((c) => Math.hypot(A[0]![c]!, A[1]![c]!, A[2]![c]!));
    const zero = norms.findIndex((n) => !(n > 0));
    if (zero >= 0) throw new FormatError(name, `the sform is singular: its column ${zero} (the ${'ijk'[zero]} axis) is zero, so that axis has no size or direction; the header is corrupt`);
    const D = [0, 1, 2].flatMap((r) => [0, 1, 2].map((c) => A[r]![c]! / norms[c]!)) as unknown as Mat3;
    if (Math.abs(det3(D)) < 1e-6) throw new FormatError(name, `the sform is singular (its 3×3 part has determinant ≈ 0: two axes point the same way): [${A.map((r) => r.slice(0, 3).join(', ')).join('; ')}]; the header is corrupt`);
    const err = orthonormalityError(D);
    if (!(err <= ORTHONORMAL_TOLERANCE)) {
      const cos = (a: number, b: number) => Math.abs(D[a]! * D[b]! + D[3 + a]! * D[3 + b]! + D[6 + a]! * D[6 + b]!);
      throw new FormatError(name, `the sform has shear: its axes are not at right angles (|cos| between axes i·j ${cos(0, 1).toFixed(4)}, i·k ${cos(0, 2).toFixed(4)}, j·k ${cos(1, 2).toFixed(4)}; tolerance ${ORTHONORMAL_TOLERANCE}), which a voxel grid cannot represent; resample the image onto a rectilinear grid first (e.g. nibabel.processing.resample_to_output)`);
    }
  } else if (h.qform_code > 0) {
    method = `qform (${xformName(h.qform_code)})`;
    pixdimsPositive('the qform');
    const p0 = h.pixDims[0]!;
    let qfac: number;
    if (p0 === 1 || p0 === -1) qfac = p0;
    else if (p0 === 0) {
      qfac = 1;
      warnings.push('pixdim[0] (qfac) is 0, which nifti1.h says "should not occur" and reads as 1: the k axis is taken as not mirrored; if left/right look swapped, this is why');
    } else {
      throw new FormatError(name, `pixdim[0] = ${num(p0)} is not a valid qfac (−1 or 1): readers disagree on what it means, so whether the image is mirrored is unknown; fix pixdim[0] in the header`);
    }
    const [b0, c0, d0] = [h.quatern_b, h.quatern_c, h.quatern_d];
    const off = [h.qoffset_x, h.qoffset_y, h.qoffset_z];
    if (![b0, c0, d0, ...off].every(Number.isFinite)) {
      throw new FormatError(name, `the qform has values that are not finite: quatern_b/c/d = ${[b0, c0, d0].map(num).join(', ')}, qoffset_x/y/z = ${off.map(num).join(', ')}; the header is corrupt`);
    }
    const s = b0 * b0 + c0 * c0 + d0 * d0;
    if (s > 1 + 1e-5) {
      throw new FormatError(name, `the qform quaternion is not a rotation: quatern_b² + c² + d² = ${s.toPrecision(6)} > 1 (nifti1.h requires a = √(1 − b² − c² − d²) to exist); the header is corrupt`);
    }
    let a: number, b = b0, c = c0, d = d0;
    if (1 - s < 1e-7) {
      // A 180° rotation whose b² + c² + d² rounding put at or just over 1: a = 0, (b, c, d) unit.
      const k = 1 / Math.sqrt(s);
      b *= k; c *= k; d *= k; a = 0;
    } else {
      a = Math.sqrt(1 - s);
    }
    const R = [
      [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
      [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
      [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
    ];
    const scale = [h.pixDims[1]!, h.pixDims[2]!, qfac * h.pixDims[3]!];
    A = R.map((row, r) => [row[0]! * scale[0]!, row[1]! * scale[1]!, row[2]! * scale[2]!, off[r]!]);
  } else {
    method = 'no sform or qform (nifti1.h method 1: pixdim scaling, origin 0)';
    pixdimsPositive('method 1 (no sform or qform)');
    A = [[h.pixDims[1]!, 0, 0, 0], [0, h.pixDims[2]!, 0, 0], [0, 0, h.pixDims[3]!, 0]];
    warnings.push('no sform or qform: orientation unknown, origin assumed 0; left/right may be wrong (the axes are read as RAS, as nibabel does)');
  }
  if (unitMm !== 1) A = A.map((row) => row.map((x) => x * unitMm));
  return { A, method, warnings };
}

/**
 * Parses a NIfTI-1/2 file held in memory (gzipped or not) into an LPS volume.
 * Shapes: dims [dim1, dim2, dim3] (axes beyond dim[0] count as 1), data x fastest as stored;
 * spacing and origin in mm (converted from m or µm when xyzt_units says so).
 * @param name the file name, used in error messages and `source`.
 * @throws FormatError naming `name`: a gzip file that fails any RFC 1952 check (CRC-32,
 *   ISIZE, header, truncation, trailing bytes: see `gunzipChecked`), no NIfTI magic or a damaged
 *   one (all 4 bytes of "n+1\0", all 8 of "n+2\0\r\n\x1a\n" are checked), unsupported
 *   datatype, bitpix disagreeing with the datatype, dim[0] outside 1..7 or an axis size < 1,
 *   more than one value per voxel, a 4-D file without `options.frame`, a vox_offset that is
 *   not a whole number (or inside a NIfTI-2 header), image data shorter than the header
 *   promises, a .hdr/.img pair header; geometry: an sform that is not finite, singular or
 *   sheared; a qform with pixdim[1..3] not finite and > 0, pixdim[0] (qfac) other than −1, 0
 *   or 1, non-finite quaternion/offset values or b² + c² + d² > 1; without either, pixdim[1..3]
 *   not finite and > 0; an undefined spatial unit code; an infinite scl_slope, or a usable one
 *   with a non-finite scl_inter. Each message names the field.
 * Fallbacks nifti1.h documents (no sform/qform, qfac 0, vox_offset < 352) and unknown spatial
 * units load with a sentence in `source.warnings`.
 * @throws ParameterError if `options.frame` is out of range.
 * @throws AbortError when `options.signal` fires (checked between gzip input windows and
 *   before the voxels are read); `options.onProgress` gets 0..1, by compressed bytes while
 *   inflating.
 */
export function parseNifti(bytes: Uint8Array, name: string, options: NiftiOptions = {}): Volume {
  return parseNiftiAs(bytes, name, options, 'parseNifti');
}

/** `parseNifti`, with `stage` named in an AbortError. */
function parseNiftiAs(bytes: Uint8Array, name: string, options: NiftiOptions, stage: string): Volume {
  const { signal, onProgress } = options;
  checkAbort(stage, signal);
  onProgress?.(0);
  let raw = bytes;
  if (isGzip(bytes)) {
    raw = gunzipChecked(bytes, name, { stage, ...stageSpan(options, 0, 0.8) });
  } else if (/\.gz$/i.test(name) && bytes.length >= 2) {
    // Not gzip although named .gz: still accept an uncompressed NIfTI, else say both things.
    const ab0 = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer;
    if (!nifti.isNIFTI(ab0)) throw new FormatError(name, `not a NIfTI file: the name ends in .gz but the bytes are not gzip (first bytes ${hex(bytes, 4)}), and there is no NIfTI magic either`);
  }
  // nifti-reader-js wants an ArrayBuffer holding the file from byte 0 (gunzip output already is one).
  const ab = (raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength && raw.buffer instanceof ArrayBuffer
    ? raw.buffer
    : raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)) as ArrayBuffer;
  const isNifti2 = checkMagic(raw, name) === 2;
  let h: ReturnType<typeof nifti.readHeader>;
  try {
    h = nifti.readHeader(ab);
  } catch (e) {
    throw new FormatError(name, `unreadable NIfTI header (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  if (!h) throw new FormatError(name, 'unreadable NIfTI header');
  const warnings: string[] = [];

  // Dimensions: dim[0] axes, each ≥ 1 (nifti1.h: dim[i] for i > dim[0] are unused).
  const ndim = h.dims[0]!;
  if (!(Number.isInteger(ndim) && ndim >= 1 && ndim <= 7)) throw new FormatError(name, `dim[0] = ${ndim}: must be 1..7 (wrong byte order or not NIfTI)`);
  for (let i = 1; i <= ndim; i++) {
    const di = h.dims[i]!;
    if (!(Number.isSafeInteger(di) && di >= 1)) {
      throw new FormatError(name, `dim[${i}] = ${di}: each of the dim[0] = ${ndim} axes needs a size ≥ 1 (dims ${h.dims.slice(1, ndim + 1).join(' × ')}); the header is corrupt`);
    }
  }
  const d = (i: number) => (i <= ndim ? h.dims[i]! : 1);
  const nx = d(1), ny = d(2), nz = d(3), nt = d(4);
  for (let i = 5; i <= ndim; i++) {
    if (d(i) > 1) throw new FormatError(name, `dim[${i}] = ${d(i)}: vector/multi-valued voxels are not supported (one scalar per voxel)`);
  }

  const dt = DATATYPES[h.datatypeCode];
  if (!dt) {
    throw new FormatError(name, `datatype ${h.datatypeCode} (${OTHER_DATATYPES[h.datatypeCode] ?? 'not a NIfTI datatype'}) is not supported; supported: ${Object.values(DATATYPES).map((x) => x[0]).join(', ')}`);
  }
  if (h.numBitsPerVoxel !== 8 * dt[1]) {
    throw new FormatError(name, `bitpix = ${h.numBitsPerVoxel} disagrees with datatype ${h.datatypeCode} (${dt[0]}, ${8 * dt[1]} bits): the header is corrupt or inconsistent, so the voxel size in bytes is unknown`);
  }

  // Where the voxels start.
  const headerEnd = isNifti2 ? 544 : 352;
  let voxOffset = h.vox_offset;
  if (!Number.isSafeInteger(voxOffset)) throw new FormatError(name, `vox_offset = ${voxOffset} is not a whole byte offset; the header is corrupt`);
  if (voxOffset < headerEnd) {
    if (isNifti2) throw new FormatError(name, `vox_offset = ${voxOffset} points inside the 540-byte NIfTI-2 header (voxels start at 544 or later); the header is corrupt`);
    warnings.push(`vox_offset = ${voxOffset} is below 352; nifti1.h says that is equivalent to 352, so the voxels are read from byte 352`);
    voxOffset = 352;
  }

  let frame = 0;
  if (nt > 1) {
    if (options.frame === undefined) throw new FormatError(name, `4-D image with ${nt} volumes; pass { frame } (0..${nt - 1}) to choose one`);
    frame = options.frame;
  }
  if (!Number.isInteger(frame) || frame < 0 || frame >= nt) throw new ParameterError(`${name}: frame ${frame} is out of range 0..${nt - 1}`);

  // Sizes as doubles: exact below 2⁵³, and anything larger is far past raw.length anyway.
  const n = nx * ny * nz;
  const need = voxOffset + nt * n * dt[1];
  if (!(raw.length >= need)) {
    throw new FormatError(name, `truncated: the header promises ${nx}×${ny}×${nz}${nt > 1 ? `×${nt}` : ''} ${dt[0]} (${need} bytes with the header) but the ${bytes === raw ? 'file' : 'decompressed file'} holds ${raw.length}`);
  }
  checkAbort(stage, signal);
  onProgress?.(0.8);
  const start = voxOffset + frame * n * dt[1];
  let data = readVoxels(h.datatypeCode, raw.subarray(start, start + n * dt[1]), n, h.littleEndian);

  // scl_slope 0 or NaN means "no scaling" (nifti1.h scales only when it is nonzero; NaN is how
  // writers leave it unset, and nibabel reads both so). A usable slope with an intercept that is
  // not finite, or an infinite slope, has no meaning: refused, as nibabel does.
  const slope = h.scl_slope, inter = h.scl_inter;
  if (slope === Infinity || slope === -Infinity) throw new FormatError(name, `scl_slope = ${slope}: voxel values would be infinite; the header is corrupt`);
  if (Number.isFinite(slope) && slope !== 0) {
    if (!Number.isFinite(inter)) throw new FormatError(name, `scl_slope = ${slope} but scl_inter = ${inter}: the intercept of the value scaling (value·slope + inter) is not a number, so the values are unknown; fix scl_inter (0 if there is none)`);
    if (!(slope === 1 && inter === 0)) {
      const out = data instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = data[i]! * slope + inter;
      data = out;
    }
  }

  // Affine (RAS mm): sform, else qform, else method 1 — each checked (see the module comment).
  const geo = niftiAffine(h, () => sformRows(new Uint8Array(ab, 0, isNifti2 ? 540 : 348), isNifti2, h.littleEndian), name);
  warnings.push(...geo.warnings);
  const A = geo.A;
  const spacing: number[] = [];
  const dir: number[] = new Array(9).fill(0);
  for (let c = 0; c < 3; c++) {
    const s = Math.hypot(A[0]![c]!, A[1]![c]!, A[2]![c]!);
    if (!(s > 0) || !Number.isFinite(s)) throw new FormatError(name, `${geo.method}: column ${c} of the affine is zero or not finite, so voxel spacing is undefined`);
    spacing.push(s);
    for (let r = 0; r < 3; r++) dir[3 * r + c] = noNegZero((r < 2 ? -1 : 1) * A[r]![c]! / s);
  }
  const origin: Vec3 = [noNegZero(-A[0]![3]!), noNegZero(-A[1]![3]!), noNegZero(A[2]![3]!)];
  const desc = h.description?.trim();
  onProgress?.(1);
  return makeVolume({
    data,
    dims: [nx, ny, nz],
    spacingMm: spacing as unknown as Vec3,
    originMm: origin,
    direction: dir as unknown as Mat3,
    source: {
      input: name, format: 'nifti', sha256: '',
      description: `${desc ? `${desc}; ` : ''}NIfTI-${isNifti2 ? 2 : 1} ${nx}×${ny}×${nz}${nt > 1 ? ` (frame ${frame} of ${nt})` : ''} ${dt[0]}, geometry from ${geo.method}`,
      ...(warnings.length > 0 ? { warnings } : {}),
    },
  });
}

const NIFTI1_MAGIC = [0x6e, 0x2b, 0x31, 0x00]; // "n+1\0" at byte 344
const NIFTI2_MAGIC = [0x6e, 0x2b, 0x32, 0x00, 0x0d, 0x0a, 0x1a, 0x0a]; // "n+2\0\r\n\x1a\n" at byte 4

/**
 * The NIfTI version from the magic, checked byte for byte: NIfTI-1 "n+1\0" at 344
 * (nifti1.h), NIfTI-2 "n+2\0\r\n\x1a\n" at 4 (nifti2.h; the last four bytes exist to
 * detect transfer damage: a text-mode copy, line-ending conversion, a 7-bit channel).
 * nifti-reader-js looks at the first three bytes only, so a file whose magic is damaged
 * after them would load: refused here, saying what was found and what was expected.
 * @throws FormatError naming `name`: no magic, a damaged one, a .hdr/.img pair header.
 */
function checkMagic(raw: Uint8Array, name: string): 1 | 2 {
  const at = (p: number, m: readonly number[]) => m.every((x, i) => raw[p + i] === x);
  const pair = (m: readonly number[]) => [m[0]!, 0x69, ...m.slice(2)]; // "ni1\0" / "ni2\0…"
  const shown = (p: number, n: number) => `${hex(raw.subarray(p), n)} ("${escaped(raw.subarray(p, p + n))}")`;
  if (raw.length >= 540 && at(4, NIFTI2_MAGIC)) return 2;
  if (raw.length >= 348 && at(344, NIFTI1_MAGIC)) return 1;
  if ((raw.length >= 540 && at(4, pair(NIFTI2_MAGIC))) || (raw.length >= 348 && at(344, pair(NIFTI1_MAGIC)))) {
    throw new FormatError(name, 'is the header of a .hdr/.img pair (magic "ni1"/"ni2"): the voxels are in the matching .img file, which this reader does not open; convert the pair to a single .nii (e.g. nibabel: nib.save(nib.load(hdr), "x.nii"))');
  }
  // The first three bytes name a version (single file or pair) but the rest of the magic is wrong.
  const starts = (p: number, m: readonly number[]) => raw[p] === m[0] && (raw[p + 1] === 0x2b || raw[p + 1] === 0x69) && raw[p + 2] === m[2];
  if (raw.length >= 540 && starts(4, NIFTI2_MAGIC)) {
    throw new FormatError(name, `damaged NIfTI-2 magic: bytes 4–11 are ${shown(4, 8)} but must be 6e 2b 32 00 0d 0a 1a 0a ("n+2\\0\\r\\n\\x1a\\n"; "ni2…" for a pair); these bytes exist to detect a file changed in transfer (e.g. line endings converted), so the rest of it may be damaged too; use an intact copy`);
  }
  if (raw.length >= 348 && starts(344, NIFTI1_MAGIC)) {
    throw new FormatError(name, `damaged NIfTI-1 magic: bytes 344–347 are ${shown(344, 4)} but must be 6e 2b 31 00 ("n+1\\0"; "ni1\\0" for a pair), so the file is damaged or not NIfTI-1; use an intact copy`);
  }
  if (raw.length >= 12 && raw.length < 540 && at(4, NIFTI2_MAGIC)) {
    throw new FormatError(name, `truncated NIfTI-2 file: ${raw.length} bytes, shorter than its 540-byte header`);
  }
  throw new FormatError(name, raw.length < 348
    ? `not a NIfTI file: ${raw.length} bytes is shorter than a NIfTI-1 header (348)`
    : `not a NIfTI file: no "n+1"/"n+2" magic (bytes 344–347 are ${hex(raw.subarray(344), 4)}, bytes 4–11 ${hex(raw.subarray(4), 8)}; first bytes ${hex(raw, 4)})`);
}

/** Bytes as C-style text: printable ASCII as is, \0 \r \n named, others \xNN. */
function escaped(b: Uint8Array): string {
  const named: Record<number, string> = { 0: '\\0', 13: '\\r', 10: '\\n', 34: '\\"', 92: '\\\\' };
  return Array.from(b, (x) => named[x] ?? (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : `\\x${x.toString(16).padStart(2, '0')}`)).join('');
}

/** −0 → 0, so flipped axes compare and print cleanly. */
function noNegZero(x: number): number {
  return x === 0 ? 0 : x;
}

function hex(b: Uint8Array, n: number): string {
  return Array.from(b.subarray(0, n), (x) => x.toString(16).padStart(2, '0')).join(' ');
}

/**
 * Reads a `.nii` / `.nii.gz` file (Node path, URL or a file picked in the browser) into an LPS volume, `source` filled in.
 * `source.modality` and `source.valueUnit` stay undefined: the NIfTI header has no
 * modality field and no unit for the values, so the reader does not guess them.
 * Progress: 0 before reading, 0.1 once the file is read, then `parseNifti`'s (inflating by
 * compressed bytes) up to 0.95, 1 when hashed.
 * @throws InputNotFoundError if missing; FormatError naming the file (see `parseNifti`).
 * @throws AbortError when `options.signal` fires (before and after the read, between gzip
 *   input windows, before the voxels are read).
 */
export async function loadNifti(path: string | PickedFile, options: NiftiOptions = {}): Promise<Volume> {
  const { signal, onProgress } = options;
  const stage = 'loadNifti';
  checkAbort(stage, signal);
  onProgress?.(0);
  const bytes = await readInput(path);
  checkAbort(stage, signal);
  onProgress?.(0.1);
  const name = inputName(path);
  const v = parseNiftiAs(bytes, name, { ...(options.frame !== undefined ? { frame: options.frame } : {}), ...stageSpan(options, 0.1, 0.95) }, stage);
  const sha256 = await sha256Hex(bytes);
  onProgress?.(1);
  return { ...v, source: { ...v.source!, input: name, sha256 } };
}
