/** `text/plain` and `application/json` outputs: preformatted text (lit escapes it). */
import { html, type TemplateResult } from 'lit';

export function renderText(text: string): TemplateResult {
  return html`<pre class="vb-text">${text}</pre>`;
}

/** JSON, pretty-printed (values JSON cannot express, such as `undefined`, as their string form). */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? String(value);
}

export function renderJson(value: unknown): TemplateResult {
  return renderText(jsonText(value));
}
