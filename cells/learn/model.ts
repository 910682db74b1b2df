/**
 * What a segmentation model is to the rest of Voxbook, whatever runs it: a function from a
 * batch of square single-channel 2-D slices to one logit per pixel. tfjs models (trained in
 * a notebook) and ONNX models (onnxruntime-web) both adapt to it, so `predictVolume`,
 * metrics and views never ask which engine is underneath.
 *
 * Layout: a batch is `n` slices of `inputSize` × `inputSize` pixels, row-major (x fastest),
 * float32. With one channel, tfjs's NHWC [n, h, w, 1] and PyTorch/ONNX's NCHW [n, 1, h, w]
 * are the same bytes, so one buffer serves both.
 */

/** A model that maps slices to per-pixel logits (sigmoid(logit) = probability of foreground). */
export interface SliceModel {
  /** For reports and provenance: 'unet2d_d3_c16 (tfjs, wasm)', 'models/brain-unet-small.onnx'. */
  readonly name: string;
  /** Height = width of the slices it takes, pixels. */
  readonly inputSize: number;
  /**
   * Logits for `n` slices: `x` holds n·inputSize² values (see the layout above); the result
   * has the same length and layout.
   * @throws ParameterError if `x.length` is not n·inputSize².
   */
  predictLogits(x: Float32Array, n: number, options?: { readonly signal?: AbortSignal }): Promise<Float32Array>;
  /** Frees what the engine holds (tensors, sessions). Optional: the garbage collector suffices for small models. */
  dispose?(): void;
}
