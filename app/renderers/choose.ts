/** Which representation of a display bundle the app shows. */
import { MIME, type MimeBundle } from '../../kernel/protocol.ts';

/** Richest first: the first of these that a bundle carries is the one rendered. */
export const MIME_PREFERENCE: readonly string[] = [
  MIME.input,
  MIME.meshes,
  MIME.mesh,
  MIME.volume,
  MIME.planes,
  MIME.file,
  MIME.table,
  MIME.html,
  MIME.svg,
  MIME.png,
  MIME.markdown,
  // The kernel's text summary reads better than raw JSON for plain data; JSON is the fallback.
  MIME.text,
  MIME.json,
];

/** The MIME type to render for `bundle`, or undefined when the app knows none of them. */
export function chooseMime(bundle: MimeBundle): string | undefined {
  return MIME_PREFERENCE.find((mime) => bundle.data[mime] !== undefined);
}

/** The bundle's text/plain, trimmed: what its richer representation shows, in words (alt text). */
export function altText(bundle: MimeBundle): string | undefined {
  const text = bundle.data[MIME.text];
  const joined = typeof text === 'string' ? text : Array.isArray(text) && text.every((t) => typeof t === 'string') ? text.join('') : '';
  return joined.trim() || undefined;
}
