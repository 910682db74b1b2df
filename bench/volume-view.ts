/**
 * `npm run bench:volume-view`: vtk.js ray casting of the real head CT in the headless test browser
 * (Chromium, SwiftShader software WebGL2, the e2e harness's flags), through the app as a user
 * runs it: test/e2e/fixtures/volume-view.nb.ts at the 2× downsample it ships with (128×128×54)
 * and at full resolution (256×256×108). Per size: time from "Run all" to the first non-blank
 * frame, and ms per frame rotating 10° at a time (each frame waited for by captureImages(), so it
 * includes the read-back and PNG encoding). Also the mesh view rotating the CT's full-resolution
 * bone surface (every island over 200 mm³: 673k triangles) the same way. Writes
 * bench/results/volume-view.md.
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
  const rows: string[] = [], meshRows: string[] = [];
  try {
    const { page } = app;
    await page.goto(app.url);
    await waitForApp(page);
    for (const factor of [2, 1]) {
      // The ray casting alone: the fixture's probability overlay left out.
      const text = fixture.replace('downsample(ct, 2)', `downsample(ct, ${factor})`).replace(", probability: { ...small, data: lesion }, probabilityLevels: [0.5] })", ' })');
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
    // The mesh view: the 673k-triangle bone surface, rotated 10° a frame.
    const meshNotebook = `// %% id="mesh"
import { isosurface, loadInput, meshView, removeIslands, threshold } from 'voxbook';
const ct = await loadInput('ct-head-0051');
const bone = removeIslands(threshold(ct, { minHu: 226, maxHu: 3071 }), { minIslandMm3: 200, connectivity: 26 }).mask;
const mesh = isosurface(ct, { isoValue: 225.5, mask: bone });
meshView(mesh, { name: 'bone' })
`;
    await page.evaluate(([t, p]) => window.__voxbook!.open(t!, p!), [meshNotebook, 'bench-mesh.nb.ts']);
    await page.waitForFunction(() => window.__voxbook!.state()?.cells.some((c) => c.id === 'mesh'), undefined, { timeout: 10_000 });
    const m0 = Date.now();
    await page.getByRole('button', { name: 'Run all' }).click();
    await page.waitForFunction(() => window.__voxbook!.state()?.phase === 'done', undefined, { timeout: 180_000, polling: 100 });
    const meshView = page.locator('vb-mesh-view').first();
    await meshView.scrollIntoViewIfNeeded();
    await meshView.locator('canvas').waitFor({ state: 'visible', timeout: 60_000 });
    const grab = (): Promise<string> => meshView.evaluate((el) => (el as unknown as { capture(): Promise<string> }).capture());
    let meshStats = pixelStats(await grab());
    while (meshStats.foreground < 0.03 && Date.now() - m0 < 180_000) meshStats = pixelStats(await grab());
    const meshFirstMs = Date.now() - m0;
    const triangles = await page.evaluate(() => {
      const out = window.__voxbook!.state()!.cells.find((c) => c.id === 'mesh')!.outputs[0]!;
      return (out.data['application/vnd.voxbook.mesh+json'] as { indices: Uint32Array }).indices.length / 3;
    });
    const meshSize = await meshView.locator('canvas').evaluate((c) => `${(c as HTMLCanvasElement).width}×${(c as HTMLCanvasElement).height}`);
    const meshFrames = await meshView.evaluate((el, n) => (el as unknown as { rotateFrames(n: number, d: number): Promise<number[]> }).rotateFrames(n, 10), FRAMES);
    const meshMs = median(meshFrames);
    console.log(`mesh ${triangles} triangles: first frame ${(meshFirstMs / 1000).toFixed(1)} s after Run all; rotating ${meshMs.toFixed(0)} ms/frame (${(1000 / meshMs).toFixed(2)} fps) at ${meshSize}`);
    meshRows.push(`| bone surface, ${triangles.toLocaleString('en-US')} triangles (\`meshView\`) | ${meshSize} | ${(meshFirstMs / 1000).toFixed(1)} | ${meshMs.toFixed(0)} | ${(1000 / meshMs).toFixed(2)} |`);
  } finally {
    await app.close();
  }
  const md = `# volumeView in headless Chromium (software WebGL)

\`npm run bench:volume-view\` — ${new Date().toISOString()}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; Chromium with SwiftShader (\`--use-angle=swiftshader\`), CT bone preset, shading on, sample distance = smallest spacing.
First frame: from clicking Run all (load the CT, downsample, bundle, send to the page) to a non-blank capture. Rotating: median of ${FRAMES} frames of 10° each, each waited for with captureImages() (includes read-back and PNG encoding).

| volume | canvas (px) | first frame (s) | ms / frame rotating | fps |
|---|---|---|---|---|
${rows.join('\n')}

| mesh | canvas (px) | first frame (s) | ms / frame rotating | fps |
|---|---|---|---|---|
${meshRows.join('\n')}
`;
  writeFileSync(join(ROOT, 'bench/results/volume-view.md'), md);
  console.log(md);
}

await main();
