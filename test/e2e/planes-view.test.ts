/**
 * planesView in the app: test/e2e/fixtures/planes-ct.nb.ts shows the real head CT (full
 * resolution) with its bone mask and a probability map as three linked planes
 * (`<vb-planes-view>`, 2-D canvases); test/e2e/fixtures/planes-mri.nb.ts the Colin27 T1 with
 * the AAL atlas. Each plane draws the head; the keyboard steps a slice and changes the image;
 * a right-drag changes the window and the image's histogram; a click on a voxel's pixel puts
 * the crosshair there and the probe reads that voxel's HU value (compared with the volume read
 * in Node); the axial plane has the nose at the top; the probe names the AAL region.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { decode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInv3 } from '../../cells/io/inv3.ts';
import { indexToWorld, type Vec3 } from '../../cells/core/volume.ts';
import { aalVoxelInsideRegion, headEndWidths } from '../planes-landmark.ts';
import { changedFraction, REPO_ROOT, pixelStats, type AppHarness, openApp } from './harness.ts';
import { drawn, openAndRun } from './planes-page.ts';

const RESULTS = join(REPO_ROOT, 'test-results');
type Plane = 'axial' | 'coronal' | 'sagittal';


function capture(view: Locator, plane: Plane): Promise<string> {
  return view.evaluate((el, p) => (el as unknown as { capture(p: string): string }).capture(p), plane);
}

/** Waits for the view to draw after a change (it draws at the next animation frame). */

function png(url: string) {
  return decode(Buffer.from(url.split(',')[1]!, 'base64'));
}

/** 16-bin histogram of the red channel, as fractions. */
function histogram(url: string): number[] {
  const p = png(url);
  const h = new Array<number>(16).fill(0);
  for (let q = 0; q < p.width * p.height; q++) h[p.data[p.channels * q]! >> 4]!++;
  return h.map((x) => x / (p.width * p.height));
}

async function click(page: Page, view: Locator, plane: Plane, index: Vec3): Promise<void> {
  await view.locator(`canvas[data-plane="${plane}"]`).scrollIntoViewIfNeeded();
  const at = await view.evaluate((el, [p, i]) => (el as unknown as { clientPoint(p: string, i: number[]): { x: number; y: number } }).clientPoint(p as string, i as number[]), [plane, index as unknown as number[]] as const);
  await page.mouse.click(at.x, at.y);
}

describe('app: planesView shows linked planes of the real CT and MRI', () => {
  let app: AppHarness;

  beforeAll(async () => {
    for (const f of ['Cranium.inv3', 'mri-colin27/ch2.nii.gz', 'mri-colin27/aal.nii.gz', 'mri-colin27/aal.nii.txt']) {
      expect(existsSync(join(REPO_ROOT, 'data', f)), `data/${f} is missing: run \`npm run fetch-data\` first`).toBe(true);
    }
    await mkdir(RESULTS, { recursive: true });
    app = await openApp();
  }, 180_000);

  afterAll(async () => {
    await app?.close();
  });

  it('CT: three non-blank planes; a slice step, a window drag and a click change them; the probe reads the voxel; the nose is at the top', async () => {
    const { page } = app;
    const t0 = Date.now();
    await openAndRun(page, 'test/e2e/fixtures/planes-ct.nb.ts');
    const shape = await page.evaluate(() => {
      const out = window.__voxbook!.state()!.cells.find((c) => c.id === 'planes')!.outputs[0]!;
      const v = out.data['application/vnd.voxbook.planes+json'] as { data: Int16Array; dims: number[]; overlay: { data: Uint8Array }; probability: { data: Float32Array } };
      return { type: v.data.constructor.name, length: v.data.length, dims: v.dims, mask: v.overlay.data.constructor.name, p: v.probability.data.constructor.name };
    });
    expect(shape).toEqual({ type: 'Int16Array', length: 256 * 256 * 108, dims: [256, 256, 108], mask: 'Uint8Array', p: 'Float32Array' });
    const view = page.locator('vb-planes-view');
    await view.locator('canvas[data-plane="axial"]').waitFor({ state: 'visible', timeout: 30_000 });
    await drawn(view, '128,128,54');
    console.log(`[e2e planes] Run all → first planes drawn ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    // Each plane draws the head: many pixels off the black background, many shades.
    const first: Record<string, string> = {};
    for (const p of ['axial', 'coronal', 'sagittal'] as const) {
      first[p] = await capture(view, p);
      const s = pixelStats(first[p]!);
      console.log(`[e2e planes] ${p}: ${s.width}×${s.height}, ${(s.foreground * 100).toFixed(1)}% foreground, ${s.shades} shades`);
      expect(s.foreground).toBeGreaterThan(0.15);
      expect(s.shades).toBeGreaterThan(20);
    }
    // Edge letters as radiologists read them.
    const edges = (p: Plane) => view.locator(`.vb-plane[data-plane="${p}"] .vb-plane-edge`).allTextContents();
    expect(await edges('axial')).toEqual(['A', 'P', 'R', 'L']);
    expect(await edges('coronal')).toEqual(['S', 'I', 'R', 'L']);
    expect(await edges('sagittal')).toEqual(['S', 'I', 'A', 'P']);
    await view.scrollIntoViewIfNeeded();
    await view.screenshot({ path: join(RESULTS, 'planes-ct.png') });

    // Slice index by keyboard: five ↑ on the focused axial plane → k 54 → 59, the axial image changes, the others keep their slice.
    await view.locator('canvas[data-plane="axial"]').focus();
    for (let n = 0; n < 5; n++) await page.keyboard.press('ArrowUp');
    await drawn(view, '128,128,59');
    const up = await capture(view, 'axial');
    const sliceChanged = changedFraction(first['axial']!, up);
    // The slider, labelled, as a user reaches it: the coronal slice.
    await view.getByLabel('coronal slice').fill('90');
    await drawn(view, '128,90,59');
    const coronalChanged = changedFraction(first['coronal']!, await capture(view, 'coronal'));
    // The wheel over the sagittal plane: one notch toward the viewer steps its slice (i) by one.
    const sag = (await view.locator('canvas[data-plane="sagittal"]').boundingBox())!;
    await page.mouse.move(sag.x + sag.width / 2, sag.y + sag.height / 2);
    await page.mouse.wheel(0, -100);
    await drawn(view, '129,90,59');
    await page.mouse.wheel(0, 100);
    await drawn(view, '128,90,59');
    console.log(`[e2e planes] axial k 54 → 59: ${(sliceChanged * 100).toFixed(1)}% of pixels changed; coronal j 128 → 90: ${(coronalChanged * 100).toFixed(1)}%`);
    expect(sliceChanged).toBeGreaterThan(0.02);
    expect(coronalChanged).toBeGreaterThan(0.02);

    // Window/level by a right-drag on the axial plane: the grey histogram moves.
    const before = await capture(view, 'axial');
    const w0 = await view.getAttribute('data-window');
    const box = (await view.locator('canvas[data-plane="axial"]').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down({ button: 'right' });
    await page.mouse.move(box.x + box.width / 2 - 120, box.y + box.height / 2 - 60, { steps: 6 });
    await page.mouse.up({ button: 'right' });
    await expect.poll(() => view.getAttribute('data-window')).not.toBe(w0);
    await drawn(view);
    const after = await capture(view, 'axial');
    const h0 = histogram(before), h1 = histogram(after);
    const l1 = h0.reduce((s, x, b) => s + Math.abs(x - h1[b]!), 0);
    console.log(`[e2e planes] window ${w0} → ${await view.getAttribute('data-window')}: histogram L1 distance ${l1.toFixed(3)}`);
    expect(l1).toBeGreaterThan(0.1);
    expect(await view.getByLabel('window', { exact: true }).inputValue()).toBe('custom');

    // The probe: a click on voxel (150, 70, 40)'s pixel in the axial plane (after choosing slice 40).
    const ct = await loadInv3(join(REPO_ROOT, 'data', 'Cranium.inv3'));
    const target: Vec3 = [150, 70, 40];
    const expected = ct.data[target[0] + 256 * (target[1] + 256 * target[2])]!;
    await view.getByLabel('axial slice').fill('40');
    await drawn(view, '128,90,40');
    await click(page, view, 'axial', target);
    await drawn(view, '150,70,40');
    const probe = view.locator('output.vb-planes-probe');
    await expect.poll(() => probe.getAttribute('data-index')).toBe('150,70,40');
    const text = (await probe.textContent())!;
    const mm = indexToWorld(ct, ...target).map((c) => c.toFixed(1)).join(', ');
    console.log(`[e2e planes] probe after the click: "${text}"; Node reads ${expected} HU at (150, 70, 40)`);
    expect(Number(await probe.getAttribute('data-value'))).toBe(expected);
    expect(text).toContain(`voxel (150, 70, 40) · ${mm} mm LPS · ${expected} HU`);
    // The crosshair moved the other planes: coronal now at j = 70, sagittal at i = 150.
    expect(await view.getByLabel('coronal slice').inputValue()).toBe('70');
    expect(await view.getByLabel('sagittal slice').inputValue()).toBe('150');

    // Anterior at the top: at the nose (k = 30), soft-tissue window, overlays off, crosshair in the corner.
    await view.getByLabel('window', { exact: true }).selectOption('ct-soft-tissue');
    await view.getByLabel('mask opacity').fill('0');
    await view.getByLabel('probability opacity').fill('0');
    await view.evaluate((el) => (el as unknown as { setCursor(i: number[]): void }).setCursor([0, 0, 30]));
    await drawn(view, '0,0,30');
    const axial = png(await capture(view, 'axial'));
    const w = headEndWidths(axial.data as Uint8Array, axial.width, axial.height, 60, 0.08, axial.channels);
    console.log(`[e2e planes] axial k = 30: head spans ${w.rows} rows; top band ${w.top.toFixed(1)} px/row, bottom band ${w.bottom.toFixed(1)} px/row`);
    expect(w.rows).toBeGreaterThan(axial.height * 0.4);
    expect(w.top / w.bottom).toBeLessThan(0.5);

    // The picture for the README: bone window, mask and probability back on, crosshair through the orbits.
    await view.getByLabel('window', { exact: true }).selectOption('ct-bone');
    await view.getByLabel('mask opacity').fill('0.5');
    await view.getByLabel('probability opacity').fill('0');
    await view.evaluate((el) => (el as unknown as { setCursor(i: number[]): void }).setCursor([128, 60, 45]));
    await drawn(view, '128,60,45');
    await page.mouse.move(0, 0);
    await view.scrollIntoViewIfNeeded();
    await view.screenshot({ path: join(RESULTS, 'planes-ct-bone.png') });
  }, 180_000);

  it('MRI: the probe names the AAL region under the crosshair', async () => {
    const { page } = app;
    // A voxel well inside one region (its six neighbours share its label), above the centre.
    const k = 110;
    const { index: target, label, name } = await aalVoxelInsideRegion(k);
    expect(target).toBeDefined();

    await openAndRun(page, 'test/e2e/fixtures/planes-mri.nb.ts');
    const view = page.locator('vb-planes-view');
    await view.locator('canvas[data-plane="axial"]').waitFor({ state: 'visible', timeout: 30_000 });
    await drawn(view, '90,108,90');
    for (const p of ['axial', 'coronal', 'sagittal'] as const) expect(pixelStats(await capture(view, p)).foreground).toBeGreaterThan(0.15);
    await view.getByLabel('axial slice').fill(String(k));
    await drawn(view, `90,108,${k}`);
    await click(page, view, 'axial', target!);
    await drawn(view, target!.join(','));
    const probe = view.locator('output.vb-planes-probe');
    await expect.poll(() => probe.getAttribute('data-label')).toBe(name);
    const text = (await probe.textContent())!;
    console.log(`[e2e planes] MRI probe at (${target!.join(', ')}): "${text}" (Node: label ${label} ${name})`);
    expect(text).toContain(`${name} [${label}]`);
    await page.mouse.move(0, 0);
    await view.scrollIntoViewIfNeeded();
    await view.screenshot({ path: join(RESULTS, 'planes-mri-aal.png') });
  }, 180_000);

  it('twenty views on one page all draw (no WebGL context to run out of)', async () => {
    const { page } = app;
    await openAndRun(page, 'test/e2e/fixtures/planes-many.nb.ts');
    const views = page.locator('vb-planes-view');
    await expect.poll(() => views.count(), { timeout: 30_000 }).toBe(20);
    let drawnPlanes = 0;
    for (let n = 0; n < 20; n++) {
      const view = views.nth(n);
      await view.scrollIntoViewIfNeeded();
      await drawn(view, `32,32,${n + 4}`);
      for (const p of ['axial', 'coronal', 'sagittal'] as const) if (pixelStats(await capture(view, p)).foreground > 0.1) drawnPlanes++;
    }
    console.log(`[e2e planes] 20 views: ${drawnPlanes} of 60 planes drawn`);
    expect(drawnPlanes).toBe(60);
  }, 180_000);

  it('asked nothing outside the app and logged no errors', async () => {
    expect(app.outsideRequests).toEqual([]);
    expect(app.errors).toEqual([]);
    expect(await app.cspViolations()).toEqual([]);
  });
});
