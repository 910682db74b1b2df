/**
 * `npm run bench:volume-view`: vtk.js ray casting of the real head CT in the headless test browser
 * (Chromium, SwiftShader software WebGL2, the e2e harness's flags), through the app as a user
 * runs it: test/e2e/fixtures/volume-view.nb.ts at the 2× downsample it ships with (128×128×54)
 * and at full resolution (256×256×108). Per size: time from "Run all" to the first non-blank
 * frame, and ms per frame rotating 10° at a time (each frame waited for by captureImages(), so it
 * includes the read-back and PNG encoding). Writes bench/results/volume-view.md.
 */
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { pixelStats, startApp, waitForApp } from '../test/e2e/harness.ts';
import { median } from './isosurface.ts';

const ROOT = resolve(import.meta.dirname, '..');
const FRAMES = Number(process.env['VOXBOOK_BENCH_REPEATS'] ?? 8);

/** The view's pixels (a locator, not the harness's shadow-root walk: tsx's name-keeping helpers do not exist in the page). */
function capture(page: Page): Promise<string> {
  return page.locator('vb-volume-view').first().evaluate((el) => (el as unknown as { capture(): Promise<string> }).capture());
}

async function main() {
  const fixture = await readFile(join(ROOT, 'test/e2e/fixtures/volume-view.nb.ts'), 'utf8');
  const app = await startApp();
  const rows: string[] = [];
  try {
    const { page } = app;
    await page.goto(app.url);
    await waitForApp(page);
    for (const factor of [2, 1]) {
      const text = fixture.replace('downsample(ct, 2)', `downsample(ct, ${factor})`);
      await page.evaluate(([t, p]) => window.__voxbook!.open(t!, p!), [text, `bench-volume-${factor}.nb.ts`]);
      await page.waitForFunction(() => window.__voxbook!.state()?.cells.some((c) => c.id === 'volume'), undefined, { timeout: 10_000 });
      const t0 = Date.now();
      await page.getByRole('button', { name: 'Run all' }).click();
      await page.waitForFunction(() => window.__voxbook!.state()?.phase === 'done', undefined, { timeout: 180_000, polling: 100 });
      await page.locator('vb-volume-view canvas').waitFor({ state: 'visible', timeout: 60_000 });
      await page.locator('vb-volume-view[data-rendered-at]').waitFor({ state: 'attached', timeout: 120_000 });
      let stats = pixelStats(await capture(page));
      while (stats.foreground < 0.03 && Date.now() - t0 < 180_000) stats = pixelStats(await capture(page));
      const firstMs = Date.now() - t0;
      const size = await page.locator('vb-volume-view canvas').evaluate((c) => `${(c as HTMLCanvasElement).width}×${(c as HTMLCanvasElement).height}`);
      const frames = await page.locator('vb-volume-view').evaluate((el, n) => (el as unknown as { rotateFrames(n: number, d: number): Promise<number[]> }).rotateFrames(n, 10), FRAMES);
      const ms = median(frames);
      const dims = factor === 2 ? '128×128×54' : '256×256×108';
      console.log(`${dims}: first frame ${(firstMs / 1000).toFixed(1)} s after Run all; rotating ${ms.toFixed(0)} ms/frame (${(1000 / ms).toFixed(2)} fps) at ${size}`);
      rows.push(`| ${dims} (float32, ${factor}× downsample) | ${size} | ${(firstMs / 1000).toFixed(1)} | ${ms.toFixed(0)} | ${(1000 / ms).toFixed(2)} |`);
    }
  } finally {
    await app.close();
  }
  const md = `# volumeView in headless Chromium (software WebGL)

\`npm run bench:volume-view\` — ${new Date().toISOString()}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; Chromium with SwiftShader (\`--use-angle=swiftshader\`), CT bone preset, shading on, sample distance = smallest spacing.
First frame: from clicking Run all (load the CT, downsample, bundle, send to the page) to a non-blank capture. Rotating: median of ${FRAMES} frames of 10° each, each waited for with captureImages() (includes read-back and PNG encoding).

| volume | canvas (px) | first frame (s) | ms / frame rotating | fps |
|---|---|---|---|---|
${rows.join('\n')}
`;
  writeFileSync(join(ROOT, 'bench/results/volume-view.md'), md);
  console.log(md);
}

await main();
