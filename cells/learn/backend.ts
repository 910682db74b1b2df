/**
 * Choosing and initialising the tfjs backend for training and inference, in Node and in
 * the browser, and saying which one runs.
 *
 * - Node: tfjs-backend-wasm (XNNPACK, SIMD, one thread) plus Voxbook's kernels
 *   (cells/learn/kernels: the missing Conv2DBackpropFilter, Winograd convolutions, fused
 *   BatchNorm, …), which make conv nets trainable on it. The issue-12 U-Net step (batch 8 of
 *   128², Adam) takes about 0.5–0.6 s of CPU time on one thread here, 1.3–1.6× PyTorch 1.13
 *   CPU measured side by side (bench/unet-step.ts, bench/results/unet-step.md); tfjs's cpu
 *   backend took 774 s. `cpu` on request. `@tensorflow/tfjs-node` is not used (it cannot
 *   install here).
 * - Browser: WebGPU when a 'webgpu' backend is registered (import
 *   '@tensorflow/tfjs-backend-webgpu' yourself) and `navigator.gpu` exists, else WebGL when
 *   it initialises, else wasm (single-threaded: the threaded build can hang in
 *   cross-origin-isolated pages), else cpu.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmGradKernels } from './kernels/register.ts';

/** A backend name {@link initLearning} accepts. */
export type LearningBackendName = 'auto' | 'wasm' | 'cpu' | 'webgl' | 'webgpu';

/** Options of {@link initLearning}. */
export interface InitLearningOptions {
  /** Which backend; 'auto' (default) picks as described in the module comment. */
  backend?: LearningBackendName;
  /**
   * Where the tfjs-backend-wasm `.wasm` files are served, browser only: a URL prefix ending
   * in '/', or a map from file name (`tfjs-backend-wasm-simd.wasm`, …) to URL. Default: what
   * `configureLearning` was given. In Node the installed package's `dist/` folder is used.
   */
  wasmPaths?: string | Readonly<Record<string, string>>;
}

/** What {@link initLearning} set up. */
export interface LearningBackendInfo {
  /** The active tfjs backend: 'wasm', 'cpu', 'webgl' or 'webgpu'. */
  backend: string;
  /** Threads the backend computes with (1 for wasm in Node, and for cpu). */
  threads: number;
  /** Kernels Voxbook registered for this backend (empty when none were needed). */
  customKernels: string[];
  /** 'node' or 'browser'. */
  platform: 'node' | 'browser';
  /** Backends tried before this one and why they were skipped. */
  skipped: Array<{ backend: string; reason: string }>;
}

/** Thrown when the requested backend cannot run here. */
export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
}

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
let wasmPathsSet = false;
let configuredWasmPaths: string | Readonly<Record<string, string>> | undefined;

/**
 * Where the browser finds tfjs-backend-wasm's `.wasm` files, for every later `initLearning`:
 * the app's kernel worker calls it with the URLs its build serves (never a CDN — the
 * worker's Content-Security-Policy allows only its own origin).
 */
export function configureLearning(options: { readonly wasmPaths: string | Readonly<Record<string, string>> }): void {
  configuredWasmPaths = options.wasmPaths;
}

async function nodeWasmDir(): Promise<string> {
  // Dynamic imports keep node: modules out of the browser bundle (cells/ runs in a Web Worker).
  const moduleId = 'node:module';
  const pathId = 'node:path';
  const { createRequire } = (await import(/* @vite-ignore */ moduleId)) as typeof import('node:module');
  const { dirname } = (await import(/* @vite-ignore */ pathId)) as typeof import('node:path');
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + '/';
}

async function tryBackend(name: string): Promise<string | null> {
  if (!tf.findBackendFactory(name)) return `no '${name}' backend is registered`;
  try {
    const ok = await tf.setBackend(name);
    return ok ? null : `'${name}' failed to initialise`;
  } catch (e) {
    return `'${name}' failed: ${(e as Error).message}`;
  }
}

/**
 * Selects and initialises the tfjs backend for `unet2d` training and prediction, and (for
 * wasm) registers Voxbook's gradient kernels so `model.fit` and
 * `optimizer.minimize(() => loss)` / `tf.variableGrads` work.
 *
 * @returns which backend runs, with how many threads, and which of our kernels it uses.
 * @throws BackendUnavailableError when an explicitly requested backend cannot initialise.
 */
export async function initLearning(options: InitLearningOptions = {}): Promise<LearningBackendInfo> {
  const want = options.backend ?? 'auto';
  const platform = isNode ? 'node' : 'browser';
  const skipped: Array<{ backend: string; reason: string }> = [];
  let order: string[];
  if (want !== 'auto') order = [want];
  else if (isNode) order = ['wasm', 'cpu'];
  else {
    order = [];
    if (typeof navigator !== 'undefined' && 'gpu' in navigator) order.push('webgpu');
    order.push('webgl', 'wasm', 'cpu');
  }
  for (const name of order) {
    if (name === 'wasm' && !wasmPathsSet) {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      const prefix = isNode ? await nodeWasmDir() : options.wasmPaths ?? configuredWasmPaths;
      if (prefix) setWasmPaths(prefix as Parameters<typeof setWasmPaths>[0]);
      wasmPathsSet = true;
    }
    const why = await tryBackend(name);
    if (why) {
      skipped.push({ backend: name, reason: why });
      continue;
    }
    const customKernels = name === 'wasm' ? await registerWasmGradKernels() : [];
    return { backend: tf.getBackend(), threads: name === 'wasm' ? getThreadsCount() : 1, customKernels, platform, skipped };
  }
  throw new BackendUnavailableError(`initLearning: no backend could start (${skipped.map((s) => s.reason).join('; ')})`);
}
