/**
 * A 2D U-Net (Ronneberger, Fischer & Brox 2015, "U-Net: Convolutional Networks for
 * Biomedical Image Segmentation", MICCAI, doi:10.1007/978-3-319-24574-4_28) built with
 * tf.layers, so it trains through the standard `model.compile/fit` or
 * `optimizer.minimize` + `tf.variableGrads` APIs on any tfjs backend.
 */
import * as tf from '@tensorflow/tfjs';
import { accelerateBatchNorm } from './kernels/batchnorm.ts';

/** Options of {@link unet2d}. */
export interface Unet2dOptions {
  /** Number of 2× poolings (encoder levels below full resolution). Default 3; ≥ 1. */
  depth?: number;
  /** Channels of the first level; level i has `baseChannels · 2^i`. Default 16; ≥ 1. */
  baseChannels?: number;
  /** Side of the square input in pixels; must be divisible by 2^depth. Default 128. */
  inputSize?: number;
  /** Input channels. Default 1. */
  inputChannels?: number;
  /** Seed of the Glorot-uniform kernel initialisers (deterministic weights). Default 1. */
  seed?: number;
}

/** Thrown when the U-Net options cannot give a valid network. */
export class ModelConfigError extends Error {
  override name = 'ModelConfigError';
}

/**
 * Builds a 2D U-Net for binary segmentation.
 *
 * Shapes: input `[batch, inputSize, inputSize, inputChannels]` (NHWC, float32),
 * output `[batch, inputSize, inputSize, 1]` **logits** (apply a sigmoid for
 * probabilities; train with BCE from logits).
 *
 * Layer arrangement (c = baseChannels, level i has c·2^i channels):
 * - block(n) = 2 × (Conv2D 3×3 'same' **with bias** → BatchNormalization (γ, β, moving mean,
 *   moving variance; momentum 0.9, ε 1e-5) → ReLU);
 * - encoder: block(c·2^i) then MaxPool 2×2 for i = 0 … depth−1;
 * - bottleneck: block(c·2^depth) (128 channels with the defaults);
 * - decoder, i = depth−1 … 0: Conv2DTranspose 2×2 stride 2 to c·2^i channels (with bias),
 *   concatenate [up, skip] on channels, block(c·2^i);
 * - head: Conv2D 1×1 to 1 channel with bias, linear (logits).
 *
 * With the defaults (depth 3, c 16, 1 input channel) this has exactly 484,561 parameters,
 * 483,153 trainable and 1,408 non-trainable (BatchNorm moving statistics over 704 channels) —
 * the same network as `bench/torch_unet_step.py` (PyTorch `Conv2d(bias=True)`,
 * `BatchNorm2d`, `ConvTranspose2d(bias=True)`).
 *
 * The BatchNormalization layers are standard tfjs-layers ones (they save and load as such);
 * when training on the wasm backend after `initLearning()` they run Voxbook's fused kernel
 * (cells/learn/kernels/batchnorm.ts), elsewhere tfjs's own ops.
 *
 * @throws ModelConfigError when depth/baseChannels/inputSize are not positive integers or
 *   inputSize is not divisible by 2^depth.
 */
export function unet2d(options: Unet2dOptions = {}): tf.LayersModel {
  const { depth = 3, baseChannels = 16, inputSize = 128, inputChannels = 1, seed = 1 } = options;
  for (const [name, v] of Object.entries({ depth, baseChannels, inputSize, inputChannels })) {
    if (!Number.isInteger(v) || v < 1) throw new ModelConfigError(`unet2d: ${name} must be a positive integer, got ${v}`);
  }
  if (inputSize % 2 ** depth !== 0) {
    throw new ModelConfigError(`unet2d: inputSize ${inputSize} is not divisible by 2^depth = ${2 ** depth}; use a multiple of ${2 ** depth}`);
  }
  let s = seed;
  const init = () => tf.initializers.glorotUniform({ seed: s++ });
  const conv = (x: tf.SymbolicTensor, filters: number, name: string) => {
    const y = tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', useBias: true, kernelInitializer: init(), name: `${name}_conv` }).apply(x) as tf.SymbolicTensor;
    const bn = accelerateBatchNorm(tf.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5, name: `${name}_bn` }));
    const n = bn.apply(y) as tf.SymbolicTensor;
    return tf.layers.reLU({ name: `${name}_relu` }).apply(n) as tf.SymbolicTensor;
  };
  const block = (x: tf.SymbolicTensor, filters: number, name: string) => conv(conv(x, filters, `${name}a`), filters, `${name}b`);

  const input = tf.input({ shape: [inputSize, inputSize, inputChannels], name: 'image' });
  let x: tf.SymbolicTensor = input;
  const skips: tf.SymbolicTensor[] = [];
  for (let i = 0; i < depth; i++) {
    x = block(x, baseChannels * 2 ** i, `enc${i}`);
    skips.push(x);
    x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `pool${i}` }).apply(x) as tf.SymbolicTensor;
  }
  x = block(x, baseChannels * 2 ** depth, 'mid');
  for (let i = depth - 1; i >= 0; i--) {
    const up = tf.layers.conv2dTranspose({ filters: baseChannels * 2 ** i, kernelSize: 2, strides: 2, padding: 'valid', useBias: true, kernelInitializer: init(), name: `up${i}` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.concatenate({ axis: -1, name: `cat${i}` }).apply([up, skips[i]!]) as tf.SymbolicTensor;
    x = block(x, baseChannels * 2 ** i, `dec${i}`);
  }
  const logits = tf.layers.conv2d({ filters: 1, kernelSize: 1, useBias: true, kernelInitializer: init(), name: 'head' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits, name: `unet2d_d${depth}_c${baseChannels}` });
}

/** Parameter counts of a model: all weights, trainable ones, and the rest (BatchNorm statistics). */
export function countParams(model: tf.LayersModel): { total: number; trainable: number; nonTrainable: number } {
  const size = (ws: tf.LayerVariable[]) => ws.reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
  const trainable = size(model.trainableWeights);
  const nonTrainable = size(model.nonTrainableWeights);
  return { total: trainable + nonTrainable, trainable, nonTrainable };
}
