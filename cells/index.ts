/**
 * The public 'voxbook' API: what notebooks import. Pipeline stages are plain typed
 * functions (DESIGN.md §3); nothing here imports the kernel or the app.
 *
 * The sample loaders (`loadInput`, `loadSample`, `headPhantom`) live in datasets/, which
 * builds on cells/; they are re-exported here so notebooks need one import.
 */
export * from './core/errors.ts';
export * from './core/volume.ts';
export * from './core/labelmap.ts';
export * from './core/mesh.ts';
export * from './core/stage.ts';
export * from './io/index.ts';
export * from './segment/threshold.ts';
export * from './segment/components.ts';
export * from './metrics/index.ts';
export { isosurface, isosurfaceOfMask, type IsosurfaceOptions } from './mesh/isosurface.ts';
export { validateMesh, type MeshReport } from './mesh/validate.ts';
export { encodeStl, decodeStl } from './io/stl.ts';
export * from './viz/index.ts';
export * from './print/index.ts';
export { loadInput, loadSample, headPhantom, SAMPLES } from '../datasets/index.ts';
