/**
 * The public 'voxbook' API: what notebooks import. Pipeline stages are plain typed
 * functions (DESIGN.md §3); nothing here imports the kernel or the app.
 */
export * from './core/errors.ts';
export * from './core/volume.ts';
export * from './core/labelmap.ts';
export * from './core/mesh.ts';
export * from './core/stage.ts';
export * from './segment/threshold.ts';
export * from './segment/components.ts';
