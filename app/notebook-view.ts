/**
 * `<vb-notebook>`: the page — a toolbar (notebook path, run summary, Stop, Download, Run
 * all) over the cells, and the kernel's warnings and log. Run all is disabled while a run
 * is in progress; Stop is there instead.
 *
 * Events (bubbling): `vb-run-all`; `vb-interrupt`; `vb-download-notebook`; `vb-export-html`; `vb-choose-notebook`
 * {path}; and the cells' `vb-run-cell` / `vb-source-change` bubble through it. Following a
 * "blocked by" link scrolls to the failed cell.
 */
import { LitElement, html, nothing, type TemplateResult } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { cellLabel, codeNumbers, failedAncestors, summarize, type NotebookState } from './notebook-state.ts';
import { formatMs } from './format.ts';
import type { CellRef } from './cell-view.ts';
import './cell-view.ts';

/** One empty list for every unblocked cell, so re-rendering the notebook does not re-render them. */
const NO_BLOCKERS: readonly CellRef[] = [];

export class VbNotebook extends LitElement {
  static override properties = {
    state: { attribute: false },
    path: { type: String },
    notebooks: { attribute: false },
    selected: { type: String },
    exporting: { type: Boolean },
    menu: { attribute: false },
  };
  declare state: NotebookState | undefined;
  /** The notebook's path, shown in the toolbar. */
  declare path: string;
  /** Notebooks the user can switch to (paths); a picker appears when there are several. */
  declare notebooks: readonly string[];
  /** The selected cell's id (command mode; app/notebook-keys.ts), if any. */
  declare selected: string | undefined;
  /** An HTML export is being made (its button says so and waits). */
  declare exporting: boolean;
  /** An element shown in the toolbar after the path (the notebook menu, notebook-menu.ts). */
  declare menu: HTMLElement | undefined;

  constructor() {
    super();
    this.path = '';
    this.notebooks = [];
    this.exporting = false;
    this.menu = undefined;
    this.addEventListener('vb-show-cell', (event) => this.#showCell((event as CustomEvent<{ id: string }>).detail.id));
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  /** Editor texts that differ from their cells' sources (typed, not yet run), by cell id. */
  drafts(): ReadonlyMap<string, string> {
    const drafts = new Map<string, string>();
    for (const cell of this.querySelectorAll('vb-cell')) {
      const draft = cell.draft;
      if (cell.cell && draft !== undefined) drafts.set(cell.cell.id, draft);
    }
    return drafts;
  }

  override render() {
    const state = this.state;
    const busy = state ? isBusy(state) : false;
    const usable = state !== undefined && !state.loadError;
    const numbers = state ? codeNumbers(state) : new Map<string, number>();
    const progress = progressOf(state);
    return html`
      <header class="vb-toolbar">
        <div class="vb-brand"><span class="vb-logo" aria-hidden="true"></span><span class="vb-brand-name">Voxbook</span></div>
        ${this.#renderPath()}
        ${this.menu ?? nothing}
        <span class="vb-spacer"></span>
        ${state ? this.#renderSummary(state, busy) : nothing}
        ${busy
          ? html`<button class="vb-button vb-stop" @click=${this.#interrupt} title="Stop: the running cell is asked to stop (training keeps its best weights); a cell that does not stop within a second is abandoned">
              <span class="vb-stop-icon" aria-hidden="true"></span>Stop
            </button>`
          : nothing}
        <button class="vb-button vb-download-notebook" ?disabled=${!usable} @click=${this.#download} aria-label="Download .nb.ts"
          title="Save the notebook, with your edits, as a .nb.ts file">
          <svg class="vb-icon" viewBox="0 0 12 12" aria-hidden="true"><path d="M6 1.5v6.5M3.2 5.4 6 8.2l2.8-2.8M1.5 10.5h9" /></svg><span class="vb-label-long">Download .nb.ts</span>
        </button>
        <button class="vb-button vb-export-html" ?disabled=${busy || !usable || this.exporting} @click=${this.#exportHtml} aria-label="Export HTML" aria-busy=${this.exporting ? 'true' : 'false'}
          title="Save the notebook with every output as one self-contained HTML page that opens from disk, with no network">
          <svg class="vb-icon" viewBox="0 0 12 12" aria-hidden="true"><path d="M2.5 1.5h4.5l2.5 2.5v6.5h-7zM7 1.5V4h2.5M4.5 6.5l-1 1 1 1M7.5 6.5l1 1-1 1" /></svg><span class="vb-label-long">${this.exporting ? 'Exporting…' : 'Export HTML'}</span>
        </button>
        <button class="vb-button vb-button-primary vb-run-all" ?data-busy=${busy} ?disabled=${busy || !usable} @click=${this.#runAll}
          title="Send the notebook to the kernel and run every cell (cached cells return at once)">
          <span class="vb-run-icon" aria-hidden="true"></span>Run all
        </button>
      </header>
      <div class="vb-progress" ?hidden=${!busy} role="progressbar" aria-label="Run progress"
        aria-valuemin="0" aria-valuemax=${progress.total} aria-valuenow=${progress.finished}
        aria-valuetext=${`${progress.finished} of ${progress.total} cells`}>
        <div class="vb-progress-bar" style=${`width: ${progress.percent}%`}></div>
      </div>
      <main class="vb-cells">
        ${state?.loadError ? html`<div class="vb-error" role="alert"><div class="vb-error-head">
            <span class="vb-error-name">Cannot open notebook</span><span class="vb-error-message">${state.loadError}</span>
          </div></div>` : nothing}
        ${state ? this.#renderWarnings(state) : nothing}
        ${state
          ? repeat(
              state.cells,
              (c) => c.id,
              (c) => html`<vb-cell
                .cell=${c}
                .number=${numbers.get(c.id) ?? 0}
                .selected=${c.id === this.selected}
                .blockers=${c.status === 'blocked'
                  ? failedAncestors(state, c.id).map((a) => ({ id: a.id, label: `[${numbers.get(a.id)}] ${cellLabel(state, a.id)}` }))
                  : NO_BLOCKERS}
              ></vb-cell>`,
            )
          : nothing}
        ${state && state.log.length > 0 ? this.#renderLog(state) : nothing}
      </main>
      <footer class="vb-footer">Shift-Enter runs a cell · Escape leaves the editor, Enter edits · A/B insert, D,D deletes, Z undoes · Ctrl+Shift+P: all commands</footer>
    `;
  }

  #renderPath(): TemplateResult {
    const others = this.notebooks.filter((p) => p !== this.path);
    if (others.length === 0) return html`<div class="vb-path" title=${this.path}>${this.path}</div>`;
    return html`
      <select class="vb-path vb-path-picker" aria-label="Notebook" @change=${this.#choose}>
        ${[this.path, ...others].map((p) => html`<option value=${p} ?selected=${p === this.path}>${p}</option>`)}
      </select>
    `;
  }

  #choose = (event: Event): void => {
    const path = (event.target as HTMLSelectElement).value;
    if (path !== this.path) this.dispatchEvent(new CustomEvent('vb-choose-notebook', { detail: { path }, bubbles: true }));
  };

  #renderSummary(state: NotebookState, busy: boolean): TemplateResult {
    const { code, byStatus } = summarize(state);
    const finished = byStatus.done + byStatus.error + byStatus.blocked;
    const parts: TemplateResult[] = [];
    if (busy) parts.push(html`<span>Running · ${finished} of ${code} cells</span>`);
    else if (state.phase === 'idle') parts.push(html`<span>${code} code cells · not run</span>`);
    else parts.push(html`<span>${byStatus.done} of ${code} cells done</span>`);
    if (byStatus.error > 0) parts.push(html`<span class="vb-count-error">${byStatus.error} failed</span>`);
    if (byStatus.blocked > 0) parts.push(html`<span class="vb-count-blocked">${byStatus.blocked} blocked</span>`);
    if (byStatus.stale > 0) parts.push(html`<span class="vb-count-stale">${byStatus.stale} stale</span>`);
    if (!busy && state.lastRunMs !== undefined) parts.push(html`<span>${formatMs(state.lastRunMs)}</span>`);
    return html`<div class="vb-summary" data-phase=${busy ? 'running' : state.phase} aria-live="polite" aria-atomic="true">${parts}</div>`;
  }

  #renderWarnings(state: NotebookState): TemplateResult | typeof nothing {
    const errors = state.log.filter((l) => l.level === 'error');
    if (errors.length === 0) return nothing;
    return html`<div class="vb-banner" role="alert">${errors.slice(-3).map((e) => html`<div>${e.text}</div>`)}</div>`;
  }

  #renderLog(state: NotebookState): TemplateResult {
    return html`
      <details class="vb-log">
        <summary>Kernel log (${state.log.length})</summary>
        <ol>${state.log.map((l) => html`<li class="vb-log-${l.level}">${l.text}</li>`)}</ol>
      </details>
    `;
  }

  #runAll = (): void => {
    this.dispatchEvent(new CustomEvent('vb-run-all', { bubbles: true, composed: true }));
  };

  #download = (): void => {
    this.dispatchEvent(new CustomEvent('vb-download-notebook', { bubbles: true, composed: true }));
  };

  #exportHtml = (): void => {
    this.dispatchEvent(new CustomEvent('vb-export-html', { bubbles: true, composed: true }));
  };

  #interrupt = (): void => {
    this.dispatchEvent(new CustomEvent('vb-interrupt', { bubbles: true, composed: true }));
  };

  #showCell(id: string): void {
    const el = this.querySelector<HTMLElement>(`[data-cell-id="${CSS.escape(id)}"]`);
    if (!el) return;
    el.scrollIntoView({ behavior: 'smooth', block: 'center' });
    el.classList.add('vb-flash');
    setTimeout(() => el.classList.remove('vb-flash'), 1200);
  }
}

/** Busy while the kernel is working on some cell, or a run was asked for and not finished. */
function isBusy(state: NotebookState): boolean {
  return state.cells.some((c) => c.status === 'queued' || c.status === 'running') || state.phase === 'running';
}

/** How far a run is: code cells finished (done, failed or blocked) of all code cells. */
function progressOf(state: NotebookState | undefined): { finished: number; total: number; percent: number } {
  if (!state) return { finished: 0, total: 0, percent: 0 };
  const { code, byStatus } = summarize(state);
  const finished = byStatus.done + byStatus.error + byStatus.blocked;
  return { finished, total: code, percent: code === 0 ? 0 : Math.round((100 * finished) / code) };
}

customElements.define('vb-notebook', VbNotebook);

declare global {
  interface HTMLElementTagNameMap {
    'vb-notebook': VbNotebook;
  }
}
