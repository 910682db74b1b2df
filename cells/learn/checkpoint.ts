/**
 * Checkpoints of a training run: the model (tfjs's own format), the run's metadata (seed,
 * options, history, best score), Adam's state and the best weights so far — enough for
 * `train({ resume })` to continue the run as if it had not stopped.
 *
 * Where:
 * - Node: a folder. `model.json` + `weights.bin` are the tfjs layers format (what
 *   `tfjs-node`'s `file://` handler writes; `fileModelHandler` reads and writes it here,
 *   since tfjs-node cannot be installed), beside `run.json`, `optimizer.bin` and `best.bin`.
 *   A checkpoint replaces the folder as a whole: the files are written into a staging folder
 *   next to it, which is then renamed into place (see `writeFolderAtomically`).
 * - Browser: `indexeddb://<name>`. The model goes through tfjs io's IndexedDB handler; the
 *   run's metadata and the two weight blobs go to Voxbook's own IndexedDB database
 *   `voxbook-training` (store `runs`, key `<name>`) through idb.
 */
import * as tf from '@tensorflow/tfjs';
import { openDB } from 'idb';

/** A tensor with its name, as tfjs optimizers' getWeights/setWeights use. */
export interface NamedTensor { name: string; tensor: tf.Tensor }
import { FormatError, InputNotFoundError, ParameterError } from '../core/errors.ts';
import { isNode, joinPath, nodeFs } from '../io/bytes.ts';
import { accelerateBatchNormLayers } from './kernels/batchnorm.ts';
import type { ResolvedTrainOptions, TrainingProgress } from './train.ts';

/** The run's metadata, as `run.json` holds it. */
export interface TrainingRun {
  readonly format: 'voxbook-training-run';
  readonly version: 1;
  /** Seed of the data (batches, augmentation). */
  readonly seed: number;
  readonly options: ResolvedTrainOptions;
  /** History and counters at the end of the saved epoch. */
  readonly progress: TrainingProgress;
  /** Best monitored value so far (validation Dice, or −training loss). */
  readonly bestScore: number;
  /** The monitored value at the last improvement above minDelta (early stopping's reference). */
  readonly patienceScore: number;
  /** Epochs since the last improvement above minDelta (early-stopping patience). */
  readonly sinceBest: number;
  readonly model: { readonly name: string; readonly inputSize: number };
  /** ISO time of saving. */
  readonly savedAt: string;
}

/** A loaded checkpoint. Its tensors are the caller's: `dispose()` them (the model separately). */
export interface Checkpoint {
  readonly model: tf.LayersModel;
  readonly run: TrainingRun;
  /** Adam's state (iterations, first and second moments), or null if not saved. */
  readonly optimizer: NamedTensor[] | null;
  /** The best weights so far, in `model.getWeights()` order, or null. */
  readonly best: tf.Tensor[] | null;
  /** Frees `optimizer` and `best` (not the model). */
  dispose(): void;
}

/** Extra state saved beside the model. */
export interface CheckpointState {
  readonly optimizer?: readonly NamedTensor[];
  readonly best?: readonly tf.Tensor[];
}

const IDB_PREFIX = 'indexeddb://';
const RUN_DB = 'voxbook-training';
const RUN_STORE = 'runs';

interface BlobEntry { readonly data: ArrayBuffer; readonly specs: tf.io.WeightsManifestEntry[] }
interface StoredRun { readonly run: TrainingRun; readonly optimizer: BlobEntry | null; readonly best: BlobEntry | null }

/** Names a file inside a checkpoint folder may have (no separators, no '..'). */
function safeName(name: string, where: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name === '.' || name === '..') throw new FormatError(where, `refers to the file "${name}", which is not a plain file name in the checkpoint folder`);
  return name;
}

function toBytes(x: Uint8Array | string): Uint8Array {
  return typeof x === 'string' ? new TextEncoder().encode(x) : x;
}

/**
 * Writes `files` (name → bytes or text) as the folder `dir`, replacing what was there as a
 * whole: everything is written into `<dir>.staging-<random>`; then an existing `dir` is
 * renamed to `<dir>.old-<random>`, the staging folder to `dir`, and the old one removed.
 * A reader sees the old checkpoint or the new one, never a mixture; a crash between the two
 * renames leaves `dir` missing with the complete new copy in the staging folder (which
 * `loadCheckpoint` names in its error). Node only.
 */
export async function writeFolderAtomically(dir: string, files: Readonly<Record<string, Uint8Array | string>>): Promise<void> {
  const fs = await nodeFs();
  const base = dir.replace(/[\\/]+$/, '');
  const tag = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  const staging = `${base}.staging-${tag}`;
  const parent = base.includes('/') ? base.slice(0, base.lastIndexOf('/')) : '.';
  if (parent) await fs.mkdir(parent, { recursive: true });
  await fs.mkdir(staging);
  try {
    for (const [name, content] of Object.entries(files)) {
      const handle = await fs.open(joinPath(staging, safeName(name, dir)), 'w');
      try {
        await handle.writeFile(toBytes(content));
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    let old: string | undefined;
    try {
      await fs.rename(base, `${base}.old-${tag}`);
      old = `${base}.old-${tag}`;
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENOENT') throw e;
    }
    await fs.rename(staging, base);
    if (old) await fs.rm(old, { recursive: true, force: true });
  } catch (e) {
    await fs.rm(staging, { recursive: true, force: true });
    throw e;
  }
}

async function readFolderFile(dir: string, name: string): Promise<Uint8Array> {
  const fs = await nodeFs();
  const path = joinPath(dir, name);
  try {
    return new Uint8Array(await fs.readFile(path));
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') {
      const base = dir.replace(/[\\/]+$/, '');
      const slash = base.lastIndexOf('/');
      const parent = slash >= 0 ? base.slice(0, slash) || '/' : '.';
      const leaf = base.slice(slash + 1);
      let staged: string[] = [];
      try {
        staged = (await fs.readdir(parent)).filter((f) => f.startsWith(`${leaf}.staging-`));
      } catch { /* parent missing */ }
      const hint = staged.length > 0
        ? `an interrupted save left ${staged.map((s) => joinPath(parent, s)).join(', ')}: if it is complete, rename it to ${base}`
        : 'save a checkpoint there first (train({ checkpoint }) or saveCheckpoint)';
      throw new InputNotFoundError(path, hint);
    }
    throw e;
  }
}

function modelJsonOf(a: tf.io.ModelArtifacts, weightsFile: string): tf.io.ModelJSON {
  if (!a.modelTopology || a.modelTopology instanceof ArrayBuffer) throw new ParameterError('only layers models (JSON topology) can be saved as a checkpoint');
  return {
    modelTopology: a.modelTopology,
    format: a.format ?? 'layers-model',
    generatedBy: a.generatedBy,
    convertedBy: a.convertedBy ?? null,
    weightsManifest: [{ paths: [weightsFile], weights: a.weightSpecs ?? [] }],
    ...(a.trainingConfig ? { trainingConfig: a.trainingConfig } : {}),
    ...(a.userDefinedMetadata ? { userDefinedMetadata: a.userDefinedMetadata } : {}),
  };
}

function weightBytes(a: tf.io.ModelArtifacts): Uint8Array {
  return a.weightData === undefined ? new Uint8Array(0) : new Uint8Array(tf.io.CompositeArrayBuffer.join(a.weightData));
}

async function readModelArtifacts(dir: string): Promise<tf.io.ModelArtifacts> {
  const where = joinPath(dir, 'model.json');
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(new TextDecoder().decode(await readFolderFile(dir, 'model.json'))) as tf.io.ModelJSON;
  } catch (e) {
    if (e instanceof InputNotFoundError) throw e;
    throw new FormatError(where, `is not JSON: ${(e as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || !json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new FormatError(where, 'has no modelTopology or weightsManifest: not a tfjs layers model.json');
  }
  return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
    const specs: tf.io.WeightsManifestEntry[] = [];
    const parts: ArrayBuffer[] = [];
    for (const group of manifest) {
      specs.push(...group.weights);
      for (const p of group.paths) {
        const b = await readFolderFile(dir, safeName(p, where));
        parts.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
      }
    }
    return [specs, tf.io.CompositeArrayBuffer.join(parts)];
  });
}

/**
 * A tfjs IOHandler for a folder in Node: `model.save(fileModelHandler(dir))` writes
 * `model.json` + `weights.bin` (replacing the folder as a whole, see writeFolderAtomically);
 * `tf.loadLayersModel(fileModelHandler(dir))` reads them.
 * @throws InputNotFoundError (load) when model.json or a weights file is missing;
 *   FormatError when model.json is not a layers model or names a file outside the folder.
 */
export function fileModelHandler(dir: string): tf.io.IOHandler {
  if (!isNode()) throw new ParameterError(`fileModelHandler needs Node's file system; in the browser save to ${IDB_PREFIX}<name>`);
  return {
    async save(a: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const json = modelJsonOf(a, 'weights.bin');
      const weights = weightBytes(a);
      await writeFolderAtomically(dir, { 'model.json': JSON.stringify(json), 'weights.bin': weights });
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', modelTopologyBytes: JSON.stringify(json.modelTopology).length, weightSpecsBytes: JSON.stringify(json.weightsManifest).length, weightDataBytes: weights.byteLength } };
    },
    load: () => readModelArtifacts(dir),
  };
}

/** The model's artifacts as `model.save` produces them, without writing anything. */
async function captureArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    captured = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return captured!;
}

async function encodeBlob(named: readonly NamedTensor[] | undefined): Promise<BlobEntry | null> {
  if (!named || named.length === 0) return null;
  const { data, specs } = await tf.io.encodeWeights([...named]);
  return { data: tf.io.CompositeArrayBuffer.join(data), specs };
}

function decodeBlob(b: BlobEntry | null): NamedTensor[] | null {
  if (!b) return null;
  const map = tf.io.decodeWeights(b.data, b.specs);
  return b.specs.map((s) => ({ name: s.name, tensor: map[s.name]! }));
}

/** JSON that survives ±Infinity (as strings). */
function runToJson(run: TrainingRun): string {
  return JSON.stringify(run, (_k, v: unknown) => (v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v), 1);
}
function runFromJson(text: string, where: string): TrainingRun {
  let run: TrainingRun;
  try {
    run = JSON.parse(text, (_k, v: unknown) => (v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v)) as TrainingRun;
  } catch (e) {
    throw new FormatError(where, `is not JSON: ${(e as Error).message}`);
  }
  if (run?.format !== 'voxbook-training-run' || run.version !== 1) throw new FormatError(where, 'is not a Voxbook training run (format voxbook-training-run, version 1)');
  return run;
}

/**
 * Saves a checkpoint (see the module comment for where and how).
 * @param target a folder path (Node) or `indexeddb://<name>` (browser).
 * @throws ParameterError for `indexeddb://` outside a browser, or a folder path in a browser.
 */
export async function saveCheckpoint(target: string, model: tf.LayersModel, run: TrainingRun, state: CheckpointState = {}): Promise<void> {
  const optimizer = await encodeBlob(state.optimizer);
  const best = await encodeBlob(state.best?.map((tensor, n) => ({ name: `best_${n}`, tensor })));
  if (target.startsWith(IDB_PREFIX)) {
    requireBrowserIdb(target);
    await model.save(target);
    const db = await openRunDb();
    try {
      await db.put(RUN_STORE, { run: JSON.parse(runToJson(run)) as TrainingRun, optimizer, best } satisfies StoredRun, target.slice(IDB_PREFIX.length));
    } finally {
      db.close();
    }
    return;
  }
  if (!isNode()) throw new ParameterError(`checkpoint "${target}": in the browser, checkpoints go to ${IDB_PREFIX}<name>`);
  const a = await captureArtifacts(model);
  const files: Record<string, Uint8Array | string> = {
    'model.json': JSON.stringify(modelJsonOf(a, 'weights.bin')),
    'weights.bin': weightBytes(a),
    'run.json': runToJson(run),
  };
  const specs: Record<string, tf.io.WeightsManifestEntry[]> = {};
  if (optimizer) { files['optimizer.bin'] = new Uint8Array(optimizer.data); specs['optimizer'] = optimizer.specs; }
  if (best) { files['best.bin'] = new Uint8Array(best.data); specs['best'] = best.specs; }
  files['tensors.json'] = JSON.stringify(specs);
  await writeFolderAtomically(target, files);
}

/**
 * Loads a checkpoint saved by {@link saveCheckpoint} (or `train({ checkpoint })`): the model
 * (with the last epoch's weights; its BatchNorm layers use the same fused training kernel as
 * unet2d's on wasm), the run, Adam's state and the best weights.
 * @throws InputNotFoundError when there is no checkpoint at `target` (naming a left-over
 *   staging folder if an interrupted save left one); FormatError when its files are damaged.
 */
export async function loadCheckpoint(target: string): Promise<Checkpoint> {
  let stored: StoredRun;
  let model: tf.LayersModel;
  if (target.startsWith(IDB_PREFIX)) {
    requireBrowserIdb(target);
    const db = await openRunDb();
    let s: StoredRun | undefined;
    try {
      s = (await db.get(RUN_STORE, target.slice(IDB_PREFIX.length))) as StoredRun | undefined;
    } finally {
      db.close();
    }
    if (!s) throw new InputNotFoundError(target, 'no training run is stored under this name in IndexedDB');
    stored = { ...s, run: runFromJson(JSON.stringify(s.run), target) };
    model = await tf.loadLayersModel(target);
  } else {
    if (!isNode()) throw new ParameterError(`checkpoint "${target}": in the browser, checkpoints are ${IDB_PREFIX}<name>`);
    const run = runFromJson(new TextDecoder().decode(await readFolderFile(target, 'run.json')), joinPath(target, 'run.json'));
    let specs: Record<string, tf.io.WeightsManifestEntry[]>;
    try {
      specs = JSON.parse(new TextDecoder().decode(await readFolderFile(target, 'tensors.json'))) as Record<string, tf.io.WeightsManifestEntry[]>;
    } catch (e) {
      if (e instanceof InputNotFoundError) throw e;
      throw new FormatError(joinPath(target, 'tensors.json'), `is not JSON: ${(e as Error).message}`);
    }
    const blob = async (key: string, file: string): Promise<BlobEntry | null> => {
      if (!specs[key]) return null;
      const b = await readFolderFile(target, file);
      return { data: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer, specs: specs[key]! };
    };
    stored = { run, optimizer: await blob('optimizer', 'optimizer.bin'), best: await blob('best', 'best.bin') };
    model = await tf.loadLayersModel(fileModelHandler(target));
  }
  // The same BatchNorm path as unet2d's layers (Voxbook's fused kernel on wasm), so a resumed
  // run computes exactly what an uninterrupted one would.
  accelerateBatchNormLayers(model);
  let optimizer: NamedTensor[] | null, best: tf.Tensor[] | null;
  try {
    optimizer = decodeBlob(stored.optimizer);
    best = decodeBlob(stored.best)?.map((t) => t.tensor) ?? null;
  } catch (e) {
    model.dispose();
    throw new FormatError(target, `its optimizer or best weights do not decode: ${(e as Error).message}`);
  }
  return {
    model, run: stored.run, optimizer, best,
    dispose() {
      if (optimizer) tf.dispose(optimizer.map((t) => t.tensor));
      if (best) tf.dispose(best);
    },
  };
}

function requireBrowserIdb(target: string): void {
  if (typeof indexedDB === 'undefined' || !tf.env().getBool('IS_BROWSER')) {
    throw new ParameterError(`checkpoint "${target}": IndexedDB checkpoints need a browser (tfjs io's IndexedDB handler); in Node give a folder path`);
  }
}

function openRunDb() {
  return openDB(RUN_DB, 1, {
    upgrade(db) {
      if (!db.objectStoreNames.contains(RUN_STORE)) db.createObjectStore(RUN_STORE);
    },
  });
}
