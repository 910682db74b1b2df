/**
 * Plots and compareView in the app: test/e2e/fixtures/plots.nb.ts on the real head CT. Every
 * plot reaches the page as a sanitised SVG with its marks and draws non-blank pixels;
 * compareView's PNG shows both outlines and the overlap, its caption carries the Dice and HD95
 * that `compareMasks` gives in Node, and the axial-slice slider, moved with the keyboard,
 * re-draws it at the next slice. The page logged no errors and asked nothing outside the app.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInput, threshold, compareMasks } from '../../index.ts';
import { REPO_ROOT, pixelStats, type AppHarness, openApp, expectSample } from './harness.ts';

const FIXTURE = new URL('./fixtures/plots.nb.ts', import.meta.url);
const FIXTURE_PATH = 'test/e2e/fixtures/plots.nb.ts';
const RESULTS = join(REPO_ROOT, 'test-results');

const cell = (id: string) => `section[data-cell-id="${id}"]`;
const dataUrl = (png: Buffer) => `data:image/png;base64,${png.toString('base64')}`;

/** Pixels of exactly `rgb` in a PNG data URL. */
function countColour(url: string, rgb: readonly number[]): number {
  const png = decode(Buffer.from(url.split(',')[1]!, 'base64'));
  let n = 0;
  for (let p = 0; p < png.width * png.height; p++) {
    const o = p * png.channels;
    if (png.data[o] === rgb[0] && png.data[o + 1] === rgb[1] && png.data[o + 2] === rgb[2]) n++;
  }
  return n;
}

describe('app: plots and compareView on the real CT', () => {
  let app: AppHarness;
  let expected: { dice: number; hd95Mm: number };

  beforeAll(async () => {
    expectSample('Cranium.inv3');
    await mkdir(RESULTS, { recursive: true });
    // The numbers the caption must show, from the metric function in Node.
    const ct = await loadInput('ct-head-0051');
    expected = compareMasks(threshold(ct, { minHu: 226, maxHu: 3071 }), threshold(ct, { minHu: 400, maxHu: 3071 }));
    app = await openApp();
    const text = await readFile(FIXTURE, 'utf8');
    await app.page.evaluate(([t, p]) => window.__voxbook!.open(t!, p!), [text, FIXTURE_PATH]);
    await app.page.waitForFunction(() => window.__voxbook!.state()?.cells.some((c) => c.id === 'curves'), undefined, { timeout: 10_000 });
  }, 180_000);

  afterAll(async () => {
    await app?.close();
  });

  it('runs the notebook: compareView shows both outlines and the overlap, with the Node metrics in its caption', async () => {
    const { page } = app;
    const t0 = Date.now();
    await page.getByRole('button', { name: 'Run all' }).click();
    await page.waitForFunction(() => window.__voxbook!.state()?.phase === 'running', undefined, { timeout: 10_000 });
    await page.waitForFunction(() => window.__voxbook!.state()?.phase !== 'running', undefined, { timeout: 120_000, polling: 200 });
    const state = await page.evaluate(() => window.__voxbook!.state()!);
    expect(state.cells.filter((c) => c.kind === 'code' && c.status !== 'done').map((c) => `${c.id}: ${c.status} ${c.error?.message ?? ''}`)).toEqual([]);

    const figure = page.locator(`${cell('compare')} .vb-html figure`);
    await figure.waitFor({ state: 'visible', timeout: 10_000 });
    const caption = await figure.locator('figcaption').innerText();
    expect(caption).toContain(`Dice ${expected.dice.toFixed(4)} · HD95 ${expected.hd95Mm.toFixed(2)} mm`);
    expect(caption).toContain('axial k=60');
    const src = (await figure.locator('img').getAttribute('src'))!;
    const stats = pixelStats(src);
    const orange = countColour(src, [230, 159, 0]), sky = countColour(src, [86, 180, 233]);
    console.log(`[e2e plots] Run all ${((Date.now() - t0) / 1000).toFixed(1)} s; compareView ${stats.width}×${stats.height}, ${(stats.foreground * 100).toFixed(1)}% not black, ${orange} orange and ${sky} sky-blue outline pixels; ${caption.split('\n')[0]}`);
    expect([stats.width, stats.height]).toEqual([256 * 3 + 8, 256]);
    expect(stats.foreground).toBeGreaterThan(0.3);
    expect(stats.shades).toBeGreaterThan(16); // more than the 16 greys of 4-bit quantisation: colour is drawn
    expect(orange).toBeGreaterThan(500);
    expect(sky).toBeGreaterThan(500);
    await figure.scrollIntoViewIfNeeded();
    await figure.screenshot({ path: join(RESULTS, 'compare-view.png') });
  }, 180_000);

  it('draws every plot as an SVG with its marks and non-blank pixels', async () => {
    const { page } = app;
    const svg = (id: string) => page.locator(`${cell(id)} .vb-svg svg`).first();
    // Marks as the views name them (aria-description survives the sanitiser).
    expect(await svg('bars').locator('g[aria-description="mean"] rect').count()).toBe(3);
    expect(await svg('bars').locator('g[aria-description="error bar"] line').count()).toBe(3);
    expect(await svg('box').locator('g[aria-description="box"] rect').count()).toBe(9);
    expect(await svg('box').locator('g[aria-description="median"] line').count()).toBe(9);
    // Two runs × (training loss, validation loss, validation Dice).
    expect(await svg('curves').locator('g[aria-description="curves"] path').count()).toBe(6);
    const profile = await svg('profile').locator('g[aria-label="line"] path').getAttribute('d');
    expect(profile!.split(/[ML]/).length).toBeGreaterThan(400); // 461 samples over 220 mm (0.48 mm apart)
    expect(await svg('histogram').locator('text', { hasText: 'minHu 226' }).count()).toBe(1);
    expect(await svg('colorbar').locator('linearGradient stop').count()).toBe(17);
    for (const id of ['profile', 'histogram', 'bars', 'box', 'curves', 'colorbar']) {
      const el = svg(id);
      await el.scrollIntoViewIfNeeded();
      const shot = await el.screenshot({ path: join(RESULTS, `plot-${id}.png`) });
      const s = pixelStats(dataUrl(shot));
      console.log(`[e2e plots] ${id}: ${s.width}×${s.height}, ${(s.foreground * 100).toFixed(1)}% drawn, ${s.shades} shades`);
      expect(s.foreground, id).toBeGreaterThan(0.02);
      expect(s.shades, id).toBeGreaterThan(2);
    }
  }, 60_000);

  it('the labelled axial-slice slider, moved with the keyboard, re-draws compareView at the next slice', async () => {
    const { page } = app;
    const slider = page.getByLabel('axial slice (k)');
    const before = (await page.locator(`${cell('compare')} .vb-html figure img`).getAttribute('src'))!;
    await slider.focus();
    await page.keyboard.press('ArrowRight');
    const caption = page.locator(`${cell('compare')} .vb-html figure figcaption`);
    await expect.poll(() => caption.innerText(), { timeout: 30_000 }).toContain('axial k=61');
    const after = (await page.locator(`${cell('compare')} .vb-html figure img`).getAttribute('src'))!;
    expect(after).not.toBe(before);
    // Only the axial panel (the first 256 columns) changed.
    const a = decode(Buffer.from(before.split(',')[1]!, 'base64')), b = decode(Buffer.from(after.split(',')[1]!, 'base64'));
    let axial = 0, others = 0;
    for (let y = 0; y < a.height; y++) {
      for (let x = 0; x < a.width; x++) {
        const o = (x + a.width * y) * a.channels;
        if (a.data[o] !== b.data[o] || a.data[o + 1] !== b.data[o + 1] || a.data[o + 2] !== b.data[o + 2]) {
          if (x < 256) axial++;
          else others++;
        }
      }
    }
    console.log(`[e2e plots] slice 60 → 61: ${axial} axial pixels changed, ${others} elsewhere`);
    expect(axial).toBeGreaterThan(1000);
    expect(others).toBe(0);
    await writeFile(join(RESULTS, 'compare-view-k61.png'), Buffer.from(after.split(',')[1]!, 'base64'));
  }, 60_000);

  it('asked nothing outside the app and logged no errors', async () => {
    expect(app.outsideRequests).toEqual([]);
    expect(app.errors).toEqual([]);
    expect(await app.cspViolations()).toEqual([]);
  });
});
