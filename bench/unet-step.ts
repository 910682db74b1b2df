/**
 * `node --import tsx bench/unet-step.ts [--rounds R] [--steps S] [--no-torch] [--profile] [--backend wasm|cpu]`
 *
 * One training step of the issue-12 U-Net (cells/learn/unet.ts, 484,561 parameters):
 * batch 8 of 128×128×1, forward, sigmoid cross-entropy from logits (mean), backward, Adam
 * (lr 1e-3) through `optimizer.minimize`, on the backend `initLearning` picks (wasm + our
 * kernels in Node). Interleaved with the PyTorch peer (bench/torch_unet_step.py via
 * /usr/bin/python3, same thread count) in R rounds of S timed steps each, so both see the
 * same machine load; medians over all rounds. Also inference per 128² slice (batch 8 / 8)
 * and, with --profile, a per-kernel breakdown of one step (tf.profile).
 * Writes bench/results/unet-step.md (table + the log kept there) and prints, as its last
 * line, JSON { stepSeconds, threads, backend, params, ... }.
 */
import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { initLearning, type LearningBackendName } from '../cells/learn/backend.ts';
import { countParams, unet2d } from '../cells/learn/unet.ts';
import { writeFileAtomic } from '../kernel/node/fs-atomic.ts';

const ROOT = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const ROUNDS = opt('--rounds', 3);
const STEPS = opt('--steps', 4);
const BATCH = 8;
const bi = args.indexOf('--backend');
const BACKEND = (bi >= 0 ? args[bi + 1] : 'auto') as LearningBackendName;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** MACs of one forward pass per sample, counted from the layer shapes (conv, transposed conv). */
function forwardMacs(model: tf.LayersModel): number {
  let macs = 0;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls !== 'Conv2D' && cls !== 'Conv2DTranspose') continue;
    const k = (layer.getWeights()[0] as tf.Tensor).shape; // [kh, kw, a, b]
    const out = layer.outputShape as number[];
    const taps = k[0]! * k[1]! * k[2]! * k[3]!;
    // Conv2D: every output pixel uses kh·kw·in·out MACs / out channels → taps per pixel.
    // Conv2DTranspose 2×2 s2: every input pixel scatters kh·kw·in·out → taps/4 per output pixel.
    macs += cls === 'Conv2D' ? out[1]! * out[2]! * taps : (out[1]! * out[2]! / (k[0]! * k[1]!)) * taps;
  }
  return macs;
}

function torchAvailable(): boolean {
  if (args.includes('--no-torch') || !existsSync('/usr/bin/python3')) return false;
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface TorchResult {
  stepSeconds: number; steps: number[]; cpuSteps: number[]; inferSliceSeconds: number; threads: number; torch: string;
  profile: Array<{ op: string; ms: number; calls: number }> | null;
}
const OUR_CONV_KERNELS = ['FusedConv2D', 'Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'];
const TORCH_CONV_OPS = ['aten::mkldnn_convolution', 'aten::convolution_backward', 'aten::slow_conv_transpose2d', 'aten::_slow_conv2d_backward', 'aten::_slow_conv2d_forward', 'aten::thnn_conv2d'];

async function main() {
  const info = await initLearning({ backend: BACKEND });
  const threads = info.threads;
  const model = unet2d();
  const params = countParams(model);
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomNormal([BATCH, 128, 128, 1], 0, 1, 'float32', 1);
  const y = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([BATCH, 128, 128, 1], 0, 1, 'float32', 2), 0.5), 'float32'));
  const lossFn = () => tf.losses.sigmoidCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
  const step = () => {
    const loss = optimizer.minimize(lossFn, true)!;
    const v = loss.dataSync()[0]!;
    loss.dispose();
    return v;
  };
  const t0 = performance.now();
  const firstLoss = step();
  console.log(`first step (compile + warm-up): ${((performance.now() - t0) / 1000).toFixed(2)} s, loss ${firstLoss.toFixed(4)}`);
  step();

  const useTorch = torchAvailable();
  const ours: number[] = [];
  const oursCpu: number[] = [];
  const torch: TorchResult[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (useTorch) {
      const extra = r === ROUNDS - 1 && args.includes('--profile') ? ['--profile'] : [];
      const out = execFileSync('/usr/bin/python3', [resolve(ROOT, 'bench/torch_unet_step.py'), '--threads', String(threads), '--steps', String(STEPS), '--warmup', '2', ...extra], { encoding: 'utf8' });
      torch.push(JSON.parse(out.trim().split('\n').pop()!) as TorchResult);
    }
    for (let i = 0; i < STEPS; i++) {
      const t = performance.now();
      const c = process.cpuUsage();
      step();
      const dc = process.cpuUsage(c);
      oursCpu.push((dc.user + dc.system) / 1e6);
      ours.push((performance.now() - t) / 1000);
    }
    const tm = torch.length ? median(torch.flatMap((t) => t.steps)) : NaN;
    console.log(`round ${r + 1}/${ROUNDS}: ours median ${median(ours).toFixed(3)} s${useTorch ? `, PyTorch ${tm.toFixed(3)} s` : ''}`);
  }
  const stepSeconds = median(ours);
  const torchStep = torch.length ? median(torch.flatMap((t) => t.steps)) : null;
  // CPU time per step (process-wide: V8's GC helper threads count too) is less distorted than
  // wall time when other sessions load the machine and both processes wait for a core.
  const cpuStep = median(oursCpu);
  const torchCpuStep = torch.length ? median(torch.flatMap((t) => t.cpuSteps)) : null;

  // Inference per slice: batch of 8, eval mode, per slice.
  const infer: number[] = [];
  for (let i = 0; i < 6; i++) {
    const t = performance.now();
    const p = model.predict(x) as tf.Tensor;
    p.dataSync();
    p.dispose();
    if (i > 0) infer.push((performance.now() - t) / 1000 / BATCH);
  }
  const inferSlice = median(infer);

  const macs = forwardMacs(model) * BATCH;
  const stepFlops = 3 * 2 * macs; // forward + input grad + filter grad
  let profileRows: Array<{ kernel: string; ms: number; calls: number }> = [];
  if (args.includes('--profile')) {
    const prof = await tf.profile(() => { step(); });
    const by = new Map<string, { ms: number; calls: number }>();
    for (const k of prof.kernels) {
      const e = by.get(k.name) ?? { ms: 0, calls: 0 };
      e.ms += k.kernelTimeMs as number;
      e.calls++;
      by.set(k.name, e);
    }
    profileRows = [...by].map(([kernel, e]) => ({ kernel, ...e })).sort((a, b) => b.ms - a.ms);
    console.log('kernel                        ms   calls');
    for (const r of profileRows.slice(0, 25)) console.log(`${r.kernel.padEnd(26)} ${r.ms.toFixed(1).padStart(8)} ${String(r.calls).padStart(6)}`);
  }

  const torchProfile = torch.find((t) => t.profile)?.profile ?? [];
  const ourConvMs = profileRows.filter((r) => OUR_CONV_KERNELS.includes(r.kernel)).reduce((a, r) => a + r.ms, 0);
  const torchConvMs = torchProfile.filter((r) => TORCH_CONV_OPS.includes(r.op)).reduce((a, r) => a + r.ms, 0);
  const ratio = torchStep ? stepSeconds / torchStep : null;
  const row = {
    stepSeconds: +stepSeconds.toFixed(4), threads, backend: info.backend, params: params.total,
    customKernels: info.customKernels, torchStepSeconds: torchStep && +torchStep.toFixed(4), ratio: ratio && +ratio.toFixed(2),
    cpuStepSeconds: +cpuStep.toFixed(4), torchCpuStepSeconds: torchCpuStep && +torchCpuStep.toFixed(4),
    cpuRatio: torchCpuStep ? +(cpuStep / torchCpuStep).toFixed(2) : null, loadAverage: +loadavg()[0]!.toFixed(2),
    inferSliceSeconds: +inferSlice.toFixed(5), torchInferSliceSeconds: torch.length ? +median(torch.map((t) => t.inferSliceSeconds)).toFixed(5) : null,
    gflopPerStep: +(stepFlops / 1e9).toFixed(2), oursGflops: +(stepFlops / 1e9 / stepSeconds).toFixed(1),
    torchGflops: torchStep ? +(stepFlops / 1e9 / torchStep).toFixed(1) : null, samples: ours.length,
    convMs: ourConvMs ? +ourConvMs.toFixed(0) : null, torchConvMs: torchConvMs ? +torchConvMs.toFixed(0) : null,
    convGflops: ourConvMs ? +(stepFlops / 1e6 / ourConvMs).toFixed(1) : null, torchConvGflops: torchConvMs ? +(stepFlops / 1e6 / torchConvMs).toFixed(1) : null,
  };
  if (ratio) {
    console.log(`ours ${stepSeconds.toFixed(3)} s/step vs PyTorch ${torchStep!.toFixed(3)} s/step on ${threads} thread(s): ${ratio.toFixed(2)}× PyTorch's time`);
    console.log(`CPU time: ours ${cpuStep.toFixed(3)} s vs PyTorch ${torchCpuStep!.toFixed(3)} s: ${(cpuStep / torchCpuStep!).toFixed(2)}×`);
  }
  writeReport(row, profileRows, torchProfile, torch[0]?.torch ?? null);
  console.log(JSON.stringify(row));
}

function writeReport(row: Record<string, unknown>, prof: Array<{ kernel: string; ms: number; calls: number }>, torchProf: Array<{ op: string; ms: number; calls: number }>, torchVersion: string | null) {
  const path = resolve(ROOT, 'bench/results/unet-step.md');
  const prev = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const logAt = prev.indexOf('\n## Log');
  const log = logAt >= 0 ? prev.slice(logAt + 1) : '## Log\n';
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  let md = `# U-Net training step (bench/unet-step.ts)\n\n`
    + `Last run ${new Date().toISOString()} on ${cpu}, ${cpus().length} cores, Node ${process.versions.node}`
    + `${torchVersion ? `, PyTorch ${torchVersion}` : ''}. Batch 8 × 128² × 1, Adam, BCE from logits, median of ${row.samples} steps`
    + ` interleaved with PyTorch in the same run.\n\n`
    + `| | ours (${row.backend}) | PyTorch CPU |\n|---|---|---|\n`
    + `| threads | ${row.threads} | ${row.threads} |\n`
    + `| training step (s) | ${row.stepSeconds} | ${row.torchStepSeconds ?? '—'} |\n`
    + `| ratio ours / PyTorch (wall) | ${row.ratio ?? '—'} | 1 |\n`
    + `| training step, CPU time (s) | ${row.cpuStepSeconds} | ${row.torchCpuStepSeconds ?? '—'} |\n`
    + `| ratio ours / PyTorch (CPU time) | ${row.cpuRatio ?? '—'} | 1 |\n`
    + `| 1-min load average at the end | ${row.loadAverage} | |\n`
    + `| whole step in GFLOP/s of direct convolution (${row.gflopPerStep} GFLOP a step) | ${row.oursGflops} | ${row.torchGflops ?? '—'} |\n`
    + `| inference per 128² slice (s) | ${row.inferSliceSeconds} | ${row.torchInferSliceSeconds ?? '—'} |\n`
    + `| convolution time in one profiled step (ms) | ${row.convMs ?? '—'} | ${row.torchConvMs ?? '—'} |\n`
    + `| convolutions alone, direct-convolution GFLOP/s (Winograd counts as the direct FLOPs it replaces) | ${row.convGflops ?? '—'} | ${row.torchConvGflops ?? '—'} |\n`;
  if (prof.length) {
    md += `\n### Per-kernel time of one step (tf.profile, ms)\n\n| kernel | ms | calls |\n|---|---|---|\n`
      + prof.slice(0, 20).map((r) => `| ${r.kernel} | ${r.ms.toFixed(1)} | ${r.calls} |`).join('\n') + '\n'
      + `\n(fusedConv2d__op and unnamed scope are wrappers: their time includes FusedConv2D and the VoxBn kernels.)\n`;
  }
  if (torchProf.length) {
    md += `\n### PyTorch, one step (torch.profiler, self CPU ms)\n\n| op | ms | calls |\n|---|---|---|\n`
      + torchProf.map((r) => `| ${r.op} | ${r.ms} | ${r.calls} |`).join('\n') + '\n';
  }
  writeFileAtomic(path, `${md}\n${log}`);
}

await main();
