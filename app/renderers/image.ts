/** `image/png` outputs: base64 text (as in nbformat) to an <img>. */
import { escapeHtml } from './escape.ts';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * An <img> for base64 PNG data (whitespace allowed, as nbformat wraps lines).
 * @throws Error when the data is not base64.
 */
export function pngToHtml(base64: string, alt = 'image output'): string {
  const compact = base64.replace(/\s+/g, '');
  if (!BASE64.test(compact)) throw new Error('image/png output is not base64 text');
  return `<img class="vb-image" alt="${escapeHtml(alt)}" src="data:image/png;base64,${compact}">`;
}
