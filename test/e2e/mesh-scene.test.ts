/**
 * `meshView(parts)` and `fourView` in Chromium, from the exported HTML opened from disk (the
 * static page draws the same `<vb-mesh-scene>` as the app): two balls of radius 10 mm at
 * x = ±20 mm (LPS), blue opaque and red translucent. The view draws both; hiding a part and
 * moving the clipping plane change the pixels; two clicks on the balls' anterior poles give 40 mm;
 * the four-view fills its four edge cells and leaves the centre black; no page errors and no
 * request leaves the page. Screenshots go to test-results/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode } from 'fast-png';
import { tempDir, voxbook, writeNotebook } from '../cli/helpers.ts';
import { CHROMIUM, CHROMIUM_ARGS, REPO_ROOT } from './harness.ts';

const NOTEBOOK = `// %% id="balls"
import { IDENTITY3, isosurface, makeVolume } from 'voxbook';
/** A ball of radius 10 mm centred at (cx, 0, 0), marching cubes on a 0.5 mm grid. */
function ball(cx: number) {
  const n = 52, h = 0.5, o = -13;
  const data = new Float32Array(n * n * n);
  for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) {
    data[i + n * (j + n * k)] = 10 - Math.hypot(o + h * i, o + h * j, o + h * k);
  }
  return isosurface(makeVolume({ data, dims: [n, n, n], spacingMm: [h, h, h], originMm: [cx + o, o, o], direction: IDENTITY3 }), { isoValue: 0 });
}
const left = ball(-20);
const right = ball(20);

// %% id="scene"
import { meshView } from 'voxbook';
meshView([{ name: 'blue ball', mesh: left, color: '#2060FF' }, { name: 'red ball', mesh: right, color: '#FF3020', opacity: 0.6 }], { name: 'two balls' })

// %% id="four"
import { fourView } from 'voxbook';
fourView([{ name: 'blue ball', mesh: left, color: '#2060FF' }, { name: 'red ball', mesh: right, color: '#FF3020' }], { name: 'pyramid' })
`;

const SHOTS = join(REPO_ROOT, 'test-results');

interface Png { width: number; height: number; channels: number; data: Uint8Array | Uint8ClampedArray | Uint16Array }

function png(url: string): Png {
  return decode(Buffer.from(url.slice('data:image/png;base64,'.length), 'base64')) as Png;
}

/** Pixels that are mostly blue, mostly red, and any not the background (the scene's dark grey). */
function census(p: Png): { blue: number; red: number; drawn: number } {
  let blue = 0, red = 0, drawn = 0;
  for (let i = 0; i < p.width * p.height; i++) {
    const r = p.data[i * p.channels]!, g = p.data[i * p.channels + 1]!, b = p.data[i * p.channels + 2]!;
    if (Math.abs(r - 32) + Math.abs(g - 35) + Math.abs(b - 40) > 24) drawn++;
    if (b > 70 && b > 1.6 * r && b > 1.3 * g) blue++;
    if (r > 70 && r > 1.6 * b && r > 1.6 * g) red++;
  }
  return { blue, red, drawn };
}

function differing(a: Png, b: Png): number {
  let n = 0;
  for (let i = 0; i < a.width * a.height; i++) {
    let d = 0;
    for (let c = 0; c < 3; c++) d += Math.abs(a.data[i * a.channels + c]! - b.data[i * b.channels + c]!);
    if (d > 30) n++;
  }
  return n;
}

type Scene = HTMLElement & {
  capture(): Promise<string>;
  captureShown(): Promise<string>;
  clientPointOf(p: [number, number, number]): { x: number; y: number };
  measurement: { distanceMm: number | undefined; points: number[][] };
};

/** Captures the `index`-th `<vb-mesh-scene>` until it is drawn (vtk.js draws after layout). */
async function capture(page: Page, index: number, drawnAtLeast = 1): Promise<Png> {
  let last: Png | undefined;
  for (let attempt = 0; attempt < 20; attempt++) {
    const url = await page.evaluate((i) => ((window as unknown as { __scenes(): Element[] }).__scenes()[i] as unknown as Scene).capture(), index);
    last = png(url);
    let drawn = 0;
    for (let p = 0; p < last.width * last.height; p++) {
      const o = p * last.channels;
      if (last.data[o]! + last.data[o + 1]! + last.data[o + 2]! > 10 && Math.abs(last.data[o]! - 32) + Math.abs(last.data[o + 1]! - 35) + Math.abs(last.data[o + 2]! - 40) > 24) drawn++;
    }
    if (drawn >= drawnAtLeast) return last;
    await page.waitForTimeout(300);
  }
  return last!;
}

describe('several meshes and the four-view, exported and drawn in Chromium', () => {
  let browser: Browser;
  let page: Page;
  const out = tempDir();
  const errors: string[] = [];
  const outside: string[] = [];
  beforeAll(async () => {
    const run = await voxbook(['run', writeNotebook(NOTEBOOK, 'balls'), '--out', out, '--html', '--cache', tempDir('vb-cache-'), '--quiet'], { killAfterMs: 120_000 });
    expect(run.code, run.stderr).toBe(0);
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    // The scenes, wherever they render (the page may put outputs in shadow roots).
    await page.addInitScript(() => {
      (window as unknown as { __scenes(): Element[] }).__scenes = () => {
        const found: Element[] = [];
        const walk = (root: ParentNode) => {
          for (const el of root.querySelectorAll('*')) {
            if (el.localName === 'vb-mesh-scene') found.push(el);
            if (el.shadowRoot) walk(el.shadowRoot);
          }
        };
        walk(document);
        return found;
      };
    });
    page.on('pageerror', (e) => errors.push(`${e.name}: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('request', (r) => { if (!/^(file|data|blob):/.test(r.url())) outside.push(r.url()); });
    await page.goto(pathToFileURL(join(out, 'balls.html')).href);
    await page.evaluate(() => (window as unknown as { __voxbookStatic: { ready: Promise<void> } }).__voxbookStatic.ready);
    await page.waitForFunction(() => {
      const s = (window as unknown as { __scenes(): Element[] }).__scenes();
      return s.length === 2 && s.every((e) => e.hasAttribute('data-rendered-at'));
    }, undefined, { timeout: 20_000 });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('draws both parts; hiding one and clipping change the image; two picks give 40 mm', async () => {
    const scene = page.locator('vb-mesh-scene').nth(0);
    await scene.scrollIntoViewIfNeeded();
    const first = await capture(page, 0, 2000);
    const c0 = census(first);
    await scene.screenshot({ path: join(SHOTS, 'mesh-scene.png') });

    await scene.getByRole('checkbox', { name: 'red ball' }).uncheck();
    const hidden = await capture(page, 0);
    const c1 = census(hidden);
    const hideChange = differing(first, hidden);
    await scene.getByRole('checkbox', { name: 'red ball' }).check();

    await scene.getByLabel('Clipping plane axis').selectOption('0');
    await scene.getByLabel('Clipping plane position (mm)').fill('20');
    const clipped = await capture(page, 0);
    const c2 = census(clipped);
    const clipChange = differing(first, clipped);
    await scene.screenshot({ path: join(SHOTS, 'mesh-scene-clipped.png') });
    await scene.getByLabel('Clipping plane axis').selectOption('none');

    await scene.getByRole('button', { name: 'Measure' }).click();
    for (const p of [[-20, -10, 0], [20, -10, 0]] as [number, number, number][]) {
      const at = await page.evaluate((q) => ((window as unknown as { __scenes(): Element[] }).__scenes()[0] as unknown as Scene).clientPointOf(q), p);
      await page.mouse.click(at.x, at.y);
    }
    const m = await page.evaluate(() => ((window as unknown as { __scenes(): Element[] }).__scenes()[0] as unknown as Scene).measurement);
    const readout = await scene.locator('output.vb-mesh-distance').textContent();
    await scene.screenshot({ path: join(SHOTS, 'mesh-scene-measured.png') });
    // The picker respects the clipping plane: with the blue ball clipped away, a click on its pole picks nothing.
    await scene.getByLabel('Clipping plane axis').selectOption('0');
    await scene.getByLabel('Clipping plane position (mm)').fill('0');
    const blue = await page.evaluate((q) => ((window as unknown as { __scenes(): Element[] }).__scenes()[0] as unknown as Scene).clientPointOf(q), [-20, -10, 0] as [number, number, number]);
    await page.mouse.click(blue.x, blue.y);
    const afterClipped = await page.evaluate(() => ((window as unknown as { __scenes(): Element[] }).__scenes()[0] as unknown as Scene).measurement);
    await scene.getByLabel('Clipping plane axis').selectOption('none');
    console.log('mesh scene', JSON.stringify({ c0, c1, hideChange, c2, clipChange, distanceMm: m.distanceMm, points: m.points, readout }));

    expect(c0.blue).toBeGreaterThan(1000);
    expect(c0.red).toBeGreaterThan(1000);
    expect(c1.red).toBeLessThan(c0.red / 20); // the red ball hidden
    expect(c1.blue).toBeGreaterThan(0.9 * c0.blue);
    expect(hideChange).toBeGreaterThan(1000);
    expect(c2.blue).toBeLessThan(c0.blue / 20); // x ≥ 20 kept: the blue ball (x ≤ −10) is cut away
    expect(clipChange).toBeGreaterThan(1000);
    expect(m.distanceMm).toBeDefined();
    expect(Math.abs(m.distanceMm! - 40)).toBeLessThan(0.5);
    expect(afterClipped.points).toHaveLength(2);
    expect(readout).toMatch(/^\s*4\d\.\d mm|^\s*39\.\d mm/);
  }, 60_000);

  it('fills the four edge cells of the four-view and leaves the centre black; exports a PNG', async () => {
    const four = page.locator('vb-mesh-scene').nth(1);
    await four.scrollIntoViewIfNeeded();
    const img = await capture(page, 1, 2000);
    const cells: number[] = [];
    const w = img.width, h = img.height;
    for (let gy = 0; gy < 3; gy++) for (let gx = 0; gx < 3; gx++) {
      let n = 0;
      for (let y = Math.ceil((gy * h) / 3); y < Math.floor(((gy + 1) * h) / 3); y++) {
        for (let x = Math.ceil((gx * w) / 3); x < Math.floor(((gx + 1) * w) / 3); x++) {
          const o = (y * w + x) * img.channels;
          if (img.data[o]! + img.data[o + 1]! + img.data[o + 2]! > 30) n++;
        }
      }
      cells.push(n);
    }
    const [download] = await Promise.all([page.waitForEvent('download'), four.getByRole('button', { name: 'Save PNG' }).click()]);
    const saved = join(SHOTS, 'four-view.png');
    await download.saveAs(saved);
    const shown = png(`data:image/png;base64,${(await import('node:fs')).readFileSync(saved).toString('base64')}`);
    console.log('four view cells (row-major, top first)', JSON.stringify(cells), 'png', shown.width, shown.height);
    // top, left, right, bottom edge cells drawn; corners and centre black.
    for (const i of [1, 3, 5, 7]) expect(cells[i]).toBeGreaterThan(500);
    for (const i of [0, 2, 4, 6, 8]) expect(cells[i]).toBe(0);
    expect(shown.width).toBe(w);
    expect(shown.height).toBe(h);
    // The saved PNG is the display's: black between the views (opaque), flipped top to bottom, so
    // its bottom cell is the anterior view that the canvas holds at the top (same pixels, mirrored rows).
    const at = (q: Png, x: number, y: number) => Array.from(q.data.slice((y * q.width + x) * q.channels, (y * q.width + x) * q.channels + 3));
    expect(at(shown, Math.floor(w / 2), Math.floor(h / 2))).toEqual([0, 0, 0]);
    expect(shown.channels === 3 || shown.data[(Math.floor(h / 2) * w + Math.floor(w / 2)) * 4 + 3] === 255).toBe(true);
    let same = 0, tested = 0;
    for (let y = 0; y < Math.floor(h / 3); y += 3) for (let x = Math.ceil(w / 3); x < Math.floor((2 * w) / 3); x += 3) {
      tested++;
      if (at(img, x, y).every((v, k) => Math.abs(v - at(shown, x, h - 1 - y)[k]!) <= 2)) same++;
    }
    expect(same / tested).toBeGreaterThan(0.98);
    expect(errors).toEqual([]);
    expect(outside).toEqual([]);
    writeFileSync(join(SHOTS, 'four-view-canvas.png'), Buffer.from((await page.evaluate(() => ((window as unknown as { __scenes(): Element[] }).__scenes()[1] as unknown as Scene).capture())).slice(22), 'base64'));
  }, 60_000);
});
