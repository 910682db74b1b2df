/**
 * End to end, in Chromium: a line profile picked in the planes view of the real head CT
 * (fixture test/e2e/fixtures/planes-ct.nb.ts). With the "Profile" toggle pressed (from the
 * keyboard), a drag across the skull in the axial plane draws the line and a chart appears; the
 * profile's length is the picked distance, its maximum is bone, and its values are those of
 * `lineProfile` computed in Node for the same ends (the one sampler, cells/viz/line-sample.ts).
 * Two clicks pick the same line; Escape clears it.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInv3 } from '../../cells/io/inv3.ts';
import { indexToWorld, type Vec3 } from '../../cells/core/volume.ts';
import { lineProfile } from '../../cells/viz/line-profile.ts';
import { REPO_ROOT, type AppHarness, openApp, expectSample } from './harness.ts';
import { drawn, openAndRun } from './planes-page.ts';

const RESULTS = join(REPO_ROOT, 'test-results');



/** The page coordinates of voxel `index`'s pixel centre in the axial plane. */
function at(view: Locator, index: Vec3): Promise<{ x: number; y: number }> {
  return view.evaluate((el, i) => (el as unknown as { clientPoint(p: string, i: number[]): { x: number; y: number } }).clientPoint('axial', i), index as unknown as number[]);
}

interface Picked {
  fromMm: number[];
  toMm: number[];
  lengthMm: number;
  values: number[];
}
function picked(view: Locator): Promise<Picked | null> {
  return view.evaluate((el) => {
    const p = (el as unknown as { profile?: { fromMm: number[]; toMm: number[]; lengthMm: number; values: Float64Array } }).profile;
    return p ? { fromMm: [...p.fromMm], toMm: [...p.toMm], lengthMm: p.lengthMm, values: Array.from(p.values) } : null;
  });
}

describe('app: a line profile picked in the planes view of the real CT', () => {
  let app: AppHarness;

  beforeAll(async () => {
    expectSample('Cranium.inv3');
    await mkdir(RESULTS, { recursive: true });
    app = await openApp();
  }, 180_000);

  afterAll(async () => {
    await app?.close();
  });

  it('a drag across the skull in the axial plane: chart, length, bone maximum, the values of lineProfile in Node; two clicks; Escape', async () => {
    const { page } = app;
    await openAndRun(page, 'test/e2e/fixtures/planes-ct.nb.ts');
    const view = page.locator('vb-planes-view');
    await view.locator('canvas[data-plane="axial"]').waitFor({ state: 'visible', timeout: 30_000 });
    await drawn(view, '128,128,54');
    await view.scrollIntoViewIfNeeded();

    // The toggle, reached and pressed from the keyboard.
    const toggle = view.getByRole('button', { name: 'Profile' });
    await toggle.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('true');

    // Right to left across the head on axial slice 54, through the skull on both sides.
    const ct = await loadInv3(join(REPO_ROOT, 'data', 'Cranium.inv3'));
    const A: Vec3 = [12, 128, 54], B: Vec3 = [243, 110, 54];
    const a = await at(view, A), b = await at(view, B);
    await page.mouse.move(a.x, a.y);
    await page.mouse.down();
    await page.mouse.move(b.x, b.y, { steps: 10 });
    await page.mouse.up();
    const chart = view.locator('.vb-planes-profile');
    await chart.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await view.getAttribute('data-cursor')).toBe('128,128,54'); // profiling leaves the crosshair alone
    const p = (await picked(view))!;

    const wa = indexToWorld(ct, ...A), wb = indexToWorld(ct, ...B);
    const distance = Math.hypot(wb[0] - wa[0], wb[1] - wa[1], wb[2] - wa[2]);
    const pixelMm = Math.max(ct.spacingMm[0], ct.spacingMm[1]);
    const node = lineProfile(ct, p.fromMm as unknown as Vec3, p.toMm as unknown as Vec3).value;
    const worst = p.values.reduce((m, v, s) => Math.max(m, Math.abs(v - node.values[s]!) / Math.max(1, Math.abs(node.values[s]!))), 0);
    const max = Math.max(...p.values.filter((v) => !Number.isNaN(v)));
    const readout = (await view.locator('.vb-planes-profile-readout').textContent())!.replace(/\s+/g, ' ');
    console.log(`[e2e profile] picked ${distance.toFixed(2)} mm (voxel ${A.join(',')} → ${B.join(',')}), profile ${p.lengthMm.toFixed(2)} mm, ${p.values.length} samples; max ${max.toFixed(0)} HU; worst relative difference to Node ${worst.toExponential(1)}`);
    console.log(`[e2e profile] readout: "${readout}"`);
    expect(Math.abs(p.lengthMm - distance)).toBeLessThan(pixelMm);
    expect(p.fromMm[2]).toBeCloseTo(wa[2], 6); // on the slice shown
    expect(max).toBeGreaterThan(700);
    expect(p.values.length).toBe(node.values.length);
    expect(worst).toBeLessThan(1e-3);
    // The chart: one polyline through every sample (the line stays inside the volume), ticks on both axes.
    expect(await chart.locator('polyline.vb-profile-line').count()).toBe(1);
    const points = (await chart.locator('polyline.vb-profile-line').getAttribute('points'))!.trim().split(/\s+/).length;
    expect(points).toBe(p.values.length);
    expect(await chart.locator('.vb-profile-axes text').count()).toBeGreaterThan(6);
    expect(readout).toContain(`length ${p.lengthMm.toFixed(1)} mm`);
    expect(readout).toMatch(/max \d+ HU/);
    expect(Number(await chart.getAttribute('data-length-mm'))).toBe(p.lengthMm);

    await drawn(view);
    await page.mouse.move(0, 0);
    await view.screenshot({ path: join(RESULTS, 'planes-profile.png') });
    if (process.env['VB_DOCS_SCREENSHOT']) await copyFile(join(RESULTS, 'planes-profile.png'), join(REPO_ROOT, 'docs', 'views', 'planes-profile.png'));

    // Escape on the plane clears the line and the chart.
    await view.locator('canvas[data-plane="axial"]').focus();
    await page.keyboard.press('Escape');
    await expect.poll(() => chart.count()).toBe(0);
    expect(await picked(view)).toBeNull();

    // Two clicks pick the same line.
    await page.mouse.click(a.x, a.y);
    expect(await picked(view)).toBeNull();
    await page.mouse.click(b.x, b.y);
    await chart.waitFor({ state: 'visible', timeout: 10_000 });
    const q = (await picked(view))!;
    expect(Math.abs(q.lengthMm - distance)).toBeLessThan(pixelMm);

    // Toggled off, a click moves the crosshair again.
    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('false');
    const c = await at(view, [150, 70, 54]);
    await page.mouse.click(c.x, c.y);
    await drawn(view, '150,70,54');
  }, 180_000);

  it('asked nothing outside the app and logged no errors', async () => {
    expect(app.outsideRequests).toEqual([]);
    expect(app.errors).toEqual([]);
    expect(await app.cspViolations()).toEqual([]);
  });
});
