/**
 * The adapter from a tfjs `LayersModel` (e.g. `unet2d`) to {@link SliceModel}, the interface
 * `predictVolume` takes.
 */
import * as tf from '@tensorflow/tfjs';
import { ParameterError } from '../core/errors.ts';
import { checkAbort } from '../core/stage.ts';
import type { SliceModel } from './model.ts';

/**
 * The square input side of a tfjs model that maps [n, s, s, 1] to [n, s, s, 1] logits.
 * @throws ParameterError naming the shape when the model's input or output is not of that
 *   form (one input, NHWC, square, one channel, fixed size) — such a model does not fit
 *   slice-wise segmentation.
 */
export function layersModelInputSize(model: tf.LayersModel): number {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new ParameterError(`model ${model.name} has ${model.inputs.length} inputs and ${model.outputs.length} outputs; a slice model needs one of each`);
  }
  const inShape = model.inputs[0]!.shape, outShape = model.outputs[0]!.shape;
  const [, h, w, c] = inShape;
  if (inShape.length !== 4 || typeof h !== 'number' || h !== w || c !== 1) {
    throw new ParameterError(`model ${model.name} takes input of shape [${inShape.map(String).join(', ')}]; a slice model needs [batch, size, size, 1] (square, one channel, fixed size)`);
  }
  if (outShape.length !== 4 || outShape[1] !== h || outShape[2] !== h || outShape[3] !== 1) {
    throw new ParameterError(`model ${model.name} outputs shape [${outShape.map(String).join(', ')}]; a slice model must output one logit per pixel, [batch, ${h}, ${h}, 1]`);
  }
  return h;
}

/**
 * Wraps a tfjs LayersModel as a {@link SliceModel}: `predictLogits` runs the model in
 * inference mode (BatchNorm with its moving statistics) on the active tfjs backend and
 * returns its logits. The model stays owned by the caller (`dispose` does nothing).
 *
 * @param options.name the name in reports; default `<model name> (tfjs, <backend>)`.
 * @throws ParameterError if the model is not [n, s, s, 1] → [n, s, s, 1] (see layersModelInputSize).
 */
export function tfjsSliceModel(model: tf.LayersModel, options: { name?: string } = {}): SliceModel {
  const inputSize = layersModelInputSize(model);
  return {
    name: options.name ?? `${model.name} (tfjs, ${tf.getBackend()})`,
    inputSize,
    async predictLogits(x: Float32Array, n: number, opts: { readonly signal?: AbortSignal } = {}): Promise<Float32Array> {
      if (!Number.isInteger(n) || n < 1 || x.length !== n * inputSize * inputSize) {
        throw new ParameterError(`predictLogits: ${x.length} values are not ${n} slices of ${inputSize}×${inputSize}`);
      }
      checkAbort('predictLogits', opts.signal);
      const y = tf.tidy(() => model.predict(tf.tensor4d(x, [n, inputSize, inputSize, 1])) as tf.Tensor);
      try {
        return (await y.data()) as Float32Array;
      } finally {
        y.dispose();
      }
    },
  };
}
