/**
 * volumeView in the app: test/e2e/fixtures/volume-view.nb.ts ray casts the real head CT (2×
 * downsampled) with the CT bone preset in `<vb-volume-view>` (vtk.js, SwiftShader WebGL2).
 * The canvas shows the skull (pixels read with vtk.js captureImages()), changing the preset
 * changes the image, the bundle reached the page with the voxels, and the page logged no
 * errors and asked nothing outside the app.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changedFraction, REPO_ROOT, captureFirstView, pixelStats, type AppHarness, openApp, expectSample } from './harness.ts';

const FIXTURE = new URL('./fixtures/volume-view.nb.ts', import.meta.url);
const FIXTURE_PATH = 'test/e2e/fixtures/volume-view.nb.ts';
const RESULTS = join(REPO_ROOT, 'test-results');

/** Pixels once the view has drawn something (vtk.js renders after layout and texture upload). */
async function volumePixels(page: Page): Promise<{ url: string; stats: ReturnType<typeof pixelStats>; captures: number; ms: number }> {
  const t0 = Date.now();
  let url = await captureFirstView(page, 'vb-volume-view');
  let stats = pixelStats(url);
  let captures = 1;
  for (; captures < 40 && stats.foreground < 0.03; captures++) {
    await page.waitForTimeout(250);
    url = await captureFirstView(page, 'vb-volume-view');
    stats = pixelStats(url);
  }
  return { url, stats, captures, ms: Date.now() - t0 };
}

describe('app: volumeView ray casts the real CT', () => {
  let app: AppHarness;

  beforeAll(async () => {
    expectSample('Cranium.inv3');
    await mkdir(RESULTS, { recursive: true });
    app = await openApp();
    const text = await readFile(FIXTURE, 'utf8');
    await app.page.evaluate(([t, p]) => window.__voxbook!.open(t!, p!), [text, FIXTURE_PATH]);
    await app.page.waitForFunction(() => window.__voxbook!.state()?.cells.some((c) => c.id === 'volume'), undefined, { timeout: 10_000 });
  }, 180_000);

  afterAll(async () => {
    await app?.close();
  });

  it('runs the notebook and draws the skull with the bone preset; another preset draws something else', async () => {
    const { page } = app;
    const t0 = Date.now();
    await page.getByRole('button', { name: 'Run all' }).click();
    await page.waitForFunction(() => window.__voxbook!.state()?.phase === 'running', undefined, { timeout: 10_000 });
    await page.waitForFunction(() => window.__voxbook!.state()?.phase !== 'running', undefined, { timeout: 90_000, polling: 200 });
    const runMs = Date.now() - t0;
    const state = await page.evaluate(() => window.__voxbook!.state()!);
    expect(state.cells.filter((c) => c.kind === 'code' && c.status !== 'done').map((c) => `${c.id}: ${c.status} ${c.error?.message ?? ''}`)).toEqual([]);
    const shape = await page.evaluate(() => {
      const out = window.__voxbook!.state()!.cells.find((c) => c.id === 'volume')!.outputs[0]!;
      const v = out.data['application/vnd.voxbook.volume+json'] as { data: Float32Array; dims: number[]; preset: string; surfaces?: { name: string }[] };
      return { type: v.data.constructor.name, length: v.data.length, dims: v.dims, preset: v.preset, png: typeof out.data['image/png'], surfaces: v.surfaces?.map((s) => s.name) };
    });
    expect(shape).toEqual({ type: 'Float32Array', length: 128 * 128 * 54, dims: [128, 128, 54], preset: 'ct-bone', png: 'string', surfaces: ['p ≥ 0.5'] });

    const view = page.locator('vb-volume-view');
    await view.locator('canvas').waitFor({ state: 'visible', timeout: 30_000 });
    const bone = await volumePixels(page);
    const firstFrameMs = Date.now() - t0;
    await view.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(RESULTS, 'volume-view-bone.png') });
    await writeFile(join(RESULTS, 'volume-view-bone-canvas.png'), Buffer.from(bone.url.split(',')[1]!, 'base64'));
    expect(bone.stats.foreground).toBeGreaterThan(0.05);
    expect(bone.stats.shades).toBeGreaterThan(20);

    // The preset control is a labelled select: choose "CT skin" the way a user does.
    await view.getByLabel('preset').selectOption('ct-skin');
    await expect.poll(() => view.getAttribute('data-preset')).toBe('ct-skin');
    const skin = await volumePixels(page);
    await writeFile(join(RESULTS, 'volume-view-skin-canvas.png'), Buffer.from(skin.url.split(',')[1]!, 'base64'));
    const changed = changedFraction(bone.url, skin.url);
    console.log(`[e2e volume] Run all ${(runMs / 1000).toFixed(1)} s; bone: ${bone.captures} captures in ${(bone.ms / 1000).toFixed(1)} s; skin: ${skin.captures} in ${(skin.ms / 1000).toFixed(1)} s`);
    console.log(`[e2e volume] Run all → first bone frame ${(firstFrameMs / 1000).toFixed(1)} s; bone ${(bone.stats.foreground * 100).toFixed(1)}% foreground, skin ${(skin.stats.foreground * 100).toFixed(1)}%; ${(changed * 100).toFixed(1)}% of pixels changed`);
    expect(changed).toBeGreaterThan(0.05);
    // Skin is opaque at soft-tissue values: it covers more of the view than the bone does.
    expect(skin.stats.foreground).toBeGreaterThan(bone.stats.foreground);

    // The clipping plane, from its labelled slider: cutting 100 mm off the front opens the head.
    await view.getByLabel('cut from front (mm)').fill('100');
    await expect.poll(() => view.getAttribute('data-clip-planes')).toBe('1');
    const cut = await volumePixels(page);
    await writeFile(join(RESULTS, 'volume-view-skin-cut-canvas.png'), Buffer.from(cut.url.split(',')[1]!, 'base64'));
    const cutChanged = changedFraction(skin.url, cut.url);
    console.log(`[e2e volume] front cut 100 mm: ${(cutChanged * 100).toFixed(1)}% of pixels changed`);
    expect(cutChanged).toBeGreaterThan(0.02);

    // The probability overlay (a 0.5 isosurface inside the head), seen with the bone preset
    // through the cut, off from its labelled checkbox.
    await view.getByLabel('preset').selectOption('ct-bone');
    await expect.poll(() => view.getAttribute('data-preset')).toBe('ct-bone');
    expect(await view.getAttribute('data-overlay')).toBe('1');
    const withOverlay = await volumePixels(page);
    await writeFile(join(RESULTS, 'volume-view-overlay-canvas.png'), Buffer.from(withOverlay.url.split(',')[1]!, 'base64'));
    await view.getByLabel(/overlay \(p ≥ 0\.5\)/).uncheck();
    await expect.poll(() => view.getAttribute('data-overlay')).toBe('0');
    const without = await volumePixels(page);
    await writeFile(join(RESULTS, 'volume-view-overlay-off-canvas.png'), Buffer.from(without.url.split(',')[1]!, 'base64'));
    const overlayChanged = changedFraction(withOverlay.url, without.url);
    console.log(`[e2e volume] overlay off: ${(overlayChanged * 100).toFixed(1)}% of pixels changed`);
    expect(overlayChanged).toBeGreaterThan(0.003);
  }, 150_000);

  it('asked nothing outside the app and logged no errors', async () => {
    expect(app.outsideRequests).toEqual([]);
    expect(app.errors).toEqual([]);
    expect(await app.cspViolations()).toEqual([]);
  });
});
