/**
 * The transfer-function editor inside `<vb-volume-view>`, on the real head CT
 * (test/e2e/fixtures/volume-view.nb.ts: 2× downsampled, CT bone preset) in chromium (SwiftShader
 * WebGL2). A point dragged with the mouse, moved with the keyboard, recoloured, added and
 * removed changes the view's `transfer` by the expected numbers and the ray-cast pixels; the
 * level slider moves the edited function; a preset change drops the edits. The exported page
 * (offline, under its CSP) has the same editor, and a keyboard edit there redraws.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { decode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePreset, type TransferFunction } from '../../cells/viz/volume-presets.ts';
import { tempDir, voxbook } from '../cli/helpers.ts';
import { changedFraction, REPO_ROOT, captureFirstView, openOffline, pixelStats, startApp, type AppHarness, openApp, expectSample } from './harness.ts';

const FIXTURE = new URL('./fixtures/volume-view.nb.ts', import.meta.url);
const FIXTURE_PATH = 'test/e2e/fixtures/volume-view.nb.ts';
const RESULTS = join(REPO_ROOT, 'test-results');

/** The view's pixels once it has drawn something (the first frames come after the texture upload). */
async function volumePixels(page: Page): Promise<string> {
  let url = await captureFirstView(page, 'vb-volume-view');
  for (let tries = 1; tries < 40 && pixelStats(url).foreground < 0.03; tries++) {
    await page.waitForTimeout(250);
    url = await captureFirstView(page, 'vb-volume-view');
  }
  return url;
}

function rgba(url: string): { data: ArrayLike<number>; channels: number; width: number; height: number } {
  return decode(Buffer.from(url.split(',')[1]!, 'base64'));
}

/** Mean blue minus red (−255..255) over pixels brighter than 40 in some channel. */
function blueness(url: string): number {
  const png = rgba(url);
  let sum = 0, n = 0;
  for (let p = 0; p < png.width * png.height; p++) {
    const r = png.data[png.channels * p]!, g = png.data[png.channels * p + 1]!, b = png.data[png.channels * p + 2]!;
    if (Math.max(r, g, b) <= 40) continue;
    sum += b - r;
    n++;
  }
  return n ? sum / n : 0;
}

const transferOf = (view: Locator) => view.evaluate((el) => (el as unknown as { transfer: TransferFunction }).transfer);

/** The opacity point nearest `value`. */
function pointNear(tf: TransferFunction, value: number): readonly [number, number] {
  return tf.opacity.reduce((best, p) => (Math.abs(p[0] - value) < Math.abs(best[0] - value) ? p : best));
}

describe('app: the transfer-function editor of volumeView on the real CT', () => {
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

  it('drags, moves by keyboard, recolours, adds and removes points; the level slider and presets combine as documented', async () => {
    const { page } = app;
    await page.getByRole('button', { name: 'Run all' }).click();
    await page.waitForFunction(() => window.__voxbook!.state()?.phase === 'running', undefined, { timeout: 10_000 });
    await page.waitForFunction(() => window.__voxbook!.state()?.phase !== 'running', undefined, { timeout: 90_000, polling: 200 });
    const view = page.locator('vb-volume-view');
    const editor = view.locator('vb-transfer-editor');
    await view.locator('canvas').waitFor({ state: 'visible', timeout: 30_000 });
    const bone = await volumePixels(page);

    // The preset's 6 opacity and 5 colour points, on the union of their values: 9 points.
    await expect.poll(() => editor.getAttribute('data-points')).toBe('9');
    const preset = resolvePreset('ct-bone', [-1024, 3071]);
    expect(await transferOf(view)).toEqual(JSON.parse(JSON.stringify(preset)));
    const histogramMs = Number(await editor.getAttribute('data-histogram-ms'));
    expect(await editor.locator('.vb-tf-histogram').count()).toBe(1);
    const labels = await editor.getByRole('slider').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
    console.log(`[e2e transfer] histogram of 884,736 voxels: ${histogramMs} ms; points: ${labels.join(' | ')}`);
    expect(labels).toContain('opacity point at 140 HU, 0.00');
    expect(labels).toContain('opacity point at 1200 HU, 0.80');

    // The level slider moves the preset: every point +100 HU.
    await view.getByLabel(/level shift/).fill('100');
    await expect.poll(async () => (await transferOf(view)).opacity[1]![0]).toBeCloseTo(240, 9);
    await editor.getByRole('slider', { name: 'opacity point at 240 HU, 0.00' }).waitFor();

    // Drag that point to (−300 HU, 0.15): the pixel of that place from the plot's box and axis.
    const domain = await editor.evaluate((el) => (el as unknown as { domain: [number, number] }).domain);
    const plot = await editor.locator('.vb-tf-plot').evaluate((r) => {
      const b = r.getBoundingClientRect();
      return { x: b.left, y: b.top, w: b.width, h: b.height };
    });
    const perPixel = (domain[1] - domain[0]) / plot.w;
    const target = { x: plot.x + ((-300 - domain[0]) / (domain[1] - domain[0])) * plot.w, y: plot.y + (1 - 0.15) * plot.h };
    const handle = await editor.getByRole('slider', { name: 'opacity point at 240 HU, 0.00' }).boundingBox();
    await page.mouse.move(handle!.x + handle!.width / 2, handle!.y + handle!.height / 2);
    await page.mouse.down();
    await page.mouse.move(target.x, target.y, { steps: 8 });
    await page.mouse.up();
    const dragged = await transferOf(view);
    const moved = pointNear(dragged, -300);
    console.log(`[e2e transfer] domain ${domain.join('..')} HU over ${plot.w.toFixed(0)} px (${perPixel.toFixed(2)} HU/px); dragged to (${moved[0].toFixed(1)} HU, ${moved[1].toFixed(3)})`);
    expect(Math.abs(moved[0] - -300)).toBeLessThan(1.5 * perPixel);
    expect(Math.abs(moved[1] - 0.15)).toBeLessThan(1.5 / plot.h);
    // The window is baked into the edited function: the other points stay +100 HU, the slider is back at 0.
    expect(pointNear(dragged, 320)).toEqual([320, 0.12]);
    expect(pointNear(dragged, 1300)).toEqual([1300, 0.8]);
    expect(await view.getByLabel(/level shift/).inputValue()).toBe('0');
    const soft = await volumePixels(page);
    await writeFile(join(RESULTS, 'transfer-editor-dragged-canvas.png'), Buffer.from(soft.split(',')[1]!, 'base64'));
    const dragChanged = changedFraction(bone, soft);
    console.log(`[e2e transfer] drag: ${(dragChanged * 100).toFixed(1)}% of pixels changed; foreground ${(pixelStats(bone).foreground * 100).toFixed(1)}% → ${(pixelStats(soft).foreground * 100).toFixed(1)}%`);
    expect(dragChanged).toBeGreaterThan(0.05);
    // Soft tissue now has opacity: the head covers more of the view than the skull did.
    expect(pixelStats(soft).foreground).toBeGreaterThan(pixelStats(bone).foreground + 0.01);

    // Keyboard: focus the 1300 HU point, ↑ three times (+0.03), Shift+← once (−200 HU).
    const point = editor.getByRole('slider', { name: 'opacity point at 1300 HU, 0.80' });
    await point.focus();
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Shift+ArrowLeft');
    await editor.getByRole('slider', { name: 'opacity point at 1100 HU, 0.83' }).waitFor({ timeout: 5_000 });
    expect(await page.evaluate(() => {
      const find = (root: Document | ShadowRoot): Element | null => root.activeElement?.shadowRoot ? find(root.activeElement.shadowRoot) : root.activeElement;
      return find(document)?.getAttribute('aria-label');
    })).toBe('opacity point at 1100 HU, 0.83');
    const keyed = pointNear(await transferOf(view), 1100);
    expect(keyed[0]).toBeCloseTo(1100, 9);
    expect(keyed[1]).toBeCloseTo(0.83, 9);

    await view.scrollIntoViewIfNeeded();
    await view.screenshot({ path: join(RESULTS, 'transfer-editor.png') });

    // The soft-tissue point (the dragged one, second from the left) in blue, from the labelled colour input: the head turns blue.
    await editor.getByRole('slider').nth(1).focus();
    await editor.getByLabel('point colour').fill('#0000ff');
    const recoloured = await transferOf(view);
    expect(recoloured.color.find((c) => c[0] === moved[0])).toEqual([moved[0], 0, 0, 1]);
    const blue = await volumePixels(page);
    await writeFile(join(RESULTS, 'transfer-editor-blue-canvas.png'), Buffer.from(blue.split(',')[1]!, 'base64'));
    console.log(`[e2e transfer] blue point: mean blue − red ${blueness(soft).toFixed(1)} → ${blueness(blue).toFixed(1)}`);
    expect(blueness(blue)).toBeGreaterThan(blueness(soft) + 20);

    // Double-click in the plot at (2000 HU, 0.5) adds a point there; Delete removes it, and the function is as before.
    const beforeAdd = await transferOf(view);
    await page.mouse.dblclick(plot.x + ((2000 - domain[0]) / (domain[1] - domain[0])) * plot.w, plot.y + 0.5 * plot.h);
    await expect.poll(() => editor.getAttribute('data-points')).toBe('10');
    const added = pointNear(await transferOf(view), 2000);
    expect(Math.abs(added[0] - 2000)).toBeLessThan(1.5 * perPixel);
    expect(Math.abs(added[1] - 0.5)).toBeLessThan(1.5 / plot.h);
    await page.keyboard.press('Delete');
    await expect.poll(() => editor.getAttribute('data-points')).toBe('9');
    expect(await transferOf(view)).toEqual(beforeAdd);

    // The level slider moves the edited function (−50 HU), not the preset.
    await view.getByLabel(/level shift/).fill('-50');
    await expect.poll(async () => pointNear(await transferOf(view), 1050)[0]).toBeCloseTo(1050, 9);
    expect(pointNear(await transferOf(view), -350)[1]).toBeCloseTo(moved[1], 9);

    // A preset change drops the edits; back to bone, the preset's own function.
    await view.getByLabel('preset').selectOption('ct-skin');
    await expect.poll(() => view.getAttribute('data-preset')).toBe('ct-skin');
    await view.getByLabel('preset').selectOption('ct-bone');
    await expect.poll(() => view.getAttribute('data-preset')).toBe('ct-bone');
    expect(await transferOf(view)).toEqual(JSON.parse(JSON.stringify(preset)));
    await editor.getByRole('slider', { name: 'opacity point at 140 HU, 0.00' }).waitFor({ timeout: 5_000 });
  }, 180_000);

  it('asked nothing outside the app and logged no errors', async () => {
    expect(app.outsideRequests).toEqual([]);
    expect(app.errors).toEqual([]);
    expect(await app.cspViolations()).toEqual([]);
  });
});

describe('the exported page has the transfer-function editor', () => {
  let app: AppHarness;
  const out = tempDir();

  beforeAll(async () => {
    expectSample('Cranium.inv3');
    const run = await voxbook(['run', FIXTURE_PATH, '--out', out, '--html', '--quiet'], { killAfterMs: 170_000 });
    expect(run.code, run.stderr).toBe(0);
    app = await startApp();
  }, 240_000);

  afterAll(async () => {
    await app?.close();
  });

  it('shows the preset over the histogram, and Shift+↑ on a point raises its opacity and redraws', async () => {
    const { page, refused, errors } = await openOffline(app.context, join(out, 'volume-view.html'));
    try {
      const view = page.locator('vb-volume-view');
      const editor = view.locator('vb-transfer-editor');
      await expect.poll(() => view.getAttribute('data-preset'), { timeout: 30_000 }).toBe('ct-bone');
      await expect.poll(() => editor.getAttribute('data-points')).toBe('9');
      expect(await editor.locator('.vb-tf-histogram').count()).toBe(1);
      const drawn = await view.getAttribute('data-rendered-at');
      expect(drawn).not.toBeNull();
      await editor.getByRole('slider', { name: 'opacity point at 1200 HU, 0.80' }).focus();
      await page.keyboard.press('Shift+ArrowUp');
      await editor.getByRole('slider', { name: 'opacity point at 1200 HU, 0.90' }).waitFor({ timeout: 5_000 });
      expect(pointNear(await transferOf(view), 1200)).toEqual([1200, 0.9]);
      await expect.poll(() => view.getAttribute('data-rendered-at'), { timeout: 30_000 }).not.toBe(drawn);
      expect(refused).toEqual([]);
      expect(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations)).toEqual([]);
      expect(errors.filter((e) => !/GL Driver Message|GPU stall/.test(e))).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);
});
