/**
 * HTML export of ct-to-print on the real head CT: the page's size and what it is made of,
 * the export time with the viewer cached (median of 5), the first viewer build, and the
 * decimation of the bone alone. The notebook runs once, headless, in a kernel worker (no
 * cache), and its outputs are exported as `voxbook run --html` exports them.
 *
 * `node --import tsx bench/html-export.ts` → bench/results/html-export.md
 */
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runNotebookInWorker } from '../kernel/node/run-notebook.ts';
import { parsePercent } from '../kernel/notebook/percent.ts';
import { sha256Hex } from '../kernel/hash.ts';
import { runtimeVersions } from '../kernel/node/versions.ts';
import { writeFileAtomic } from '../kernel/node/fs-atomic.ts';
import { MIME, type MeshData } from '../kernel/protocol.ts';
import { exportNotebookHtml, DEFAULT_LIMITS } from '../app/static/node.ts';
import { staticViewerScript } from '../app/static/viewer-build.ts';
import { decimateForDisplay } from '../cells/mesh/decimate.ts';

const ROOT = resolve(import.meta.dirname, '..');
const NOTEBOOK = join(ROOT, 'notebooks/ct-to-print.nb.ts');
const RUNS = 5;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mb = (n: number) => (n / 1e6).toFixed(2);

const load0 = loadavg()[0]!;
const text = readFileSync(NOTEBOOK, 'utf8');
const outcome = await runNotebookInWorker(text);
if (!outcome.ok) throw new Error('ct-to-print failed; run it with voxbook run to see why');
const nb = parsePercent(text);
const input = {
  title: 'ct-to-print',
  provenance: { notebook: 'ct-to-print.nb.ts', notebookSha256: await sha256Hex(text), parameters: outcome.parameters, versions: runtimeVersions(), ranAt: new Date().toISOString() },
  cells: nb.cells.map((c) => {
    const r = outcome.cells.get(c.id);
    return { id: c.id, kind: c.kind, source: c.source, outputs: r?.outputs ?? [], ...(r ? { status: r.status, ms: r.ms, cached: r.cached } : {}) };
  }),
  whereLargeFilesAre: "it is in the run's output folder, beside this page",
};

// The first build of the viewer, into a cache file of its own.
const cold = await staticViewerScript({ cacheFile: join(mkdtempSync(join(tmpdir(), 'vb-bench-viewer-')), 'viewer.json') });
await staticViewerScript(); // the shared cache is warm for the runs below

const times: number[] = [];
let html = '';
for (let i = 0; i < RUNS; i++) {
  const page = await exportNotebookHtml(input);
  times.push(page.ms);
  html = page.html;
}

// As a cached `voxbook run --html` exports: the packed preview from the result cache.
const cacheDir = mkdtempSync(join(tmpdir(), 'vb-bench-cache-'));
await exportNotebookHtml(input, DEFAULT_LIMITS, { cacheDir });
const cachedTimes: number[] = [];
for (let i = 0; i < RUNS; i++) cachedTimes.push((await exportNotebookHtml(input, DEFAULT_LIMITS, { cacheDir })).ms);

const mesh = outcome.cells.get('mesh')!.outputs.map((b) => b.data[MIME.mesh] as MeshData | undefined).find((m) => m)!;
const decimation: number[] = [];
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  await decimateForDisplay(mesh, { targetTriangles: DEFAULT_LIMITS.meshPreviewTriangles });
  decimation.push(performance.now() - t0);
}

const json = /<script type="application\/json" id="vb-document">([^<]*)<\/script>/.exec(html)![1]!;
const doc = JSON.parse(json) as { cells: { outputs: { data: Record<string, unknown> }[] }[] };
const meshes = doc.cells.flatMap((c) => c.outputs).map((b) => b.data[MIME.mesh] as { name?: string; indexCount: number } | undefined).filter((m) => m !== undefined);
const bytes = Buffer.byteLength(html);
const scriptBytes = bytes - Buffer.byteLength(json);

const lines = [
  '# HTML export bench',
  '',
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}.`,
  `\`node --import tsx bench/html-export.ts\`; load average ${load0.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end (a shared machine).`,
  '',
  `ct-to-print on the real head CT (bone mesh ${mesh.triangles.toLocaleString('en-US')} triangles; caps: ${DEFAULT_LIMITS.meshPreviewTriangles.toLocaleString('en-US')}-triangle mesh preview, files over ${DEFAULT_LIMITS.fileEmbedMaxBytes / 1e6} MB not embedded).`,
  '',
  '| | result |',
  '| --- | ---: |',
  `| ct-to-print.html | **${mb(bytes)} MB** |`,
  `| of which the viewer script (lit, marked, DOMPurify, vtk.js, meshoptimizer decoder) and page | ${mb(scriptBytes)} MB |`,
  ...meshes.map((m) => `| of which mesh "${m.name ?? 'mesh'}" (${(m.indexCount / 3).toLocaleString('en-US')} triangles, meshoptimizer codecs, base64) | ${mb(JSON.stringify(m).length)} MB |`),
  `| export, viewer cached (median of ${RUNS}) | **${median(times).toFixed(0)} ms** |`,
  `| of which decimating the bone to ${DEFAULT_LIMITS.meshPreviewTriangles.toLocaleString('en-US')} triangles (median of 3) | ${median(decimation).toFixed(0)} ms |`,
  `| export, viewer and mesh preview cached, as a cached \`voxbook run --html\` does (median of ${RUNS}) | **${median(cachedTimes).toFixed(0)} ms** |`,
  `| first build of the viewer (Vite, once per installation) | ${cold.ms.toFixed(0)} ms |`,
  '',
  `Runs, ms: export ${times.map((t) => t.toFixed(0)).join(', ')}; with the preview cached ${cachedTimes.map((t) => t.toFixed(0)).join(', ')}; decimation ${decimation.map((t) => t.toFixed(0)).join(', ')}.`,
  '',
];
await writeFileAtomic(join(ROOT, 'bench/results/html-export.md'), lines.join('\n'));
console.log(lines.join('\n'));
