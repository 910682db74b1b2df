/**
 * The browser app: opens a notebook — one stored in this browser (`?id=`), one from
 * `notebooks/` (`?nb=notebooks/NAME.nb.ts`, or the older `?notebook=`), by default the last
 * one edited or `ct-to-print.nb.ts` (library-app.ts) — against a kernel in a module Web Worker.
 */
import { KernelClient } from './kernel-client.ts';
import { NotebookSession } from './notebook-session.ts';
import { installTestHooks } from './test-hooks.ts';
import { installNotebookKeys } from './notebook-keys.ts';
import { saveTextFile } from './renderers/file-download.ts';
import type { CellEventDetail } from './cell-view.ts';
import { LibraryApp } from './library-app.ts';
import './notebook-view.ts';
import './notebook-menu.ts';
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
const menu = document.createElement('vb-notebook-menu');
view.menu = menu;
let session: NotebookSession | undefined;
let library: LibraryApp | undefined;

/** Opens `text` in a fresh kernel, replacing the current notebook (its worker is ended). */
function openNotebook(text: string, path: string): NotebookSession {
  session?.dispose();
  // The outputs of the last run come back from the kernel's IndexedDB cache; nothing runs.
  session = new NotebookSession(() => KernelClient.inWorker(), text, { restore: true });
  view.path = path;
  document.title = `${path.split('/').pop()} · Voxbook`;
  session.subscribe((state) => {
    view.state = state;
  });
  return session;
}

/** Shows that `path` cannot be opened (no notebook is open then). */
function showLoadError(path: string, message: string): void {
  session?.dispose();
  session = undefined;
  view.path = path;
  view.state = { cells: [], phase: 'idle', log: [], preamble: '', loadError: message };
}

view.addEventListener('vb-run-all', () => session?.runAll());
view.addEventListener('vb-interrupt', () => session?.interrupt());
view.addEventListener('vb-run-cell', (event) => {
  const { id, source } = (event as CustomEvent<CellEventDetail>).detail;
  session?.runCell(id, source);
});
view.addEventListener('vb-set-input', (event) => {
  const { id, name, value } = (event as CustomEvent<{ id: string; name: string; value: unknown }>).detail;
  session?.setInput(id, name, value);
});
view.addEventListener('vb-source-change', (event) => {
  const { id, source } = (event as CustomEvent<CellEventDetail>).detail;
  session?.setMarkdown(id, source);
});
view.addEventListener('vb-download-notebook', () => {
  if (library) {
    library.download('nb.ts');
    return;
  }
  if (!session) return;
  const text = session.text(view.drafts());
  saveTextFile(view.path.split('/').pop() || 'notebook.nb.ts', text, 'text/typescript');
  session.markSaved(text);
});
view.addEventListener('vb-export-html', () => {
  if (!session || view.exporting) return;
  const { state } = session;
  const text = session.text();
  view.exporting = true;
  // Loaded on first use: the exporter (its worker embeds the viewer script, about 1 MB).
  void import('./static/export-app.ts')
    .then(({ exportAppNotebook }) => exportAppNotebook(state, view.path, text))
    .then((page) => saveTextFile(page.name, page.html, 'text/html'))
    .catch((err: unknown) => {
      console.error('Export HTML failed:', err);
      window.alert(`Export HTML failed: ${err instanceof Error ? err.message : String(err)}`);
    })
    .finally(() => {
      view.exporting = false;
    });
});
// Edits are stored in this browser within a second (library-app.ts): ask before leaving
// only while one is not stored yet (or, without browser storage, not downloaded).
window.addEventListener('beforeunload', (event) => {
  if (!(library ? library.hasUnsaved() : session?.hasUnsavedChanges(view.drafts()))) return;
  void library?.flush();
  event.preventDefault();
  event.returnValue = '';
});
view.addEventListener('vb-choose-notebook', (event) => {
  const path = (event as CustomEvent<{ path: string }>).detail.path;
  if (library) {
    void library.flush().then(() => library?.openRepo(path));
    return;
  }
  const url = new URL(location.href);
  url.searchParams.set('notebook', path);
  location.assign(url);
});

library = await LibraryApp.start(
  { view, menu, repo: NOTEBOOKS, defaultPath: DEFAULT_NOTEBOOK, open: openNotebook, fail: showLoadError },
  location.search,
);

installNotebookKeys(view, () => session);

installTestHooks({
  state: () => session?.state,
  open: (text, path) => (library ? library.openText(text, path) : openNotebook(text, path)),
  subscribe: (listener) => session?.subscribe(listener) ?? (() => undefined),
});
