/**
 * Training and fine-tuning a tfjs slice model (`unet2d`) on a {@link SliceDataset}: Adam, a
 * learning-rate schedule, BCE + Dice loss, validation Dice each epoch, early stopping, the
 * best weights kept, Stop at a batch boundary, checkpoints and resume. Seeded: the same
 * model seed, data seed and options give the same losses, step for step, on a given backend.
 *
 * Call `initLearning()` (cells/learn/backend.ts) first to pick the backend.
 */
import * as tf from '@tensorflow/tfjs';
import { ParameterError } from '../core/errors.ts';
import type { StageOptions } from '../core/stage.ts';
import type { SliceDataset } from './dataset.ts';
import { saveCheckpoint, type Checkpoint, type TrainingRun } from './checkpoint.ts';
import { layersModelInputSize } from './tfjs-model.ts';

/** The learning-rate schedule (the rate of step t of T planned steps; lr0 = `learningRate`). */
export type LearningRateSchedule =
  /** lr0 throughout. */
  | 'constant'
  /**
   * Cosine annealing without restarts (Loshchilov & Hutter 2017, "SGDR", arXiv:1608.03983):
   * lr(t) = lrMin + ½(lr0 − lrMin)(1 + cos(π·t/T)), t the step index (0-based), T all planned
   * steps. The default.
   */
  | 'cosine'
  /** Step decay: lr0 · factor^⌊e / everyEpochs⌋, e the 0-based epoch index. */
  | { readonly everyEpochs: number; readonly factor: number };

/** Options of {@link train}. */
export interface TrainOptions extends StageOptions {
  /** Epochs in all (a resumed run counts the epochs its checkpoint has done). Default 10. */
  readonly epochs?: number;
  /** Slices per step. Default 8. */
  readonly batchSize?: number;
  /** Adam's initial learning rate (β1 0.9, β2 0.999, ε 1e-7, tfjs's defaults). Default 1e-3. */
  readonly learningRate?: number;
  /** Default 'cosine'. */
  readonly schedule?: LearningRateSchedule;
  /** The floor of the cosine schedule. Default learningRate / 100. */
  readonly minLearningRate?: number;
  /**
   * 'bce+dice' (default): mean binary cross-entropy from logits + (1 − soft Dice), the soft
   * Dice 2Σpy + 1 / (Σp + Σy + 1) over the whole batch (p = sigmoid(logit)); or one of the two.
   */
  readonly loss?: 'bce+dice' | 'bce' | 'dice';
  /** Measure the validation slices after every epoch. Default: when the data has any. */
  readonly validation?: boolean;
  /**
   * Stop when the monitored value (validation Dice, else minus the epoch's training loss) has
   * not improved by more than `minDelta` (default 0) for `patience` epochs, compared with its
   * value at the last such improvement (Keras's EarlyStopping rule). Default: off.
   */
  readonly earlyStopping?: false | { readonly patience: number; readonly minDelta?: number };
  /** Save a checkpoint after every epoch: a folder (Node) or `indexeddb://name` (browser). */
  readonly checkpoint?: string;
  /** Continue a run from `loadCheckpoint(…)`: its weights must already be in `model` (use the checkpoint's model). */
  readonly resume?: Checkpoint;
  /**
   * Called after every batch and every epoch with the run so far (the live object: read it,
   * do not keep or change it). `trainingView` in cells/viz/training.ts renders it.
   */
  readonly onUpdate?: (progress: TrainingProgress) => void;
}

/** One training step. */
export interface BatchRecord {
  /** 1-based over the run. */
  readonly step: number;
  /** 1-based epoch the step belongs to. */
  readonly epoch: number;
  readonly loss: number;
  readonly learningRate: number;
}

/** One finished epoch. */
export interface EpochRecord {
  /** 1-based. */
  readonly epoch: number;
  /** Mean training loss of its steps. */
  readonly trainLoss: number;
  /** Loss on the validation slices (same definition, Dice over all of them), or null. */
  readonly valLoss: number | null;
  /** Hard Dice (logit > 0) over all validation pixels in the model square, or null. */
  readonly valDice: number | null;
  /** Learning rate of its last step. */
  readonly learningRate: number;
  /** Wall time of the epoch including validation, s. */
  readonly seconds: number;
}

/** A run, live (status 'running') or finished. */
export interface TrainingProgress {
  readonly batches: readonly BatchRecord[];
  readonly epochs: readonly EpochRecord[];
  readonly epochsPlanned: number;
  readonly stepsPlanned: number;
  readonly stepsDone: number;
  readonly epochsDone: number;
  /** Epoch whose weights are (or will be) restored, 1-based; null before the first epoch ends. */
  readonly bestEpoch: number | null;
  readonly bestValDice: number | null;
  /** 'aborted' = stopped by the signal; 'early-stopping' = patience ran out. */
  readonly status: 'running' | 'completed' | 'early-stopping' | 'aborted';
  /** Wall time so far, s (of this call; a resumed run's earlier time is in its epoch records). */
  readonly seconds: number;
  readonly seed: number;
  /** The tfjs backend that ran. */
  readonly backend: string;
}

/** What {@link train} returns; the model holds the best weights. */
export type TrainResult = TrainingProgress & { readonly status: 'completed' | 'early-stopping' | 'aborted' };

/** The options a checkpoint records, so a resumed run continues the same schedule. */
export interface ResolvedTrainOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly minLearningRate: number;
  readonly schedule: LearningRateSchedule;
  readonly loss: 'bce+dice' | 'bce' | 'dice';
}

/** The learning rate of step `t` (0-based) of `steps` planned, in epoch `epochIndex` (0-based). */
export function learningRateAt(o: ResolvedTrainOptions, t: number, steps: number, epochIndex: number): number {
  const s = o.schedule;
  if (s === 'constant') return o.learningRate;
  if (s === 'cosine') return o.minLearningRate + 0.5 * (o.learningRate - o.minLearningRate) * (1 + Math.cos((Math.PI * t) / steps));
  return o.learningRate * s.factor ** Math.floor(epochIndex / s.everyEpochs);
}

/** The loss of logits `z` against targets `y` (both [n, s, s, 1]); see TrainOptions.loss. */
function lossOf(kind: ResolvedTrainOptions['loss'], y: tf.Tensor, z: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const parts: tf.Scalar[] = [];
    if (kind !== 'dice') parts.push(tf.losses.sigmoidCrossEntropy(y, z) as tf.Scalar);
    if (kind !== 'bce') {
      const p = tf.sigmoid(z);
      const inter = tf.sum(tf.mul(p, y));
      const dice = tf.div(tf.add(tf.mul(inter, 2), 1), tf.add(tf.add(tf.sum(p), tf.sum(y)), 1));
      parts.push(tf.sub(1, dice) as tf.Scalar);
    }
    return parts.length === 1 ? parts[0]! : (tf.add(parts[0]!, parts[1]!) as tf.Scalar);
  });
}

/** The options with defaults, checked. */
function resolveOptions(options: TrainOptions, resumed?: ResolvedTrainOptions): ResolvedTrainOptions {
  const learningRate = options.learningRate ?? resumed?.learningRate ?? 1e-3;
  const o: ResolvedTrainOptions = {
    epochs: options.epochs ?? resumed?.epochs ?? 10,
    batchSize: options.batchSize ?? resumed?.batchSize ?? 8,
    learningRate,
    minLearningRate: options.minLearningRate ?? resumed?.minLearningRate ?? learningRate / 100,
    schedule: options.schedule ?? resumed?.schedule ?? 'cosine',
    loss: options.loss ?? resumed?.loss ?? 'bce+dice',
  };
  if (!Number.isInteger(o.epochs) || o.epochs < 1) throw new ParameterError(`epochs must be a positive integer, got ${o.epochs}`);
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) throw new ParameterError(`batchSize must be a positive integer, got ${o.batchSize}`);
  if (!(o.learningRate > 0 && Number.isFinite(o.learningRate))) throw new ParameterError(`learningRate must be > 0, got ${o.learningRate}`);
  if (!(o.minLearningRate >= 0 && o.minLearningRate <= o.learningRate)) throw new ParameterError(`minLearningRate must be in [0, learningRate], got ${o.minLearningRate}`);
  if (!['bce+dice', 'bce', 'dice'].includes(o.loss)) throw new ParameterError(`loss must be 'bce+dice', 'bce' or 'dice', got ${String(o.loss)}`);
  const s = o.schedule;
  if (typeof s === 'object') {
    if (!Number.isInteger(s.everyEpochs) || s.everyEpochs < 1 || !(s.factor > 0 && s.factor <= 1)) {
      throw new ParameterError(`a step schedule needs everyEpochs a positive integer and factor in (0, 1], got ${JSON.stringify(s)}`);
    }
  } else if (s !== 'cosine' && s !== 'constant') throw new ParameterError(`schedule must be 'cosine', 'constant' or { everyEpochs, factor }, got ${String(s)}`);
  return o;
}

/**
 * The parts of tfjs-core's AdamOptimizer we touch: the learning rate (read at every step by
 * applyGradients), and β1^(t+1), β2^(t+1), which it keeps by repeated float32 multiplication.
 */
interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  accBeta1?: tf.Variable;
  accBeta2?: tf.Variable;
}

/**
 * After `setWeights`, tfjs recomputes β^(t+1) with `pow`, which can differ from the running
 * product in the last bit; a resumed run would then drift from an uninterrupted one by
 * ~1e-7. Replaying the float32 products (each float32 × float32 product is exact in a
 * double, so Math.fround rounds it as the backend does) restores them exactly.
 */
function restoreAdamPowers(optimizer: tf.Optimizer, steps: number): void {
  const a = optimizer as unknown as AdamInternals;
  const replay = (beta: number) => {
    const b = Math.fround(beta);
    let acc = b;
    for (let i = 0; i < steps; i++) acc = Math.fround(acc * b);
    return acc;
  };
  if (a.accBeta1 instanceof tf.Variable && a.accBeta2 instanceof tf.Variable) {
    tf.tidy(() => {
      a.accBeta1!.assign(tf.scalar(replay(a.beta1)));
      a.accBeta2!.assign(tf.scalar(replay(a.beta2)));
    });
  }
}

/** Lets the event loop run (a Stop message, a display update) between batches. */
function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Trains `model` on `data` and leaves the best weights in it.
 *
 * Each step: a batch from `data.batches(epoch, batchSize)` (seeded), the loss of the model
 * in training mode (BatchNorm on batch statistics, moving statistics updated), one Adam step
 * at the scheduled learning rate on the model's trainable weights. After each epoch: the
 * validation slices in inference mode → validation loss and hard Dice (logit > 0, over all
 * validation pixels of the model square), the best weights kept (highest validation Dice, or
 * lowest training loss without validation; ties keep the earlier), early stopping, a
 * checkpoint. At the end the best weights (all of them, BatchNorm statistics included) are
 * put back into the model.
 *
 * Stop: when `signal` fires the run ends at the next batch boundary and returns (it does
 * not throw) with status 'aborted' and the best weights of the finished epochs restored; if no
 * epoch has finished, the weights as trained so far stay. No checkpoint is written then.
 *
 * Progress: `onProgress(stepsDone / stepsPlanned)`; `onUpdate(progress)` after every batch
 * and epoch (for the live plot).
 *
 * Determinism: batches and augmentation come from the data's seed, initial weights from the
 * model's; with the same inputs the loss sequence repeats exactly on the same backend.
 *
 * @throws ParameterError if the model does not take [n, size, size, 1] slices of the data's
 *   size (naming both), if the options are out of range, or if a resumed checkpoint was made
 *   with another data seed or has already done `epochs`.
 */
export async function train(model: tf.LayersModel, data: SliceDataset, options: TrainOptions = {}): Promise<TrainResult> {
  const inputSize = layersModelInputSize(model);
  if (inputSize !== data.size) {
    throw new ParameterError(`model ${model.name} takes ${inputSize}×${inputSize} slices but the dataset makes ${data.size}×${data.size}; build the dataset with size ${inputSize} (or the model with inputSize ${data.size})`);
  }
  const resume = options.resume;
  const o = resolveOptions(options, resume?.run.options);
  if (resume && resume.run.seed !== data.seed) {
    throw new ParameterError(`the checkpoint was trained on data with seed ${resume.run.seed}, this dataset has seed ${data.seed}; resume with the same seed`);
  }
  const validate = (options.validation ?? true) && data.validation.indices.length > 0;
  if (options.validation === true && data.validation.indices.length === 0) throw new ParameterError('validation was asked for but the dataset has no validation slices (slabs.validation)');
  const es = options.earlyStopping || null;
  if (es && (!Number.isInteger(es.patience) || es.patience < 1)) throw new ParameterError(`earlyStopping.patience must be a positive integer, got ${es.patience}`);
  const stepsPerEpoch = data.stepsPerEpoch(o.batchSize);
  const stepsPlanned = o.epochs * stepsPerEpoch;
  const startEpoch = resume?.run.progress.epochsDone ?? 0;
  if (resume && startEpoch >= o.epochs) throw new ParameterError(`the checkpoint has already done ${startEpoch} epochs; ask for more than that (epochs ${o.epochs})`);

  const t0 = performance.now();
  const progress = {
    batches: [...(resume?.run.progress.batches ?? [])] as BatchRecord[],
    epochs: [...(resume?.run.progress.epochs ?? [])] as EpochRecord[],
    epochsPlanned: o.epochs,
    stepsPlanned,
    stepsDone: resume?.run.progress.stepsDone ?? 0,
    epochsDone: startEpoch,
    bestEpoch: resume?.run.progress.bestEpoch ?? null,
    bestValDice: resume?.run.progress.bestValDice ?? null,
    status: 'running' as TrainingProgress['status'],
    seconds: 0,
    seed: data.seed,
    backend: tf.getBackend(),
  };
  const update = () => {
    progress.seconds = (performance.now() - t0) / 1000;
    options.onUpdate?.(progress);
  };

  const optimizer = tf.train.adam(o.learningRate);
  const rate = optimizer as unknown as AdamInternals;
  const varList = model.trainableWeights.map((w) => w.read() as tf.Variable);
  if (varList.length === 0) throw new ParameterError(`model ${model.name} has no trainable weights`);
  if (resume?.optimizer) {
    await optimizer.setWeights(resume.optimizer);
    restoreAdamPowers(optimizer, resume.run.progress.stepsDone);
  }
  let best: tf.Tensor[] | null = resume?.best ? resume.best.map((t) => tf.keep(t.clone())) : null;
  let bestScore = resume?.run.bestScore ?? -Infinity; // higher is better: Dice, or −loss
  let patienceScore = resume?.run.patienceScore ?? -Infinity;
  let sinceBest = resume?.run.sinceBest ?? 0;
  const keepBest = () => {
    if (best) tf.dispose(best);
    best = model.getWeights().map((w) => tf.keep(w.clone()));
  };

  const size = data.size;
  let aborted = false;
  try {
    for (let e = startEpoch; e < o.epochs && !aborted; e++) {
      const te = performance.now();
      let lossSum = 0, steps = 0, lr = o.learningRate;
      for (const batch of data.batches(e, o.batchSize)) {
        if (options.signal?.aborted) {
          aborted = true;
          break;
        }
        lr = learningRateAt(o, progress.stepsDone, stepsPlanned, e);
        rate.learningRate = lr;
        const xs = tf.tensor4d(batch.x, [batch.n, size, size, 1]);
        const ys = tf.tensor4d(batch.y, [batch.n, size, size, 1]);
        const cost = optimizer.minimize(() => lossOf(o.loss, ys, model.apply(xs, { training: true }) as tf.Tensor), true, varList)!;
        const loss = (await cost.data())[0]!;
        tf.dispose([xs, ys, cost]);
        if (!Number.isFinite(loss)) throw new ParameterError(`the loss became ${loss} at step ${progress.stepsDone + 1}; lower the learning rate`);
        lossSum += loss;
        steps++;
        progress.stepsDone++;
        progress.batches.push({ step: progress.stepsDone, epoch: e + 1, loss, learningRate: lr });
        options.onProgress?.(progress.stepsDone / stepsPlanned);
        update();
        await nextTask();
      }
      if (aborted) break;
      const trainLoss = lossSum / steps;
      const val = validate ? evaluate(model, data, o) : null;
      const record: EpochRecord = { epoch: e + 1, trainLoss, valLoss: val?.loss ?? null, valDice: val?.dice ?? null, learningRate: lr, seconds: (performance.now() - te) / 1000 };
      progress.epochs.push(record);
      progress.epochsDone = e + 1;
      const score = val ? val.dice : -trainLoss;
      // Best weights follow any improvement; patience (as Keras's EarlyStopping) counts the
      // epochs since the monitored value last beat the value of the last such epoch by minDelta.
      if (score > bestScore) {
        bestScore = score;
        progress.bestEpoch = e + 1;
        progress.bestValDice = val?.dice ?? null;
        keepBest();
      }
      if (score > patienceScore + (es?.minDelta ?? 0)) {
        patienceScore = score;
        sinceBest = 0;
      } else sinceBest++;
      const stopEarly = es !== null && sinceBest >= es.patience;
      if (options.checkpoint) {
        const run: TrainingRun = {
          format: 'voxbook-training-run', version: 1, seed: data.seed, options: o,
          progress: { ...progress, batches: [...progress.batches], epochs: [...progress.epochs], status: stopEarly ? 'early-stopping' : e + 1 >= o.epochs ? 'completed' : 'running', seconds: (performance.now() - t0) / 1000 },
          bestScore, patienceScore, sinceBest, model: { name: model.name, inputSize }, savedAt: new Date().toISOString(),
        };
        await saveCheckpoint(options.checkpoint, model, run, { optimizer: await optimizer.getWeights(), best: best ?? undefined });
      }
      update();
      if (stopEarly) {
        progress.status = 'early-stopping';
        break;
      }
    }
    if (best) model.setWeights(best);
    progress.status = aborted ? 'aborted' : progress.status === 'early-stopping' ? 'early-stopping' : 'completed';
    update();
    return { ...progress, batches: [...progress.batches], epochs: [...progress.epochs] } as TrainResult;
  } finally {
    if (best) tf.dispose(best);
    optimizer.dispose();
  }
}

/** Validation loss and hard Dice over all validation slices (inference mode). */
function evaluate(model: tf.LayersModel, data: SliceDataset, o: ResolvedTrainOptions): { loss: number; dice: number } {
  let bce = 0, pixels = 0, softInter = 0, softP = 0, sumY = 0, tp = 0, predPos = 0;
  const size = data.size;
  for (const b of data.validationBatches(o.batchSize)) {
    const sums = tf.tidy(() => {
      const x = tf.tensor4d(b.x, [b.n, size, size, 1]);
      const y = tf.tensor4d(b.y, [b.n, size, size, 1]);
      const z = model.predict(x) as tf.Tensor;
      const p = tf.sigmoid(z);
      const hard = tf.cast(tf.greater(z, 0), 'float32');
      const bceSum = tf.sum(tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z))))));
      return tf.stack([bceSum, tf.sum(tf.mul(p, y)), tf.sum(p), tf.sum(y), tf.sum(tf.mul(hard, y)), tf.sum(hard)]);
    });
    const s = sums.dataSync();
    sums.dispose();
    bce += s[0]!; softInter += s[1]!; softP += s[2]!; sumY += s[3]!; tp += s[4]!; predPos += s[5]!;
    pixels += b.n * size * size;
  }
  const softDice = (2 * softInter + 1) / (softP + sumY + 1);
  const loss = (o.loss !== 'dice' ? bce / pixels : 0) + (o.loss !== 'bce' ? 1 - softDice : 0);
  const dice = predPos + sumY === 0 ? 1 : (2 * tp) / (predPos + sumY);
  return { loss, dice };
}

/** Names of unet2d's encoder layers whose weights `fineTune` freezes: enc<i>{a,b}_{conv,bn}. */
export const ENCODER_LAYER = /^enc\d+[ab]_(conv|bn)$/;

/** Options of {@link fineTune}: those of {@link train}, plus which layers to freeze. */
export interface FineTuneOptions extends TrainOptions {
  /** Freeze the encoder (unet2d's `enc<i>` convolutions and BatchNorms). Default true. */
  readonly freezeEncoder?: boolean;
}

/**
 * Fine-tunes a trained unet2d on new data: {@link train} with the encoder frozen (default) and
 * a smaller default learning rate (1e-4, cosine). Frozen: the kernels, biases, γ and β of
 * unet2d's encoder layers (`enc<i>a_conv`, `enc<i>a_bn`, `enc<i>b_conv`, `enc<i>b_bn`); the
 * bottleneck (`mid`), decoder (`up`, `dec`) and head train. The frozen BatchNorm layers still
 * run on batch statistics during a step and so still update their moving mean and variance
 * toward the new data (tfjs runs all of a model's layers in one training mode), which adapts
 * the encoder's normalisation to a new intensity distribution (cf. AdaBN, Li et al. 2016,
 * arXiv:1603.04779). The layers' trainable flags are restored when it returns.
 *
 * @returns train's result, and the frozen layers' names.
 * @throws ParameterError if `freezeEncoder` is set and the model has no layer named like
 *   unet2d's encoder, and whatever {@link train} throws.
 */
export async function fineTune(model: tf.LayersModel, data: SliceDataset, options: FineTuneOptions = {}): Promise<TrainResult & { readonly frozenLayers: readonly string[] }> {
  const freeze = options.freezeEncoder ?? true;
  const layers = freeze ? model.layers.filter((l) => ENCODER_LAYER.test(l.name)) : [];
  if (freeze && layers.length === 0) {
    throw new ParameterError(`model ${model.name} has no layer named like unet2d's encoder (enc<i>a_conv, enc<i>a_bn, …): freezeEncoder cannot tell which layers to freeze`);
  }
  const before = layers.map((l) => l.trainable);
  for (const l of layers) l.trainable = false;
  try {
    const r = await train(model, data, { ...options, learningRate: options.learningRate ?? (options.resume ? undefined : 1e-4) });
    return { ...r, frozenLayers: layers.map((l) => l.name) };
  } finally {
    layers.forEach((l, n) => (l.trainable = before[n]!));
  }
}
