/**
 * 'voxbook/learn': models, training and inference (DESIGN.md §3, family "learn"). A separate
 * entry from 'voxbook' because it loads tfjs and its wasm backend: a notebook that does not
 * learn does not pay for them (in the browser, the kernel worker imports it on first use).
 */
export * from './model.ts';
export { unet2d, countParams, ModelConfigError, type Unet2dOptions } from './unet.ts';
export { initLearning, configureLearning, BackendUnavailableError, type InitLearningOptions, type LearningBackendInfo, type LearningBackendName } from './backend.ts';
export { loadOnnxModel, configureOnnxRuntime, type OnnxModelOptions, type OnnxRuntimeOptions, type OnnxSliceModel, type OnnxWasmPaths } from './onnx.ts';
export { sliceDataset, sliceGeometry, toModelSquare, fromModelSquare, type SliceDataset, type SliceDatasetOptions, type SlabSpec, type SlabRange, type SliceAxis, type SliceBatch, type SliceSet, type SliceGeometry } from './dataset.ts';
export { augmentSlice, corruptVolume, createRng, type AugmentOptions, type CorruptOptions, type Rng } from './augment.ts';
export { intensityNormalization, normalizeValue, assertFiniteVolume, type IntensityNormalization, type NormalizeOptions } from './normalize.ts';
export { train, fineTune, learningRateAt, type TrainOptions, type FineTuneOptions, type TrainResult, type TrainingProgress, type EpochRecord, type BatchRecord, type LearningRateSchedule } from './train.ts';
export { saveCheckpoint, loadCheckpoint, fileModelHandler, type Checkpoint, type TrainingRun } from './checkpoint.ts';
export { predictVolume, probabilityToMask, binaryConfidence, type PredictOptions, type VolumePrediction } from './predict.ts';
export { tfjsSliceModel } from './tfjs-model.ts';
export { trainingMonitor, trainingView, trainingSummary, type TrainingMonitor, type LiveView, type TrainingViewOptions } from '../viz/training.ts';
export { denoiseCnn, trainDenoiser, denoiseVolume, denoiseTrainingView, denoiseTrainingSummary, type DenoiseCnnOptions, type DenoiseTrainingData, type TrainDenoiserOptions, type DenoiseTrainingProgress, type DenoiseVolumeOptions } from './denoise.ts';
export { accelerateBatchNormLayers } from './kernels/batchnorm.ts';
