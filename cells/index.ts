/**
 * The domain library: pipeline stages as plain typed functions (DESIGN.md §3). Nothing here
 * imports the kernel, the app or datasets/. Notebooks import the package entry
 * (`index.ts` at the root: this plus the sample loaders).
 */
export * from './core/errors.ts';
export * from './core/volume.ts';
export * from './core/labelmap.ts';
export * from './core/mesh.ts';
export * from './core/stage.ts';
export { cropVolume, axialSlab } from './core/crop.ts';
export { gaussianFilter, gaussianTaps, sigmaInVoxels, type GaussianFilterOptions } from './preprocess/gaussian.ts';
export { medianFilter, type MedianFilterOptions } from './preprocess/median.ts';
export { downsample } from './preprocess/downsample.ts';
export { simulateLowDose, addedNoiseSigmaHu, type LowDoseOptions, type LowDoseSimulation } from './preprocess/noise.ts';
export * from './io/index.ts';
export * from './segment/threshold.ts';
export * from './segment/components.ts';
export * from './segment/fragments.ts';
export { otsuThreshold, type OtsuOptions } from './segment/otsu.ts';
export { binaryErosion, binaryDilation, binaryOpening, binaryClosing, type MorphologyOptions } from './segment/morphology.ts';
export { fillHoles, type FillHolesOptions } from './segment/fill-holes.ts';
export { keepLargestComponents, keepComponentsAt, type LargestComponentsOptions, type LargestComponents, type ComponentsAtOptions } from './segment/largest.ts';
export { classicBrainMask, type ClassicBrainMaskOptions, type ClassicBrainMask } from './segment/brain.ts';
export * from './metrics/index.ts';
export { isosurface, isosurfaceOfMask, type IsosurfaceOptions, type MaskSurfaceOptions } from './mesh/isosurface.ts';
export { validateMesh, type MeshReport } from './mesh/validate.ts';
export { meshShells, removeSmallShells, type MeshShells, type ShellRemoval } from './mesh/shells.ts';
export { decimateMesh, decimateForDisplay, MAX_TRIANGLE_BUDGET, type DecimateOptions, type Decimation, type DisplayDecimated } from './mesh/decimate.ts';
export { meshTopology, type MeshTopology, type MeshTopologyOptions } from './mesh/topology.ts';
export { smoothMesh, type SmoothOptions, type Smoothed } from './mesh/smooth.ts';
export { meshDistance, meshToVoxelDistance, type SurfaceDistance } from './mesh/distance.ts';
export { labelSurfaces, LABEL_PALETTE, type LabelSurfacesOptions, type LabelSurfaces, type LabelPart } from './mesh/label-surfaces.ts';
export { smoothLabelSurfaces, type SmoothedLabels } from './mesh/smooth-labels.ts';
export { buildBvh, RayCaster, type TriangleBvh } from './mesh/bvh.ts';
export { wallThickness, vertexNormals, type WallThickness, type WallThicknessOptions } from './mesh/thickness.ts';
// Mesh writers and readers (STL, OBJ, PLY, 3MF) come with ./io/index.ts above.
export * from './viz/index.ts';
export * from './print/index.ts';
export { loadOnnxModel, configureOnnxRuntime, type OnnxModelOptions, type OnnxRuntimeOptions, type OnnxSliceModel, type OnnxWasmPaths } from './learn/onnx.ts';
