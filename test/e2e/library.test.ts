/**
 * The notebook library in Chromium: `?nb=notebooks/…` opens a repository notebook without
 * running it; edits (code drafts not run, a markdown edit) are stored within a second; the
 * tab is then killed (its renderer crashed: no unload handler runs) and the reopened
 * notebook has every edit made more than 1 s before the kill. Then, from the Notebooks
 * menu and the keyboard: rename, duplicate, new, delete (names unique); open a local
 * .ipynb (not run), run it, download it as .ipynb with its outputs and as .nb.ts; the older
 * `?notebook=` still opens a repository notebook; discarding the copy brings back the
 * repository's version; two tabs writing one notebook keep both texts.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { REPO_ROOT, startApp, waitForApp, type AppHarness } from './harness.ts';
import { warningRightAfterEdit, wouldWarnOnLeave } from './leave-warning.ts';

const NB = 'notebooks/ct-to-print.nb.ts';

/** The notebook's label in the toolbar (a picker when there are others to choose). */
function pathShown(page: Page): Promise<string | null> {
  return page.locator('.vb-path').first().evaluate((e) => (e instanceof HTMLSelectElement ? e.value : e.textContent));
}

function saveStatus(page: Page): Promise<string | null> {
  return page.locator('.vb-save-status').getAttribute('data-status');
}

/** Every code cell idle and no run asked for: the notebook was opened, not run. */
function notRun(page: Page): Promise<{ phase: string; statuses: string[] }> {
  return page.evaluate(() => {
    const s = window.__voxbook!.state()!;
    return { phase: s.phase, statuses: [...new Set(s.cells.filter((c) => c.kind === 'code').map((c) => c.status))] };
  });
}

describe('notebook library and autosave', () => {
  let app: AppHarness;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    app = await startApp();
    page = app.page;
    await page.goto(`${app.url}?nb=${NB}`, { timeout: 120_000 });
    await waitForApp(page);
  }, 180_000);

  afterAll(async () => {
    await app?.close();
  });

  it('opens a repository notebook by ?nb= without running it and without storing it', async () => {
    await expect.poll(() => page.evaluate(() => window.__voxbook!.state()?.cells.length ?? 0), { timeout: 30_000 }).toBeGreaterThan(3);
    await page.waitForTimeout(1_000);
    expect(await notRun(page)).toEqual({ phase: 'idle', statuses: ['idle'] });
    expect(await saveStatus(page)).toBe('repo');
    expect(await pathShown(page)).toBe(NB);
    expect(await wouldWarnOnLeave(page)).toBe(false);
  });

  it('keeps every edit older than 1 s after the tab is killed, and reopens without running', async () => {
    const code = page.locator('.vb-cell-code');
    const firstCode = code.first();
    const lastCode = code.last();
    // 1. A draft in a code cell, typed and not run.
    await firstCode.locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\n// draft-edit-1');
    // 2. A markdown edit, from the keyboard.
    const prose = page.locator('.vb-cell-markdown .vb-prose-box').first();
    await prose.focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\n\nmarkdown-edit-2');
    await page.keyboard.press('Escape');
    // 3. Another draft, in the last code cell; the clock for "older than 1 s" starts after it.
    await lastCode.locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\n// draft-edit-3');
    await page.waitForFunction(() => document.querySelector('.vb-save-status')?.getAttribute('data-status') === 'saved', undefined, { timeout: 5_000 });
    // Right after an edit, leaving would lose it: the page asks (and starts the write at once).
    const seen = await warningRightAfterEdit(page, '!');
    expect(seen.status).not.toBe('saved');
    expect(seen.warn).toBe(true);
    await page.waitForFunction(() => document.querySelector('.vb-save-status')?.getAttribute('data-status') === 'saved', undefined, { timeout: 5_000, polling: 10 });
    expect(await wouldWarnOnLeave(page)).toBe(false);
    await page.waitForTimeout(400);
    // The last edit older than 1 s: one keystroke on its own, after a quiet moment (the case
    // the 300 ms debounce waits on), saved by the autosave timer alone.
    await page.keyboard.type('?');
    const lastEditAt = Date.now();
    await page.waitForFunction(() => document.querySelector('.vb-save-status')?.getAttribute('data-status') === 'saving', undefined, { timeout: 5_000, polling: 10 });
    await page.waitForFunction(() => document.querySelector('.vb-save-status')?.getAttribute('data-status') === 'saved', undefined, { timeout: 5_000, polling: 10 });
    const savedAfterMs = Date.now() - lastEditAt;
    console.log(`[e2e library] a lone keystroke shown as saved after ${savedAfterMs} ms`);
    expect(savedAfterMs).toBeLessThan(1_000);
    await page.waitForTimeout(Math.max(0, 1_000 - (Date.now() - lastEditAt)));
    // A last edit just before the kill: younger than 1 s, it may be lost.
    await firstCode.locator('.cm-content').click();
    await page.keyboard.type('young');

    // Kill the tab: crash its renderer (no beforeunload, pagehide or visibilitychange runs).
    const cdp = await app.context.newCDPSession(page);
    const crashed = page.waitForEvent('crash', { timeout: 20_000 });
    void cdp.send('Page.crash').catch(() => undefined); // never answered: the renderer is gone
    await crashed;

    const reopened = await app.context.newPage();
    reopened.on('pageerror', (e) => pageErrors.push(`${e.name}: ${e.message}`));
    reopened.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });
    reopened.on('response', (r) => { if (r.status() >= 400) pageErrors.push(`HTTP ${r.status()} ${r.url()}`); });
    await reopened.goto(`${app.url}?nb=${NB}`, { timeout: 120_000 });
    await waitForApp(reopened);
    await expect.poll(() => reopened.evaluate(() => window.__voxbook!.state()?.cells.length ?? 0), { timeout: 30_000 }).toBeGreaterThan(3);
    const sources = await reopened.evaluate(() => window.__voxbook!.state()!.cells.map((c) => c.source).join('\n'));
    expect(sources).toContain('// draft-edit-1');
    expect(sources).toContain('markdown-edit-2');
    expect(sources).toContain('// draft-edit-3!?');
    console.log(`[e2e library] the edit typed just before the kill was ${sources.includes('young') ? 'kept' : 'lost'}`);
    // The editors show the stored text, the notebook is the stored copy, and nothing ran.
    // CodeMirror draws only the lines near the viewport: bring the last cell's end into view first.
    const lastEditor = reopened.locator('.vb-cell-code .cm-content').last();
    await lastEditor.evaluate((el) => el.scrollIntoView({ block: 'end' }));
    await expect.poll(() => lastEditor.innerText(), { timeout: 10_000 }).toContain('// draft-edit-3');
    expect(await saveStatus(reopened)).toBe('saved');
    await reopened.waitForTimeout(500);
    expect(await notRun(reopened)).toEqual({ phase: 'idle', statuses: ['idle'] });
    page = reopened;
  }, 120_000);

  it('renames, duplicates, creates and deletes from the keyboard-reachable Notebooks menu; names stay unique', async () => {
    const toggle = page.getByRole('button', { name: 'Notebooks', exact: true });
    await toggle.focus();
    await page.keyboard.press('Enter');
    const panel = page.getByRole('dialog', { name: 'Notebooks' });
    await panel.waitFor();
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    // Focus moved into the panel; Escape closes it and gives focus back to the button.
    expect(await panel.evaluate((p) => p.contains(document.activeElement))).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => panel.count(), { timeout: 30_000 }).toBe(0);
    expect(await toggle.evaluate((b) => b === document.activeElement)).toBe(true);

    const items = () => page.locator('.vb-library-item').allInnerTexts();
    await page.keyboard.press('Enter');
    expect(await items()).toEqual(['ct-to-print']);
    await mkdir(join(REPO_ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(REPO_ROOT, 'test-results', 'library-menu.png') });

    // Rename (the copy keeps its link to the repository notebook).
    await panel.getByRole('button', { name: 'Rename…' }).click();
    await page.getByLabel('New name').fill('My skull');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.vb-library-current').count(), { timeout: 30_000 }).toBe(0); // panel closed
    await page.keyboard.press('Enter'); // focus is back on the toggle
    // The list is read from IndexedDB after the panel closed: polled, not read once.
    await expect.poll(items, { timeout: 30_000 }).toEqual(['My skull']);
    expect(await page.locator('.vb-library-current').innerText()).toContain(`My skull (your copy of ${NB})`);

    // Duplicate: a new stored notebook with the same text, opened, addressed by ?id=.
    await panel.getByRole('button', { name: 'Duplicate' }).click();
    await expect.poll(() => page.evaluate(() => new URL(location.href).searchParams.get('id')), { timeout: 30_000 }).toMatch(/^[0-9a-f]{32}$/);
    expect(await pathShown(page)).toBe('My skull copy');
    expect(await page.evaluate(() => window.__voxbook!.state()!.cells.map((c) => c.source).join('\n'))).toContain('// draft-edit-3');
    expect(await notRun(page)).toEqual({ phase: 'idle', statuses: ['idle'] });

    // A name that differs only in case is taken.
    await page.getByRole('button', { name: 'Notebooks', exact: true }).click();
    await panel.getByRole('button', { name: 'Rename…' }).click();
    await page.getByLabel('New name').fill('my SKULL');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.vb-library-error').innerText(), { timeout: 30_000 }).toContain('already exists');
    await page.keyboard.press('Escape'); // leaves the form
    await page.keyboard.press('Escape'); // closes the panel

    // New, then delete it (after a confirmation): the most recent other notebook opens.
    await page.getByRole('button', { name: 'Notebooks', exact: true }).click();
    await panel.getByRole('button', { name: 'New notebook' }).click();
    await expect.poll(() => pathShown(page), { timeout: 30_000 }).toBe('Untitled');
    await page.getByRole('button', { name: 'Notebooks', exact: true }).click();
    await expect.poll(async () => (await items()).sort(), { timeout: 30_000 }).toEqual(['My skull', 'My skull copy', 'Untitled']);
    await panel.getByRole('button', { name: 'Delete…' }).click();
    await panel.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect.poll(() => pathShown(page), { timeout: 30_000 }).toBe('My skull copy');
    await page.getByRole('button', { name: 'Notebooks', exact: true }).click();
    await expect.poll(async () => (await items()).sort(), { timeout: 30_000 }).toEqual(['My skull', 'My skull copy']);
    await page.keyboard.press('Escape');
  });

  it('opens a local .ipynb without running it, runs it, and downloads it as .ipynb with outputs and as .nb.ts', async () => {
    const ipynb = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        { id: 'intro', cell_type: 'markdown', metadata: {}, source: '# From Jupyter' },
        { id: 'answer', cell_type: 'code', metadata: {}, source: 'const answer = 6 * 7;\nanswer', execution_count: 1,
          outputs: [{ output_type: 'execute_result', data: { 'text/plain': 'old output' }, metadata: {}, execution_count: 1 }] },
        { id: 'double', cell_type: 'code', metadata: {}, source: 'const twice = answer * 2;\ndisplay(`twice: ${twice}`);', execution_count: null, outputs: [] },
      ],
    };
    await page.getByRole('button', { name: 'Notebooks', exact: true }).click();
    await page.getByLabel('Open a local .nb.ts or .ipynb file').setInputFiles({ name: 'from-jupyter.ipynb', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(ipynb)) });
    await expect.poll(() => pathShown(page), { timeout: 30_000 }).toBe('from-jupyter');
    expect(await page.locator('.vb-library-message').innerText()).toMatch(/1 output not carried over/);
    expect(await page.evaluate(() => window.__voxbook!.state()!.cells.map((c) => c.id))).toEqual(['intro', 'answer', 'double']);
    await page.waitForTimeout(500);
    expect(await notRun(page)).toEqual({ phase: 'idle', statuses: ['idle'] });

    await page.getByRole('button', { name: 'Run all' }).click();
    await page.waitForFunction(() => window.__voxbook!.state()?.phase === 'done', undefined, { timeout: 120_000 });

    await page.getByRole('button', { name: 'Notebooks', exact: true }).click();
    const [ipynbDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download .ipynb' }).click()]);
    expect(ipynbDownload.suggestedFilename()).toBe('from-jupyter.ipynb');
    const doc = JSON.parse(await readFile((await ipynbDownload.path())!, 'utf8'));
    expect(doc.nbformat).toBe(4);
    expect(doc.nbformat_minor).toBe(5);
    expect(doc.cells.map((c: { id: string }) => c.id)).toEqual(['intro', 'answer', 'double']);
    const outputs = (i: number) => JSON.stringify(doc.cells[i].outputs);
    expect(outputs(1)).toContain('42');
    expect(outputs(1)).not.toContain('old output');
    expect(outputs(2)).toContain('twice: 84');
    expect(doc.cells[2].execution_count).toBe(2);

    await page.getByRole('button', { name: 'Notebooks', exact: true }).click();
    const [tsDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('dialog', { name: 'Notebooks' }).getByRole('button', { name: 'Download .nb.ts' }).click()]);
    expect(tsDownload.suggestedFilename()).toBe('from-jupyter.nb.ts');
    const text = await readFile((await tsDownload.path())!, 'utf8');
    expect(text).toContain('// %% id="answer"\nconst answer = 6 * 7;');
    expect(text).toContain('// # From Jupyter');
  }, 180_000);

  it('still opens ?notebook= paths; a copy says when the repository version changed, and discarding it brings that back', async () => {
    await page.goto(`${app.url}?notebook=notebooks/ct-denoise.nb.ts`, { timeout: 120_000 });
    await waitForApp(page);
    await expect.poll(() => pathShown(page), { timeout: 30_000 }).toBe('notebooks/ct-denoise.nb.ts');
    expect(await saveStatus(page)).toBe('repo');
    expect(await notRun(page)).toEqual({ phase: 'idle', statuses: ['idle'] });

    await page.goto(`${app.url}?nb=${NB}`, { timeout: 120_000 });
    await waitForApp(page);
    await expect.poll(() => page.evaluate(() => window.__voxbook!.state()?.cells.map((c) => c.source).join('\n') ?? ''), { timeout: 30_000 }).toContain('// draft-edit-3');
    expect(await page.locator('.vb-library-message').count()).toBe(0);
    // As if the repository's notebook had changed since the copy was made (a newer checkout):
    // the copy still opens, and the user is told how to get the new version.
    await page.evaluate(async (origin) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open('voxbook-library');
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      const store = db.transaction('notebooks', 'readwrite').objectStore('notebooks');
      await new Promise<void>((resolve, reject) => {
        const r = store.index('origin').get(origin);
        r.onsuccess = () => {
          const put = store.put({ ...r.result, originText: '// %%\nconst older = 1;\n' });
          put.onsuccess = () => resolve();
          put.onerror = () => reject(put.error);
        };
        r.onerror = () => reject(r.error);
      });
      db.close();
    }, NB);
    await page.reload({ timeout: 120_000 });
    await waitForApp(page);
    await expect.poll(() => page.locator('.vb-library-message').innerText(), { timeout: 30_000 }).toContain(`${NB} has changed in the repository since your copy was made`);
    expect(await page.evaluate(() => window.__voxbook!.state()!.cells.map((c) => c.source).join('\n'))).toContain('// draft-edit-3');
    await page.getByRole('button', { name: 'Notebooks', exact: true }).click();
    const panel = page.getByRole('dialog', { name: 'Notebooks' });
    await panel.getByRole('button', { name: 'Discard my copy…' }).click();
    await panel.getByRole('button', { name: 'Discard', exact: true }).click();
    await expect.poll(() => saveStatus(page), { timeout: 30_000 }).toBe('repo');
    const sources = await page.evaluate(() => window.__voxbook!.state()!.cells.map((c) => c.source).join('\n'));
    expect(sources).not.toContain('draft-edit');
    await page.getByRole('button', { name: 'Notebooks', exact: true }).click();
    await expect.poll(async () => (await page.locator('.vb-library-item').allInnerTexts()).sort(), { timeout: 30_000 }).toEqual(['My skull copy', 'from-jupyter']);
    await page.keyboard.press('Escape');
  });

  it('never lets two tabs overwrite each other: the later writer\'s edits become "<name> (conflict)"', async () => {
    await page.getByRole('button', { name: 'Notebooks', exact: true }).click();
    const id = await page.locator('.vb-library-item', { hasText: 'from-jupyter' }).getAttribute('data-id');
    await page.keyboard.press('Escape');
    const url = `${app.url}?id=${id}`;
    const other = await app.context.newPage();
    other.on('pageerror', (e) => pageErrors.push(`${e.name}: ${e.message}`));
    try {
      for (const p of [page, other]) {
        await p.goto(url, { timeout: 120_000 });
        await waitForApp(p);
        await expect.poll(() => pathShown(p), { timeout: 30_000 }).toBe('from-jupyter');
      }
      const typeIn = async (p: Page, text: string) => {
        await p.locator('.vb-cell-code .cm-content').first().click();
        await p.keyboard.press('Control+End');
        // 'Saving…' may come and go while a slow machine is still typing: an observer set up
        // before the first key records it, then the wait is for 'saved' after it.
        await p.evaluate(() => {
          const w = window as unknown as { __sawSaving?: boolean };
          w.__sawSaving = false;
          new MutationObserver(() => {
            if (document.querySelector('.vb-save-status')?.getAttribute('data-status') === 'saving') w.__sawSaving = true;
          }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-status'], childList: true });
        });
        await p.keyboard.type(text);
        await p.waitForFunction(() => (window as unknown as { __sawSaving?: boolean }).__sawSaving === true
          && document.querySelector('.vb-save-status')?.getAttribute('data-status') === 'saved', undefined, { timeout: 10_000, polling: 10 });
      };
      await typeIn(page, '\n// tab-one');
      await typeIn(other, '\n// tab-two');
      expect(await pathShown(other)).toBe('from-jupyter (conflict)');
      expect(await other.locator('.vb-library-error').innerText()).toContain('changed in another tab');
      expect(await other.evaluate(() => new URL(location.href).searchParams.get('id'))).not.toBe(id);
      // Each text is where its tab put it.
      await page.reload({ timeout: 120_000 });
      await waitForApp(page);
      await expect.poll(() => page.evaluate(() => window.__voxbook!.state()?.cells.map((c) => c.source).join('\n') ?? ''), { timeout: 30_000 }).toContain('// tab-one');
      expect(await page.evaluate(() => window.__voxbook!.state()!.cells.map((c) => c.source).join('\n'))).not.toContain('tab-two');
      await page.getByRole('button', { name: 'Notebooks', exact: true }).click();
      expect((await page.locator('.vb-library-item').allInnerTexts()).sort()).toEqual(['My skull copy', 'from-jupyter', 'from-jupyter (conflict)']);
      await page.keyboard.press('Escape');
    } finally {
      await other.close();
    }
  }, 180_000);

  it('logs no browser errors and reaches no other host', () => {
    expect([...app.errors, ...pageErrors]).toEqual([]);
    expect(app.outsideRequests).toEqual([]);
  });
});
