/**
 * DICOM image series (a folder of slices, a list of files, or one file) into an LPS volume.
 *
 * Decoding, sorting and geometry are done by ITK/GDCM through `@itk-wasm/dicom`
 * (`readImageDicomFileSeriesNode` with `singleSortedSeries: false`, so the slices are
 * ordered by ImagePositionPatient along the slice normal, whatever their file names).
 * ITK applies RescaleSlope/Intercept (CT comes back in HU) and reports origin, spacing
 * and direction in DICOM's LPS patient frame, which is Voxbook's frame, so they are used
 * as they are. ITK's direction is row-major with columns the i, j, k axes, as `Mat3`.
 *
 * Before decoding, each file's element structure is walked (PS3.5 §7: data elements,
 * explicit/implicit VR, undefined-length sequences and encapsulated pixel data) to catch
 * truncation: GDCM reads a file whose pixel data is cut short without complaint and
 * pads it, which would silently corrupt the image. The same walk gives each file's
 * SeriesInstanceUID, so files of several series are refused with a list of them instead
 * of GDCM quietly picking one.
 *
 * Node only in this version: the browser build of @itk-wasm/dicom needs its pipelines
 * served and a worker set up, which the app does not do yet.
 */
import { FormatError, VoxbookError } from '../core/errors.ts';
import { makeVolume, type Mat3, type Vec3, type VoxelArray, type Volume } from '../core/volume.ts';
import { baseName, isDirectory, isNode, joinPath, listFiles, readBytes, sha256Hex } from './bytes.ts';

type ItkDicom = typeof import('@itk-wasm/dicom');
type NodePath = typeof import('node:path');

let itkPromise: Promise<ItkDicom> | undefined;
function itkDicom(): Promise<ItkDicom> {
  const spec = '@itk-wasm/dicom';
  itkPromise ??= import(/* @vite-ignore */ spec) as Promise<ItkDicom>;
  return itkPromise;
}
function nodePath(): Promise<NodePath> {
  const spec = 'node:path';
  return import(/* @vite-ignore */ spec) as Promise<NodePath>;
}

// ---------------------------------------------------------------------------------------
// Structure check. Invariant: `walk*` return the offset just past what they consumed, or
// throw Truncated when a declared length runs past the end of the file; anything they do
// not understand throws Unparsed, and the check then defers to GDCM.

class Truncated extends Error {}
class Unparsed extends Error {}

/** VRs with a 2-byte reserved field and a 4-byte length in explicit VR (PS3.5 §7.1.2). */
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const UNDEFINED = 0xffffffff;

interface Mode { readonly explicit: boolean; readonly little: boolean }

/** A few header values the loader reports; collected from the top-level dataset. */
export interface DicomHeaderFacts {
  transferSyntax?: string;
  modality?: string;
  seriesDescription?: string;
  seriesInstanceUid?: string;
  /** RescaleType (0028,1054), e.g. 'HU' or 'US' (unspecified); CT files usually omit it, meaning HU. */
  rescaleType?: string;
}

const WANTED: Record<number, keyof DicomHeaderFacts> = {
  0x00020010: 'transferSyntax', 0x00080060: 'modality', 0x0008103e: 'seriesDescription', 0x0020000e: 'seriesInstanceUid',
  0x00281054: 'rescaleType',
};

class Walker {
  readonly dv: DataView;
  constructor(readonly b: Uint8Array, readonly facts: DicomHeaderFacts) {
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  u16(p: number, little: boolean): number { return this.dv.getUint16(p, little); }
  u32(p: number, little: boolean): number { return this.dv.getUint32(p, little); }
  tagAt(p: number, little: boolean): number { return ((this.u16(p, little) << 16) | this.u16(p + 2, little)) >>> 0; }

  /** Elements from `pos` until the end of the file, or until an item delimiter when `inItem`. */
  dataset(pos: number, mode: Mode, inItem: boolean, depth: number, stopAtGroup?: number): number {
    const end = this.b.length;
    if (depth > 64) throw new Unparsed('nesting too deep');
    for (;;) {
      if (pos + 8 > end) {
        if (inItem) throw new Truncated(`an item of undefined length is not closed: the file ends at byte ${end}`);
        return end; // at most a few trailing padding bytes
      }
      const tag = this.tagAt(pos, mode.little);
      if (stopAtGroup !== undefined && tag >>> 16 !== stopAtGroup) return pos;
      if (tag === 0xfffee00d) {
        if (inItem) return pos + 8;
        throw new Unparsed('item delimiter outside an item');
      }
      if (tag >>> 16 === 0xfffe) throw new Unparsed('item tag inside a dataset');
      let vr: string | undefined;
      let len: number;
      let valueStart: number;
      if (mode.explicit) {
        vr = String.fromCharCode(this.b[pos + 4]!, this.b[pos + 5]!);
        if (!/^[A-Z]{2}$/.test(vr)) throw new Unparsed(`bad VR at ${pos}`);
        if (LONG_VRS.has(vr)) {
          if (pos + 12 > end) throw new Truncated(`element ${fmtTag(tag)} header is cut off at byte ${end}`);
          len = this.u32(pos + 8, mode.little);
          valueStart = pos + 12;
        } else {
          len = this.u16(pos + 6, mode.little);
          valueStart = pos + 8;
        }
      } else {
        len = this.u32(pos + 4, mode.little);
        valueStart = pos + 8;
      }
      if (len === UNDEFINED) {
        // Sequences, encapsulated pixel data, and UN of undefined length (implicit VR LE inside).
        const inner: Mode = vr === 'UN' ? { explicit: false, little: true } : mode;
        pos = this.items(valueStart, inner, tag, depth + 1);
        continue;
      }
      if (valueStart + len > end) {
        throw new Truncated(`element ${fmtTag(tag)} declares ${len} bytes at byte ${valueStart}, but the file ends at byte ${end} (${valueStart + len - end} bytes missing)`);
      }
      if (depth === 0) {
        const key = WANTED[tag];
        if (key) this.facts[key] = new TextDecoder('latin1').decode(this.b.subarray(valueStart, valueStart + len)).replace(/[\0 ]+$/, '').trim();
      }
      pos = valueStart + len;
    }
  }

  /** Items of an undefined-length sequence (or pixel-data fragments) up to the sequence delimiter. */
  items(pos: number, mode: Mode, owner: number, depth: number): number {
    const end = this.b.length;
    for (;;) {
      if (pos + 8 > end) throw new Truncated(`element ${fmtTag(owner)} (undefined length) is not closed: the file ends at byte ${end}`);
      const tag = this.tagAt(pos, mode.little);
      const len = this.u32(pos + 4, mode.little);
      if (tag === 0xfffee0dd) return pos + 8;
      if (tag !== 0xfffee000) throw new Unparsed(`expected an item in ${fmtTag(owner)} at ${pos}`);
      if (len === UNDEFINED) {
        pos = this.dataset(pos + 8, mode, true, depth + 1);
      } else {
        if (pos + 8 + len > end) {
          throw new Truncated(`an item of ${fmtTag(owner)} declares ${len} bytes at byte ${pos + 8}, but the file ends at byte ${end} (${pos + 8 + len - end} bytes missing)`);
        }
        pos += 8 + len;
      }
    }
  }
}

function fmtTag(tag: number): string {
  const h = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');
  return `(${h(tag >>> 16)},${h(tag & 0xffff)})`;
}

/** True if the bytes carry the DICOM Part 10 marker "DICM" at offset 128. */
export function hasDicmMarker(b: Uint8Array): boolean {
  return b.length >= 132 && b[128] === 0x44 && b[129] === 0x49 && b[130] === 0x43 && b[131] === 0x4d;
}

/**
 * Walks a DICOM file's elements to check that every declared length fits in the file.
 * Returns a few header values (modality, series UID and description, transfer syntax,
 * rescale type) found on the way.
 * Deflated transfer syntaxes and structures it does not understand are left to GDCM.
 * @throws FormatError naming `name` when the file is truncated.
 */
export function checkDicomStructure(b: Uint8Array, name: string): DicomHeaderFacts {
  const facts: DicomHeaderFacts = {};
  const w = new Walker(b, facts);
  try {
    let pos = 0;
    let mode: Mode;
    if (hasDicmMarker(b)) {
      pos = w.dataset(132, { explicit: true, little: true }, false, 0, 0x0002);
      const ts = facts.transferSyntax ?? '';
      if (ts === '1.2.840.10008.1.2.1.99') return facts; // deflated: the dataset is a zlib stream
      mode = ts === '1.2.840.10008.1.2' ? { explicit: false, little: true }
        : ts === '1.2.840.10008.1.2.2' ? { explicit: true, little: false }
        : { explicit: true, little: true };
    } else {
      // No Part 10 header: guess byte order from the first group number, VR mode from bytes 4–5.
      if (b.length < 8) throw new Truncated(`only ${b.length} bytes`);
      const little = !(b[0] === 0 && b[1] !== 0);
      mode = { explicit: /^[A-Z]{2}$/.test(String.fromCharCode(b[4]!, b[5]!)), little };
      // Only judge files that start like a dataset: an even group of the header modules.
      const group = w.u16(0, little);
      if (group % 2 !== 0 || group > 0x0010 || group === 0) throw new Unparsed('does not start with a DICOM element');
    }
    w.dataset(pos, mode, false, 0);
  } catch (e) {
    if (e instanceof Truncated) throw new FormatError(name, `truncated DICOM file: ${e.message}`);
    if (!(e instanceof Unparsed)) throw e;
  }
  return facts;
}

// ---------------------------------------------------------------------------------------

const DICOM_EXTENSIONS = /\.(dcm|dicom|dic|ima)$/i;

const ARRAYS: Record<string, boolean> = {
  Int8Array: true, Uint8Array: true, Int16Array: true, Uint16Array: true,
  Int32Array: true, Uint32Array: true, Float32Array: true, Float64Array: true,
};

function isVoxelArray(x: unknown): x is VoxelArray {
  return ArrayBuffer.isView(x) && ARRAYS[(x as object).constructor.name] === true;
}

function describeItkError(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'number') return `itk-wasm pipeline exception ${e}`;
  return String(e);
}

/** The files of one series, as found by `groupBySeries`. */
interface SeriesGroup {
  /** SeriesInstanceUID (0020,000E), or '' when the header walk did not find one. */
  readonly uid: string;
  readonly files: { path: string; bytes: Uint8Array; facts: DicomHeaderFacts }[];
}

/** Groups files by SeriesInstanceUID, largest group first (ties: by UID). */
function groupBySeries(files: readonly { path: string; bytes: Uint8Array; facts: DicomHeaderFacts }[]): SeriesGroup[] {
  const byUid = new Map<string, SeriesGroup>();
  for (const f of files) {
    const uid = f.facts.seriesInstanceUid ?? '';
    let g = byUid.get(uid);
    if (!g) byUid.set(uid, (g = { uid, files: [] }));
    g.files.push(f);
  }
  return [...byUid.values()].sort((a, b) => b.files.length - a.files.length || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
}

/** The first non-empty value of a header fact among a series' files. */
function firstFact(files: readonly { facts: DicomHeaderFacts }[], key: keyof DicomHeaderFacts): string | undefined {
  for (const f of files) {
    const v = f.facts[key];
    if (v !== undefined && v !== '') return v;
  }
  return undefined;
}

/**
 * Reads a DICOM series into a volume.
 *
 * @param pathOrFiles a folder (every file with the "DICM" marker or a .dcm/.dicom/.ima
 *   extension is taken; others are skipped), one file, or a list of files of one series,
 *   in any order. All of them must belong to one series (one SeriesInstanceUID).
 * @returns dims [columns, rows, slices]; values with the rescale applied (HU for CT) in the
 *   array type ITK chooses (int16 for typical CT); origin, spacing, direction from ITK
 *   (LPS). `source.sha256` hashes the bytes of the files read, in path order;
 *   `source.modality` is the Modality tag (0008,0060); `source.valueUnit` is 'HU' for CT
 *   (unless RescaleType (0028,1054) names another unit), undefined otherwise.
 * @throws InputNotFoundError if the path or a listed file does not exist.
 * @throws FormatError naming the file when one is truncated or cannot be decoded; naming
 *   the folder when it holds no DICOM files; naming the folder (or the list) when the files
 *   belong to more than one series, listing each (UID, modality, file count, description);
 *   and for multi-component (RGB) images.
 * @throws VoxbookError (`code: 'unsupported'`) outside Node.
 */
export async function loadDicomSeries(pathOrFiles: string | readonly string[]): Promise<Volume> {
  const input = typeof pathOrFiles === 'string' ? pathOrFiles : pathOrFiles.join(', ');
  if (!isNode()) {
    throw new VoxbookError('unsupported', `${input}: reading DICOM is Node-only in this version; run the notebook headless (voxbook run), or convert the series to NIfTI (e.g. dcm2niix) and load the .nii.gz`);
  }
  const path = await nodePath();

  // 1. The files, with their bytes.
  let files: { path: string; bytes: Uint8Array }[];
  let skipped = 0;
  const folder = typeof pathOrFiles === 'string' && (await isDirectory(pathOrFiles)) ? pathOrFiles : undefined;
  if (folder !== undefined) {
    const names = await listFiles(folder);
    const all = await Promise.all(names.map(async (n) => ({ path: joinPath(folder, n), bytes: await readBytes(joinPath(folder, n)) })));
    files = all.filter((f) => hasDicmMarker(f.bytes) || DICOM_EXTENSIONS.test(f.path));
    skipped = all.length - files.length;
    if (files.length === 0) {
      throw new FormatError(folder, `no DICOM files in this folder (looked for the "DICM" marker or a .dcm/.dicom/.ima name among ${all.length} file${all.length === 1 ? '' : 's'})`);
    }
  } else {
    const list = typeof pathOrFiles === 'string' ? [pathOrFiles] : [...pathOrFiles];
    if (list.length === 0) throw new FormatError('(no files)', 'loadDicomSeries was given an empty list of files');
    files = await Promise.all(list.map(async (p) => ({ path: p, bytes: await readBytes(p) })));
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  // 2. Structure check (truncation), and header facts for grouping and the description.
  const checked = files.map((f) => ({ ...f, facts: checkDicomStructure(f.bytes, f.path) }));

  // 3. One series only. Given several, GDCM reads one of them without saying which, and
  //    the description and hash would then speak of files that were not read.
  const groups = groupBySeries(checked);
  if (groups.length > 1) {
    const list = groups.map((g) => {
      const modality = firstFact(g.files, 'modality') ?? 'modality unknown';
      const description = firstFact(g.files, 'seriesDescription');
      const n = g.files.length;
      return `  - ${g.uid || '(no SeriesInstanceUID found)'}: ${modality}, ${n} file${n === 1 ? '' : 's'}, ${description ? `"${description}"` : 'no description'} (e.g. ${baseName(g.files[0]!.path)})`;
    });
    throw new FormatError(
      folder ?? input,
      `the ${files.length} DICOM files belong to ${groups.length} series:\n${list.join('\n')}\n` +
        "Pick one: pass the list of that series' files, or a folder that holds only that series.",
    );
  }

  // 4. Decode with ITK/GDCM (absolute paths: @itk-wasm/dicom's Node functions need them).
  const itk = await itkDicom();
  const absolute = files.map((f) => path.resolve(f.path));
  let image: Awaited<ReturnType<ItkDicom['readImageDicomFileSeriesNode']>>['outputImage'];
  let read = checked;
  try {
    const r = await itk.readImageDicomFileSeriesNode({ inputImages: absolute, singleSortedSeries: false });
    image = r.outputImage;
    if (Array.isArray(r.sortedFilenames)) {
      const used = new Set(r.sortedFilenames.map((p) => path.resolve(String(p))));
      const subset = checked.filter((_, i) => used.has(absolute[i]!));
      if (subset.length > 0) read = subset;
    }
  } catch (e) {
    // Name the file that fails, if one does on its own; else the set.
    if (files.length > 1) {
      for (let i = 0; i < files.length && i < 400; i++) {
        try {
          await itk.readImageDicomFileSeriesNode({ inputImages: [absolute[i]!], singleSortedSeries: false });
        } catch (e1) {
          throw new FormatError(files[i]!.path, `not a DICOM image that GDCM can decode (${describeItkError(e1)})`, { cause: e1 });
        }
      }
      throw new FormatError(folder ?? input, `the ${files.length} files do not form one readable image series (${describeItkError(e)})`, { cause: e });
    }
    throw new FormatError(files[0]!.path, `not a DICOM image that GDCM can decode (${describeItkError(e)})`, { cause: e });
  }

  // 5. To a Volume. Description and hash come from the files read.
  const where = folder ?? files[0]!.path;
  const t = image.imageType;
  if (t.components !== 1) {
    throw new FormatError(where, `${t.components} components per pixel (${t.pixelType}, e.g. RGB); Voxbook volumes hold one value per voxel`);
  }
  if (!isVoxelArray(image.data)) {
    throw new FormatError(where, `pixel type ${t.componentType} is not supported (supported: int8..uint32, float32, float64)`);
  }
  const dim = t.dimension;
  if (dim !== 2 && dim !== 3) throw new FormatError(where, `a ${dim}-D image; expected 2-D or 3-D`);
  const dirFlat = Array.from(image.direction as ArrayLike<number | bigint>, Number);
  const at = (r: number, c: number) => (r < dim && c < dim ? dirFlat[c + r * dim]! : r === c ? 1 : 0);
  const direction = [0, 1, 2].flatMap((r) => [0, 1, 2].map((c) => at(r, c))) as unknown as Mat3;
  const v3 = (a: readonly number[], fill: number): Vec3 => [a[0] ?? fill, a[1] ?? fill, dim === 3 ? a[2]! : fill];
  const dims = v3(image.size, 1);
  const sha256 = await sha256Hex(read.map((f) => f.bytes));
  const modality = firstFact(read, 'modality');
  const rescaleType = firstFact(read, 'rescaleType');
  const valueUnit = modality === 'CT' && (rescaleType === undefined || rescaleType === 'HU') ? 'HU' : undefined;
  const what = [modality, firstFact(read, 'seriesDescription')].filter(Boolean).join(' ');
  const extra = [
    skipped > 0 ? `${skipped} non-DICOM file${skipped === 1 ? '' : 's'} skipped` : '',
    read.length < files.length ? `${read.length} of ${files.length} files form the series read` : '',
  ].filter(Boolean).join('; ');
  return makeVolume({
    data: image.data,
    dims,
    spacingMm: v3(image.spacing, 1),
    originMm: v3(image.origin, 0),
    direction,
    source: {
      input: typeof pathOrFiles === 'string' ? pathOrFiles : input,
      format: 'dicom',
      sha256,
      ...(modality !== undefined ? { modality } : {}),
      ...(valueUnit !== undefined ? { valueUnit } : {}),
      description: `${what ? `${what}: ` : ''}DICOM ${folder !== undefined ? `series "${baseName(folder)}"` : read.length === 1 ? `file ${baseName(read[0]!.path)}` : 'series'}, ${read.length} file${read.length === 1 ? '' : 's'}, ${dims.join('×')} ${t.componentType}${extra ? ` (${extra})` : ''}`,
    },
  });
}
