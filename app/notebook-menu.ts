/**
 * `<vb-notebook-menu>`: the toolbar's "Notebooks" button, the save status beside it, and
 * the panel it opens — the current notebook's actions (rename, duplicate, delete, download
 * as .nb.ts or .ipynb), new notebook, open a local file, the notebooks stored in this
 * browser and those of the repository. Keyboard: the button is a disclosure (Enter/Space
 * open it, focus moves into the panel), Escape closes it and returns focus to the button.
 * The save status is shown, not announced (it changes with every pause in typing); notes
 * and errors are announced.
 *
 * It only shows and asks; `library-app.ts` does. Events (bubbling) `vb-library` with a
 * `LibraryAction` detail.
 */
import { LitElement, html, nothing, type TemplateResult } from 'lit';
import type { NotebookSummary } from './notebook-library.ts';

export type LibraryAction =
  /** The panel opened: the list of stored notebooks should be current. */
  | { readonly action: 'list' }
  | { readonly action: 'new' }
  | { readonly action: 'open'; readonly id: string }
  | { readonly action: 'open-repo'; readonly path: string }
  | { readonly action: 'open-file'; readonly file: File }
  | { readonly action: 'rename'; readonly name: string }
  | { readonly action: 'duplicate' }
  | { readonly action: 'delete' }
  | { readonly action: 'download'; readonly format: 'nb.ts' | 'ipynb' };

/**
 * Where the open notebook is kept: `repo` (a repository notebook, unedited, not stored),
 * `saved`, `saving` (a change waits or is being written), `failed` (the last write failed),
 * `memory` (IndexedDB is unavailable: edits live only in this page).
 */
export type SaveStatus = 'repo' | 'saved' | 'saving' | 'failed' | 'memory';

const STATUS_TEXT: Readonly<Record<SaveStatus, string>> = {
  repo: 'From the repository',
  saved: 'Saved in this browser',
  saving: 'Saving…',
  failed: 'Not saved',
  memory: 'Not stored (no browser storage)',
};

let nextPanelId = 0;

export class VbNotebookMenu extends LitElement {
  static override properties = {
    notebooks: { attribute: false },
    repo: { attribute: false },
    currentId: { attribute: false },
    currentName: { attribute: false },
    origin: { attribute: false },
    status: { attribute: false },
    message: { attribute: false },
    expanded: { state: true },
    mode: { state: true },
  };
  /** Notebooks stored in this browser, most recently modified first. */
  declare notebooks: readonly NotebookSummary[];
  /** Paths of the repository's notebooks. */
  declare repo: readonly string[];
  /** The open notebook's id when it is stored. */
  declare currentId: string | undefined;
  /** The open notebook's name (or repo path). */
  declare currentName: string;
  /** The repo path the open notebook is (a copy of). */
  declare origin: string | undefined;
  declare status: SaveStatus;
  /** A note or an error from the last action, shown beside the button. */
  declare message: { readonly text: string; readonly error: boolean } | undefined;
  declare expanded: boolean;
  /** What the panel's top shows: the actions, the rename form or the delete question. */
  declare mode: 'actions' | 'rename' | 'delete';

  readonly #panelId = `vb-library-panel-${nextPanelId++}`;

  constructor() {
    super();
    this.notebooks = [];
    this.repo = [];
    this.currentId = undefined;
    this.currentName = '';
    this.origin = undefined;
    this.status = 'repo';
    this.message = undefined;
    this.expanded = false;
    this.mode = 'actions';
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('pointerdown', this.#outside, true);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('pointerdown', this.#outside, true);
  }

  /** Closes the panel (after an action that opened another notebook, say). */
  close(focusButton = false): void {
    this.expanded = false;
    this.mode = 'actions';
    if (focusButton) void this.updateComplete.then(() => this.querySelector<HTMLElement>('.vb-library-toggle')?.focus());
  }

  override render() {
    return html`
      <div class="vb-library" @keydown=${this.#keydown}>
        <button class="vb-button vb-library-toggle" aria-haspopup="dialog" aria-expanded=${this.expanded ? 'true' : 'false'}
          aria-controls=${this.#panelId} aria-label="Notebooks" @click=${this.#toggle} title="Notebooks: new, open, rename, duplicate, delete, download">
          <svg class="vb-icon" viewBox="0 0 12 12" aria-hidden="true"><path d="M2 2.5h8M2 6h8M2 9.5h8" /></svg><span class="vb-label-long">Notebooks</span>
        </button>
        <span class="vb-save-status" data-status=${this.status} title=${STATUS_TEXT[this.status]}>
          <span class="vb-save-dot" aria-hidden="true"></span><span class="vb-save-text">${STATUS_TEXT[this.status]}</span>
        </span>
        ${this.message
          ? html`<span class=${this.message.error ? 'vb-library-message vb-library-error' : 'vb-library-message'} role=${this.message.error ? 'alert' : 'status'}
              title=${this.message.text}>${this.message.text}</span>`
          : nothing}
        ${this.expanded ? this.#renderPanel() : nothing}
      </div>
    `;
  }

  #renderPanel(): TemplateResult {
    return html`
      <div class="vb-library-panel" id=${this.#panelId} role="dialog" aria-label="Notebooks">
        <section aria-label="This notebook">
          <h2 class="vb-library-heading">This notebook</h2>
          <div class="vb-library-current">${this.currentName}</div>
          ${this.mode === 'rename' ? this.#renderRename() : this.mode === 'delete' ? this.#renderDelete() : this.#renderActions()}
        </section>
        <section aria-label="New or open">
          <div class="vb-library-row">
            <button class="vb-button" @click=${() => this.#emit({ action: 'new' })}>New notebook</button>
            <label class="vb-button vb-library-file">Open file…<input type="file" accept=".ts,.ipynb" class="vb-visually-hidden"
              aria-label="Open a local .nb.ts or .ipynb file" @change=${this.#fileChosen} /></label>
          </div>
        </section>
        <section aria-label="In this browser">
          <h2 class="vb-library-heading">In this browser</h2>
          ${this.notebooks.length === 0
            ? html`<p class="vb-library-empty">None yet: edits to a notebook are kept here.</p>`
            : html`<ul class="vb-library-list">
                ${this.notebooks.map((n) => html`<li>
                  <button class="vb-link vb-library-item" data-id=${n.id} aria-current=${n.id === this.currentId ? 'true' : 'false'}
                    @click=${() => this.#emit({ action: 'open', id: n.id })}>${n.name}</button>
                  <span class="vb-library-when">${when(n.modified)}</span>
                </li>`)}
              </ul>`}
        </section>
        <section aria-label="From the repository">
          <h2 class="vb-library-heading">From the repository</h2>
          <ul class="vb-library-list">
            ${this.repo.map((p) => html`<li>
              <button class="vb-link vb-library-repo" data-path=${p} @click=${() => this.#emit({ action: 'open-repo', path: p })}>${p}</button>
            </li>`)}
          </ul>
        </section>
      </div>
    `;
  }

  #renderActions(): TemplateResult {
    const stored = this.currentId !== undefined;
    return html`
      <div class="vb-library-row">
        <button class="vb-button" ?disabled=${!stored} @click=${this.#startRename}>Rename…</button>
        <button class="vb-button" ?disabled=${!stored} @click=${() => this.#emit({ action: 'duplicate' })}>Duplicate</button>
        <button class="vb-button" ?disabled=${!stored} @click=${this.#startDelete}>${this.origin ? 'Discard my copy…' : 'Delete…'}</button>
      </div>
      <div class="vb-library-row">
        <button class="vb-button" @click=${() => this.#emit({ action: 'download', format: 'nb.ts' })}>Download .nb.ts</button>
        <button class="vb-button" @click=${() => this.#emit({ action: 'download', format: 'ipynb' })}
          title="nbformat 4.5, with the outputs shown now">Download .ipynb</button>
      </div>
    `;
  }

  #renderRename(): TemplateResult {
    return html`
      <form class="vb-library-row" @submit=${this.#submitRename}>
        <label>New name <input class="vb-library-name" name="name" .value=${this.currentName} required maxlength="120" /></label>
        <button class="vb-button vb-button-primary" type="submit">Rename</button>
        <button class="vb-button" type="button" @click=${this.#cancel}>Cancel</button>
      </form>
    `;
  }

  #renderDelete(): TemplateResult {
    const question = this.origin
      ? `Discard your changes to ${this.origin}? Your copy is deleted from this browser and the repository's version opens.`
      : `Delete “${this.currentName}” from this browser? This cannot be undone.`;
    return html`
      <div class="vb-library-confirm" role="group" aria-label="Confirm delete">
        <p>${question}</p>
        <div class="vb-library-row">
          <button class="vb-button vb-danger" @click=${() => this.#emit({ action: 'delete' })}>${this.origin ? 'Discard' : 'Delete'}</button>
          <button class="vb-button" @click=${this.#cancel}>Cancel</button>
        </div>
      </div>
    `;
  }

  #toggle = async (): Promise<void> => {
    this.expanded = !this.expanded;
    this.mode = 'actions';
    if (!this.expanded) return;
    this.#emit({ action: 'list' });
    await this.updateComplete;
    this.querySelector<HTMLElement>('.vb-library-panel button:not([disabled])')?.focus();
  };

  #startRename = async (): Promise<void> => {
    this.mode = 'rename';
    await this.updateComplete;
    const input = this.querySelector<HTMLInputElement>('.vb-library-name');
    input?.focus();
    input?.select();
  };

  #startDelete = async (): Promise<void> => {
    this.mode = 'delete';
    await this.updateComplete;
    this.querySelector<HTMLElement>('.vb-library-confirm button')?.focus();
  };

  /** Back from the rename form or the delete question to the actions, focus in the panel. */
  #cancel = async (): Promise<void> => {
    this.mode = 'actions';
    await this.updateComplete;
    this.querySelector<HTMLElement>('.vb-library-panel button:not([disabled])')?.focus();
  };

  #submitRename = (event: Event): void => {
    event.preventDefault();
    const name = this.querySelector<HTMLInputElement>('.vb-library-name')?.value ?? '';
    this.#emit({ action: 'rename', name });
  };

  #fileChosen = (event: Event): void => {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (file) this.#emit({ action: 'open-file', file });
  };

  #keydown = (event: KeyboardEvent): void => {
    if (event.key !== 'Escape' || !this.expanded) return;
    event.stopPropagation();
    if (this.mode !== 'actions') void this.#cancel();
    else this.close(true);
  };

  #outside = (event: Event): void => {
    if (this.expanded && !event.composedPath().includes(this)) this.close();
  };

  #emit(detail: LibraryAction): void {
    this.dispatchEvent(new CustomEvent<LibraryAction>('vb-library', { detail, bubbles: true }));
  }
}

/** A short local date and time, e.g. "27 Nov, 14:05". */
function when(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

customElements.define('vb-notebook-menu', VbNotebookMenu);

declare global {
  interface HTMLElementTagNameMap {
    'vb-notebook-menu': VbNotebookMenu;
  }
}
