/**
 * `<vb-input-widget>`: an input output (`application/vnd.voxbook.input+json`, made by
 * cells/viz/inputs.ts) as a control — a slider, a number field, a select, a checkbox, a
 * button, or a file (and folder) picker, whose value is the picked File (or the folder's Files). Changing it fires `vb-input` {name, value} (bubbling, composed); the cell view adds
 * its cell id and the session tells the kernel, which re-runs what reads the input.
 *
 * While the user moves it, the control shows the user's value, not the kernel's: a slider
 * dragged ahead of the kernel does not jump back to a value the kernel computed for an
 * earlier position. The kernel's value is shown again once it has caught up.
 */
import { LitElement, css, html, nothing, type TemplateResult } from 'lit';
import type { InputWidget } from '../../cells/viz/inputs.ts';

/** The bundle's `application/vnd.voxbook.input+json`, as cells/viz/inputs.ts makes it (one contract, not a copy). */
export type { InputWidget };

export interface InputEventDetail {
  readonly name: string;
  readonly value: number | string | boolean | File | readonly File[];
}

const KINDS = new Set(['slider', 'number', 'select', 'checkbox', 'button', 'file']);

/** Whether `x` has the shape of an input widget. */
export function isInputWidget(x: unknown): x is InputWidget {
  if (typeof x !== 'object' || x === null) return false;
  const w = x as Record<string, unknown>;
  return typeof w['kind'] === 'string' && KINDS.has(w['kind']) && typeof w['name'] === 'string' && typeof w['label'] === 'string' && ['number', 'string', 'boolean'].includes(typeof w['value']);
}

export class VbInputWidget extends LitElement {
  static override properties = { widget: { attribute: false } };
  static override styles = css`
    :host { display: flex; align-items: center; gap: 10px; font: 13px system-ui, sans-serif; padding: 4px 0; }
    label { font-weight: 600; }
    input[type='range'] { flex: 1; max-width: 420px; }
    input[type='number'] { width: 8em; }
    output { font-variant-numeric: tabular-nums; min-width: 4em; }
    .range { color: #666; font-size: 12px; }
    button { font: inherit; padding: 3px 12px; }
    .file { color: #333; font-family: ui-monospace, monospace; font-size: 12px; }
    input[type='file'] { display: none; }
  `;
  declare widget: InputWidget | undefined;
  /** The value the user set last, while the kernel's is different (see the module comment). */
  #local: InputWidget['value'] | undefined;

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('widget') && this.widget && this.widget.value === this.#local) this.#local = undefined;
  }

  override render(): TemplateResult | typeof nothing {
    const w = this.widget;
    if (!w) return nothing;
    const value = this.#local ?? w.value;
    const id = `input-${w.name}`;
    switch (w.kind) {
      case 'slider':
        return html`<label for=${id}>${w.label}</label>
          <input id=${id} type="range" min=${w.min ?? 0} max=${w.max ?? 100} step=${w.step ?? 1} .value=${String(value)}
            @input=${(e: Event) => this.#send(Number((e.target as HTMLInputElement).value))}>
          <output for=${id}>${String(value)}</output><span class="range">${w.min} … ${w.max}</span>`;
      case 'number':
        return html`<label for=${id}>${w.label}</label>
          <input id=${id} type="number" min=${w.min ?? nothing} max=${w.max ?? nothing} step=${w.step ?? 'any'} .value=${String(value)}
            @change=${(e: Event) => {
              const n = (e.target as HTMLInputElement).valueAsNumber;
              if (Number.isFinite(n)) this.#send(n);
            }}>`;
      case 'select':
        return html`<label for=${id}>${w.label}</label>
          <select id=${id} @change=${(e: Event) => this.#send((e.target as HTMLSelectElement).value)}>
            ${(w.options ?? []).map((o) => html`<option .value=${o} ?selected=${o === value}>${o}</option>`)}
          </select>`;
      case 'checkbox':
        return html`<input id=${id} type="checkbox" .checked=${value === true} @change=${(e: Event) => this.#send((e.target as HTMLInputElement).checked)}>
          <label for=${id}>${w.label}</label>`;
      case 'button':
        return html`<button @click=${() => this.#send(Number(value) + 1)}>${w.label}</button>`;
      case 'file':
        return html`<span id=${id}-label><b>${w.label}</b></span>
          <span class="file">${String(w.value)}</span>
          <input class="pick-file" type="file" accept=${w.accept ?? nothing} aria-labelledby=${`${id}-label`} @change=${this.#picked}>
          <button @click=${() => this.shadowRoot?.querySelector<HTMLInputElement>('.pick-file')?.click()}>Open file…</button>
          ${w.folder ? html`<input class="pick-folder" type="file" webkitdirectory aria-labelledby=${`${id}-label`} @change=${this.#picked}>
            <button @click=${() => this.shadowRoot?.querySelector<HTMLInputElement>('.pick-folder')?.click()}>Open folder…</button>` : nothing}`;
    }
  }

  /** Files picked (one file, or a folder's files): sent as they are; the kernel's reply names them. */
  #picked = (event: Event): void => {
    const input = event.target as HTMLInputElement;
    const files = [...(input.files ?? [])];
    const w = this.widget;
    if (!w || files.length === 0) return;
    const value = input.classList.contains('pick-folder') ? files : files[0]!;
    input.value = '';
    this.dispatchEvent(new CustomEvent<InputEventDetail>('vb-input', { detail: { name: w.name, value }, bubbles: true, composed: true }));
  };

  #send(value: InputWidget['value']): void {
    const w = this.widget;
    if (!w) return;
    this.#local = value;
    this.requestUpdate();
    this.dispatchEvent(new CustomEvent<InputEventDetail>('vb-input', { detail: { name: w.name, value }, bubbles: true, composed: true }));
  }
}

customElements.define('vb-input-widget', VbInputWidget);

declare global {
  interface HTMLElementTagNameMap {
    'vb-input-widget': VbInputWidget;
  }
}
