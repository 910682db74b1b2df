/**
 * One display bundle under a cell, rendered by its richest MIME type the app knows
 * (renderers/choose.ts). Every HTML string that reaches `unsafeHTML` here was either built
 * from escaped text or sanitised by DOMPurify.
 */
import { html, type TemplateResult } from 'lit';
import { unsafeHTML } from 'lit/directives/unsafe-html.js';
import { MIME, type FileData, type MimeBundle } from '../kernel/protocol.ts';
import { chooseMime } from './renderers/choose.ts';
import { pngToHtml } from './renderers/image.ts';
import { markdownToHtml } from './renderers/markdown.ts';
import { isMeshData } from './renderers/mesh-geometry.ts';
import { pageSanitizer } from './renderers/sanitize.ts';
import { isTableData, tableToHtml } from './renderers/table.ts';
import { jsonToHtml, textToHtml } from './renderers/text.ts';
import './renderers/file-download.ts';
import './renderers/mesh-view.ts';

export function renderOutput(bundle: MimeBundle): TemplateResult {
  const mime = chooseMime(bundle);
  if (mime === undefined) {
    const kinds = Object.keys(bundle.data).join(', ') || 'nothing';
    return html`<div class="vb-output vb-output-unknown">No renderer for ${kinds}</div>`;
  }
  try {
    return html`<div class="vb-output" data-mime=${mime}>${renderValue(mime, bundle.data[mime])}</div>`;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return html`<div class="vb-output vb-output-unknown">Could not render ${mime}: ${message}</div>`;
  }
}

function renderValue(mime: string, value: unknown): TemplateResult {
  switch (mime) {
    case MIME.mesh:
      if (!isMeshData(value)) throw new Error('not a mesh (positions Float32Array, indices Uint32Array, triangles)');
      return html`<vb-mesh-view .mesh=${value}></vb-mesh-view>`;
    case MIME.file:
      if (!isFileData(value)) throw new Error('not a file (name, mime, bytes Uint8Array)');
      return html`<vb-file-download .file=${value}></vb-file-download>`;
    case MIME.table:
      if (!isTableData(value)) throw new Error('not a table (columns, rows)');
      return html`<div class="vb-table-scroll">${unsafeHTML(tableToHtml(value))}</div>`;
    case MIME.html:
      return html`${unsafeHTML(pageSanitizer().html(asText(mime, value)))}`;
    case MIME.svg:
      return html`<div class="vb-svg">${unsafeHTML(pageSanitizer().svg(asText(mime, value)))}</div>`;
    case MIME.png:
      return html`${unsafeHTML(pngToHtml(asText(mime, value)))}`;
    case MIME.markdown:
      return html`<div class="vb-prose">${unsafeHTML(markdownToHtml(asText(mime, value), pageSanitizer()))}</div>`;
    case MIME.json:
      return html`${unsafeHTML(jsonToHtml(value))}`;
    default:
      return html`${unsafeHTML(textToHtml(asText(mime, value)))}`;
  }
}

/** nbformat allows text as a string or an array of lines. */
function asText(mime: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join('');
  throw new Error(`${mime} output is not text`);
}

function isFileData(value: unknown): value is FileData {
  if (typeof value !== 'object' || value === null) return false;
  const f = value as Partial<FileData>;
  return typeof f.name === 'string' && typeof f.mime === 'string' && f.bytes instanceof Uint8Array;
}
