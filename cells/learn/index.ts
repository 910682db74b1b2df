/**
 * 'voxbook/learn': models, training and inference (DESIGN.md §3, family "learn"). A separate
 * entry from 'voxbook' because it loads tfjs and its wasm backend: a notebook that does not
 * learn does not pay for them (in the browser, the kernel worker imports it on first use).
 */
export * from './model.ts';
export { unet2d, countParams, ModelConfigError, type Unet2dOptions } from './unet.ts';
export { initLearning, BackendUnavailableError, type InitLearningOptions, type LearningBackendInfo, type LearningBackendName } from './backend.ts';
export { loadOnnxModel, configureOnnxRuntime, type OnnxModelOptions, type OnnxRuntimeOptions, type OnnxSliceModel, type OnnxWasmPaths } from './onnx.ts';
