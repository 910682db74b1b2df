/**
 * ONNX segmentation models as `SliceModel`s, run by onnxruntime-web's WebAssembly build
 * (`onnxruntime-web/wasm`: CPU, SIMD) — the same code in Node and in a browser Web Worker.
 *
 * A model fits when it has exactly one input and one output, both float32 tensors in NCHW:
 * input [N, 1, S, S] and output [N, 1, S, S] (one channel, square slices, one logit per
 * pixel). N may be symbolic (any batch: what `torch.onnx.export(..., dynamic_axes=…)`
 * writes) or a fixed number (batches are then run in chunks of exactly that size, the last
 * one padded with zeros). S comes from the model; if the model leaves height and width
 * symbolic, pass `inputSize`. With one channel NCHW and NHWC are the same bytes, so the
 * slices go in exactly as `SliceModel` lays them out (x fastest).
 *
 * Where the runtime's .wasm comes from: in Node, from `node_modules/onnxruntime-web/dist`
 * (found by onnxruntime itself beside its module), with one thread. In a browser the app must
 * serve that file and say where with {@link configureOnnxRuntime} before the first model is
 * loaded (e.g. a Vite `?url` import of `onnxruntime-web/ort-wasm-simd-threaded.wasm`):
 * nothing is fetched from a CDN.
 */
import type * as Ort from 'onnxruntime-web/wasm';
import { AbortError, FormatError, ParameterError, VoxbookError } from '../core/errors.ts';
import { isNode, readBytes } from '../io/bytes.ts';
import type { SliceModel } from './model.ts';

/** Where onnxruntime-web finds its WebAssembly: a folder URL ending in '/', or the file URLs. */
export type OnnxWasmPaths = string | { readonly wasm?: string; readonly mjs?: string };

/** Settings for the runtime, applied when it starts (the first `loadOnnxModel`). */
export interface OnnxRuntimeOptions {
  /**
   * Where the runtime's `ort-wasm-simd-threaded.wasm` is served (browser apps must set this;
   * Node finds it in node_modules). A folder URL ending in '/' or `{ wasm: url }`.
   */
  readonly wasmPaths?: OnnxWasmPaths;
  /** WebAssembly threads. Default: 1 in Node; onnxruntime's choice in a browser (1 unless cross-origin isolated). */
  readonly numThreads?: number;
}

/** Options of {@link loadOnnxModel}. */
export interface OnnxModelOptions {
  /** For reports and provenance. Default: the path or URL, or 'onnx model (<n> bytes)'. */
  readonly name?: string;
  /**
   * Height = width of the slices, pixels: required when the model leaves them symbolic,
   * checked against the model otherwise.
   */
  readonly inputSize?: number;
  /** Most slices per `session.run` when the batch axis is dynamic (default 16): bounds memory. */
  readonly maxBatch?: number;
}

/** A `SliceModel` backed by an onnxruntime-web session; also says what it was read as. */
export interface OnnxSliceModel extends SliceModel {
  /** The model's input name (e.g. 'image'). */
  readonly inputName: string;
  /** The model's output name (e.g. 'logits'). */
  readonly outputName: string;
  /** The model's fixed batch size, or null when its batch axis is symbolic (any size). */
  readonly fixedBatch: number | null;
  /** Frees the onnxruntime session; `predictLogits` refuses afterwards. */
  dispose(): void;
}

type OrtModule = typeof Ort;

let runtimeOptions: OnnxRuntimeOptions = {};
let ortPromise: Promise<OrtModule> | undefined;
let started = false;

/**
 * Sets where onnxruntime-web's .wasm is served and how many threads it uses. Call before the
 * first {@link loadOnnxModel}; the runtime reads these settings once, when it starts.
 * @throws ParameterError if the runtime has already started, or `numThreads` is not an integer ≥ 1.
 */
export function configureOnnxRuntime(options: OnnxRuntimeOptions): void {
  if (started) {
    throw new ParameterError('configureOnnxRuntime: onnxruntime-web has already started (a model was loaded); call it before the first loadOnnxModel');
  }
  if (options.numThreads !== undefined && !(Number.isInteger(options.numThreads) && options.numThreads >= 1)) {
    throw new ParameterError(`configureOnnxRuntime: numThreads = ${options.numThreads}; expected an integer ≥ 1`);
  }
  runtimeOptions = { ...runtimeOptions, ...options };
}

/** onnxruntime-web's wasm build, imported on first use and configured once. */
function ortRuntime(): Promise<OrtModule> {
  ortPromise ??= import('onnxruntime-web/wasm').then((ort) => {
    const w = ort.env.wasm;
    if (runtimeOptions.wasmPaths !== undefined) w.wasmPaths = runtimeOptions.wasmPaths;
    if (runtimeOptions.numThreads !== undefined) w.numThreads = runtimeOptions.numThreads;
    else if (isNode()) w.numThreads = 1;
    w.proxy = false;
    return ort;
  });
  return ortPromise;
}

function fmtShape(shape: ReadonlyArray<number | string>): string {
  return `[${shape.map((d) => (typeof d === 'string' ? d || '?' : String(d))).join(', ')}]`;
}

function fmtValue(m: Ort.InferenceSession.ValueMetadata): string {
  if (!m.isTensor) return `"${m.name}" (not a tensor)`;
  return `"${m.name}" ${m.type} ${m.shape.length === 0 ? '[shape not stated]' : fmtShape(m.shape)}`;
}

/** A fixed dimension (a number ≥ 0), or undefined when symbolic (a name, or −1). */
function fixedDim(d: number | string | undefined): number | undefined {
  return typeof d === 'number' && d >= 0 ? d : undefined;
}

const EXPECTED = 'a SliceModel needs one float32 input [N, 1, S, S] and one float32 output [N, 1, S, S] (NCHW: one channel, square slices, one logit per pixel; N may be symbolic)';

/** What the session's metadata says, checked against the SliceModel contract. */
function checkSignature(
  session: Ort.InferenceSession,
  name: string,
  inputSizeOption: number | undefined,
): { inputName: string; outputName: string; size: number; fixedBatch: number | null } {
  const ins = session.inputMetadata;
  const outs = session.outputMetadata;
  const signature = `inputs ${ins.map(fmtValue).join(', ') || 'none'}; outputs ${outs.map(fmtValue).join(', ') || 'none'}`;
  const refuse = (problem: string): never => {
    throw new ParameterError(`${name}: ${problem} (${signature}); ${EXPECTED}`);
  };
  if (ins.length !== 1) refuse(`the model has ${ins.length} inputs`);
  if (outs.length !== 1) refuse(`the model has ${outs.length} outputs`);
  const input = ins[0]!;
  const output = outs[0]!;
  for (const [role, m] of [['input', input], ['output', output]] as const) {
    if (!m.isTensor) refuse(`its ${role} "${m.name}" is not a tensor`);
    const t = m as Ort.InferenceSession.TensorValueMetadata;
    if (t.type !== 'float32') refuse(`its ${role} "${m.name}" is ${t.type}, not float32`);
    if (t.shape.length !== 0 && t.shape.length !== 4) refuse(`its ${role} "${m.name}" has rank ${t.shape.length}, not 4 (N, C, H, W)`);
    const c = fixedDim(t.shape[1]);
    if (c !== undefined && c !== 1) refuse(`its ${role} "${m.name}" has ${c} channels, not 1`);
  }
  const inShape = (input as Ort.InferenceSession.TensorValueMetadata).shape;
  const outShape = (output as Ort.InferenceSession.TensorValueMetadata).shape;
  const sizes = [inShape[2], inShape[3], outShape[2], outShape[3]].map(fixedDim).filter((d): d is number => d !== undefined);
  if (sizes.some((d) => d !== sizes[0])) {
    refuse(`its slices are not square S × S with the same S in and out (input H × W ${fmtShape(inShape.slice(2))}, output ${fmtShape(outShape.slice(2))})`);
  }
  let size = sizes[0];
  if (inputSizeOption !== undefined) {
    if (!(Number.isInteger(inputSizeOption) && inputSizeOption >= 1)) throw new ParameterError(`${name}: inputSize = ${inputSizeOption}; expected an integer ≥ 1`);
    if (size !== undefined && size !== inputSizeOption) {
      throw new ParameterError(`${name}: inputSize = ${inputSizeOption}, but the model takes ${size} × ${size} slices (${signature}); drop the option or resample the slices to ${size}`);
    }
    size = inputSizeOption;
  }
  if (size === undefined) {
    throw new ParameterError(`${name}: the model leaves the slice size symbolic (${signature}); pass { inputSize } with the height = width it was trained on`);
  }
  const nIn = fixedDim(inShape[0]);
  const nOut = fixedDim(outShape[0]);
  if (nIn !== undefined && nIn < 1) refuse(`its batch size is ${nIn}`);
  if (nIn !== undefined && nOut !== undefined && nIn !== nOut) refuse(`its output batch (${nOut}) differs from its input batch (${nIn})`);
  return { inputName: input.name, outputName: output.name, size, fixedBatch: nIn ?? null };
}

/**
 * Loads an ONNX model (a path in Node, a URL, or its bytes) as a {@link SliceModel} run by
 * onnxruntime-web's wasm backend (one thread in Node unless {@link configureOnnxRuntime} says
 * otherwise). The model must take float32 [N, 1, S, S] and give float32 [N, 1, S, S] logits
 * (see the module comment); `inputSize` = S.
 *
 * `predictLogits(x, n, { signal })` runs `n` slices (x.length = n·S², x fastest) in chunks of
 * `maxBatch` (or the model's fixed batch), checks `signal` before each chunk, and returns n·S²
 * logits in the same layout. Calls on one model are queued, never run concurrently.
 *
 * @throws InputNotFoundError if the path or URL does not exist.
 * @throws FormatError naming the file when onnxruntime cannot parse it (corrupt, truncated, not ONNX, unsupported operators).
 * @throws ParameterError naming the file and its input/output shapes when it does not fit the contract above,
 *   or when `inputSize` / `maxBatch` are invalid.
 * @throws VoxbookError (`code: 'onnx-runtime'`) when the wasm runtime itself cannot start (in a browser: its .wasm is not served where `configureOnnxRuntime` says).
 */
export async function loadOnnxModel(source: string | Uint8Array | ArrayBuffer, options: OnnxModelOptions = {}): Promise<OnnxSliceModel> {
  const maxBatch = options.maxBatch ?? 16;
  const label = options.name ?? (typeof source === 'string' ? source : `onnx model (${source.byteLength} bytes)`);
  if (!(Number.isInteger(maxBatch) && maxBatch >= 1)) throw new ParameterError(`${label}: maxBatch = ${maxBatch}; expected an integer ≥ 1`);
  // A copy in this realm: onnxruntime checks `instanceof Uint8Array` (a jsdom test realm or a
  // Node Buffer can fail it) and may transfer the buffer; the caller's bytes stay untouched.
  const raw = typeof source === 'string' ? await readBytes(source) : source instanceof ArrayBuffer ? new Uint8Array(source) : source;
  const bytes = new Uint8Array(raw);
  if (bytes.length === 0) throw new FormatError(label, 'is empty (0 bytes), not an ONNX model');

  let ort: OrtModule;
  try {
    ort = await ortRuntime();
  } catch (e) {
    ortPromise = undefined;
    throw new VoxbookError('onnx-runtime', `could not import onnxruntime-web/wasm (${String(e)})`, { cause: e });
  }
  started = true;
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/can't create a session|protobuf|failed to load model|invalid model|ERROR_CODE/i.test(msg)) {
      throw new FormatError(label, `onnxruntime cannot load it as an ONNX model (${msg}); the file is corrupt, truncated, not ONNX, or uses operators the wasm build lacks`, { cause: e });
    }
    throw new VoxbookError('onnx-runtime', `${label}: onnxruntime-web's wasm backend did not start (${msg}); in a browser, serve node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm and pass its URL to configureOnnxRuntime({ wasmPaths })`, { cause: e });
  }
  let sig: ReturnType<typeof checkSignature>;
  try {
    sig = checkSignature(session, label, options.inputSize);
  } catch (e) {
    void session.release();
    throw e;
  }
  return new OnnxModel(ort, session, label, sig, maxBatch);
}

/** The SliceModel over one session (see {@link loadOnnxModel}). */
class OnnxModel implements OnnxSliceModel {
  readonly name: string;
  readonly inputSize: number;
  readonly inputName: string;
  readonly outputName: string;
  readonly fixedBatch: number | null;
  readonly #ort: OrtModule;
  readonly #maxBatch: number;
  #session: Ort.InferenceSession | undefined;
  /** The tail of the queue of predictLogits calls: one session.run at a time. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(ort: OrtModule, session: Ort.InferenceSession, name: string, sig: ReturnType<typeof checkSignature>, maxBatch: number) {
    this.#ort = ort;
    this.#session = session;
    this.name = name;
    this.inputSize = sig.size;
    this.inputName = sig.inputName;
    this.outputName = sig.outputName;
    this.fixedBatch = sig.fixedBatch;
    this.#maxBatch = sig.fixedBatch ?? maxBatch;
  }

  predictLogits(x: Float32Array, n: number, options: { readonly signal?: AbortSignal } = {}): Promise<Float32Array> {
    const px = this.inputSize * this.inputSize;
    if (!(Number.isInteger(n) && n >= 0)) return Promise.reject(new ParameterError(`${this.name}: predictLogits n = ${n}; expected an integer ≥ 0`));
    if (x.length !== n * px) {
      return Promise.reject(new ParameterError(`${this.name}: predictLogits got ${x.length} values for n = ${n} slices of ${this.inputSize} × ${this.inputSize}; expected n·${px} = ${n * px}`));
    }
    const run = this.#queue.then(() => this.#run(x, n, options.signal));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #run(x: Float32Array, n: number, signal: AbortSignal | undefined): Promise<Float32Array> {
    const S = this.inputSize;
    const px = S * S;
    const out = new Float32Array(n * px);
    const chunk = this.#maxBatch;
    for (let start = 0; start < n; start += chunk) {
      if (signal?.aborted) throw new AbortError(`predictLogits (${this.name})`);
      const session = this.#session;
      if (!session) throw new VoxbookError('disposed', `${this.name}: the model was disposed; load it again`);
      const m = Math.min(chunk, n - start);
      const b = this.fixedBatch ?? m;
      let input = x.subarray(start * px, (start + m) * px);
      if (b !== m) {
        // A fixed-batch model and a short last chunk: pad with zero slices.
        const padded = new Float32Array(b * px);
        padded.set(input);
        input = padded;
      }
      const feeds = { [this.inputName]: new this.#ort.Tensor('float32', input, [b, 1, S, S]) };
      const result = await session.run(feeds);
      const y = result[this.outputName]!;
      const dims = y.dims;
      if (y.type !== 'float32' || dims.length !== 4 || dims[0] !== b || dims[1] !== 1 || dims[2] !== S || dims[3] !== S) {
        throw new ParameterError(`${this.name}: for input [${b}, 1, ${S}, ${S}] the model gave ${y.type} [${dims.join(', ')}]; ${EXPECTED}`);
      }
      out.set((y.data as Float32Array).subarray(0, m * px), start * px);
      y.dispose();
    }
    return out;
  }

  dispose(): void {
    const s = this.#session;
    this.#session = undefined;
    // After any queued run: releasing a session mid-run would pull its memory from under it.
    if (s) void this.#queue.then(() => s.release()).catch(() => undefined);
  }
}
