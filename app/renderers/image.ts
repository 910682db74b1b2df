/** `image/png` outputs: base64 text (as in nbformat) to an <img>. */
import { html, type TemplateResult } from 'lit';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The data URL of base64 PNG data (whitespace allowed, as nbformat wraps lines).
 * @throws Error when the data is not base64.
 */
export function pngDataUrl(base64: string): string {
  const compact = base64.replace(/\s+/g, '');
  if (!BASE64.test(compact)) throw new Error('image/png output is not base64 text');
  return `data:image/png;base64,${compact}`;
}

/** An <img> for base64 PNG data; `alt` is the bundle's text/plain when it has one. */
export function renderPng(base64: string, alt = 'image output'): TemplateResult {
  return html`<img class="vb-image" alt=${alt} src=${pngDataUrl(base64)}>`;
}
