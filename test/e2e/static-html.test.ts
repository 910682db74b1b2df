/**
 * The exported notebook page in Chromium, opened from disk (file://) with every other
 * request refused: the page written by `voxbook run notebooks/ct-to-print.nb.ts --html`
 * draws the bone in its vtk.js view (pixels, not a blank canvas), shows the markdown, the
 * tables, the SVG histogram and the PNG slices, downloads report.json and the notebook's
 * source from its own bytes — and asks for nothing outside the file. Then the app's "Export
 * HTML" button, after a Run all, downloads the same kind of page, which opens offline the
 * same way.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, voxbook } from '../cli/helpers.ts';
import { REPO_ROOT, captureFirstMesh, openOffline, pixelStats, startApp, waitForApp, type AppHarness, expectSample } from './harness.ts';


/** The pixels of the page's first 3D view, once it has drawn something (vtk.js renders after layout). */
async function meshPixels(page: Page): Promise<ReturnType<typeof pixelStats>> {
  // A 3-D view gets its WebGL context when it is on or near the screen (app/renderers/gl-budget.ts).
  await page.locator('vb-mesh-view').first().scrollIntoViewIfNeeded();
  await page.locator('vb-mesh-view canvas').first().waitFor({ state: 'visible', timeout: 30_000 });
  let stats = pixelStats(await captureFirstMesh(page));
  for (let i = 0; i < 20 && stats.foreground < 0.05; i++) {
    await page.waitForTimeout(250);
    stats = pixelStats(await captureFirstMesh(page));
  }
  return stats;
}


describe('the exported HTML page, offline in Chromium', () => {
  let app: AppHarness;
  const out = tempDir();

  beforeAll(async () => {
    expectSample('Cranium.inv3');
    const run = await voxbook(['run', 'notebooks/ct-to-print.nb.ts', '--out', out, '--html', '--cache', tempDir('vb-cache-'), '--quiet'], { killAfterMs: 170_000 });
    expect(run.code, run.stderr).toBe(0);
    app = await startApp();
  }, 240_000);

  afterAll(async () => {
    await app?.close();
  });

  it('written by voxbook run --html: draws the mesh, markdown, tables, plot and slices, and requests nothing', async () => {
    const path = join(out, 'ct-to-print.html');
    const { page, requests, refused, errors } = await openOffline(app.context, path);
    try {
      await expect.poll(() => page.locator('.vb-prose h1').first().textContent()).toBe('From a head CT to a printable skull');
      expect(await page.locator('.vb-table').count()).toBeGreaterThanOrEqual(3);
      await expect.poll(() => page.locator('.vb-table', { hasText: 'detached fragments removed' }).count()).toBe(1);
      expect(await page.locator('.vb-svg svg', { hasText: 'minHu 226' }).count()).toBe(1);
      const slices = await page.locator('img.vb-image').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth));
      expect(slices.length).toBeGreaterThanOrEqual(2);
      for (const w of slices) expect(w).toBeGreaterThan(100);
      // Source is shown highlighted; provenance heads the page.
      expect(await page.locator('.vb-static-code .tok-keyword').count()).toBeGreaterThan(10);
      expect(await page.locator('.vb-static-hash').textContent()).toMatch(/^[0-9a-f]{64}$/);

      const stats = await meshPixels(page);
      expect(stats.width).toBeGreaterThan(300);
      expect(stats.foreground).toBeGreaterThan(0.05);
      expect(stats.shades).toBeGreaterThan(30);
      // The smoothed skull alone (539,128 triangles) simplified to the 200,000 budget, at or just under it.
      const shown = await page.locator('.vb-mesh-info').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-triangles'))));
      expect(shown.filter((t) => t > 199_000 && t <= 200_000).length).toBeGreaterThanOrEqual(1);
      // The minHu slider is its value here: no control that would do nothing.
      expect(await page.locator('vb-input-widget').count()).toBe(0);
      await expect.poll(() => page.locator('.vb-prose', { hasText: 'bone threshold minHu (HU)' }).count()).toBe(1);

      // report.json downloads from the bytes in the page.
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('a.vb-download[download="report.json"]').click()]);
      expect(readFileSync((await download.path())!).equals(readFileSync(join(out, 'report.json')))).toBe(true);
      // So does the notebook itself, from the provenance box.
      const [source] = await Promise.all([page.waitForEvent('download'), page.locator('a.vb-download[download="ct-to-print.nb.ts"]').click()]);
      expect(readFileSync((await source.path())!, 'utf8')).toBe(readFileSync(join(REPO_ROOT, 'notebooks/ct-to-print.nb.ts'), 'utf8'));
      // bone.stl is over the cap: a note names it.
      await expect.poll(() => page.locator('.vb-prose', { hasText: 'bone.stl' }).count()).toBe(1);

      expect(refused).toEqual([]);
      expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('blob:') && !u.startsWith('data:'))).toEqual([]);
      expect(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations)).toEqual([]);
      expect(errors.filter((e) => !/GL Driver Message|GPU stall/.test(e))).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);

  it('the app\'s Export HTML button, after Run all, downloads a page that opens offline the same way', async () => {
    const { page } = app;
    await page.goto(app.url);
    await waitForApp(page);
    await page.getByRole('button', { name: 'Run all' }).click();
    await page.waitForFunction(() => window.__voxbook!.state()?.phase === 'done', undefined, { timeout: 180_000 });
    const t0 = Date.now();
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.getByRole('button', { name: 'Export HTML' }).click()]);
    const exportMs = Date.now() - t0;
    expect(download.suggestedFilename()).toBe('ct-to-print.html');
    const saved = join(out, 'exported-from-app.html');
    writeFileSync(saved, readFileSync((await download.path())!));
    const html = readFileSync(saved, 'utf8');
    console.log(`Export HTML in the app: ${(Buffer.byteLength(html) / 1e6).toFixed(2)} MB in ${exportMs} ms (click to download)`);
    expect(html).toContain('id="vb-document"');
    expect(html).toContain('"notebook":"notebooks/ct-to-print.nb.ts"');

    const offline = await openOffline(app.context, saved);
    try {
      const stats = await meshPixels(offline.page);
      expect(stats.foreground).toBeGreaterThan(0.05);
      expect(stats.shades).toBeGreaterThan(30);
      expect(await offline.page.locator('.vb-svg svg', { hasText: 'value (HU)' }).count()).toBe(1);
      await expect.poll(() => offline.page.locator('.vb-prose h1').first().textContent()).toBe('From a head CT to a printable skull');
      expect(await offline.page.locator('a.vb-download[download="report.json"]').count()).toBe(1);
      expect(offline.refused).toEqual([]);
      expect(offline.errors.filter((e) => !/GL Driver Message|GPU stall/.test(e))).toEqual([]);
    } finally {
      await offline.page.close();
    }
  }, 300_000);
});
