/**
 * HTML export for `voxbook run --html` (package entry `voxbook/html`): the viewer script
 * (built on demand and cached, app/static/viewer-build.ts) around the notebook's document
 * (app/static/page.ts). The kernel's CLI loads this at run time, as it loads the 'voxbook'
 * API for `info`, so the kernel itself does not depend on the app.
 */
import { notebookHtml, type NotebookHtml } from './page.ts';
import { staticViewerScript } from './viewer-build.ts';
import { DEFAULT_LIMITS, type ExportLimits } from './format.ts';
import type { ExportInput } from './encode.ts';

export type { ExportInput } from './encode.ts';
export type { Provenance, StaticCell, ExportLimits } from './format.ts';
export { DEFAULT_LIMITS } from './format.ts';

export interface HtmlExport extends NotebookHtml {
  /** Time to get the viewer script, ms, and whether it came from the cache. */
  readonly viewer: { readonly ms: number; readonly cached: boolean };
  /** Time of the whole export, ms. */
  readonly ms: number;
}

/**
 * The notebook as one self-contained HTML page.
 * @throws ViewerBuildError when the viewer cannot be built; ParameterError for a malformed mesh.
 */
export async function exportNotebookHtml(input: ExportInput, limits: ExportLimits = DEFAULT_LIMITS): Promise<HtmlExport> {
  const t0 = performance.now();
  const viewer = await staticViewerScript();
  const page = await notebookHtml(input, viewer.script, limits);
  return { ...page, viewer: { ms: viewer.ms, cached: viewer.cached }, ms: performance.now() - t0 };
}
