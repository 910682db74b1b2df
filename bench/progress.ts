/**
 * What stage progress costs: ct-to-print's three long stages on the real head CT
 * (data/Cranium.inv3, `npm run fetch-data`), each timed without `onProgress` and with the
 * `progress(label)` callback the kernel gives cells (kernel/progress.ts, its send counting
 * messages instead of posting them), and how many messages each stage sends.
 *   node --import tsx bench/progress.ts [path/to/Cranium.inv3]
 * Writes bench/results/progress.md.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadInv3 } from '../cells/io/inv3.ts';
import { isosurface } from '../cells/mesh/isosurface.ts';
import { removeIslands } from '../cells/segment/components.ts';
import { removeDetachedFragments } from '../cells/segment/fragments.ts';
import { threshold } from '../cells/segment/threshold.ts';
import { PROGRESS_INTERVAL_MS, progressReporter } from '../kernel/progress.ts';

const path = process.argv[2] ?? fileURLToPath(new URL('../data/Cranium.inv3', import.meta.url));
const repeats = Number(process.env['REPEATS'] ?? 5);
const ct = await loadInv3(path);
const bone = threshold(ct, { minHu: 226, maxHu: 3071 });
const islands = removeIslands(bone, { minIslandMm3: 200, connectivity: 26 });
const fragments = removeDetachedFragments(islands.mask, { minIslandMm3: 200 });

type Stage = (onProgress?: (f: number) => void) => unknown;
const stages: Array<[string, Stage]> = [
  ['islands', (onProgress) => removeIslands(bone, { minIslandMm3: 200, connectivity: 26, ...(onProgress ? { onProgress } : {}) })],
  ['fragments', (onProgress) => removeDetachedFragments(islands.mask, { minIslandMm3: 200, ...(onProgress ? { onProgress } : {}) })],
  ['surface', (onProgress) => isosurface(ct, { isoValue: 225.5, mask: fragments.mask, ...(onProgress ? { onProgress } : {}) })],
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows: string[] = [];
for (const [label, stage] of stages) {
  const plain: number[] = [];
  const withProgress: number[] = [];
  let calls = 0;
  let messages = 0;
  for (let r = 0; r < repeats; r++) {
    let t0 = performance.now();
    stage();
    plain.push(performance.now() - t0);
    const reporter = progressReporter(() => void messages++);
    const onProgress = reporter.stage(label);
    t0 = performance.now();
    stage((f) => {
      calls++;
      onProgress(f);
    });
    withProgress.push(performance.now() - t0);
  }
  const a = median(plain);
  const b = median(withProgress);
  rows.push(`| ${label} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(b - a).toFixed(1)} | ${(calls / repeats).toFixed(0)} | ${(messages / repeats).toFixed(1)} |`);
  console.log(rows.at(-1));
}

// The callback alone: a million calls of one stage's callback, as a per-voxel-row loop would make.
const CALLS = 1_000_000;
let sent = 0;
const one = progressReporter(() => void sent++).stage('micro');
const m0 = performance.now();
for (let i = 0; i < CALLS; i++) one(i / CALLS);
const microMs = performance.now() - m0;
const nsPerCall = (microMs * 1e6) / CALLS;
console.log(`${nsPerCall.toFixed(0)} ns per call, ${sent} messages for ${CALLS} calls`);

const md = `# Stage progress: cost on ct-to-print's long stages

\`node --import tsx bench/progress.ts\` on ${ct.dims.join('×')} voxels (Cranium.inv3), median of ${repeats} runs each,
one thread, ${new Date().toISOString().slice(0, 10)}. "with" passes the \`progress(label)\` callback of
kernel/progress.ts (throttle ${PROGRESS_INTERVAL_MS} ms; messages counted, not posted). The machine was shared with other work: differences of
±100 ms between the two columns are run-to-run noise (they go both ways); the callback itself is ~100–200 calls per stage.

| stage | without (ms) | with (ms) | difference (ms) | onProgress calls | messages sent |
|---|---:|---:|---:|---:|---:|
${rows.join('\n')}

The callback by itself: ${nsPerCall.toFixed(0)} ns per call (a million calls in ${microMs.toFixed(0)} ms sent ${sent} message${sent === 1 ? '' : 's'}: one per ${PROGRESS_INTERVAL_MS} ms at most), so
the ~100–200 calls a stage makes cost microseconds; the stage columns above differ by noise only.
`;
await writeFile(new URL('./results/progress.md', import.meta.url), md);
console.log(md);
