import { beforeAll, describe, expect, it } from 'vitest';
import { AbortError, ParameterError } from '../../cells/core/errors.ts';
import { makeVolume, withData, type Mat3, type Vec3, type Volume } from '../../cells/core/volume.ts';
import { loadNifti } from '../../cells/io/nifti.ts';
import { createRng } from '../../cells/learn/augment.ts';
import { initLearning } from '../../cells/learn/backend.ts';
import { sliceDataset } from '../../cells/learn/dataset.ts';
import type { SliceModel } from '../../cells/learn/model.ts';
import { intensityNormalization, normalizeValue } from '../../cells/learn/normalize.ts';
import { binaryConfidence, predictVolume, probabilityToMask, sigmoid } from '../../cells/learn/predict.ts';
import { tfjsSliceModel } from '../../cells/learn/tfjs-model.ts';
import { train } from '../../cells/learn/train.ts';
import { unet2d } from '../../cells/learn/unet.ts';
import { dice } from '../../cells/metrics/overlap.ts';
import { cached, thrown } from '../helpers.ts';

/** A model that maps each pixel's normalised intensity z to the logit gain·(z − at): no spatial context. */
function pointwise(inputSize: number, gain = 4, at = 0): SliceModel & { calls: number } {
  const m = {
    name: `pointwise ${gain}(z − ${at})`, inputSize, calls: 0,
    async predictLogits(x: Float32Array, n: number) {
      m.calls++;
      if (x.length !== n * inputSize * inputSize) throw new ParameterError('bad length');
      return x.map((z) => gain * (z - at));
    },
  };
  return m;
}

/** A rotated, offset grid: the outputs must keep it. */
const ROT: Mat3 = [0, -1, 0, 1, 0, 0, 0, 0, 1];

function ballVolume(dims: Vec3, noise = 0): { image: Volume<Float32Array>; mask: Volume<Uint8Array> } {
  const [nx, ny, nz] = dims;
  const rng = createRng(8);
  const img = new Float32Array(nx * ny * nz), m = new Uint8Array(nx * ny * nz);
  const c = [(nx - 1) / 2 + 1.3, (ny - 1) / 2 - 0.7, (nz - 1) / 2];
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
    const n = i + nx * (j + ny * k);
    const r = Math.hypot(i - c[0]!, j - c[1]!, (k - c[2]!) * 1.5);
    m[n] = r <= 9 ? 1 : 0;
    img[n] = 40 + 60 / (1 + Math.exp((r - 9) * 2)) + noise * rng.normal(); // a soft-edged ball
  }
  const geo = { dims, spacingMm: [0.8, 0.8, 1.2] as Vec3, originMm: [12, -30, 5] as Vec3, direction: ROT };
  return { image: makeVolume({ data: img, ...geo }), mask: makeVolume({ data: m, ...geo }) };
}

beforeAll(async () => {
  expect((await initLearning({ backend: 'wasm' })).backend).toBe('wasm');
});

describe('predictVolume', () => {
  it('returns probability and confidence on the input grid; exact when slices are already the model square', async () => {
    const { image } = ballVolume([32, 32, 12]);
    const r = await predictVolume(pointwise(32), image, { batchSize: 5 });
    for (const v of [r.probability, r.confidence]) {
      expect(v.dims).toEqual(image.dims);
      expect(v.spacingMm).toEqual(image.spacingMm);
      expect(v.originMm).toEqual(image.originMm);
      expect(v.direction).toEqual(image.direction);
      expect(v.data).toBeInstanceOf(Float32Array);
    }
    const norm = intensityNormalization(image);
    let worst = 0;
    image.data.forEach((v, n) => {
      const z = Math.fround(normalizeValue(v, norm));
      worst = Math.max(worst, Math.abs(r.probability.data[n]! - sigmoid(Math.fround(4 * z))));
    });
    expect(worst).toBeLessThan(1e-6);
    expect(r.confidence.data[0]).toBeCloseTo(binaryConfidence(r.probability.data[0]!), 6);
  });

  it('maps predictions back onto a non-square grid through resampling (40×24 slices, model 32): the ball stays in place', async () => {
    const { image, mask } = ballVolume([40, 24, 12]);
    const norm = intensityNormalization(image);
    const at = normalizeValue(70, norm); // the ball's half-height
    const r = await predictVolume(pointwise(32, 8, at), image);
    const pred = probabilityToMask(r.probability);
    const direct = withData(image, Uint8Array.from(image.data, (v) => (v >= 70 ? 1 : 0)));
    expect(dice(direct, pred)).toBeGreaterThan(0.97);
    expect(dice(mask, pred)).toBeGreaterThan(0.93);
    const centroid = (m: Volume) => {
      let w = 0, sx = 0, sy = 0;
      m.data.forEach((v, n) => { if (v) { w++; sx += n % 40; sy += Math.floor(n / 40) % 24; } });
      return [sx / w, sy / w];
    };
    const [ax, ay] = centroid(direct), [bx, by] = centroid(pred);
    expect(Math.abs(bx! - ax!)).toBeLessThan(0.1);
    expect(Math.abs(by! - ay!)).toBeLessThan(0.1);
  });

  it('flip TTA: a pointwise model is unchanged; a model that only sees left vs right becomes undecided (p ½, confidence 0)', async () => {
    const { image } = ballVolume([32, 32, 4]);
    const none = await predictVolume(pointwise(32), image);
    const m = pointwise(32);
    const flips = await predictVolume(m, image, { tta: 'flips', batchSize: 8 });
    expect(flips.passes).toBe(4);
    expect(m.calls).toBe(2); // 4 slices × 4 passes in batches of 8
    let worst = 0;
    none.probability.data.forEach((p, n) => { worst = Math.max(worst, Math.abs(p - flips.probability.data[n]!)); });
    expect(worst).toBeLessThan(1e-6);
    const leftRight: SliceModel = { name: 'left/right', inputSize: 32, predictLogits: async (x, n) => Float32Array.from({ length: x.length }, (_, i) => (i % 32 < 16 ? 20 : -20)) };
    const lr1 = await predictVolume(leftRight, image);
    const lr4 = await predictVolume(leftRight, image, { tta: 'flips' });
    expect(lr1.probability.data[3]).toBeCloseTo(1, 6);
    expect(lr1.confidence.data[3]).toBeCloseTo(1, 6);
    expect(lr4.probability.data[3]).toBeCloseTo(0.5, 6);
    expect(lr4.confidence.data[3]).toBeCloseTo(0, 6);
  });

  it('confidence is 1 − H(p)/ln 2: 1 at 0 and 1, 0 at ½, 0.531 at 0.1', () => {
    expect(binaryConfidence(0)).toBe(1);
    expect(binaryConfidence(1)).toBe(1);
    expect(binaryConfidence(0.5)).toBeCloseTo(0, 15);
    expect(binaryConfidence(0.1)).toBeCloseTo(1 - (-(0.1 * Math.log(0.1)) - 0.9 * Math.log(0.9)) / Math.LN2, 12);
    expect(binaryConfidence(0.1)).toBeCloseTo(0.531004, 6);
    expect(binaryConfidence(0.9)).toBeCloseTo(binaryConfidence(0.1), 12);
  });

  it('refuses a model whose input does not fit, wrong outputs, NaN; Stop aborts between model calls', async () => {
    const { image } = ballVolume([32, 32, 6]);
    const e = await thrown(predictVolume(pointwise(64), image, { size: 32 }));
    expect(e).toBeInstanceOf(ParameterError);
    expect(e.message).toMatch(/takes 64×64 slices but 32×32/);
    expect(await thrown(predictVolume({ ...pointwise(32), inputSize: 0 }, image))).toBeInstanceOf(ParameterError);
    const short: SliceModel = { name: 'short', inputSize: 32, predictLogits: async () => new Float32Array(5) };
    expect((await thrown(predictVolume(short, image))).message).toMatch(/returned 5 logits/);
    const nan = image.data.slice();
    nan[1 + 32 * (2 + 32 * 3)] = NaN;
    expect((await thrown(predictVolume(pointwise(32), withData(image, nan)))).message).toMatch(/NaN at voxel \(i 1, j 2, k 3\)/);
    const ac = new AbortController();
    const seen: number[] = [];
    const err = await thrown(predictVolume(pointwise(32), image, { batchSize: 2, signal: ac.signal, onProgress: (f) => { seen.push(f); if (seen.length === 1) ac.abort(); } }));
    expect(err).toBeInstanceOf(AbortError);
    expect(seen).toEqual([2 / 6]);
    expect(() => probabilityToMask(image, 1)).toThrow(ParameterError);
    const layers = unet2d({ depth: 1, baseChannels: 2, inputSize: 16 });
    expect(tfjsSliceModel(layers).inputSize).toBe(16);
    const fromTfjs = await thrown(predictVolume(tfjsSliceModel(layers), image, { size: 32 }));
    expect(fromTfjs.message).toMatch(/takes 16×16 slices/);
    layers.dispose();
  });

  it('end to end: a tiny U-Net trained on slabs of a noisy ball segments a held-out slab (Dice > 0.9 on the input grid)', async () => {
    const { image, mask } = ballVolume([36, 32, 24], 12);
    const data = sliceDataset(image, mask, { size: 32, slabs: { train: [[3, 8], [15, 20]], validation: [[9, 9]], exclude: [[10, 14]] }, seed: 4, samplesPerEpoch: 24 });
    const model = unet2d({ depth: 1, baseChannels: 4, inputSize: 32, seed: 3 });
    const h = await train(model, data, { epochs: 15, batchSize: 4, learningRate: 1e-2 });
    expect(h.bestValDice!).toBeGreaterThan(0.85);
    const r = await predictVolume(tfjsSliceModel(model), image, { tta: 'flips', size: data.size });
    const pred = probabilityToMask(r.probability);
    // the held-out slab k 10–14
    const slab = (v: Volume<Uint8Array>) => withData({ ...v, dims: [36, 32, 5] } as Volume, v.data.slice(10 * 36 * 32, 15 * 36 * 32));
    const d = dice(slab(mask), slab(pred));
    expect(d).toBeGreaterThan(0.9);
    // confident where right, least confident at the ball's edge
    let inner = 0, nIn = 0;
    r.confidence.data.forEach((c, n) => { if (mask.data[n] && pred.data[n]) { inner += c; nIn++; } });
    expect(inner / nIn).toBeGreaterThan(0.6);
    model.dispose();
  });
});

describe('predictVolume on Colin27 (a few axial slices, 217 → 64 → 217)', () => {
  it('a threshold model mapped back through the square lands on the same voxels as the threshold itself', async () => {
    const t1 = await loadNifti(cached('mri-colin27/ch2.nii.gz'));
    const [nx, ny] = t1.dims;
    const k0 = 80, nk = 3;
    const slab = makeVolume({ ...t1, data: Float32Array.from(t1.data.subarray(k0 * nx * ny, (k0 + nk) * nx * ny)), dims: [nx, ny, nk] as Vec3 });
    const norm = intensityNormalization(slab);
    const at = normalizeValue(60, norm);
    const r = await predictVolume(pointwise(64, 6, at), slab);
    const pred = probabilityToMask(r.probability);
    const direct = withData(slab, Uint8Array.from(slab.data, (v) => (v >= 60 ? 1 : 0)));
    expect(dice(direct, pred)).toBeGreaterThan(0.95);
    const centroid = (m: Volume) => {
      let w = 0, sx = 0, sy = 0;
      m.data.forEach((v, n) => { if (v) { w++; sx += n % nx; sy += Math.floor(n / nx) % ny; } });
      return [sx / w, sy / w];
    };
    const [ax, ay] = centroid(direct), [bx, by] = centroid(pred);
    expect(Math.abs(bx! - ax!)).toBeLessThan(0.5);
    expect(Math.abs(by! - ay!)).toBeLessThan(0.5);
  });
});
