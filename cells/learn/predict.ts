/**
 * Whole-volume prediction with a slice model (tfjs or ONNX, through {@link SliceModel}):
 * the probability of foreground and a confidence for every voxel, on the input's grid.
 */
import { ParameterError } from '../core/errors.ts';
import { checkAbort, type StageOptions } from '../core/stage.ts';
import { withData, type Volume } from '../core/volume.ts';
import { fromModelSquare, readSlice, sliceGeometry, toModelSquare, writeSlice, type SliceAxis } from './dataset.ts';
import type { SliceModel } from './model.ts';
import { intensityNormalization, normalizedFloor, normalizeValue, type NormalizeOptions } from './normalize.ts';

/** Options of {@link predictVolume}. */
export interface PredictOptions extends StageOptions {
  /** Slicing axis; use the one the model was trained on. Default 2. */
  readonly axis?: SliceAxis;
  /**
   * Test-time augmentation: 'none' (default) runs each slice once; 'flips' runs it four times
   * (as is, mirrored in x, in y, in both), mirrors each output back and averages the four
   * probabilities.
   */
  readonly tta?: 'none' | 'flips';
  /** Slices per model call. Default 8. */
  readonly batchSize?: number;
  /** The slice size the model was trained at (the dataset's `size`): checked against the model. */
  readonly size?: number;
  /** Intensity normalisation percentiles; use those of training (default 0.5 and 99.5). */
  readonly normalize?: NormalizeOptions;
}

/** What {@link predictVolume} returns: two float volumes on the input's grid. */
export interface VolumePrediction {
  /** P(foreground) per voxel, 0..1. */
  readonly probability: Volume<Float32Array>;
  /** 1 − H(p̄)/ln 2 per voxel, 0..1 (see predictVolume). */
  readonly confidence: Volume<Float32Array>;
  /** The model's name, for provenance. */
  readonly model: string;
  /** Model passes per slice (1, or 4 with flips). */
  readonly passes: number;
}

/** Logistic sigmoid 1 / (1 + e^−z), stable for large |z|. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/**
 * Confidence of a probability: 1 − H(p)/ln 2, with H(p) = −p·ln p − (1 − p)·ln(1 − p) the
 * binary entropy in nats (0·ln 0 = 0). 1 at p ∈ {0, 1}, 0 at p = ½.
 */
export function binaryConfidence(p: number): number {
  const q = 1 - p;
  const h = (p > 0 ? -p * Math.log(p) : 0) + (q > 0 ? -q * Math.log(q) : 0);
  return 1 - h / Math.LN2;
}

/** Mirrors a size×size image in x and/or y into `out`. */
function mirror(src: Float32Array, out: Float32Array, offset: number, size: number, fx: boolean, fy: boolean): void {
  for (let y = 0; y < size; y++) {
    const sy = fy ? size - 1 - y : y;
    for (let x = 0; x < size; x++) out[offset + x + size * y] = src[(fx ? size - 1 - x : x) + size * sy]!;
  }
}

/**
 * Runs a slice model over every slice of `image` along `axis` and returns the probability of
 * foreground and its confidence per voxel, on the input's grid (same dims, spacing, origin,
 * direction).
 *
 * Per slice: the image is normalised exactly as `sliceDataset` does (percentile clip + z-score
 * over the whole volume, `intensityNormalization`), brought to the model's square by the slice
 * rule of cells/learn/dataset.ts (centred pad, half-pixel bilinear resize), run through the
 * model (once, or four times mirrored with `tta: 'flips'`), turned into probabilities by the
 * sigmoid, averaged over the passes (p̄, in the model square), and mapped back by the inverse
 * rule (bilinear resize, crop) onto the slice's voxels.
 *
 * **Confidence** is named and defined as *1 − normalised binary entropy of the test-time-
 * augmented mean probability*: c = 1 − H(p̄)/ln 2, H(p) = −p ln p − (1−p) ln(1−p). It is 1 where
 * the (averaged) model is certain (p̄ = 0 or 1) and 0 where it is undecided (p̄ = ½). With
 * `tta: 'none'` it measures the single pass's own certainty. It is not calibrated: a confident
 * wrong answer has high confidence (compare it with the error on labelled data).
 *
 * Memory: two float32 volumes plus one batch of slices.
 *
 * @throws ParameterError if the model's inputSize is not a positive integer or differs from
 *   `size`, if the model returns a wrong number of logits, for an option out of range, or if
 *   the image has a NaN/infinite voxel (named by its index).
 * @throws AbortError when `signal` fires (checked between model calls).
 */
export async function predictVolume(model: SliceModel, image: Volume, options: PredictOptions = {}): Promise<VolumePrediction> {
  const axis = options.axis ?? 2;
  const tta = options.tta ?? 'none';
  const batchSize = options.batchSize ?? 8;
  const s = model.inputSize;
  if (!Number.isInteger(s) || s < 1) throw new ParameterError(`model ${model.name} reports inputSize ${s}; a slice model needs a positive integer`);
  if (options.size !== undefined && options.size !== s) {
    throw new ParameterError(`model ${model.name} takes ${s}×${s} slices but ${options.size}×${options.size} was asked for (the size it was trained at?); use a model of that input size`);
  }
  if (tta !== 'none' && tta !== 'flips') throw new ParameterError(`tta must be 'none' or 'flips', got ${String(tta)}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ParameterError(`batchSize must be a positive integer, got ${batchSize}`);
  const geometry = sliceGeometry(image.dims, axis, s);
  const norm = intensityNormalization(image, options.normalize);
  const background = normalizedFloor(norm);
  const flips: ReadonlyArray<readonly [boolean, boolean]> = tta === 'flips' ? [[false, false], [true, false], [false, true], [true, true]] : [[false, false]];
  const passes = flips.length;
  const px = s * s;
  const prob = new Float32Array(image.data.length);
  const conf = new Float32Array(image.data.length);
  const slicesPerCall = Math.max(1, Math.floor(batchSize / passes));
  const count = geometry.count;
  const f = (v: number) => normalizeValue(v, norm);
  for (let k0 = 0; k0 < count; k0 += slicesPerCall) {
    checkAbort('predictVolume', options.signal);
    const k1 = Math.min(count, k0 + slicesPerCall);
    const n = (k1 - k0) * passes;
    const x = new Float32Array(n * px);
    for (let k = k0; k < k1; k++) {
      const sq = toModelSquare(readSlice(image, geometry, k, f), geometry, background);
      flips.forEach(([fx, fy], p) => mirror(sq, x, ((k - k0) * passes + p) * px, s, fx, fy));
    }
    const logits = await model.predictLogits(x, n, { signal: options.signal });
    if (logits.length !== n * px) throw new ParameterError(`model ${model.name} returned ${logits.length} logits for ${n} slices of ${s}×${s}`);
    const mean = new Float32Array(px);
    const back = new Float32Array(px);
    for (let k = k0; k < k1; k++) {
      mean.fill(0);
      for (let p = 0; p < passes; p++) {
        const [fx, fy] = flips[p]!;
        const probs = logits.subarray(((k - k0) * passes + p) * px, ((k - k0) * passes + p + 1) * px).map(sigmoid);
        mirror(probs, back, 0, s, fx, fy); // a mirror is its own inverse
        for (let i = 0; i < px; i++) mean[i] = mean[i]! + back[i]! / passes;
      }
      const onGrid = fromModelSquare(mean, geometry);
      writeSlice(prob, image.dims, geometry, k, onGrid);
    }
    options.onProgress?.(k1 / count);
  }
  for (let i = 0; i < prob.length; i++) {
    // Bilinear weights sum to one, but float rounding can step a hair outside [0, 1].
    const p = Math.min(1, Math.max(0, prob[i]!));
    prob[i] = p;
    conf[i] = binaryConfidence(p);
  }
  return { probability: withData(image, prob), confidence: withData(image, conf), model: model.name, passes };
}

/**
 * A binary mask from a probability volume: 1 where p ≥ `threshold`, else 0, on the same grid.
 * @throws ParameterError if the threshold is not strictly between 0 and 1.
 */
export function probabilityToMask(probability: Volume, threshold = 0.5): Volume<Uint8Array> {
  if (!(threshold > 0 && threshold < 1)) throw new ParameterError(`threshold must be strictly between 0 and 1, got ${threshold}`);
  const p = probability.data;
  const out = new Uint8Array(p.length);
  for (let i = 0; i < p.length; i++) out[i] = p[i]! >= threshold ? 1 : 0;
  return withData(probability, out);
}
