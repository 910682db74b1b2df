/**
 * `voxbook run notebooks/views-tour.nb.ts` headless, on the real CT and MRI and on the phantom
 * (no sample data): every cell runs, and the executed .ipynb holds an image of every view — a
 * PNG for the volume, both sets of planes and both mesh views (the renderer named under each),
 * an SVG for the histogram.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decode } from 'fast-png';
import { ROOT, tempDir, voxbook, type CliResult } from './helpers.ts';

const NOTEBOOK = join(ROOT, 'notebooks/views-tour.nb.ts');

interface Output { data: Record<string, unknown>; metadata: Record<string, unknown> }
interface Cell { id: string; cell_type: string; outputs?: Output[] }

const text = (o: Output): string => ([] as string[]).concat((o.data['text/plain'] ?? '') as string | string[]).join('');

/** Share of a PNG's pixels that differ from its top-left pixel by more than 24 in some channel. */
function foreground(base64: string): { width: number; height: number; share: number } {
  const png = decode(Buffer.from(base64, 'base64'));
  const d = png.data, c = png.channels;
  let n = 0;
  for (let p = 0; p < png.width * png.height; p++) {
    if ([0, 1, 2].some((k) => Math.abs(d[c * p + k]! - d[k]!) > 24)) n++;
  }
  return { width: png.width, height: png.height, share: n / (png.width * png.height) };
}

for (const run of [{ what: 'the real CT and MRI', phantom: false }, { what: 'the phantom (no sample data)', phantom: true }]) {
  describe(`voxbook run notebooks/views-tour.nb.ts on ${run.what}`, () => {
    const out = tempDir('vb-tour-');
    let result: CliResult;
    let cells: Map<string, Output[]>;
    beforeAll(async () => {
      if (!run.phantom) expect(existsSync(join(ROOT, 'data/Cranium.inv3')) && existsSync(join(ROOT, 'data/mri-colin27/aal.nii.gz')), 'run `npm run fetch-data` first').toBe(true);
      const saved = process.env.VOXBOOK_DATA;
      if (run.phantom) process.env.VOXBOOK_DATA = '/nonexistent/voxbook-data';
      try {
        result = await voxbook(['run', NOTEBOOK, '--out', out, '--no-cache', '-q'], { killAfterMs: 150_000 });
      } finally {
        if (saved === undefined) delete process.env.VOXBOOK_DATA;
        else process.env.VOXBOOK_DATA = saved;
      }
      expect(result.code, result.stderr).toBe(0);
      const nb = JSON.parse(readFileSync(join(out, 'views-tour.ipynb'), 'utf8')) as { cells: Cell[] };
      cells = new Map(nb.cells.filter((c) => c.cell_type === 'code').map((c) => [c.id, c.outputs ?? []]));
    }, 180_000);

    it('runs every cell; the .ipynb has a non-blank PNG of the volume, the planes and both mesh views, each saying who drew it', () => {
      expect([...cells.keys()]).toEqual(['parameters', 'load', 'volume', 'planes', 'meshes', 'four', 'histogram', 'mri']);
      const png = (id: string) => {
        const o = cells.get(id)!.find((x) => typeof x.data['image/png'] === 'string');
        expect(o, `cell ${id} has no image/png`).toBeDefined();
        return { o: o!, ...foreground(o!.data['image/png'] as string) };
      };
      // Measured on the CT: volume 0.57, planes 0.40.
      const volume = png('volume');
      expect(volume.share).toBeGreaterThan(0.1);
      expect(text(volume.o)).toMatch(/\(image: CPU maximum-intensity projection from anterior, \d+×\d+ px\)$/);
      const planes = png('planes');
      expect(planes.share).toBeGreaterThan(0.2);
      for (const id of ['meshes', 'four']) {
        const m = png(id);
        expect((m.o.metadata['image/png'] as { renderer: string }).renderer).toBe('cpu');
        expect(text(m.o)).toMatch(/skull \(\d+ triangles\), skin \(\d+ triangles, opacity 0\.3\)/);
        expect(text(m.o)).toMatch(/\(image: CPU z-buffer rasteriser/);
        // The view: the head fills much of the square; the four-view: four heads around a black centre.
        // Measured on the CT: 0.51 and 0.20 (the translucent skin's edge is close to the background).
        if (id === 'meshes') {
          expect(m.share).toBeGreaterThan(0.35);
        } else {
          expect(m.share).toBeGreaterThan(0.12);
          expect(m.share).toBeLessThan(4 / 9);
        }
      }
      const svg = cells.get('histogram')!.find((x) => x.data['image/svg+xml'] !== undefined);
      expect(([] as string[]).concat(svg!.data['image/svg+xml'] as string | string[]).join('')).toMatch(/^<svg/);
    });

    it(run.phantom ? 'says the CT is a phantom and that the MRI is missing' : 'shows the AAL atlas over the T1 with its 116 names', () => {
      const mri = cells.get('mri')!;
      const load = text(cells.get('load')![0]!);
      if (run.phantom) {
        expect(load).toMatch(/synthetic head CT phantom/);
        expect(mri.map((o) => text(o)).join('')).toMatch(/No MRI:.*mri-colin27.*npm run fetch-data/);
      } else {
        expect(load).toMatch(/ct-head-0051/);
        const planes = mri.find((o) => o.data['application/vnd.voxbook.planes+json'] !== undefined)!;
        expect(text(planes)).toMatch(/181×217×181 voxels.*with 116 labels/);
        expect(foreground(planes.data['image/png'] as string).share).toBeGreaterThan(0.2);
      }
    });
  });
}
