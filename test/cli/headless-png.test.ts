/**
 * `voxbook run` puts a PNG of every 3-D view into the executed .ipynb (Jupyter cannot run the
 * app's renderers): meshes and mesh scenes drawn by the CPU rasteriser, a volume's own
 * projection kept; the text/plain beside each names the renderer. Views drawn from a cached
 * run are the same. With `--render browser` the app's renderers draw them in headless Chromium;
 * without a Chromium the CPU does, and a note says why.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decode } from 'fast-png';
import { tempDir, voxbook, writeNotebook } from './helpers.ts';

const NB = `// %% id="views"
import { fourView, meshView, volumeView, isosurface } from 'voxbook';
// A ball of radius 12 mm as a volume and as its surface.
const n = 32;
const data = new Int16Array(n * n * n);
for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) data[i + n * (j + n * k)] = Math.hypot(i - 15.5, j - 15.5, k - 15.5) < 12 ? 1000 : -1000;
const ball = { data, dims: [n, n, n] as [number, number, number], spacingMm: [1, 1, 1] as [number, number, number], originMm: [0, 0, 0] as [number, number, number], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] as [number, number, number, number, number, number, number, number, number] };
const surface = isosurface(ball, { isoValue: 0 });
display(meshView(surface, { name: 'ball' }));
display(meshView([{ name: 'ball', mesh: surface, color: '#E69F00' }], { name: 'scene' }));
display(fourView(surface, { name: 'four' }));
volumeView(ball)
`;

interface Output { data: Record<string, unknown>; metadata: Record<string, unknown> }

function outputsOf(path: string): Output[] {
  const nb = JSON.parse(readFileSync(path, 'utf8')) as { cells: { cell_type: string; outputs?: Output[] }[] };
  return nb.cells.flatMap((c) => c.outputs ?? []);
}

const text = (o: Output): string => ([] as string[]).concat(o.data['text/plain'] as string | string[]).join('');

describe('voxbook run: PNGs of 3-D views in the .ipynb', () => {
  const nb = writeNotebook(NB, 'views');

  it('each mesh view gets a CPU-drawn PNG of the ball (a disc-like silhouette), the volume its projection; text names the renderer', async () => {
    const out = tempDir();
    const cache = tempDir('vb-cache-');
    const r = await voxbook(['run', nb, '--out', out, '-q', '--cache', cache]);
    expect(r.code, r.stderr).toBe(0);
    const outputs = outputsOf(join(out, 'views.ipynb'));
    expect(outputs).toHaveLength(4);
    for (const [i, o] of outputs.entries()) {
      const png = decode(Buffer.from(o.data['image/png'] as string, 'base64'));
      const meta = o.metadata['image/png'] as { width: number; height: number; renderer: string };
      expect([meta.width, meta.height]).toEqual([png.width, png.height]);
      // Pixels that differ from the top-left corner (the background) are the ball.
      const bg = [...png.data.subarray(0, 3)];
      let lit = 0;
      for (let p = 0; p < png.data.length; p += png.channels) if (png.data[p] !== bg[0] || png.data[p + 1] !== bg[1] || png.data[p + 2] !== bg[2]) lit++;
      const share = lit / (png.width * png.height);
      if (i < 2) {
        expect(meta.renderer).toBe('cpu');
        expect(text(o)).toMatch(/\(image: CPU z-buffer rasteriser .*, 512×512 px\)$/);
        // A disc filling the view less the margin: π/4 · 0.88² ≈ 0.61.
        expect(share).toBeGreaterThan(0.5);
        expect(share).toBeLessThan(0.7);
      } else if (i === 2) {
        expect(meta.renderer).toBe('cpu');
        // Four discs of a third of the side each: 4 · 0.61 / 9 ≈ 0.27.
        expect(share).toBeGreaterThan(0.2);
        expect(share).toBeLessThan(0.33);
      } else {
        expect(meta.renderer).toBe('cpu-mip');
        expect(text(o)).toMatch(/volume rendering .*\n\(image: CPU maximum-intensity projection from anterior, 32×32 px\)$/);
      }
    }
    // Served from the cache, the executed notebook holds the same images.
    const again = tempDir();
    const r2 = await voxbook(['run', nb, '--out', again, '-q', '--cache', cache]);
    expect(r2.code, r2.stderr).toBe(0);
    expect(outputsOf(join(again, 'views.ipynb')).map((o) => o.data['image/png'])).toEqual(outputs.map((o) => o.data['image/png']));
  }, 120_000);

  it('--render browser: headless Chromium draws every view (renderer "browser", non-blank); the four-view\'s centre is black', async () => {
    const out = tempDir();
    const r = await voxbook(['run', nb, '--out', out, '--no-cache', '--render', 'browser'], { killAfterMs: 150_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/render: 4 of 4 views drawn in headless Chromium/);
    const outputs = outputsOf(join(out, 'views.ipynb'));
    expect(outputs).toHaveLength(4);
    for (const [i, o] of outputs.entries()) {
      expect((o.metadata['image/png'] as { renderer: string }).renderer).toBe('browser');
      expect(text(o)).toMatch(/\(image: headless chromium \(the app renderer over vtk\.js, software WebGL\), \d+×\d+ px\)$/);
      const png = decode(Buffer.from(o.data['image/png'] as string, 'base64'));
      const bg = [...png.data.subarray(0, 3)];
      let lit = 0;
      for (let p = 0; p < png.data.length; p += png.channels) if (Math.abs(png.data[p]! - bg[0]!) + Math.abs(png.data[p + 1]! - bg[1]!) + Math.abs(png.data[p + 2]! - bg[2]!) > 24) lit++;
      expect(lit / (png.width * png.height), `view ${i}`).toBeGreaterThan(0.02);
      if (i === 2) {
        const c = png.channels * ((png.height >> 1) * png.width + (png.width >> 1));
        expect([...png.data.subarray(c, c + 3)]).toEqual([0, 0, 0]);
      }
    }
  }, 180_000);

  it('--render browser without a Chromium: the CPU draws the views and a note says why', async () => {
    const out = tempDir();
    const saved = process.env.VOXBOOK_CHROMIUM;
    process.env.VOXBOOK_CHROMIUM = '/nonexistent/chromium';
    let r;
    try {
      r = await voxbook(['run', nb, '--out', out, '--no-cache', '-q', '--render=browser']);
    } finally {
      if (saved === undefined) delete process.env.VOXBOOK_CHROMIUM;
      else process.env.VOXBOOK_CHROMIUM = saved;
    }
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/note: --render browser: no Chromium at \/nonexistent\/chromium .*; the CPU drew the views/);
    expect(outputsOf(join(out, 'views.ipynb')).map((o) => (o.metadata['image/png'] as { renderer: string }).renderer)).toEqual(['cpu', 'cpu', 'cpu', 'cpu-mip']);
  }, 120_000);

  it('--render needs cpu or browser', async () => {
    const r = await voxbook(['run', nb, '--render', 'gpu']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--render needs cpu or browser \(got "gpu"\)/);
  });
});
