/**
 * `<vb-cell>`: one notebook cell — its source in an editor (code), rendered (markdown) or
 * as preformatted plain text (raw: never run, not editable here),
 * its status and run time, what went wrong if anything, and its outputs. Rendered markdown
 * and outputs each live in their own shadow root (output-view.ts).
 *
 * Events (bubbling, composed): `vb-run-cell` {id, source} on Shift-Enter or the cell's Run
 * button in a code cell; `vb-source-change` {id, source} when a markdown cell leaves
 * editing; `vb-show-cell` {id} when the user follows a link to another cell; `vb-set-input`
 * {id, name, value} when an input widget in its outputs changes; `vb-draft-change` {id}
 * whenever the text in the cell's editor changes (for autosave). A stale cell (lazy, or
 * downstream of one) shows its old outputs dimmed and a "Run now" button.
 */
import { LitElement, html, nothing, type TemplateResult } from 'lit';
import type { EditorView } from '@codemirror/view';
import { MIME, type CellError, type MimeBundle } from '../kernel/protocol.ts';
import { hasExplicitId, type CellState } from './notebook-state.ts';
import { createCellEditor, markErrorLine, revealLine, setEditorText } from './editor.ts';
import { formatMs } from './format.ts';
import { renderOutput } from './output-view.ts';
import { renderStageProgress } from './stage-progress-view.ts';

export interface CellRef {
  readonly id: string;
  readonly label: string;
}

export interface CellEventDetail {
  readonly id: string;
  readonly source: string;
}

const STATUS_TEXT: Readonly<Record<CellState['status'], string>> = {
  idle: 'not run',
  queued: 'queued',
  running: 'running',
  done: 'done',
  error: 'error',
  blocked: 'blocked',
  stale: 'stale',
};

export class VbCell extends LitElement {
  static override properties = {
    cell: { attribute: false },
    number: { type: Number },
    blockers: { attribute: false },
    editing: { state: true },
    dirty: { state: true },
    selected: { type: Boolean },
  };
  declare cell: CellState | undefined;
  /** Code cells: 1-based number among the notebook's code cells, shown in the gutter (0: none). */
  declare number: number;
  /** For a blocked cell: the failed cells upstream, nearest first. */
  declare blockers: readonly CellRef[];
  /** Markdown cells: showing the source editor rather than the rendered text. */
  declare editing: boolean;
  /** The editor's text differs from what the kernel last ran. */
  declare dirty: boolean;
  /** The notebook's selected cell (command mode acts on it; app/notebook-keys.ts). */
  declare selected: boolean;

  #editor: EditorView | undefined;
  #ranSource = '';
  /** The rendered markdown's bundle, kept while the source is the same (so it is not re-rendered). */
  #markdown: { readonly source: string; readonly bundle: MimeBundle } | undefined;

  constructor() {
    super();
    this.number = 0;
    this.blockers = [];
    this.editing = false;
    this.dirty = false;
    this.selected = false;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override render() {
    const cell = this.cell;
    if (!cell) return nothing;
    if (cell.kind === 'raw') return this.#renderRaw(cell);
    return cell.kind === 'markdown' ? this.#renderMarkdown(cell) : this.#renderCode(cell);
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    const before = changed.get('cell') as CellState | undefined;
    // The kernel now has this source (it ran, or the notebook was re-opened): not dirty.
    if (this.cell && changed.has('cell') && before?.source !== this.cell.source) {
      this.#ranSource = this.cell.source;
      this.dirty = false;
    }
  }

  protected override updated(changed: Map<PropertyKey, unknown>): void {
    const cell = this.cell;
    if (!cell || !changed.has('cell')) return;
    const before = changed.get('cell') as CellState | undefined;
    if (cell.kind === 'code') {
      const editor = this.#ensureEditor(cell);
      if (!before || before.source !== cell.source) setEditorText(editor, cell.source);
      if (!before || before.error !== cell.error || before.problems !== cell.problems) {
        markErrorLine(editor, cell.error?.line ?? cell.problems.find((p) => p.line !== undefined)?.line);
      }
    }
  }

  /**
   * The editor's text when it differs from the cell's source — typed but not yet run (code)
   * or still being edited (markdown) — else undefined.
   */
  get draft(): string | undefined {
    const text = this.#editor?.state.doc.toString();
    return text !== undefined && this.cell && text !== this.cell.source ? text : undefined;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#editor?.destroy();
    this.#editor = undefined;
  }

  #renderCode(cell: CellState): TemplateResult {
    const cls = `vb-cell vb-cell-code vb-status-${cell.status}${this.dirty ? ' vb-dirty' : ''}${this.selected ? ' vb-selected' : ''}`;
    return html`
      <section class=${cls} data-cell-id=${cell.id} data-status=${cell.status} tabindex="-1" ?data-selected=${this.selected}>
        <div class="vb-gutter">
          <span class="vb-position">[${this.number}]</span>
          <span class="vb-status-dot" title=${STATUS_TEXT[cell.status]}></span>
          <button class="vb-cell-run" aria-label=${`Run cell ${cell.id}`} title="Run this cell and what depends on it (Shift-Enter)"
            @click=${this.#runFromButton}></button>
        </div>
        <div class="vb-cell-main">
          <div class="vb-cell-head">
            ${cell.title ? html`<span class="vb-cell-title">${cell.title}</span>` : nothing}
            ${hasExplicitId(cell) && cell.id !== cell.title && !cell.tags.includes(cell.id) ? html`<span class="vb-cell-id" title="cell id">${cell.id}</span>` : nothing}
            ${cell.tags.map((t) => html`<span class="vb-tag">${t}</span>`)}
            <span class="vb-spacer"></span>
            ${this.dirty ? html`<span class="vb-edited">edited · Shift-Enter to run</span>` : nothing}
            <span class="vb-status" data-status=${cell.status}>${this.#statusText(cell)}</span>
          </div>
          <div class="vb-editor"></div>
          ${cell.status === 'running' && cell.progress ? renderStageProgress(cell.progress) : nothing}
          ${cell.problems.filter((p) => !sameError(p, cell.error)).map((p) => this.#renderError(p, 'vb-problem'))}
          ${cell.status === 'blocked' ? this.#renderBlocked(cell) : cell.error ? this.#renderError(cell.error, 'vb-error') : nothing}
          ${cell.status === 'stale' ? html`<div class="vb-note">${cell.tags.includes('lazy') ? 'Lazy: an' : 'An'} input changed since this ran; its outputs are out of date.
            <button class="vb-button vb-run-stale" @click=${this.#runFromButton}>Run now</button></div>` : nothing}
          ${cell.outputs.length > 0 ? html`<div class="vb-outputs" @vb-input=${this.#onInput}>${cell.outputs.map(renderOutput)}</div>` : nothing}
        </div>
      </section>
    `;
  }

  #renderMarkdown(cell: CellState): TemplateResult {
    return html`
      <section class="vb-cell vb-cell-markdown${this.editing ? ' vb-editing' : ''}${this.selected ? ' vb-selected' : ''}" data-cell-id=${cell.id} tabindex="-1" ?data-selected=${this.selected}>
        <div class="vb-gutter"></div>
        <div class="vb-cell-main">
          <div class="vb-editor" ?hidden=${!this.editing}></div>
          <div class="vb-prose-box" ?hidden=${this.editing} tabindex="0" aria-keyshortcuts="Enter"
            title="Markdown: press Enter or double-click to edit" @dblclick=${this.#editMarkdown} @keydown=${this.#proseKey}>
            <vb-bundle .bundle=${this.#markdownBundle(cell.source)}></vb-bundle>
          </div>
        </div>
      </section>
    `;
  }

  /** A raw cell: its text as it is, preformatted, escaped by lit (never interpreted). */
  #renderRaw(cell: CellState): TemplateResult {
    return html`
      <section class="vb-cell vb-cell-raw${this.selected ? ' vb-selected' : ''}" data-cell-id=${cell.id} tabindex="-1" ?data-selected=${this.selected}>
        <div class="vb-gutter"></div>
        <div class="vb-cell-main">
          ${cell.title ? html`<div class="vb-cell-head"><span class="vb-cell-title">${cell.title}</span></div>` : nothing}
          <pre class="vb-raw" title="Raw cell: kept as it is, never run">${cell.source}</pre>
        </div>
      </section>
    `;
  }

  #statusText(cell: CellState): string {
    const text = STATUS_TEXT[cell.status];
    if (cell.status !== 'done' && cell.status !== 'error') return text;
    if (cell.cached) return `${text} · cached`;
    return cell.ms === undefined ? text : `${text} · ${formatMs(cell.ms)}`;
  }

  #renderError(error: NonNullable<CellState['error']>, cls: string): TemplateResult {
    return html`
      <div class=${cls} role="alert">
        <div class="vb-error-head">
          <span class="vb-error-name">${error.name}</span>
          <span class="vb-error-message">${error.message}</span>
          ${error.line !== undefined
            ? html`<button class="vb-link vb-error-line" @click=${() => this.#reveal(error.line!)}>line ${error.line}</button>`
            : nothing}
        </div>
        ${error.stack ? html`<details><summary>Stack trace</summary><pre>${error.stack}</pre></details>` : nothing}
      </div>
    `;
  }

  /** Names the failed ancestor when the analysis lets us find it, else the kernel's reason. */
  #renderBlocked(cell: CellState): TemplateResult {
    const [first, ...rest] = this.blockers;
    if (!first) {
      const reason = cell.error?.message ?? 'a cell this one depends on did not finish';
      return html`<div class="vb-blocked">Blocked: ${reason}.</div>`;
    }
    return html`
      <div class="vb-blocked">
        Blocked: depends on
        <button class="vb-link" @click=${() => this.#showCell(first.id)}>${first.label}</button>, which failed${rest.length > 0
          ? html` (and ${rest.length} more failed cell${rest.length > 1 ? 's' : ''} upstream)`
          : nothing}.
      </div>
    `;
  }

  #ensureEditor(cell: CellState): EditorView {
    if (this.#editor) return this.#editor;
    const parent = this.querySelector<HTMLElement>('.vb-editor')!;
    this.#ranSource = cell.source;
    this.#editor = createCellEditor({
      parent,
      doc: cell.source,
      language: cell.kind === 'code' ? 'typescript' : 'markdown',
      onRun: (source) => this.#run(source),
      onChange: (source) => {
        if (this.cell?.kind === 'code') this.dirty = source !== this.#ranSource;
        this.dispatchEvent(new CustomEvent('vb-draft-change', { detail: { id: cell.id }, bubbles: true, composed: true }));
      },
      onBlur: () => this.#finishMarkdown(),
      onEscape: () => {
        if (this.cell?.kind !== 'markdown') {
          this.focusCell();
          return;
        }
        this.#finishMarkdown();
        void this.#focusProse();
      },
    });
    return this.#editor;
  }

  #markdownBundle(source: string): MimeBundle {
    if (this.#markdown?.source !== source) this.#markdown = { source, bundle: { data: { [MIME.markdown]: source } } };
    return this.#markdown.bundle;
  }

  /** Runs the cell as its Run button does (a markdown cell being edited is rendered instead). */
  runCell(): void {
    this.#runFromButton();
  }

  /** Edit mode: focuses a code cell's editor, or opens a markdown cell's source in one. Raw cells are not editable. */
  async edit(): Promise<void> {
    const cell = this.cell;
    if (cell?.kind === 'markdown') return this.#editMarkdown();
    if (cell?.kind === 'code') this.#editor?.focus();
  }

  /** Command mode: leaves the editor (a markdown cell shows its rendered text) and focuses the cell itself. */
  leaveEditor(): void {
    this.#editor?.contentDOM.blur();
    this.#finishMarkdown();
    this.focusCell();
  }

  /** Puts the keyboard focus on the cell (not its editor) and scrolls it into view. */
  focusCell(): void {
    const section = this.querySelector<HTMLElement>('section.vb-cell');
    section?.focus({ preventScroll: true });
    section?.scrollIntoView({ block: 'nearest' });
  }

  #runFromButton = (): void => {
    const cell = this.cell;
    if (cell) this.#run(this.#editor?.state.doc.toString() ?? cell.source);
  };

  /** An input widget in this cell's outputs changed: tell the notebook which cell it belongs to. */
  #onInput = (event: Event): void => {
    const cell = this.cell;
    const detail = (event as CustomEvent<{ name: string; value: unknown }>).detail;
    if (!cell) return;
    event.stopPropagation();
    this.dispatchEvent(new CustomEvent('vb-set-input', { detail: { id: cell.id, name: detail.name, value: detail.value }, bubbles: true, composed: true }));
  };

  /** Enter on the rendered markdown itself (not on a link inside it) edits it. */
  #proseKey = (event: KeyboardEvent): void => {
    if (event.key !== 'Enter' || event.composedPath()[0] !== event.currentTarget) return;
    event.preventDefault();
    void this.#editMarkdown();
  };

  async #focusProse(): Promise<void> {
    await this.updateComplete;
    this.querySelector<HTMLElement>('.vb-prose-box')?.focus();
  }

  #run(source: string): void {
    const cell = this.cell;
    if (!cell) return;
    if (cell.kind === 'markdown') {
      this.#finishMarkdown();
      void this.#focusProse();
      return;
    }
    this.#ranSource = source;
    this.dirty = false;
    this.#emit('vb-run-cell', { id: cell.id, source });
  }

  #editMarkdown = async (): Promise<void> => {
    const cell = this.cell;
    if (!cell) return;
    this.editing = true;
    await this.updateComplete;
    const editor = this.#ensureEditor(cell);
    setEditorText(editor, cell.source);
    editor.focus();
  };

  /** Leaves markdown editing; the new text is the notebook's (markdown never runs). */
  #finishMarkdown(): void {
    const cell = this.cell;
    if (cell?.kind !== 'markdown' || !this.editing || !this.#editor) return;
    this.editing = false;
    const source = this.#editor.state.doc.toString();
    if (source !== cell.source) this.#emit('vb-source-change', { id: cell.id, source });
  }

  #reveal(line: number): void {
    if (this.#editor) revealLine(this.#editor, line);
  }

  #showCell(id: string): void {
    this.dispatchEvent(new CustomEvent('vb-show-cell', { detail: { id }, bubbles: true, composed: true }));
  }

  #emit(type: 'vb-run-cell' | 'vb-source-change', detail: CellEventDetail): void {
    this.dispatchEvent(new CustomEvent<CellEventDetail>(type, { detail, bubbles: true, composed: true }));
  }
}

function sameError(a: CellError, b: CellError | undefined): boolean {
  return b !== undefined && a.name === b.name && a.message === b.message && a.line === b.line;
}

customElements.define('vb-cell', VbCell);

declare global {
  interface HTMLElementTagNameMap {
    'vb-cell': VbCell;
  }
}
