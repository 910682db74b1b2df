/**
 * Inputs and lazy cells in the browser, on ct-to-print and the real head CT: the scan input
 * opens a picked .nii.gz, DICOM file and DICOM folder (the 108-file CT); the `minHu`
 * slider moves the histogram marker and redraws the preview mesh, re-running only the cells
 * that read minHu; the full-resolution cells (tagged lazy) turn stale and run on demand; a
 * burst of moves costs a couple of runs, not one per move. Times are recorded, not asserted
 * (the bench, bench/slider-preview.ts, reports them).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, type AppHarness, startApp, waitForApp, expectSample } from './harness.ts';
import { clearKernelMessages, kernelMessages, recordKernelMessages } from './kernel-messages.ts';
import { median, moveSlider, type SliderMove } from './slider.ts';

const LAZY = ['segment', 'mesh', 'validate', 'printability', 'export'];

function cells(app: AppHarness) {
  return app.page.evaluate(() => Object.fromEntries(window.__voxbook!.state()!.cells.filter((c) => c.kind === 'code').map((c) => [c.id, { status: c.status, ms: c.ms ?? null, tags: c.tags }])));
}

/**
 * Every lazy cell ends stale. They come after the preview in a run: their stale marks reach
 * the page as later messages than the preview's "done", so they are polled for, not read once.
 */
async function expectLazyStale(app: AppHarness): Promise<void> {
  await expect.poll(async () => {
    const now = await cells(app);
    return LAZY.map((id) => `${id}: ${now[id]!.status}`);
  }, { timeout: 10_000 }).toEqual(LAZY.map((id) => `${id}: stale`));
}

function meshTriangles(app: AppHarness, cellId: string) {
  return app.page.evaluate((id) => {
    const cell = window.__voxbook!.state()!.cells.find((c) => c.id === id)!;
    const mesh = cell.outputs.map((o) => o.data['application/vnd.voxbook.mesh+json']).find((m) => m !== undefined) as { triangles: number } | undefined;
    return mesh?.triangles;
  }, cellId);
}

describe('inputs and lazy cells: the minHu slider of ct-to-print', () => {
  let app: AppHarness;
  let firstRun: Awaited<ReturnType<typeof cells>>;
  const moves: SliderMove[] = [];

  beforeAll(async () => {
    expectSample('Cranium.inv3');
    app = await startApp();
    // Every message the kernel posts, unbatched (the page's state listeners hear at most one
    // change per frame): the burst below counts runs and finds its end from them.
    await recordKernelMessages(app.context);
    await app.page.goto(app.url);
    await waitForApp(app.page);
    await app.page.getByRole('button', { name: 'Run all' }).click();
    await app.page.waitForFunction(() => window.__voxbook!.state()?.phase !== 'running', undefined, { timeout: 180_000 });
    firstRun = await cells(app);
  }, 240_000);

  afterAll(async () => {
    await app?.close();
  });

  it('Run all runs every cell, lazy ones included, and shows minHu as a slider at its default', async () => {
    expect(Object.entries(firstRun).filter(([, c]) => c.status !== 'done')).toEqual([]);
    for (const id of LAZY) expect(firstRun[id]!.tags, id).toContain('lazy');
    const slider = app.page.locator('vb-input-widget input[type="range"]');
    expect(await slider.count()).toBe(1);
    expect(await slider.inputValue()).toBe('226');
    expect(await slider.getAttribute('min')).toBe('-1000');
    expect(await app.page.locator('.vb-status-stale').count()).toBe(0);
    // The preview (2× downsampled) is a smaller surface than the exported one.
    const preview = (await meshTriangles(app, 'preview'))!;
    const bone = (await meshTriangles(app, 'mesh'))!;
    expect(preview).toBeGreaterThan(50_000);
    expect(bone).toBeGreaterThan(3 * preview);
  });

  it('a move redraws the histogram marker and the preview, re-runs only what reads minHu, and leaves the lazy cells stale', async () => {
    let triangles = (await meshTriangles(app, 'preview'))!;
    for (const value of [300, 400, 250, 350, 500, 200, 450]) {
      const move = await moveSlider(app.page, value);
      // A higher threshold keeps less bone, a lower one more: the preview really changed.
      expect(move.triangles, `minHu ${value}`).not.toBe(triangles);
      expect(await meshTriangles(app, 'preview')).toBe(move.triangles);
      triangles = move.triangles;
      moves.push(move);
    }
    await app.page.waitForFunction(() => window.__voxbook!.state()?.phase !== 'running');
    await expectLazyStale(app);
    const now = await cells(app);
    for (const id of ['parameters', 'histogram', 'preview']) expect(now[id]!.status, id).toBe('done');
    // load and describe do not read minHu: never re-run (same status and time as after Run all).
    for (const id of ['load', 'describe']) expect(now[id], id).toEqual(firstRun[id]);
    // Stale cells keep their outputs (dimmed) with a Run now button.
    expect(await app.page.locator('.vb-cell[data-cell-id="mesh"] vb-mesh-view').count()).toBe(1);
    expect(await app.page.locator('.vb-run-stale').count()).toBe(LAZY.length);
    const ms = moves.map((m) => m.ms);
    await mkdir(join(REPO_ROOT, 'test-results'), { recursive: true });
    await writeFile(join(REPO_ROOT, 'test-results', 'slider-preview.json'), JSON.stringify(moves, null, 2));
    console.log(`[e2e] minHu slider → histogram + preview shown: median ${median(ms).toFixed(0)} ms (${ms.map((x) => x.toFixed(0)).join(', ')}); preview alone median ${median(moves.map((m) => m.previewMs)).toFixed(0)} ms`);
  }, 120_000);

  it('Run now on a stale cell runs it and its stale ancestors at the slider value', async () => {
    const before = (await meshTriangles(app, 'mesh'))!;
    await app.page.locator('.vb-cell[data-cell-id="export"] .vb-run-stale').click();
    await app.page.waitForFunction(() => {
      const s = window.__voxbook!.state()!;
      return s.phase !== 'running' && s.cells.every((c) => c.kind !== 'code' || c.status === 'done' || c.status === 'error');
    }, undefined, { timeout: 120_000 });
    const now = await cells(app);
    expect(Object.entries(now).filter(([, c]) => c.status !== 'done')).toEqual([]);
    // Run at minHu 450 (the last move): less bone than at 226.
    const after = (await meshTriangles(app, 'mesh'))!;
    expect(after).toBeLessThan(before);
    const report = await app.page.evaluate(() => {
      const cell = window.__voxbook!.state()!.cells.find((c) => c.id === 'export')!;
      const file = cell.outputs.map((o) => o.data['application/vnd.voxbook.file+json'] as { name: string; bytes: Uint8Array } | undefined).find((f) => f?.name === 'report.json')!;
      return JSON.parse(new TextDecoder().decode(file.bytes)) as { parameters: { minHu: number } };
    });
    expect(report.parameters.minHu).toBe(450);
  }, 180_000);

  it('the keep select (largest by default) set to all leaves only the lazy cells stale, and Run now prints the head holder too', async () => {
    const { page } = app;
    const keep = page.locator('vb-input-widget select').filter({ has: page.locator('option', { hasText: 'largest' }) });
    expect(await keep.count()).toBe(1);
    expect(await keep.inputValue()).toBe('largest');
    expect(await keep.locator('option').allInnerTexts()).toEqual(['largest', 'all']);
    const before = await cells(app);
    const skull = (await meshTriangles(app, 'mesh'))!;
    await keep.selectOption('all');
    await page.waitForFunction((lazy) => {
      const s = window.__voxbook!.state()!;
      return s.phase !== 'running' && lazy.every((id) => s.cells.find((c) => c.id === id)!.status === 'stale');
    }, LAZY, { timeout: 60_000 });
    // Only the lazy cells read keep: the preview and histogram are not re-run.
    const now = await cells(app);
    for (const id of ['load', 'describe', 'histogram', 'preview']) expect(now[id], id).toEqual(before[id]);
    await page.locator('.vb-cell[data-cell-id="export"] .vb-run-stale').click();
    await page.waitForFunction(() => {
      const s = window.__voxbook!.state()!;
      return s.phase !== 'running' && s.cells.every((c) => c.kind !== 'code' || c.status === 'done' || c.status === 'error');
    }, undefined, { timeout: 120_000 });
    expect(Object.entries(await cells(app)).filter(([, c]) => c.status !== 'done')).toEqual([]);
    // The same threshold with the head holder's two plates: more triangles.
    expect((await meshTriangles(app, 'mesh'))!).toBeGreaterThan(skull);
    const report = await page.evaluate(() => {
      const cell = window.__voxbook!.state()!.cells.find((c) => c.id === 'export')!;
      const file = cell.outputs.map((o) => o.data['application/vnd.voxbook.file+json'] as { name: string; bytes: Uint8Array } | undefined).find((f) => f?.name === 'report.json')!;
      return JSON.parse(new TextDecoder().decode(file.bytes)) as { parameters: { keep: string }; segmentation: { keep: string; keepRemoved: unknown[] } };
    });
    expect([report.parameters.keep, report.segmentation.keep, report.segmentation.keepRemoved]).toEqual(['all', 'all', []]);
  }, 180_000);

  it('a burst of 30 moves runs the preview twice at most and ends at the last value', async () => {
    await clearKernelMessages(app.page);
    await app.page.evaluate(() => {
      const deepAll = (root: ParentNode, selector: string): Element[] => {
        const found: Element[] = [];
        const walk = (node: ParentNode): void => {
          for (const el of node.querySelectorAll('*')) {
            if (el.matches(selector)) found.push(el);
            if (el.shadowRoot) walk(el.shadowRoot);
          }
        };
        walk(root);
        return found;
      };
      const range = deepAll(document, 'vb-input-widget').map((w) => w.shadowRoot?.querySelector<HTMLInputElement>('input[type="range"]')).find((r) => r)!;
      for (let i = 1; i <= 30; i++) {
        range.value = String(230 + 10 * i);
        range.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
      }
    });
    // The burst has ended when the histogram shows the last value and a run ended after the
    // histogram's last run (each value taken runs the histogram, then the preview).
    await app.page.waitForFunction(() => {
      const deepTexts = (root: ParentNode): string[] => {
        const found: string[] = [];
        const walk = (node: ParentNode): void => {
          for (const el of node.querySelectorAll('*')) {
            if (el.matches('.vb-svg svg text')) found.push(el.textContent ?? '');
            if (el.shadowRoot) walk(el.shadowRoot);
          }
        };
        walk(root);
        return found;
      };
      const m = window.__kernelMessages!;
      const lastHistogram = m.findLastIndex((x) => x.type === 'cell' && x.id === 'histogram' && x.status === 'done');
      return deepTexts(document).includes('minHu 530') && lastHistogram >= 0 && m.findLastIndex((x) => x.type === 'run-done') > lastHistogram;
    }, undefined, { timeout: 50_000, polling: 20 });
    const runs = (await kernelMessages(app.page)).filter((x) => x.type === 'cell' && x.id === 'preview' && x.status === 'running').length;
    expect(runs).toBeGreaterThanOrEqual(1);
    expect(runs).toBeLessThanOrEqual(2);
    expect(await app.page.locator('vb-input-widget input[type="range"]').inputValue()).toBe('530');
    expect((await cells(app))['preview']!.status).toBe('done');
    await expectLazyStale(app);
  }, 60_000);

  it('the scan input opens a picked .nii.gz, a DICOM file and a DICOM folder (the 108-file CT), each loaded by its reader with its checks', async () => {
    const { page } = app;
    const loadOutput = () => page.evaluate(() => window.__voxbook!.state()!.cells.find((c) => c.id === 'load')!.outputs.map((o) => String(o.data['text/markdown'] ?? '')).join('\n'));
    // What the describe cell says and how many triangles the preview has, before a pick.
    const snapshot = () => page.evaluate(() => {
      const cell = (id: string) => window.__voxbook!.state()!.cells.find((c) => c.id === id)!;
      const mesh = cell('preview').outputs.map((o) => o.data['application/vnd.voxbook.mesh+json']).find((m) => m !== undefined) as { triangles: number } | undefined;
      return { describe: cell('describe').outputs.map((o) => String(o.data['text/markdown'] ?? '')).join('\n'), triangles: mesh?.triangles ?? null };
    });
    // Until the cells have re-run on the picked input: the load cell matches `pattern` (or failed)
    // and, when asked, describe says something new and the preview holds a new mesh.
    const loadedFrom = async (pattern: string, preview: boolean, before: Awaited<ReturnType<typeof snapshot>>) => page.waitForFunction(({ pattern, preview, before }) => {
      const s = window.__voxbook!.state()!;
      const cell = (id: string) => s.cells.find((c) => c.id === id)!;
      if (cell('load').status === 'error') return true;
      const text = (id: string) => cell(id).outputs.map((o) => String(o.data['text/markdown'] ?? '')).join('\n');
      const mesh = cell('preview').outputs.map((o) => o.data['application/vnd.voxbook.mesh+json']).find((m) => m !== undefined) as { triangles: number } | undefined;
      if (!(new RegExp(pattern).test(text('load')) && cell('load').status === 'done' && s.phase !== 'running')) return false;
      return !preview || (cell('describe').status === 'done' && text('describe') !== before.describe && cell('preview').status === 'done' && (mesh?.triangles ?? null) !== before.triangles);
    }, { pattern, preview, before }, { timeout: 180_000 });
    const loadError = () => page.evaluate(() => window.__voxbook!.state()!.cells.find((c) => c.id === 'load')!.error?.message ?? null);

    const picker = page.locator('vb-input-widget input.pick-file');
    expect(await picker.count()).toBe(1);
    let before = await snapshot();
    await picker.setInputFiles(join(REPO_ROOT, 'data/mri-colin27/ch2.nii.gz'));
    await loadedFrom('NIfTI-1', true, before);
    expect(await page.evaluate(() => window.__voxbook!.state()!.cells.find((c) => c.id === 'preview')!.status)).toBe('done');
    const load = await page.evaluate(() => window.__voxbook!.state()!.cells.find((c) => c.id === 'load')!.outputs.map((o) => String(o.data['text/markdown'] ?? '')).join('\n'));
    // Read by the NIfTI reader, with its geometry checks: the Colin27 grid.
    expect(load).toMatch(/NIfTI-1 181×217×181 uint8, geometry from sform/);
    expect(await page.locator('vb-input-widget .file').innerText()).toMatch(/^ch2\.nii\.gz \(3\.5 MB\)$/);
    // An MRI: the describe cell says its values are not Hounsfield units.
    const describe = await page.evaluate(() => window.__voxbook!.state()!.cells.find((c) => c.id === 'describe')!.outputs.map((o) => String(o.data['text/markdown'] ?? '')).join('\n'));
    expect(describe).toMatch(/not known to be Hounsfield units/);
    const move = await moveSlider(page, 60);
    expect(move.triangles).toBeGreaterThan(1000);
    const now = await cells(app);
    for (const id of LAZY) expect(now[id]!.status, id).toBe('stale');

    // One DICOM file (a single slice: only its load is asserted).
    before = await snapshot();
    await picker.setInputFiles(join(REPO_ROOT, 'data/ct-head-0051-dicom/IMG0000.dcm'));
    await loadedFrom('DICOM file IMG0000', false, before);
    expect(await loadError()).toBeNull();
    expect(await loadOutput()).toMatch(/DICOM file IMG0000\.dcm, 1 file, 256×256×1 int16/);

    // The 108-file folder through the folder picker.
    const folderPicker = page.locator('vb-input-widget input.pick-folder');
    expect(await folderPicker.count()).toBe(1);
    before = await snapshot();
    const t0 = Date.now();
    await folderPicker.setInputFiles(join(REPO_ROOT, 'data/ct-head-0051-dicom'));
    await loadedFrom('DICOM series', true, before);
    const shownMs = Date.now() - t0;
    expect(await loadError()).toBeNull();
    const loadMs = await page.evaluate(() => window.__voxbook!.state()!.cells.find((c) => c.id === 'load')!.ms ?? null);
    // Decoded from the picked files' bytes by GDCM in the kernel worker, with the header checks.
    expect(await loadOutput()).toMatch(/DICOM series "ct-head-0051-dicom", 108 files, 256×256×108 int16/);
    expect(await page.locator('vb-input-widget .file').innerText()).toMatch(/^ct-head-0051-dicom\/ \(108 files\)$/);
    expect(await page.evaluate(() => window.__voxbook!.state()!.cells.find((c) => c.id === 'preview')!.status)).toBe('done');
    expect((await meshTriangles(app, 'preview'))!).toBeGreaterThan(50_000);
    expect(await page.locator('.vb-cell[data-cell-id="preview"] vb-mesh-view').count()).toBe(1);
    console.log(`[e2e] picked 108-file DICOM folder: load cell ${loadMs?.toFixed(0)} ms; picked → preview mesh shown ${shownMs} ms`);
  }, 240_000);

  it('logs no browser errors', () => {
    expect(app.errors).toEqual([]);
  });
});
