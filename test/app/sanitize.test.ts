import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { createSanitizer, isAllowedCssValue, isAllowedDeclaration, isAllowedResourceUrl } from '../../app/renderers/sanitize.ts';

// What the sanitiser removes from markup is checked in a real browser
// (test/e2e/showcase.test.ts): DOMPurify needs a complete DOM, which linkedom is not.
describe('createSanitizer', () => {
  it('fails closed: refuses a window where DOMPurify cannot work instead of passing markup through', () => {
    const { window } = parseHTML('<!doctype html><html><body></body></html>');
    expect(() => createSanitizer(window as never)).toThrow(/refusing to render untrusted markup/);
  });
});

const BASE = 'http://127.0.0.1:5173/?notebook=notebooks/a.nb.ts';

describe('isAllowedResourceUrl', () => {
  it('allows data:, same-origin blob:, same-origin and relative URLs, and fragments', () => {
    for (const url of ['data:image/png;base64,AAAA', 'blob:http://127.0.0.1:5173/0b9a', '/data/x.png', 'missing.png', './a/b.svg', '#clip-1', 'http://127.0.0.1:5173/x.png', '']) {
      expect(isAllowedResourceUrl(url, BASE), url).toBe(true);
    }
  });

  it('refuses other hosts, ports and schemes, however they are spelled', () => {
    for (const url of [
      'https://evil.example/pixel.gif', '//evil.example/x.png', 'HTTPS://evil.example', ' https://evil.example/x ', 'http://127.0.0.1:9999/x.png',
      'https://127.0.0.1:5173/x.png', 'blob:https://evil.example/0b9a', 'javascript:alert(1)', 'java\tscript:alert(1)', 'file:///etc/passwd', 'ftp://evil.example/',
      'http://[', 'https:evil.example',
    ]) {
      expect(isAllowedResourceUrl(url, BASE), url).toBe(false);
    }
  });
});

describe('isAllowedCssValue / isAllowedDeclaration', () => {
  it('allows values without URLs, and url() of allowed targets', () => {
    expect(isAllowedCssValue('red', BASE)).toBe(true);
    expect(isAllowedCssValue('url(#clip)', BASE)).toBe(true);
    expect(isAllowedCssValue('url("data:image/png;base64,AAAA") no-repeat', BASE)).toBe(true);
    expect(isAllowedCssValue("url('/data/x.png')", BASE)).toBe(true);
  });

  it('refuses url() of other hosts, string-URL functions and escapes', () => {
    expect(isAllowedCssValue('url(https://evil.example/bg.png)', BASE)).toBe(false);
    expect(isAllowedCssValue('url( "//evil.example/bg.png" )', BASE)).toBe(false);
    expect(isAllowedCssValue('url(#ok), URL(https://evil.example/x)', BASE)).toBe(false);
    expect(isAllowedCssValue('image-set("https://evil.example/x.png" 1x)', BASE)).toBe(false);
    expect(isAllowedCssValue('-webkit-image-set("x.png" 1x)', BASE)).toBe(false);
    expect(isAllowedCssValue('u\\72l(https://evil.example/x)', BASE)).toBe(false);
    expect(isAllowedCssValue('url(https://evil.example/x', BASE)).toBe(false);
  });

  it('refuses fixed and sticky positioning, also through var()', () => {
    expect(isAllowedDeclaration('position', 'fixed', BASE)).toBe(false);
    expect(isAllowedDeclaration('POSITION', 'Sticky', BASE)).toBe(false);
    expect(isAllowedDeclaration('position', 'var(--p)', BASE)).toBe(false);
    expect(isAllowedDeclaration('position', 'absolute', BASE)).toBe(true);
    expect(isAllowedDeclaration('background', 'url(https://evil.example/x)', BASE)).toBe(false);
  });
});
