/**
 * The browser app: opens a notebook from `notebooks/` (by default `ct-to-print.nb.ts`,
 * or `?notebook=notebooks/NAME.nb.ts`) against a kernel in a module Web Worker.
 */
import { KernelClient } from './kernel-client.ts';
import { NotebookSession } from './notebook-session.ts';
import { installTestHooks } from './test-hooks.ts';
import { saveTextFile } from './renderers/file-download.ts';
import type { CellEventDetail } from './cell-view.ts';
import './notebook-view.ts';
import './styles.css';

const DEFAULT_NOTEBOOK = 'notebooks/ct-to-print.nb.ts';

/** Every notebook in notebooks/, path (from the repo root) → percent-format text. */
const NOTEBOOKS: ReadonlyMap<string, string> = new Map(
  Object.entries(import.meta.glob<string>('../notebooks/*.nb.ts', { query: '?raw', import: 'default', eager: true })).map(
    ([path, text]) => [path.replace(/^\.\.\//, ''), text],
  ),
);

const view = document.querySelector('vb-notebook') ?? document.body.appendChild(document.createElement('vb-notebook'));
view.notebooks = [...NOTEBOOKS.keys()].sort();
let session: NotebookSession | undefined;

/** Opens `text` in a fresh kernel, replacing the current notebook (its worker is ended). */
function openNotebook(text: string, path: string): void {
  session?.dispose();
  // The outputs of the last run come back from the kernel's IndexedDB cache; nothing runs.
  session = new NotebookSession(() => KernelClient.inWorker(), text, { restore: true });
  view.path = path;
  document.title = `${path.split('/').pop()} · Voxbook`;
  session.subscribe((state) => {
    view.state = state;
  });
}

view.addEventListener('vb-run-all', () => session?.runAll());
view.addEventListener('vb-interrupt', () => session?.interrupt());
view.addEventListener('vb-run-cell', (event) => {
  const { id, source } = (event as CustomEvent<CellEventDetail>).detail;
  session?.runCell(id, source);
});
view.addEventListener('vb-source-change', (event) => {
  const { id, source } = (event as CustomEvent<CellEventDetail>).detail;
  session?.setMarkdown(id, source);
});
view.addEventListener('vb-download-notebook', () => {
  if (!session) return;
  const text = session.text(view.drafts());
  saveTextFile(view.path.split('/').pop() || 'notebook.nb.ts', text, 'text/typescript');
  session.markSaved(text);
});
// Edits live only in this page until downloaded: ask before leaving with unsaved ones.
window.addEventListener('beforeunload', (event) => {
  if (!session?.hasUnsavedChanges(view.drafts())) return;
  event.preventDefault();
  event.returnValue = '';
});
view.addEventListener('vb-choose-notebook', (event) => {
  const url = new URL(location.href);
  url.searchParams.set('notebook', (event as CustomEvent<{ path: string }>).detail.path);
  location.assign(url);
});

const requested = new URLSearchParams(location.search).get('notebook') ?? DEFAULT_NOTEBOOK;
const text = NOTEBOOKS.get(requested);
if (text !== undefined) openNotebook(text, requested);
else {
  view.path = requested;
  const known = [...NOTEBOOKS.keys()].join(', ') || 'none';
  view.state = { cells: [], phase: 'idle', log: [], preamble: '', loadError: `${requested} not found (notebooks here: ${known})` };
}

installTestHooks({
  state: () => session?.state,
  open: openNotebook,
});
