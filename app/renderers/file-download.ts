/**
 * `<vb-file-download>`: a `FileData` output (an exported artefact: STL, 3MF, report) as a
 * download link. The Blob and its object URL are made on first click, not on render, as
 * meshes run to tens of megabytes. Also: `isFileData`, the check on such a value, and
 * `saveTextFile`, which downloads text the app itself made (the edited notebook).
 */
import { LitElement, html } from 'lit';
import type { FileData } from '../../kernel/protocol.ts';
import { formatBytes } from '../format.ts';

export { isFileData } from './file-data.ts';

/** Offers `text` as a download named `name` (through a Blob URL, revoked once the browser has it). */
export function saveTextFile(name: string, text: string, mime = 'text/plain'): void {
  const url = URL.createObjectURL(new Blob([text], { type: `${mime};charset=utf-8` }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export class VbFileDownload extends LitElement {
  static override properties = { file: { attribute: false } };
  declare file: FileData | undefined;

  #url: string | undefined;
  #urlFor: FileData | undefined;

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  override render() {
    const file = this.file;
    if (!file) return html``;
    return html`
      <a class="vb-download" href="#" download=${file.name} data-bytes=${String(file.bytes.byteLength)} @click=${this.#prepare}>
        <span class="vb-download-icon" aria-hidden="true">↓</span>
        <span class="vb-download-name">${file.name}</span>
        <span class="vb-download-meta">${formatBytes(file.bytes.byteLength)} · ${file.mime}</span>
      </a>
    `;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#revoke();
  }

  /** Runs before the browser follows the link, so the href it follows is the Blob's. */
  #prepare = (event: MouseEvent): void => {
    const file = this.file;
    const link = event.currentTarget as HTMLAnchorElement;
    if (!file) {
      event.preventDefault();
      return;
    }
    if (this.#urlFor !== file) {
      this.#revoke();
      // Copy into a fresh ArrayBuffer-backed view: the bytes may be a view on a larger buffer.
      this.#url = URL.createObjectURL(new Blob([file.bytes.slice()], { type: file.mime }));
      this.#urlFor = file;
    }
    link.href = this.#url!;
  };

  #revoke(): void {
    if (this.#url) URL.revokeObjectURL(this.#url);
    this.#url = undefined;
    this.#urlFor = undefined;
  }
}

customElements.define('vb-file-download', VbFileDownload);

declare global {
  interface HTMLElementTagNameMap {
    'vb-file-download': VbFileDownload;
  }
}
