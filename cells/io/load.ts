/**
 * One entry point for reading a volume from a path or URL, by what it is.
 */
import { FormatError, InputNotFoundError } from '../core/errors.ts';
import type { Volume } from '../core/volume.ts';
import { baseName, exists, inputName, isDirectory, isNode, isPickedFile, isUrl, type PickedFile } from './bytes.ts';
import { loadDicomSeries } from './dicom.ts';
import { loadInv3 } from './inv3.ts';
import { loadNifti } from './nifti.ts';

/** What `loadVolume` reads, for messages and UIs. */
export const SUPPORTED_INPUTS: readonly string[] = [
  'a folder of DICOM files (Node)',
  '.dcm (one DICOM file, Node)',
  '.nii / .nii.gz (NIfTI-1 or -2)',
  '.inv3 (InVesalius project)',
];

/**
 * Reads a volume, choosing the reader from the input:
 * a folder → DICOM series; `.dcm` → DICOM; `.nii` / `.nii.gz` → NIfTI; `.inv3` → InVesalius.
 * Every volume gets `source` {input, format, sha256 of the bytes read, description}.
 *
 * Files picked in the browser (a `file` input) are read by the same readers, chosen by the
 * file's name, with the same checks: a `.nii`, `.nii.gz` or `.inv3` file.
 *
 * @param input a Node path (file or folder), a URL (files only), or picked file(s).
 * @throws InputNotFoundError naming `input` if it does not exist.
 * @throws FormatError naming `input` for an unknown extension (listing what is supported)
 *   or when the reader finds the bytes malformed; for picked DICOM files (a series is decoded
 *   by @itk-wasm/dicom's Node pipelines only, in this version).
 */
export async function loadVolume(input: string | PickedFile | readonly PickedFile[]): Promise<Volume> {
  if (typeof input !== 'string') return loadPicked(input);
  if (isNode() && !isUrl(input) && (await isDirectory(input))) return loadDicomSeries(input);
  const name = baseName(input).toLowerCase();
  if (name.endsWith('.nii') || name.endsWith('.nii.gz')) return loadNifti(input);
  if (name.endsWith('.inv3')) return loadInv3(input);
  if (name.endsWith('.dcm') || name.endsWith('.dicom')) return loadDicomSeries(input);
  if (isNode() && !isUrl(input) && !(await exists(input))) throw new InputNotFoundError(input);
  throw new FormatError(input, `unknown file type "${baseName(input)}"; supported: ${SUPPORTED_INPUTS.join('; ')}`);
}

/** `loadVolume` for files picked in the browser (one file, or the files of a picked folder). */
async function loadPicked(input: PickedFile | readonly PickedFile[]): Promise<Volume> {
  const files = isPickedFile(input) ? [input] : [...input];
  if (files.length === 0 || !files.every(isPickedFile)) throw new FormatError('picked files', 'expected one or more files picked in the browser');
  if (files.length > 1) {
    const folder = inputName(files[0]!).split('/')[0] ?? 'the folder';
    throw new FormatError(`${folder} (${files.length} files)`, 'a DICOM series picked in the browser cannot be decoded in this version: the DICOM decoder (@itk-wasm/dicom) runs its Node pipelines only. Pick a .nii, .nii.gz or .inv3 file, or run headless: voxbook run <notebook> -p input=<folder>');
  }
  const file = files[0]!;
  const name = file.name.toLowerCase();
  if (name.endsWith('.nii') || name.endsWith('.nii.gz')) return loadNifti(file);
  if (name.endsWith('.inv3')) return loadInv3(file);
  if (name.endsWith('.dcm') || name.endsWith('.dicom')) {
    throw new FormatError(inputName(file), 'DICOM picked in the browser cannot be decoded in this version (the decoder, @itk-wasm/dicom, runs in Node); pick a .nii, .nii.gz or .inv3 file, or run headless with -p input=<path>');
  }
  throw new FormatError(inputName(file), `unknown file type "${file.name}"; supported in the browser: .nii, .nii.gz, .inv3`);
}
