/**
 * The printability report's mesh view in Chromium: a shell whose wall is 1 mm on one side and
 * 7 mm on the other (the thin side facing the default view), reported against a 1.5 mm minimum, exported by `voxbook run --html` and
 * opened from disk. The thin side is drawn red from the per-vertex colours (vtk.js point
 * scalars), the rest in bone: both colours are on screen.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode } from 'fast-png';
import { tempDir, voxbook, writeNotebook } from '../cli/helpers.ts';
import { CHROMIUM, CHROMIUM_ARGS, captureFirstMesh } from './harness.ts';

const NOTEBOOK = `// %% id="shell"
import { IDENTITY3, isosurface, makeVolume, printReport } from 'voxbook';
// Outer sphere r = 20 mm; a cavity r = 16 mm shifted 3 mm anterior (−y, towards the view): the wall is 1 mm in front, 7 mm behind.
const n = 96, h = 0.5, o = -24;
const data = new Float32Array(n * n * n);
for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) {
  const x = o + h * i, y = o + h * j, z = o + h * k;
  data[i + n * (j + n * k)] = Math.min(20 - Math.hypot(x, y, z), Math.hypot(x, y + 3, z) - 16);
}
const shell = isosurface(makeVolume({ data, dims: [n, n, n], spacingMm: [h, h, h], originMm: [o, o, o], direction: IDENTITY3 }), { isoValue: 0 });
const printability = printReport([{ name: 'shell', mesh: shell }], { printer: 'fdm-mk4', minWallMm: 1.5 });
display(printability.table);
printability.view
`;

describe('the thin-wall mesh view, exported and drawn in Chromium', () => {
  let browser: Browser;
  const out = tempDir();
  beforeAll(async () => {
    const run = await voxbook(['run', writeNotebook(NOTEBOOK, 'thin'), '--out', out, '--html', '--cache', tempDir('vb-cache-'), '--quiet'], { killAfterMs: 170_000 });
    expect(run.code, run.stderr).toBe(0);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('draws the thin side red and the rest bone-coloured', async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    try {
      await page.goto(pathToFileURL(join(out, 'thin.html')).href);
      await page.evaluate(() => (window as unknown as { __voxbookStatic: { ready: Promise<void> } }).__voxbookStatic.ready);
      await page.locator('vb-mesh-view canvas').first().waitFor({ state: 'visible', timeout: 30_000 });
      await expect.poll(() => page.locator('vb-mesh-view').first().getAttribute('data-rendered-at'), { timeout: 30_000 }).not.toBeNull();
      let red = 0, bone = 0;
      // vtk.js draws after layout: retry a few times until the surface is on the canvas.
      for (let attempt = 0; attempt < 20 && (red === 0 || bone === 0); attempt++) {
        const url = await captureFirstMesh(page);
        const png = decode(Buffer.from(url.slice('data:image/png;base64,'.length), 'base64'));
        red = 0; bone = 0;
        for (let i = 0; i < png.width * png.height; i++) {
          const r = png.data[i * png.channels]!, g = png.data[i * png.channels + 1]!, b = png.data[i * png.channels + 2]!;
          if (r > 90 && r > 2 * g && r > 2 * b) red++;
          else if (r > 90 && g > 80 && b > 60 && Math.abs(r - g) < 40 && r >= b) bone++;
        }
        if (red === 0 || bone === 0) await page.waitForTimeout(500);
      }
      console.log('thin-wall view pixels', JSON.stringify({ red, bone }));
      // Seen from the front, the thin cap (walls < 1.5 mm within ~30° of −y) fills the middle, the bone-coloured rest the rim.
      expect(red).toBeGreaterThan(2000);
      expect(bone).toBeGreaterThan(2000);
    } finally {
      await page.close();
    }
  }, 120_000);
});
