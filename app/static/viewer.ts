/**
 * The static page's viewer: the entry that app/static/viewer-build.ts bundles into the one
 * inline script of an exported notebook (app/static/page.ts). It reads the page's document
 * (`#vb-document`, app/static/format.ts), decodes its meshes and files, and draws every
 * output with the app's own renderers (`renderOutput`, app/output-view.ts: sanitised
 * markdown and HTML, tables, SVG, PNG, the vtk.js mesh view, file downloads) — one
 * renderer code path for the app and the page. Cells' sources are shown highlighted;
 * markdown cells rendered; the notebook's provenance heads the page.
 *
 * For tests: `window.__voxbookStatic.ready` settles once the page is drawn (rejects with
 * the reason it could not be).
 */
import { html, nothing, render, type TemplateResult } from 'lit';
import { MIME, type CellError, type MimeBundle } from '../../kernel/protocol.ts';
import { renderOutput } from '../output-view.ts';
import { formatBytes, formatMs } from '../format.ts';
import { decodeDocument, type DecodedMesh } from './decode.ts';
import { highlightTypeScript } from './highlight.ts';
import type { StaticCell, StaticDocument } from './format.ts';
import pageCss from '../styles.css?inline';
import staticCss from './static.css?inline';

declare global {
  interface Window {
    __voxbookStatic?: { readonly ready: Promise<void> };
  }
}

async function show(): Promise<void> {
  const style = document.createElement('style');
  style.textContent = `${pageCss}\n${staticCss}`;
  document.head.append(style);
  const root = document.createElement('div');
  root.className = 'vb-static';
  document.body.append(root);
  const source = document.getElementById('vb-document');
  try {
    if (!source?.textContent) throw new Error('this page carries no notebook document (#vb-document)');
    const doc = await decodeDocument(source.textContent);
    render(page(doc), root);
  } catch (err) {
    render(html`<div class="vb-error" role="alert"><div class="vb-error-head"><span class="vb-error-name">Cannot show this notebook</span>
      <span class="vb-error-message">${err instanceof Error ? err.message : String(err)}</span></div></div>`, root);
    throw err;
  }
}

function page(doc: StaticDocument): TemplateResult {
  let n = 0;
  return html`
    <header class="vb-toolbar vb-static-bar">
      <div class="vb-brand"><span class="vb-logo" aria-hidden="true"></span><span class="vb-brand-name">Voxbook</span></div>
      <div class="vb-path" title=${doc.provenance.notebook}>${doc.title}</div>
      <span class="vb-spacer"></span>
      <span class="vb-static-stamp">ran ${doc.provenance.ranAt}</span>
    </header>
    <main class="vb-cells">
      ${provenance(doc)}
      ${doc.cells.map((c) => (c.kind === 'code' ? codeCell(c, ++n) : c.kind === 'markdown' ? markdownCell(c) : rawCell(c)))}
    </main>
    <footer class="vb-footer">Exported from Voxbook: a static page that loads nothing from the network. Meshes over
      ${doc.limits.meshPreviewTriangles.toLocaleString('en-US')} triangles are shown as decimated previews; files over
      ${formatBytes(doc.limits.fileEmbedMaxBytes)} are not embedded.</footer>
  `;
}

function provenance(doc: StaticDocument): TemplateResult {
  const p = doc.provenance;
  const params = Object.entries(p.parameters);
  return html`
    <details class="vb-static-provenance" open>
      <summary>Provenance</summary>
      <table class="vb-static-facts">
        <tr><th>notebook</th><td>${doc.notebookText !== undefined ? notebookDownload(p.notebook, doc.notebookText) : p.notebook}</td></tr>
        <tr><th>SHA-256</th><td class="vb-static-hash">${p.notebookSha256}</td></tr>
        <tr><th>ran at</th><td>${p.ranAt}</td></tr>
        <tr><th>parameters</th><td>${params.length === 0 ? '—' : params.map(([k, v]) => html`<code>${k} = ${JSON.stringify(v)}</code> `)}</td></tr>
        <tr><th>versions</th><td>${Object.entries(p.versions).map(([k, v]) => html`<code>${k} ${v}</code> `)}</td></tr>
      </table>
    </details>
  `;
}

/** The notebook's source as a download, drawn by the app's file renderer (inside a bundle, for its styles). */
function notebookDownload(path: string, text: string): TemplateResult {
  const name = path.split('/').pop() || 'notebook.nb.ts';
  const file = { name, mime: 'text/typescript', bytes: new TextEncoder().encode(text) };
  return html`<vb-bundle class="vb-static-source" .bundle=${{ data: { [MIME.file]: file } }}></vb-bundle>`;
}

function markdownCell(cell: StaticCell): TemplateResult {
  return html`
    <section class="vb-cell vb-cell-markdown" data-cell-id=${cell.id}>
      <div class="vb-gutter"></div>
      <div class="vb-cell-main"><vb-bundle .bundle=${{ data: { [MIME.markdown]: cell.source } }}></vb-bundle></div>
    </section>
  `;
}

function rawCell(cell: StaticCell): TemplateResult {
  return html`
    <section class="vb-cell vb-cell-raw" data-cell-id=${cell.id}>
      <div class="vb-gutter"></div>
      <div class="vb-cell-main"><pre class="vb-raw">${cell.source}</pre></div>
    </section>
  `;
}

function codeCell(cell: StaticCell, number: number): TemplateResult {
  const status = cell.status ?? 'idle';
  return html`
    <section class=${`vb-cell vb-cell-code vb-status-${status}`} data-cell-id=${cell.id} data-status=${status}>
      <div class="vb-gutter"><span class="vb-position">[${number}]</span></div>
      <div class="vb-cell-main">
        <div class="vb-cell-head">
          <span class="vb-cell-id">${cell.id}</span>
          <span class="vb-spacer"></span>
          <span class="vb-status" data-status=${status}>${statusText(cell)}</span>
        </div>
        <pre class="vb-static-code"><code>${highlightTypeScript(cell.source).map((s) => (s.classes ? html`<span class=${s.classes}>${s.text}</span>` : s.text))}</code></pre>
        ${cell.error ? errorBox(cell.error) : nothing}
        ${cell.outputs.length > 0 ? html`<div class="vb-outputs">${cell.outputs.map(output)}</div>` : nothing}
      </div>
    </section>
  `;
}

function output(bundle: MimeBundle): TemplateResult {
  const scene = bundle.data[MIME.meshes] as { parts: DecodedMesh[] } | undefined;
  const previews = scene?.parts.filter((p) => p.preview) ?? [];
  if (previews.length > 0) {
    return html`${renderOutput(bundle)}
      <div class="vb-note vb-static-preview">3D preview: ${previews.map((p) => `${p.name ?? 'mesh'} ${p.triangles.toLocaleString('en-US')} of ${p.preview!.fullTriangles.toLocaleString('en-US')} triangles (deviation up to ${p.preview!.errorMm.toFixed(2)} mm)`).join('; ')}
        — decimated for this page. The full meshes are the exported files.</div>`;
  }
  const mesh = bundle.data[MIME.mesh] as DecodedMesh | undefined;
  const preview = mesh?.preview;
  if (!preview) return renderOutput(bundle);
  return html`${renderOutput(bundle)}
    <div class="vb-note vb-static-preview">3D preview: ${mesh.triangles.toLocaleString('en-US')} of ${preview.fullTriangles.toLocaleString('en-US')}
      triangles (decimated for this page; deviation up to ${preview.errorMm.toFixed(2)} mm). The full mesh is the exported file.</div>`;
}

function statusText(cell: StaticCell): string {
  if (cell.status === 'done') return cell.cached ? `cached${cell.ms ? ` (ran in ${formatMs(cell.ms)})` : ''}` : cell.ms !== undefined ? formatMs(cell.ms) : 'done';
  return cell.status ?? 'not run';
}

function errorBox(error: CellError): TemplateResult {
  return html`<div class="vb-error" role="alert"><div class="vb-error-head">
    <span class="vb-error-name">${error.name}</span><span class="vb-error-message">${error.message}</span>
    ${error.line ? html`<span class="vb-error-line">line ${error.line}</span>` : nothing}
  </div></div>`;
}

window.__voxbookStatic = { ready: show() };
