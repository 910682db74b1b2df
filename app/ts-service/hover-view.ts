/**
 * The hover tooltip's content: the signature as TypeScript prints it (`quickInfo`'s display
 * parts), then its documentation comment and `@param`-style tags, as plain text.
 */
import type { HoverInfo } from '@valtown/codemirror-ts';

/** A detached element for the tooltip; text only (no HTML from the docs is interpreted). */
export function renderHover(info: HoverInfo): HTMLElement {
  const root = document.createElement('div');
  root.className = 'cm-vb-hover';
  const quick = info.quickInfo;
  const signature = document.createElement('pre');
  signature.className = 'cm-vb-hover-signature';
  signature.textContent = quick?.displayParts?.map((p) => p.text).join('') ?? '';
  root.append(signature);
  const docs = quick?.documentation?.map((p) => p.text).join('') ?? '';
  const tags = (quick?.tags ?? []).map((t) => `@${t.name} ${t.text?.map((p) => p.text).join('') ?? ''}`.trim());
  const text = [docs, ...tags].filter((s) => s !== '').join('\n');
  if (text !== '') {
    const doc = document.createElement('div');
    doc.className = 'cm-vb-hover-doc';
    doc.textContent = text;
    root.append(doc);
  }
  return root;
}
