/**
 * The app's notebook library at work: which notebook a URL opens, autosave of the open one,
 * and the menu's actions (new, open, open a local file, rename, duplicate, delete, download).
 *
 * URLs: `?id=<id>` opens a stored notebook; `?nb=notebooks/<file>` (or the older
 * `?notebook=`) a repository notebook — the user's stored copy of it if there is one, else
 * the file as it is in the repository; no parameter: the most recently modified stored
 * notebook, else `notebooks/ct-to-print.nb.ts`.
 *
 * Invariants:
 * - Opening a notebook never runs it (Run all is the user's act).
 * - A repository notebook is not stored until it is edited: its first change (a cell run
 *   with new source, a markdown edit, or an editor draft) creates the stored copy, named
 *   after the file and remembering its path (`origin`), and later opens of that path open
 *   the copy. Discarding the copy brings back the repository's version.
 * - Every change of the open notebook, editor drafts included, is stored within about 1 s
 *   (Autosaver: 300 ms after the last change, at most 700 ms after the first, plus the write).
 * - Two tabs never overwrite each other's text: a write against a revision another tab has
 *   replaced stores this tab's text as a new notebook, `<name> (conflict)`, and says so.
 */
import { Autosaver } from './autosave.ts';
import { executedIpynb, importNotebookFile } from './notebook-files.ts';
import { NotebookConflictError, NotebookNotFoundError, nameFromPath, openNotebookLibrary, type NotebookLibrary, type StoredNotebook } from './notebook-library.ts';
import type { LibraryAction, SaveStatus, VbNotebookMenu } from './notebook-menu.ts';
import type { NotebookSession } from './notebook-session.ts';
import type { VbNotebook } from './notebook-view.ts';
import { saveTextFile } from './renderers/file-download.ts';

/** A new notebook's text: a title and one empty code cell. */
export const NEW_NOTEBOOK_TEXT = '// %% [markdown]\n// # Untitled\n\n// %%\n\n';

export interface LibraryAppOptions {
  readonly view: VbNotebook;
  readonly menu: VbNotebookMenu;
  /** The repository's notebooks: path → percent text. */
  readonly repo: ReadonlyMap<string, string>;
  /** The repository notebook opened when nothing else is asked for or stored. */
  readonly defaultPath: string;
  /** Opens `text` in a fresh kernel as the page's notebook, labelled `label`; returns its session. */
  readonly open: (text: string, label: string) => NotebookSession;
  /** Shows that the notebook `label` cannot be opened, and why. */
  readonly fail: (label: string, message: string) => void;
  /** Library database name (tests); default `voxbook-library`. */
  readonly database?: string;
}

/** The open notebook and its autosave. */
interface Current {
  /** Set once it is stored. */
  id: string | undefined;
  name: string;
  /** The stored text's revision this page last read or wrote (undefined until stored). */
  revision: number | undefined;
  origin: string | undefined;
  readonly session: NotebookSession;
  readonly saver: Autosaver | undefined;
}

export class LibraryApp {
  readonly #o: LibraryAppOptions;
  readonly #lib: NotebookLibrary | undefined;
  #current: Current | undefined;

  private constructor(options: LibraryAppOptions, lib: NotebookLibrary | undefined) {
    this.#o = options;
    this.#lib = lib;
    options.menu.repo = [...options.repo.keys()].sort();
    options.menu.addEventListener('vb-library', (event) => void this.#act((event as CustomEvent<LibraryAction>).detail));
    options.view.addEventListener('vb-draft-change', () => this.#current?.saver?.changed());
    // Leaving the page: start the write of whatever is pending (the browser may let it finish).
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') void this.flush();
    });
    window.addEventListener('pagehide', () => void this.flush());
  }

  /**
   * Opens the library (without it — IndexedDB blocked — notebooks open but are not
   * stored, and the menu says so) and the notebook `search` (the page's query) asks for.
   */
  static async start(options: LibraryAppOptions, search: string): Promise<LibraryApp> {
    let lib: NotebookLibrary | undefined;
    let problem: string | undefined;
    try {
      lib = await openNotebookLibrary(options.database);
    } catch (e) {
      problem = `browser storage unavailable (${e instanceof Error ? e.message : String(e)}): edits are not kept`;
    }
    const app = new LibraryApp(options, lib);
    if (problem) options.menu.message = { text: problem, error: true };
    await app.#openFromQuery(new URLSearchParams(search));
    await app.#refreshList();
    return app;
  }

  /** Whether some edit is not stored yet (or, without storage, not downloaded): worth a prompt before leaving. */
  hasUnsaved(): boolean {
    const cur = this.#current;
    if (!cur) return false;
    if (cur.saver) return cur.saver.unsaved;
    return cur.session.hasUnsavedChanges(this.#o.view.drafts());
  }

  /** Stores pending edits of the open notebook now. */
  async flush(): Promise<void> {
    await this.#current?.saver?.flush();
  }

  /** Opens the repository notebook `path` (the stored copy if there is one). */
  async openRepo(path: string): Promise<void> {
    const text = this.#o.repo.get(path);
    if (text === undefined) {
      this.#close();
      this.#o.fail(path, `${path} not found (notebooks here: ${[...this.#o.repo.keys()].join(', ') || 'none'})`);
      return;
    }
    const copy = await this.#lib?.copyOf(path);
    if (copy) {
      this.#openStored(copy);
      if (copy.originText !== undefined && copy.originText !== text) {
        this.#say(`${path} has changed in the repository since your copy was made: “Discard my copy…” opens the new version`, false);
      }
    } else this.#openText(text, { id: undefined, revision: undefined, name: nameFromPath(path), origin: path });
    this.#setQuery('nb', path);
  }

  /**
   * Opens `text` as the notebook `path` without storing it (test hooks, files from
   * elsewhere): like an unedited repository notebook, it is stored on its first edit.
   */
  openText(text: string, path: string): void {
    this.#openText(text, { id: undefined, revision: undefined, name: nameFromPath(path), origin: undefined }, path);
  }

  /** Downloads the open notebook as `.nb.ts` (percent text, drafts included) or `.ipynb` (with its outputs). */
  download(format: 'nb.ts' | 'ipynb'): void {
    const cur = this.#current;
    if (!cur) return;
    const drafts = this.#o.view.drafts();
    const base = cur.id === undefined && cur.origin ? nameFromPath(cur.origin) : cur.name;
    if (format === 'nb.ts') {
      const text = cur.session.text(drafts);
      saveTextFile(`${base}.nb.ts`, text, 'text/typescript');
      cur.session.markSaved(text);
      return;
    }
    const { text, lost } = executedIpynb(cur.session.state, drafts);
    saveTextFile(`${base}.ipynb`, text, 'application/x-ipynb+json');
    if (lost.length > 0) this.#say(`${base}.ipynb: ${lost.join('; ')}`, false);
  }

  async #openFromQuery(params: URLSearchParams): Promise<void> {
    const id = params.get('id');
    const path = params.get('nb') ?? params.get('notebook');
    if (id !== null) {
      const stored = this.#lib ? await this.#lib.get(id) : undefined;
      if (stored) this.#openStored(stored);
      else this.#o.fail(id, `notebook ${id} is not stored in this browser (open the Notebooks menu to see those that are)`);
      return;
    }
    if (path !== null) {
      await this.openRepo(path);
      return;
    }
    const latest = (await this.#lib?.list())?.[0];
    const stored = latest ? await this.#lib!.get(latest.id) : undefined;
    if (stored) this.#openStored(stored);
    else await this.openRepo(this.#o.defaultPath);
  }

  async #act(a: LibraryAction): Promise<void> {
    const lib = this.#lib;
    try {
      switch (a.action) {
        case 'list':
          await this.#refreshList();
          return;
        case 'download':
          this.download(a.format);
          this.#o.menu.close(true);
          return;
        case 'open-repo':
          await this.flush();
          await this.openRepo(a.path);
          break;
        case 'open-file': {
          const imported = await importNotebookFile(await a.file.text(), a.file.name);
          await this.flush();
          if (lib) {
            this.#openStored(await lib.create(nameFromPath(a.file.name), imported.text, { uniquify: true }));
          } else {
            this.#openText(imported.text, { id: undefined, revision: undefined, name: nameFromPath(a.file.name), origin: undefined });
          }
          this.#o.menu.close(true);
          this.#say(imported.notes.length > 0 ? `${a.file.name}: ${imported.notes.join('; ')}` : `opened ${a.file.name}`, false);
          await this.#refreshList();
          return;
        }
        default:
          if (!lib) throw new Error('browser storage is unavailable here: download the notebook to keep it');
          await this.#libraryAction(a, lib);
      }
      this.#o.menu.close(true);
      this.#o.menu.message = undefined;
    } catch (e) {
      this.#say(e instanceof Error ? e.message : String(e), true);
    }
    await this.#refreshList();
  }

  async #libraryAction(a: Exclude<LibraryAction, { action: 'list' | 'download' | 'open-repo' | 'open-file' }>, lib: NotebookLibrary): Promise<void> {
    const cur = this.#current;
    switch (a.action) {
      case 'new':
        await this.flush();
        this.#openStored(await lib.create('Untitled', NEW_NOTEBOOK_TEXT, { uniquify: true }));
        return;
      case 'open': {
        await this.flush();
        const stored = await lib.get(a.id);
        if (!stored) throw new NotebookNotFoundError(a.id);
        this.#openStored(stored);
        return;
      }
      case 'rename': {
        if (!cur?.id) return;
        const renamed = await lib.rename(cur.id, a.name);
        cur.name = renamed.name;
        this.#label(cur);
        return;
      }
      case 'duplicate': {
        if (!cur?.id) return;
        await this.flush();
        this.#openStored(await lib.duplicate(cur.id));
        return;
      }
      case 'delete': {
        if (!cur?.id) return;
        cur.saver?.stop();
        await lib.delete(cur.id);
        this.#close();
        if (cur.origin) await this.openRepo(cur.origin);
        else await this.#openFromQuery(new URLSearchParams());
        return;
      }
    }
  }

  #openStored(stored: StoredNotebook): void {
    this.#openText(stored.text, { id: stored.id, revision: stored.revision, name: stored.name, origin: stored.origin });
    if (stored.origin) this.#setQuery('nb', stored.origin);
    else this.#setQuery('id', stored.id);
  }

  /** Opens `text` in a fresh kernel (never running it) and starts its autosave. */
  #openText(text: string, what: Pick<Current, 'id' | 'revision' | 'name' | 'origin'>, label?: string): void {
    this.#close();
    const session = this.#o.open(text, label ?? what.origin ?? what.name);
    const view = this.#o.view;
    const cur: Current = {
      ...what,
      session,
      saver: this.#lib
        ? new Autosaver(session.text(), {
            // The editors are this notebook's only while it is the open one.
            snapshot: () => session.text(this.#current === cur ? view.drafts() : new Map()),
            write: (t) => this.#write(cur, t),
            onError: (e) => this.#say(`not saved: ${e instanceof Error ? e.message : String(e)}`, true),
            onStatus: () => this.#showStatus(cur),
          })
        : undefined,
    };
    this.#current = cur;
    let seen = session.text();
    session.subscribe(() => {
      // Kernel news (outputs, statuses) arrives often; only a change of the text is an edit.
      const now = session.text();
      if (now !== seen) {
        seen = now;
        cur.saver?.changed();
      }
    });
    this.#label(cur);
    this.#showStatus(cur);
  }

  /**
   * One autosave write: the first creates the stored copy of a repository notebook. If the
   * notebook was deleted in another tab, the edits become a new notebook; if another tab
   * changed its text, they become `<name> (conflict)`, and this page goes on with that one.
   */
  async #write(cur: Current, text: string): Promise<void> {
    const lib = this.#lib!;
    let name = cur.name;
    if (cur.id !== undefined) {
      try {
        cur.revision = (await lib.saveText(cur.id, text, cur.revision)).revision;
        return;
      } catch (e) {
        if (e instanceof NotebookConflictError) {
          name = `${cur.name} (conflict)`;
          cur.origin = undefined;
        } else if (!(e instanceof NotebookNotFoundError)) {
          throw e;
        }
      }
    }
    const origin = cur.origin !== undefined ? { origin: cur.origin, originText: this.#o.repo.get(cur.origin) } : {};
    const stored = await lib.create(name, text, { uniquify: true, ...origin });
    const conflict = name !== cur.name;
    cur.id = stored.id;
    cur.name = stored.name;
    cur.revision = stored.revision;
    if (this.#current === cur) {
      this.#label(cur);
      if (conflict) {
        this.#setQuery('id', stored.id);
        this.#o.view.path = stored.name;
        this.#say(`changed in another tab meanwhile: your edits here are saved as “${stored.name}”`, true);
      }
      void this.#refreshList();
    }
  }

  /** Leaves the open notebook: a pending change is written now (the snapshot is taken at once), then autosave stops. */
  #close(): void {
    const saver = this.#current?.saver;
    if (saver?.unsaved) void saver.flush();
    saver?.stop();
    this.#current = undefined;
  }

  #label(cur: Current): void {
    const menu = this.#o.menu;
    menu.currentId = cur.id;
    menu.currentName = cur.origin && cur.id !== undefined ? `${cur.name} (your copy of ${cur.origin})` : cur.origin ?? cur.name;
    menu.origin = cur.id !== undefined ? cur.origin : undefined;
    if (!cur.origin && cur.id !== undefined) {
      this.#o.view.path = cur.name;
      document.title = `${cur.name} · Voxbook`;
    }
  }

  #showStatus(cur: Current): void {
    if (this.#current !== cur) return;
    let status: SaveStatus;
    if (!cur.saver) status = 'memory';
    else if (cur.saver.failed) status = 'failed';
    else if (cur.saver.unsaved) status = 'saving';
    else status = cur.id === undefined ? 'repo' : 'saved';
    this.#o.menu.status = status;
  }

  async #refreshList(): Promise<void> {
    if (this.#lib) this.#o.menu.notebooks = await this.#lib.list();
  }

  #say(text: string, error: boolean): void {
    this.#o.menu.message = { text, error };
  }

  /** Puts `key=value` in the address bar (dropping the other notebook keys) without a reload. */
  #setQuery(key: 'id' | 'nb', value: string): void {
    const url = new URL(location.href);
    for (const k of ['id', 'nb', 'notebook']) url.searchParams.delete(k);
    url.searchParams.set(key, value);
    if (url.href !== location.href) history.replaceState(history.state, '', url);
  }
}
