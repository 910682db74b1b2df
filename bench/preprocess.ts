/**
 * Preprocess bench: gaussianFilter and medianFilter on the head CT (256×256×108 int16),
 * against scipy.ndimage (bench/preprocess-peer.py, Debian's /usr/bin/python3) in the same
 * run, with the same definitions (mode 'nearest'; Gaussian on float32, truncate 4), and a
 * SHA-256 of each output to show both computed the same voxels. Medians of warm runs.
 * Writes bench/results/preprocess.md.
 *
 *   node --import tsx bench/preprocess.ts
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { loadInv3 } from '../cells/io/inv3.ts';
import { gaussianFilter } from '../cells/preprocess/gaussian.ts';
import { medianFilter } from '../cells/preprocess/median.ts';
import { cachePath } from '../datasets/cache.ts';
import { writeFileAtomic } from '../kernel/node/fs-atomic.ts';

const ROOT = resolve(import.meta.dirname, '..');
const REPEATS = 3;

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const sha = (a: ArrayBufferView) => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');

const path = await cachePath('Cranium.inv3');
const ct = await loadInv3(path);
const cases: Record<string, () => ArrayBufferView> = {
  'gaussian σ 1 mm': () => gaussianFilter(ct, { sigmaMm: 1 }).data,
  'gaussian σ 2 mm': () => gaussianFilter(ct, { sigmaMm: 2 }).data,
  'median 3×3×3': () => medianFilter(ct, { size: 3 }).data,
  'median 5×5×5': () => medianFilter(ct, { size: 5 }).data,
};
const load0 = loadavg()[0]!;
const ours: Record<string, { seconds: number[]; sha256: string }> = {};
for (const [name, f] of Object.entries(cases)) {
  f(); // warm-up
  const seconds: number[] = [];
  let out: ArrayBufferView | undefined;
  for (let r = 0; r < (name.includes('5×5×5') ? 1 : REPEATS); r++) {
    const t = performance.now();
    out = f();
    seconds.push((performance.now() - t) / 1000);
  }
  ours[name] = { seconds, sha256: sha(out!) };
  console.log(name, seconds.map((s) => s.toFixed(3)).join(', '));
}
const peer = JSON.parse(execFileSync('/usr/bin/python3', [resolve(ROOT, 'bench/preprocess-peer.py'), path, String(REPEATS)], { encoding: 'utf8', maxBuffer: 1 << 20 })) as {
  scipy: string; numpy: string; cases: Record<string, { seconds: number[]; sha256: string }>;
};
const load1 = loadavg()[0]!;
const f3 = (x: number) => x.toFixed(3);
const lines = [
  '# Preprocess bench',
  '',
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}; peer scipy ${peer.scipy}, numpy ${peer.numpy} (Debian, /usr/bin/python3), in the same run on the same voxels.`,
  `\`node --import tsx bench/preprocess.ts\`; medians of ${REPEATS} warm runs (5×5×5 median: one run). Load average ${load0.toFixed(1)} at the start, ${load1.toFixed(1)} at the end (a shared machine: compare the columns, not runs on different days).`,
  '',
  `Head CT ${ct.dims.join('×')} int16, ${ct.spacingMm.join(' × ')} mm; edges 'nearest'; Gaussian on float32, truncate 4.`,
  '',
  '| case | ours, s (median) | scipy.ndimage, s (median) | ours / scipy | same output bytes |',
  '| --- | ---: | ---: | ---: | :---: |',
  ...Object.keys(cases).map((name) => {
    const a = ours[name]!, b = peer.cases[name]!;
    return `| ${name} | ${f3(median(a.seconds))} | ${f3(median(b.seconds))} | ${(median(a.seconds) / median(b.seconds)).toFixed(2)} | ${a.sha256 === b.sha256 ? 'yes' : '**no**'} |`;
  }),
  '',
  'Runs, s:',
  '',
  ...Object.keys(cases).map((name) => `- ${name}: ours ${ours[name]!.seconds.map(f3).join(', ')}; scipy ${peer.cases[name]!.seconds.map(f3).join(', ')}`),
  '',
];
await writeFileAtomic(resolve(ROOT, 'bench/results/preprocess.md'), lines.join('\n'));
console.log(lines.join('\n'));
