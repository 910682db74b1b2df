/**
 * @itk-wasm/dicom's `read-image-dicom-file-series` pipeline run on bytes, in the calling
 * thread: how the browser (the kernel's Web Worker) decodes picked DICOM files.
 *
 * @itk-wasm/dicom's own browser function (`readImageDicomFileSeries`) always starts a
 * pool of its own Web Workers (its worker function passes `webWorker: null`), which
 * would need another worker script, CSP and pipeline fetch. Here itk-wasm's `runPipeline`
 * is called with `webWorker: false` and the same arguments that function gives it, so
 * the pipeline's module is loaded once (fetched as `<base>/read-image-dicom-file-series.js`
 * and `.wasm.zst` from `setDicomPipelinesUrl`'s URL, never a CDN) and runs here.
 */
import { VoxbookError } from '../core/errors.ts';
import { checkAbort, type StageOptions } from '../core/stage.ts';

let pipelinesUrl: string | undefined;

/**
 * Where @itk-wasm/dicom's pipelines (its `dist/pipelines` folder) are served: an absolute
 * URL without a trailing slash, e.g. `https://host/itk-wasm/dicom-pipelines`. The app's
 * kernel worker sets it to its own origin (the dev server serves the folder, the build
 * copies it).
 */
export function setDicomPipelinesUrl(url: string): void {
  pipelinesUrl = url.replace(/\/+$/, '');
}

/** The URL set by `setDicomPipelinesUrl`, if any. */
export function dicomPipelinesUrl(): string | undefined {
  return pipelinesUrl;
}

/**
 * The name each file gets in the pipeline's memory file system: its index, so the sorted names
 * map back. itk-wasm does not delete input files after a run; with fixed names each load
 * overwrites the last, so the module holds at most the largest series loaded so far.
 */
function slotName(i: number): string {
  return `voxbook-slice-${String(i).padStart(5, '0')}.dcm`;
}

/**
 * Decodes DICOM files given as bytes into one image with GDCM (`--memory-io`, slices
 * sorted by ImagePositionPatient as `singleSortedSeries: false` does).
 * @returns `image` (itk-wasm's Image, in LPS) and `sorted`: indices into `files` in
 *   GDCM's slice order (-1 for a name that is not one of them).
 * @throws VoxbookError (`code: 'unsupported'`) when `setDicomPipelinesUrl` was not called;
 *   Error with GDCM's stderr when the pipeline fails; whatever itk-wasm throws when the
 *   pipeline cannot be fetched.
 * @throws AbortError (stage loadDicomFiles) when `options.signal` has fired before the
 *   pipeline runs or by the time it returns (GDCM's decode itself cannot be interrupted).
 *   `onProgress` gets 0 before the run and 1 after it.
 */
export async function readDicomSeriesBytes(files: readonly Uint8Array[], options: StageOptions = {}) {
  const stage = 'loadDicomFiles';
  checkAbort(stage, options.signal);
  options.onProgress?.(0);
  if (pipelinesUrl === undefined) {
    throw new VoxbookError('unsupported', 'the DICOM decoder\'s pipelines are not located: call setDicomPipelinesUrl(<this origin>/itk-wasm/dicom-pipelines) first (the app\'s kernel worker does)');
  }
  const { runPipeline, InterfaceTypes } = await import('itk-wasm');
  const args = ['0', '1', '--memory-io', '--input-images', ...files.map((_, i) => slotName(i))];
  const inputs = files.map((data, i) => ({ type: InterfaceTypes.BinaryFile, data: { path: slotName(i), data } }));
  const outputs = [{ type: InterfaceTypes.Image }, { type: InterfaceTypes.JsonCompatible }];
  const { returnValue, stderr, outputs: out } = await runPipeline('read-image-dicom-file-series', args, outputs, inputs, {
    pipelineBaseUrl: pipelinesUrl,
    webWorker: false,
  });
  checkAbort(stage, options.signal);
  if (returnValue !== 0) throw new Error(stderr);
  const image = out[0]!.data as import('itk-wasm').Image;
  const names = out[1]!.data;
  const sorted = Array.isArray(names)
    ? names.map((n) => {
        const m = /voxbook-slice-(\d+)\.dcm$/.exec(String(n));
        return m ? Number(m[1]) : -1;
      })
    : undefined;
  options.onProgress?.(1);
  return { image, sorted };
}
