/**
 * Sanitising untrusted markup (cell outputs, rendered markdown) with DOMPurify before it
 * reaches the page: scripts, event handlers and `javascript:` URLs are removed.
 */
import createDOMPurify from 'dompurify';

export interface Sanitizer {
  /** HTML, with inline SVG allowed (Observable Plot figures are HTML wrapping SVG). */
  html(markup: string): string;
  /** A standalone SVG document or fragment. */
  svg(markup: string): string;
}

type PurifyWindow = Parameters<typeof createDOMPurify>[0];

/**
 * A sanitiser bound to `win`. Fails closed: throws if DOMPurify cannot work in that window
 * (DOMPurify would otherwise return its input unchanged).
 */
export function createSanitizer(win: PurifyWindow): Sanitizer {
  const purify = createDOMPurify(win);
  if (!purify.isSupported) {
    throw new Error('DOMPurify is not supported in this environment; refusing to render untrusted markup');
  }
  // Links in outputs open in a new tab and cannot reach back into the notebook.
  purify.addHook('afterSanitizeAttributes', (node) => {
    if (node.nodeName === 'A' && node.hasAttribute('href')) {
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer');
    }
  });
  return {
    html: (markup) => purify.sanitize(markup, { USE_PROFILES: { html: true, svg: true, svgFilters: true } }),
    svg: (markup) => purify.sanitize(markup, { USE_PROFILES: { svg: true, svgFilters: true } }),
  };
}

let shared: Sanitizer | undefined;

/** The page's sanitiser (created on first use). */
export function pageSanitizer(): Sanitizer {
  shared ??= createSanitizer(window);
  return shared;
}
