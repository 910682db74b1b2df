// %% [markdown]
// # From a head CT to a printable skull
//
// This notebook turns a CT scan into a print-ready STL and 3MF of the skull: load the scan,
// look at it, segment the bone by its Hounsfield units, drop loose fragments and the CT's head
// holder, extract a closed surface, smooth it without shrinking, decimate it to a face budget,
// check every stage (closed, manifold, volume, distance to the raw surface), and export it.
//
// In the browser, the `minHu` slider moves the threshold on the histogram and redraws a quick
// preview surface (the CT downsampled 2×) as you drag it. The full-resolution cells are
// tagged `lazy`: they turn *stale* instead of re-running on every move — press their
// "Run now" (or Run all) when the threshold is right.
//
// Run it in the browser (`npm start`) or headless:
// `npx voxbook run notebooks/ct-to-print.nb.ts --out out/ -p minHu=300 -p input=path/to/dicom`.
//
// The default input is the sample head CT *ProMED CT 0051* from InVesalius (GPL-2),
// fetched by `npm run fetch-data`; without it, a synthetic head phantom stands in.

// %% id="parameters" tags=["parameters"]
/**
 * A DICOM folder, a NIfTI file (.nii, .nii.gz), an InVesalius project (.inv3), or a sample id;
 * in the app, "Open file…" reads a scan of yours (.nii, .nii.gz, .inv3) with the same checks.
 */
const input = file('input', { value: 'ct-head-0051', accept: '.nii,.gz,.inv3,.dcm', folder: true, label: 'scan' });
/** Bone threshold in Hounsfield units, both ends inclusive (InVesalius's "Bone" preset): a slider in the app, `-p minHu=300` headless. */
const minHu = slider('minHu', { min: -1000, max: 3071, value: 226, label: 'bone threshold minHu (HU)' });
const maxHu = 3071;
/** Connected pieces (26-connected) smaller than this are dropped: they would fall off a print. mm³. */
const minIslandMm3 = 200;
/**
 * Which connected pieces to print: 'largest' keeps the skull alone (the CT's head holder, two
 * curved plates beside the skull, is bone-dense too and would be printed with it); 'all' keeps
 * every piece of at least minIslandMm3. A choice in the app, `-p keep=all` headless.
 */
const keep = select('keep', { options: ['largest', 'all'], value: 'largest', label: 'keep' });
/** Windowed-sinc smoothing passes (VTK's default 20) that remove the voxel staircase; 0 prints the raw marching-cubes surface. */
const smoothIterations = 20;
/** Face budget of the printed mesh: decimated (manifold kept) when the surface has more triangles. */
const targetTriangles = 600_000;
/** The printer the report checks against: 'fdm-mk4' (250×210×220 mm bed, 0.8 mm walls) or 'msla-resin' (143×89×175 mm, 0.4 mm). */
const printer = select('printer', { options: ['fdm-mk4', 'msla-resin'], value: 'fdm-mk4', label: 'printer' });

// %% id="load"
import {
  decimateMesh, describeSource, describeVolume, download, downsample, encode3mf, encodeStl, file, histogram, histogramBins, isosurface, judgeManifold,
  keepLargestComponents, loadInput, markdown, meshCheckTable, meshDistance, meshView, printReport, removeDetachedFragments, removeIslands, runReport, select, sliceView, slider,
  smoothMesh, table, threshold, validateMesh, withData,
} from 'voxbook';
import type { PrintabilityReport } from 'voxbook';

const ct = await loadInput(input);
describeSource(ct)

// %% id="describe"
if (ct.source?.valueUnit !== 'HU') {
  display(markdown(`**Warning:** this volume's values are not known to be Hounsfield units (modality: ${ct.source?.modality ?? 'unknown'}); the bone threshold assumes CT in HU.`));
}
display(describeVolume(ct));
// Counted once here, so that moving minHu redraws only the plot (next cell).
const huBins = histogramBins(ct, 10);
// The preview grid: each voxel the mean of a 2×2×2 block (8× fewer voxels).
const ctHalf = downsample(ct, 2);
sliceView(ct)

// %% id="histogram"
histogram(huBins, { markers: { minHu, maxHu } })

// %% id="preview"
// A quick look while minHu moves: the surface at minHu − 0.5 HU on the 2× downsampled CT,
// before island removal. The mesh that is exported is the full-resolution one below.
const preview = isosurface(ctHalf, { isoValue: minHu - 0.5 });
meshView(preview, { name: 'preview (2× downsampled)', color: [176, 196, 222] })

// %% id="segment" tags=["lazy"]
const bone = threshold(ct, { minHu, maxHu });
// The labellings take seconds on a full CT: `progress` shows each as a bar (a line in a terminal),
// and `signal` lets Stop end them.
const islands = removeIslands(bone, { minIslandMm3, connectivity: 26, signal, onProgress: progress('islands') });
// Pieces that meet the rest only along a voxel edge or at a corner have zero thickness there:
// the surface keeps them apart, so on the print they are loose too.
const fragments = removeDetachedFragments(islands.mask, { minIslandMm3, signal, onProgress: progress('fragments') });
display(table({
  columns: ['', 'components', 'voxels', 'volume (mm³)'],
  rows: [
    ['kept', islands.kept.length, islands.kept.reduce((s, c) => s + c.voxels, 0), Math.round(islands.kept.reduce((s, c) => s + c.volumeMm3, 0))],
    ['removed', islands.removed.length, islands.removed.reduce((s, c) => s + c.voxels, 0), Math.round(islands.removed.reduce((s, c) => s + c.volumeMm3, 0))],
    ['detached fragments removed', fragments.removed.length, fragments.removed.reduce((s, c) => s + c.voxels, 0), Math.round(fragments.removed.reduce((s, c) => s + c.volumeMm3, 0))],
  ],
}, `Bone ${minHu}..${maxHu} HU, islands under ${minIslandMm3} mm³ removed`));
// keep = 'largest': the skull alone; the other pieces (the head holder's plates) are listed
// and drawn in yellow on the slice, the printed bone in orange.
const kept = keep === 'largest'
  ? keepLargestComponents(fragments.mask, { count: 1, connectivity: 26, signal, onProgress: progress('largest') })
  : { mask: fragments.mask, kept: [], removed: [] };
const printed = kept.mask;
if (kept.removed.length > 0) {
  display(table({
    columns: ['component', 'voxels', 'volume (mm³)'],
    rows: [...kept.removed].sort((a, b) => b.voxels - a.voxels).map((c, n) => [`removed ${n + 1}`, c.voxels, Math.round(c.volumeMm3)]),
  }, `keep = ${keep}: printed the largest piece (${kept.kept[0]?.voxels ?? 0} voxels, ${Math.round(kept.kept[0]?.volumeMm3 ?? 0)} mm³); removed`));
}
const removedMask = withData(fragments.mask, fragments.mask.data.map((v, i) => (v !== 0 && printed.data[i] === 0 ? 1 : 0)));
sliceView(ct, { overlay: printed, heatmap: removedMask })

// %% id="mesh" tags=["lazy"]
// The surface follows the CT's own values at minHu − 0.5 (sub-voxel accurate, as InVesalius
// and Slicer do), restricted to the kept components; half a unit below the integer threshold,
// it never passes exactly through a voxel, so no zero-area triangles.
const method = {
  kind: 'hu-isosurface',
  isoValue: minHu - 0.5,
  description: `marching cubes on the HU values at ${minHu - 0.5} HU, restricted to the kept components without detached fragments${keep === 'largest' ? ', the largest only' : ''}, border padded so it closes`,
} as const;
const surface = isosurface(ct, { isoValue: method.isoValue, mask: printed, signal, onProgress: progress('surface') });
// Windowed-sinc smoothing (Taubin 1996) takes the voxel staircase off without shrinking the
// bone; decimation keeps the mesh under the face budget and manifold. Both only when there is
// a surface: an empty one is reported by the next cells.
const smoothed = surface.indices.length > 0 && smoothIterations > 0
  ? smoothMesh(surface, { iterations: smoothIterations, passBand: 0.1, signal, onProgress: progress('smooth') })
  : undefined;
const decimated = surface.indices.length > 0
  ? await decimateMesh(smoothed?.mesh ?? surface, { targetTriangles, signal, onProgress: progress('decimate') })
  : undefined;
const bonePrint = decimated?.mesh ?? smoothed?.mesh ?? surface;
if (decimated && !decimated.withinBudget) {
  display(markdown(`**Over budget:** decimation stopped at ${decimated.triangles} triangles (budget ${targetTriangles}) to keep the mesh manifold; raise \`targetTriangles\` or accept the larger file.`));
}
meshView(bonePrint, { name: 'bone' })

// %% id="validate" tags=["lazy"]
// Every stage is checked: still closed and manifold, how much volume it changed, and how far
// the printed surface lies from the raw marching-cubes surface (HD95, mm).
// Two judges of the printed mesh: our edge count (validateMesh) and manifold-3d, which builds
// a solid from it; both must call it a closed, outward 2-manifold and agree on volume and genus.
const judged = bonePrint.indices.length > 0 ? await judgeManifold(bonePrint, { signal, onProgress: progress('manifold-3d') }) : undefined;
const check = judged?.ours ?? validateMesh(bonePrint);
const rawCheck = validateMesh(surface);
const toRaw = smoothed || (decimated && !decimated.unchanged)
  ? meshDistance(bonePrint, surface, { signal, onProgress: progress('distance') })
  : undefined;
const stages = [
  { stage: 'isosurface', triangles: rawCheck.triangles, volumeMm3: rawCheck.volumeMm3, manifold: rawCheck.manifold },
  ...(smoothed ? [{ stage: `smooth (${smoothIterations} passes)`, triangles: smoothed.mesh.indices.length / 3, volumeMm3: smoothed.volumeAfterMm3, manifold: (bonePrint === smoothed.mesh ? check : validateMesh(smoothed.mesh)).manifold }] : []),
  ...(decimated ? [{
    stage: decimated.unchanged ? `decimate (≤ ${targetTriangles}): within budget, unchanged` : `decimate (≤ ${targetTriangles})`,
    triangles: check.triangles, volumeMm3: check.volumeMm3, manifold: check.manifold,
  }] : []),
];
display(table({
  columns: ['stage', 'triangles', 'volume (mm³)', 'change', 'closed & manifold'],
  rows: stages.map((st) => [st.stage, st.triangles, Math.round(st.volumeMm3), `${(100 * (st.volumeMm3 / (rawCheck.volumeMm3 || 1) - 1)).toFixed(2)}%`, st.manifold ? 'yes' : 'NO']),
}, toRaw ? `Printed surface vs the raw isosurface: HD95 ${toRaw.hd95Mm.toFixed(2)} mm, mean ${toRaw.meanMm.toFixed(3)} mm, max ${toRaw.hausdorffMm.toFixed(2)} mm` : 'Mesh stages'));
if (judged) {
  display(markdown(`**manifold-3d** (second judge): ${judged.status}, genus ${judged.genus}, ${Math.round(judged.volumeMm3)} mm³ — ${judged.agreesWithOurs ? 'agrees with our check' : `disagrees: ${judged.disagreements.join('; ')}`}.`));
}
meshCheckTable(check)

// %% id="printability" tags=["lazy"]
// Will it print? Size against the printer's build volume, an orientation with the least
// overhang, overhang area above 45°, and wall thickness by ray casting along inward normals:
// thin spots red (under the printer's minimum wall), orange (under twice that).
// Only the report's figures are kept as the cell's value (they go into report.json); the
// table and the coloured view are shown.
let printability: PrintabilityReport | undefined;
if (bonePrint.indices.length > 0) {
  // `check` is the validate cell's validateMesh of this same mesh: not computed again.
  const checked = printReport([{ name: 'skull', mesh: bonePrint, check, material: 'PLA (bone-like, rigid)', infillPercent: 80 }], { printer, signal, onProgress: progress('printability') });
  display(checked.table);
  display(checked.view);
  printability = checked.report;
}

// %% id="export" tags=["lazy"]
const report = runReport({
  volume: ct, mask: bone, islands, fragments, keep: { mode: keep, mask: printed, removed: kept.removed }, check, method, run: runInfo(),
  stages,
  ...(judged ? { secondJudge: { tool: 'manifold-3d', status: judged.status, genus: judged.genus, volumeMm3: judged.volumeMm3, agrees: judged.agreesWithOurs, printable: judged.printable } } : {}),
  ...(printability ? { printability } : {}),
  ...(toRaw ? { deviationFromRawMm: { hd95: toRaw.hd95Mm, mean: toRaw.meanMm, max: toRaw.hausdorffMm } } : {}),
});
display(download('report.json', report));
if (report.mesh.empty) {
  display(markdown(`**No STL written:** no voxels of ${ct.source?.input ?? 'the input'} lie in ${minHu}..${maxHu} HU after removing islands under ${minIslandMm3} mm³, so the surface is empty. Lower \`minHu\` or check the input's units.`));
} else if (!report.printable) {
  display(markdown(`**No STL written:** the bone surface is not a closed, outward 2-manifold by both judges (${check.openEdges} open, ${check.nonManifoldEdges} non-manifold edges; manifold-3d: ${judged?.status ?? 'not run'}); a slicer would guess at it. See the checks above.`));
} else {
  display(download('bone.stl', encodeStl(bonePrint)));
  display(download('bone.3mf', encode3mf([{ name: 'skull', mesh: bonePrint, color: '#E3DAC9' }])));
}
