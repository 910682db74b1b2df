/**
 * The app end to end, as a user runs it: `notebooks/ct-to-print.nb.ts` on the real head CT
 * (data/Cranium.inv3, served by the dev server as /data/Cranium.inv3), kernel in a Web
 * Worker, in headless Chromium. Run all → a bone surface in the 3D view (with pixels, not a
 * blank canvas) → the STL download holds exactly the triangles the view reports → Run all
 * again is served from the cache without rebuilding the views → the toolbar fits 600 px.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshData } from '../../kernel/protocol.ts';
import { REPO_ROOT, pixelStats, screenshotWholePage, stlTriangleCount, type AppHarness, openApp, expectSample } from './harness.ts';

const MESH_MIME = 'application/vnd.voxbook.mesh+json';
const RESULTS = join(REPO_ROOT, 'test-results');

describe('app: ct-to-print in the browser', () => {
  let app: AppHarness;

  beforeAll(async () => {
    expectSample('Cranium.inv3');
    await mkdir(RESULTS, { recursive: true });
    app = await openApp();
  }, 180_000);

  afterAll(async () => {
    await app?.close();
  });

  it('opens on notebooks/ct-to-print.nb.ts with every cell in an editor', async () => {
    const { page } = app;
    await expect.poll(() => page.locator('.vb-path').first().evaluate((e) => (e instanceof HTMLSelectElement ? e.value : e.textContent))).toBe('notebooks/ct-to-print.nb.ts');
    const state = await page.evaluate(() => window.__voxbook!.state()!);
    const code = state.cells.filter((c) => c.kind === 'code');
    expect(code.length).toBeGreaterThan(3);
    expect(await page.locator('.vb-cell-code .cm-editor').count()).toBe(code.length);
    expect(await page.locator('.vb-cell-markdown .vb-prose h1').count()).toBeGreaterThan(0);
  });

  it('runs all cells on the real CT, shows the bone in 3D and downloads the same mesh as STL', async () => {
    const { page } = app;
    const t0 = Date.now();
    await page.getByRole('button', { name: 'Run all' }).click();
    await page.waitForFunction(() => window.__voxbook!.state()?.phase !== 'running', undefined, { timeout: 180_000 });
    const runMs = Date.now() - t0;

    const state = await page.evaluate(() => window.__voxbook!.state()!);
    const failures = state.cells.filter((c) => c.kind === 'code' && c.status !== 'done').map((c) => `${c.id}: ${c.status} ${c.error?.name ?? ''} ${c.error?.message ?? ''}`);
    expect(failures).toEqual([]);
    expect(state.log.filter((l) => l.level === 'error')).toEqual([]);
    expect(state.phase).toBe('done');
    // Two 3D views: the preview (2× downsampled, cell "preview") and the bone that is exported (cell "mesh").
    const boneView = page.locator('.vb-cell[data-cell-id="mesh"] vb-mesh-view');
    // A 3-D view gets its WebGL context when it is on or near the screen (app/renderers/gl-budget.ts).
    await boneView.scrollIntoViewIfNeeded();
    await boneView.locator('canvas').waitFor({ state: 'visible', timeout: 30_000 });

    // The real scan was loaded, not the stand-in phantom: the loading cell says what it read.
    // (Outputs render in shadow roots: innerText of the box around one does not reach in, Playwright's selectors do.)
    const input = await page.locator('.vb-output[data-mime="text/markdown"] .vb-prose', { hasText: 'Input:' }).first().innerText();
    expect(input).not.toMatch(/phantom/i);
    expect(input).toMatch(/ProMED|Cranium/);

    // The mesh the kernel sent, and what the view says about it.
    const meshTriangles = await page.evaluate((mime) => {
      const outputs = window.__voxbook!.state()!.cells.find((c) => c.id === 'mesh')!.outputs;
      const mesh = outputs.find((o) => o.data[mime] !== undefined)!.data[mime] as MeshData;
      return { triangles: mesh.triangles, indices: mesh.indices.length, vertices: mesh.positions.length / 3 };
    }, MESH_MIME);
    expect(meshTriangles.triangles).toBe(meshTriangles.indices / 3);
    expect(meshTriangles.triangles).toBeGreaterThan(100_000);
    const shown = Number(await boneView.locator('.vb-mesh-info').getAttribute('data-triangles'));
    expect(shown).toBe(meshTriangles.triangles);

    // The 3D view drew the surface: a good share of the canvas is shaded bone, not background.
    const capture = await page.evaluate(() => window.__voxbook!.captureMesh(1));
    const stats = pixelStats(capture);
    expect(stats.width).toBeGreaterThan(300);
    expect(stats.height).toBeGreaterThan(200);
    expect(stats.foreground).toBeGreaterThan(0.05);
    expect(stats.shades).toBeGreaterThan(30);

    // The STL download is that mesh.
    const link = page.locator('a.vb-download[download="bone.stl"]');
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe('bone.stl');
    const stl = await readFile((await download.path())!);
    expect(stlTriangleCount(stl)).toBe(meshTriangles.triangles);

    await screenshotWholePage(page, join(RESULTS, 'app.png'));
    console.log(`[e2e] run all: ${(runMs / 1000).toFixed(1)} s; ${meshTriangles.triangles} triangles; ${(stats.foreground * 100).toFixed(1)}% of the view is mesh`);
  }, 300_000);

  it('runs all again from the cache at once, keeping the same 3D view element', async () => {
    const { page } = app;
    // Mark the view and its canvas: a rebuilt view would come without the marks.
    const boneView = page.locator('.vb-cell[data-cell-id="mesh"] vb-mesh-view');
    await boneView.evaluate((el: HTMLElement) => {
      el.dataset['e2eMark'] = 'first-run';
      el.querySelector('canvas')!.dataset['e2eMark'] = 'first-run';
    });
    const outputsBefore = await page.locator('.vb-output').count();
    const t0 = Date.now();
    await page.getByRole('button', { name: 'Run all' }).click();
    await page.waitForFunction(() => window.__voxbook!.state()?.phase !== 'running', undefined, { timeout: 60_000 });
    const ms = Date.now() - t0;

    const state = await page.evaluate(() => window.__voxbook!.state()!);
    expect(state.phase).toBe('done');
    const notCached = state.cells.filter((c) => c.kind === 'code' && !(c.status === 'done' && c.cached === true)).map((c) => `${c.id}: ${c.status} cached=${c.cached}`);
    expect(notCached).toEqual([]);
    expect(await page.locator('vb-mesh-view').count()).toBe(3);
    expect(await boneView.getAttribute('data-e2e-mark')).toBe('first-run');
    expect(await boneView.locator('canvas').getAttribute('data-e2e-mark')).toBe('first-run');
    expect(await page.locator('.vb-output').count()).toBe(outputsBefore);
    expect(ms).toBeLessThan(5_000);
    console.log(`[e2e] cached run all: ${ms} ms`);
  }, 120_000);

  it('fits the toolbar in a 600 px window: nothing wraps or spills', async () => {
    const { page } = app;
    const size = page.viewportSize()!;
    await page.setViewportSize({ width: 600, height: 900 });
    try {
      await page.evaluate(() => window.scrollTo(0, 0));
      const toolbar = await page.evaluate(() => {
        const bar = document.querySelector<HTMLElement>('.vb-toolbar')!;
        const buttons = [...bar.querySelectorAll<HTMLElement>('button, select, .vb-summary')].map((b) => {
          const r = b.getBoundingClientRect();
          const lineHeight = parseFloat(getComputedStyle(b).lineHeight) || parseFloat(getComputedStyle(b).fontSize) * 1.3;
          return { name: b.getAttribute('aria-label') ?? b.textContent!.trim(), left: r.left, right: r.right, lines: Math.round((r.height - 12) / lineHeight) };
        });
        return { scrollWidth: bar.scrollWidth, clientWidth: bar.clientWidth, height: bar.getBoundingClientRect().height, buttons };
      });
      expect(toolbar.scrollWidth).toBeLessThanOrEqual(toolbar.clientWidth);
      expect(toolbar.height).toBe(48);
      for (const b of toolbar.buttons) {
        expect(b.left, b.name).toBeGreaterThanOrEqual(0);
        expect(b.right, b.name).toBeLessThanOrEqual(600);
      }
      const runAll = page.getByRole('button', { name: 'Run all' });
      expect(await runAll.evaluate((b) => getComputedStyle(b).whiteSpace)).toBe('nowrap');
      expect((await runAll.boundingBox())!.height).toBeLessThan(36);
      await runAll.click({ trial: true });
      await page.screenshot({ path: join(RESULTS, 'app-600.png') });
    } finally {
      await page.setViewportSize(size);
    }
  });

  it('logs no browser errors', () => {
    expect(app.errors).toEqual([]);
  });
});
