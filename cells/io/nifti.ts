/**
 * NIfTI-1 and NIfTI-2 single-file images (`.nii`, `.nii.gz`) into LPS volumes.
 *
 * Geometry (NIfTI-1 header documentation, nifti1.h, "3D IMAGE (VOLUME) ORIENTATION AND
 * LOCATION IN SPACE"): NIfTI world coordinates are RAS+ (x right, y anterior, z superior).
 * The reader takes the sform when sform_code > 0, else the qform when qform_code > 0
 * (the order nibabel's `get_best_affine` uses), else method 0 (pixdim scaling, origin 0).
 * From that 4×4 affine A (voxel index → RAS mm):
 *   spacing[c] = ‖A[0..2, c]‖, direction[:, c] = A[0..2, c] / spacing[c],
 *   and LPS = diag(−1, −1, 1) · RAS, applied to the direction's first two rows and to the
 *   origin's first two components.
 * Values: scl_slope ≠ 0 and (slope, inter) ≠ (1, 0) → value·slope + inter in a Float32Array
 * (Float64Array for float64 data); otherwise the stored type is kept.
 * Reading the header is done by nifti-reader-js; the rest (datatypes, byte order,
 * scaling, geometry) here.
 */
import * as nifti from 'nifti-reader-js';
import { FormatError, ParameterError } from '../core/errors.ts';
import { makeVolume, type Mat3, type Vec3, type VoxelArray, type Volume } from '../core/volume.ts';
import { readBytes, sha256Hex } from './bytes.ts';
import { gunzipChecked, isGzip } from './gzip.ts';

export interface NiftiOptions {
  /** For 4-D files: which volume (0-based) to read. Required when dim[4] > 1. */
  readonly frame?: number;
}

/** NIfTI datatype code → [name, bytes per voxel]. */
const DATATYPES: Record<number, readonly [string, number]> = {
  2: ['uint8', 1], 4: ['int16', 2], 8: ['int32', 4], 16: ['float32', 4], 64: ['float64', 8],
  256: ['int8', 1], 512: ['uint16', 2], 768: ['uint32', 4],
};

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

/**
 * Parses a NIfTI-1/2 file held in memory (gzipped or not) into an LPS volume.
 * Shapes: dims [dim1, dim2, dim3] (missing dims count as 1), data x fastest as stored.
 * @param name the file name, used in error messages and `source`.
 * @throws FormatError naming `name`: a gzip file that fails any RFC 1952 check (CRC-32,
 *   ISIZE, header, truncation, trailing bytes: see `gunzipChecked`), no NIfTI magic, unsupported
 *   datatype, more than one value per voxel, a 4-D file without `options.frame`, image data
 *   shorter than the header promises, or a singular affine.
 * @throws ParameterError if `options.frame` is out of range.
 */
export function parseNifti(bytes: Uint8Array, name: string, options: NiftiOptions = {}): Volume {
  let raw = bytes;
  if (isGzip(bytes)) {
    raw = gunzipChecked(bytes, name);
  } else if (/\.gz$/i.test(name) && bytes.length >= 2) {
    // Not gzip although named .gz: still accept an uncompressed NIfTI, else say both things.
    const ab0 = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer;
    if (!nifti.isNIFTI(ab0)) throw new FormatError(name, `not a NIfTI file: the name ends in .gz but the bytes are not gzip (first bytes ${hex(bytes, 4)}), and there is no NIfTI magic either`);
  }
  const ab = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer;
  const isNifti2 = nifti.isNIFTI2(ab);
  if (!nifti.isNIFTI1(ab) && !isNifti2) {
    throw new FormatError(name, raw.length < 348
      ? `not a NIfTI file: ${raw.length} bytes is shorter than a NIfTI-1 header (348)`
      : `not a NIfTI file: no "n+1"/"n+2" magic (first bytes ${hex(raw, 4)})`);
  }
  let h: ReturnType<typeof nifti.readHeader>;
  try {
    h = nifti.readHeader(ab);
  } catch (e) {
    throw new FormatError(name, `unreadable NIfTI header (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  if (!h) throw new FormatError(name, 'unreadable NIfTI header');

  const ndim = h.dims[0]!;
  if (!(ndim >= 1 && ndim <= 7)) throw new FormatError(name, `dim[0] = ${ndim}: must be 1..7 (wrong byte order or not NIfTI)`);
  const d = (i: number) => (i <= ndim && h.dims[i]! > 0 ? h.dims[i]! : 1);
  const nx = d(1), ny = d(2), nz = d(3), nt = d(4);
  for (let i = 5; i <= ndim; i++) {
    if (d(i) > 1) throw new FormatError(name, `dim[${i}] = ${d(i)}: vector/multi-valued voxels are not supported (one scalar per voxel)`);
  }
  let frame = 0;
  if (nt > 1) {
    if (options.frame === undefined) throw new FormatError(name, `4-D image with ${nt} volumes; pass { frame } (0..${nt - 1}) to choose one`);
    frame = options.frame;
  }
  if (!Number.isInteger(frame) || frame < 0 || frame >= nt) throw new ParameterError(`${name}: frame ${frame} is out of range 0..${nt - 1}`);

  const dt = DATATYPES[h.datatypeCode];
  if (!dt) {
    throw new FormatError(name, `datatype ${h.datatypeCode} (${h.getDatatypeCodeString(h.datatypeCode)}) is not supported; supported: ${Object.values(DATATYPES).map((x) => x[0]).join(', ')}`);
  }
  const n = nx * ny * nz;
  const start = h.vox_offset + frame * n * dt[1];
  const need = h.vox_offset + nt * n * dt[1];
  if (raw.length < need) {
    throw new FormatError(name, `truncated: the header promises ${nx}×${ny}×${nz}${nt > 1 ? `×${nt}` : ''} ${dt[0]} (${need} bytes with the header) but the ${bytes === raw ? 'file' : 'decompressed file'} holds ${raw.length}`);
  }
  let data = readVoxels(h.datatypeCode, raw.subarray(start, start + n * dt[1]), n, h.littleEndian);

  const slope = h.scl_slope, inter = h.scl_inter;
  if (Number.isFinite(slope) && slope !== 0 && !(slope === 1 && (inter === 0 || !Number.isFinite(inter)))) {
    const b = Number.isFinite(inter) ? inter : 0;
    const out = data instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = data[i]! * slope + b;
    data = out;
  }

  // Affine (RAS): sform, else qform, else method 0.
  let A: number[][];
  let method: string;
  if (h.sform_code > 0) {
    A = sformRows(new Uint8Array(ab, 0, isNifti2 ? 540 : 348), isNifti2, h.littleEndian);
    method = `sform (${h.getTransformCodeString(h.sform_code)})`;
  } else if (h.qform_code > 0) {
    A = h.getQformMat();
    method = `qform (${h.getTransformCodeString(h.qform_code)})`;
  } else {
    const p = (i: number) => (h.pixDims[i]! > 0 ? h.pixDims[i]! : 1);
    A = [[p(1), 0, 0, 0], [0, p(2), 0, 0], [0, 0, p(3), 0]];
    method = 'no sform/qform: pixdim scaling, origin 0';
  }
  const spacing: number[] = [];
  const dir: number[] = new Array(9).fill(0);
  for (let c = 0; c < 3; c++) {
    const s = Math.hypot(A[0]![c]!, A[1]![c]!, A[2]![c]!);
    if (!(s > 0) || !Number.isFinite(s)) throw new FormatError(name, `${method}: column ${c} of the affine is zero or not finite, so voxel spacing is undefined`);
    spacing.push(s);
    for (let r = 0; r < 3; r++) dir[3 * r + c] = noNegZero((r < 2 ? -1 : 1) * A[r]![c]! / s);
  }
  const origin: Vec3 = [noNegZero(-A[0]![3]!), noNegZero(-A[1]![3]!), noNegZero(A[2]![3]!)];
  const desc = h.description?.trim();
  const volume = makeVolume({
    data,
    dims: [nx, ny, nz],
    spacingMm: spacing as unknown as Vec3,
    originMm: origin,
    direction: dir as unknown as Mat3,
    source: {
      input: name, format: 'nifti', sha256: '',
      description: `${desc ? `${desc}; ` : ''}NIfTI-${isNifti2 ? 2 : 1} ${nx}×${ny}×${nz}${nt > 1 ? ` (frame ${frame} of ${nt})` : ''} ${dt[0]}, geometry from ${method}`,
    },
  });
  return volume;
}

/** −0 → 0, so flipped axes compare and print cleanly. */
function noNegZero(x: number): number {
  return x === 0 ? 0 : x;
}

function hex(b: Uint8Array, n: number): string {
  return Array.from(b.subarray(0, n), (x) => x.toString(16).padStart(2, '0')).join(' ');
}

/**
 * Reads a `.nii` / `.nii.gz` file (Node path or URL) into an LPS volume, `source` filled in.
 * `source.modality` and `source.valueUnit` stay undefined: the NIfTI header has no
 * modality field and no unit for the values, so the reader does not guess them.
 * @throws InputNotFoundError if missing; FormatError naming the file (see `parseNifti`).
 */
export async function loadNifti(path: string, options: NiftiOptions = {}): Promise<Volume> {
  const bytes = await readBytes(path);
  const v = parseNifti(bytes, path, options);
  return { ...v, source: { ...v.source!, input: path, sha256: await sha256Hex(bytes) } };
}
