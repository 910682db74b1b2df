/**
 * One display bundle, rendered by its richest MIME type the app knows
 * (renderers/choose.ts), inside its own shadow root: `<vb-bundle>`. Markup from the kernel
 * (HTML, SVG, markdown) is sanitised by DOMPurify (renderers/sanitize.ts); text and tables
 * are lit templates, so their text is never parsed as markup. The shadow root keeps an
 * output's styles (an Observable Plot figure's <style>, say) to itself and the page's out,
 * and `renderOutput` puts it in a box that clips it (styles.css, `.vb-output`).
 *
 * The element re-renders only when given a different bundle object: a kernel message that
 * leaves a cell's outputs unchanged leaves its views, the 3D view included, as they are.
 */
import { LitElement, html, nothing, type TemplateResult } from 'lit';
import { unsafeHTML } from 'lit/directives/unsafe-html.js';
import { MIME, type MimeBundle } from '../kernel/protocol.ts';
import { altText, chooseMime } from './renderers/choose.ts';
import { isFileData } from './renderers/file-download.ts';
import { renderPng } from './renderers/image.ts';
import { markdownToHtml } from './renderers/markdown.ts';
import { isMeshData } from './renderers/mesh-geometry.ts';
import { isVolumeData } from './renderers/volume-geometry.ts';
import { isInputWidget } from './renderers/input-view.ts';
import { outputStyles } from './renderers/output-styles.ts';
import { pageSanitizer } from './renderers/sanitize.ts';
import { isTableData, renderTable } from './renderers/table.ts';
import { renderJson, renderText } from './renderers/text.ts';
import './renderers/file-download.ts';
import './renderers/mesh-view.ts';
import './renderers/volume-view.ts';
import './renderers/mesh-scene.ts';
import { isMeshSceneData } from './renderers/mesh-scene-geometry.ts';
import './renderers/input-view.ts';
import './renderers/planes-view.ts';
import { isPlanesData } from './renderers/planes-data.ts';

/** A cell output: its box on the page (`.vb-output`, tagged with the MIME type shown) around its shadow root. */
export function renderOutput(bundle: MimeBundle): TemplateResult {
  return html`<div class="vb-output" data-mime=${chooseMime(bundle) ?? 'unknown'}><vb-bundle .bundle=${bundle}></vb-bundle></div>`;
}

export class VbBundle extends LitElement {
  static override properties = { bundle: { attribute: false } };
  static override styles = outputStyles;
  declare bundle: MimeBundle | undefined;

  override render() {
    return this.bundle ? renderBundle(this.bundle) : nothing;
  }
}

/** The bundle's chosen representation, or a note saying why there is none. */
export function renderBundle(bundle: MimeBundle): TemplateResult {
  const mime = chooseMime(bundle);
  if (mime === undefined) {
    const kinds = Object.keys(bundle.data).join(', ') || 'nothing';
    return html`<div class="vb-output-unknown">No renderer for ${kinds}</div>`;
  }
  try {
    return renderValue(mime, bundle.data[mime], altText(bundle));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return html`<div class="vb-output-unknown">Could not render ${mime}: ${message}</div>`;
  }
}

function renderValue(mime: string, value: unknown, alt: string | undefined): TemplateResult {
  switch (mime) {
    case MIME.mesh:
      if (!isMeshData(value)) throw new Error('not a mesh (positions Float32Array, indices Uint32Array, triangles)');
      return html`<vb-mesh-view .mesh=${value}></vb-mesh-view>`;
    case MIME.volume:
      if (!isVolumeData(value)) throw new Error('not a volume (data typed array of dims voxels, spacingMm, originMm, direction, preset, transfer)');
      return html`<vb-volume-view .volume=${value}></vb-volume-view>`;
    case MIME.planes:
      if (!isPlanesData(value)) throw new Error('not planes (data and layers typed arrays of dims voxels, spacingMm, originMm, direction, windows, window, cursor)');
      return html`<vb-planes-view .planes=${value}></vb-planes-view>`;
    case MIME.meshes:
      if (!isMeshSceneData(value)) throw new Error('not several meshes (layout, parts with positions, indices, name, color, opacity)');
      return html`<vb-mesh-scene .scene=${value}></vb-mesh-scene>`;
    case MIME.input:
      if (!isInputWidget(value)) throw new Error('not an input (kind, name, label, value)');
      return html`<vb-input-widget .widget=${value}></vb-input-widget>`;
    case MIME.file:
      if (!isFileData(value)) throw new Error('not a file (name, mime, bytes Uint8Array)');
      return html`<vb-file-download .file=${value}></vb-file-download>`;
    case MIME.table:
      if (!isTableData(value)) throw new Error('not a table (columns, rows)');
      return html`<div class="vb-table-scroll">${renderTable(value)}</div>`;
    case MIME.html:
      return html`<div class="vb-html">${unsafeHTML(pageSanitizer().html(asText(mime, value)))}</div>`;
    case MIME.svg:
      // A figure: one image to assistive technology, named by the bundle's text when it has one.
      return alt !== undefined
        ? html`<div class="vb-svg" role="img" aria-label=${alt}>${unsafeHTML(pageSanitizer().svg(asText(mime, value)))}</div>`
        : html`<div class="vb-svg">${unsafeHTML(pageSanitizer().svg(asText(mime, value)))}</div>`;
    case MIME.png:
      return renderPng(asText(mime, value), alt);
    case MIME.markdown:
      return html`<div class="vb-prose">${unsafeHTML(markdownToHtml(asText(mime, value), pageSanitizer()))}</div>`;
    case MIME.json:
      return renderJson(value);
    default:
      return renderText(asText(mime, value));
  }
}

/** nbformat allows text as a string or an array of lines. */
function asText(mime: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join('');
  throw new Error(`${mime} output is not text`);
}

customElements.define('vb-bundle', VbBundle);

declare global {
  interface HTMLElementTagNameMap {
    'vb-bundle': VbBundle;
  }
}
