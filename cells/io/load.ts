/**
 * One entry point for reading a volume from a path or URL, by what it is.
 */
import { FormatError, InputNotFoundError } from '../core/errors.ts';
import { checkAbort, stageSpan, type StageOptions } from '../core/stage.ts';
import type { Volume } from '../core/volume.ts';
import { baseName, exists, inputName, isDirectory, isNode, isPickedFile, isUrl, readInput, type PickedFile } from './bytes.ts';
import { loadDicomFiles, loadDicomSeries } from './dicom.ts';
import { loadInv3 } from './inv3.ts';
import { loadNifti } from './nifti.ts';

/** What `loadVolume` reads, for messages and UIs. */
export const SUPPORTED_INPUTS: readonly string[] = [
  'a folder of DICOM files',
  '.dcm (one DICOM file)',
  '.nii / .nii.gz (NIfTI-1 or -2)',
  '.inv3 (InVesalius project)',
];

/**
 * Reads a volume, choosing the reader from the input:
 * a folder → DICOM series; `.dcm` → DICOM; `.nii` / `.nii.gz` → NIfTI; `.inv3` → InVesalius.
 * Every volume gets `source` {input, format, sha256 of the bytes read, description}.
 *
 * Files picked in the browser (a `file` input) are read by the same readers, chosen by the
 * file's name, with the same checks: a `.nii`, `.nii.gz` or `.inv3` file, a `.dcm` file, or a
 * picked folder's files as a DICOM series (`loadDicomFiles`).
 *
 * @param input a Node path (file or folder), a URL (files only), or picked file(s).
 * @param options `signal` and `onProgress` (0..1 once), passed to the reader chosen: see
 *   `loadDicomSeries`, `loadNifti`, `loadInv3` for where each checks and what it counts.
 * @throws InputNotFoundError naming `input` if it does not exist.
 * @throws FormatError naming `input` for an unknown extension (listing what is supported)
 *   or when the reader finds the bytes malformed.
 * @throws AbortError when `options.signal` fires.
 */
export async function loadVolume(input: string | PickedFile | readonly PickedFile[], options: StageOptions = {}): Promise<Volume> {
  if (typeof input !== 'string') return loadPicked(input, options);
  if (isNode() && !isUrl(input) && (await isDirectory(input))) return loadDicomSeries(input, options);
  const name = baseName(input).toLowerCase();
  if (name.endsWith('.nii') || name.endsWith('.nii.gz')) return loadNifti(input, options);
  if (name.endsWith('.inv3')) return loadInv3(input, options);
  if (name.endsWith('.dcm') || name.endsWith('.dicom')) return loadDicomSeries(input, options);
  if (isNode() && !isUrl(input) && !(await exists(input))) throw new InputNotFoundError(input);
  throw new FormatError(input, `unknown file type "${baseName(input)}"; supported: ${SUPPORTED_INPUTS.join('; ')}`);
}

/** `loadVolume` for files picked in the browser (one file, or the files of a picked folder). */
async function loadPicked(input: PickedFile | readonly PickedFile[], options: StageOptions): Promise<Volume> {
  const files = isPickedFile(input) ? [input] : [...input];
  if (files.length === 0 || !files.every(isPickedFile)) throw new FormatError('picked files', 'expected one or more files picked in the browser');
  const folder = files.some((f) => f.webkitRelativePath) ? inputName(files[0]!).split('/')[0] || 'folder' : undefined;
  if (files.length > 1 || folder !== undefined) {
    // A picked folder (or several files): a DICOM series, its files named by their path in the folder.
    // Progress by files read (0..0.3), then the series' own (0.3..1).
    const stage = 'loadDicomFiles', reading = stageSpan(options, 0, 0.3);
    checkAbort(stage, options.signal);
    reading.onProgress?.(0);
    let done = 0;
    const read = await Promise.all(files.map(async (f) => {
      const bytes = await readInput(f);
      reading.onProgress?.(++done / files.length);
      return { path: inputName(f), bytes };
    }));
    checkAbort(stage, options.signal);
    return loadDicomFiles(read, { ...stageSpan(options, 0.3, 1), ...(folder !== undefined ? { folder } : {}) });
  }
  const file = files[0]!;
  const name = file.name.toLowerCase();
  if (name.endsWith('.nii') || name.endsWith('.nii.gz')) return loadNifti(file, options);
  if (name.endsWith('.inv3')) return loadInv3(file, options);
  if (name.endsWith('.dcm') || name.endsWith('.dicom')) return loadDicomFiles([{ path: inputName(file), bytes: await readInput(file) }], options);
  throw new FormatError(inputName(file), `unknown file type "${file.name}"; supported in the browser: .nii, .nii.gz, .inv3, .dcm, or a folder of DICOM files`);
}
