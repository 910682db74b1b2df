// %% [markdown]
// # The same job as the Python peer (bench)
//
// `npm run bench`'s like-for-like whole-process row: this notebook runs only the stages the
// Python script does with `--same-job` (bench/ct-to-print-peer.py, pydicom + scipy + VTK):
// load the DICOM series, threshold 226..3071 HU, drop 26-connected islands under 200 mm³, keep
// the largest 26-connected component, the HU isosurface at 225.5 restricted to it, windowed-sinc
// smoothing (20 passes, pass band 0.1), decimation only above 600,000 triangles, the edge check,
// binary STL. No views, no printability, no second judge, no distances, no 3MF; `voxbook run`
// still writes its executed .ipynb (that is part of running a notebook).
//
// `npx voxbook run bench/ct-to-print-same-job.nb.ts --out /tmp/same --no-cache -p input=data/ct-head-0051-dicom`

// %% id="parameters" tags=["parameters"]
const input = 'ct-head-0051';

// %% id="segment"
import { decimateMesh, encodeStl, download, isosurface, keepLargestComponents, loadInput, removeIslands, smoothMesh, threshold, validateMesh } from 'voxbook';

const ct = await loadInput(input);
const bone = threshold(ct, { minHu: 226, maxHu: 3071 });
const islands = removeIslands(bone, { minIslandMm3: 200, connectivity: 26 });
const largest = keepLargestComponents(islands.mask, { count: 1, connectivity: 26 });

// %% id="mesh"
const surface = isosurface(ct, { isoValue: 225.5, mask: largest.mask });
const smoothed = smoothMesh(surface, { iterations: 20, passBand: 0.1 });
const printed = smoothed.mesh.indices.length / 3 > 600_000
  ? (await decimateMesh(smoothed.mesh, { targetTriangles: 600_000 })).mesh
  : smoothed.mesh;
const check = validateMesh(printed);
`${check.triangles} triangles, ${check.openEdges} open and ${check.nonManifoldEdges} non-manifold edges`

// %% id="export"
download('bone.stl', encodeStl(printed))
