/**
 * `<vb-command-palette>`: every command of app/commands.ts in a modal list with its keys,
 * filtered as one types (every word must appear), driven by the keyboard — ArrowUp/ArrowDown
 * move, Enter runs, Escape (or a click outside) closes — and by the mouse. A native
 * `<dialog>` opened modal, so focus stays inside it and the page behind is inert; the
 * input is a combobox whose options are the listed commands (ARIA 1.2 pattern).
 */
import { LitElement, html, nothing } from 'lit';
import { filterCommands, type Command } from './commands.ts';
import { displayKeys } from './key-sequence.ts';

/** Called once when the palette closes: with the chosen command, or undefined when dismissed. */
export type PaletteDone = (command: Command | undefined) => void;

export class VbCommandPalette extends LitElement {
  static override properties = {
    query: { state: true },
    active: { state: true },
    commands: { attribute: false },
    mac: { type: Boolean },
  };
  declare query: string;
  /** Index of the highlighted command among the filtered ones. */
  declare active: number;
  declare commands: readonly Command[];
  /** Shows Mod as ⌘ (macOS) rather than Ctrl. */
  declare mac: boolean;
  #done: PaletteDone | undefined;

  constructor() {
    super();
    this.query = '';
    this.active = 0;
    this.commands = [];
    this.mac = false;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  /** Whether the palette is showing. */
  get open(): boolean {
    return this.querySelector('dialog')?.open ?? false;
  }

  /** Opens the palette on `commands`; `done` gets the chosen one (or undefined). */
  async show(commands: readonly Command[], done: PaletteDone): Promise<void> {
    this.commands = commands;
    this.query = '';
    this.active = 0;
    this.#done = done;
    await this.updateComplete;
    const dialog = this.querySelector('dialog')!;
    if (!dialog.open) dialog.showModal();
    this.querySelector('input')!.focus();
  }

  /** Closes it; `command` goes to the `done` callback of `show`. */
  close(command?: Command): void {
    const dialog = this.querySelector('dialog');
    const done = this.#done;
    this.#done = undefined;
    if (dialog?.open) dialog.close();
    done?.(command);
  }

  override render() {
    const shown = filterCommands(this.query, this.commands);
    const active = Math.min(this.active, shown.length - 1);
    return html`
      <dialog class="vb-palette" aria-label="Command palette" @cancel=${this.#cancel} @click=${this.#backdrop}>
        <input class="vb-palette-input" type="text" role="combobox" aria-label="Command" aria-expanded="true"
          aria-controls="vb-palette-list" aria-autocomplete="list" placeholder="Type a command…" autocomplete="off" spellcheck="false"
          aria-activedescendant=${active >= 0 ? `vb-palette-${shown[active]!.id}` : nothing}
          .value=${this.query} @input=${this.#input} @keydown=${this.#key} />
        <ul class="vb-palette-list" id="vb-palette-list" role="listbox" aria-label="Commands">
          ${shown.map((c, i) => html`
            <li id=${`vb-palette-${c.id}`} role="option" class="vb-palette-option" aria-selected=${i === active ? 'true' : 'false'}
              data-command=${c.id} @click=${() => this.close(c)} @pointermove=${() => (this.active = i)}>
              <span class="vb-palette-label">${c.label}</span>
              <span class="vb-palette-keys">${c.keys.map((k) => html`<kbd>${displayKeys(k, this.mac)}</kbd>`)}</span>
            </li>`)}
          ${shown.length === 0 ? html`<li class="vb-palette-empty" role="presentation">No command matches “${this.query}”</li>` : nothing}
        </ul>
      </dialog>
    `;
  }

  #input = (event: Event): void => {
    this.query = (event.target as HTMLInputElement).value;
    this.active = 0;
  };

  #key = (event: KeyboardEvent): void => {
    const shown = filterCommands(this.query, this.commands);
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (shown.length > 0) this.active = (Math.min(this.active, shown.length - 1) + (event.key === 'ArrowDown' ? 1 : shown.length - 1)) % shown.length;
    } else if (event.key === 'Enter') {
      event.preventDefault();
      const chosen = shown[Math.min(this.active, shown.length - 1)];
      if (chosen) this.close(chosen);
    }
  };

  /** Escape: the dialog's own cancel. */
  #cancel = (event: Event): void => {
    event.preventDefault();
    this.close();
  };

  /** A click on the backdrop (the dialog element itself, outside its box) dismisses it. */
  #backdrop = (event: MouseEvent): void => {
    if (event.target === event.currentTarget) {
      const box = (event.currentTarget as HTMLElement).getBoundingClientRect();
      const inside = event.clientX >= box.left && event.clientX <= box.right && event.clientY >= box.top && event.clientY <= box.bottom;
      if (!inside) this.close();
    }
  };

  override updated(): void {
    this.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: 'nearest' });
  }
}

customElements.define('vb-command-palette', VbCommandPalette);

declare global {
  interface HTMLElementTagNameMap {
    'vb-command-palette': VbCommandPalette;
  }
}
