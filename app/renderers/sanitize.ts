/**
 * Sanitising untrusted markup (cell outputs, rendered markdown) with DOMPurify before it
 * reaches the page. Besides DOMPurify's defaults (no scripts, event handlers or
 * `javascript:` URLs) this removes:
 *
 * - forms and their controls, frames, objects and embeds, `<link>`, `<meta>`, `<base>` and
 *   `<dialog>`: nothing in an output can ask for a password, post data or load a document;
 * - resource URLs that are not `data:`, same-origin `blob:` or same-origin: an output cannot
 *   make the browser contact another host (images, SVG `<image>`/`<use>`, media, and
 *   `url(…)` in styles and presentation attributes);
 * - `position: fixed` and `sticky`, `:host`/`::slotted`/`::part` rules and `@import` from
 *   styles (inline and `<style>`), so that styles in an output stay inside its box.
 *
 * `<style>` itself is kept: outputs render into their own shadow roots (app/output-view.ts),
 * where it styles only that output (Observable Plot figures carry their own).
 * The page's Content-Security-Policy (index.html) is the second line behind this.
 */
import createDOMPurify from 'dompurify';

export interface Sanitizer {
  /** HTML, with inline SVG allowed (Observable Plot figures are HTML wrapping SVG). */
  html(markup: string): string;
  /** A standalone SVG document or fragment. */
  svg(markup: string): string;
}

export interface SanitizerOptions {
  /** What relative URLs resolve against, and whose origin counts as "same origin"; default the window's document URL. */
  readonly baseUrl?: string;
}

/** Elements an output may not contain, on top of DOMPurify's own list. */
export const FORBIDDEN_TAGS: readonly string[] = [
  'form', 'input', 'button', 'textarea', 'select', 'option', 'optgroup', 'datalist', 'fieldset', 'legend', 'output', 'keygen',
  'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'portal',
  'link', 'meta', 'base', 'dialog',
];

/** Of those, the ones whose content goes too (a button's label, a select's options); a form's text stays. */
const FORBIDDEN_CONTENTS: readonly string[] = ['button', 'textarea', 'select', 'option', 'optgroup', 'datalist', 'output', 'keygen', 'object', 'embed', 'applet', 'frameset', 'dialog'];

/** Attributes an output may not use: form targets, pings, the top layer, focus stealing, and srcset (URL lists). */
export const FORBIDDEN_ATTRS: readonly string[] = [
  'action', 'formaction', 'ping', 'popover', 'popovertarget', 'popovertargetaction', 'autofocus', 'srcset', 'imagesrcset',
];

/** Attributes that make the browser fetch what they name (on any element but a link). */
const RESOURCE_ATTRS: readonly string[] = ['src', 'href', 'xlink:href', 'poster', 'background', 'data', 'lowsrc', 'dynsrc'];

/** Elements whose `href` is a link the user may follow (in a new tab), not a resource. */
const LINK_ELEMENTS = new Set(['a', 'area']);

/**
 * Whether an output may load `url`: `data:`, `blob:` and http(s) URLs of `baseUrl`'s origin,
 * and fragment references (`#clip-1`, as SVG uses). Relative URLs resolve against `baseUrl`.
 */
export function isAllowedResourceUrl(url: string, baseUrl: string): boolean {
  const trimmed = url.trim();
  if (trimmed.startsWith('#')) return true;
  let parsed: URL;
  let base: URL;
  try {
    base = new URL(baseUrl);
    parsed = new URL(trimmed, base);
  } catch {
    return false;
  }
  if (parsed.protocol === 'data:') return true;
  if (parsed.protocol === 'blob:') return parsed.origin === base.origin;
  return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.origin === base.origin;
}

/** CSS functions that take URLs as bare strings (so `url(…)` checks would miss them). */
const STRING_URL_FUNCTIONS = /(?:^|[^\w-])(?:-webkit-)?(?:image-set|cross-fade|element|src)\s*\(/i;
/** `url(…)` in a CSS value, quoted or not; group 1, 2 or 3 is the URL. */
const CSS_URL = /url\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^)'"]*?))\s*\)/gi;

/** Whether a CSS value (a declaration, or an SVG presentation attribute) refers only to allowed URLs. */
export function isAllowedCssValue(value: string, baseUrl: string): boolean {
  // Escapes could spell `url(` or a URL in ways the pattern does not see; browsers' CSSOM
  // serialises values without them, so only hand-written attributes carry any.
  if (value.includes('\\') || STRING_URL_FUNCTIONS.test(value)) return false;
  for (const m of value.matchAll(CSS_URL)) {
    if (!isAllowedResourceUrl(m[1] ?? m[2] ?? m[3] ?? '', baseUrl)) return false;
  }
  // Anything still naming `url(` is malformed in a way the pattern did not parse.
  return value.replace(CSS_URL, '').search(/url\s*\(/i) < 0;
}

/** Whether one declaration may stay: no fixed or sticky positioning, only allowed URLs. */
export function isAllowedDeclaration(property: string, value: string, baseUrl: string): boolean {
  if (property.toLowerCase() === 'position' && /fixed|sticky|var\(/i.test(value)) return false;
  return isAllowedCssValue(value, baseUrl);
}

/** Removes the declarations `isAllowedDeclaration` refuses. */
function sanitizeDeclarations(style: CSSStyleDeclaration, baseUrl: string): void {
  for (let i = style.length - 1; i >= 0; i--) {
    const name = style.item(i);
    if (!isAllowedDeclaration(name, style.getPropertyValue(name), baseUrl)) style.removeProperty(name);
  }
}

/** Rules that reach out of the shadow root (`:host`, `::slotted`, `::part`). */
const ESCAPING_SELECTOR = /:host|::slotted|::part/i;

interface RuleList {
  readonly cssRules: CSSRuleList;
  deleteRule(index: number): void;
}

function sanitizeRules(win: Window & typeof globalThis, owner: RuleList, baseUrl: string): void {
  const rules = owner.cssRules;
  for (let i = rules.length - 1; i >= 0; i--) {
    const rule = rules[i]!;
    const prelude = rule.cssText.slice(0, Math.max(0, rule.cssText.indexOf('{')));
    if (rule instanceof win.CSSImportRule || ESCAPING_SELECTOR.test(prelude)) {
      owner.deleteRule(i);
    } else if (rule instanceof win.CSSKeyframesRule) {
      // Keyframes have no selectors to check (and delete by key, not index): only their declarations.
      for (const keyframe of Array.from(rule.cssRules)) sanitizeDeclarations((keyframe as CSSKeyframeRule).style, baseUrl);
    } else {
      if ('style' in rule) sanitizeDeclarations(rule.style as CSSStyleDeclaration, baseUrl);
      // Grouping rules (@media, @supports, @layer…) and nested style rules.
      if ('cssRules' in rule && 'deleteRule' in rule) sanitizeRules(win, rule as unknown as RuleList, baseUrl);
    }
  }
}

/**
 * A `<style>` element's text, parsed by the browser and written back without what
 * `isAllowedDeclaration` refuses, escaping selectors or `@import`. Unparseable text is dropped.
 */
function sanitizeStyleSheet(win: Window & typeof globalThis, text: string, baseUrl: string): string {
  const sheet = new win.CSSStyleSheet();
  try {
    // replaceSync drops @import itself, with a console warning; remove the plain ones first.
    sheet.replaceSync(text.replace(/@import\b[^;]*;?/gi, ''));
  } catch {
    return '';
  }
  sanitizeRules(win, sheet, baseUrl);
  return Array.from(sheet.cssRules, (r) => r.cssText).join('\n');
}

/**
 * A sanitiser bound to `win`. Fails closed: throws if DOMPurify cannot work in that window
 * (DOMPurify would otherwise return its input unchanged).
 */
export function createSanitizer(win: Window & typeof globalThis, options: SanitizerOptions = {}): Sanitizer {
  const purify = createDOMPurify(win);
  if (!purify.isSupported) {
    throw new Error('DOMPurify is not supported in this environment; refusing to render untrusted markup');
  }
  const baseUrl = options.baseUrl ?? win.document.baseURI;
  const scratch = win.document.createElement('div');

  purify.addHook('uponSanitizeElement', (node, data) => {
    if (data.tagName === 'style') node.textContent = sanitizeStyleSheet(win, node.textContent ?? '', baseUrl);
  });
  purify.addHook('afterSanitizeAttributes', (node) => {
    const name = node.localName?.toLowerCase() ?? '';
    for (const attr of RESOURCE_ATTRS) {
      if (!node.hasAttribute(attr)) continue;
      const isLink = LINK_ELEMENTS.has(name) && (attr === 'href' || attr === 'xlink:href');
      if (!isLink && !isAllowedResourceUrl(node.getAttribute(attr) ?? '', baseUrl)) node.removeAttribute(attr);
    }
    for (const attr of Array.from(node.attributes)) {
      if (attr.name === 'style' || !/url\s*\(/i.test(attr.value)) continue;
      if (!isAllowedCssValue(attr.value, baseUrl)) node.removeAttribute(attr.name);
    }
    const style = node.getAttribute('style');
    if (style !== null) {
      scratch.style.cssText = style;
      sanitizeDeclarations(scratch.style, baseUrl);
      if (scratch.style.length === 0) node.removeAttribute('style');
      else node.setAttribute('style', scratch.style.cssText);
    }
    // Links in outputs open in a new tab and cannot reach back into the notebook.
    if (LINK_ELEMENTS.has(name) && (node.hasAttribute('href') || node.hasAttribute('xlink:href'))) {
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer');
    }
  });
  const common = { FORBID_TAGS: [...FORBIDDEN_TAGS], ADD_FORBID_CONTENTS: [...FORBIDDEN_CONTENTS], FORBID_ATTR: [...FORBIDDEN_ATTRS] };
  return {
    // FORCE_BODY keeps a leading <style> (the parser would otherwise hoist it out of the fragment).
    html: (markup) => purify.sanitize(markup, { ...common, USE_PROFILES: { html: true, svg: true, svgFilters: true }, FORCE_BODY: true }),
    svg: (markup) => purify.sanitize(markup, { ...common, USE_PROFILES: { svg: true, svgFilters: true } }),
  };
}

let shared: Sanitizer | undefined;

/** The page's sanitiser (created on first use). */
export function pageSanitizer(): Sanitizer {
  shared ??= createSanitizer(window);
  return shared;
}
