/**
 * Hollowing and judging bench on the real skull: the largest 26-connected component of
 * 226..3071 HU of the head CT, meshed at 225.5 HU. Times `judgeManifold` (manifold-3d's
 * build and our `validateMesh`; median of 3) and `hollowMesh` at shellMm 2 and 3 (default
 * voxel size; one run each, they take tens of seconds), with what they measure: material
 * saved, wall thickness at the inner vertices, cavities, refinements, and both judges' verdicts
 * on the result. No peer runs here (PrusaSlicer hollows only inside its SLA pipeline).
 * Writes bench/results/print-hollow.md.
 *
 *   node --import tsx bench/print-hollow.ts
 */
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { loadInv3 } from '../cells/io/inv3.ts';
import { threshold } from '../cells/segment/threshold.ts';
import { keepLargestComponents } from '../cells/segment/largest.ts';
import { isosurface } from '../cells/mesh/isosurface.ts';
import { hollowMesh } from '../cells/print/hollow.ts';
import { judgeManifold } from '../cells/print/judge.ts';
import { cachePath } from '../datasets/cache.ts';
import { writeFileAtomic } from '../kernel/node/fs-atomic.ts';

const ROOT = resolve(import.meta.dirname, '..');
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const ct = await loadInv3(await cachePath('Cranium.inv3'));
const skull = isosurface(ct, { isoValue: 225.5, mask: keepLargestComponents(threshold(ct, { minHu: 226, maxHu: 3071 })).mask });
const T = skull.indices.length / 3;

const judgeTimes: number[] = [];
let judged = await judgeManifold(skull);
for (let r = 0; r < 3; r++) {
  const t = performance.now();
  judged = await judgeManifold(skull);
  judgeTimes.push(performance.now() - t);
}
const rows: string[] = [];
for (const shellMm of [2, 3]) {
  const t = performance.now();
  const h = await hollowMesh(skull, { shellMm });
  const s = (performance.now() - t) / 1000;
  const j = await judgeManifold(h.mesh);
  rows.push(`| ${shellMm} | ${h.voxelMm.toFixed(3)} | ${s.toFixed(1)} | ${h.materialSavedPercent.toFixed(1)} | ${h.minWallMm.toFixed(3)} / ${h.meanWallMm.toFixed(3)} | ${h.cavities} | ${h.refinements} | ${(h.mesh.indices.length / 3).toLocaleString('en')} | ${j.status}, genus ${j.genus} (ours ${j.oursGenus}), ${j.printable ? 'printable' : 'NOT printable'}${j.disagreements.length ? ': ' + j.disagreements.join('; ') : ''} |`);
  console.log(rows.at(-1));
}
const md = `# Hollowing and judging the real skull

\`node --import tsx bench/print-hollow.ts\`, ${new Date().toISOString()}, ${cpus()[0]?.model ?? '?'} (${cpus().length} cores), load ${loadavg()[0]!.toFixed(2)}, Node ${process.version}.

Skull: largest 26-connected component of 226..3071 HU, marching cubes at 225.5 HU: ${T.toLocaleString('en')} triangles, ${judged.ours.volumeMm3.toFixed(0)} mm³.

judgeManifold (manifold-3d ${'3.5'} build + validateMesh): median of 3 ${(median(judgeTimes) / 1000).toFixed(2)} s; status ${judged.status}, genus ${judged.genus} (ours ${judged.oursGenus}), volume ${judged.volumeMm3.toFixed(1)} vs ours ${judged.ours.volumeMm3.toFixed(1)} mm³, ${judged.printable ? 'printable' : 'not printable'}.

hollowMesh, default voxel size (shellMm / 4, coarser so the grid holds ≤ 2²⁴ voxels), one run each:

| shellMm | voxelMm | s | material saved % | wall min / mean mm | cavities | refinements | triangles | both judges on the result |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

The cavities are the skull's thick parts (vault diploë, skull base); hundreds of them are small
and sealed: a resin print needs a drain hole per cavity, or small cavities left solid.
`;
await writeFileAtomic(join(ROOT, 'bench', 'results', 'print-hollow.md'), md);
console.log(md);
