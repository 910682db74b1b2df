/**
 * planesView in the exported page: `voxbook run test/e2e/fixtures/planes-static.nb.ts --html`
 * embeds the 2×-downsampled real CT (128×128×54 float32) and its bone mask; the page, opened
 * from disk with every other request refused, draws the three planes under its
 * Content-Security-Policy, and its crosshair, slice slider and probe work there too.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInv3 } from '../../cells/io/inv3.ts';
import { downsample } from '../../cells/preprocess/downsample.ts';
import { tempDir, voxbook } from '../cli/helpers.ts';
import { REPO_ROOT, openOffline, pixelStats, startApp, type AppHarness, expectSample } from './harness.ts';

const RESULTS = join(REPO_ROOT, 'test-results');

describe('the exported page draws the linked planes offline', () => {
  let app: AppHarness;
  const out = tempDir();

  beforeAll(async () => {
    expectSample('Cranium.inv3');
    await mkdir(RESULTS, { recursive: true });
    const run = await voxbook(['run', 'test/e2e/fixtures/planes-static.nb.ts', '--out', out, '--html', '--quiet'], { killAfterMs: 170_000 });
    expect(run.code, run.stderr).toBe(0);
    app = await startApp();
  }, 240_000);

  afterAll(async () => {
    await app?.close();
  });

  it('draws three non-blank planes from the embedded CT, moves the crosshair on a click and probes the voxel, requesting nothing but its own file', async () => {
    const path = join(out, 'planes-static.html');
    const { page, refused, errors } = await openOffline(app.context, path);
    try {
      const view = page.locator('vb-planes-view');
      await view.locator('canvas[data-plane="axial"]').waitFor({ state: 'visible', timeout: 30_000 });
      await expect.poll(() => view.getAttribute('data-cursor'), { timeout: 30_000 }).toBe('64,64,27');
      for (const p of ['axial', 'coronal', 'sagittal']) {
        const url = await view.evaluate((el, plane) => (el as unknown as { capture(p: string): string }).capture(plane), p);
        writeFileSync(join(RESULTS, `planes-static-${p}.png`), Buffer.from(url.split(',')[1]!, 'base64'));
        const s = pixelStats(url);
        console.log(`[e2e planes static] page ${(readFileSync(path).byteLength / 1e6).toFixed(1)} MB; ${p}: ${(s.foreground * 100).toFixed(1)}% foreground, ${s.shades} shades`);
        expect(s.foreground).toBeGreaterThan(0.15);
        expect(s.shades).toBeGreaterThan(20);
      }
      // The probe of a clicked voxel equals the downsampled CT computed here.
      const small = downsample(await loadInv3(join(REPO_ROOT, 'data', 'Cranium.inv3')), 2);
      const target = [80, 40, 20] as const;
      await view.getByLabel('axial slice').fill('20');
      await expect.poll(() => view.getAttribute('data-cursor')).toBe('64,64,20');
      await view.locator('canvas[data-plane="axial"]').scrollIntoViewIfNeeded();
      const at = await view.evaluate((el, i) => (el as unknown as { clientPoint(p: string, i: number[]): { x: number; y: number } }).clientPoint('axial', i), [...target]);
      await page.mouse.click(at.x, at.y);
      await expect.poll(() => view.getAttribute('data-cursor')).toBe('80,40,20');
      const value = small.data[target[0] + 128 * (target[1] + 128 * target[2])]!;
      const probe = view.locator('output.vb-planes-probe');
      expect(Number(await probe.getAttribute('data-value'))).toBe(value);
      console.log(`[e2e planes static] probe: "${await probe.textContent()}"; Node: ${value}`);
      await page.mouse.move(0, 0);
      await view.screenshot({ path: join(RESULTS, 'planes-static.png') });
      expect(refused).toEqual([]);
      expect(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations)).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);
});
