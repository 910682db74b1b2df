/**
 * Fused training-mode batch normalisation for the wasm backend, plugged into standard
 * `tf.layers.batchNormalization` layers without changing their class, weights or
 * serialisation (a saved model is a plain BatchNormalization and loads without Voxbook).
 *
 * In training mode on 'wasm' (with Voxbook's kernels registered) the layer computes, over
 * all axes but the last (channels), mean and biased variance (as tf.moments), then
 * y = (x − mean)/√(var + ε)·γ + β, with the gradient through the batch statistics of
 * Ioffe & Szegedy 2015 (arXiv:1502.03167 §3) in one kernel, and updates the moving
 * statistics exactly as tfjs-layers does (moving ← moving − (moving − batch)·(1 − momentum)).
 * Everywhere else (inference, other backends) the layer's own `call` runs.
 */
import * as tf from '@tensorflow/tfjs';

/** The parts of tfjs-layers' BatchNormalization we read (public at runtime, protected in its typings). */
interface BatchNormInternals {
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[];
  axis: number;
  epsilon: number;
  momentum: number;
  center: boolean;
  scale: boolean;
  gamma: tf.LayerVariable;
  beta: tf.LayerVariable;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}

const accelerated = new WeakSet<object>();

/** True when the fused path can run: backend 'wasm' with VoxBnGrad registered. */
export function fusedBatchNormAvailable(): boolean {
  return tf.getBackend() === 'wasm' && tf.getKernel('VoxBnGrad', 'wasm') != null;
}

/**
 * Training-mode batch normalisation of x (any rank ≥ 2, channels last, float32) with a
 * fused gradient for x, γ and β. Returns y (shape of x) and the batch mean and biased
 * variance ([c]; no gradient flows through these two).
 * Needs the wasm backend with Voxbook's kernels (see registerWasmGradKernels).
 */
export function fusedBatchNormTraining(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): { y: tf.Tensor; mean: tf.Tensor1D; variance: tf.Tensor1D } {
  let mean: tf.Tensor1D | null = null;
  let variance: tf.Tensor1D | null = null;
  const forward = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const [m, v] = tf.engine().runKernel('VoxBnStats', { x: xi }, {}) as tf.Tensor[];
    const y = tf.engine().runKernel('VoxBnApply', { x: xi, mean: m!, variance: v!, gamma: g, beta: b }, { epsilon }) as tf.Tensor;
    mean = tf.keep(m!.clone()) as tf.Tensor1D;
    variance = tf.keep(v!.clone()) as tf.Tensor1D;
    save([xi, m!, v!, g]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sm, sv, sg] = saved;
        return tf.engine().runKernel('VoxBnGrad', { x: sx!, dy, mean: sm!, variance: sv!, gamma: sg! }, { epsilon }) as tf.Tensor[];
      },
    };
  };
  const f = tf.customGrad(forward as unknown as Parameters<typeof tf.customGrad>[0]);
  const y = f(x, gamma, beta);
  return { y, mean: mean!, variance: variance! };
}

/**
 * Makes a `tf.layers.batchNormalization` layer (channels-last, center and scale on) use
 * {@link fusedBatchNormTraining} when training on wasm. Returns the same layer.
 */
export function accelerateBatchNorm<L extends tf.layers.Layer>(layer: L): L {
  if (accelerated.has(layer)) return layer;
  accelerated.add(layer);
  const bn = layer as unknown as BatchNormInternals;
  const own = bn.call.bind(layer);
  bn.call = (inputs, kwargs) => {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const channelsLast = bn.axis === -1 || bn.axis === x.rank - 1;
    if (!kwargs['training'] || !channelsLast || !bn.center || !bn.scale || x.dtype !== 'float32' || !fusedBatchNormAvailable()) {
      return own(inputs, kwargs);
    }
    return tf.tidy(() => {
      const { y, mean, variance } = fusedBatchNormTraining(x, bn.gamma.read() as tf.Tensor1D, bn.beta.read() as tf.Tensor1D, bn.epsilon);
      const decay = 1 - bn.momentum;
      for (const [v, batch] of [[bn.movingMean, mean], [bn.movingVariance, variance]] as const) {
        const orig = v.read();
        v.write(tf.sub(orig, tf.mul(tf.sub(orig, batch), decay)));
      }
      mean.dispose();
      variance.dispose();
      return y;
    });
  };
  return layer;
}

/**
 * Applies {@link accelerateBatchNorm} to every BatchNormalization layer of a model, e.g. one
 * loaded from a checkpoint with `tf.loadLayersModel` (its layers are plain tfjs ones).
 * @returns how many layers were accelerated.
 */
export function accelerateBatchNormLayers(model: tf.LayersModel): number {
  let n = 0;
  for (const layer of model.layers) {
    if (layer.getClassName() === 'BatchNormalization' && !accelerated.has(layer)) {
      accelerateBatchNorm(layer);
      n++;
    }
  }
  return n;
}
