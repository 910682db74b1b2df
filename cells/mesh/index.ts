/** The mesh family: isosurface extraction, validation, and the STL reader/writer. */
export { isosurface, isosurfaceOfMask, type IsosurfaceOptions, type MaskSurfaceOptions } from './isosurface.ts';
export { validateMesh, type MeshReport } from './validate.ts';
export { encodeStl, decodeStl, DEFAULT_STL_HEADER } from '../io/stl.ts';
export { meshShells, removeSmallShells, type MeshShells, type ShellRemoval } from './shells.ts';
export { decimateMesh, decimateForDisplay, MAX_TRIANGLE_BUDGET, type DecimateOptions, type Decimation, type DisplayDecimated } from './decimate.ts';
export { meshTopology, type MeshTopology, type MeshTopologyOptions } from './topology.ts';
export { labelSurfaces, LABEL_PALETTE, type LabelSurfacesOptions, type LabelSurfaces, type LabelPart } from './label-surfaces.ts';
export { smoothLabelSurfaces, type SmoothedLabels } from './smooth-labels.ts';
export { buildBvh, RayCaster, type TriangleBvh } from './bvh.ts';
export { wallThickness, vertexNormals, type WallThickness, type WallThicknessOptions } from './thickness.ts';
