/**
 * Samples for notebooks: `loadInput('ct-head-0051')` gives the real CT when it has been
 * fetched and an explained synthetic phantom when not; any other string is loaded as a
 * path or URL.
 */
import { InputNotFoundError, ParameterError } from '../cells/core/errors.ts';
import type { Volume } from '../cells/core/volume.ts';
import { exists, isNode } from '../cells/io/bytes.ts';
import { loadVolume } from '../cells/io/load.ts';
import { cachePath, dataCacheDir } from './cache.ts';
import { headPhantom } from './phantom.ts';
import { resolveSampleRef, SAMPLES } from './registry.ts';

export { SAMPLES, getSample, resolveSampleRef, type Sample, type SampleItem } from './registry.ts';
export { headPhantom, PHANTOM_HU, type HeadPhantomOptions } from './phantom.ts';
export { dataCacheDir, cachePath, setDataBaseUrl } from './cache.ts';

/**
 * Loads a registered sample from the data cache, no fallback.
 * @param id a sample id (its main file: `ct-head-0051`, `mri-colin27`, …) or
 *   `id/<file>` for another file of it (`mri-colin27/ch2bet.nii.gz`).
 * @returns the volume with `source.input` = `id` and the sample's description and licence.
 * @throws ParameterError if `id` names no sample (the message lists them).
 * @throws InputNotFoundError naming the cache path if the sample has not been fetched.
 * @throws FormatError if the cached file is malformed.
 */
export async function loadSample(id: string): Promise<Volume> {
  const ref = resolveSampleRef(id);
  if (!ref) throw new ParameterError(`unknown sample "${id}"; samples: ${SAMPLES.map((s) => s.id).join(', ')}`);
  const path = await cachePath(ref.cachePath);
  if (isNode() && !(await exists(path))) {
    throw new InputNotFoundError(path, `sample "${id}" is not in the data cache; run \`npm run fetch-data\` (or set VOXBOOK_DATA to a folder holding it)`);
  }
  const v = await loadVolume(path);
  const s = ref.sample;
  return {
    ...v,
    source: {
      input: id,
      format: v.source?.format ?? 'unknown',
      sha256: v.source?.sha256 ?? '',
      description: `${s.description} [${s.id}${ref.cachePath === s.main ? '' : `: ${ref.cachePath}`}; ${s.licence}]`,
    },
  };
}

/**
 * What a notebook's input cell calls. A registered sample id (or `id/<file>`) is loaded
 * from the cache; if it is not there, a synthetic head phantom (`headPhantom()`) is
 * returned instead, and its `source.description` says so and how to get the real data.
 * Anything else is read with `loadVolume` (path or URL).
 * @throws InputNotFoundError / FormatError from `loadVolume` for non-sample inputs.
 */
export async function loadInput(input: string): Promise<Volume> {
  if (!resolveSampleRef(input)) return loadVolume(input);
  try {
    return await loadSample(input);
  } catch (e) {
    if (!(e instanceof InputNotFoundError)) throw e;
    const phantom = headPhantom();
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
