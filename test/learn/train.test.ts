import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ParameterError } from '../../cells/core/errors.ts';
import { initLearning } from '../../cells/learn/backend.ts';
import { sliceDataset, type SliceDatasetOptions } from '../../cells/learn/dataset.ts';
import { ENCODER_LAYER, fineTune, learningRateAt, train, type ResolvedTrainOptions } from '../../cells/learn/train.ts';
import { unet2d } from '../../cells/learn/unet.ts';
import { trainingMonitor, trainingSummary, trainingView, SUBSCRIBE_METHOD } from '../../cells/viz/training.ts';
import { MIME_METHOD } from '../../cells/viz/bundle.ts';
import { thrown } from '../helpers.ts';
import { noisyBall } from './ball.ts';

const ball = noisyBall;
const split = { train: [[4, 9], [14, 19]], validation: [[11, 12]] } as const;
function data(extra: SliceDatasetOptions = {}) {
  const { image, mask } = ball();
  return sliceDataset(image, mask, { size: 32, slabs: split, seed: 1, samplesPerEpoch: 8, ...extra });
}
const tiny = (seed = 2) => unet2d({ depth: 1, baseChannels: 4, inputSize: 32, seed });

beforeAll(async () => {
  expect((await initLearning({ backend: 'wasm' })).backend).toBe('wasm');
});

describe('train', () => {
  it('a few seeded training steps lower the loss the same way twice (identical losses)', async () => {
    const runs = [];
    for (let r = 0; r < 2; r++) {
      const model = tiny();
      runs.push(await train(model, data(), { epochs: 3, batchSize: 4, learningRate: 1e-2 }));
      model.dispose();
    }
    const [a, b] = runs;
    expect(a!.batches.length).toBe(6);
    expect(a!.batches.map((x) => x.loss)).toEqual(b!.batches.map((x) => x.loss));
    expect(a!.epochs.map((e) => e.valDice)).toEqual(b!.epochs.map((e) => e.valDice));
    expect(a!.epochs[2]!.trainLoss).toBeLessThan(a!.epochs[0]!.trainLoss);
    expect(a!.epochs[2]!.valLoss!).toBeLessThan(a!.epochs[0]!.valLoss!);
    expect(a!.status).toBe('completed');
    expect(a!.backend).toBe('wasm');
    // a different data seed gives different batches, hence different losses
    const model = tiny();
    const c = await train(model, data({ seed: 2 }), { epochs: 1, batchSize: 4, learningRate: 1e-2 });
    expect(c.batches.map((x) => x.loss)).not.toEqual(a!.batches.slice(0, 2).map((x) => x.loss));
    model.dispose();
  });

  it('learns the ball: validation Dice above 0.9 after 12 short epochs, the best epoch restored', async () => {
    const model = tiny();
    const r = await train(model, data({ samplesPerEpoch: 16 }), { epochs: 12, batchSize: 4, learningRate: 1e-2 });
    const first = r.batches[0]!.loss, lastEpoch = r.epochs.at(-1)!;
    expect(lastEpoch.trainLoss).toBeLessThan(first * 0.8);
    expect(r.bestValDice!).toBeGreaterThan(0.9);
    expect(r.bestValDice).toBe(Math.max(...r.epochs.map((e) => e.valDice!)));
    expect(r.epochs[r.bestEpoch! - 1]!.valDice).toBe(r.bestValDice);
    // the model now holds the best epoch's weights: validating it again gives its Dice
    const again = await train(model, data({ samplesPerEpoch: 16 }), { epochs: 1, batchSize: 4, learningRate: 1e-12, schedule: 'constant', minLearningRate: 0 });
    expect(again.epochs[0]!.valDice!).toBeCloseTo(r.bestValDice!, 2);
    model.dispose();
  });

  it('Stop: aborting after 5 batches returns at that batch boundary with the best weights and says so', async () => {
    const model = tiny();
    const ac = new AbortController();
    let atEpoch1: Float32Array[] = [];
    const t0 = performance.now();
    const r = await train(model, data(), {
      epochs: 50, batchSize: 4, learningRate: 1e-2, signal: ac.signal,
      onUpdate: (p) => {
        if (p.epochsDone === 1 && atEpoch1.length === 0) atEpoch1 = model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
        if (p.stepsDone === 5) ac.abort();
      },
    });
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(r.status).toBe('aborted');
    expect(r.stepsDone).toBe(5);
    expect(r.batches.length).toBe(5);
    expect(r.epochsDone).toBe(2); // epochs 1 and 2 (2 steps each) finished; epoch 3 stopped after its first step
    // the restored weights are those of the best finished epoch
    const best = r.bestEpoch!;
    expect([1, 2]).toContain(best);
    if (best === 1) model.getWeights().forEach((w, n) => expect(Array.from(w.dataSync())).toEqual(Array.from(atEpoch1[n]!)));
    else expect(model.getWeights().some((w, n) => Array.from(w.dataSync()).some((v, i) => v !== atEpoch1[n]![i]))).toBe(true);
    model.dispose();
  });

  it('early stopping ends the run when validation Dice stops improving', async () => {
    const model = tiny();
    const r = await train(model, data(), { epochs: 10, batchSize: 4, learningRate: 1e-9, schedule: 'constant', earlyStopping: { patience: 2, minDelta: 0.01 } });
    // with a negligible learning rate only BatchNorm's moving statistics move: Dice settles
    expect(r.status).toBe('early-stopping');
    expect(r.epochsDone).toBeLessThan(10);
    const dice = r.epochs.map((e) => e.valDice!);
    // the rule by hand: stop at the first epoch 2 epochs after the last gain of more than 0.01
    let reference = -Infinity, since = 0, stopAt = -1;
    dice.forEach((d, i) => {
      if (d > reference + 0.01) { reference = d; since = 0; } else since++;
      if (since >= 2 && stopAt < 0) stopAt = i + 1;
    });
    expect(r.epochsDone).toBe(stopAt);
    expect(r.epochs.length).toBe(r.epochsDone);
    model.dispose();
  });

  it('schedules: cosine from lr to lr/100, step decay, constant', () => {
    const o: ResolvedTrainOptions = { epochs: 10, batchSize: 4, learningRate: 1e-3, minLearningRate: 1e-5, schedule: 'cosine', loss: 'bce+dice' };
    expect(learningRateAt(o, 0, 100, 0)).toBe(1e-3);
    expect(learningRateAt(o, 50, 100, 5)).toBeCloseTo(0.5 * (1e-3 + 1e-5), 12);
    expect(learningRateAt(o, 100, 100, 9)).toBeCloseTo(1e-5, 12);
    expect(learningRateAt({ ...o, schedule: { everyEpochs: 3, factor: 0.5 } }, 0, 100, 7)).toBeCloseTo(2.5e-4, 12);
    expect(learningRateAt({ ...o, schedule: 'constant' }, 70, 100, 7)).toBe(1e-3);
  });

  it('refuses a model whose input does not fit the data, and bad options', async () => {
    const m64 = unet2d({ depth: 1, baseChannels: 2, inputSize: 64 });
    const e = await thrown(train(m64, data(), { epochs: 1 }));
    expect(e).toBeInstanceOf(ParameterError);
    expect(e.message).toMatch(/takes 64×64 slices but the dataset makes 32×32/);
    const rgb = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [32, 32, 3], filters: 1, kernelSize: 1 })] });
    expect((await thrown(train(rgb, data(), {}))).message).toMatch(/\[batch, size, size, 1\]/);
    const m = tiny();
    expect(await thrown(train(m, data(), { epochs: 0 }))).toBeInstanceOf(ParameterError);
    expect(await thrown(train(m, data(), { learningRate: -1 }))).toBeInstanceOf(ParameterError);
    [m64, rgb, m].forEach((x) => x.dispose());
  });
});

describe('fineTune', () => {
  it('freezes the encoder (its kernels, biases, γ, β stay) and trains the rest, then restores the flags', async () => {
    const model = tiny();
    const d = data();
    await train(model, d, { epochs: 1, batchSize: 4, learningRate: 1e-2 });
    const snapshot = () => new Map(model.weights.map((w) => [w.name, Array.from(w.read().dataSync())]));
    const before = snapshot();
    const flags = model.layers.map((l) => l.trainable);
    const r = await fineTune(model, d, { epochs: 2, batchSize: 4, learningRate: 1e-2 });
    const after = snapshot();
    expect(r.frozenLayers).toEqual(['enc0a_conv', 'enc0a_bn', 'enc0b_conv', 'enc0b_bn']);
    let frozenSame = 0, trainedChanged = 0;
    for (const w of model.weights) {
      const layer = w.name.split('/')[0]!;
      const same = before.get(w.name)!.every((v, i) => v === after.get(w.name)![i]);
      const moving = /moving_(mean|variance)/.test(w.name);
      if (ENCODER_LAYER.test(layer) && !moving) {
        expect(same, w.name).toBe(true);
        frozenSame++;
      } else if (!ENCODER_LAYER.test(layer) && !moving && !same) trainedChanged++;
    }
    expect(frozenSame).toBe(8); // 2 conv × (kernel, bias) + 2 BN × (γ, β)
    expect(trainedChanged).toBeGreaterThan(8);
    expect(model.layers.map((l) => l.trainable)).toEqual(flags);
    const plain = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [32, 32, 1], filters: 1, kernelSize: 1 })] });
    expect((await thrown(fineTune(plain, d, {}))).message).toMatch(/no layer named like unet2d's encoder/);
    model.dispose();
    plain.dispose();
  });
});

describe('training view', () => {
  it('renders the run as SVG with a progress bar and a summary, live through the monitor', async () => {
    const monitor = trainingMonitor({ minIntervalMs: 0 });
    expect(trainingSummary(monitor.value)).toMatch(/waiting/);
    expect(monitor[MIME_METHOD]().data['image/svg+xml']).toMatch(/^<svg xmlns/);
    const renders: string[] = [];
    const off = monitor[SUBSCRIBE_METHOD](() => renders.push(monitor[MIME_METHOD]().data['image/svg+xml'] as string));
    const model = tiny();
    const r = await train(model, data(), { epochs: 2, batchSize: 4, learningRate: 1e-2, onUpdate: monitor.update });
    off();
    expect(renders.length).toBe(monitor.notifications);
    expect(renders.length).toBeGreaterThanOrEqual(5); // 4 steps, 2 epoch ends, the end (some coincide)
    expect(renders[0]).toMatch(/data-fraction="0.2500"/);
    expect(renders.at(-1)).toMatch(/data-fraction="1.0000"/);
    const text = monitor[MIME_METHOD]().data['text/plain'] as string;
    expect(text).toMatch(/^epoch 2\/2 · step 4\/4 \(100%\)/);
    expect(text).toMatch(/done on wasm/);
    const still = trainingView(r)[MIME_METHOD]().data['image/svg+xml'] as string;
    expect(still.match(/<svg/g)!.length).toBe(3); // the frame and two Plot panels
    model.dispose();
  });
});
