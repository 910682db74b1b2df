/**
 * Samples for notebooks: `loadInput('ct-head-0051')` gives the real CT when it has been
 * fetched and an explained synthetic phantom when not; other sample ids must be fetched
 * (no stand-in); any other string is loaded as a path or URL.
 */
import { InputNotFoundError, ParameterError } from '../cells/core/errors.ts';
import type { StageOptions } from '../cells/core/stage.ts';
import type { Volume } from '../cells/core/volume.ts';
import { exists, isNode, type PickedFile } from '../cells/io/bytes.ts';
import { loadVolume } from '../cells/io/load.ts';
import { loadLabelTable } from '../cells/io/label-table.ts';
import type { Label } from '../cells/core/labelmap.ts';
import { cachePath, dataCacheDir } from './cache.ts';
import { headPhantom } from './phantom.ts';
import { resolveSampleRef, SAMPLES } from './registry.ts';

export { SAMPLES, getSample, resolveSampleRef, type Sample, type SampleItem } from './registry.ts';
export { headPhantom, PHANTOM_HU, type HeadPhantomOptions } from './phantom.ts';
export { dataCacheDir, cachePath, setDataBaseUrl } from './cache.ts';

/** The sample a notebook's input cell defaults to, and the only one with a stand-in (the head phantom). */
export const DEFAULT_SAMPLE = 'ct-head-0051';

function notFetched(path: string, id: string, cacheRel: string, main: string): InputNotFoundError {
  const file = cacheRel === main ? '' : `; if it is fetched, check the file name "${cacheRel}"`;
  return new InputNotFoundError(path, `sample "${id}" is not in the data cache; run \`npm run fetch-data\` (or set VOXBOOK_DATA to a folder holding it)${file}`);
}

/**
 * Loads a registered sample from the data cache, no fallback.
 * @param id a sample id (its main file: `ct-head-0051`, `mri-colin27`, …) or
 *   `id/<file>` for another file of it (`mri-colin27/ch2bet.nii.gz`).
 * @returns the volume with `source.input` = `id` and the sample's description and licence.
 * @throws ParameterError if `id` names no sample (the message lists them).
 * @throws InputNotFoundError naming the cache path if the sample has not been fetched.
 * @throws FormatError if the cached file is malformed.
 * @throws AbortError when `options.signal` fires; `onProgress` as `loadVolume`.
 */
export async function loadSample(id: string, options: StageOptions = {}): Promise<Volume> {
  const ref = resolveSampleRef(id);
  if (!ref) throw new ParameterError(`unknown sample "${id}"; samples: ${SAMPLES.map((s) => s.id).join(', ')}`);
  const path = await cachePath(ref.cachePath);
  const s = ref.sample;
  if (isNode() && !(await exists(path))) throw notFetched(path, id, ref.cachePath, s.main);
  let v: Volume;
  try {
    v = await loadVolume(path, options);
  } catch (e) {
    // In a browser there is no existence check first: the server's 404 for the file itself (or
    // an HTML fallback page, which readBytes also reports as not found) lands here.
    if (e instanceof InputNotFoundError && e.path === path) throw notFetched(path, id, ref.cachePath, s.main);
    throw e;
  }
  return {
    ...v,
    source: {
      input: id,
      format: v.source?.format ?? 'unknown',
      sha256: v.source?.sha256 ?? '',
      description: `${s.description} [${s.id}${ref.cachePath === s.main ? '' : `: ${ref.cachePath}`}; ${s.licence}]`,
      ...(v.source?.modality !== undefined ? { modality: v.source.modality } : {}),
      ...(v.source?.valueUnit !== undefined ? { valueUnit: v.source.valueUnit } : {}),
    },
  };
}

/**
 * What a notebook's input cell calls. A registered sample id (or `id/<file>`) is loaded
 * from the cache. Only the default sample `ct-head-0051` (`DEFAULT_SAMPLE`, exactly that
 * id) has a stand-in: if it is not fetched, a synthetic head CT phantom (`headPhantom()`,
 * `source.format` 'phantom') is returned, and its `source.description` says so and how
 * to get the real data. Anything else is read with `loadVolume` (path, URL, or files picked
 * in the browser by a `file` input).
 * @throws InputNotFoundError naming the cache path and the sample, and saying to run
 *   `npm run fetch-data`, when any other sample (or any `id/<file>`, e.g. a misspelt
 *   `dicom-conformance/MR_smal.dcm`) is not in the cache.
 * @throws InputNotFoundError / FormatError from `loadVolume` for non-sample inputs and
 *   malformed cached files.
 * @param options `signal` and `onProgress` (0..1 once) of the reader (`loadVolume`); the
 *   phantom stand-in reports only 1 when made.
 * @throws AbortError when `options.signal` fires.
 */
export async function loadInput(input: string | PickedFile | readonly PickedFile[], options: StageOptions = {}): Promise<Volume> {
  if (typeof input !== 'string' || !resolveSampleRef(input)) return loadVolume(input, options);
  try {
    return await loadSample(input, options);
  } catch (e) {
    if (!(e instanceof InputNotFoundError) || input !== DEFAULT_SAMPLE) throw e;
    const phantom = headPhantom();
    options.onProgress?.(1);
    const where = await dataCacheDir();
    return {
      ...phantom,
      source: {
        ...phantom.source!,
        input,
        description: `Sample "${input}" was not found in the data cache (${where}), so this is a synthetic head CT phantom, not real data. Run \`npm run fetch-data\` to get the sample. (${phantom.source!.description})`,
      },
    };
  }
}

/**
 * A label table (cells/io/label-table.ts) by sample reference or path: a registered
 * `id/<file>` (`mri-colin27/aal.nii.txt`, the AAL atlas's 116 region names) is read from the
 * data cache; anything else is read as a path, URL or picked file.
 * @throws InputNotFoundError naming the cache path and saying to run `npm run fetch-data`
 *   when a sample's file is not fetched; FormatError as `parseLabelTable`.
 */
export async function loadLabels(input: string | PickedFile): Promise<Label[]> {
  const ref = typeof input === 'string' ? resolveSampleRef(input) : undefined;
  if (!ref) return loadLabelTable(input);
  const path = await cachePath(ref.cachePath);
  if (isNode() && !(await exists(path))) throw notFetched(path, input as string, ref.cachePath, ref.sample.main);
  return loadLabelTable(path);
}
