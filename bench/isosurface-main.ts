/**
 * Isosurface benchmark on the real head CT (ct-head-0051, Cranium.inv3):
 *   node --import tsx bench/isosurface-main.ts [path/to/Cranium.inv3]
 *
 * Pipeline as the skull notebook runs it: threshold 226..3071 HU, islands < 200 mm³
 * removed (26-connectivity), then (a) the HU isosurface at 225.5 restricted to the kept
 * components and (b) the binary mask isosurface at 0.5. Prints times, triangle counts,
 * volumes and the validation report, against the reference figures (VTK flying edges on
 * the padded CT): 661,131 mm³ / 675,712 triangles for (a), 651,765 mm³ for (b).
 */
import { fileURLToPath } from 'node:url';
import { loadInv3 } from '../cells/io/inv3.ts';
import { isosurface, isosurfaceOfMask } from '../cells/mesh/isosurface.ts';
import { validateMesh } from '../cells/mesh/validate.ts';
import { removeIslands } from '../cells/segment/components.ts';
import { countNonZero, threshold } from '../cells/segment/threshold.ts';
import { benchIsosurface, median } from './isosurface.ts';

const path = process.argv[2] ?? fileURLToPath(new URL('../../shared/datasets/Cranium.inv3', import.meta.url));
const repeats = Number(process.env.REPEATS ?? 5);

const ct = await loadInv3(path);
const bone = threshold(ct, { minHu: 226, maxHu: 3071 });
const islands = removeIslands(bone, { minIslandMm3: 200, connectivity: 26 });
const kept = islands.mask;
console.log(`CT ${ct.dims.join('×')} @ ${ct.spacingMm.join('×')} mm; kept ${islands.kept.length} components, ${countNonZero(kept)} voxels; removed ${islands.removed.length}`);

const fmt = (x: number, d = 0): string => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

async function run(label: string, make: () => ReturnType<typeof isosurface>, refMm3: number, refTriangles: number | undefined, bench: () => ReturnType<typeof benchIsosurface>): Promise<void> {
  const mesh = make();
  const v0 = performance.now();
  const report = validateMesh(mesh);
  const validateMs = performance.now() - v0;
  const vs: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    validateMesh(mesh);
    vs.push(performance.now() - t0);
  }
  const b = await bench();
  console.log(`\n${label}`);
  console.log(`  ours:  ${fmt(report.triangles)} triangles, ${fmt(report.vertices)} vertices, ${fmt(report.volumeMm3, 1)} mm³ ` +
    `(reference ${fmt(refMm3)} mm³, ${fmt((report.volumeMm3 / refMm3 - 1) * 100, 2)} %` +
    (refTriangles ? `; reference ${fmt(refTriangles)} triangles)` : ')'));
  console.log(`  ours:  median ${fmt(median(b.oursMs), 1)} ms  [${b.oursMs.map((x) => fmt(x, 0)).join(', ')}]`);
  console.log(`  vtk.js ImageMarchingCubes: median ${fmt(median(b.vtkMs), 1)} ms  [${b.vtkMs.map((x) => fmt(x, 0)).join(', ')}], ${fmt(b.vtkTriangles)} triangles`);
  console.log(`  ratio vtk/ours: ${fmt(b.ratio, 1)}×`);
  console.log(`  validate: ${fmt(validateMs, 1)} ms first, median ${fmt(median(vs), 1)} ms warm; edgeManifold ${report.edgeManifold}, closed ${report.closed}, ` +
    `consistentlyOriented ${report.consistentlyOriented}, shells ${report.shells}, open ${report.openEdges}, non-manifold ${report.nonManifoldEdges}, ` +
    `degenerate ${report.degenerateTriangles}, area ${fmt(report.areaMm2, 0)} mm², size ${report.bbox.sizeMm.map((x) => fmt(x, 1)).join(' × ')} mm`);
}

await run('HU isosurface at 225.5, restricted to the kept components',
  () => isosurface(ct, { isoValue: 225.5, mask: kept }), 661_131, 675_712,
  () => benchIsosurface(ct, 225.5, kept, repeats));
await run('Binary mask isosurface at 0.5',
  () => isosurfaceOfMask(kept), 651_765, undefined,
  () => benchIsosurface(kept, 0.5, undefined, repeats));
