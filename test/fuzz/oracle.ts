/**
 * The oracle: what a loader may do with a (mutated) file.
 *
 * Either it throws a Voxbook error (FormatError, GeometryError, InputNotFoundError,
 * ParameterError — any VoxbookError subclass) whose message names the file, or it returns
 * a volume such that
 * - makeVolume's invariants hold (checked again here, not trusted): dims positive
 *   integers, data.length = nx·ny·nz, spacing finite > 0, origin finite, direction
 *   orthonormal;
 * - dims are what the mutated header declares (NIfTI dim[1..3]; DICOM Columns, Rows,
 *   NumberOfFrames; .inv3 shape reversed), so the voxel count matches the header;
 * - spacing is what the header declares — or, where the header's value is invalid or
 *   absent, the volume carries a `source.warnings` entry saying what was assumed
 *   (DESIGN.md §6: "a reader never falls back silently");
 * - the voxels are the ones the header points at (NIfTI: datatype at vox_offset with
 *   scl_slope/scl_inter as nibabel applies them; DICOM: PixelData × RescaleSlope +
 *   RescaleIntercept for native 16-bit data; .inv3: matrix.dat with rows reversed);
 * - for gzip inputs whose compressed stream alone was mutated: identical to the
 *   original load (data and geometry), never different voxels.
 * The declared values are read from the mutated bytes by formats.ts, independently of
 * cells/io.
 */
import { gunzipSync } from 'fflate';
import { parse as parsePlist } from 'plist';
import { VoxbookError } from '../../cells/core/errors.ts';
import type { Volume } from '../../cells/core/volume.ts';
import {
  NIFTI_DATATYPE_BYTES, TAG, dicomNumbers, findElementsByTag, latin1, readNiftiHeader, walkDicom, type DicomElement,
} from './formats.ts';
import type { Seed } from './seeds.ts';

export type Category = 'identical' | 'valid' | 'refused' | 'FAILED';

export interface Verdict {
  readonly category: Category;
  /** For FAILED: a short class, stable across cases, for grouping ("nifti: spacing differs from header"). */
  readonly failure?: string;
  /** What came out: the error, or the volume's geometry. */
  readonly detail: string;
}

/** What a loader produced for one input: a volume (and for .inv3 its mask 0, or the mask's error). */
export interface Loaded {
  readonly volume: Volume;
  readonly mask?: Volume | { error: unknown };
}

const fail = (failure: string, detail: string): Verdict => ({ category: 'FAILED', failure, detail });

export function describeVolume(v: Volume): string {
  const r = (x: number) => (Number.isFinite(x) ? +x.toPrecision(6) : x);
  const w = v.source?.warnings?.length ? ` warnings: ${v.source.warnings.join(' | ')}` : '';
  return `volume ${v.dims.join('×')} ${v.data?.constructor?.name} spacing [${v.spacingMm.map(r).join(', ')}] origin [${v.originMm.map(r).join(', ')}] dir [${v.direction.map(r).join(', ')}]${w}`;
}

export function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message.replace(/\s+/g, ' ').slice(0, 300)}`;
  return `non-Error thrown: ${typeof e} ${String(e).slice(0, 200)}`;
}

/** The verdict on a thrown error. */
export function judgeError(e: unknown, fileName: string): Verdict {
  const detail = describeError(e);
  if (!(e instanceof VoxbookError)) {
    const kind = e instanceof Error ? e.name : typeof e;
    return fail(`untyped error (${kind})`, detail);
  }
  if (!e.message.includes(fileName)) return fail(`${e.name} does not name the file`, detail);
  return { category: 'refused', detail };
}

/** makeVolume's invariants, checked independently. Undefined if they hold. */
function invariantProblem(v: Volume): string | undefined {
  if (!v || typeof v !== 'object') return 'not a volume';
  if (!ArrayBuffer.isView(v.data)) return 'data is not a typed array';
  if (!Array.isArray(v.dims) && v.dims?.length !== 3) return 'dims is not 3 numbers';
  const [nx, ny, nz] = v.dims;
  if (!v.dims.every((n) => Number.isInteger(n) && n > 0)) return `dims not positive integers: [${v.dims.join(', ')}]`;
  if ((v.data as unknown as { length: number }).length !== nx * ny * nz) return `data.length ${(v.data as unknown as { length: number }).length} ≠ ${nx}·${ny}·${nz}`;
  if (v.spacingMm.length !== 3 || !v.spacingMm.every((s) => Number.isFinite(s) && s > 0)) return `spacing not finite > 0: [${v.spacingMm.join(', ')}]`;
  if (v.originMm.length !== 3 || !v.originMm.every(Number.isFinite)) return `origin not finite: [${v.originMm.join(', ')}]`;
  const d = v.direction;
  if (d.length !== 9) return 'direction is not 9 numbers';
  for (let a = 0; a < 3; a++) {
    for (let b = 0; b < 3; b++) {
      const dot = d[a]! * d[b]! + d[3 + a]! * d[3 + b]! + d[6 + a]! * d[6 + b]!;
      if (!(Math.abs(dot - (a === b ? 1 : 0)) <= 1e-3)) return `direction not orthonormal: [${d.join(', ')}]`;
    }
  }
  return undefined;
}

function sameGeometry(a: Volume, b: Volume): boolean {
  const eq = (x: readonly number[], y: readonly number[]) => x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
  return eq(a.dims, b.dims) && eq(a.spacingMm, b.spacingMm) && eq(a.originMm, b.originMm) && eq(a.direction, b.direction);
}

function sameData(a: Volume, b: Volume): boolean {
  if (a.data.constructor !== b.data.constructor || a.data.length !== b.data.length) return false;
  const x = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  const y = new Uint8Array(b.data.buffer, b.data.byteOffset, b.data.byteLength);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

export function identical(a: Volume, b: Volume): boolean {
  return sameGeometry(a, b) && sameData(a, b);
}

const hasWarning = (v: Volume) => (v.source?.warnings?.length ?? 0) > 0;
const closeRel = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

/** First index where loaded values differ from expected ones (float32 results compared after rounding), or -1. */
function firstValueMismatch(data: ArrayLike<number>, expected: ArrayLike<number>, f32: boolean): number {
  for (let i = 0; i < expected.length; i++) {
    const e = f32 ? Math.fround(expected[i]!) : expected[i]!;
    const a = data[i]!;
    if (!(a === e || (Number.isNaN(a) && Number.isNaN(e)) || closeRel(a, e, 1e-6))) return i;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------
// NIfTI

function judgeNifti(v: Volume, raw: Uint8Array): Verdict | undefined {
  const d = readNiftiHeader(raw);
  const got = describeVolume(v);
  if (!d) return fail('nifti: loaded a file with no NIfTI-1/2 magic', got);
  const ndim = d.dim[0]!;
  if (!(ndim >= 1 && ndim <= 7)) return fail('nifti: loaded with dim[0] outside 1..7', `dim[0]=${ndim}; ${got}`);
  for (let i = 1; i <= ndim; i++) {
    if (!(d.dim[i]! >= 1)) return fail('nifti: loaded although a dim[1..dim[0]] is ≤ 0', `dim=[${d.dim.join(', ')}]; ${got}`);
  }
  for (let i = 4; i <= ndim; i++) {
    if (d.dim[i] !== 1) return fail('nifti: loaded a 4-D+ image without a frame', `dim=[${d.dim.join(', ')}]; ${got}`);
  }
  const want = [d.dim[1]!, ndim >= 2 ? d.dim[2]! : 1, ndim >= 3 ? d.dim[3]! : 1];
  if (!want.every((n, i) => v.dims[i] === n)) return fail('nifti: dims differ from the header', `header dims [${want.join(', ')}]; ${got}`);
  const bytes = NIFTI_DATATYPE_BYTES[d.datatype];
  if (!bytes) return fail('nifti: loaded an unsupported datatype', `datatype=${d.datatype}; ${got}`);
  if (d.bitpix !== 8 * bytes && !hasWarning(v)) return fail('nifti: bitpix contradicts datatype, loaded without a warning', `datatype=${d.datatype} bitpix=${d.bitpix}; ${got}`);
  const minOffset = d.version === 1 ? 352 : 544;
  const offsetOk = Number.isInteger(d.voxOffset) && d.voxOffset >= minOffset;
  if (!offsetOk && !hasWarning(v)) return fail('nifti: invalid vox_offset loaded without a warning', `vox_offset=${d.voxOffset} (needs an integer ≥ ${minOffset}); ${got}`);

  // Spacing from the transform the header selects (sform, else qform, else pixdim).
  let spacing: number[];
  let from: string;
  if (d.sformCode > 0) {
    spacing = [0, 1, 2].map((c) => Math.hypot(d.srow[c]!, d.srow[4 + c]!, d.srow[8 + c]!));
    from = `sform (code ${d.sformCode}) column norms`;
  } else {
    spacing = [d.pixdim[1]!, d.pixdim[2]!, d.pixdim[3]!];
    from = d.qformCode > 0 ? `qform (code ${d.qformCode}) pixdim[1..3]` : 'pixdim[1..3] (no sform/qform)';
  }
  // Spatial unit (nifti1.h NIFTI_UNITS_*): 1 metre, 2 mm, 3 µm; 0 unknown (mm by convention, but only with a warning); 4..7 undefined.
  const unit = d.xyztUnits & 7;
  const toMm = ({ 0: 1, 1: 1000, 2: 1, 3: 0.001 } as Record<number, number>)[unit];
  if (toMm === undefined) return fail('nifti: loaded with an undefined spatial unit code', `xyzt_units=${d.xyztUnits} (spatial code ${unit}); ${got}`);
  if (unit === 0 && !hasWarning(v)) return fail('nifti: spatial unit unknown (xyzt_units 0), loaded without a warning', got);
  spacing = spacing.map((s) => s * toMm);
  from += ` × ${toMm} mm/unit`;
  if (spacing.every((s) => Number.isFinite(s) && s > 0)) {
    if (!spacing.every((s, i) => closeRel(v.spacingMm[i]!, s, 1e-5))) {
      return fail('nifti: spacing differs from the header', `${from} = [${spacing.join(', ')}]; ${got}`);
    }
  } else if (!hasWarning(v)) {
    return fail('nifti: header spacing invalid, loaded without a warning', `${from} = [${spacing.join(', ')}]; ${got}`);
  }

  // Voxels: datatype at vox_offset, scaled as nibabel does (slope 0/±inf/NaN: none; valid slope with a non-finite inter: an error).
  if (offsetOk) {
    const n = want[0]! * want[1]! * want[2]!;
    if (d.voxOffset + n * bytes > raw.length) return fail('nifti: loaded although the data is shorter than the header promises', `needs ${d.voxOffset + n * bytes} bytes, file has ${raw.length}; ${got}`);
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const read = (i: number): number => {
      const p = d.voxOffset + i * bytes;
      switch (d.datatype) {
        case 2: return dv.getUint8(p);
        case 256: return dv.getInt8(p);
        case 4: return dv.getInt16(p, d.little);
        case 512: return dv.getUint16(p, d.little);
        case 8: return dv.getInt32(p, d.little);
        case 768: return dv.getUint32(p, d.little);
        case 16: return dv.getFloat32(p, d.little);
        default: return dv.getFloat64(p, d.little);
      }
    };
    const s = d.slope, c = d.inter;
    const scaled = Number.isFinite(s) && s !== 0 && !(s === 1 && c === 0);
    if (scaled && !Number.isFinite(c)) {
      if (!hasWarning(v)) return fail('nifti: valid scl_slope with non-finite scl_inter loaded without a warning', `scl_slope=${s} scl_inter=${c}; ${got}`);
    } else {
      const expected = new Float64Array(n);
      for (let i = 0; i < n; i++) expected[i] = scaled ? read(i) * s + c : read(i);
      const at = firstValueMismatch(v.data, expected, v.data instanceof Float32Array);
      if (at >= 0) {
        return fail('nifti: voxel values differ from the data at vox_offset', `voxel ${at}: got ${v.data[at]}, header says ${expected[at]} (datatype ${d.datatype}, vox_offset ${d.voxOffset}, scl ${s}/${c}); ${got}`);
      }
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------
// DICOM

interface DicomFacts {
  text(tag: number): string | undefined | 'ambiguous';
  us(tag: number): number | undefined | 'ambiguous';
  walk: ReturnType<typeof walkDicom>;
}

function dicomFacts(b: Uint8Array): DicomFacts {
  const walk = walkDicom(b);
  const raw = (tag: number, vr: string): Uint8Array | undefined | 'ambiguous' => {
    if (walk) {
      const e = walk.elements.find((x) => x.tag === tag);
      return e ? b.subarray(e.valueStart, e.valueStart + e.length) : undefined;
    }
    const found = findElementsByTag(b, tag, vr);
    if (found.length > 1) return 'ambiguous';
    return found.length ? b.subarray(found[0]!.valueStart, found[0]!.valueStart + found[0]!.length) : undefined;
  };
  return {
    walk,
    text: (tag) => {
      const r = raw(tag, 'DS');
      return r === undefined || r === 'ambiguous' ? r : latin1(r).replace(/[\0 ]+$/, '').trim();
    },
    us: (tag) => {
      const r = raw(tag, 'US');
      if (r === undefined || r === 'ambiguous') return r;
      return r.length === 2 ? r[0]! | (r[1]! << 8) : NaN;
    },
  };
}

/** Raw stored values of a native 16-bit PixelData as GDCM unpacks them (BitsStored bits, sign-extended if signed). */
function decodeNative16(b: Uint8Array, pd: DicomElement, n: number, bitsStored: number, signed: boolean): Float64Array {
  const out = new Float64Array(n);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const mask = bitsStored >= 16 ? 0xffff : (1 << bitsStored) - 1;
  for (let i = 0; i < n; i++) {
    let x = dv.getUint16(pd.valueStart + 2 * i, true) & mask;
    if (signed && x & (1 << (bitsStored - 1))) x -= 1 << bitsStored;
    out[i] = x;
  }
  return out;
}

/** Pixel-module values of a seed, to know when the value check applies unchanged. */
export interface DicomPixelModule {
  readonly key: string;
}

function pixelModuleKey(f: DicomFacts): string {
  return [TAG.BitsAllocated, TAG.BitsStored, TAG.HighBit, TAG.PixelRepresentation, TAG.SamplesPerPixel].map((t) => String(f.us(t))).join('/') + '|' + String(f.text(TAG.TransferSyntax));
}

export function dicomSeedKey(b: Uint8Array): string {
  return pixelModuleKey(dicomFacts(b));
}

function judgeDicom(v: Volume, b: Uint8Array, seedKey: string): Verdict | undefined {
  const f = dicomFacts(b);
  const got = describeVolume(v);
  const rows = f.us(TAG.Rows), cols = f.us(TAG.Columns);
  if (typeof rows !== 'number' || typeof cols !== 'number' || !(rows > 0) || !(cols > 0)) {
    return fail('dicom: loaded although Rows/Columns are missing, 0 or unreadable', `Rows=${rows} Columns=${cols}; ${got}`);
  }
  const framesText = f.text(TAG.NumberOfFrames);
  let frames = 1;
  if (framesText === 'ambiguous') return fail('dicom: loaded although Rows/Columns are missing, 0 or unreadable', `NumberOfFrames found more than once; ${got}`);
  if (framesText !== undefined) {
    frames = /^[+]?\d+$/.test(framesText) ? Number(framesText) : NaN;
    if (!(Number.isSafeInteger(frames) && frames >= 1)) {
      if (!hasWarning(v)) return fail('dicom: invalid NumberOfFrames loaded without a warning', `NumberOfFrames=${JSON.stringify(framesText)}; ${got}`);
      frames = v.dims[2];
    }
  }
  const want = [cols, rows, frames];
  if (!want.every((n, i) => v.dims[i] === n)) return fail('dicom: dims differ from Columns×Rows×NumberOfFrames', `header [${want.join(', ')}]; ${got}`);

  // PixelData length vs the pixel module (native transfer syntaxes).
  const ts = f.text(TAG.TransferSyntax);
  const native = ts === '1.2.840.10008.1.2' || ts === '1.2.840.10008.1.2.1' || ts === '1.2.840.10008.1.2.2';
  const pd = f.walk?.elements.find((e) => e.tag === TAG.PixelData);
  const bitsAllocated = f.us(TAG.BitsAllocated), spp = f.us(TAG.SamplesPerPixel) ?? 1;
  if (native && pd && pd.length !== 0xffffffff && typeof bitsAllocated === 'number' && typeof spp === 'number') {
    const need = (rows * cols * frames * spp * bitsAllocated) / 8;
    const ok = pd.length === need || pd.length === need + 1 || (need % 1 !== 0 && pd.length === Math.ceil(need));
    if (!ok && !hasWarning(v)) {
      return fail('dicom: PixelData length ≠ Rows×Columns×Frames×BitsAllocated/8, loaded without a warning', `PixelData ${pd.length} bytes, header needs ${need} (BitsAllocated ${bitsAllocated}); ${got}`);
    }
  }

  // Spacing from PixelSpacing (row\column): x = column spacing, y = row spacing.
  const ps = f.text(TAG.PixelSpacing);
  const psv = typeof ps === 'string' ? dicomNumbers(ps) : [];
  if (psv.length === 2 && psv.every((x) => Number.isFinite(x) && x > 0)) {
    if (!closeRel(v.spacingMm[0], psv[1]!, 1e-6) || !closeRel(v.spacingMm[1], psv[0]!, 1e-6)) {
      return fail('dicom: spacing differs from PixelSpacing', `PixelSpacing=${JSON.stringify(ps)}; ${got}`);
    }
  } else if (!hasWarning(v)) {
    return fail('dicom: PixelSpacing invalid or missing, loaded without a warning', `PixelSpacing=${JSON.stringify(ps)}; ${got}`);
  }

  // Direction from ImageOrientationPatient (row direction, column direction).
  const iop = f.text(TAG.ImageOrientationPatient);
  const o = typeof iop === 'string' ? dicomNumbers(iop) : [];
  const unit = (a: number[]) => Math.abs(Math.hypot(a[0]!, a[1]!, a[2]!) - 1) <= 1e-3;
  if (o.length === 6 && o.every(Number.isFinite) && unit(o.slice(0, 3)) && unit(o.slice(3)) && Math.abs(o[0]! * o[3]! + o[1]! * o[4]! + o[2]! * o[5]!) <= 1e-3) {
    const d = v.direction;
    const okDir = [0, 1, 2].every((r) => Math.abs(d[3 * r]! - o[r]!) <= 1e-3 && Math.abs(d[3 * r + 1]! - o[3 + r]!) <= 1e-3);
    if (!okDir) return fail('dicom: direction differs from ImageOrientationPatient', `IOP=${JSON.stringify(iop)}; ${got}`);
  } else if (!hasWarning(v)) {
    return fail('dicom: ImageOrientationPatient invalid or missing, loaded without a warning', `IOP=${JSON.stringify(iop)}; ${got}`);
  }

  const ipp = f.text(TAG.ImagePositionPatient);
  const p = typeof ipp === 'string' ? dicomNumbers(ipp) : [];
  if (p.length === 3 && p.every(Number.isFinite)) {
    if (!p.every((x, i) => closeRel(v.originMm[i]!, x, 1e-6))) return fail('dicom: origin differs from ImagePositionPatient', `IPP=${JSON.stringify(ipp)}; ${got}`);
  } else if (!hasWarning(v)) {
    return fail('dicom: ImagePositionPatient invalid or missing, loaded without a warning', `IPP=${JSON.stringify(ipp)}; ${got}`);
  }

  // Values: only where the pixel module is the seed's (native 16-bit, same bits/sign).
  if (pd && pixelModuleKey(f) === seedKey && native && ts !== '1.2.840.10008.1.2.2') {
    const n = rows * cols * frames;
    if (pd.length >= 2 * n) {
      const slopeText = f.text(TAG.RescaleSlope), interText = f.text(TAG.RescaleIntercept);
      const num = (t: string | undefined | 'ambiguous', dflt: number) => (t === undefined ? dflt : typeof t === 'string' ? (dicomNumbers(t).length === 1 ? dicomNumbers(t)[0]! : NaN) : NaN);
      const slope = num(slopeText, 1), inter = num(interText, 0);
      // A slope of 0 (every voxel = intercept) is as unusable as a non-number: refuse or warn.
      if (!Number.isFinite(slope) || slope === 0 || !Number.isFinite(inter)) {
        if (!hasWarning(v)) return fail('dicom: RescaleSlope/Intercept invalid, loaded without a warning', `RescaleSlope=${JSON.stringify(slopeText)} RescaleIntercept=${JSON.stringify(interText)}; ${got}`);
      } else {
        const bitsStored = f.us(TAG.BitsStored) as number, signed = f.us(TAG.PixelRepresentation) === 1;
        const raw = decodeNative16(b, pd, n, bitsStored, signed);
        for (let i = 0; i < n; i++) raw[i] = raw[i]! * slope + inter;
        const at = firstValueMismatch(v.data, raw, v.data instanceof Float32Array);
        if (at >= 0) return fail('dicom: voxel values differ from PixelData × RescaleSlope + RescaleIntercept', `voxel ${at}: got ${v.data[at]}, file says ${raw[at]} (slope ${slope}, intercept ${inter}); ${got}`);
      }
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------
// .inv3

/** Regular files of a ustar archive by base name (GNU 'L' and PAX 'x' names honoured), ignoring checksums. */
function tarFiles(tar: Uint8Array): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const td = new TextDecoder();
  const str = (a: number, n: number) => td.decode(tar.subarray(a, a + n)).replace(/\0[\s\S]*$/, '');
  let pos = 0;
  let long: string | undefined;
  while (pos + 512 <= tar.length) {
    if (tar.subarray(pos, pos + 512).every((x) => x === 0)) break;
    const sizeText = str(pos + 124, 12).trim();
    const size = tar[pos + 124]! & 0x80 ? NaN : /^[0-7]*$/.test(sizeText) ? parseInt(sizeText || '0', 8) : NaN;
    if (!Number.isSafeInteger(size) || pos + 512 + size > tar.length) break;
    const data = tar.subarray(pos + 512, pos + 512 + size);
    const type = String.fromCharCode(tar[pos + 156]!);
    if (type === 'L') long = td.decode(data).replace(/\0[\s\S]*$/, '');
    else if (type === 'x') long = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(td.decode(data))?.[1] ?? long;
    else {
      const prefix = str(pos + 345, 155), short = str(pos, 100);
      const name = long ?? (prefix ? `${prefix}/${short}` : short);
      long = undefined;
      if (type === '0' || type === '\0' || type === '7') out.set(name.slice(name.lastIndexOf('/') + 1), data);
    }
    pos += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

function flipRowsExpected(src: ArrayLike<number>, nx: number, ny: number, nz: number): Float64Array {
  const out = new Float64Array(nx * ny * nz);
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) out[i + nx * (ny - 1 - j + ny * k)] = src[i + nx * (j + ny * k)]!;
  return out;
}

function judgeInv3(l: Loaded, tar: Uint8Array): Verdict | undefined {
  const v = l.volume;
  const got = describeVolume(v);
  const files = tarFiles(tar);
  const mainBytes = files.get('main.plist');
  let main: Record<string, unknown> | undefined;
  try {
    const p = mainBytes ? (parsePlist(new TextDecoder().decode(mainBytes)) as unknown) : undefined;
    if (p && typeof p === 'object' && !Array.isArray(p)) main = p as Record<string, unknown>;
  } catch {
    main = undefined;
  }
  if (!main) return fail('inv3: loaded although main.plist is missing or unreadable', got);
  const matrix = main['matrix'] as Record<string, unknown> | undefined;
  const shape = matrix?.['shape'];
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x > 0)) {
    return fail('inv3: loaded although matrix.shape is not 3 positive integers', `shape=${JSON.stringify(shape)}; ${got}`);
  }
  const [nz, ny, nx] = shape as number[];
  if (!(v.dims[0] === nx && v.dims[1] === ny && v.dims[2] === nz)) return fail('inv3: dims differ from matrix.shape', `shape=${JSON.stringify(shape)}; ${got}`);
  const spacing = main['spacing'];
  if (Array.isArray(spacing) && spacing.length === 3 && spacing.every((x) => typeof x === 'number' && Number.isFinite(x) && x > 0)) {
    if (!spacing.every((s, i) => closeRel(v.spacingMm[i]!, s as number, 1e-9))) return fail('inv3: spacing differs from main.plist', `spacing=${JSON.stringify(spacing)}; ${got}`);
  } else if (!hasWarning(v)) {
    return fail('inv3: main.plist spacing invalid, loaded without a warning', `spacing=${JSON.stringify(spacing)}; ${got}`);
  }
  if (matrix?.['dtype'] !== 'int16') return fail('inv3: loaded a dtype other than int16', `dtype=${String(matrix?.['dtype'])}; ${got}`);
  const mname = typeof matrix['filename'] === 'string' ? matrix['filename'] : 'matrix.dat';
  const m = files.get(mname);
  const n = nx! * ny! * nz!;
  if (!m || m.length !== 2 * n) return fail('inv3: loaded although matrix.dat does not match the shape', `${mname}: ${m?.length} bytes for ${n} int16; ${got}`);
  const dv = new DataView(m.buffer, m.byteOffset, m.byteLength);
  const src = new Float64Array(n);
  for (let i = 0; i < n; i++) src[i] = dv.getInt16(2 * i, true);
  const at = firstValueMismatch(v.data, flipRowsExpected(src, nx!, ny!, nz!), false);
  if (at >= 0) return fail('inv3: voxel values differ from matrix.dat', `voxel ${at}; ${got}`);

  // Mask 0: a typed error naming the file, or a 0/1 volume on the same grid matching mask_0.dat.
  if (l.mask && !('error' in l.mask)) {
    const mk = l.mask;
    if (!(mk.dims[0] === nx && mk.dims[1] === ny && mk.dims[2] === nz) || !(mk.data instanceof Uint8Array)) return fail('inv3: mask grid differs from matrix.shape', describeVolume(mk));
    const md = files.get('mask_0.dat');
    const need = (nx! + 1) * (ny! + 1) * (nz! + 1);
    if (!md || md.length !== need) return fail('inv3: mask loaded although mask_0.dat does not match the shape', `mask_0.dat ${md?.length} bytes, needs ${need}`);
    const un = new Float64Array(n);
    for (let k = 0; k < nz!; k++) for (let j = 0; j < ny!; j++) for (let i = 0; i < nx!; i++) un[i + nx! * (j + ny! * k)] = md[(i + 1) + (nx! + 1) * ((j + 1) + (ny! + 1) * (k + 1))]! >= 128 ? 1 : 0;
    if (firstValueMismatch(mk.data, flipRowsExpected(un, nx!, ny!, nz!), false) >= 0) return fail('inv3: mask values differ from mask_0.dat', describeVolume(mk));
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------

export interface JudgeInput {
  readonly seed: Seed;
  /** The mutated file as given to the loader. */
  readonly bytes: Uint8Array;
  /** The name the loader was given (must appear in error messages). */
  readonly fileName: string;
  readonly streamOnly: boolean;
  /** The unmutated seed's load; undefined when the seed itself does not load (then only the header is the reference). */
  readonly original: Loaded | undefined;
  /** For DICOM seeds: `dicomSeedKey` of the seed. */
  readonly dicomKey?: string;
}

/** The verdict on a load that returned. */
export function judgeLoad(l: Loaded, j: JudgeInput): Verdict {
  const v = l.volume;
  const problem = invariantProblem(v);
  if (problem) return fail('volume breaks makeVolume invariants', `${problem}; ${v && v.dims ? describeVolume(v) : ''}`);
  if (l.mask && !('error' in l.mask)) {
    const mp = invariantProblem(l.mask);
    if (mp) return fail('volume breaks makeVolume invariants', `mask: ${mp}`);
  }
  if (l.mask && 'error' in l.mask) {
    const mv = judgeError(l.mask.error, j.fileName);
    if (mv.category === 'FAILED') return { ...mv, failure: `mask: ${mv.failure}` };
  }
  const o = j.original;
  const same = o !== undefined && identical(v, o.volume) && (!l.mask || !o.mask || 'error' in l.mask || 'error' in o.mask || identical(l.mask, o.mask));
  if (j.streamOnly && o) {
    return same ? { category: 'identical', detail: 'identical to the original load' }
      : fail('gzip stream damaged but loaded different voxels or geometry', describeVolume(v));
  }
  let raw = j.bytes;
  if (j.seed.gz) {
    try {
      raw = gunzipSync(j.bytes);
    } catch {
      return fail('loaded a gzip stream that does not decompress', describeVolume(v));
    }
  }
  const verdict = j.seed.format === 'nifti' ? judgeNifti(v, raw)
    : j.seed.format === 'dicom' ? judgeDicom(v, raw, j.dicomKey ?? '')
    : judgeInv3(l, raw);
  if (verdict) return verdict;
  return same ? { category: 'identical', detail: 'identical to the original load' } : { category: 'valid', detail: describeVolume(v) };
}
