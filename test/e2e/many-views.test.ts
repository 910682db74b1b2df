/**
 * Many 3-D views on one page (issue 15): test/e2e/fixtures/many-views.nb.ts exported to HTML
 * has twenty `<vb-mesh-view>`s, more than the 16 live WebGL contexts Chromium keeps a page.
 * Every WebGL context the page makes is counted by an init script (made, lost, released by
 * `WEBGL_lose_context`, live now, most live at once), independently of the budget's own counters.
 *
 * - Scrolling through the page draws every view, with never more than 8 contexts live and no
 *   context lost by the browser.
 * - A view rotated by a drag, scrolled away (released: its last frame shown as an image) and
 *   back comes back live with the same camera and the same pixels.
 * - A viewport tall enough to see all twenty: exactly 8 live, 12 showing their last frames.
 * - Control, budget raised to 20: Chromium drops the oldest contexts itself; the views it drops
 *   show their last frame and a note, and a click draws them again.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode } from 'fast-png';
import { tempDir, voxbook } from '../cli/helpers.ts';
import { CHROMIUM, CHROMIUM_ARGS, REPO_ROOT } from './harness.ts';

const FIXTURE = join(REPO_ROOT, 'test/e2e/fixtures/many-views.nb.ts');
const SHOTS = join(REPO_ROOT, 'test-results');
const VIEWS = 20;
const BUDGET = 8;

interface GlCount { made: number; live: number; peak: number; released: number; lostByBrowser: number }
interface BudgetStats { max: number; views: number; live: number; peak: number; wakes: number; sleeps: number; lost: number }
interface Camera { position: number[]; focalPoint: number[]; viewUp: number[] }
type MeshView = HTMLElement & { capture(): Promise<string>; camera: Camera | undefined };
type Win = Window & { __views(): MeshView[]; __gl: GlCount; __voxbookGlBudget?: BudgetStats; __voxbookGlMax?: number };

/**
 * Counts the page's WebGL contexts (before any page script runs). Live: made and not lost now
 * (`isContextLost()`, checked whenever a context is made or the count is read — the
 * `webglcontextlost` event itself comes a task later); released: lost through `WEBGL_lose_context`;
 * lost by the browser: a `webglcontextlost` event on a context nobody released.
 */
function instrument(): void {
  const w = window as unknown as Win;
  const all: WebGLRenderingContext[] = [];
  const count = { made: 0, peak: 0, released: 0, lostByBrowser: 0 } as GlCount;
  Object.defineProperty(count, 'live', { enumerable: true, get: () => all.filter((gl) => !gl.isContextLost()).length });
  w.__gl = count;
  const released = new WeakSet<object>();
  const getContext = HTMLCanvasElement.prototype.getContext as (this: HTMLCanvasElement, type: string, options?: unknown) => unknown;
  const counted = new WeakSet<object>();
  (HTMLCanvasElement.prototype as unknown as { getContext: typeof getContext }).getContext = function (type, options) {
    const ctx = getContext.call(this, type, options) as WebGLRenderingContext | null;
    if (ctx && /webgl/.test(type) && !counted.has(ctx)) {
      counted.add(ctx);
      all.push(ctx);
      count.made++;
      count.peak = Math.max(count.peak, count.live);
      this.addEventListener('webglcontextlost', () => {
        if (!released.has(ctx)) count.lostByBrowser++;
      });
    }
    return ctx;
  };
  for (const proto of [WebGLRenderingContext.prototype, WebGL2RenderingContext.prototype]) {
    const getExtension = proto.getExtension as (this: WebGLRenderingContext, name: string) => unknown;
    (proto as unknown as { getExtension: typeof getExtension }).getExtension = function (name) {
      const ext = getExtension.call(this, name) as { loseContext(): void; __counted?: boolean } | null;
      if (ext && name === 'WEBGL_lose_context' && !ext.__counted) {
        const lose = ext.loseContext.bind(ext);
        const gl = this;
        ext.loseContext = () => {
          released.add(gl);
          count.released++;
          lose();
        };
        ext.__counted = true;
      }
      return ext;
    };
  }
  w.__views = () => {
    const found: MeshView[] = [];
    const walk = (root: ParentNode) => {
      for (const el of root.querySelectorAll('*')) {
        if (el.localName === 'vb-mesh-view') found.push(el as MeshView);
        if (el.shadowRoot) walk(el.shadowRoot);
      }
    };
    walk(document);
    return found;
  };
}

interface Png { width: number; height: number; channels: number; data: Uint8Array | Uint8ClampedArray | Uint16Array }

function png(url: string): Png {
  return decode(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64')) as Png;
}

/** Pixels not the views' dark grey background (32, 35, 40). */
function drawn(p: Png): number {
  let n = 0;
  for (let i = 0; i < p.width * p.height; i++) {
    const o = i * p.channels;
    if (Math.abs(p.data[o]! - 32) + Math.abs(p.data[o + 1]! - 35) + Math.abs(p.data[o + 2]! - 40) > 24) n++;
  }
  return n;
}

/** Pixels whose colour differs by more than 30 (sum over RGB) between two images of one size. */
function differing(a: Png, b: Png): number {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let n = 0;
  for (let i = 0; i < a.width * a.height; i++) {
    let d = 0;
    for (let c = 0; c < 3; c++) d += Math.abs(a.data[i * a.channels + c]! - b.data[i * b.channels + c]!);
    if (d > 30) n++;
  }
  return n;
}

const glCount = (page: Page) => page.evaluate(() => JSON.parse(JSON.stringify((window as unknown as Win).__gl)) as GlCount);
const budget = (page: Page) => page.evaluate(() => ({ ...(window as unknown as Win).__voxbookGlBudget! }));
const states = (page: Page) => page.evaluate(() => (window as unknown as Win).__views().map((v) => v.dataset['gl'] ?? ''));

async function scrollTo(page: Page, index: number): Promise<void> {
  await page.evaluate((i) => (window as unknown as Win).__views()[i]!.scrollIntoView({ block: 'center' }), index);
}

async function waitLive(page: Page, index: number): Promise<void> {
  await page.waitForFunction((i) => {
    const v = (window as unknown as Win).__views()[i];
    return v?.dataset['gl'] === 'live' && v.dataset['renderedAt'] !== undefined;
  }, index, { timeout: 20_000 });
}

async function open(browser: Browser, html: string, glMax?: number): Promise<{ page: Page; errors: string[]; warnings: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
  const errors: string[] = [];
  const warnings: string[] = [];
  await page.addInitScript(instrument);
  if (glMax !== undefined) await page.addInitScript((n) => ((window as unknown as Win).__voxbookGlMax = n), glMax);
  page.on('pageerror', (e) => errors.push(`${e.name}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
    if (/webgl|context/i.test(m.text())) warnings.push(`${m.type()}: ${m.text()}`);
  });
  await page.goto(pathToFileURL(html).href);
  await page.evaluate(() => (window as unknown as { __voxbookStatic: { ready: Promise<void> } }).__voxbookStatic.ready);
  await page.waitForFunction((n) => (window as unknown as Win).__views().length === n, VIEWS);
  return { page, errors, warnings };
}

describe('twenty 3-D views on one page share at most 8 WebGL contexts', () => {
  let browser: Browser;
  let html: string;

  beforeAll(async () => {
    const out = tempDir();
    const run = await voxbook(['run', FIXTURE, '--out', out, '--html', '--cache', tempDir('vb-cache-'), '--quiet'], { killAfterMs: 150_000 });
    expect(run.code, run.stderr).toBe(0);
    html = join(out, 'many-views.html');
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 200_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('draws every view while scrolling, never more than 8 live, none lost; a view scrolled back keeps its camera', async () => {
    const { page, errors, warnings } = await open(browser, html);
    const t0 = Date.now();
    const pixels: number[] = [];
    const liveSeen: number[] = [];
    for (let i = 0; i < VIEWS; i++) {
      await scrollTo(page, i);
      await waitLive(page, i);
      pixels.push(drawn(png(await page.evaluate((k) => (window as unknown as Win).__views()[k]!.capture(), i))));
      liveSeen.push((await glCount(page)).live);
    }
    const scrollMs = Date.now() - t0;
    const afterScroll = { gl: await glCount(page), budget: await budget(page), states: await states(page) };
    console.log('many views: scrolled', JSON.stringify({ scrollMs, pixels, liveSeen, ...afterScroll }));
    for (const p of pixels) expect(p).toBeGreaterThan(2000); // each ball covers thousands of pixels
    expect(afterScroll.gl.peak).toBeLessThanOrEqual(BUDGET);
    expect(Math.max(...liveSeen)).toBeLessThanOrEqual(BUDGET);
    expect(afterScroll.gl.made).toBeGreaterThanOrEqual(VIEWS);
    expect(afterScroll.gl.lostByBrowser).toBe(0);
    expect(afterScroll.gl.released).toBe(afterScroll.budget.sleeps);
    expect(afterScroll.budget.sleeps).toBeGreaterThanOrEqual(VIEWS - BUDGET);
    expect(afterScroll.budget.lost).toBe(0);
    expect(afterScroll.budget.max).toBe(BUDGET);
    // The views far above were released and show their last frames.
    expect(afterScroll.states.slice(0, 5)).toEqual(['snapshot', 'snapshot', 'snapshot', 'snapshot', 'snapshot']);
    const snapshotWidths = await page.evaluate(() => (window as unknown as Win).__views().slice(0, 5).map((v) => v.querySelector<HTMLImageElement>('img.vb-gl-snapshot')?.naturalWidth ?? 0));
    for (const w of snapshotWidths) expect(w).toBeGreaterThan(500);

    // Rotate view 3 by a drag, scroll to the end and back.
    const VIEW = 3;
    await scrollTo(page, VIEW);
    await waitLive(page, VIEW);
    const before = await page.evaluate((k) => (window as unknown as Win).__views()[k]!.camera!, VIEW);
    const shotBefore = png(await page.evaluate((k) => (window as unknown as Win).__views()[k]!.capture(), VIEW));
    const box = (await page.locator('vb-mesh-view').nth(VIEW).locator('.vb-mesh-canvas').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    for (let s = 1; s <= 10; s++) await page.mouse.move(box.x + box.width / 2 + 18 * s, box.y + box.height / 2 + 6 * s);
    await page.mouse.up();
    const turned = await page.evaluate((k) => (window as unknown as Win).__views()[k]!.camera!, VIEW);
    const shotTurned = png(await page.evaluate((k) => (window as unknown as Win).__views()[k]!.capture(), VIEW));
    const moved = Math.hypot(...turned.position.map((p, i) => p - before.position[i]!));
    for (let i = VIEW + 1; i < VIEWS; i++) {
      await scrollTo(page, i);
      await waitLive(page, i);
    }
    await page.waitForFunction((k) => (window as unknown as Win).__views()[k]!.dataset['gl'] === 'snapshot', VIEW);
    const remembered = await page.evaluate((k) => (window as unknown as Win).__views()[k]!.camera!, VIEW);
    await scrollTo(page, VIEW);
    await waitLive(page, VIEW);
    const back = await page.evaluate((k) => (window as unknown as Win).__views()[k]!.camera!, VIEW);
    const shotBack = png(await page.evaluate((k) => (window as unknown as Win).__views()[k]!.capture(), VIEW));
    const changed = differing(shotTurned, shotBack);
    const turnChanged = differing(shotBefore, shotTurned);
    await page.locator('vb-mesh-view').nth(VIEW).screenshot({ path: join(SHOTS, 'many-views-restored.png') });
    console.log('many views: camera', JSON.stringify({ before, turned, back, movedMm: moved, pixelsChangedByTurn: turnChanged, pixelsChanged: changed, drawn: drawn(shotBack) }));
    expect(moved).toBeGreaterThan(5); // the drag turned the camera…
    expect(turnChanged).toBeGreaterThan(0.01 * shotBack.width * shotBack.height); // …and the picture
    for (const k of ['position', 'focalPoint', 'viewUp'] as const) {
      remembered[k].forEach((v, i) => expect(v).toBeCloseTo(turned[k][i]!, 9));
      back[k].forEach((v, i) => expect(v).toBeCloseTo(turned[k][i]!, 9));
    }
    expect(changed).toBeLessThan(0.002 * shotBack.width * shotBack.height);
    expect(drawn(shotBack)).toBeGreaterThan(2000);

    const end = { gl: await glCount(page), budget: await budget(page) };
    console.log('many views: end', JSON.stringify(end), 'warnings', JSON.stringify(warnings));
    expect(end.gl.peak).toBeLessThanOrEqual(BUDGET);
    expect(end.gl.lostByBrowser).toBe(0);
    expect(warnings.filter((w) => /too many active webgl contexts|context lost/i.test(w))).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);

  it('with all twenty in view, exactly 8 are live and 12 show their last frames', async () => {
    const { page, errors } = await open(browser, html);
    for (let i = 0; i < VIEWS; i += 2) {
      await scrollTo(page, i);
      await waitLive(page, i);
    }
    await page.evaluate(() => window.scrollTo(0, 0));
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: 1000, height: Math.min(16_000, height) });
    // The resize brings ~15 views into sight: the budget releases some and wakes others, each a
    // capture or a new context (slow in SwiftShader on a busy machine). Polled until the swap
    // has settled, not read after a fixed sleep.
    await expect.poll(async () => {
      const st = await states(page);
      return { live: st.filter((x) => x === 'live').length, snapshot: st.filter((x) => x === 'snapshot').length, contexts: (await glCount(page)).live };
    }, { timeout: 60_000 }).toEqual({ live: BUDGET, snapshot: VIEWS - BUDGET, contexts: BUDGET });
    const s = await states(page);
    const gl = await glCount(page);
    const stats = await budget(page);
    console.log('many views: all in view', JSON.stringify({ height, states: s, gl, stats }));
    expect(gl.peak).toBeLessThanOrEqual(BUDGET);
    expect(gl.lostByBrowser).toBe(0);
    await page.setViewportSize({ width: 1000, height: 1500 });
    await scrollTo(page, 2);
    await waitLive(page, 2);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(SHOTS, 'many-views.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);

  it('control: a budget of 20 lets Chromium drop contexts; dropped views keep a frame and a note, and a click redraws them', async () => {
    const { page } = await open(browser, html, VIEWS);
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: 1000, height: Math.min(16_000, height) });
    // Every view is made; Chromium keeps 16 live and loses the oldest.
    await page.waitForFunction(() => (window as unknown as Win).__gl.made >= 20 && (window as unknown as Win).__gl.lostByBrowser > 0, undefined, { timeout: 60_000 });
    await page.waitForTimeout(1000);
    const gl = await glCount(page);
    const stats = await budget(page);
    const s = await states(page);
    const lostIndex = s.indexOf('lost');
    const note = lostIndex < 0 ? '' : await page.evaluate((k) => (window as unknown as Win).__views()[k]!.querySelector('.vb-gl-note')?.textContent ?? '', lostIndex);
    console.log('many views: budget 20', JSON.stringify({ gl, stats, states: s }));
    expect(gl.peak).toBeGreaterThanOrEqual(16);
    expect(gl.live).toBeLessThanOrEqual(16);
    expect(gl.lostByBrowser).toBeGreaterThanOrEqual(4);
    expect(stats.lost).toBe(gl.lostByBrowser);
    expect(lostIndex).toBeGreaterThanOrEqual(0);
    expect(note).toMatch(/click to draw it again/);
    await page.setViewportSize({ width: 1000, height: 900 });
    await scrollTo(page, lostIndex);
    await page.locator('vb-mesh-view').nth(lostIndex).screenshot({ path: join(SHOTS, 'many-views-lost.png') });
    await page.locator('vb-mesh-view').nth(lostIndex).locator('.vb-mesh-canvas').click();
    await waitLive(page, lostIndex);
    const redrawn = drawn(png(await page.evaluate((k) => (window as unknown as Win).__views()[k]!.capture(), lostIndex)));
    expect(redrawn).toBeGreaterThan(2000);
    writeFileSync(join(SHOTS, 'many-views-control.json'), JSON.stringify({ gl, stats, states: s }, null, 1));
    await page.close();
  }, 240_000);
});
