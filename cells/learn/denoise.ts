/**
 * A small residual denoising CNN for CT slices, its training on (noisy, clean) volume pairs,
 * whole-slice inference, and a live view of the training loss.
 *
 * The network follows DnCNN (K. Zhang, W. Zuo, Y. Chen, D. Meng and L. Zhang, "Beyond a
 * Gaussian denoiser: residual learning of deep CNN for image denoising", IEEE TIP
 * 26(7):3142–3155, 2017, doi:10.1109/TIP.2017.2662206) scaled down to train in a notebook on
 * a CPU: a stack of 3×3 convolutions that predicts the noise, subtracted from the input
 * (residual learning). Unlike DnCNN it has no BatchNorm (at 5 layers Adam trains it without)
 * and it is a few thousand parameters, not half a million.
 *
 * Training is a plain Adam loop over seeded random patches (`optimizer.minimize` over the
 * model's own variables), with an MSE loss; cells/learn/train.ts trains segmentation models
 * on a SliceDataset (BCE/Dice) and has no regression loss yet, hence this loop. Call
 * `initLearning()` (cells/learn/backend.ts) first to pick the backend.
 */
import * as Plot from '@observablehq/plot';
import * as tf from '@tensorflow/tfjs';
import { plotDocument } from '../viz/plot-document.ts';
import { GeometryError, ParameterError } from '../core/errors.ts';
import { checkAbort, type StageOptions } from '../core/stage.ts';
import { type Volume, withData } from '../core/volume.ts';
import { view, type View } from '../viz/bundle.ts';
import { createRng } from './augment.ts';
import type { SlabRange } from './dataset.ts';

/** Options of {@link denoiseCnn}. */
export interface DenoiseCnnOptions {
  /** Convolution layers in all (≥ 2): the first and the middle ones with ReLU, the last linear. Default 5. */
  readonly layers?: number;
  /** Channels of every layer but the last (which has 1). Default 16. */
  readonly channels?: number;
  /** Seed of the kernel initialisers (deterministic weights). Default 1. */
  readonly seed?: number;
}

/**
 * Builds the residual denoiser.
 *
 * Shapes: input `[batch, height, width, 1]` (NHWC, float32, any height and width: fully
 * convolutional, 'same' padding), output the same shape: input + r(input), where r is
 * `layers` 3×3 convolutions with bias (ReLU after all but the last) — r learns minus the
 * noise. Inputs are CT values divided by a scale (see {@link TrainDenoiserOptions.scaleHu}).
 * Initialisation: He-normal for the ReLU layers, Glorot-uniform for the last, seeded.
 * With the defaults (5 layers, 16 channels) it has 7,265 parameters: 160 + 3 × 2,320 + 145.
 * @throws ParameterError when layers < 2 or channels < 1 (not integers).
 */
export function denoiseCnn(options: DenoiseCnnOptions = {}): tf.LayersModel {
  const { layers = 5, channels = 16, seed = 1 } = options;
  if (!Number.isInteger(layers) || layers < 2) throw new ParameterError(`denoiseCnn: layers must be an integer ≥ 2, got ${layers}`);
  if (!Number.isInteger(channels) || channels < 1) throw new ParameterError(`denoiseCnn: channels must be a positive integer, got ${channels}`);
  let s = seed;
  const input = tf.input({ shape: [null, null, 1], name: 'noisy' });
  let x: tf.SymbolicTensor = input;
  for (let l = 0; l < layers - 1; l++) {
    x = tf.layers.conv2d({
      filters: channels, kernelSize: 3, padding: 'same', useBias: true, activation: 'relu',
      kernelInitializer: tf.initializers.heNormal({ seed: s++ }), name: `conv${l}`,
    }).apply(x) as tf.SymbolicTensor;
  }
  const residual = tf.layers.conv2d({
    filters: 1, kernelSize: 3, padding: 'same', useBias: true,
    kernelInitializer: tf.initializers.glorotUniform({ seed: s++ }), name: 'residual',
  }).apply(x) as tf.SymbolicTensor;
  const output = tf.layers.add({ name: 'denoised' }).apply([input, residual]) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: `denoise_cnn_l${layers}_c${channels}` });
}

/** Training pairs: a noisy volume, its clean original on the same grid, and the slices to train on. */
export interface DenoiseTrainingData {
  readonly noisy: Volume;
  readonly clean: Volume;
  /** Axial slabs (k ranges, inclusive) patches are drawn from; nothing else is read. */
  readonly trainSlices: readonly SlabRange[];
}

/** Options of {@link trainDenoiser}. */
export interface TrainDenoiserOptions extends StageOptions {
  /** Default 6. */
  readonly epochs?: number;
  /** Default 40. */
  readonly stepsPerEpoch?: number;
  /** Patches per step. Default 16. */
  readonly batchSize?: number;
  /** Side of the square patches, pixels (≤ the slice's width and height). Default 40 (DnCNN's). */
  readonly patchSize?: number;
  /** Adam's learning rate (β1 0.9, β2 0.999, ε 1e-7), constant. Default 1e-3. */
  readonly learningRate?: number;
  /** The network sees HU / scaleHu. Default 1000. Use the same value in {@link denoiseVolume}. */
  readonly scaleHu?: number;
  /**
   * A patch is redrawn (up to 20 times) unless at least this fraction of its clean voxels is
   * above −500 HU, so that air does not dominate the batches. Default 0.3; 0 = any patch.
   */
  readonly minBodyFraction?: number;
  /** Seed of the patch sampling and flips. Default 1. */
  readonly seed?: number;
  /**
   * Called with the run so far at most every `updateIntervalMs` (default 500 ms), at every
   * epoch end and at the end — hand it to a display handle's `update` via
   * {@link denoiseTrainingView}. The object is live: read it, do not keep or change it.
   */
  readonly onUpdate?: (progress: DenoiseTrainingProgress) => void;
  readonly updateIntervalMs?: number;
}

/** A run of {@link trainDenoiser}, live or finished. Errors are RMSE in HU (√MSE · scaleHu). */
export interface DenoiseTrainingProgress {
  /** Per step: 1-based step and epoch, RMSE of the batch's output vs clean, HU. */
  readonly steps: ReadonlyArray<{ readonly step: number; readonly epoch: number; readonly rmseHu: number }>;
  /** Per finished epoch: √(mean of its steps' MSE) · scaleHu, and wall time, s. */
  readonly epochs: ReadonlyArray<{ readonly epoch: number; readonly rmseHu: number; readonly seconds: number }>;
  /** RMSE of the noisy patches themselves vs clean over the steps so far, HU: the loss of doing nothing. */
  readonly inputRmseHu: number;
  readonly stepsPlanned: number;
  readonly stepsDone: number;
  readonly epochsPlanned: number;
  /** 'aborted': stopped by the signal at a step boundary; the model keeps the weights it has. */
  readonly status: 'running' | 'completed' | 'aborted';
  readonly seconds: number;
  readonly seed: number;
  readonly backend: string;
  readonly parameters: number;
}

function positive(name: string, v: number, integer = true): number {
  if (!(Number.isFinite(v) && v > 0 && (!integer || Number.isInteger(v)))) {
    throw new ParameterError(`trainDenoiser: ${name} must be a ${integer ? 'positive integer' : 'finite number > 0'}, got ${v}`);
  }
  return v;
}

function sameGrid(a: Volume, b: Volume, what: string): void {
  if (a.dims.some((d, i) => d !== b.dims[i])) throw new GeometryError(`${what}: the noisy volume's dims [${a.dims.join(', ')}] differ from the clean one's [${b.dims.join(', ')}]`);
}

/** The slice indices of `ranges`, checked against nz; ascending, without repeats. */
function slicesOf(ranges: readonly SlabRange[], nz: number, what: string): number[] {
  const set = new Set<number>();
  for (const r of ranges) {
    if (!Array.isArray(r) || r.length !== 2 || !Number.isInteger(r[0]) || !Number.isInteger(r[1]) || r[0] < 0 || r[1] >= nz || r[0] > r[1]) {
      throw new ParameterError(`${what}: slice range ${JSON.stringify(r)} is not [first, last] within 0..${nz - 1}`);
    }
    for (let k = r[0]; k <= r[1]; k++) set.add(k);
  }
  return [...set].sort((a, b) => a - b);
}

/**
 * Trains a {@link denoiseCnn} model in place to map noisy patches to clean ones, by MSE.
 *
 * Each step draws `batchSize` patches of `patchSize`² pixels: a slice k uniformly from
 * `trainSlices`, a position uniformly within the slice, redrawn while its clean voxels are
 * less than `minBodyFraction` above −500 HU, then flipped in x and/or y with probability ½
 * each — all from `createRng(seed)`, so the same seed, model seed and backend give the same
 * losses step for step. Loss: mean over the batch of (model(noisy/s) − clean/s)², s = scaleHu.
 *
 * @returns the run (status 'completed', or 'aborted' when `signal` fired; never throws for it).
 * @throws ParameterError for non-positive counts or sizes, a patch larger than a slice, or
 *   slice ranges outside the volume; GeometryError if noisy and clean differ in dims.
 */
export async function trainDenoiser(model: tf.LayersModel, data: DenoiseTrainingData, options: TrainDenoiserOptions = {}): Promise<DenoiseTrainingProgress> {
  const epochs = positive('epochs', options.epochs ?? 6);
  const stepsPerEpoch = positive('stepsPerEpoch', options.stepsPerEpoch ?? 40);
  const batchSize = positive('batchSize', options.batchSize ?? 16);
  const p = positive('patchSize', options.patchSize ?? 40);
  const lr = positive('learningRate', options.learningRate ?? 1e-3, false);
  const scale = positive('scaleHu', options.scaleHu ?? 1000, false);
  const minBody = options.minBodyFraction ?? 0.3;
  if (!(minBody >= 0 && minBody <= 1)) throw new ParameterError(`trainDenoiser: minBodyFraction must be in 0..1, got ${minBody}`);
  const seed = options.seed ?? 1;
  const interval = options.updateIntervalMs ?? 500;
  const { noisy, clean } = data;
  sameGrid(noisy, clean, 'trainDenoiser');
  const [nx, ny, nz] = clean.dims;
  if (p > nx || p > ny) throw new ParameterError(`trainDenoiser: patchSize ${p} is larger than a slice (${nx}×${ny})`);
  const slices = slicesOf(data.trainSlices, nz, 'trainDenoiser');
  if (slices.length === 0) throw new ParameterError('trainDenoiser: trainSlices holds no slice');

  const rng = createRng(seed);
  const optimizer = tf.train.adam(lr);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const xs = new Float32Array(batchSize * p * p), ys = new Float32Array(batchSize * p * p);
  const steps: Array<{ step: number; epoch: number; rmseHu: number }> = [];
  const epochRecords: Array<{ epoch: number; rmseHu: number; seconds: number }> = [];
  const t0 = performance.now();
  let inputSq = 0, inputN = 0, lastUpdate = -Infinity;
  const progress = (status: DenoiseTrainingProgress['status']): DenoiseTrainingProgress => ({
    steps, epochs: epochRecords, inputRmseHu: inputN ? Math.sqrt(inputSq / inputN) * scale : NaN,
    stepsPlanned: epochs * stepsPerEpoch, stepsDone: steps.length, epochsPlanned: epochs, status,
    seconds: (performance.now() - t0) / 1000, seed, backend: tf.getBackend(), parameters: model.countParams(),
  });
  const plane = nx * ny, threshold = -500, need = Math.ceil(minBody * p * p);

  for (let e = 1; e <= epochs; e++) {
    const te = performance.now();
    let epochSq = 0;
    for (let s = 0; s < stepsPerEpoch; s++) {
      if (options.signal?.aborted) {
        const r = progress('aborted');
        options.onUpdate?.(r);
        return r;
      }
      for (let b = 0; b < batchSize; b++) {
        let k = 0, i0 = 0, j0 = 0;
        for (let attempt = 0; attempt < 20; attempt++) {
          k = slices[rng.int(slices.length)]!;
          i0 = rng.int(nx - p + 1);
          j0 = rng.int(ny - p + 1);
          if (need === 0) break;
          let body = 0;
          for (let j = 0; j < p && body < need; j++) {
            const o = k * plane + (j0 + j) * nx + i0;
            for (let i = 0; i < p; i++) if (clean.data[o + i]! > threshold) body++;
          }
          if (body >= need) break;
        }
        const flipX = rng.next() < 0.5, flipY = rng.next() < 0.5;
        const base = b * p * p;
        for (let j = 0; j < p; j++) {
          const o = k * plane + (j0 + (flipY ? p - 1 - j : j)) * nx + i0;
          for (let i = 0; i < p; i++) {
            const src = o + (flipX ? p - 1 - i : i);
            const x = noisy.data[src]! / scale, y = clean.data[src]! / scale;
            xs[base + j * p + i] = x;
            ys[base + j * p + i] = y;
            inputSq += (x - y) * (x - y);
          }
        }
        inputN += p * p;
      }
      const loss = tf.tidy(() => {
        const x = tf.tensor4d(xs, [batchSize, p, p, 1]);
        const y = tf.tensor4d(ys, [batchSize, p, p, 1]);
        return optimizer.minimize(() => tf.losses.meanSquaredError(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true, vars)!;
      });
      const mse = (await loss.data())[0]!;
      loss.dispose();
      epochSq += mse;
      steps.push({ step: steps.length + 1, epoch: e, rmseHu: Math.sqrt(mse) * scale });
      options.onProgress?.(steps.length / (epochs * stepsPerEpoch));
      const now = performance.now();
      if (options.onUpdate && now - lastUpdate >= interval && s < stepsPerEpoch - 1) {
        lastUpdate = now;
        options.onUpdate(progress('running'));
      }
    }
    epochRecords.push({ epoch: e, rmseHu: Math.sqrt(epochSq / stepsPerEpoch) * scale, seconds: (performance.now() - te) / 1000 });
    if (e < epochs && options.onUpdate) {
      lastUpdate = performance.now();
      options.onUpdate(progress('running'));
    }
  }
  optimizer.dispose();
  const done = progress('completed');
  options.onUpdate?.(done);
  return done;
}

/** Options of {@link denoiseVolume}. */
export interface DenoiseVolumeOptions extends StageOptions {
  /** The scale the model was trained with (HU per network unit). Default 1000. */
  readonly scaleHu?: number;
  /** Axial slices per forward pass. Default 4. */
  readonly batchSize?: number;
}

/**
 * Runs the denoiser over every axial slice of a volume (whole slices: the network is fully
 * convolutional, so there is no tiling and no seam).
 *
 * Shapes: `volume` any scalar volume in HU, slices [ny, nx] fed as NHWC [b, ny, nx, 1];
 * result `Volume<Float32Array>` in HU on the same grid.
 * @throws ParameterError for a non-positive scaleHu or batchSize; AbortError when `signal`
 *   fires (checked between batches).
 */
export async function denoiseVolume(model: tf.LayersModel, volume: Volume, options: DenoiseVolumeOptions = {}): Promise<Volume<Float32Array>> {
  const scale = options.scaleHu ?? 1000;
  const batch = options.batchSize ?? 4;
  if (!(Number.isFinite(scale) && scale > 0)) throw new ParameterError(`denoiseVolume: scaleHu must be finite and > 0, got ${scale}`);
  if (!Number.isInteger(batch) || batch < 1) throw new ParameterError(`denoiseVolume: batchSize must be a positive integer, got ${batch}`);
  const [nx, ny, nz] = volume.dims;
  const plane = nx * ny;
  const out = new Float32Array(plane * nz);
  for (let k0 = 0; k0 < nz; k0 += batch) {
    checkAbort('denoiseVolume', options.signal);
    const n = Math.min(batch, nz - k0);
    const x = new Float32Array(n * plane);
    for (let q = 0; q < n * plane; q++) x[q] = volume.data[k0 * plane + q]! / scale;
    const y = tf.tidy(() => model.predict(tf.tensor4d(x, [n, ny, nx, 1])) as tf.Tensor);
    const v = await y.data();
    y.dispose();
    for (let q = 0; q < n * plane; q++) out[k0 * plane + q] = v[q]! * scale;
    options.onProgress?.((k0 + n) / nz);
  }
  return withData(volume, out);
}


/** One line describing a denoiser run (also the view's text/plain). */
export function denoiseTrainingSummary(p: DenoiseTrainingProgress): string {
  const last = p.epochs.at(-1);
  const state = p.status === 'running' ? 'running' : p.status === 'aborted' ? 'stopped' : 'done';
  return [
    `epoch ${p.epochs.length}/${p.epochsPlanned}`,
    `step ${p.stepsDone}/${p.stepsPlanned}`,
    `${p.seconds.toFixed(1)} s`,
    last ? `RMSE ${last.rmseHu.toFixed(1)} HU (epoch ${last.epoch})` : p.steps.length ? `RMSE ${p.steps.at(-1)!.rmseHu.toFixed(1)} HU` : '',
    Number.isFinite(p.inputRmseHu) ? `noisy input ${p.inputRmseHu.toFixed(1)} HU` : '',
    `${p.parameters} parameters`,
    `${state} on ${p.backend}`,
  ].filter(Boolean).join(' · ');
}

/**
 * The training loss of a denoiser run as a chart: RMSE (HU) per step (thin), per epoch
 * (dots), and the noisy input's RMSE (dashed: the loss of doing nothing); the summary line on
 * top. Bundle: `image/svg+xml` (Observable Plot) and `text/plain`.
 * Live use: `const h = display(denoiseTrainingView(p0))`, then `onUpdate: (p) => h.update(denoiseTrainingView(p))`.
 */
export function denoiseTrainingView(progress: DenoiseTrainingProgress, options: { readonly title?: string; readonly width?: number } = {}): View<DenoiseTrainingProgress> {
  return view(progress, () => {
    const p = progress;
    const width = options.width ?? 680, header = 40, height = 240;
    const perEpoch = p.epochsPlanned > 0 ? p.stepsPlanned / p.epochsPlanned : 1;
    const plot = Plot.plot({
      document: plotDocument(), width, height, marginLeft: 52, style: { background: 'white' },
      x: { label: 'step', domain: [0, Math.max(1, p.stepsPlanned)] },
      // The first steps' error (random weights) can be many times the noise: the axis stops
      // at twice the noisy input's RMSE and marks are clipped there.
      y: { label: 'RMSE vs clean (HU)', grid: true, ...(Number.isFinite(p.inputRmseHu) ? { domain: [0, 2 * p.inputRmseHu] } : { zero: true }) },
      marks: [
        Plot.line(p.steps, { x: 'step', y: 'rmseHu', stroke: '#9bb5d0', strokeWidth: 1, clip: true }),
        Plot.line(p.epochs, { x: (d: { epoch: number }) => d.epoch * perEpoch, y: 'rmseHu', stroke: '#4f7cac', strokeWidth: 2, clip: true }),
        Plot.dot(p.epochs, { x: (d: { epoch: number }) => d.epoch * perEpoch, y: 'rmseHu', fill: '#4f7cac', r: 3, clip: true }),
        ...(Number.isFinite(p.inputRmseHu) ? [Plot.ruleY([p.inputRmseHu], { stroke: '#c0392b', strokeDasharray: '4 3' })] : []),
      ],
    }) as unknown as Element;
    plot.setAttribute('x', '0');
    plot.setAttribute('y', String(header));
    const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${header + height}" viewBox="0 0 ${width} ${header + height}" font-family="system-ui, sans-serif" font-size="12">`
      + `<rect width="${width}" height="${header + height}" fill="white"/>`
      + `<text x="10" y="16" font-weight="bold">${esc(options.title ?? 'denoiser training')} — RMSE per step, per epoch (dots); dashed: noisy input</text>`
      + `<text x="10" y="32" fill="#333" font-size="11">${esc(denoiseTrainingSummary(p))}</text>`
      + plot.outerHTML + '</svg>';
    return { data: { 'image/svg+xml': svg, 'text/plain': denoiseTrainingSummary(p) } };
  });
}
