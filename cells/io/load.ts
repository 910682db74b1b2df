/**
 * One entry point for reading a volume from a path or URL, by what it is.
 */
import { FormatError, InputNotFoundError } from '../core/errors.ts';
import type { Volume } from '../core/volume.ts';
import { baseName, exists, isDirectory, isNode, isUrl } from './bytes.ts';
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
 * @param input a Node path (file or folder) or a URL (files only).
 * @throws InputNotFoundError naming `input` if it does not exist.
 * @throws FormatError naming `input` for an unknown extension (listing what is supported)
 *   or when the reader finds the bytes malformed.
 */
export async function loadVolume(input: string): Promise<Volume> {
  if (isNode() && !isUrl(input) && (await isDirectory(input))) return loadDicomSeries(input);
  const name = baseName(input).toLowerCase();
  if (name.endsWith('.nii') || name.endsWith('.nii.gz')) return loadNifti(input);
  if (name.endsWith('.inv3')) return loadInv3(input);
  if (name.endsWith('.dcm') || name.endsWith('.dicom')) return loadDicomSeries(input);
  if (isNode() && !isUrl(input) && !(await exists(input))) throw new InputNotFoundError(input);
  throw new FormatError(input, `unknown file type "${baseName(input)}"; supported: ${SUPPORTED_INPUTS.join('; ')}`);
}
