/**
 * notebooks/views-tour.nb.ts in the app, opened as a user opens it (`/?nb=notebooks/views-tour.nb.ts`)
 * and run with "Run all" in Chromium (SwiftShader WebGL2): every view draws something — the volume
 * rendering, both sets of linked planes (the CT's with the orange bone mask, the MRI's with the
 * atlas colours), the skull-and-skin scene, the four-view (black centre), the histogram's SVG — and
 * the MRI probe names the AAL region of a clicked voxel. Screenshots of each view go to test-results/.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { decode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aalVoxelInsideRegion } from '../planes-landmark.ts';
import { REPO_ROOT, pixelStats, startApp, waitForApp, type AppHarness } from './harness.ts';

const NB = 'notebooks/views-tour.nb.ts';
const RESULTS = join(REPO_ROOT, 'test-results');

/** A view's `capture()` (its pixels as a PNG data URL) retried until at least `min` of it is not background. */
async function drawnCapture(view: Locator, min: number, arg?: string): Promise<{ url: string; foreground: number }> {
  let url = '';
  let foreground = 0;
  for (let attempt = 0; attempt < 40; attempt++) {
    url = await view.evaluate((el, a) => (el as unknown as { capture(a?: string): Promise<string> | string }).capture(a), arg);
    foreground = pixelStats(url).foreground;
    if (foreground >= min) break;
    await view.page().waitForTimeout(250);
  }
  return { url, foreground };
}

/** Pixels near a colour (each channel within `tol`), as a fraction. */
function nearColour(url: string, rgb: readonly [number, number, number], tol: number): number {
  const p = decode(Buffer.from(url.split(',')[1]!, 'base64'));
  let n = 0;
  for (let q = 0; q < p.width * p.height; q++) if ([0, 1, 2].every((c) => Math.abs(p.data[p.channels * q + c]! - rgb[c]!) <= tol)) n++;
  return n / (p.width * p.height);
}

async function shoot(view: Locator, name: string): Promise<void> {
  await view.page().mouse.move(0, 0);
  await view.scrollIntoViewIfNeeded();
  // The app's sticky toolbar would cover the top of a view scrolled to the window's top.
  await view.screenshot({ path: join(RESULTS, name), style: '.vb-toolbar, .vb-progress { visibility: hidden !important; }' });
}

describe(`app: ${NB} opened by ?nb= and run`, () => {
  let app: AppHarness;
  let page: Page;
  let runMs = 0;

  beforeAll(async () => {
    for (const f of ['Cranium.inv3', 'mri-colin27/ch2.nii.gz', 'mri-colin27/aal.nii.gz', 'mri-colin27/aal.nii.txt']) {
      expect(existsSync(join(REPO_ROOT, 'data', f)), `data/${f} is missing: run \`npm run fetch-data\` first`).toBe(true);
    }
    await mkdir(RESULTS, { recursive: true });
    app = await startApp();
    page = app.page;
    await page.goto(`${app.url}?nb=${NB}`, { timeout: 120_000 });
    await waitForApp(page);
    await page.waitForFunction(() => window.__voxbook!.state()?.cells.some((c) => c.id === 'mri'), undefined, { timeout: 30_000 });
    const t0 = Date.now();
    await page.getByRole('button', { name: 'Run all' }).click();
    await page.waitForFunction(() => window.__voxbook!.state()?.phase === 'running', undefined, { timeout: 10_000 });
    await page.waitForFunction(() => window.__voxbook!.state()?.phase !== 'running', undefined, { timeout: 120_000, polling: 200 });
    runMs = Date.now() - t0;
  }, 240_000);

  afterAll(async () => {
    await app?.close();
  });

  it('runs every cell', async () => {
    const state = await page.evaluate(() => window.__voxbook!.state()!);
    console.log(`[e2e tour] Run all: ${runMs} ms`);
    expect(state.cells.filter((c) => c.kind === 'code' && c.status !== 'done').map((c) => `${c.id}: ${c.status} ${c.error?.message ?? ''}`)).toEqual([]);
  });

  it('the volume rendering, the skull-and-skin scene and the four-view draw; the four-view\'s centre is black', async () => {
    const volume = page.locator('vb-volume-view').first();
    const v = await drawnCapture(volume, 0.05);
    const scenes = page.locator('vb-mesh-scene');
    await expect.poll(() => scenes.count(), { timeout: 30_000 }).toBe(2);
    const scene = await drawnCapture(scenes.nth(0), 0.1);
    const four = await drawnCapture(scenes.nth(1), 0.05);
    const fourPng = decode(Buffer.from(four.url.split(',')[1]!, 'base64'));
    const c = fourPng.channels * ((fourPng.height >> 1) * fourPng.width + (fourPng.width >> 1));
    console.log(`[e2e tour] foreground: volume ${v.foreground.toFixed(3)}, scene ${scene.foreground.toFixed(3)}, four ${four.foreground.toFixed(3)}`);
    expect(v.foreground).toBeGreaterThan(0.05);
    expect(scene.foreground).toBeGreaterThan(0.1);
    expect(four.foreground).toBeGreaterThan(0.05);
    expect([...fourPng.data.subarray(c, c + 3)].every((x) => x < 8)).toBe(true);
    await shoot(volume, 'tour-volume.png');
    await shoot(scenes.nth(0), 'tour-skull-skin.png');
    await shoot(scenes.nth(1), 'tour-four-view.png');
  }, 120_000);

  it('the CT planes draw with the orange bone mask; the histogram is an SVG with the three threshold rules', async () => {
    const planes = page.locator('vb-planes-view');
    await expect.poll(() => planes.count(), { timeout: 30_000 }).toBe(2);
    const ct = planes.nth(0);
    await ct.locator('canvas[data-plane="axial"]').waitFor({ state: 'visible', timeout: 30_000 });
    let orange = 0;
    for (const p of ['axial', 'coronal', 'sagittal']) {
      const { url, foreground } = await drawnCapture(ct, 0.15, p);
      expect(foreground, p).toBeGreaterThan(0.15);
      orange += nearColour(url, [230, 159, 0], 90);
    }
    // The mask is drawn at half opacity over the bone's grey: orange-ish pixels on the planes.
    expect(orange).toBeGreaterThan(0.01);
    const rules = page.locator('[data-cell-id="histogram"] .vb-svg svg g[aria-label="rule"] line');
    await expect.poll(() => rules.count(), { timeout: 10_000 }).toBe(3);
    const area = page.locator('[data-cell-id="histogram"] .vb-svg svg g[aria-label="area"] path');
    expect((await area.first().getAttribute('d'))!.length).toBeGreaterThan(1000);
    await shoot(page.locator('[data-cell-id="histogram"] .vb-svg').first(), 'tour-histogram.png');
    await shoot(ct, 'tour-planes-ct.png');
  }, 120_000);

  it('the MRI planes show the atlas, and the probe names the AAL region of a clicked voxel', async () => {
    // A voxel of the cursor's axial slice (k = 90) well inside one region, left of the centre.
    const k = 90;
    const { index: target, label, name } = await aalVoxelInsideRegion(k);
    expect(target).toBeDefined();

    const mri = page.locator('vb-planes-view').nth(1);
    await mri.locator('canvas[data-plane="axial"]').scrollIntoViewIfNeeded();
    for (const p of ['axial', 'coronal', 'sagittal']) expect((await drawnCapture(mri, 0.15, p)).foreground, p).toBeGreaterThan(0.15);
    const point = await mri.evaluate((el, i) => (el as unknown as { clientPoint(p: string, i: number[]): { x: number; y: number } }).clientPoint('axial', i), target as unknown as number[]);
    await page.mouse.click(point.x, point.y);
    const probe = mri.locator('output.vb-planes-probe');
    await expect.poll(() => probe.getAttribute('data-label'), { timeout: 10_000 }).toBe(name);
    console.log(`[e2e tour] MRI probe at (${target!.join(', ')}): "${await probe.textContent()}"`);
    await shoot(mri, 'tour-planes-mri.png');
    expect(app.errors).toEqual([]);
    expect(app.outsideRequests).toEqual([]);
  }, 120_000);
});
