/**
 * volumeView in the exported page: `voxbook run test/e2e/fixtures/volume-view.nb.ts --html`
 * embeds the 2×-downsampled real CT (3.5 MB of float32 voxels, under the 16 MB cap) and the
 * page, opened from disk with every other request refused, ray casts it (pixels through
 * vtk.js captureImages()) under the page's Content-Security-Policy.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir, voxbook } from '../cli/helpers.ts';
import { REPO_ROOT, openOffline, pixelStats, startApp, type AppHarness, expectSample } from './harness.ts';

const RESULTS = join(REPO_ROOT, 'test-results');

describe('the exported page draws the volume offline', () => {
  let app: AppHarness;
  const out = tempDir();

  beforeAll(async () => {
    expectSample('Cranium.inv3');
    await mkdir(RESULTS, { recursive: true });
    const run = await voxbook(['run', 'test/e2e/fixtures/volume-view.nb.ts', '--out', out, '--html', '--quiet'], { killAfterMs: 170_000 });
    expect(run.code, run.stderr).toBe(0);
    app = await startApp();
  }, 240_000);

  afterAll(async () => {
    await app?.close();
  });

  it('ray casts the embedded CT with the bone preset and requests nothing but its own file', async () => {
    const path = join(out, 'volume-view.html');
    const { page, refused, errors } = await openOffline(app.context, path);
    try {
      const view = page.locator('vb-volume-view');
      await view.locator('canvas').waitFor({ state: 'visible', timeout: 30_000 });
      await expect.poll(() => view.getAttribute('data-preset'), { timeout: 30_000 }).toBe('ct-bone');
      const url = await view.evaluate((el) => (el as unknown as { capture(): Promise<string> }).capture());
      writeFileSync(join(RESULTS, 'volume-view-static-canvas.png'), Buffer.from(url.split(',')[1]!, 'base64'));
      const stats = pixelStats(url);
      console.log(`[e2e volume static] page ${(readFileSync(path).byteLength / 1e6).toFixed(1)} MB; ${(stats.foreground * 100).toFixed(1)}% foreground, ${stats.shades} shades`);
      expect(stats.foreground).toBeGreaterThan(0.05);
      expect(stats.shades).toBeGreaterThan(20);
      expect(refused).toEqual([]);
      expect(await page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations)).toEqual([]);
      expect(errors.filter((e) => !/GL Driver Message|GPU stall/.test(e))).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);
});
