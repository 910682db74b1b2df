/**
 * HTML export for `voxbook run --html` (package entry `voxbook/html`): the viewer script
 * (built on demand and cached, app/static/viewer-build.ts) around the notebook's document
 * (app/static/page.ts). The kernel's CLI loads this at run time, as it loads the 'voxbook'
 * API for `info`, so the kernel itself does not depend on the app.
 */
import { notebookHtml, type NotebookHtml } from './page.ts';
import { staticViewerScript } from './viewer-build.ts';
import { DEFAULT_LIMITS, type ExportLimits } from './format.ts';
import type { EncodedMesh } from './format.ts';
import type { ExportInput, MeshPreviewCache } from './encode.ts';
import { NodeResultStore } from '../../kernel/node/store.ts';

export type { ExportInput } from './encode.ts';
export type { Provenance, StaticCell, ExportLimits } from './format.ts';
export { DEFAULT_LIMITS } from './format.ts';

export interface HtmlExport extends NotebookHtml {
  /** Time to get the viewer script, ms, and whether it came from the cache. */
  readonly viewer: { readonly ms: number; readonly cached: boolean };
  /** Time of the whole export, ms. */
  readonly ms: number;
}

export interface HtmlExportOptions {
  /** The run's result cache folder (kernel/node/store.ts): packed mesh previews are kept there too. */
  readonly cacheDir?: string;
  readonly cacheMaxBytes?: number;
}

/** Packed meshes as entries of the result store (size-capped and evicted with the cells' results). */
function storeMeshCache(store: NodeResultStore): MeshPreviewCache {
  return {
    get: async (key) => (await store.load(key))?.values['mesh'] as EncodedMesh | undefined,
    set: (key, mesh) => store.save(key, { values: { mesh }, outputs: [], ms: 0, files: [] }),
  };
}

/**
 * The notebook as one self-contained HTML page; with `options.cacheDir`, mesh previews
 * packed by an earlier export of the same meshes are reused.
 * @throws ViewerBuildError when the viewer cannot be built; ParameterError for a malformed mesh.
 */
export async function exportNotebookHtml(input: ExportInput, limits: ExportLimits = DEFAULT_LIMITS, options: HtmlExportOptions = {}): Promise<HtmlExport> {
  const t0 = performance.now();
  const viewer = await staticViewerScript();
  const meshCache = options.cacheDir !== undefined ? storeMeshCache(new NodeResultStore(options.cacheDir, options.cacheMaxBytes !== undefined ? { maxBytes: options.cacheMaxBytes } : {})) : undefined;
  const page = await notebookHtml(meshCache ? { ...input, meshCache } : input, viewer.script, limits);
  return { ...page, viewer: { ms: viewer.ms, cached: viewer.cached }, ms: performance.now() - t0 };
}
export { browserViewPngs, BrowserRenderError, chromiumPath, type BrowserPng } from './browser-png.ts';
