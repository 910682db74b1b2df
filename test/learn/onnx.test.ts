/**
 * loadOnnxModel: the shipped models/brain-unet-small.onnx run by onnxruntime-web (wasm, one
 * thread) against PyTorch's saved output on a real Colin27 slice, its Dice against ch2bet
 * through `predictVolume`, batching, interruption, and the errors for files that are corrupt
 * or do not fit.
 *
 * The model was trained on Voxbook's own slice recipe (models/README.md), so its input here is
 * built by Voxbook's own functions — what `predictVolume` does: `intensityNormalization` of
 * the whole volume (0.5/99.5 percentile clip, z-score), `readSlice` along axis 2 mapped by
 * `normalizeValue`, `toModelSquare` (centred pad to max(w, h) with `normalizedFloor`,
 * half-pixel bilinear resize) — and compared with the input models/train_brain_unet_small.py
 * built in numpy. Axis mapping: nibabel's array ch2[i, j, k] and our LPS volume hold the same
 * voxels in the same order — our loader keeps the stored order (x fastest) and only rewrites
 * the geometry, direction diag(−1, −1, 1) — so nibabel's ch2[i, j, k] is our
 * data[i + 181·(j + 217·k)], with no flips of the data.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axialSlab } from '../../cells/core/crop.ts';
import { AbortError, FormatError, InputNotFoundError, ParameterError } from '../../cells/core/errors.ts';
import { withData, type Volume } from '../../cells/core/volume.ts';
import { loadNifti } from '../../cells/io/nifti.ts';
import { readSlice, sliceGeometry, toModelSquare } from '../../cells/learn/dataset.ts';
import { intensityNormalization, normalizedFloor, normalizeValue } from '../../cells/learn/normalize.ts';
import { loadOnnxModel, type OnnxSliceModel } from '../../cells/learn/onnx.ts';
import { predictVolume, probabilityToMask, type VolumePrediction } from '../../cells/learn/predict.ts';
import { compareMasks } from '../../cells/metrics/compare-masks.ts';
import { cached, thrown } from '../helpers.ts';

const MODELS = resolve(import.meta.dirname, '../../models');
const MODEL = join(MODELS, 'brain-unet-small.onnx');
const reference = JSON.parse(readFileSync(join(MODELS, 'reference/reference.json'), 'utf8')) as {
  size: number;
  normalization: { lowPercent: number; highPercent: number; lo: number; hi: number; mean: number; std: number };
  geometry: { width: number; height: number; square: number; offsetX: number; offsetY: number; size: number };
  slice: { k: number; dice: number; intersection: number; predicted: number; reference: number };
  testSlab: { k: [number, number]; dice: number };
};

/** The Dice figures models/README.md states (PyTorch's, through predictVolume's rule, at the native 181 × 217 grid). */
const README_SLICE_DICE = 0.9798;
const README_SLAB_DICE = 0.9827;

function f32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

const S = 128;

/** Axial slice k as the model's input, by Voxbook's own functions (predictVolume's preparation, axis 2). */
const norms = new WeakMap<Volume, ReturnType<typeof intensityNormalization>>();
function modelInput(t1: Volume, k: number, out = new Float32Array(S * S)): Float32Array {
  let norm = norms.get(t1);
  if (!norm) norms.set(t1, (norm = intensityNormalization(t1)));
  const geometry = sliceGeometry(t1.dims, 2, S);
  out.set(toModelSquare(readSlice(t1, geometry, k, (v) => normalizeValue(v, norm)), geometry, normalizedFloor(norm)));
  return out;
}

function maxAbsDiff(x: Float32Array, y: Float32Array): number {
  expect(x.length).toBe(y.length);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  return m;
}

let t1: Volume;
let bet: Volume;
let betMask: Volume<Uint8Array>;
let model: OnnxSliceModel;
let predicted: Promise<{ prediction: VolumePrediction; ms: number }> | undefined;

/** predictVolume(model, t1) once, shared by the Dice tests. */
function prediction(): Promise<{ prediction: VolumePrediction; ms: number }> {
  predicted ??= (async () => {
    const t = performance.now();
    const p = await predictVolume(model, t1);
    return { prediction: p, ms: performance.now() - t };
  })();
  return predicted;
}

beforeAll(async () => {
  [t1, bet] = await Promise.all([loadNifti(cached('mri-colin27/ch2.nii.gz')), loadNifti(cached('mri-colin27/ch2bet.nii.gz'))]);
  betMask = withData(bet, Uint8Array.from(bet.data, (v) => (v !== 0 ? 1 : 0)));
  model = await loadOnnxModel(MODEL);
});

afterAll(() => model?.dispose());

describe('loadOnnxModel on models/brain-unet-small.onnx', () => {
  it('reads the signature from the session: input "image" [N, 1, 128, 128], output "logits", dynamic batch', () => {
    expect(model.name).toBe(MODEL);
    expect(model.inputSize).toBe(128);
    expect(model.inputName).toBe('image');
    expect(model.outputName).toBe('logits');
    expect(model.fixedBatch).toBeNull();
    expect(reference.size).toBe(S);
  });

  it('the training script used our normalisation and slice geometry (same numbers as intensityNormalization and sliceGeometry)', () => {
    const norm = intensityNormalization(t1);
    const r = reference.normalization;
    expect([r.lowPercent, r.highPercent]).toEqual([norm.lowPercent, norm.highPercent]);
    expect([r.lo, r.hi]).toEqual([norm.lo, norm.hi]);
    expect(Math.abs(r.mean - norm.mean)).toBeLessThanOrEqual(1e-9 * norm.mean);
    expect(Math.abs(r.std - norm.std)).toBeLessThanOrEqual(1e-9 * norm.std);
    const g = sliceGeometry(t1.dims, 2, S);
    expect(reference.geometry).toEqual({ width: g.width, height: g.height, square: g.square, offsetX: g.offsetX, offsetY: g.offsetY, size: g.size });
  });

  it(`the slice k = ${reference.slice.k} built by Voxbook's functions from our LPS volume is PyTorch's input within 1e-5 (same voxel order as nibabel's RAS array)`, () => {
    expect(t1.dims).toEqual([181, 217, 181]);
    expect(Array.from(t1.direction)).toEqual([-1, 0, 0, 0, -1, 0, 0, 0, 1]);
    expect(t1.data).toBeInstanceOf(Uint8Array);
    const ours = modelInput(t1, reference.slice.k);
    const torch = f32(join(MODELS, `reference/k${reference.slice.k}.input.f32`));
    const err = maxAbsDiff(ours, torch);
    console.log(`[onnx] max |our input − numpy's| on slice k ${reference.slice.k}: ${err.toExponential(2)} (input ${Math.min(...torch).toFixed(3)} … ${Math.max(...torch).toFixed(3)})`);
    expect(err).toBeLessThanOrEqual(1e-5);
    // Not constant: the comparison would pass vacuously.
    expect(Math.max(...torch) - Math.min(...torch)).toBeGreaterThan(2);
  });

  it(`logits on slice k = ${reference.slice.k} equal PyTorch's saved output within 1e-4`, async () => {
    const torch = f32(join(MODELS, `reference/k${reference.slice.k}.logits.f32`));
    const ours = await model.predictLogits(modelInput(t1, reference.slice.k), 1);
    const err = maxAbsDiff(ours, torch);
    console.log(`[onnx] max |ours − torch| on slice k ${reference.slice.k}: ${err.toExponential(2)} (logits ${Math.min(...torch).toFixed(2)} … ${Math.max(...torch).toFixed(2)})`);
    expect(err).toBeLessThanOrEqual(1e-4);
    // Not all zero or constant: the comparison would pass vacuously.
    expect(Math.max(...torch) - Math.min(...torch)).toBeGreaterThan(5);
  });

  it(`predictVolume(model, t1): test slab k ${reference.testSlab.k.join('–')} Dice against ch2bet > 0 (compareMasks on axialSlab) is the README's figure`, async () => {
    const { prediction: p, ms } = await prediction();
    expect(p.probability.dims).toEqual(t1.dims);
    const [k0, k1] = reference.testSlab.k;
    const r = compareMasks(axialSlab(betMask, k0, k1), axialSlab(probabilityToMask(p.probability), k0, k1));
    console.log(`[onnx] predictVolume over all ${t1.dims[2]} slices: ${ms.toFixed(0)} ms; test slab Dice ${r.dice.toFixed(4)}, HD95 ${r.hd95Mm.toFixed(2)} mm, ASSD ${r.assdMm.toFixed(2)} mm`);
    expect(Math.abs(r.dice - README_SLAB_DICE)).toBeLessThanOrEqual(1e-3);
    expect(Math.abs(r.dice - reference.testSlab.dice)).toBeLessThanOrEqual(1e-3);
  });

  it(`predictVolume(model, t1): slice k = ${reference.slice.k} against ch2bet is the README's figure`, async () => {
    const { prediction: p } = await prediction();
    const k = reference.slice.k;
    const mask = probabilityToMask(p.probability).data;
    const n = t1.dims[0] * t1.dims[1];
    let inter = 0, a = 0, b = 0;
    for (let i = k * n; i < (k + 1) * n; i++) {
      const q = betMask.data[i]!;
      a += mask[i]!;
      b += q;
      inter += mask[i]! & q;
    }
    expect(b).toBe(reference.slice.reference);
    const d = (2 * inter) / (a + b);
    expect(Math.abs(d - README_SLICE_DICE)).toBeLessThanOrEqual(1e-3);
    expect(Math.abs(d - reference.slice.dice)).toBeLessThanOrEqual(1e-3);
  });

  it(`the test slab k ${reference.testSlab.k.join('–')} in one call, in chunks: same logits as slice by slice`, async () => {
    const [k0, k1] = reference.testSlab.k;
    const n = k1 - k0 + 1;
    const x = new Float32Array(n * S * S);
    for (let k = k0; k <= k1; k++) modelInput(t1, k, x.subarray((k - k0) * S * S, (k - k0 + 1) * S * S));
    const chunked = await loadOnnxModel(MODEL, { maxBatch: 8, name: 'brain-unet-small (chunks of 8)' });
    expect(chunked.name).toBe('brain-unet-small (chunks of 8)');
    const one = x.subarray((reference.slice.k - k0) * S * S, (reference.slice.k - k0 + 1) * S * S);
    const single = await chunked.predictLogits(one, 1); // warm-up, and the single-slice answer
    const tSingle: number[] = [];
    for (let r = 0; r < 5; r++) {
      const t = performance.now();
      await chunked.predictLogits(one, 1);
      tSingle.push(performance.now() - t);
    }
    const t = performance.now();
    const all = await chunked.predictLogits(x, n);
    const tBatch = performance.now() - t;
    tSingle.sort((a, b) => a - b);
    console.log(`[onnx] inference (wasm, 1 thread): ${tSingle[2]!.toFixed(1)} ms per slice (median of 5), ${n} slices in chunks of 8: ${tBatch.toFixed(0)} ms (${(tBatch / n).toFixed(1)} ms a slice)`);
    chunked.dispose();
    expect(maxAbsDiff(all.subarray((reference.slice.k - k0) * S * S, (reference.slice.k - k0 + 1) * S * S), single)).toBeLessThanOrEqual(1e-5);
    const torch = f32(join(MODELS, `reference/k${reference.slice.k}.logits.f32`));
    expect(maxAbsDiff(single, torch)).toBeLessThanOrEqual(1e-4);
  });

  it('predictLogits refuses a buffer of the wrong length, naming the sizes', async () => {
    const e = await thrown(model.predictLogits(new Float32Array(S * S + 1), 1));
    expect(e).toBeInstanceOf(ParameterError);
    expect(e.message).toContain('16385 values for n = 1');
    expect(e.message).toContain('16384');
    expect(await thrown(model.predictLogits(new Float32Array(0), -1))).toBeInstanceOf(ParameterError);
    expect(await model.predictLogits(new Float32Array(0), 0)).toHaveLength(0);
  });

  it('honours an AbortSignal before the first chunk and between chunks', async () => {
    const x = new Float32Array(3 * S * S);
    const ctl = new AbortController();
    ctl.abort();
    const e = await thrown(model.predictLogits(x, 3, { signal: ctl.signal }));
    expect(e).toBeInstanceOf(AbortError);
    expect(e.message).toContain(MODEL);
    // A signal that reads as aborted from its second look on: one chunk runs, the next does not.
    const small = await loadOnnxModel(MODEL, { maxBatch: 1 });
    let looks = 0;
    const late = { get aborted() { return ++looks > 1; } } as unknown as AbortSignal;
    expect(await thrown(small.predictLogits(x, 3, { signal: late }))).toBeInstanceOf(AbortError);
    expect(looks).toBe(2);
    // The model still works after an interrupted call.
    expect(await small.predictLogits(x.subarray(0, S * S), 1)).toHaveLength(S * S);
    small.dispose();
    const gone = await thrown(small.predictLogits(x.subarray(0, S * S), 1));
    expect(gone.message).toContain('disposed');
  });

  it('concurrent calls on one model are queued and each gets its own answer', async () => {
    const a = modelInput(t1, 70);
    const b = modelInput(t1, 80);
    const [ya, yb] = await Promise.all([model.predictLogits(a, 1), model.predictLogits(b, 1)]);
    expect(maxAbsDiff(ya, await model.predictLogits(a, 1))).toBe(0);
    expect(maxAbsDiff(yb, await model.predictLogits(b, 1))).toBe(0);
    expect(maxAbsDiff(ya, yb)).toBeGreaterThan(1);
  });
});

describe('loadOnnxModel errors and odd shapes', () => {
  const TESTDATA = join(MODELS, 'testdata');

  it('corrupt bytes: FormatError naming the file (path, and bytes with a name)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'voxbook-onnx-'));
    try {
      const good = readFileSync(MODEL);
      const truncated = join(dir, 'truncated.onnx');
      writeFileSync(truncated, good.subarray(0, 1000));
      const e1 = await thrown(loadOnnxModel(truncated));
      expect(e1).toBeInstanceOf(FormatError);
      expect((e1 as FormatError).path).toBe(truncated);
      expect(e1.message).toContain('truncated.onnx');
      const garbage = new Uint8Array(4096).map((_, i) => (i * 7919) & 255);
      const e2 = await thrown(loadOnnxModel(garbage, { name: 'garbage.onnx' }));
      expect(e2).toBeInstanceOf(FormatError);
      expect(e2.message).toMatch(/^garbage\.onnx: /);
      const e3 = await thrown(loadOnnxModel(new Uint8Array(0)));
      expect(e3).toBeInstanceOf(FormatError);
      expect(e3.message).toContain('empty');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a missing file: InputNotFoundError', async () => {
    expect(await thrown(loadOnnxModel(join(MODELS, 'no-such-model.onnx')))).toBeInstanceOf(InputNotFoundError);
  });

  for (const [file, says] of [
    ['three-channels.onnx', ['3 channels', '"image" float32 [batch, 3, 32, 32]']],
    ['not-square.onnx', ['not square', '[batch, 1, 64, 32]']],
    ['two-output-channels.onnx', ['output "logits" has 2 channels', '"logits" float32 [batch, 2, 32, 32]']],
    ['two-outputs.onnx', ['2 outputs', '"negated" float32 [batch, 1, 32, 32]']],
  ] as const) {
    it(`${file}: ParameterError naming the file and its shapes`, async () => {
      const path = join(TESTDATA, file);
      const e = await thrown(loadOnnxModel(path));
      expect(e).toBeInstanceOf(ParameterError);
      expect(e.message.startsWith(`${path}: `)).toBe(true);
      for (const s of says) expect(e.message).toContain(s);
      expect(e.message).toContain('[N, 1, S, S]');
    });
  }

  it('inputSize that contradicts the model: ParameterError with both sizes', async () => {
    const e = await thrown(loadOnnxModel(MODEL, { inputSize: 64 }));
    expect(e).toBeInstanceOf(ParameterError);
    expect(e.message).toContain('inputSize = 64');
    expect(e.message).toContain('128 × 128');
    expect(await thrown(loadOnnxModel(MODEL, { maxBatch: 0 }))).toBeInstanceOf(ParameterError);
  });

  it('symbolic height and width: refused without inputSize, run with it', async () => {
    const path = join(TESTDATA, 'any-size.onnx');
    const e = await thrown(loadOnnxModel(path));
    expect(e).toBeInstanceOf(ParameterError);
    expect(e.message).toContain('[batch, 1, height, width]');
    expect(e.message).toContain('inputSize');
    const m = await loadOnnxModel(path, { inputSize: 32 });
    expect(m.inputSize).toBe(32);
    const x = new Float32Array(2 * 32 * 32).map((_, i) => Math.sin(i));
    const y = await m.predictLogits(x, 2);
    expect(maxAbsDiff(y.subarray(32 * 32), await m.predictLogits(x.subarray(32 * 32), 1))).toBeLessThanOrEqual(1e-6);
    m.dispose();
  });

  it('a fixed batch of 2: any n runs in chunks of 2, the last padded, same answers as one by one', async () => {
    const m = await loadOnnxModel(join(TESTDATA, 'fixed-batch-2.onnx'));
    expect(m.fixedBatch).toBe(2);
    expect(m.inputSize).toBe(32);
    const px = 32 * 32;
    const x = new Float32Array(3 * px).map((_, i) => Math.cos(i * 0.37));
    const y = await m.predictLogits(x, 3);
    expect(y).toHaveLength(3 * px);
    for (let s = 0; s < 3; s++) {
      const ys = await m.predictLogits(x.subarray(s * px, (s + 1) * px), 1);
      expect(maxAbsDiff(y.subarray(s * px, (s + 1) * px), ys)).toBeLessThanOrEqual(1e-6);
    }
    m.dispose();
  });
});
