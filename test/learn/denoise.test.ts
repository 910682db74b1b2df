import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AbortError, GeometryError, ParameterError } from '../../cells/core/errors.ts';
import { IDENTITY3, makeVolume, type Vec3 } from '../../cells/core/volume.ts';
import { initLearning } from '../../cells/learn/backend.ts';
import { axialSlab } from '../../cells/core/crop.ts';
import { denoiseCnn, denoiseTrainingView, denoiseVolume, trainDenoiser } from '../../cells/learn/denoise.ts';
import { simulateLowDose } from '../../cells/preprocess/noise.ts';
import { MIME_METHOD } from '../../cells/viz/bundle.ts';
import { thrown } from '../helpers.ts';

/** A 48×48×12 "head": air around an ellipse of soft tissue (40 HU) with a bone ring (1000 HU). */
function phantom() {
  const dims: Vec3 = [48, 48, 12];
  const [nx, ny, nz] = dims;
  const d = new Int16Array(nx * ny * nz);
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
    const r = Math.hypot((i - 23.5) / 20, (j - 23.5) / 17);
    d[i + nx * (j + ny * k)] = r > 1 ? -1000 : r > 0.85 ? 1000 : 40;
  }
  const clean = makeVolume({ data: d, dims, spacingMm: [1, 1, 2], originMm: [-24, -24, 0], direction: IDENTITY3 });
  return { clean, noisy: simulateLowDose(clean, { doseFraction: 0.25, fullDoseSigmaHu: 40, seed: 9 }).volume };
}

beforeAll(async () => {
  await initLearning();
});

describe('denoiseCnn', () => {
  it('has 7,265 parameters by default and maps any slice size to itself', () => {
    const m = denoiseCnn();
    expect(m.countParams()).toBe(7265);
    const y = m.predict(tf.zeros([2, 24, 20, 1])) as tf.Tensor;
    expect(y.shape).toEqual([2, 24, 20, 1]);
    y.dispose();
    expect(denoiseCnn({ layers: 3, channels: 8 }).countParams()).toBe(80 + 584 + 73);
  });

  it('is seeded: the same seed gives the same weights', () => {
    const a = denoiseCnn({ seed: 4 }).getWeights()[0]!.dataSync();
    const b = denoiseCnn({ seed: 4 }).getWeights()[0]!.dataSync();
    const c = denoiseCnn({ seed: 5 }).getWeights()[0]!.dataSync();
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('refuses fewer than 2 layers or no channels', () => {
    expect(() => denoiseCnn({ layers: 1 })).toThrow(ParameterError);
    expect(() => denoiseCnn({ channels: 0 })).toThrow(ParameterError);
  });
});

describe('trainDenoiser', () => {
  const { clean, noisy } = phantom();
  const opts = { epochs: 10, stepsPerEpoch: 25, batchSize: 8, patchSize: 24, learningRate: 3e-3, seed: 2 };

  it('learns: the error on held-out slices drops well below the noise, and the loss below the input RMSE', async () => {
    const model = denoiseCnn({ seed: 3 });
    const updates: number[] = [];
    const run = await trainDenoiser(model, { noisy, clean, trainSlices: [[0, 7]] }, { ...opts, onUpdate: (p) => updates.push(p.stepsDone) });
    expect(run.status).toBe('completed');
    expect(run.stepsDone).toBe(250);
    expect(run.epochs).toHaveLength(10);
    expect(updates.at(-1)).toBe(250);
    expect(run.inputRmseHu).toBeGreaterThan(60); // σ_added = 40·√3 = 69 HU
    expect(run.epochs.at(-1)!.rmseHu).toBeLessThan(0.75 * run.inputRmseHu);
    const test = axialSlab(noisy, 9, 11), ref = axialSlab(clean, 9, 11);
    const out = await denoiseVolume(model, test);
    const rmse = (a: ArrayLike<number>) => {
      let s = 0;
      for (let i = 0; i < a.length; i++) s += (a[i]! - ref.data[i]!) ** 2;
      return Math.sqrt(s / a.length);
    };
    expect(rmse(out.data)).toBeLessThan(0.75 * rmse(test.data));
  });

  it('is deterministic: the same seeds give the same losses step for step', async () => {
    const run = async () => (await trainDenoiser(denoiseCnn({ layers: 3, channels: 8, seed: 1 }), { noisy, clean, trainSlices: [[0, 7]] }, { ...opts, epochs: 1, stepsPerEpoch: 6 })).steps.map((s) => s.rmseHu);
    const a = await run(), b = await run();
    expect(b).toEqual(a);
    expect(new Set(a).size).toBe(6);
  });

  it('stops at a step boundary when its signal fires and says so', async () => {
    const c = new AbortController();
    const run = await trainDenoiser(denoiseCnn({ layers: 3, channels: 8 }), { noisy, clean, trainSlices: [[0, 7]] }, {
      ...opts, onProgress: (f) => { if (f >= 0.03) c.abort(); }, signal: c.signal,
    });
    expect(run.status).toBe('aborted');
    expect(run.stepsDone).toBe(8);
  });

  it('refuses patches larger than a slice, slices outside the volume and grids that differ', async () => {
    const m = denoiseCnn({ layers: 2, channels: 2 });
    expect(await thrown(trainDenoiser(m, { noisy, clean, trainSlices: [[0, 7]] }, { patchSize: 64 }))).toBeInstanceOf(ParameterError);
    expect(await thrown(trainDenoiser(m, { noisy, clean, trainSlices: [[5, 12]] }))).toBeInstanceOf(ParameterError);
    expect(await thrown(trainDenoiser(m, { noisy, clean, trainSlices: [] }))).toBeInstanceOf(ParameterError);
    expect(await thrown(trainDenoiser(m, { noisy: axialSlab(noisy, 0, 3), clean, trainSlices: [[0, 3]] }))).toBeInstanceOf(GeometryError);
  });
});

describe('denoiseVolume', () => {
  const { noisy } = phantom();
  it('gives the same slices whatever the batch size, on the input grid', async () => {
    const m = denoiseCnn({ layers: 3, channels: 4, seed: 7 });
    const a = await denoiseVolume(m, noisy, { batchSize: 1 });
    const b = await denoiseVolume(m, noisy, { batchSize: 5 });
    expect(a.dims).toEqual(noisy.dims);
    expect(a.originMm).toEqual(noisy.originMm);
    expect(Math.max(...a.data.map((x, i) => Math.abs(x - b.data[i]!)))).toBeLessThan(1e-3);
  });
  it('stops with AbortError', async () => {
    const c = new AbortController();
    c.abort();
    expect(await thrown(denoiseVolume(denoiseCnn({ layers: 2, channels: 2 }), noisy, { signal: c.signal }))).toBeInstanceOf(AbortError);
  });
});

describe('denoiseTrainingView', () => {
  it('draws an SVG with the run summary', async () => {
    const { clean, noisy } = phantom();
    const run = await trainDenoiser(denoiseCnn({ layers: 2, channels: 2 }), { noisy, clean, trainSlices: [[0, 3]] }, { epochs: 2, stepsPerEpoch: 2, batchSize: 2, patchSize: 16 });
    const b = denoiseTrainingView(run)[MIME_METHOD]();
    expect(b.data['image/svg+xml']).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(b.data['text/plain']).toMatch(/^epoch 2\/2 · step 4\/4 · .* done on wasm$/);
  });
});
