/**
 * `node --import tsx bench/whole-run-stages.ts [input]`: the calls of notebooks/ct-to-print.nb.ts,
 * in the notebook's order, in one process without the kernel, each timed once (cold: the
 * first call, as in a headless run) — where a whole `voxbook run` spends its cell time
 * (docs/research/whole-run-profile.md). Indented rows are parts of the row above, timed
 * again on their own. Default input: the DICOM series in data/.
 */
import { resolve } from 'node:path';
import {
  decimateMesh, describeVolume, downsample, encode3mf, encodeStl, histogramBins, isosurface, judgeManifold, keepLargestComponents, meshDistance, meshShells,
  meshView, printReport, removeDetachedFragments, removeIslands, runReport, sliceView, smoothMesh, threshold, validateMesh, wallThickness, withData,
} from '../index.ts';
import { chooseOrientation } from '../cells/print/orientation.ts';
import { loadInput } from '../datasets/index.ts';

const input = process.argv[2] ?? resolve(import.meta.dirname, '../data/ct-head-0051-dicom');
const rows: Array<[string, string, number]> = [];
let cell = '';
function time<T>(name: string, fn: () => T): T {
  const t0 = performance.now();
  const r = fn();
  rows.push([cell, name, performance.now() - t0]);
  return r;
}
async function timeAsync<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await fn();
  rows.push([cell, name, performance.now() - t0]);
  return r;
}

cell = 'load';
const ct = await timeAsync('loadInput', () => loadInput(input));
cell = 'describe';
time('describeVolume', () => describeVolume(ct));
time('histogramBins', () => histogramBins(ct, 10));
const half = time('downsample 2×', () => downsample(ct, 2));
time('sliceView', () => sliceView(ct));
cell = 'preview';
const preview = time('isosurface (half)', () => isosurface(half, { isoValue: 225.5 }));
time('meshView', () => meshView(preview, { name: 'preview' }));
cell = 'segment';
const bone = time('threshold', () => threshold(ct, { minHu: 226, maxHu: 3071 }));
const islands = time('removeIslands (26)', () => removeIslands(bone, { minIslandMm3: 200, connectivity: 26 }));
const fragments = time('removeDetachedFragments', () => removeDetachedFragments(islands.mask, { minIslandMm3: 200 }));
const kept = time('keepLargestComponents (26)', () => keepLargestComponents(fragments.mask, { count: 1, connectivity: 26 }));
const printed = kept.mask;
const removedMask = time('removedMask (withData map)', () => withData(fragments.mask, fragments.mask.data.map((v, i) => (v !== 0 && printed.data[i] === 0 ? 1 : 0))));
time('sliceView (overlay)', () => sliceView(ct, { overlay: printed, heatmap: removedMask }));
cell = 'mesh';
const surface = time('isosurface (masked)', () => isosurface(ct, { isoValue: 225.5, mask: printed }));
const smoothed = time('smoothMesh 20', () => smoothMesh(surface, { iterations: 20, passBand: 0.1 }));
const decimated = await timeAsync('decimateMesh 600k', () => decimateMesh(smoothed.mesh, { targetTriangles: 600_000 }));
const bonePrint = decimated.mesh;
time('meshView', () => meshView(bonePrint, { name: 'bone' }));
cell = 'validate';
const judged = await timeAsync('judgeManifold (incl. validateMesh)', () => judgeManifold(bonePrint));
const rawCheck = time('validateMesh (raw)', () => validateMesh(surface));
time('meshDistance printed↔raw', () => meshDistance(bonePrint, surface));
cell = 'printability';
// As the notebook does since it passes the validate cell's check (before: validateMesh again, the line below).
const pr = time('printReport (check given)', () => printReport([{ name: 'skull', mesh: bonePrint, check: judged.ours, material: 'PLA', infillPercent: 80 }], { printer: 'fdm-mk4' }));
time('  validateMesh it no longer repeats', () => validateMesh(bonePrint));
time('  of which meshShells', () => meshShells(bonePrint));
time('  of which chooseOrientation', () => chooseOrientation(bonePrint, { objective: 'overhang', buildMm: [250, 210, 220], maxOverhangDeg: 45 }));
time('  of which wallThickness', () => wallThickness(bonePrint));
cell = 'export';
const report = time('runReport', () => runReport({
  volume: ct, mask: bone, islands, fragments, keep: { mode: 'largest', mask: printed, removed: kept.removed }, check: judged.ours,
  method: { kind: 'hu-isosurface', isoValue: 225.5, description: '' }, run: { notebook: 'bench', parameters: {}, versions: {}, ranAt: '', timingsMs: {} } as never,
  stages: [], printability: pr.report,
}));
time('encodeStl', () => encodeStl(bonePrint));
time('encode3mf', () => encode3mf([{ name: 'skull', mesh: bonePrint, color: '#E3DAC9' }]));
void report; void rawCheck;
for (const [c, n, ms] of rows) console.log(`${c.padEnd(13)} ${n.padEnd(38)} ${ms.toFixed(0).padStart(6)} ms`);
