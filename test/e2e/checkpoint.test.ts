/**
 * Issue 12: checkpoints in the browser (`indexeddb://name`: the model through tfjs io's
 * IndexedDB handler, the run's metadata, Adam's state and the best weights in Voxbook's
 * `voxbook-training` database through idb), from a notebook's kernel (a module Web Worker)
 * on the wasm backend. test/e2e/fixtures/checkpoint.nb.ts trains a tiny U-Net (depth 1,
 * 4 channels, 32²) 2 epochs on a synthetic ball with `checkpoint: 'indexeddb://vb-e2e-ckpt'`,
 * loads the checkpoint back (identical logits on a fixed batch, max |Δ| = 0, bit for bit; the
 * run's epochs and history came back), resumes 1 more epoch from it (3 epochs in all, saved
 * again; the same losses and logits as 3 epochs without a break); the databases are then in
 * the page's origin.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, waitForApp, type AppHarness } from './harness.ts';

const FIXTURE = new URL('./fixtures/checkpoint.nb.ts', import.meta.url);
const FIXTURE_PATH = 'test/e2e/fixtures/checkpoint.nb.ts';

interface CellSummary {
  readonly id: string;
  readonly status: string;
  readonly ms: number;
  readonly error: string | null;
  /** The cell's plain-data result (its application/json output). */
  readonly json: unknown;
}

describe('app: checkpoints in IndexedDB (train, load, identical predictions, resume)', () => {
  let app: AppHarness;
  let cells: Map<string, CellSummary>;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    const t0 = Date.now();
    app = await startApp();
    // app/main.ts only lists notebooks/*.nb.ts: open the fixture through the test hook, as
    // showcase.test.ts does.
    await app.page.goto(app.url);
    await waitForApp(app.page);
    timings['app up'] = Date.now() - t0;
    const text = await readFile(FIXTURE, 'utf8');
    await app.page.evaluate(([t, p]) => window.__voxbook!.open(t!, p!), [text, FIXTURE_PATH]);
    await app.page.waitForFunction(() => window.__voxbook!.state()?.cells.some((c) => c.id === 'resume'), undefined, { timeout: 10_000 });
    const t1 = Date.now();
    await app.page.getByRole('button', { name: 'Run all' }).click();
    await app.page.waitForFunction(() => window.__voxbook!.state()?.phase === 'running', undefined, { timeout: 10_000 });
    await app.page.waitForFunction(() => window.__voxbook!.state()?.phase !== 'running', undefined, { timeout: 60_000, polling: 200 });
    timings['run all'] = Date.now() - t1;
    const summary = await app.page.evaluate(() => window.__voxbook!.state()!.cells.filter((c) => c.kind === 'code').map((c) => ({
      id: c.id,
      status: c.status,
      ms: Math.round(c.ms ?? 0),
      error: c.error ? `${c.error.name}: ${c.error.message}` : null,
      json: c.outputs.map((o) => o.data['application/json']).find((j) => j !== undefined) ?? null,
    })));
    cells = new Map(summary.map((c) => [c.id, c as CellSummary]));
    for (const c of summary) console.log(`[e2e checkpoint] ${c.id}: ${c.status} ${c.ms} ms ${c.error ?? ''} ${JSON.stringify(c.json)}`);
  }, 180_000);

  afterAll(async () => {
    if (Object.keys(timings).length > 0) console.log(`[e2e checkpoint] ${Object.entries(timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(2)} s`).join(' · ')}`);
    await app?.close();
  });

  /** A cell's result (checked by the assertions themselves, hence untyped). */
  const json = (id: string): any => cells.get(id)?.json;

  it('runs every cell of the notebook', async () => {
    const failures = [...cells.values()].filter((c) => c.status !== 'done').map((c) => `${c.id}: ${c.status} ${c.error ?? ''}`);
    expect(failures).toEqual([]);
    const state = await app.page.evaluate(() => window.__voxbook!.state()!);
    expect(state.phase).toBe('done');
    expect(state.log.filter((l) => l.level === 'error')).toEqual([]);
    expect(json('setup').backend).toBe('wasm');
  });

  it('trains 2 epochs on wasm, saving a checkpoint to indexeddb://vb-e2e-ckpt', () => {
    const t = json('train');
    expect(t.status).toBe('completed');
    expect(t.epochsDone).toBe(2);
    expect(t.backend).toBe('wasm');
    expect(t.trainLosses).toHaveLength(2);
  });

  it('loads the checkpoint back: identical logits on the same batch (max |Δ| = 0), the run metadata restored', () => {
    const r = json('roundtrip');
    const t = json('train');
    // The trained model holds the best epoch's weights; the checkpoint's `best` the same ones.
    expect(r.withBest).toEqual({ maxAbsDiff: 0, bitIdentical: true, length: 3 * 32 * 32 });
    // When the last epoch is the best, the loaded model as it is predicts the same too.
    if (r.lastIsBest) expect(r.asLoaded).toEqual({ maxAbsDiff: 0, bitIdentical: true, length: 3 * 32 * 32 });
    expect(r.run.format).toBe('voxbook-training-run');
    expect(r.run.seed).toBe(1);
    expect(r.run.epochsDone).toBe(2);
    expect(r.run.bestEpoch).toBe(t.bestEpoch);
    expect(r.run.trainLosses).toEqual(t.trainLosses);
    expect(r.run.stepsDone).toBe(r.run.batches);
    expect(r.run.stepsDone).toBeGreaterThan(0);
    expect(r.run.options).toMatchObject({ epochs: 2, batchSize: 4, learningRate: 1e-2, schedule: 'constant' });
    expect(r.run.modelName).toBe('unet2d_d1_c4');
    expect(r.optimizerTensors).toBeGreaterThan(0);
    expect(r.bestTensors).toBe(r.modelWeights);
  });

  it('resumes from the checkpoint for a third epoch, continuing its history as an unbroken run would', () => {
    const r = json('resume');
    const t = json('train');
    expect(r.status).toBe('completed');
    expect(r.epochsDone).toBe(3);
    expect(r.epochs).toEqual([1, 2, 3]);
    expect(r.trainLosses.slice(0, 2)).toEqual(t.trainLosses);
    expect(r.stepsDone).toBe(json('roundtrip').run.stepsDone * 3 / 2);
    // …and the checkpoint written after that epoch says so.
    expect(r.stored).toEqual({ epochsDone: 3, epochs: [1, 2, 3], status: 'completed' });
    // 2 epochs, checkpoint, load, 1 more = 3 epochs straight (constant learning rate): the same
    // losses and final logits, bit for bit (weights, Adam's moments and step count restored).
    expect(r.straight.trainLosses).toEqual(r.trainLosses);
    expect(r.straight.stepsDone).toBe(r.stepsDone);
    expect(r.straight.logits).toEqual({ maxAbsDiff: 0, bitIdentical: true, length: 3 * 32 * 32 });
  });

  it('leaves the IndexedDB databases in the page origin (tfjs io\'s and voxbook-training)', async () => {
    const found = await app.page.evaluate(async () => {
      const names = (await indexedDB.databases()).map((d) => d.name ?? '');
      // What tfjs io's IndexedDB handler lists (it stores models in the 'tensorflowjs' database).
      const open = (name: string) => new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open(name);
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      const keysOf = async (name: string, store: string) => {
        if (!names.includes(name)) return null;
        const db = await open(name);
        try {
          if (!db.objectStoreNames.contains(store)) return [];
          return await new Promise<string[]>((resolve, reject) => {
            const r = db.transaction(store, 'readonly').objectStore(store).getAllKeys();
            r.onsuccess = () => resolve(r.result.map(String));
            r.onerror = () => reject(r.error);
          });
        } finally {
          db.close();
        }
      };
      return { names, tfjsModels: await keysOf('tensorflowjs', 'models_store'), runs: await keysOf('voxbook-training', 'runs') };
    });
    console.log(`[e2e checkpoint] IndexedDB: ${JSON.stringify(found)}`);
    expect(found.names).toEqual(expect.arrayContaining(['tensorflowjs', 'voxbook-training']));
    expect(found.tfjsModels).toContain('vb-e2e-ckpt');
    expect(found.runs).toEqual(['vb-e2e-ckpt']);
  });

  it('logs no browser errors and reaches no other host', () => {
    expect(app.errors).toEqual([]);
    expect(app.outsideRequests).toEqual([]);
  });
});
