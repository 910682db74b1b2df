import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError, InputNotFoundError, ParameterError } from '../../cells/core/errors.ts';
import { initLearning } from '../../cells/learn/backend.ts';
import { fileModelHandler, loadCheckpoint, saveCheckpoint } from '../../cells/learn/checkpoint.ts';
import { sliceDataset } from '../../cells/learn/dataset.ts';
import { tfjsSliceModel } from '../../cells/learn/tfjs-model.ts';
import { train } from '../../cells/learn/train.ts';
import { unet2d } from '../../cells/learn/unet.ts';
import { thrown } from '../helpers.ts';
import { noisyBall } from './ball.ts';

/** The learning tests' noisy ball as a slice dataset. */
function ballCase() {
  const { image, mask } = noisyBall();
  return sliceDataset(image, mask, { size: 32, slabs: { train: [[4, 9], [14, 19]], validation: [[11, 12]] }, seed: 1, samplesPerEpoch: 8 });
}

let dir = '';
beforeAll(async () => {
  expect((await initLearning({ backend: 'wasm' })).backend).toBe('wasm');
  dir = mkdtempSync(join(tmpdir(), 'voxbook-ckpt-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const probe = Float32Array.from({ length: 3 * 32 * 32 }, (_, n) => Math.sin(n * 0.013) * 2);

describe('checkpoints in Node (folders: model.json + weights.bin + run state)', () => {
  it('round trip: the loaded model gives identical predictions, bit for bit', async () => {
    const data = ballCase();
    const model = unet2d({ depth: 1, baseChannels: 4, inputSize: 32, seed: 2 });
    const target = join(dir, 'run-a');
    const r = await train(model, data, { epochs: 2, batchSize: 4, learningRate: 1e-2, checkpoint: target });
    expect(r.status).toBe('completed');
    expect(readdirSync(target).sort()).toEqual(['best.bin', 'model.json', 'optimizer.bin', 'run.json', 'tensors.json', 'weights.bin']);
    expect(readdirSync(dir).filter((f) => f.includes('.staging-') || f.includes('.old-'))).toEqual([]);
    const ck = await loadCheckpoint(target);
    expect(ck.run.progress.epochsDone).toBe(2);
    expect(ck.run.progress.epochs.map((e) => e.trainLoss)).toEqual(r.epochs.map((e) => e.trainLoss));
    expect(ck.run.seed).toBe(1);
    // the checkpoint holds the last epoch's weights; `best` holds the best epoch's
    const last = ck.run.progress.bestEpoch === 2;
    const a = await tfjsSliceModel(model).predictLogits(probe, 3);
    if (last) {
      const b = await tfjsSliceModel(ck.model).predictLogits(probe, 3);
      expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    }
    ck.model.setWeights(ck.best!);
    const c = await tfjsSliceModel(ck.model).predictLogits(probe, 3);
    expect(Buffer.from(c.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    ck.dispose();
    ck.model.dispose();
    model.dispose();
  });

  it('resume: 2 epochs, checkpoint, load, 2 more epochs = 4 epochs straight (the same losses, bit for bit)', async () => {
    const data = ballCase();
    const straight = unet2d({ depth: 1, baseChannels: 4, inputSize: 32, seed: 2 });
    const full = await train(straight, data, { epochs: 4, batchSize: 4, learningRate: 1e-2 });
    const first = unet2d({ depth: 1, baseChannels: 4, inputSize: 32, seed: 2 });
    const target = join(dir, 'run-b');
    // stop after 2 of 4 planned epochs, as an interrupted session would
    const ac = new AbortController();
    const half = await train(first, data, { epochs: 4, batchSize: 4, learningRate: 1e-2, checkpoint: target, signal: ac.signal, onUpdate: (p) => { if (p.epochsDone === 2) ac.abort(); } });
    expect(half.status).toBe('aborted');
    expect(half.epochsDone).toBe(2);
    const ck = await loadCheckpoint(target);
    const resumed = await train(ck.model, data, { resume: ck });
    expect(resumed.status).toBe('completed');
    expect(resumed.epochs.length).toBe(4);
    expect(resumed.stepsDone).toBe(full.stepsDone);
    const fl = full.batches.map((b) => b.loss), rl = resumed.batches.map((b) => b.loss);
    expect(rl.slice(0, 4)).toEqual(fl.slice(0, 4));
    expect(rl.slice(4)).toEqual(fl.slice(4)); // bit for bit: weights, Adam state, BatchNorm path and batches all carried over
    expect(resumed.batches.map((b) => b.learningRate)).toEqual(full.batches.map((b) => b.learningRate));
    expect(resumed.bestEpoch).toBe(full.bestEpoch);
    ck.dispose();
    [straight, first, ck.model].forEach((m) => m.dispose());
  });

  it('fileModelHandler writes model.json + weights.bin that tf.loadLayersModel reads back', async () => {
    const model = unet2d({ depth: 1, baseChannels: 4, inputSize: 32, seed: 9 });
    const target = join(dir, 'plain');
    await model.save(fileModelHandler(target));
    await model.save(fileModelHandler(target)); // replacing an existing folder works
    expect(readdirSync(target).sort()).toEqual(['model.json', 'weights.bin']);
    const back = await tf.loadLayersModel(fileModelHandler(target));
    const a = await tfjsSliceModel(model).predictLogits(probe, 3);
    const b = await tfjsSliceModel(back).predictLogits(probe, 3);
    expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    model.dispose();
    back.dispose();
  });

  it('says what is missing or damaged, and names a staging folder an interrupted save left', async () => {
    const e = await thrown(loadCheckpoint(join(dir, 'nowhere')));
    expect(e).toBeInstanceOf(InputNotFoundError);
    mkdirSync(join(dir, 'cut.staging-123-abc'));
    expect((await thrown(loadCheckpoint(join(dir, 'cut')))).message).toMatch(/cut\.staging-123-abc/);
    mkdirSync(join(dir, 'bad'));
    writeFileSync(join(dir, 'bad', 'run.json'), '{"format":"other"}');
    expect(await thrown(loadCheckpoint(join(dir, 'bad')))).toBeInstanceOf(FormatError);
    writeFileSync(join(dir, 'bad', 'model.json'), JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['../x.bin'], weights: [] }] }));
    expect((await thrown(tf.loadLayersModel(fileModelHandler(join(dir, 'bad'))))).message).toMatch(/not a plain file name/);
    const model = unet2d({ depth: 1, baseChannels: 4, inputSize: 32 });
    const run = { format: 'voxbook-training-run', version: 1 } as never;
    expect(await thrown(saveCheckpoint('indexeddb://x', model, run))).toBeInstanceOf(ParameterError);
    model.dispose();
  });
});
