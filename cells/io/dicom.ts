/**
 * DICOM image series (a folder of slices, a list of files, or one file) into an LPS volume.
 *
 * Pixels are decoded by ITK/GDCM through `@itk-wasm/dicom` (`readImageDicomFileSeriesNode`
 * with `singleSortedSeries: false`, so the slices are ordered by ImagePositionPatient along
 * the slice normal, whatever their file names). ITK applies RescaleSlope/Intercept (CT
 * comes back in HU).
 *
 * "Never a silent wrong print": GDCM pads pixel data that is cut short, and ITK turns a
 * spacing of 0 or NaN into 1 mm, so Voxbook does not take either on trust. Before
 * decoding, each file's header is walked (dicom-header.ts: truncation, series UID, image
 * size, pixel format, geometry tags) and the pixel data is checked against the size the
 * header claims (dicom-pixels.ts); the grid is computed from the header (dicom-geometry.ts:
 * spacing, slice order and evenness, origin, direction); after decoding, GDCM's image size,
 * slice order and grid must agree with the header, and two known GDCM decoding faults
 * (32-bit big endian, 1-bit) are repaired. Documented fallbacks (no PixelSpacing, a single
 * slice of unknown thickness, …) load with a sentence in `source.warnings`.
 *
 * In Node the files are decoded by path (`readImageDicomFileSeriesNode`); in the browser
 * (`loadDicomFiles`, files picked with the file or folder picker) by bytes, with the same
 * pipeline run in the calling thread (dicom-wasm-browser.ts). Both go through the same
 * checks (`decodeSeries`).
 */
import { AbortError, FormatError, VoxbookError } from '../core/errors.ts';
import { checkAbort, stageSpan, type StageOptions } from '../core/stage.ts';
import { makeVolume, type Mat3, type Vec3, type VoxelArray, type Volume } from '../core/volume.ts';
import { baseName, isDirectory, isNode, joinPath, listFiles, readBytes, sha256Hex } from './bytes.ts';
import { crossCheckItk, headerGeometry } from './dicom-geometry.ts';
import { checkDicomStructure, describeTransferSyntax, hasDicmMarker, TRANSFER_SYNTAXES, type DicomHeaderFacts } from './dicom-header.ts';
import { checkPixelData, repairDecoded, type PixelFormat } from './dicom-pixels.ts';
import { readDicomSeriesBytes } from './dicom-wasm-browser.ts';

export { checkDicomStructure, hasDicmMarker, type DicomHeaderFacts } from './dicom-header.ts';

type ItkDicom = typeof import('@itk-wasm/dicom');
type NodePath = typeof import('node:path');
type ItkImage = Awaited<ReturnType<ItkDicom['readImageDicomFileSeriesNode']>>['outputImage'];

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
// GDCM's console output. The pipeline module prints its stdout/stderr with console.log /
// console.error, and itk-wasm prints a banner ("Exception while running pipeline: …") when
// a pipeline throws. While a pipeline runs, console calls that come from itk-wasm's files
// are caught (to be put into Voxbook's errors and warnings); every other call goes through.

const ITK_SOURCE = /[\\/]@?itk-wasm[\\/]/;
const CONSOLE_METHODS = ['log', 'error', 'warn', 'info', 'debug'] as const;
type ConsoleMethod = (typeof CONSOLE_METHODS)[number];
const captures = new Set<unknown[][]>();
let originals: Record<ConsoleMethod, (...a: unknown[]) => void> | undefined;
let filters: Record<ConsoleMethod, (...a: unknown[]) => void> | undefined;

function installFilters(): void {
  const con = console as unknown as Record<ConsoleMethod, (...a: unknown[]) => void>;
  originals = { log: con.log, error: con.error, warn: con.warn, info: con.info, debug: con.debug };
  const saved = originals;
  filters = {} as Record<ConsoleMethod, (...a: unknown[]) => void>;
  for (const m of CONSOLE_METHODS) {
    filters[m] = (...args: unknown[]) => {
      // Frames: [0] "Error", [1] this filter, [2…] its caller chain.
      const frames = (new Error().stack ?? '').split('\n').slice(2, 6);
      if (frames.some((f) => ITK_SOURCE.test(f))) {
        for (const c of captures) c.push(args);
      } else {
        saved[m].apply(console, args);
      }
    };
    con[m] = filters[m];
  }
}

function removeFilters(): void {
  const con = console as unknown as Record<ConsoleMethod, (...a: unknown[]) => void>;
  for (const m of CONSOLE_METHODS) if (con[m] === filters?.[m]) con[m] = originals![m];
  originals = filters = undefined;
}

/** Runs an itk-wasm call with its console output caught; returns it with what it printed. */
async function quietly<T>(run: () => Promise<T>): Promise<{ value?: T; error?: unknown; failed: boolean; printed: unknown[][] }> {
  const printed: unknown[][] = [];
  if (captures.size === 0) installFilters();
  captures.add(printed);
  try {
    return { value: await run(), failed: false, printed };
  } catch (error) {
    return { error, failed: true, printed };
  } finally {
    captures.delete(printed);
    if (captures.size === 0) removeFilters();
  }
}

const BANNER = new Set(['Exception while running pipeline:', 'stdout:', 'stderr:', 'exception:', 'Build module in Debug mode for exception message information.']);

/**
 * GDCM's messages from what a pipeline printed: itk-wasm's banner dropped, GDCM's
 * "Warning: In <source file>, line …" headers replaced by the message under them.
 * `reported` holds those messages; `other` the rest (codec chatter such as libjpeg's).
 */
function gdcmMessages(printed: unknown[][]): { reported: string[]; other: string[] } {
  const reported: string[] = [];
  const other: string[] = [];
  for (const args of printed) {
    if (BANNER.has(String(args[0]))) continue;
    const lines = args.map(String).join(' ').split('\n').map((l) => l.trim());
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      if (l === '') continue;
      const header = /^(Warning|Error): In .*, line \d+/.exec(l);
      if (header) {
        const msg = lines.slice(i + 1).find((x) => x !== '');
        if (msg !== undefined) {
          if (!reported.includes(msg)) reported.push(msg);
          i = lines.indexOf(msg, i + 1);
        }
        continue;
      }
      if (!other.includes(l) && !reported.includes(l)) other.push(l);
    }
  }
  return { reported, other };
}

function describeItkError(e: unknown): string {
  if (e instanceof Error) return e.message.trim();
  if (typeof e === 'number') return `itk-wasm pipeline exception ${e}`;
  return String(e);
}

function said(messages: readonly string[]): string {
  const text = messages.join('; ');
  return text === '' ? '' : `; GDCM said: "${text.length > 400 ? `${text.slice(0, 400)}…` : text}"`;
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

interface CheckedFile { path: string; bytes: Uint8Array; facts: DicomHeaderFacts }

/** The files of one series, as found by `groupBySeries`. */
interface SeriesGroup {
  /** SeriesInstanceUID (0020,000E), or '' when the header walk did not find one. */
  readonly uid: string;
  readonly files: CheckedFile[];
}

/** Groups files by SeriesInstanceUID, largest group first (ties: by UID). */
function groupBySeries(files: readonly CheckedFile[]): SeriesGroup[] {
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
function firstFact(files: readonly { facts: DicomHeaderFacts }[], key: 'modality' | 'seriesDescription' | 'rescaleType'): string | undefined {
  for (const f of files) {
    const v = f.facts[key];
    if (v !== undefined && v !== '') return v;
  }
  return undefined;
}

/** Why GDCM failed on one file, in words: the transfer syntax and whether Voxbook supports it. */
function decodeFailure(f: CheckedFile, error: unknown, printed: unknown[][]): FormatError {
  const { reported, other } = gdcmMessages(printed);
  const messages = [...reported, ...other];
  const ts = f.facts.transferSyntax;
  const info = ts === undefined ? undefined : TRANSFER_SYNTAXES.get(ts);
  let why: string;
  if (f.facts.complete === false && f.facts.pixelData === undefined) {
    why = `GDCM could not read it as a DICOM image, and Voxbook's own header reader stopped early (${f.facts.incompleteReason ?? 'unknown structure'}): it is probably not a DICOM file, or a damaged one`;
  } else if (info === undefined && ts !== undefined) {
    why = `GDCM could not decode it; its transfer syntax ${ts} is not one Voxbook knows`;
  } else if (info !== undefined && !info.supported) {
    why = `GDCM could not decode it: its pixel data is ${describeTransferSyntax(ts)}, which Voxbook does not support`;
  } else {
    why = `GDCM could not decode its pixel data, ${describeTransferSyntax(ts)}; Voxbook supports this transfer syntax, so this file's pixel data is probably damaged or not conformant`;
  }
  return new FormatError(f.path, `${why} (${describeItkError(error)})${said(messages)}`, { cause: error });
}

/**
 * Reads a DICOM series into a volume.
 *
 * @param pathOrFiles a folder (every file with the "DICM" marker or a .dcm/.dicom/.ima
 *   extension is taken; DICOMDIR and others are skipped), one file (single- or multi-frame), or a list
 *   of files of one series, in any order. All of them must belong to one series (one
 *   SeriesInstanceUID); a series is of single-frame files.
 * @param options `signal` aborts between steps: between batches of 16 files read, between
 *   files of the header walk, before and after GDCM's decode (not inside it). `onProgress`
 *   gets 0..1 once: reading 0–0.3 by files read, the header walk 0.3–0.44 by files, the
 *   decode 0.475–0.93, 1 when the volume is made.
 * @returns dims [Columns, Rows, slices or frames]; values with the rescale applied (HU
 *   for CT) in the array type ITK chooses (int16 for typical CT; 1-bit data as 0/1 bytes);
 *   spacing (mm), origin (LPS mm) and direction from the header (PixelSpacing,
 *   ImagePositionPatient, ImageOrientationPatient, slice positions; see `headerGeometry`
 *   in dicom-geometry.ts), after checking that ITK read the same grid. `source.sha256`
 *   hashes the bytes of the files read, in path order; `source.modality` is the Modality
 *   tag (0008,0060); `source.valueUnit` is 'HU' for CT (unless RescaleType (0028,1054)
 *   names another unit), undefined otherwise; `source.warnings` lists each fallback taken
 *   (missing PixelSpacing read as 1 mm, a slice of unknown thickness, an empty
 *   NumberOfFrames read as 1 where the pixel data holds exactly one frame, a CT Image
 *   Storage file without RescaleSlope/Intercept read as stored, …) and GDCM's own
 *   warnings while decoding.
 * @throws InputNotFoundError if the path or a listed file does not exist.
 * @throws FormatError naming the file (or the folder, for faults of the series as a
 *   whole), saying what is wrong and what to do: truncated; not an image (no Pixel Data);
 *   pixel data shorter than Rows×Columns×frames×samples×bytes, or a header claiming more
 *   than 1 GiB; a RescaleSlope/Intercept that is empty (any modality: GDCM reads an empty
 *   slope as 1 or 0) or not a number; an empty NumberOfFrames unless the pixel data holds
 *   exactly one frame; compressed in a transfer syntax Voxbook does not decode, or that GDCM
 *   could not decode (naming it, e.g. "JPEG 2000 Image Compression
 *   (1.2.840.10008.1.2.4.91)"); several components per pixel (RGB); a spacing that is not
 *   finite and > 0, a non-finite position, orientation cosines that are not orthonormal;
 *   slices of different sizes, spacings or orientations, duplicated, missing (a gap) or
 *   unevenly spaced, or sideways-drifting (gantry tilt); a decoded image whose size or
 *   grid differs from the header's; no DICOM files in the folder; files of more than one
 *   series (listing each: UID, modality, file count, description).
 * @throws AbortError when `options.signal` fires.
 * @throws VoxbookError (`code: 'unsupported'`) outside Node.
 */
export async function loadDicomSeries(pathOrFiles: string | readonly string[], options: StageOptions = {}): Promise<Volume> {
  const { signal } = options;
  const stage = 'loadDicomSeries';
  const input = typeof pathOrFiles === 'string' ? pathOrFiles : pathOrFiles.join(', ');
  if (!isNode()) {
    throw new VoxbookError('unsupported', `${input}: reading DICOM by path is Node-only; in the browser, pick the file or folder with the file input (loadDicomFiles), or convert the series to NIfTI (e.g. dcm2niix) and load the .nii.gz`);
  }
  const path = await nodePath();
  checkAbort(stage, signal);
  options.onProgress?.(0);
  const reading = stageSpan(options, 0, 0.3);

  // 1. The files, with their bytes.
  let files: DicomFileBytes[];
  let skipped = '';
  const folder = typeof pathOrFiles === 'string' && (await isDirectory(pathOrFiles)) ? pathOrFiles : undefined;
  if (folder !== undefined) {
    const names = await listFiles(folder);
    const all = await readFiles(names.map((n) => joinPath(folder, n)), stage, reading);
    ({ files, skipped } = selectDicomFiles(all, folder));
  } else {
    const list = typeof pathOrFiles === 'string' ? [pathOrFiles] : [...pathOrFiles];
    if (list.length === 0) throw new FormatError('(no files)', 'loadDicomSeries was given an empty list of files');
    files = await readFiles(list, stage, reading);
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
  // Decoded by path (@itk-wasm/dicom's Node functions need absolute ones).
  const decode: SeriesDecoder = async (group) => {
    const itk = await itkDicom();
    const absolute = group.map((f) => path.resolve(f.path));
    const out = await itk.readImageDicomFileSeriesNode({ inputImages: absolute, singleSortedSeries: false });
    const index = new Map(absolute.map((p, i) => [p, i]));
    const sorted = Array.isArray(out.sortedFilenames) ? out.sortedFilenames.map((p) => index.get(path.resolve(String(p))) ?? -1) : undefined;
    return { image: out.outputImage, sorted };
  };
  const decoding = stageSpan(options, 0.3, 1);
  return decodeSeries(files, { input: typeof pathOrFiles === 'string' ? pathOrFiles : input, folder, skipped }, decode, decoding);
}

/** How many files are read at once: enough to keep the disk busy, few enough to abort soon. */
const READ_BATCH = 16;

/**
 * The bytes of `paths`, read READ_BATCH at a time, in the given order.
 * @throws AbortError naming `stage` when `signal` fires (checked between batches);
 *   `onProgress` gets the fraction of files read, 0..1.
 */
async function readFiles(paths: readonly string[], stage: string, options: StageOptions): Promise<DicomFileBytes[]> {
  const out: DicomFileBytes[] = [];
  for (let i = 0; i < paths.length; i += READ_BATCH) {
    checkAbort(stage, options.signal);
    out.push(...(await Promise.all(paths.slice(i, i + READ_BATCH).map(async (p) => ({ path: p, bytes: await readBytes(p) })))));
    options.onProgress?.(out.length / paths.length);
  }
  checkAbort(stage, options.signal);
  return out;
}

/**
 * Reads a DICOM series (or one file) from bytes: the files picked in the browser with a
 * file input's file or folder picker. Same checks, errors and result as `loadDicomSeries`
 * (a folder when `folder` is given: DICOMDIR and files that are neither marked "DICM" nor
 * named .dcm/.dicom/.dic/.ima are skipped, and the description says how many); pixels are
 * decoded by @itk-wasm/dicom's `read-image-dicom-file-series` pipeline run in this thread
 * (`readDicomSeriesBytes`, whose pipelines must have been located with
 * `setDicomPipelinesUrl`).
 *
 * @param files each file's name (its path inside the picked folder, for messages; names
 *   must be distinct) and bytes, in any order.
 * @param options `folder`: the picked folder's name; plus `signal`, `onProgress` as
 *   `loadDicomSeries`.
 * @throws as `loadDicomSeries`; VoxbookError (`code: 'unsupported'`) when the pipelines'
 *   URL was not set.
 */
export async function loadDicomFiles(files: readonly DicomFileBytes[], options: StageOptions & { folder?: string } = {}): Promise<Volume> {
  const { folder } = options;
  let picked: DicomFileBytes[];
  let skipped = '';
  if (folder !== undefined) ({ files: picked, skipped } = selectDicomFiles(files, folder));
  else {
    if (files.length === 0) throw new FormatError('(no files)', 'loadDicomFiles was given no files');
    picked = [...files];
  }
  picked.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const input = folder ?? picked.map((f) => f.path).join(', ');
  const decode: SeriesDecoder = (group) => readDicomSeriesBytes(group.map((f) => f.bytes), options.signal ? { signal: options.signal } : {});
  return decodeSeries(picked, { input, folder, skipped }, decode, options);
}

/** A DICOM file's path or name (for messages and the slice order) and its bytes. */
export interface DicomFileBytes { readonly path: string; readonly bytes: Uint8Array }

/**
 * Decodes the given files as one series: the image, and the order GDCM put them in as
 * indices into `files` (-1 for a name it returned that is not one of them).
 * @throws whatever the decoder throws (GDCM's failure).
 */
type SeriesDecoder = (files: readonly CheckedFile[]) => Promise<{ image: ItkImage; sorted: number[] | undefined }>;

/**
 * The DICOM files of a folder's files: those marked "DICM" or named .dcm/.dicom/.dic/.ima,
 * but not DICOMDIR (a directory record, not an image). `skipped` says what was left out
 * ('' when nothing was).
 * @throws FormatError naming the folder when none is left.
 */
function selectDicomFiles(all: readonly DicomFileBytes[], folder: string): { files: DicomFileBytes[]; skipped: string } {
  const isDicomDir = (f: DicomFileBytes) => baseName(f.path).toUpperCase() === 'DICOMDIR';
  const files = all.filter((f) => !isDicomDir(f) && (hasDicmMarker(f.bytes) || DICOM_EXTENSIONS.test(f.path)));
  if (files.length === 0) {
    throw new FormatError(folder, `no DICOM image files in this folder (looked for the "DICM" marker or a .dcm/.dicom/.ima name among ${all.length} file${all.length === 1 ? '' : 's'}, DICOMDIR not counted)`);
  }
  const dirs = all.filter(isDicomDir).length;
  const other = all.length - files.length - dirs;
  const notes = [dirs > 0 ? 'DICOMDIR' : '', other > 0 ? `${other} non-DICOM file${other === 1 ? '' : 's'}` : ''].filter(Boolean);
  return { files, skipped: notes.length > 0 ? `${notes.join(' and ')} skipped` : '' };
}

/**
 * Steps 2–8 of loading a series, whatever the files came from: header walk, one series,
 * pixel-data checks, header geometry, decode, cross-checks, the Volume.
 */
async function decodeSeries(
  files: readonly DicomFileBytes[],
  ctx: { input: string; folder: string | undefined; skipped: string },
  decodeFiles: SeriesDecoder,
  options: StageOptions,
): Promise<Volume> {
  const { signal, onProgress } = options;
  const stage = 'loadDicomSeries';
  const { input, folder } = ctx;
  const where = folder ?? (files.length === 1 ? files[0]!.path : input);
  checkAbort(stage, signal);
  onProgress?.(0);

  // 2. Header walk (truncation), and header facts for grouping, checks and geometry.
  const checked: CheckedFile[] = [];
  for (const f of files) {
    if (checked.length % READ_BATCH === 0 && checked.length > 0) {
      checkAbort(stage, signal);
      onProgress?.((0.2 * checked.length) / files.length);
    }
    checked.push({ ...f, facts: checkDicomStructure(f.bytes, f.path) });
  }

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

  // 4. Pixel data against the header, file by file, then across the series. Invariant
  //    after this step: every fully-read file is a single-component image whose pixel data
  //    can hold what its header claims, and all agree on Rows, Columns and BitsAllocated.
  const formats = checked.map((f) => checkPixelData(f.facts, f.path));
  const known = formats.map((fm, i) => ({ fm, f: checked[i]! })).filter((x): x is { fm: PixelFormat; f: CheckedFile } => x.fm !== undefined);
  const complete = known.length === checked.length && checked.every((f) => f.facts.complete === true);
  for (const { fm, f } of known) {
    const a = known[0]!;
    if (fm.rows !== a.fm.rows || fm.columns !== a.fm.columns || fm.bitsAllocated !== a.fm.bitsAllocated) {
      throw new FormatError(where, `the files differ in image size or format: ${baseName(a.f.path)} is ${a.fm.columns}×${a.fm.rows} at ${a.fm.bitsAllocated} bits, ${baseName(f.path)} is ${fm.columns}×${fm.rows} at ${fm.bitsAllocated} bits; a series must be one grid`);
    }
  }

  // 5. The grid from the header (only when every header was read through: otherwise an
  //    absent tag might only be unseen, and GDCM's grid is used, with a warning).
  const geometry = complete ? headerGeometry(checked, where) : undefined;
  checkAbort(stage, signal);
  onProgress?.(0.25);

  // 6. Decode with ITK/GDCM.
  const run = await quietly(() => decodeFiles(checked));
  if (run.failed && run.error instanceof AbortError) throw run.error;
  if (run.failed) {
    if (checked.length === 1) throw decodeFailure(checked[0]!, run.error, run.printed);
    // Name the file that fails, if one does on its own; else the set.
    for (let i = 0; i < checked.length && i < 400; i++) {
      checkAbort(stage, signal);
      const one = await quietly(() => decodeFiles([checked[i]!]));
      if (one.failed) throw decodeFailure(checked[i]!, one.error, one.printed);
    }
    throw new FormatError(where, `the ${checked.length} files do not form one readable image series (${describeItkError(run.error)})${said(gdcmMessages(run.printed).reported)}`, { cause: run.error });
  }
  checkAbort(stage, signal);
  onProgress?.(0.9);
  const image = run.value!.image;
  const warnings = [...(geometry?.warnings ?? []), ...known.flatMap(({ fm, f }) => fm.warnings.map((w) => (checked.length > 1 ? `${baseName(f.path)}: ${w}` : w)))];
  const gdcmSaid = gdcmMessages(run.printed).reported;
  if (gdcmSaid.length > 0) warnings.push(`GDCM reported while decoding: ${gdcmSaid.join('; ')}`);
  if (!complete) {
    const why = checked.find((f) => f.facts.complete !== true)?.facts.incompleteReason ?? 'unknown structure';
    warnings.push(`Voxbook could not read the whole DICOM header (${why}), so the image size and grid are GDCM's, unchecked against the header; check them before printing`);
  }

  // 7. What GDCM returned against the header.
  const t = image.imageType;
  if (t.components !== 1) {
    throw new FormatError(where, `${t.components} components per pixel (${t.pixelType}, e.g. RGB); Voxbook volumes hold one value per voxel: convert the image to greyscale first`);
  }
  if (!isVoxelArray(image.data)) {
    throw new FormatError(where, `pixel type ${t.componentType} is not supported (supported: int8..uint32, float32, float64)`);
  }
  const dim = t.dimension;
  if (dim !== 2 && dim !== 3) throw new FormatError(where, `a ${dim}-D image; expected 2-D or 3-D`);
  const v3 = (a: ArrayLike<number>, fill: number): Vec3 => [a[0] ?? fill, a[1] ?? fill, dim === 3 ? a[2]! : fill];
  const dims = v3(image.size, 1);
  if (known.length > 0) {
    const fm = known[0]!.fm;
    const frames = known.reduce((n, x) => n + x.fm.frames, 0);
    const expected: Vec3 = [fm.columns, fm.rows, complete ? frames : dims[2]];
    if (dims.some((d, a) => d !== expected[a]) || image.data.length !== expected[0] * expected[1] * expected[2]) {
      throw new FormatError(where, `GDCM decoded an image of ${dims.join('×')} voxels (${image.data.length} values) but the header says Columns×Rows×frames = ${expected.join('×')}: the decoded pixels do not match the header; the pixel data is damaged or the header is wrong`);
    }
  }
  let data: VoxelArray = image.data;
  if (checked.length === 1 && known.length === 1) data = repairDecoded(data, checked[0]!.facts, known[0]!.fm, checked[0]!.path);
  else if (known.length > 0 && (known[0]!.fm.bitsAllocated === 1 || (known[0]!.fm.bitsAllocated === 32 && checked.some((f) => f.facts.transferSyntax === '1.2.840.10008.1.2.2')))) {
    throw new FormatError(where, 'a series of 1-bit or 32-bit big-endian slices: GDCM decodes these wrongly and Voxbook repairs them only in single files; load the files one by one, or convert them (e.g. dcmconv +te)');
  }

  const dirFlat = Array.from(image.direction as ArrayLike<number | bigint>, Number);
  const at = (r: number, c: number) => (r < dim && c < dim ? dirFlat[c + r * dim]! : r === c ? 1 : 0);
  const itkGrid = {
    spacingMm: v3(Array.from(image.spacing), 1),
    originMm: v3(Array.from(image.origin), 0),
    direction: [0, 1, 2].flatMap((r) => [0, 1, 2].map((c) => at(r, c))) as unknown as Mat3,
    is3d: dim === 3,
  };
  if (geometry !== undefined) {
    // Slice order: GDCM's must be the header's, or the voxels would not match the grid.
    const theirs = run.value!.sorted;
    if (checked.length > 1 && theirs !== undefined) {
      const ours = geometry.order;
      if (theirs.length !== ours.length || theirs.some((p, k) => p !== ours[k])) {
        const k = theirs.findIndex((p, j) => p !== ours[j]);
        const name = (i: number | undefined) => (i === undefined || i < 0 ? '?' : baseName(checked[i]!.path));
        throw new FormatError(where, `GDCM ordered the ${theirs.length} of ${ours.length} files differently from their ImagePositionPatient along the slice normal (first difference at slice ${k + 1}: ${name(theirs[k])} where the header order has ${name(ours[k])}); Voxbook will not guess which is right`);
      }
    }
    crossCheckItk(geometry, itkGrid, where);
  }
  const grid = geometry ?? itkGrid;

  // 8. To a Volume. Description and hash come from the files read.
  const sha256 = await sha256Hex(checked.map((f) => f.bytes));
  const modality = firstFact(checked, 'modality');
  const rescaleType = firstFact(checked, 'rescaleType');
  const valueUnit = modality === 'CT' && (rescaleType === undefined || rescaleType === 'HU') ? 'HU' : undefined;
  const what = [modality, firstFact(checked, 'seriesDescription')].filter(Boolean).join(' ');
  const extra = ctx.skipped;
  const volume = makeVolume({
    data,
    dims,
    spacingMm: grid.spacingMm,
    originMm: grid.originMm,
    direction: grid.direction,
    source: {
      input,
      format: 'dicom',
      sha256,
      ...(modality !== undefined ? { modality } : {}),
      ...(valueUnit !== undefined ? { valueUnit } : {}),
      description: `${what ? `${what}: ` : ''}DICOM ${folder !== undefined ? `series "${baseName(folder)}"` : checked.length === 1 ? `file ${baseName(checked[0]!.path)}` : 'series'}, ${checked.length} file${checked.length === 1 ? '' : 's'}, ${dims.join('×')} ${t.componentType}${extra ? ` (${extra})` : ''}`,
      ...(warnings.length > 0 ? { warnings } : {}),
    },
  });
  onProgress?.(1);
  return volume;
}
