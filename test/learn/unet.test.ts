import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelConfigError, countParams, unet2d } from '../../cells/learn/unet.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('unet2d', () => {
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
