/**
 * One open notebook and its kernel: the single place where user intents (run all, run a
 * cell, edit markdown) become kernel messages, and kernel messages become new state. It
 * also knows whether the notebook has edits that were not saved (downloaded) yet.
 */
import type { KernelClient } from './kernel-client.ts';
import {
  applyKernelMessage,
  notebookText,
  stateFromText,
  withInterrupted,
  withRunRequested,
  withSource,
  type NotebookState,
} from './notebook-state.ts';
import { deleteCell, emptyCell, insertCell, newCellId, restoreCell, setCellKind, type DeletedCell, type EditableKind } from './notebook-edit.ts';

export type StateListener = (state: NotebookState) => void;

/** How long Stop waits for the running cell to honour its signal before ending the worker, ms. */
export const STOP_GRACE_MS = 500;

export class NotebookSession {
  readonly #connect: () => KernelClient;
  #client: KernelClient;
  readonly #listeners = new Set<StateListener>();
  readonly #originalText: string;
  #state: NotebookState;
  /** Whether the kernel has the notebook (an `open` was sent). */
  #opened = false;
  #stopTimer: ReturnType<typeof setTimeout> | undefined;
  /** Input values set in this session, by cell and name. */
  readonly #inputs = new Map<string, { id: string; name: string; value: unknown }>();
  /** Whether any cell's source differs from the original text. */
  #edited = false;
  /** The notebook's text when it was opened or last saved. */
  #savedText: string;
  /** Deleted cells, last deleted last, for `undoDelete`. */
  readonly #trash: DeletedCell[] = [];

  /**
   * `connect` starts a kernel; it is called again after an interrupt. With `restore`, the
   * kernel is given the notebook at once and asked for what its cache holds (kernel/restore.ts):
   * the outputs of the last run come back, and nothing runs — Run all stays the user's act.
   */
  constructor(connect: () => KernelClient, text: string, options: { readonly restore?: boolean } = {}) {
    this.#connect = connect;
    this.#originalText = text;
    this.#state = stateFromText(text);
    this.#savedText = notebookText(this.#state);
    this.#client = this.#attach(connect());
    if (options.restore && !this.#state.loadError) {
      this.#client.open(text);
      this.#client.restore();
      this.#opened = true;
    }
  }

  get state(): NotebookState {
    return this.#state;
  }

  /** Calls `listener` now and after every change; returns the unsubscribe function. */
  subscribe(listener: StateListener): () => void {
    this.#listeners.add(listener);
    listener(this.#state);
    return () => this.#listeners.delete(listener);
  }

  /** Whether a run was asked for and the kernel has not finished it. */
  get running(): boolean {
    return this.#state.phase === 'running';
  }

  /**
   * Sends the notebook (with any edits) to the kernel and runs every cell. Ignored while a
   * run is in progress (the kernel would queue a second one behind it).
   */
  runAll(): void {
    if (this.#state.loadError || this.running) return;
    this.#openAndRun();
  }

  /** Sends the notebook (with any edits) and runs every cell; the kernel queues it behind a run in progress. */
  #openAndRun(): void {
    this.#client.open(this.#edited ? notebookText(this.#state) : this.#originalText, undefined, [...this.#inputs.values()]);
    this.#opened = true;
    this.#client.run();
    this.#set(withRunRequested(this.#state, true));
  }

  /**
   * Runs one code cell with `source` (Shift-Enter): an edit when the source changed (the
   * kernel re-runs the cell and its descendants), else a run of the cell and descendants.
   */
  runCell(id: string, source: string): void {
    const cell = this.#state.cells.find((c) => c.id === id);
    if (!cell || cell.kind !== 'code') return;
    const changed = source !== cell.source;
    if (changed) {
      this.#edited = true;
      this.#set(withSource(this.#state, id, source));
    }
    if (!this.#opened) {
      // The kernel has no notebook yet, or an outdated one (cells were inserted or deleted
      // since): give it the whole document, edits included — also during a run, behind which
      // the kernel queues it, so the key press is not lost.
      if (this.#state.loadError) return;
      this.#openAndRun();
      return;
    }
    if (changed) this.#client.edit(id, source);
    else this.#client.run([id]);
    this.#set(withRunRequested(this.#state));
  }

  /**
   * The user moved an input widget of cell `id`: the kernel re-runs that cell and what reads
   * it (lazy cells go stale). Before the notebook is open in a kernel (after Stop, say) the
   * move opens it and runs all. The values are kept and given to every kernel the session opens.
   */
  setInput(id: string, name: string, value: unknown): void {
    if (this.#state.loadError) return;
    this.#inputs.set(`${id}\u0000${name}`, { id, name, value });
    if (!this.#opened) {
      this.runAll();
      return;
    }
    this.#client.setInput(id, name, value);
  }

  /** A markdown cell's new text (kept for the next `open`; markdown never runs). */
  setMarkdown(id: string, source: string): void {
    this.#edited = true;
    this.#set(withSource(this.#state, id, source));
  }

  /**
   * Inserts an empty `kind` cell at `index` (0-based; see app/notebook-edit.ts) and returns
   * its id. The kernel gets the new notebook at the next run (`open`, then a run of every
   * cell: unchanged ones come from the cache).
   */
  insertCell(index: number, kind: EditableKind = 'code'): string {
    const id = newCellId(this.#state);
    this.#restructure(insertCell(this.#state, index, emptyCell(id, kind)));
    return id;
  }

  /** Deletes cell `id` (kept for `undoDelete`); false when there is no such cell. */
  deleteCell(id: string): boolean {
    const result = deleteCell(this.#state, id);
    if (!result) return false;
    this.#trash.push(result.deleted);
    this.#restructure(result.state);
    return true;
  }

  /** Puts back the cell deleted last, where it was; returns its id, or undefined when nothing was deleted. */
  undoDelete(): string | undefined {
    const deleted = this.#trash.pop();
    if (!deleted) return undefined;
    this.#restructure(restoreCell(this.#state, deleted));
    return deleted.cell.id;
  }

  /** Turns cell `id` into a code or markdown cell with the same source. */
  setKind(id: string, kind: EditableKind): void {
    const next = setCellKind(this.#state, id, kind);
    if (next !== this.#state) this.#restructure(next);
  }

  /** A change of the notebook's cells: the kernel has an outdated notebook until the next `open`. */
  #restructure(state: NotebookState): void {
    this.#edited = true;
    this.#opened = false;
    this.#set(state);
  }

  /**
   * The notebook as percent-format text: the cells' sources, or for cells in `drafts`
   * (id → editor text not yet run) that text.
   */
  text(drafts: ReadonlyMap<string, string> = new Map()): string {
    return notebookText(this.#state, drafts);
  }

  /** Whether `text(drafts)` differs from the notebook as opened or last saved. */
  hasUnsavedChanges(drafts: ReadonlyMap<string, string> = new Map()): boolean {
    return !this.#state.loadError && this.text(drafts) !== this.#savedText;
  }

  /** Records that `text` (from `text()`) was saved: it is the new baseline for unsaved changes. */
  markSaved(text: string): void {
    this.#savedText = text;
  }

  /**
   * Stop (DESIGN.md §2), in two steps. First the kernel's `signal` fires: a cell that passes
   * it to its stages ends at their next check (training at a batch boundary, keeping its best
   * weights) and no further cell runs. If the run has not ended `STOP_GRACE_MS` later — a
   * cell that ignores the signal, or `while (true) {}` — the worker is ended, whatever it is
   * doing, and a fresh one started: the running cell is marked interrupted and the next run
   * re-opens the notebook in the new kernel. With `{ now: true }` the second step comes at once,
   * and so it does when the running cell's source never names `signal`: such a cell cannot
   * honour it, and waiting would only make Stop slower (`while (true) {}` ends in milliseconds).
   */
  interrupt(options: { readonly now?: boolean } = {}): void {
    clearTimeout(this.#stopTimer);
    const runningCell = this.#state.cells.find((c) => c.status === 'running');
    const deaf = runningCell !== undefined && !/\bsignal\b/.test(runningCell.source);
    if (options.now || !this.running || deaf) {
      this.#terminate();
      return;
    }
    const client = this.#client;
    client.interrupt();
    this.#stopTimer = setTimeout(() => {
      if (client === this.#client && this.running) this.#terminate();
    }, STOP_GRACE_MS);
  }

  #terminate(): void {
    this.#client.dispose();
    this.#client = this.#attach(this.#connect());
    this.#opened = false;
    this.#set(withInterrupted(this.#state));
  }

  dispose(): void {
    clearTimeout(this.#stopTimer);
    this.#client.dispose();
    this.#listeners.clear();
  }

  #attach(client: KernelClient): KernelClient {
    client.subscribe((message) => {
      if (client === this.#client) this.#set(applyKernelMessage(this.#state, message), { batch: true });
    });
    return client;
  }

  /** A frame is asked for to tell listeners of kernel news (see `#set`). */
  #frame = false;

  /**
   * The new state is the session's at once (`state`); listeners hear of it at once, or with
   * `batch` (kernel messages) once per animation frame where the page has frames: a slider
   * move brings a burst of cell messages, and the page is laid out once for them, not once each.
   */
  #set(state: NotebookState, options: { readonly batch?: boolean } = {}): void {
    this.#state = state;
    if (options.batch && typeof requestAnimationFrame === 'function') {
      if (this.#frame) return;
      this.#frame = true;
      requestAnimationFrame(() => {
        this.#frame = false;
        this.#notify();
      });
      return;
    }
    this.#notify();
  }

  #notify(): void {
    for (const listener of this.#listeners) listener(this.#state);
  }
}
