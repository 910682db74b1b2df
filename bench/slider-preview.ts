/**
 * `node --import tsx bench/slider-preview.ts [--moves N] [--no-browser]`
 *
 * Slider-to-preview latency of ct-to-print on the real head CT (`ct-head-0051`, 256×256×108):
 * moving `minHu` must show the histogram marker at the new value and a redrawn preview mesh
 * (isosurface of the CT downsampled 2×, 128×128×54) within 100 ms.
 *
 * - kernel: the kernel in this process (no worker, no page), from `setInput` to the
 *   preview cell's `done` message — the compute part: parameters, histogram, preview;
 * - chromium: the app (Vite dev server, headless Debian Chromium, kernel in its Web Worker),
 *   from the slider's `input` event to the frame that shows the new marker and the preview
 *   view's draw of the new mesh (test/e2e/slider.ts), after three warm-up moves.
 *
 * N moves alternate between thresholds 200..500 HU. Writes bench/results/slider-preview.md
 * (with the load average: on a busy 2-core machine the figures are several times the quiet
 * ones) and prints, as its last line, JSON of the medians.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { writeFileAtomic } from '../kernel/node/fs-atomic.ts';
import type { KernelMessage } from '../kernel/protocol.ts';
import { Kernel } from '../kernel/runtime.ts';
import { startApp, waitForApp } from '../test/e2e/harness.ts';
import { median, moveSlider, type SliderMove } from '../test/e2e/slider.ts';

const ROOT = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const MOVES = args.includes('--moves') ? Number(args[args.indexOf('--moves') + 1]) : 15;
const BROWSER = !args.includes('--no-browser');
const VALUES = Array.from({ length: MOVES }, (_, i) => 200 + ((i * 73) % 300));
const NOTEBOOK = readFileSync(resolve(ROOT, 'notebooks/ct-to-print.nb.ts'), 'utf8');

const p90 = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))]!;

async function kernelMoves(): Promise<number[]> {
  let onMessage: (m: KernelMessage) => void = () => undefined;
  const kernel = new Kernel({ importModule: async (s) => {
    if (s !== 'voxbook') throw new Error(`no module ${s}`);
    return (await import('../index.ts')) as unknown as Record<string, unknown>;
  } }, (m) => onMessage(m));
  await kernel.open(NOTEBOOK);
  if (!(await kernel.run())) throw new Error('ct-to-print failed in the kernel');
  const times: number[] = [];
  for (const [i, value] of [300, 400, 250, ...VALUES].entries()) {
    const t0 = performance.now();
    let previewAt = 0;
    onMessage = (m) => {
      if (m.type === 'cell' && m.id === 'preview' && m.status === 'done') previewAt = performance.now();
    };
    if (!(await kernel.setInput('parameters', 'minHu', value))) throw new Error(`minHu=${value} failed`);
    if (i >= 3) times.push(previewAt - t0);
  }
  return times;
}

async function browserMoves(): Promise<SliderMove[]> {
  const app = await startApp();
  try {
    await app.page.goto(app.url);
    await waitForApp(app.page);
    // tsx (esbuild, keepNames) wraps named functions in page.evaluate bodies in __name(): give the page one.
    await app.page.evaluate('window.__name = (f) => f');
    await app.page.getByRole('button', { name: 'Run all' }).click();
    await app.page.waitForFunction(() => window.__voxbook!.state()?.phase !== 'running', undefined, { timeout: 300_000 });
    for (const v of [300, 400, 250]) await moveSlider(app.page, v);
    const moves: SliderMove[] = [];
    for (const value of VALUES) {
      moves.push(await moveSlider(app.page, value));
      // Let the lazy cells' stale messages land before the next move, as between a user's moves.
      await app.page.waitForTimeout(200);
    }
    if (app.errors.length > 0) throw new Error(`browser errors: ${app.errors.join('; ')}`);
    return moves;
  } finally {
    await app.close();
  }
}

const loadBefore = loadavg()[0]!;
const kernel = await kernelMoves();
const browser = BROWSER ? await browserMoves() : [];
const loadAfter = loadavg()[0]!;

const row = (what: string, xs: readonly number[], note: string) => `| ${what} | ${median(xs).toFixed(1)} | ${p90(xs).toFixed(1)} | ${note} |`;
const md = [
  '# Slider → preview latency (ct-to-print, real CT)',
  '',
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.versions.node}; load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after (2 cores: above 2, the machine was shared). ${MOVES} moves of minHu over 200..500 HU. Goal: < 100 ms.`,
  '',
  '| path | median ms | p90 ms | what |',
  '| --- | ---: | ---: | --- |',
  row('kernel (in process)', kernel, 'setInput → preview cell done (parameters, histogram plot, 2× isosurface)'),
  ...(BROWSER ? [
    row('chromium: histogram marker', browser.map((m) => m.histogramMs), 'input event → frame showing the new marker'),
    row('chromium: preview draw call', browser.map((m) => m.drawMs), 'input event → the preview view\'s render() returned'),
    row('chromium: preview mesh', browser.map((m) => m.previewMs), 'input event → first frame after that draw (pixels made)'),
    row('chromium: both shown', browser.map((m) => m.ms), 'the later of the two'),
  ] : []),
  '',
  `Command: \`node --import tsx bench/slider-preview.ts --moves ${MOVES}${BROWSER ? '' : ' --no-browser'}\``,
  '',
].join('\n');
writeFileAtomic(resolve(ROOT, 'bench/results/slider-preview.md'), md);
console.log(md);
console.log(JSON.stringify({ kernelMedianMs: median(kernel), ...(BROWSER ? { browserMedianMs: median(browser.map((m) => m.ms)), previewMedianMs: median(browser.map((m) => m.previewMs)), histogramMedianMs: median(browser.map((m) => m.histogramMs)) } : {}), loadAverage: [loadBefore, loadAfter] }));
