/**
 * The exported notebook as one HTML file: the document (app/static/format.ts) as JSON and
 * the viewer (app/static/viewer.ts, built into one script) inline, nothing else. Its
 * Content-Security-Policy lets the page load nothing from anywhere — no network, no other
 * file — only run its own inline script and show `data:`/`blob:` images and downloads.
 */
import { DEFAULT_LIMITS, type ExportLimits } from './format.ts';
import { encodeDocument, type ExportInput } from './encode.ts';

/**
 * The page's policy: inline script and styles only (plus compiling the embedded WebAssembly
 * of the mesh decoder); images, fonts and fetches only from `data:` and `blob:`.
 */
export const STATIC_PAGE_POLICY = [
  "default-src 'none'",
  "script-src 'unsafe-inline' 'wasm-unsafe-eval'",
  "style-src 'unsafe-inline'",
  'img-src data: blob:',
  'font-src data:',
  'connect-src data: blob:',
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

export interface NotebookHtml {
  readonly html: string;
  /** What the export changed (decimated meshes, files left out), one line each. */
  readonly notes: readonly string[];
}

/**
 * The notebook's self-contained HTML page. `viewerScript` is the built viewer
 * (app/static/viewer-build.ts in Node; the `virtual:voxbook-static-viewer` module in the app).
 * @throws Error when `viewerScript` holds `</script` or `<!--`, which would end or confuse
 *   the inline element (a build that does needs escaping before it can be embedded).
 */
export async function notebookHtml(input: ExportInput, viewerScript: string, limits: ExportLimits = DEFAULT_LIMITS): Promise<NotebookHtml> {
  const { json, notes } = await encodeDocument(input, limits);
  return { html: pageHtml(input.title, json, viewerScript), notes };
}

/** The page around an encoded document (`json`, script-safe) and the viewer script. */
export function pageHtml(title: string, json: string, viewerScript: string): string {
  const bad = /<\/script|<!--/i.exec(viewerScript);
  if (bad) throw new Error(`the static viewer script contains "${bad[0]}" at ${bad.index}, which would break the page's inline <script>; the viewer build must escape it`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${STATIC_PAGE_POLICY}">
<meta name="generator" content="Voxbook">
<title>${escapeHtml(title)}</title>
</head>
<body>
<noscript>This page draws the notebook with the script it carries: turn JavaScript on to see it. It loads nothing from the network.</noscript>
<script type="application/json" id="vb-document">${json}</script>
<script>${viewerScript}</script>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
