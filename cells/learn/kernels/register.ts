/**
 * Voxbook's kernels for tfjs-backend-wasm (4.22), registered under backendName 'wasm'. The
 * SIMD code (conv_kernels.c → conv_kernels.wasm, 128-bit wasm SIMD, single-threaded) is
 * instantiated against the wasm backend's own `WebAssembly.Memory` (the emscripten module's
 * exported `memory`), so kernels read and write tensors in place at
 * `backend.dataIdMap.get(dataId).memoryOffset`; scratch buffers are allocated on the same
 * heap with `makeOutput` and freed after each call. The backend must be the non-threaded
 * build (initLearning sets WASM_HAS_MULTITHREAD_SUPPORT false): a shared memory would not
 * match the module's import.
 *
 * Kernels (all NHWC float32; anything else goes to the backend's own kernel):
 * - 3×3 stride-1 convolutions with channel counts divisible by 4 — `Conv2D`, `FusedConv2D`
 *   (linear activation), `Conv2DBackpropInput`, `Conv2DBackpropFilter` — by Winograd
 *   (Lavin & Gray 2016): F(4×4, 3×3) when the output is at least 32×32, F(2×2, 3×3) below.
 * - `Conv2DBackpropFilter` otherwise (absent from tfjs-backend-wasm 4.22, which is why conv
 *   nets could not train on it): direct, register-blocked 4 in × 8 out; any kernel size,
 *   stride and padding, dilation 1.
 * - `Conv2DBackpropInput` otherwise (the backend's is a scalar loop: 3.1 s of a 9.6 s U-Net
 *   step): stride 1 with ≥ 4 input channels through XNNPACK's forward convolution with the
 *   flipped filter; other strides (the U-Net's ConvTranspose 2×2 s2) and 1–3 channels ours.
 * - `Sum` over all axes but the last (bias gradients; the backend transposes first).
 * - `VoxBnStats`, `VoxBnApply`, `VoxBnGrad`: fused batch normalisation in training mode
 *   (see ./batchnorm.ts), replacing ~20 whole-activation passes of tf.moments +
 *   batchNorm and their gradients (Tile, Sum, Mean, Multiply, Sub…) by 2 + 1 + 2.
 * - `Identity` and same-dtype `Cast` share memory by reference count instead of copying in
 *   JS; `Concat`, `SplitV` (4-byte dtypes) and `MaxPoolGrad` in wasm instead of JS row loops
 *   / the backend's scalar code; `Relu`, `Step` and same-shape `Multiply` (the ReLU and its
 *   gradient) vectorised.
 * Numerics: results match the cpu backend to ~1e-6 of the output's scale (F(4×4, 3×3):
 * ~1e-5); summation order differs, so results are deterministic run to run but not bitwise
 * equal to other backends. Tests: test/learn/kernels.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { backend_util } from '@tensorflow/tfjs';
import { convKernelsWasmBase64 } from './conv_kernels_wasm.ts';

/** The exports of conv_kernels.wasm; pointers are byte offsets into the tfjs wasm heap. */
export interface ConvKernelExports {
  conv2d_filter_grad(
    x: number, dy: number, dw: number, n: number, h: number, w: number, ci: number, oh: number, ow: number, co: number,
    kh: number, kw: number, sh: number, sw: number, pt: number, pl: number,
  ): void;
  conv2d_input_grad(
    dy: number, wt: number, dx: number, n: number, h: number, w: number, ci: number, oh: number, ow: number, co: number,
    kh: number, kw: number, sh: number, sw: number, pt: number, pl: number,
  ): void;
  conv2d_transpose_filter(w: number, wt: number, kh: number, kw: number, ci: number, co: number): void;
  conv2d_flip_transpose_filter(w: number, wf: number, kh: number, kw: number, ci: number, co: number): void;
  bn_stats(x: number, m: number, c: number, mean: number, variance: number, scratch: number): void;
  bn_apply(x: number, m: number, c: number, mean: number, variance: number, gamma: number, beta: number, eps: number, y: number, scratch: number): void;
  bn_grad(
    x: number, dy: number, m: number, c: number, mean: number, variance: number, gamma: number, eps: number,
    dx: number, dgamma: number, dbeta: number, scratch: number,
  ): void;
  sum_leading(x: number, m: number, c: number, out: number, scratch: number): void;
  copy_rows(src: number, srcStride: number, dst: number, dstStride: number, rows: number, len: number): void;
  relu(x: number, y: number, count: number): void;
  step(x: number, y: number, count: number, alpha: number): void;
  mul_same(a: number, b: number, y: number, count: number): void;
  maxpool_grad(
    x: number, dy: number, dx: number, n: number, h: number, w: number, c: number, oh: number, ow: number,
    kh: number, kw: number, sh: number, sw: number, pt: number, pl: number,
  ): void;
  wino_filter(g: number, u: number, ci: number, co: number): void;
  wino4_filter(g: number, u: number, ci: number, co: number): void;
  wino4_filter_grad(
    x: number, dy: number, dw: number, n: number, h: number, w: number, ci: number, oh: number, ow: number, co: number,
    pt: number, pl: number, scratch: number, tb: number,
  ): void;
  wino4_conv(
    x: number, u: number, bias: number, y: number, n: number, h: number, w: number, ci: number, oh: number, ow: number, co: number,
    pt: number, pl: number, scratch: number, tb: number,
  ): void;
  wino_conv(
    x: number, u: number, bias: number, y: number, n: number, h: number, w: number, ci: number, oh: number, ow: number, co: number,
    pt: number, pl: number, scratch: number, tb: number,
  ): void;
  wino_filter_grad(
    x: number, dy: number, dw: number, n: number, h: number, w: number, ci: number, oh: number, ow: number, co: number,
    pt: number, pl: number, scratch: number, tb: number,
  ): void;
}

/** What we use of tfjs-backend-wasm's BackendWasm (not part of its typed public API). */
interface WasmBackendLike {
  wasm: { asm?: { memory?: WebAssembly.Memory } };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: object): boolean;
  incRef(dataId: object): void;
}

/** Thrown when our kernels cannot attach to the wasm backend or get an input they do not handle. */
export class KernelError extends Error {
  override name = 'KernelError';
}

function decodeBase64(s: string): Uint8Array {
  if (typeof atob === 'function') {
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  throw new KernelError('no base64 decoder (atob) in this runtime');
}

let kernels: ConvKernelExports | null = null;
let kernelsMemory: WebAssembly.Memory | null = null;

/** The names of the kernels {@link registerWasmGradKernels} adds. */
export const VOXBOOK_WASM_KERNELS = [
  'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'Conv2D', 'FusedConv2D', 'Sum', 'VoxBnStats', 'VoxBnApply', 'VoxBnGrad',
  'Identity', 'Cast', 'Concat', 'SplitV', 'MaxPoolGrad', 'Relu', 'Step', 'Multiply',
] as const;

function offset(backend: WasmBackendLike, t: tf.TensorInfo): number {
  const d = backend.dataIdMap.get(t.dataId);
  if (!d) throw new KernelError('tensor is not on the wasm backend');
  return d.memoryOffset;
}

function conv2DBackpropFilter({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const b = backend as WasmBackendLike;
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (a.dataFormat !== 'NHWC') throw new KernelError(`Conv2DBackpropFilter: only NHWC is supported on wasm, got ${a.dataFormat}`);
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') throw new KernelError('Conv2DBackpropFilter: float32 only');
  const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
  const out = b.makeOutput([...a.filterShape], 'float32');
  if (winogradEligible(info)) {
    const { inChannels: ci, outChannels: co } = info;
    const f4 = useF4(info);
    const tb = f4 ? tileBlock4(ci, co) : tileBlock(ci, co);
    const k = f4 ? 36 : 16;
    const s = scratch(b, k * tb * (ci + co) + k * ci * co);
    (f4 ? kernels!.wino4_filter_grad : kernels!.wino_filter_grad)(offset(b, x), offset(b, dy), offset(b, out), info.batchSize, info.inHeight, info.inWidth, ci,
      info.outHeight, info.outWidth, co, info.padInfo.top, info.padInfo.left, offset(b, s), tb);
    b.disposeData(s.dataId);
    return out;
  }
  kernels!.conv2d_filter_grad(
    offset(b, x), offset(b, dy), offset(b, out), info.batchSize, info.inHeight, info.inWidth, info.inChannels,
    info.outHeight, info.outWidth, info.outChannels, info.filterHeight, info.filterWidth, info.strideHeight,
    info.strideWidth, info.padInfo.top, info.padInfo.left,
  );
  return out;
}

/**
 * How Conv2DBackpropInput runs: 'xnnpack' turns stride-1 cases into a forward convolution of
 * dy with the flipped, transposed filter through the backend's own XNNPACK Conv2D (other
 * strides use ours); 'ours' uses conv2d_input_grad for all.
 */
export let inputGradStrategy: 'xnnpack' | 'ours' = 'xnnpack';
/** Sets {@link inputGradStrategy} (for benchmarks and tests). */
export function setInputGradStrategy(s: 'xnnpack' | 'ours'): void {
  inputGradStrategy = s;
}

/**
 * Whether 3×3 stride-1 convolutions with channel counts divisible by 4 (forward, input
 * gradient and filter gradient; see winogradEligible) use our Winograd
 * F(2×2, 3×3) kernels (default) or XNNPACK / our direct kernels.
 */
export let winogradEnabled = true;
/** Sets {@link winogradEnabled} (for benchmarks and tests). */
export function setWinograd(on: boolean): void {
  winogradEnabled = on;
}

/**
 * Output tile of the forward / input-gradient Winograd: 2 → F(2×2, 3×3), 4 → F(4×4, 3×3)
 * (1.78× fewer multiplications, larger transforms; max error about 1e-5 of the output's
 * scale against 1e-6 for F(2×2)), 'auto' (default) → 4 when the output is at least 32×32
 * (measured 1.2–1.5× faster than F(2×2) there: 128² 16→16 11.3 vs 15.5 ms, 64² 64→32 12.1
 * vs 17.7 ms) and 2 below (16² 128→128: 10.3 vs 9.6 ms). The filter gradient follows the same rule.
 */
export let winogradTile: 2 | 4 | 'auto' = 'auto';
/** Sets {@link winogradTile} (for benchmarks and tests). */
export function setWinogradTile(t: 2 | 4 | 'auto'): void {
  winogradTile = t;
}

let tileBlockOverride: number | null = null;
/** Forces the Winograd tile block size (tests use a small one to cover several blocks); null restores the default. */
export function setWinogradTileBlock(tiles: number | null): void {
  tileBlockOverride = tiles;
}

/**
 * Tiles per Winograd block: the transformed block (16 · tiles · (ci + co) floats) kept near
 * L1 size (32 KB), at least 8 tiles. Measured on the U-Net's layer shapes: blocks of 8–16
 * tiles beat 64–256 by 1.2–1.5× (e.g. 128² 16→16 forward 16 ms at 16 tiles, 20 ms at 256).
 */
function tileBlock(ci: number, co: number): number {
  return tileBlockOverride ?? Math.max(8, Math.min(64, Math.floor(512 / (ci + co) / 4) * 4));
}

/**
 * Winograd for 3×3 stride-1 convolutions whose channel counts are multiples of 4 (the
 * transforms are vectorised over 4 channels). With L1-sized tile blocks it beat XNNPACK's
 * forward and our direct filter gradient on every U-Net layer shape measured (16 to 256
 * channels in + out); the first layer (1 input channel) stays on XNNPACK / the direct kernel.
 */
function winogradEligible(info: backend_util.Conv2DInfo): boolean {
  return winogradEnabled && info.filterHeight === 3 && info.filterWidth === 3 && info.strideHeight === 1 && info.strideWidth === 1
    && info.dilationHeight === 1 && info.dilationWidth === 1 && info.inChannels % 4 === 0 && info.outChannels % 4 === 0;
}

/**
 * y = conv(x, g) (+ bias) for a 3×3 stride-1 conv by Winograd; g [3, 3, ci, co] on the heap.
 * pt/pl: zero padding above/left; the output size comes from `info`.
 */
function useF4(info: backend_util.Conv2DInfo): boolean {
  return winogradTile === 4 || (winogradTile === 'auto' && info.outHeight >= 32 && info.outWidth >= 32);
}

/** Tiles per F(4×4, 3×3) block: 36 · tiles · (ci + co) floats near 32 KB, at least 4. */
function tileBlock4(ci: number, co: number): number {
  return tileBlockOverride ?? Math.max(4, Math.min(32, Math.floor(228 / (ci + co) / 4) * 4));
}

function winogradConv(b: WasmBackendLike, x: tf.TensorInfo, gOffset: number, bias: tf.TensorInfo | null, info: backend_util.Conv2DInfo, pt: number, pl: number): tf.TensorInfo {
  const { inChannels: ci, outChannels: co } = info;
  const f4 = useF4(info);
  const k = f4 ? 36 : 16;
  const u = scratch(b, k * ci * co);
  (f4 ? kernels!.wino4_filter : kernels!.wino_filter)(gOffset, offset(b, u), ci, co);
  const tb = f4 ? tileBlock4(ci, co) : tileBlock(ci, co);
  const s = scratch(b, k * tb * (ci + co));
  const y = b.makeOutput([info.batchSize, info.outHeight, info.outWidth, co], 'float32');
  (f4 ? kernels!.wino4_conv : kernels!.wino_conv)(
    offset(b, x), offset(b, u), bias ? offset(b, bias) : 0, offset(b, y), info.batchSize, info.inHeight, info.inWidth, ci,
    info.outHeight, info.outWidth, co, pt, pl, offset(b, s), tb,
  );
  b.disposeData(u.dataId);
  b.disposeData(s.dataId);
  return y;
}

/** Conv2D and FusedConv2D (linear activation, bias of shape [co] or none): Winograd when eligible, else the backend's XNNPACK. */
function conv2d(name: 'Conv2D' | 'FusedConv2D') {
  return (args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const b = args.backend as WasmBackendLike;
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const a = args.attrs as unknown as tf.FusedConv2DAttrs;
    if (!winogradEnabled || a.dataFormat !== 'NHWC' || x!.dtype !== 'float32' || x!.shape.length !== 4 || preluActivationWeights
      || (name === 'FusedConv2D' && a.activation !== 'linear') || (bias && (bias.shape.length !== 1 || bias.shape[0] !== filter!.shape[3]))) {
      return fallback(name, args);
    }
    const info = backend_util.computeConv2DInfo(x!.shape as [number, number, number, number], filter!.shape as [number, number, number, number], a.strides, a.dilations, a.pad, a.dimRoundingMode, false, 'channelsLast');
    if (!winogradEligible(info)) return fallback(name, args);
    return winogradConv(b, x!, offset(b, filter!), bias ?? null, info, info.padInfo.top, info.padInfo.left);
  };
}

function conv2DBackpropInput({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const b = backend as WasmBackendLike;
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const a = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  if (a.dataFormat !== 'NHWC') throw new KernelError(`Conv2DBackpropInput: only NHWC is supported on wasm, got ${a.dataFormat}`);
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32') throw new KernelError('Conv2DBackpropInput: float32 only');
  const fs = filter.shape as [number, number, number, number];
  const info = backend_util.computeConv2DInfo(a.inputShape, fs, a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
  const [kh, kw, ci, co] = fs;
  const p = info.padInfo;
  if (winogradEligible(info)) {
    // dx = conv(dy, flipped filter transposed to [3, 3, co, ci]) with padding 2 − pt, 2 − pl.
    const wf = b.makeOutput([kh, kw, co, ci], 'float32');
    kernels!.conv2d_flip_transpose_filter(offset(b, filter), offset(b, wf), kh, kw, ci, co);
    const dxInfo = backend_util.computeConv2DInfo(dy.shape as [number, number, number, number], [kh, kw, co, ci], 1, 1,
      [[0, 0], [kh - 1 - p.top, kh - 1 - p.bottom], [kw - 1 - p.left, kw - 1 - p.right], [0, 0]], undefined, false, 'channelsLast');
    const out = winogradConv(b, dy, offset(b, wf), null, dxInfo, kh - 1 - p.top, kw - 1 - p.left);
    b.disposeData(wf.dataId);
    return out;
  }
  // XNNPACK is slow with 1–3 output channels (the first layer's dx: 15 ms at 128², 16 → 1); ours takes dot products.
  if (inputGradStrategy === 'xnnpack' && info.strideHeight === 1 && info.strideWidth === 1 && ci >= 4) {
    const wf = b.makeOutput([kh, kw, co, ci], 'float32');
    kernels!.conv2d_flip_transpose_filter(offset(b, filter), offset(b, wf), kh, kw, ci, co);
    const conv = tf.getKernel('Conv2D', 'wasm')!;
    const pad = [[0, 0], [kh - 1 - p.top, kh - 1 - p.bottom], [kw - 1 - p.left, kw - 1 - p.right], [0, 0]];
    const out = conv.kernelFunc({
      inputs: { x: dy, filter: wf }, backend: backend as tf.KernelBackend,
      attrs: { strides: [1, 1], pad, dataFormat: 'NHWC', dilations: [1, 1] } as unknown as tf.NamedAttrMap,
    }) as tf.TensorInfo;
    b.disposeData(wf.dataId);
    return out;
  }
  const wt = b.makeOutput([kh, kw, co, ci], 'float32');
  kernels!.conv2d_transpose_filter(offset(b, filter), offset(b, wt), kh, kw, ci, co);
  const out = b.makeOutput([...a.inputShape], 'float32');
  kernels!.conv2d_input_grad(
    offset(b, dy), offset(b, wt), offset(b, out), info.batchSize, info.inHeight, info.inWidth, info.inChannels,
    info.outHeight, info.outWidth, info.outChannels, kh, kw, info.strideHeight, info.strideWidth, p.top, p.left,
  );
  b.disposeData(wt.dataId);
  return out;
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/** Rows (all axes but the last) and channels of an activation. */
function rowsChannels(t: tf.TensorInfo): [number, number] {
  const c = t.shape[t.shape.length - 1]!;
  return [t.shape.reduce((a, b) => a * b, 1) / c, c];
}

/** A float32 scratch buffer on the wasm heap for one kernel call; dispose with b.disposeData. */
function scratch(b: WasmBackendLike, floats: number): tf.TensorInfo {
  return b.makeOutput([Math.max(1, floats)], 'float32');
}

function bnStats({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const b = backend as WasmBackendLike;
  const { x } = inputs as { x: tf.TensorInfo };
  const [m, c] = rowsChannels(x);
  const mean = b.makeOutput([c], 'float32');
  const variance = b.makeOutput([c], 'float32');
  const s = scratch(b, 4 * c);
  kernels!.bn_stats(offset(b, x), m, c, offset(b, mean), offset(b, variance), offset(b, s));
  b.disposeData(s.dataId);
  return [mean, variance];
}

function bnApply({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const b = backend as WasmBackendLike;
  const { x, mean, variance, gamma, beta } = inputs as Record<string, tf.TensorInfo>;
  const [m, c] = rowsChannels(x!);
  const y = b.makeOutput([...x!.shape], 'float32');
  const s = scratch(b, 2 * c);
  kernels!.bn_apply(offset(b, x!), m, c, offset(b, mean!), offset(b, variance!), offset(b, gamma!), offset(b, beta!), (attrs as { epsilon: number }).epsilon, offset(b, y), offset(b, s));
  b.disposeData(s.dataId);
  return y;
}

function bnGrad({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const b = backend as WasmBackendLike;
  const { x, dy, mean, variance, gamma } = inputs as Record<string, tf.TensorInfo>;
  const [m, c] = rowsChannels(x!);
  const dx = b.makeOutput([...x!.shape], 'float32');
  const dgamma = b.makeOutput([c], 'float32');
  const dbeta = b.makeOutput([c], 'float32');
  const s = scratch(b, 7 * c);
  kernels!.bn_grad(offset(b, x!), offset(b, dy!), m, c, offset(b, mean!), offset(b, variance!), offset(b, gamma!), (attrs as { epsilon: number }).epsilon, offset(b, dx), offset(b, dgamma), offset(b, dbeta), offset(b, s));
  b.disposeData(s.dataId);
  return [dx, dgamma, dbeta];
}

/** The backend's own kernels we fall back on for cases ours do not handle. */
const own = new Map<string, tf.KernelFunc>();
const fallback = (name: string, args: KernelArgs) => own.get(name)!(args as unknown as Parameters<tf.KernelFunc>[0]);

/** Identity shares the input's memory (reference-counted, as the cpu backend does) instead of copying it. */
function identity(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const { x } = args.inputs as { x: tf.TensorInfo };
  if (x.dtype === 'string') return fallback('Identity', args);
  (args.backend as WasmBackendLike).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

/** Cast to the same dtype (the ReLU gradient casts step(x), already float32) shares memory; other casts are the backend's. */
function cast(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const { x } = args.inputs as { x: tf.TensorInfo };
  if (x.dtype === 'string' || x.dtype !== (args.attrs as unknown as tf.CastAttrs).dtype) return fallback('Cast', args);
  return identity(args);
}

const fourBytes = (t: tf.TensorInfo) => t.dtype === 'float32' || t.dtype === 'int32';
const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Concat of 4-byte tensors as strided row copies in wasm (the backend's own loops in JS per row). */
function concat(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const b = args.backend as WasmBackendLike;
  const xs = (args.inputs as unknown as tf.TensorInfo[]).filter((t) => size(t.shape) > 0);
  const first = xs[0];
  if (!first || xs.length < 2 || !xs.every((t) => t.dtype === first.dtype && fourBytes(t))) return fallback('Concat', args);
  const r = first.shape.length;
  const raw = (args.attrs as unknown as tf.ConcatAttrs).axis;
  const a0 = Array.isArray(raw) ? raw[0]! : raw;
  const axis = a0 < 0 ? a0 + r : a0;
  const rows = size(first.shape.slice(0, axis));
  const inner = xs.map((t) => size(t.shape.slice(axis)));
  const total = inner.reduce((a, c) => a + c, 0);
  const outShape = [...first.shape];
  outShape[axis] = xs.reduce((a, t) => a + t.shape[axis]!, 0);
  const out = b.makeOutput(outShape, first.dtype);
  let at = offset(b, out);
  xs.forEach((t, i) => {
    kernels!.copy_rows(offset(b, t), inner[i]!, at, total, rows, inner[i]!);
    at += 4 * inner[i]!;
  });
  return out;
}

/** SplitV (the gradient of Concat) of 4-byte tensors as strided row copies in wasm. */
function splitV(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const b = args.backend as WasmBackendLike;
  const { x } = args.inputs as { x: tf.TensorInfo };
  if (!fourBytes(x)) return fallback('SplitV', args);
  const { numOrSizeSplits, axis } = args.attrs as unknown as tf.SplitVAttrs;
  const r = x.shape.length;
  const ax = axis < 0 ? axis + r : axis;
  const sizes = backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax) as number[];
  const rows = size(x.shape.slice(0, ax));
  const rowLen = size(x.shape.slice(ax));
  const perUnit = rowLen / x.shape[ax]!;
  let at = offset(b, x);
  return sizes.map((s) => {
    const shape = [...x.shape];
    shape[ax] = s;
    const out = b.makeOutput(shape, x.dtype);
    kernels!.copy_rows(at, rowLen, offset(b, out), s * perUnit, rows, s * perUnit);
    at += 4 * s * perUnit;
    return out;
  });
}

/** Relu, Step (the ReLU gradient's mask) and same-shape Multiply for float32, SIMD; other cases the backend's. */
function elementwise(name: 'Relu' | 'Step' | 'Multiply') {
  return (args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] => {
    const b = args.backend as WasmBackendLike;
    if (name === 'Multiply') {
      const { a, b: bb } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      if (a.dtype !== 'float32' || bb.dtype !== 'float32' || a.shape.length !== bb.shape.length || a.shape.some((d, i) => d !== bb.shape[i])) return fallback(name, args);
      const y = b.makeOutput([...a.shape], 'float32');
      kernels!.mul_same(offset(b, a), offset(b, bb), offset(b, y), size(a.shape));
      return y;
    }
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype !== 'float32') return fallback(name, args);
    const y = b.makeOutput([...x.shape], 'float32');
    if (name === 'Relu') kernels!.relu(offset(b, x), offset(b, y), size(x.shape));
    else kernels!.step(offset(b, x), offset(b, y), size(x.shape), (args.attrs as unknown as tf.StepAttrs).alpha ?? 0);
    return y;
  };
}

/** MaxPoolGrad for float32 NHWC. */
function maxPoolGrad(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const b = args.backend as WasmBackendLike;
  const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  if (input.dtype !== 'float32' || dy.dtype !== 'float32') return fallback('MaxPoolGrad', args);
  const a = args.attrs as unknown as tf.MaxPoolGradAttrs;
  const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
  const dx = b.makeOutput([...input.shape], 'float32');
  kernels!.maxpool_grad(
    offset(b, input), offset(b, dy), offset(b, dx), info.batchSize, info.inHeight, info.inWidth, info.inChannels,
    info.outHeight, info.outWidth, info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left,
  );
  return dx;
}

/** Sum: float32 over all axes but the last (bias gradients) by our column sum, else the backend's own. */
function sum(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const b = backend as WasmBackendLike;
  const { x } = inputs as { x: tf.TensorInfo };
  const { axis, keepDims } = attrs as unknown as tf.SumAttrs;
  const r = x.shape.length;
  const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + r : a)))].sort((p, q) => p - q);
  if (x.dtype === 'float32' && r >= 2 && axes.length === r - 1 && axes.every((a, i) => a === i)) {
    const [m, c] = rowsChannels(x);
    const out = b.makeOutput(keepDims ? [...Array(r - 1).fill(1), c] : [c], 'float32');
    const s = scratch(b, 2 * c);
    kernels!.sum_leading(offset(b, x), m, c, offset(b, out), offset(b, s));
    b.disposeData(s.dataId);
    return out;
  }
  return fallback('Sum', args);
}

/**
 * Instantiates conv_kernels.wasm on the active wasm backend's memory and registers our
 * kernels for 'wasm' (idempotent). Call after `tf.setBackend('wasm')` has resolved.
 * @returns the kernel names registered.
 * @throws KernelError when the active backend is not tfjs-backend-wasm or exposes no memory.
 */
export async function registerWasmGradKernels(): Promise<string[]> {
  const backend = tf.findBackend('wasm') as unknown as WasmBackendLike | null;
  const memory = backend?.wasm?.asm?.memory;
  if (!backend || !(memory instanceof WebAssembly.Memory)) {
    throw new KernelError('registerWasmGradKernels: the wasm backend is not initialised (await tf.setBackend("wasm") first) or has no exported memory');
  }
  if (kernels && kernelsMemory === memory) return [...VOXBOOK_WASM_KERNELS];
  const bytes = decodeBase64(convKernelsWasmBase64);
  const module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  kernels = instance.exports as unknown as ConvKernelExports;
  kernelsMemory = memory;
  for (const name of ['Relu', 'Step', 'Multiply', 'Sum', 'Identity', 'Cast', 'Concat', 'SplitV', 'MaxPoolGrad', 'Conv2D', 'FusedConv2D']) {
    if (own.has(name)) continue;
    const k = tf.getKernel(name, 'wasm');
    if (!k) throw new KernelError(`the wasm backend has no ${name} kernel to fall back on`);
    own.set(name, k.kernelFunc);
  }
  for (const name of VOXBOOK_WASM_KERNELS) {
    if (tf.getKernel(name, 'wasm')) tf.unregisterKernel(name, 'wasm');
  }
  const reg = (kernelName: string, f: (a: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]) =>
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: f as unknown as tf.KernelFunc });
  reg('Sum', sum);
  reg('VoxBnStats', bnStats);
  reg('VoxBnApply', bnApply);
  reg('VoxBnGrad', bnGrad);
  reg('Identity', identity);
  reg('Cast', cast);
  reg('Concat', concat);
  reg('SplitV', splitV);
  reg('MaxPoolGrad', maxPoolGrad);
  reg('Relu', elementwise('Relu'));
  reg('Step', elementwise('Step'));
  reg('Multiply', elementwise('Multiply'));
  reg('Conv2D', conv2d('Conv2D'));
  reg('FusedConv2D', conv2d('FusedConv2D'));
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc });
  tf.registerKernel({ kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: conv2DBackpropInput as unknown as tf.KernelFunc });
  return [...VOXBOOK_WASM_KERNELS];
}
