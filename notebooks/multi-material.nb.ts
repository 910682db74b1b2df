// %% [markdown]
// # A multi-material head: soft tissue and bone as one coloured 3MF
//
// This notebook turns a head CT into a two-part print: a label map (1 = soft tissue,
// 2 = bone), one closed surface per label whose shared boundary is the same surface in both
// parts (so the slicer sees no gap and no overlap between the materials), smoothed as one
// network so that the boundary stays shared, a material and
// infill per part from the Hounsfield units inside it, and one 3MF with an object per part.
//
// Run it in the browser (`npm start`, then `?nb=notebooks/multi-material.nb.ts`) or headless:
// `npx voxbook run notebooks/multi-material.nb.ts --out out/`. Without the sample data
// (`npm run fetch-data`) a synthetic head phantom stands in and the first output says so.
//
// The labels are meshed on the CT downsampled 2× by default (each voxel the mean of a 2×2×2
// block): the whole head's soft tissue at full resolution is about a million triangles more
// than a print of this kind needs. `-p downsampleFactor=1` meshes the full grid.

// %% id="parameters" tags=["parameters"]
/** A DICOM folder, a NIfTI file, an InVesalius project (.inv3), or a sample id. */
const input = 'ct-head-0051';
/** Downsampling of the CT before labelling (integer ≥ 1; 2 = 8× fewer voxels). */
const downsampleFactor = 2;
/** Soft tissue: the head's voxels in this HU range (fat to muscle and brain), holes filled. */
const softMinHu = -200;
const softMaxHu = 225;
/** Bone: this HU range (InVesalius's "Bone" preset), the largest 26-connected piece (the skull without the head holder). */
const boneMinHu = 226;
const boneMaxHu = 3071;
/** Bone pieces that meet the skull only along a voxel edge or corner and are smaller than this (mm³) become tissue. */
const minIslandMm3 = 200;
/** Windowed-sinc smoothing passes over both parts as one network (0 = the raw voxel-midpoint surfaces). */
const smoothIterations = 20;

// %% id="load"
import {
  assignMaterials, describeSource, download, downsample, encode3mf, fillHoles, isosurfaceOfMask, judgeManifold, keepLargestComponents, labelSurfaces, loadInput,
  fourView, markdown, meshView, printReport, removeDetachedFragments, sliceView, smoothLabelSurfaces, table, threshold, validateMesh, withData, type LabelMap, type ManifoldJudgement,
} from 'voxbook';

const ct = await loadInput(input);
describeSource(ct)

// %% id="labels"
// The grid the labels live on: the CT itself, or its 2× (3×, …) block means.
const grid = downsampleFactor > 1 ? downsample(ct, downsampleFactor, { signal }) : ct;
// Bone: the threshold's largest piece; the head holder's plates are bone-dense too and are dropped.
// Pieces that hang on only by a voxel edge or corner would be loose in the print: they become tissue.
const skullLargest = keepLargestComponents(threshold(grid, { minHu: boneMinHu, maxHu: boneMaxHu }), { count: 1, connectivity: 26, signal, onProgress: progress('bone') }).mask;
const skull = removeDetachedFragments(skullLargest, { minIslandMm3, signal, onProgress: progress('bone fragments') }).mask;
// Soft tissue: the soft range joined with the skull, its largest piece (scalp, skull and brain
// hang together through the bone), holes filled (the brain and enclosed cavities become
// tissue), less the bone.
const soft = threshold(grid, { minHu: softMinHu, maxHu: softMaxHu });
const head = keepLargestComponents(withData(soft, soft.data.map((v, i) => (v !== 0 || skull.data[i] !== 0 ? 1 : 0))), { count: 1, connectivity: 26, signal, onProgress: progress('soft tissue') }).mask;
const body = fillHoles(head, { signal });
const labelMap: LabelMap = {
  ...withData(grid, body.data.map((v, i) => (skull.data[i] !== 0 ? 2 : v !== 0 ? 1 : 0))),
  labels: [
    { value: 1, name: 'soft tissue', color: [213, 94, 0] }, // Okabe–Ito vermillion
    { value: 2, name: 'bone', color: [240, 228, 66] }, // Okabe–Ito yellow
  ],
};
sliceView(grid, { overlay: skull, heatmap: withData(grid, labelMap.data.map((v) => (v === 1 ? 1 : 0))) })

// %% id="surfaces"
// One closed surface per label; where tissue meets bone both parts have the same triangles.
const surfaces = labelSurfaces(labelMap, { signal, onProgress: progress('label surfaces') });
for (const o of surfaces.omitted) display(markdown(`**${o.name}** has no mesh: ${o.reason}.`));
const checks = surfaces.parts.map((p) => validateMesh(p.mesh));
// The union of both labels meshed as one: its volume less the parts' is the groove where
// tissue, bone and air meet (each part bevels its own edge there; see labelSurfaces).
const unionMm3 = validateMesh(isosurfaceOfMask(withData(labelMap, labelMap.data.map((v) => (v !== 0 ? 1 : 0))))).volumeMm3;
display(table({
  columns: ['part', 'triangles', 'closed', 'edge-manifold', 'shells', 'volume (mm³)', 'voxels × voxel volume (mm³)'],
  rows: surfaces.parts.map((p, i) => [p.name, checks[i]!.triangles, checks[i]!.closed, checks[i]!.edgeManifold, checks[i]!.shells, Math.round(checks[i]!.volumeMm3), Math.round(p.voxelVolumeMm3)]),
}, 'Label surfaces'));
markdown(`Both labels meshed as one enclose ${Math.round(unionMm3)} mm³; the parts together ${Math.round(checks.reduce((s, c) => s + c.volumeMm3, 0))} mm³ (the difference is the groove along the lines where tissue, bone and air meet).`)

// %% id="smooth"
// Smoothing without shrinkage (windowed sinc, VTK's defaults) of both parts welded into one
// network: a vertex the parts share moves once, for both, so the boundary stays shared; the
// lines where tissue, bone and air meet stay fixed.
const smoothed = smoothIterations > 0 ? smoothLabelSurfaces(surfaces.parts, { iterations: smoothIterations, signal, onProgress: progress('smooth') }) : undefined;
const printedParts = smoothed?.parts ?? surfaces.parts;
const smoothChecks = printedParts.map((p) => validateMesh(p.mesh));
table({
  columns: ['part', 'closed', 'edge-manifold', 'volume (mm³)', 'volume change'],
  rows: printedParts.map((p, i) => [p.name, smoothChecks[i]!.closed, smoothChecks[i]!.edgeManifold, Math.round(smoothChecks[i]!.volumeMm3), smoothed ? `${(100 * smoothed.volumeChanges[i]!).toFixed(2)}%` : 'not smoothed']),
}, smoothed ? `Smoothed, ${smoothIterations} iterations (${smoothed.fixedVertices} of ${smoothed.vertices} network vertices fixed)` : 'Not smoothed')

// %% id="materials"
// Material and infill from the HU inside each label (the median against DEFAULT_MATERIAL_TABLE:
// > 800 HU rigid bone-like at 80%, 20–40 HU soft silicone-like at 50%; pass `table` to change it).
const materials = assignMaterials(printedParts, grid, { labelMap, signal });
for (const w of materials.warnings) display(markdown(`**Warning:** ${w}`));
display(materials.view);
// Both parts in one view: the soft tissue translucent over the opaque bone (untick a part in the
// legend to hide it; clip, measure), then the four views for a pyramid display.
const viewParts = materials.parts.map((p) => ({ name: `${p.name}: ${p.material}, ${p.infillPercent}% infill`, mesh: p.mesh, color: p.color.slice(0, 7), opacity: p.name === 'soft tissue' ? 0.35 : 1 }));
display(meshView(viewParts, { name: 'head: tissue and bone' }));
display(fourView(viewParts, { name: 'head, four views' }));

// %% id="printability"
// The printability report of both parts on a common FDM printer: closed, manifold, shells, fit
// on the bed, an orientation, overhangs, thinnest walls (thin spots red in the view).
// Only the report's figures are the cell's value (so it persists in the cache); the table is shown.
const printability = (() => {
  const checked = printReport(materials.parts, { printer: 'fdm-mk4', signal, onProgress: progress('printability') });
  display(checked.table);
  return checked.report;
})();
display(download('print-report.json', printability));

// %% id="export"
// A second judge before anything is written: manifold-3d builds a solid from each part and must
// agree with our own check (closed, oriented 2-manifold, same volume and genus).
const judged: ManifoldJudgement[] = [];
for (const p of materials.parts) judged.push(await judgeManifold(p.mesh, { signal }));
display(table({
  columns: ['part', 'manifold-3d', 'genus', 'volume (mm³)', 'agrees with our check'],
  rows: materials.parts.map((p, i) => [p.name, judged[i]!.status, judged[i]!.genus, Math.round(judged[i]!.volumeMm3), judged[i]!.agreesWithOurs ? 'yes' : `NO: ${judged[i]!.disagreements.join('; ')}`]),
}, 'Second judge (manifold-3d)'));
// One 3MF: an object per part, a base material per part named by its material, in the part's colour.
judged.every((j) => j.printable)
  ? download('head.3mf', encode3mf(materials.parts, { title: `multi-material head from ${ct.source?.input ?? 'a CT'}`, signal, onProgress: progress('3mf') }))
  : markdown(`**No 3MF written:** ${materials.parts.filter((_, i) => !judged[i]!.printable).map((p) => p.name).join(', ')} is not a closed, outward 2-manifold by both judges; see the table above.`)
