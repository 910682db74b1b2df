// %% [markdown]
// # From a head CT to a printable skull
//
// This notebook turns a CT scan into a print-ready STL of the bone, in six steps:
// load the scan, look at it, segment the bone by its Hounsfield units, drop loose
// fragments, extract a closed surface, check it, and export it.
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

// %% id="load"
import {
  describeSource, describeVolume, download, downsample, encodeStl, file, histogram, histogramBins, isosurface, keepLargestComponents, loadInput, markdown,
  meshCheckTable, meshView, runReport, removeDetachedFragments, removeIslands, select, sliceView, slider, table, threshold, validateMesh, withData,
} from 'voxbook';

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
meshView(surface, { name: 'bone' })

// %% id="validate" tags=["lazy"]
const check = validateMesh(surface);
meshCheckTable(check)

// %% id="export" tags=["lazy"]
const report = runReport({ volume: ct, mask: bone, islands, fragments, keep: { mode: keep, mask: printed, removed: kept.removed }, check, method, run: runInfo() });
display(download('report.json', report));
report.mesh.empty
  ? markdown(`**No STL written:** no voxels of ${ct.source?.input ?? 'the input'} lie in ${minHu}..${maxHu} HU after removing islands under ${minIslandMm3} mm³, so the surface is empty. Lower \`minHu\` or check the input's units.`)
  : download('bone.stl', encodeStl(surface))
