import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initLearning } from '../../cells/learn/backend.ts';
import { setInputGradStrategy, setWinograd, setWinogradTile, setWinogradTileBlock } from '../../cells/learn/kernels/register.ts';
import { accelerateBatchNorm, fusedBatchNormAvailable } from '../../cells/learn/kernels/batchnorm.ts';

/**
 * Max |a − b| / (atol + rtol·|b|) over all elements: ≤ 1 means within tolerance. atol is
 * relative to the largest |b| (float32 sums of hundreds of terms differ by order of
 * summation at about 1e-6 of their scale, so near-zero elements need an absolute floor).
 */
function worst(a: ArrayLike<number>, b: ArrayLike<number>, rtol = 1e-4, atol = 1e-5): number {
  expect(a.length).toBe(b.length);
  let scale = 1;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i]! - b[i]!) / (atol * scale + rtol * Math.abs(b[i]!)));
  return w;
}

function onBackend<T>(name: string, f: () => T): T {
  const prev = tf.getBackend();
  tf.setBackend(name);
  try { return f(); } finally { tf.setBackend(prev); }
}

/** Seeded uniform values in [-1, 1). */
function rand(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

beforeAll(async () => {
  await tf.ready();
  setWinogradTileBlock(16);
  const info = await initLearning({ backend: 'wasm' });
  expect(info.backend).toBe('wasm');
  expect(info.customKernels).toContain('Conv2DBackpropFilter');
});
afterAll(() => {
  setWinogradTileBlock(null);
  tf.setBackend('cpu');
});

describe('wasm Conv2DBackpropFilter', () => {
  const cases: Array<{ name: string; x: [number, number, number, number]; f: [number, number, number, number]; s: number; pad: 'same' | 'valid' }> = [
    { name: '3×3 same, 5→12 channels (both remainders)', x: [2, 7, 9, 5], f: [3, 3, 5, 12], s: 1, pad: 'same' },
    { name: '3×3 same, 8→16', x: [3, 10, 10, 8], f: [3, 3, 8, 16], s: 1, pad: 'same' },
    { name: '3×3 same, 1→16 (the first layer)', x: [2, 8, 8, 1], f: [3, 3, 1, 16], s: 1, pad: 'same' },
    { name: '1×1, 16→1 (the head)', x: [2, 6, 6, 16], f: [1, 1, 16, 1], s: 1, pad: 'valid' },
    { name: '2×2 stride 2 valid (ConvTranspose up)', x: [2, 8, 8, 8], f: [2, 2, 8, 4], s: 2, pad: 'valid' },
    { name: '3×3 stride 2 same, odd size', x: [1, 9, 7, 4], f: [3, 3, 4, 8], s: 2, pad: 'same' },
    { name: '3×3 same, 32→36, odd size (Winograd, partial tiles)', x: [2, 7, 9, 32], f: [3, 3, 32, 36], s: 1, pad: 'same' },
    { name: '3×3 valid, 28→40 (Winograd, no padding)', x: [2, 9, 8, 28], f: [3, 3, 28, 40], s: 1, pad: 'valid' },
    { name: '3×3 same, 32→32, several tile blocks of 16 (Winograd)', x: [2, 11, 12, 32], f: [3, 3, 32, 32], s: 1, pad: 'same' },
  ];
  for (const c of cases) {
    it(`matches the cpu backend: ${c.name}`, () => {
      const xs = rand(c.x.reduce((a, b) => a * b), 1);
      const [, h, w] = c.x;
      const oh = c.pad === 'same' ? Math.ceil(h / c.s) : Math.floor((h - c.f[0]) / c.s) + 1;
      const ow = c.pad === 'same' ? Math.ceil(w / c.s) : Math.floor((w - c.f[1]) / c.s) + 1;
      const dyShape: [number, number, number, number] = [c.x[0], oh, ow, c.f[3]];
      const dys = rand(dyShape.reduce((a, b) => a * b), 2);
      const run = () => tf.tidy(() => (tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.tensor4d(xs, c.x), dy: tf.tensor4d(dys, dyShape) },
        { strides: [c.s, c.s], pad: c.pad, dataFormat: 'NHWC', filterShape: c.f }) as tf.Tensor).dataSync().slice());
      const ours = onBackend('wasm', run);
      setWinogradTile(4);
      const ours4 = onBackend('wasm', run);
      setWinogradTile('auto');
      const ref = onBackend('cpu', run);
      expect(ours.length).toBe(c.f.reduce((a, b) => a * b));
      expect(worst(ours, ref)).toBeLessThan(1);
      expect(worst(ours4, ref, 1e-4, 5e-5)).toBeLessThan(1);
    });
  }

  for (const strategy of ['xnnpack', 'ours'] as const) {
    for (const c of cases) {
      it(`Conv2DBackpropInput (${strategy}) matches the cpu backend: ${c.name}`, () => {
        const [, h, w] = c.x;
        const oh = c.pad === 'same' ? Math.ceil(h / c.s) : Math.floor((h - c.f[0]) / c.s) + 1;
        const ow = c.pad === 'same' ? Math.ceil(w / c.s) : Math.floor((w - c.f[1]) / c.s) + 1;
        const dyShape: [number, number, number, number] = [c.x[0], oh, ow, c.f[3]];
        const dys = rand(dyShape.reduce((a, b) => a * b), 5);
        const fs = rand(c.f.reduce((a, b) => a * b), 6);
        const run = () => tf.tidy(() => tf.conv2dTranspose(tf.tensor4d(dys, dyShape), tf.tensor4d(fs, c.f), c.x, c.s, c.pad).dataSync().slice());
        setInputGradStrategy(strategy);
        const ours = onBackend('wasm', run);
        setInputGradStrategy('xnnpack');
        const ref = onBackend('cpu', run);
        expect(ours.length).toBe(c.x.reduce((a, b) => a * b));
        expect(worst(ours, ref)).toBeLessThan(1);
      });
    }
  }

  for (const c of cases.filter((k) => k.s === 1 && k.f[0] === 3)) {
    for (const mode of ['F(2×2,3×3)', 'F(4×4,3×3)', 'XNNPACK'] as const) {
      it(`fused conv2d + bias forward (${mode}) matches the cpu backend: ${c.name}`, () => {
        const xs = rand(c.x.reduce((a, b) => a * b), 7);
        const fs = rand(c.f.reduce((a, b) => a * b), 8);
        const bs = rand(c.f[3], 9);
        const run = () => tf.tidy(() => tf.fused.conv2d({ x: tf.tensor4d(xs, c.x), filter: tf.tensor4d(fs, c.f), strides: 1, pad: c.pad, bias: tf.tensor1d(bs) }).dataSync().slice());
        setWinograd(mode !== 'XNNPACK');
        setWinogradTile(mode === 'F(4×4,3×3)' ? 4 : 2);
        const ours = onBackend('wasm', run);
        setWinograd(true);
        setWinogradTile('auto');
        // F(4×4, 3×3) rounds about 10× more than F(2×2, 3×3) (Lavin & Gray 2016): 5e-5 of scale
        expect(worst(ours, onBackend('cpu', run), 1e-4, mode === 'F(4×4,3×3)' ? 5e-5 : 1e-5)).toBeLessThan(1);
      });
    }
    it(`filter and input gradients without Winograd match too: ${c.name}`, () => {
      const xs = rand(c.x.reduce((a, b) => a * b), 1);
      const ws = rand(c.f.reduce((a, b) => a * b), 4);
      const f = (x: tf.Tensor4D, w: tf.Tensor4D) => tf.sum(tf.mul(tf.conv2d(x, w, 1, c.pad), tf.conv2d(x, w, 1, c.pad)));
      const run = () => tf.tidy(() => tf.grads(f as (...a: tf.Tensor[]) => tf.Tensor)([tf.tensor4d(xs, c.x), tf.tensor4d(ws, c.f)]).map((g) => g.dataSync().slice()));
      setWinograd(false);
      const ours = onBackend('wasm', run);
      setWinograd(true);
      setWinogradTile(2);
      const wino = onBackend('wasm', run);
      setWinogradTile(4);
      const wino4 = onBackend('wasm', run);
      setWinogradTile('auto');
      const ref = onBackend('cpu', run);
      for (let i = 0; i < 2; i++) {
        expect(worst(ours[i]!, ref[i]!, 1e-4, 1e-4)).toBeLessThan(1);
        expect(worst(wino[i]!, ref[i]!, 1e-4, 1e-4)).toBeLessThan(1);
        expect(worst(wino4[i]!, ref[i]!, 1e-4, 2e-4)).toBeLessThan(1);
      }
    });
  }

  it('gives tf.grad of a conv2d loss equal to the cpu backend (filter and input)', () => {
    const xs = rand(2 * 8 * 8 * 6, 3);
    const ws = rand(3 * 3 * 6 * 10, 4);
    const f = (x: tf.Tensor4D, w: tf.Tensor4D) => tf.sum(tf.square(tf.conv2d(x, w, 1, 'same')));
    const run = () => tf.tidy(() => {
      const g = tf.grads(f as (...a: tf.Tensor[]) => tf.Tensor)([tf.tensor4d(xs, [2, 8, 8, 6]), tf.tensor4d(ws, [3, 3, 6, 10])]);
      return [g[0]!.dataSync().slice(), g[1]!.dataSync().slice()];
    });
    const [dxW, dwW] = onBackend('wasm', run);
    const [dxC, dwC] = onBackend('cpu', run);
    expect(worst(dxW!, dxC!)).toBeLessThan(1);
    expect(worst(dwW!, dwC!)).toBeLessThan(1);
  });
});

describe('fused batch normalisation on wasm', () => {
  for (const c of [5, 16]) {
    it(`gives the cpu backend's output, x/γ/β gradients and moving statistics (${c} channels)`, () => {
      const shape: [number, number, number, number] = [3, 6, 5, c];
      const xs = rand(3 * 6 * 5 * c, 11).map((v, i) => 2 * v + (i % c) * 0.3);
      const ws = rand(3 * 6 * 5 * c, 12);
      const run = (fused: boolean) => {
        const layer = tf.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5, gammaInitializer: tf.initializers.randomUniform({ minval: 0.5, maxval: 1.5, seed: 3 }), betaInitializer: tf.initializers.randomUniform({ minval: -1, maxval: 1, seed: 4 }) });
        if (fused) accelerateBatchNorm(layer);
        layer.build(shape);
        const x = tf.tensor4d(xs, shape);
        const w = tf.tensor4d(ws, shape);
        // a loss that weights outputs unevenly, so every gradient term matters
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x, { training: true }) as tf.Tensor, w)) as tf.Scalar, layer.trainableWeights.map((v) => (v as unknown as { val: tf.Variable }).val));
        const dx = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(layer.apply(xi, { training: true }) as tf.Tensor, w)))(x);
        const out = {
          loss: value.dataSync()[0]!,
          dx: dx.dataSync().slice(),
          grads: Object.values(grads).map((g) => g.dataSync().slice()),
          moving: layer.getWeights().slice(2).map((t) => t.dataSync().slice()),
          usedFused: fusedBatchNormAvailable(),
        };
        tf.dispose([x, w, value, dx, ...Object.values(grads)]);
        return out;
      };
      const ours = onBackend('wasm', () => run(true));
      const ref = onBackend('cpu', () => run(false));
      expect(ours.usedFused).toBe(true);
      expect(ref.usedFused).toBe(false);
      expect(Math.abs(ours.loss - ref.loss)).toBeLessThan(1e-3 * Math.abs(ref.loss) + 1e-4);
      expect(worst(ours.dx, ref.dx, 1e-3, 1e-4)).toBeLessThan(1);
      expect(ours.grads).toHaveLength(2);
      for (let i = 0; i < 2; i++) expect(worst(ours.grads[i]!, ref.grads[i]!, 1e-4, 1e-4)).toBeLessThan(1);
      for (let i = 0; i < 2; i++) expect(worst(ours.moving[i]!, ref.moving[i]!)).toBeLessThan(1);
    });
  }
});

describe('wasm Sum over leading axes (bias gradients)', () => {
  it('equals the cpu backend, with and without keepDims; other axes fall back', () => {
    const xs = rand(4 * 5 * 6 * 7, 21);
    const run = () => tf.tidy(() => {
      const x = tf.tensor4d(xs, [4, 5, 6, 7]);
      return [tf.sum(x, [0, 1, 2]), tf.sum(x, [2, 0, 1], true), tf.sum(x, -1), tf.sum(x, [1, 2])].map((t) => ({ shape: t.shape, v: t.dataSync().slice() }));
    });
    const ours = onBackend('wasm', run);
    const ref = onBackend('cpu', run);
    for (let i = 0; i < ref.length; i++) {
      expect(ours[i]!.shape).toEqual(ref[i]!.shape);
      expect(worst(ours[i]!.v, ref[i]!.v)).toBeLessThan(1);
    }
  });
});

describe('wasm data movement and pooling kernels', () => {
  it('Concat and its gradient SplitV equal the cpu backend on every axis', () => {
    const a = rand(2 * 3 * 4 * 5, 31);
    const b = rand(2 * 3 * 4 * 7, 32);
    const c = rand(2 * 3 * 6 * 5, 33);
    const run = () => tf.tidy(() => {
      const ta = tf.tensor4d(a, [2, 3, 4, 5]);
      const out = [tf.concat([ta, tf.tensor4d(b, [2, 3, 4, 7])], -1), tf.concat([ta, tf.tensor4d(c, [2, 3, 6, 5]), ta], 2), tf.concat([ta, ta], 0)];
      const parts = tf.split(out[0]!, [5, 7], 3).concat(tf.split(out[1]!, [4, 6, 4], 2));
      const ints = tf.concat([tf.tensor1d([1, 2], 'int32'), tf.tensor1d([3], 'int32')]);
      return [...out, ...parts, ints].map((t) => ({ shape: t.shape, v: Array.from(t.dataSync()) }));
    });
    expect(onBackend('wasm', run)).toEqual(onBackend('cpu', run));
  });

  it('Identity shares memory and survives disposing its source', () => {
    const ours = onBackend('wasm', () => {
      const x = tf.tensor1d([1, 2, 3]);
      const y = tf.engine().runKernel('Identity', { x }, {}) as tf.Tensor;
      x.dispose();
      const v = Array.from(y.dataSync());
      y.dispose();
      return v;
    });
    expect(ours).toEqual([1, 2, 3]);
  });

  for (const [k, s, pad, c] of [[2, 2, 'valid', 6], [2, 2, 'valid', 8], [3, 2, 'same', 6], [3, 1, 'same', 8]] as const) {
    it(`MaxPoolGrad ${k}×${k} stride ${s} ${pad}, ${c} channels, with ties (ReLU zeros) equals the cpu backend`, () => {
      // half the inputs are 0 after the ReLU, so many windows tie: both must pick the first maximum
      const xs = rand(2 * 9 * 8 * c, 41).map((v) => Math.max(0, v));
      const run = () => tf.tidy(() => {
        const g = tf.grad((x: tf.Tensor) => {
          const p = tf.maxPool(x as tf.Tensor4D, k, s, pad);
          return tf.sum(tf.mul(p, tf.range(1, 1 + p.size).reshape(p.shape)));
        });
        return g(tf.tensor4d(xs, [2, 9, 8, c])).dataSync().slice();
      });
      const ours = onBackend('wasm', run);
      expect(Array.from(ours)).toEqual(Array.from(onBackend('cpu', run)));
    });
  }
});

describe('conv_kernels.wasm', () => {
  it('is the build of conv_kernels.c (when clang-14 and wasm-ld-14 are installed), and the base64 module holds the same bytes', async () => {
    const { execFileSync } = await import('node:child_process');
    const { readFileSync } = await import('node:fs');
    const dir = new URL('../../cells/learn/kernels/', import.meta.url).pathname;
    const { convKernelsWasmBase64 } = await import('../../cells/learn/kernels/conv_kernels_wasm.ts');
    expect(Buffer.from(convKernelsWasmBase64, 'base64').equals(readFileSync(dir + 'conv_kernels.wasm'))).toBe(true);
    let haveClang = true;
    try { execFileSync('clang-14', ['--version'], { stdio: 'ignore' }); execFileSync('wasm-ld-14', ['--version'], { stdio: 'ignore' }); } catch { haveClang = false; }
    if (!haveClang) return; // users' machines: the committed .wasm is what runs
    const out = execFileSync('node', [dir + 'build.mjs', '--check'], { encoding: 'utf8' });
    expect(out).toContain('up to date');
  });
});

describe('wasm elementwise kernels (ReLU and its gradient)', () => {
  it('Relu, Step (with alpha) and Multiply equal the cpu backend, NaN included', () => {
    const xs = Array.from(rand(103, 51)).concat([0, -0, NaN, Infinity, -Infinity]);
    const ys = Array.from(rand(108, 52));
    const run = () => tf.tidy(() => {
      const x = tf.tensor1d(xs);
      const y = tf.tensor1d(ys);
      return [tf.relu(x), tf.step(x), tf.step(x, 0.25), tf.mul(x, y), tf.mul(x, 2), tf.mul(tf.tensor1d([2, 3], 'int32'), tf.tensor1d([4, 5], 'int32'))]
        .map((t) => ({ dtype: t.dtype, v: Array.from(t.dataSync()) }));
    });
    expect(onBackend('wasm', run)).toEqual(onBackend('cpu', run));
  });
});

describe('initLearning', () => {
  it('picks wasm with our kernels in Node, cpu on request, and names why webgl cannot start here', async () => {
    const { BackendUnavailableError } = await import('../../cells/learn/backend.ts');
    const auto = await initLearning();
    expect(auto).toMatchObject({ backend: 'wasm', threads: 1, platform: 'node' });
    expect(auto.customKernels).toContain('Conv2DBackpropFilter');
    const cpu = await initLearning({ backend: 'cpu' });
    expect(cpu).toMatchObject({ backend: 'cpu', customKernels: [] });
    await expect(initLearning({ backend: 'webgl' })).rejects.toThrow(BackendUnavailableError);
    await expect(initLearning({ backend: 'webgpu' })).rejects.toThrow(/no 'webgpu' backend is registered/);
    const again = await initLearning({ backend: 'wasm' });
    expect(again.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });
});
