/**
 * The styles inside an output's shadow root (app/output-view.ts): the minimum its
 * renderers need — text, tables, images, SVG, HTML, prose (markdown), the 3D view and
 * download links. The page's stylesheet (styles.css) does not reach in, and nothing
 * here reaches out; the page's colour and font tokens (`--vb-*`) are inherited.
 */
import { css, unsafeCSS } from 'lit';
import buttonCss from './button.css?inline';
import planesCss from './planes-view.css?inline';
import transferCss from './transfer-editor.css?inline';

export const outputStyles = css`
:host {
  display: block;
}

*,
*::before,
*::after {
  box-sizing: border-box;
}

[hidden] {
  display: none !important;
}

/* Markup from the kernel (HTML, SVG, markdown) scrolls sideways rather than spilling out. */
.vb-html,
.vb-svg {
  overflow-x: auto;
}

.vb-spacer {
  flex: 1;
}

${unsafeCSS(buttonCss)}

${unsafeCSS(planesCss)}

${unsafeCSS(transferCss)}

.vb-button-quiet {
  padding: 2px 8px;
  border-color: rgba(255, 255, 255, 0.18);
  background: transparent;
  color: inherit;
  font-size: 12px;
}

.vb-button-quiet:hover {
  background: rgba(255, 255, 255, 0.08);
}

.vb-button:focus-visible,
.vb-download:focus-visible,
.vb-prose a:focus-visible {
  outline: 2px solid var(--vb-accent);
  outline-offset: 2px;
}

.vb-output-unknown {
  color: var(--vb-muted);
  font-style: italic;
}

.vb-text {
  margin: 0;
  padding: 2px 2px;
  font: 12.5px/1.5 var(--vb-mono);
  white-space: pre-wrap;
  word-break: break-word;
}

.vb-image,
.vb-svg svg,
.vb-html img,
.vb-html svg {
  max-width: 100%;
  height: auto;
}

.vb-table-scroll {
  max-height: 420px;
  overflow: auto;
}

.vb-table {
  border-collapse: collapse;
  font-size: 13px;
  font-variant-numeric: tabular-nums;
}

.vb-table caption {
  padding-bottom: 6px;
  color: var(--vb-muted);
  font-size: 12px;
  text-align: left;
}

.vb-table th,
.vb-table td {
  max-width: 60ch;
  padding: 4px 16px 4px 0;
  border-bottom: 1px solid var(--vb-line);
  text-align: left;
  vertical-align: top;
}

.vb-table th,
.vb-table .num {
  white-space: nowrap;
}

.vb-table th {
  position: sticky;
  top: 0;
  background: var(--vb-page);
  border-bottom-color: #c8ccd1;
  font-weight: 600;
}

.vb-table .num {
  text-align: right;
}

.vb-table td.null::after {
  content: '—';
  color: var(--vb-faint);
}

/* The 3D view: dark stage, controls in a strip along its bottom edge. */
vb-mesh-scene,
vb-mesh-view,
vb-volume-view {
  display: block;
  overflow: hidden;
  border-radius: var(--vb-radius);
  background: #202328;
  color: #c9ced6;
}

.vb-mesh-canvas {
  position: relative;
  height: 460px;
}

.vb-mesh-canvas canvas {
  display: block;
}

.vb-mesh-bar {
  display: flex;
  align-items: center;
  gap: 12px;
  padding: 6px 10px;
  border-top: 1px solid rgba(255, 255, 255, 0.08);
  font-size: 12px;
}

/* The volume view's controls are many: they wrap rather than squeeze their labels. */
.vb-volume-bar {
  flex-wrap: wrap;
}

.vb-volume-bar label {
  white-space: nowrap;
}

.vb-mesh-name {
  color: #fff;
  font-weight: 600;
}

.vb-mesh-info {
  font-variant-numeric: tabular-nums;
}

.vb-mesh-hint {
  color: #8a919c;
}

.vb-mesh-legend {
  display: flex;
  flex-wrap: wrap;
  gap: 4px 16px;
  padding: 6px 10px;
  border-top: 1px solid rgba(255, 255, 255, 0.08);
  font-size: 12px;
}

.vb-mesh-part {
  display: inline-flex;
  align-items: center;
  gap: 6px;
}

.vb-mesh-swatch {
  display: inline-block;
  width: 12px;
  height: 12px;
  border-radius: 3px;
}

.vb-mesh-distance {
  font-variant-numeric: tabular-nums;
  color: #ffd84d;
}

/* The pyramid four-view: a black square, drawn flipped top to bottom (mesh-scene.ts says why). */
.vb-four-canvas {
  height: auto;
  aspect-ratio: 1;
  max-width: 640px;
  margin: 0 auto;
  background: #000;
  transform: scaleY(-1);
}

/* A 3-D view released by the page's WebGL budget (budgeted-view.ts): its last frame, and a note after a context loss. */
.vb-gl-snapshot {
  position: absolute;
  inset: 0;
  width: 100%;
  height: 100%;
  display: block;
}

.vb-gl-note {
  position: absolute;
  left: 10px;
  bottom: 10px;
  margin: 0;
  padding: 4px 8px;
  border-radius: 4px;
  background: rgba(0, 0, 0, 0.7);
  color: #ffd84d;
  font-size: 12px;
}

.vb-four-canvas .vb-gl-note {
  transform: scaleY(-1);
}

.vb-mesh-problem {
  color: #ff8a80;
}

.vb-download {
  display: inline-flex;
  align-items: center;
  gap: 10px;
  padding: 8px 14px 8px 10px;
  border: 1px solid var(--vb-line);
  border-radius: var(--vb-radius);
  color: var(--vb-text);
  text-decoration: none;
}

.vb-download:hover {
  border-color: var(--vb-accent);
  background: #f5f8fe;
}

.vb-download-icon {
  display: grid;
  place-items: center;
  width: 24px;
  height: 24px;
  border-radius: 50%;
  background: var(--vb-accent);
  color: #fff;
  font-weight: 700;
}

.vb-download-name {
  font: 600 13px var(--vb-mono);
}

.vb-download-meta {
  color: var(--vb-muted);
  font-size: 12px;
}

/* ---- prose (markdown cells and text/markdown outputs) ---- */

.vb-prose {
  font-size: 15px;
  line-height: 1.6;
}

.vb-prose > :first-child {
  margin-top: 0;
}

.vb-prose > :last-child {
  margin-bottom: 0;
}

.vb-prose h1 {
  margin: 0.2em 0 0.4em;
  font-size: 28px;
  font-weight: 700;
  letter-spacing: -0.02em;
  line-height: 1.25;
}

.vb-prose h2 {
  margin: 1.2em 0 0.4em;
  font-size: 20px;
  font-weight: 650;
}

.vb-prose h3 {
  margin: 1em 0 0.3em;
  font-size: 16px;
}

.vb-prose p,
.vb-prose ul,
.vb-prose ol {
  max-width: 72ch;
  margin: 0.5em 0;
}

.vb-prose code {
  padding: 0.1em 0.35em;
  border-radius: 4px;
  background: var(--vb-code-bg);
  font: 0.88em var(--vb-mono);
}

.vb-prose pre {
  padding: 10px 12px;
  border-radius: var(--vb-radius);
  background: var(--vb-code-bg);
  overflow-x: auto;
}

.vb-prose pre code {
  padding: 0;
  background: none;
}

.vb-prose a {
  color: var(--vb-accent);
}

.vb-prose blockquote {
  margin: 0.6em 0;
  padding-left: 12px;
  border-left: 3px solid var(--vb-line);
  color: var(--vb-muted);
}

.vb-prose table {
  border-collapse: collapse;
  font-size: 14px;
}

.vb-prose th,
.vb-prose td {
  padding: 4px 12px 4px 0;
  border-bottom: 1px solid var(--vb-line);
  text-align: left;
}
`;
