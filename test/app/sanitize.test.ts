import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { createSanitizer } from '../../app/renderers/sanitize.ts';

// What the sanitiser removes is checked in a real browser (test/e2e/showcase.test.ts):
// DOMPurify needs a complete DOM, which linkedom is not.
describe('createSanitizer', () => {
  it('fails closed: refuses a window where DOMPurify cannot work instead of passing markup through', () => {
    const { window } = parseHTML('<!doctype html><html><body></body></html>');
    expect(() => createSanitizer(window as never)).toThrow(/refusing to render untrusted markup/);
  });
});
