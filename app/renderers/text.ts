/** `text/plain` and `application/json` outputs: preformatted, escaped. */
import { escapeHtml } from './escape.ts';

export function textToHtml(text: string): string {
  return `<pre class="vb-text">${escapeHtml(text)}</pre>`;
}

export function jsonToHtml(value: unknown): string {
  return textToHtml(JSON.stringify(value, null, 2) ?? String(value));
}
