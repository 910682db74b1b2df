import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelConfigError, countParams, unet2d } from '../../cells/learn/unet.ts';
import { initLearning } from '../../cells/learn/backend.ts';
import { accelerateBatchNormLayers } from '../../cells/learn/kernels/batchnorm.ts';

describe('unet2d', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('has 484,561 parameters with the defaults, 483,153 trainable (same network as the PyTorch bench)', () => {
    const m = unet2d();
    expect(countParams(m)).toEqual({ total: 484_561, trainable: 483_153, nonTrainable: 1_408 });
    expect(m.countParams()).toBe(484_561);
    expect(m.inputs[0]!.shape).toEqual([null, 128, 128, 1]);
    expect(m.outputs[0]!.shape).toEqual([null, 128, 128, 1]);
    m.dispose();
  });

  it('scales with depth and width: depth 2, 8 channels', () => {
    const m = unet2d({ depth: 2, baseChannels: 8, inputSize: 32 });
    // enc 1→8→8, 8→16→16, mid 16→32→32, up 32→16, dec 32→16→16, up 16→8, dec 16→8→8, head 8→1
    const conv = (i: number, o: number) => 9 * i * o + o + 4 * o;
    const expected = conv(1, 8) + conv(8, 8) + conv(8, 16) + conv(16, 16) + conv(16, 32) + conv(32, 32)
      + (4 * 32 * 16 + 16) + conv(32, 16) + conv(16, 16) + (4 * 16 * 8 + 8) + conv(16, 8) + conv(8, 8) + 9;
    expect(m.countParams()).toBe(expected);
    m.dispose();
  });

  it('maps a batch to logits of the same size, deterministically from the seed', () => {
    const a = unet2d({ depth: 2, baseChannels: 4, inputSize: 16, seed: 7 });
    const b = unet2d({ depth: 2, baseChannels: 4, inputSize: 16, seed: 7 });
    const x = tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 3);
    const ya = a.predict(x) as tf.Tensor;
    const yb = b.predict(x) as tf.Tensor;
    expect(ya.shape).toEqual([2, 16, 16, 1]);
    expect(Array.from(ya.dataSync())).toEqual(Array.from(yb.dataSync()));
    tf.dispose([x, ya, yb]);
    a.dispose();
    b.dispose();
  });

  it('refuses an input size not divisible by 2^depth', () => {
    expect(() => unet2d({ depth: 3, inputSize: 100 })).toThrow(ModelConfigError);
    expect(() => unet2d({ depth: 0 })).toThrow(/depth must be a positive integer/);
  });
});

describe('unet2d training on the wasm backend (Voxbook kernels)', () => {
  /** Five Adam steps on a seeded batch; returns the losses and a checksum of the weights. */
  async function train(api: 'minimize' | 'fit', size = 32, channels = 8): Promise<{ losses: number[]; weightSum: number }> {
    const model = unet2d({ depth: 2, baseChannels: channels, inputSize: size, seed: 5 });
    const x = tf.randomNormal([4, size, size, 1], 0, 1, 'float32', 9) as tf.Tensor4D;
    // a learnable target: the sign of a blurred copy of the input
    const y = tf.tidy(() => tf.cast(tf.greater(tf.avgPool(x, 5, 1, 'same'), 0), 'float32'));
    const losses: number[] = [];
    if (api === 'minimize') {
      const opt = tf.train.adam(1e-2);
      for (let i = 0; i < 5; i++) {
        const loss = opt.minimize(() => tf.losses.sigmoidCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true)!;
        losses.push(loss.dataSync()[0]!);
        loss.dispose();
      }
      opt.dispose();
    } else {
      model.compile({ optimizer: tf.train.adam(1e-2), loss: (yt: tf.Tensor, yp: tf.Tensor) => tf.losses.sigmoidCrossEntropy(yt, yp) });
      const h = await model.fit(x, y, { epochs: 5, batchSize: 4, shuffle: false, verbose: 0 });
      losses.push(...(h.history['loss'] as number[]));
    }
    const weightSum = model.getWeights().reduce((s, w) => s + tf.sum(tf.abs(w)).dataSync()[0]!, 0);
    tf.dispose([x, y]);
    model.dispose();
    return { losses, weightSum };
  }

  beforeAll(async () => {
    const info = await initLearning({ backend: 'wasm' });
    expect(info.backend).toBe('wasm');
  });

  for (const api of ['minimize', 'fit'] as const) {
    it(`lowers the loss the same way twice from the same seeds (${api})`, async () => {
      const a = await train(api);
      const b = await train(api);
      expect(a.losses).toHaveLength(5);
      expect(a.losses[4]!).toBeLessThan(0.8 * a.losses[0]!);
      expect(b.losses).toEqual(a.losses);
      expect(b.weightSum).toBe(a.weightSum);
    });
  }

  it('a model reloaded from its saved form trains on the fused BatchNorm path with the same losses', async () => {
    const model = unet2d({ depth: 2, baseChannels: 8, inputSize: 16, seed: 5 });
    let artifacts: tf.io.ModelArtifacts | null = null;
    await model.save(tf.io.withSaveHandler(async (a) => { artifacts = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    expect(loaded.layers.filter((l) => l.getClassName() === 'BatchNormalization')).toHaveLength(10);
    expect(accelerateBatchNormLayers(loaded)).toBe(10);
    expect(accelerateBatchNormLayers(loaded)).toBe(0);
    const x = tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 4);
    const y = tf.tidy(() => tf.cast(tf.greater(x, 0), 'float32'));
    const losses = (m: tf.LayersModel) => {
      const opt = tf.train.sgd(0.1);
      const out: number[] = [];
      for (let i = 0; i < 2; i++) {
        const l = opt.minimize(() => tf.losses.sigmoidCrossEntropy(y, m.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true)!;
        out.push(l.dataSync()[0]!);
        l.dispose();
      }
      return out;
    };
    const a = losses(model);
    const b = losses(loaded);
    expect(b).toEqual(a);
    tf.dispose([x, y]);
  });

  it('leaks no tensors and no wasm heap over training steps (scratch buffers freed)', () => {
    const model = unet2d({ depth: 2, baseChannels: 8, inputSize: 32, seed: 5 });
    const x = tf.randomNormal([2, 32, 32, 1], 0, 1, 'float32', 4);
    const y = tf.tidy(() => tf.cast(tf.greater(x, 0), 'float32'));
    const opt = tf.train.adam(1e-3);
    const step = () => opt.minimize(() => tf.losses.sigmoidCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar)!;
    step();
    step();
    const before = tf.memory();
    for (let i = 0; i < 5; i++) step();
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    tf.dispose([x, y]);
    opt.dispose();
    model.dispose();
  });

  it('follows the cpu backend step for step (same seeds, 5 Adam steps)', async () => {
    const a = await train('minimize', 16, 4);
    await tf.setBackend('cpu');
    const c = await train('minimize', 16, 4);
    await tf.setBackend('wasm');
    for (let i = 0; i < 5; i++) expect(Math.abs(a.losses[i]! - c.losses[i]!)).toBeLessThan(2e-3 * c.losses[i]!);
  });
});
