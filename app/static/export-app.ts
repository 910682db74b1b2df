/**
 * "Export HTML" in the app: the open notebook, with the outputs of its last run, as the same
 * self-contained page `voxbook run --html` writes (app/static/page.ts), made in a Web Worker
 * (app/static/export-worker.ts) started for the export and ended after it. The viewer script
 * comes from the `virtual:voxbook-static-viewer` module (vite.config.ts builds it with
 * app/static/viewer-build.ts, in the dev server and in `vite build` alike).
 */
import { sha256Hex } from '../../kernel/hash.ts';
import packageJson from '../../package.json';
import type { NotebookState } from '../notebook-state.ts';
import type { ExportInput } from './encode.ts';
import type { ExportReply } from './export-worker.ts';
import type { NotebookHtml } from './page.ts';

export interface AppExport extends NotebookHtml {
  /** The file name to save it as: the notebook's, with `.html`. */
  readonly name: string;
  /** Time of the export, ms. */
  readonly ms: number;
}

/**
 * The page for `state` (the notebook at `path`, whose percent-format text is `text`).
 * @throws Error when the viewer module cannot be loaded, or a mesh output is malformed.
 */
export async function exportAppNotebook(state: NotebookState, path: string, text: string): Promise<AppExport> {
  const t0 = performance.now();
  const file = path.split('/').pop() || 'notebook.nb.ts';
  const stem = file.replace(/\.nb\.ts$|\.ts$/, '');
  const page = await inWorker({
    title: stem,
    provenance: {
      notebook: path,
      notebookSha256: await sha256Hex(text),
      parameters: state.parameters ?? {},
      versions: { voxbook: packageJson.version, browser: navigator.userAgent },
      ranAt: new Date().toISOString(),
    },
    cells: state.cells.map((c) => ({
      id: c.id,
      kind: c.kind,
      source: c.source,
      status: c.status,
      outputs: c.outputs,
      ...(c.ms !== undefined ? { ms: c.ms } : {}),
      ...(c.cached !== undefined ? { cached: c.cached } : {}),
      ...(c.error ? { error: c.error } : {}),
    })),
    whereLargeFilesAre: 'download it from the notebook in Voxbook, or run it with `voxbook run --out DIR --html`',
    notebookText: text,
  });
  return { ...page, name: `${stem}.html`, ms: performance.now() - t0 };
}

/** Runs the export in a fresh worker (its outputs are cloned to it) and ends the worker. */
function inWorker(input: ExportInput): Promise<NotebookHtml> {
  const worker = new Worker(new URL('./export-worker.ts', import.meta.url), { type: 'module', name: 'voxbook-export' });
  return new Promise<NotebookHtml>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<ExportReply>) => (event.data.ok ? resolve(event.data.page) : reject(new Error(event.data.error)));
    worker.onerror = (event) => reject(new Error(`the export worker failed: ${event.message}`));
    worker.postMessage(input);
  }).finally(() => worker.terminate());
}
