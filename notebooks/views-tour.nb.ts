// %% [markdown]
// # A tour of the views
//
// Every view Voxbook draws, on real scans: a volume rendering of a head CT with the bone
// preset, three linked planes with the bone mask over them, the skull inside a translucent
// skin, the four renders for a pyramid-reflector display, a histogram with the thresholds
// marked — and, on an MRI, the AAL atlas over the T1 with each region's name in the probe.
//
// Open it in the app (`npm start`, then `/?nb=notebooks/views-tour.nb.ts`) to turn, scroll,
// window, probe and clip; or run it headless:
// `npx voxbook run notebooks/views-tour.nb.ts --out out/` — the `.ipynb` then holds a PNG of
// each 3-D view (meshes drawn by a CPU rasteriser, the volume as its maximum-intensity
// projection; the line under each image says which). Add `--render browser` to have the app's
// own renderers draw them in headless Chromium instead (slower; needs Debian's chromium).
//
// The CT is the sample head *ProMED CT 0051* from InVesalius (GPL-2); the MRI is the Colin27 T1
// with the AAL atlas (mricron-data). `npm run fetch-data` fetches both. Without them a
// synthetic head phantom stands in for the CT, and the MRI section says what is missing.
//
// **Kept fast:** the volume rendering and both meshes use the CT downsampled 2× (each voxel
// the mean of a 2×2×2 block: 128×128×54 instead of 256×256×108, 8× fewer voxels). The planes
// and the histogram use the full-resolution CT; the MRI is shown at its own resolution.

// %% id="parameters" tags=["parameters"]
/** A DICOM folder, a NIfTI file, an InVesalius project (.inv3), or a sample id. */
const input = 'ct-head-0051';
/** Downsampling for the volume rendering and the meshes (integer ≥ 1; 1 = full resolution). */
const downsampleFactor = 2;
/** Bone: this HU range (InVesalius's "Bone" preset). */
const boneMinHu = 226;
const boneMaxHu = 3071;
/** Skin: the head is everything from this HU up (air is about −1000, fat about −100). */
const skinMinHu = -300;

// %% id="load"
import {
  describeSource, downsample, fillHoles, fourView, histogram, InputNotFoundError, isosurface, isosurfaceOfMask, keepLargestComponents, loadInput, loadLabels,
  markdown, meshView, planesView, smoothMesh, threshold, volumeView, withData,
} from 'voxbook';

const ct = await loadInput(input);
// The grid of the volume rendering and the meshes.
const grid = downsampleFactor > 1 ? downsample(ct, downsampleFactor, { signal }) : ct;
describeSource(ct)

// %% id="volume" title="Volume rendering"
// GPU ray casting (vtk.js) with the CT bone preset: drag to turn; the preset menu, the
// transfer-function editor, the crop box and the clipping plane are under the view.
volumeView(grid, { preset: 'ct-bone', name: `head CT, bone preset (${downsampleFactor}× downsampled)` })

// %% id="planes" title="Linked planes with the bone mask"
// Axial, coronal and sagittal planes through one point (click or drag to move it, scroll for
// the next slice, right-drag for window/level); the bone mask in orange; the probe gives the
// voxel, its position in mm (LPS) and its value in HU.
const bone = threshold(ct, { minHu: boneMinHu, maxHu: boneMaxHu });
planesView(ct, { overlay: bone, window: 'ct-bone', name: `head CT, bone ${boneMinHu}..${boneMaxHu} HU` })

// %% id="meshes" title="Skull inside the skin"
// The skull: the largest 26-connected piece of the bone range (the CT's head holder is
// bone-dense too, and dropped), its surface at boneMinHu − 0.5 HU. The skin: the largest piece
// of everything from skinMinHu up, holes filled (so the airways and sinuses do not show
// through), its surface smoothed (windowed sinc) off the voxel staircase.
const skullMask = keepLargestComponents(threshold(grid, { minHu: boneMinHu, maxHu: boneMaxHu }), { count: 1, connectivity: 26, signal }).mask;
const skull = isosurface(grid, { isoValue: boneMinHu - 0.5, mask: skullMask, signal });
const headMask = fillHoles(keepLargestComponents(threshold(grid, { minHu: skinMinHu, maxHu: 3071 }), { count: 1, connectivity: 26, signal }).mask, { signal });
const skin = smoothMesh(isosurfaceOfMask(headMask), { iterations: 20, passBand: 0.1, signal }).mesh;
const parts = [
  { name: 'skull', mesh: skull, color: '#F0E6D2' },
  { name: 'skin', mesh: skin, color: '#D55E00', opacity: 0.3 },
];
meshView(parts, { name: 'skull and skin' })

// %% id="four" title="Four views for a pyramid display"
// Front, the patient's left, back and right, around a black centre: put a phone-style
// reflector pyramid on the screen's centre. "Save PNG" under the view exports the layout.
fourView(parts, { name: 'skull and skin, four views' })

// %% id="histogram" title="Histogram with the thresholds"
// Counts per 10 HU on a log axis (air and soft tissue dwarf bone); the rules mark the skin and
// bone thresholds used above.
histogram(ct, { markers: { skinMinHu, boneMinHu, boneMaxHu } })

// %% id="mri" title="MRI: the AAL atlas over the T1"
// The Colin27 T1 with the AAL atlas (116 regions) as a label map in its own colours; hover or
// click for the region's name in the probe readout.
const mri = await (async () => {
  try {
    return { t1: await loadInput('mri-colin27'), aal: await loadInput('mri-colin27/aal.nii.gz'), names: await loadLabels('mri-colin27/aal.nii.txt') };
  } catch (e) {
    if (e instanceof InputNotFoundError) return undefined;
    throw e;
  }
})();
mri
  ? planesView(mri.t1, { labels: mri.aal, labelTable: mri.names, name: 'Colin27 T1 + AAL atlas' })
  : markdown('**No MRI:** the sample `mri-colin27` (T1 and AAL atlas) is not in the data cache; run `npm run fetch-data` to see the atlas over the T1 here.')
