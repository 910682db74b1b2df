/**
 * `npm run bench`: the CT-to-print stages on the real head CT, each the median of 5 warm
 * runs, plus vtk.js ImageMarchingCubes on the same field and the whole headless run
 * (process start to files written). Writes bench/results/<stamp>.json and latest.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import {
  connectedComponents, encodeStl, isosurface, loadDicomSeries, loadInv3, removeDetachedFragments, removeIslands, threshold, validateMesh,
} from '../cells/index.ts';
import { cachePath } from '../datasets/cache.ts';
import { writeFileAtomic } from '../kernel/node/fs-atomic.ts';
import { benchIsosurface, median } from './isosurface.ts';

const REPEATS = 5;
const ROOT = resolve(import.meta.dirname, '..');

async function time<T>(fn: () => T | Promise<T>, repeats = REPEATS): Promise<{ ms: number[]; median: number; result: T }> {
  let result!: T;
  const ms: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    result = await fn();
    ms.push(performance.now() - t0);
  }
  return { ms, median: median(ms), result };
}

async function main() {
  const inv3 = await cachePath('Cranium.inv3');
  const dicomDir = await cachePath('ct-head-0051-dicom');
  const rows: Array<{ stage: string; medianMs: number; ms: number[]; note: string }> = [];
  const add = (stage: string, t: { ms: number[]; median: number }, note = '') => {
    rows.push({ stage, medianMs: +t.median.toFixed(1), ms: t.ms.map((x) => +x.toFixed(1)), note });
    console.log(`${stage.padEnd(34)} ${t.median.toFixed(1).padStart(8)} ms  ${note}`);
  };

  await loadInv3(inv3); // warm-up: JIT and file cache
  const load = await time(() => loadInv3(inv3));
  const ct = load.result;
  add('load .inv3 (gunzip, tar, plist)', load, `${ct.dims.join('×')}`);
  await loadDicomSeries(dicomDir);
  const dicom = await time(() => loadDicomSeries(dicomDir));
  add('load DICOM series (itk-wasm GDCM)', dicom, '108 shuffled files');
  const thr = await time(() => threshold(ct, { minHu: 226, maxHu: 3071 }));
  add('threshold 226..3071 HU', thr);
  const cc = await time(() => connectedComponents(thr.result, 26));
  add('connected components (26)', cc, `${cc.result.components.length} components`);
  const islands = await time(() => removeIslands(thr.result, { minIslandMm3: 200 }));
  add('remove islands < 200 mm³', islands, `${islands.result.kept.length} kept`);
  const fragments = await time(() => removeDetachedFragments(islands.result.mask, { minIslandMm3: 200 }));
  add('remove detached fragments', fragments, `${fragments.result.removed.length} removed`);
  const iso = await time(() => isosurface(ct, { isoValue: 225.5, mask: islands.result.mask }));
  add('isosurface (ours, HU @225.5, masked)', iso, `${iso.result.indices.length / 3} triangles`);
  const check = await time(() => validateMesh(iso.result));
  add('validate mesh', check, `manifold=${check.result.edgeManifold}, ${check.result.volumeMm3.toFixed(0)} mm³`);
  const out = mkdtempSync(join(tmpdir(), 'vb-bench-'));
  const stl = await time(async () => {
    await writeFileAtomic(join(out, 'bone.stl'), encodeStl(iso.result));
  });
  add('STL encode + atomic write', stl, `${(84 + 50 * iso.result.indices.length / 3) / 1e6} MB`);

  console.log('\nvtk.js ImageMarchingCubes on the same padded field:');
  const vs = await benchIsosurface(ct, 225.5, islands.result.mask, REPEATS);
  add('isosurface (ours, in the vtk.js bench)', { ms: vs.oursMs, median: median(vs.oursMs) }, `${vs.oursTriangles} triangles`);
  add('isosurface (vtk.js ImageMarchingCubes)', { ms: vs.vtkMs, median: median(vs.vtkMs) }, `${vs.vtkTriangles} triangles`);
  const ratio = median(vs.vtkMs) / median(vs.oursMs);
  console.log(`ours is ${ratio.toFixed(1)}× faster than vtk.js`);

  console.log('\nwhole headless run (node process start → files written):');
  const whole = await time(() => {
    const dir = join(out, 'run');
    execFileSync(process.execPath, [join(ROOT, 'bin/voxbook.mjs'), 'run', join(ROOT, 'notebooks/ct-to-print.nb.ts'), '--out', dir, '--quiet'], { stdio: 'pipe' });
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { mesh: { triangles: number } };
    rmSync(dir, { recursive: true, force: true });
    return report.mesh.triangles;
  });
  add('voxbook run notebooks/ct-to-print.nb.ts', whole, `${whole.result} triangles`);
  rmSync(out, { recursive: true, force: true });

  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}`;
  const result = { when: new Date().toISOString(), machine, repeats: REPEATS, vtkRatio: +ratio.toFixed(2), rows };
  await writeFileAtomic(join(ROOT, 'bench/results', `${stamp}.json`), JSON.stringify(result, null, 2) + '\n');
  const md = [
    `Measured ${result.when.slice(0, 10)} on ${machine}; median of ${REPEATS} warm runs (\`npm run bench\`).`,
    '',
    '| stage | median ms | note |',
    '| --- | ---: | --- |',
    ...rows.map((r) => `| ${r.stage} | ${r.medianMs} | ${r.note} |`),
    '',
    `Our isosurface is **${ratio.toFixed(1)}×** faster than vtk.js ImageMarchingCubes on the same field.`,
    '',
  ].join('\n');
  await writeFileAtomic(join(ROOT, 'bench/results/latest.md'), md);
  console.log(`\nwrote bench/results/${stamp}.json and bench/results/latest.md`);
}

await main();
