/**
 * `npm run bench:view-bundles`: what each view's display bundle costs on the real head CT —
 * time to build it in Node, the bytes it hands the page (typed arrays by reference and the JSON
 * rest), whether it copied the volume, the bytes of its output in the exported HTML page and
 * of its PNG for the .ipynb. Writes bench/results/view-bundles.md.
 *
 * Copies: a bundle holds the volume's own arrays (0 copies in Node); the kernel's postMessage
 * structured-clones them once to the page; the exported page holds them once as base64.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { loadInv3 } from '../cells/io/inv3.ts';
import { threshold } from '../cells/segment/threshold.ts';
import { removeIslands } from '../cells/segment/components.ts';
import { removeDetachedFragments } from '../cells/segment/fragments.ts';
import { keepLargestComponents } from '../cells/segment/largest.ts';
import { isosurface } from '../cells/mesh/isosurface.ts';
import { smoothMesh } from '../cells/mesh/smooth.ts';
import { MIME_METHOD, type MimeBundle, type View } from '../cells/viz/bundle.ts';
import { volumeView } from '../cells/viz/volume-view.ts';
import { planesView } from '../cells/viz/planes.ts';
import { fourView, meshView } from '../cells/viz/mesh-view.ts';
import { compareView } from '../cells/viz/compare-view.ts';
import { histogram } from '../cells/viz/histogram.ts';
import { encodeDocument } from '../app/static/encode.ts';
import { cachePath } from '../datasets/cache.ts';

const ROOT = resolve(import.meta.dirname, '..');

const ct = await loadInv3(await cachePath('Cranium.inv3'));
const bone = threshold(ct, { minHu: 226, maxHu: 3071 });
const islands = removeIslands(bone, { minIslandMm3: 200, connectivity: 26 });
const skullMask = keepLargestComponents(removeDetachedFragments(islands.mask, { minIslandMm3: 200 }).mask, { count: 1, connectivity: 26 }).mask;
const skull = smoothMesh(isosurface(ct, { isoValue: 225.5, mask: skullMask })).mesh;
const skin = smoothMesh(isosurface(ct, { isoValue: -300 })).mesh;
const dense = threshold(ct, { minHu: 400, maxHu: 3071 });

/** Typed arrays reachable from `value` (each counted once) and the JSON size of the rest. */
function measure(value: unknown): { arrays: ArrayBufferView[]; jsonBytes: number } {
  const arrays: ArrayBufferView[] = [];
  const seen = new Set<unknown>();
  const json = JSON.stringify(value, (_k, v: unknown) => {
    if (ArrayBuffer.isView(v)) {
      if (!seen.has(v)) {
        seen.add(v);
        arrays.push(v);
      }
      return null;
    }
    return v;
  });
  return { arrays, jsonBytes: json ? Buffer.byteLength(json) : 0 };
}

const mb = (n: number): string => (n / 1e6).toFixed(2);
const rows: string[] = [];
async function row(name: string, make: () => View<unknown>): Promise<void> {
  const t0 = performance.now();
  const bundle: MimeBundle = make()[MIME_METHOD]();
  const ms = performance.now() - t0;
  const { arrays, jsonBytes } = measure(bundle.data);
  const arrayBytes = arrays.reduce((s, a) => s + a.byteLength, 0);
  const volumeCopies = arrays.some((a) => a.buffer === ct.data.buffer) ? 0 : arrays.some((a) => a.byteLength === ct.data.byteLength) ? 1 : 0;
  const provenance = { notebook: 'bench.nb.ts', notebookSha256: '0'.repeat(64), parameters: {}, versions: {}, ranAt: new Date().toISOString() };
  const page = await encodeDocument({ title: name, provenance, cells: [{ id: 'v', kind: 'code', source: '', outputs: [bundle] }] });
  const png = typeof bundle.data['image/png'] === 'string' ? Buffer.byteLength(bundle.data['image/png']) * 0.75 : 0;
  const line = `| ${name} | ${ms.toFixed(0)} | ${mb(arrayBytes)} | ${(jsonBytes / 1e3).toFixed(1)} | ${volumeCopies} | ${mb(Buffer.byteLength(page.json))} | ${png ? (png / 1e3).toFixed(0) : '—'} |`;
  console.log(line);
  rows.push(line);
}

await row('volumeView (CT 256×256×108 int16, bone preset, MIP PNG)', () => volumeView(ct, { preset: 'ct-bone' }));
await row('planesView (CT + bone mask overlay, PNG)', () => planesView(ct, { overlay: bone }));
await row(`meshView (skull, ${(skull.indices.length / 3).toLocaleString('en')} triangles)`, () => meshView(skull, { name: 'skull' }));
await row(`meshView parts (skull + skin ${(skin.indices.length / 3).toLocaleString('en')} triangles, translucent)`, () => meshView([{ name: 'skull', mesh: skull }, { name: 'skin', mesh: skin, opacity: 0.3 }]));
await row('fourView (skull)', () => fourView(skull));
await row('compareView (CT, bone ≥ 226 vs ≥ 400 HU, PNG + Dice/HD95)', () => compareView(ct, bone, dense, { names: ['≥ 226 HU', '≥ 400 HU'] }) as View<unknown>);
await row('histogram (CT, SVG)', () => histogram(ct, { markers: { minHu: 226, maxHu: 3071 } }) as View<unknown>);

const md = `# View bundles on the real head CT

\`npm run bench:view-bundles\` — ${new Date().toISOString()}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}.
Build: the view function and its bundle in Node (PNG encoding included). To the page: the typed
arrays the bundle holds (by reference; the kernel's postMessage clones them once) and the JSON
rest. Volume copies: arrays in the bundle that are a copy of the CT's voxels (0 = the bundle holds
the volume's own array). Exported page: the one-cell HTML page (\`encodeDocument\`; meshes over the
preview budget are decimated for the page, volumes over the 16 MB embed cap leave their PNG, as planesView of the CT with its mask does here). PNG: the
image the .ipynb keeps.

| view | build (ms) | to the page: arrays (MB) | JSON (kB) | volume copies | exported page (MB) | PNG (kB) |
|---|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}
`;
writeFileSync(join(ROOT, 'bench/results/view-bundles.md'), md);
console.log(md);
