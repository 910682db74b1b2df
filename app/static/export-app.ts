/**
 * "Export HTML" in the app: the open notebook, with the outputs of its last run, as the same
 * self-contained page `voxbook run --html` writes (app/static/page.ts). The viewer script comes
 * from the `virtual:voxbook-static-viewer` module (vite.config.ts builds it with
 * app/static/viewer-build.ts, in the dev server and in `vite build` alike), loaded only when
 * the user first exports.
 */
import { sha256Hex } from '../../kernel/hash.ts';
import packageJson from '../../package.json';
import type { NotebookState } from '../notebook-state.ts';
import { notebookHtml, type NotebookHtml } from './page.ts';

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
  const { default: script } = await import('virtual:voxbook-static-viewer');
  const file = path.split('/').pop() || 'notebook.nb.ts';
  const stem = file.replace(/\.nb\.ts$|\.ts$/, '');
  const page = await notebookHtml(
    {
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
    },
    script,
  );
  return { ...page, name: `${stem}.html`, ms: performance.now() - t0 };
}
