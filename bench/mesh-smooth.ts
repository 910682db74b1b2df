/**
 * Smoothing bench: `smoothMesh` (20 iterations, pass band 0.1) against VTK 9.1's
 * vtkWindowedSincPolyDataFilter (C++, Debian's python3-vtk9, bench/mesh-smooth-peer.py) on the
 * same mesh in the same run: the bone surface of the head CT (225.5 HU, islands < 200 mm³
 * removed, as test/cells/isosurface-real.test.ts). Medians of warm runs. Also the max/mean
 * vertex displacement between our output and VTK's (same vertex order), both volume changes,
 * and `meshDistance` of the smoothed to the unsmoothed surface with its time.
 * Writes bench/results/mesh-smooth.md. VTK's column is left out when python3-vtk9 is absent.
 *
 *   node --import tsx bench/mesh-smooth.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadInv3 } from '../cells/io/inv3.ts';
import { threshold } from '../cells/segment/threshold.ts';
import { removeIslands } from '../cells/segment/components.ts';
import { isosurface } from '../cells/mesh/isosurface.ts';
import { smoothMesh, type Smoothed } from '../cells/mesh/smooth.ts';
import { meshDistance } from '../cells/mesh/distance.ts';
import { validateMesh } from '../cells/mesh/validate.ts';
import { cachePath } from '../datasets/cache.ts';
import { writeFileAtomic } from '../kernel/node/fs-atomic.ts';
import { setParallelPool } from '../cells/core/parallel.ts';
import { nodeThreads, startNodeHelpers } from '../kernel/node/parallel-pool.ts';

const ROOT = resolve(import.meta.dirname, '..');
const REPEATS = 5;
const WARMUP = 3;
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

const ct = await loadInv3(await cachePath('Cranium.inv3'));
const kept = removeIslands(threshold(ct, { minHu: 226, maxHu: 3071 }), { minIslandMm3: 200 }).mask;
const raw = isosurface(ct, { isoValue: 225.5, mask: kept });
const V = raw.positions.length / 3, T = raw.indices.length / 3;

// Ours and VTK alternate (one run each per round; VTK's second run in its process is timed) so a change in the machine's load hits both.
const dir = mkdtempSync(join(tmpdir(), 'mesh-smooth-'));
writeFileSync(join(dir, 'positions.bin'), raw.positions);
writeFileSync(join(dir, 'indices.bin'), raw.indices);
const ours: number[] = [], oursThreads: number[] = [], theirs: number[] = [];
// Ours twice per round: in this thread alone, and with the helper threads a notebook's kernel
// starts (kernel/node/parallel-pool.ts; bit-identical output).
const threads = nodeThreads();
const helpers = startNodeHelpers(threads);
await helpers.ready();
let helperChunks = 0;
let peerVersion = '', peerError = '';
let smoothed: Smoothed | undefined;
// V8 needs a few calls to optimise the stage's loops: WARMUP calls first, the first one timed as
// "cold" (what a notebook's single call costs), then REPEATS alternating with VTK.
let coldMs = 0;
for (let i = 0; i < WARMUP + REPEATS; i++) {
  setParallelPool(undefined);
  // Each round starts with an untimed call: after VTK's process ran, this thread's first call
  // runs up to twice as slow on this VM (see bench/run.ts), and VTK's time is its second run too.
  if (i >= WARMUP) smoothMesh(raw);
  let t0 = performance.now();
  smoothed = smoothMesh(raw);
  if (i === 0) coldMs = performance.now() - t0;
  if (i >= WARMUP) ours.push(performance.now() - t0);
  setParallelPool(helpers);
  t0 = performance.now();
  const shared = smoothMesh(raw);
  if (i >= WARMUP) oursThreads.push(performance.now() - t0);
  helperChunks = shared.helperChunks;
  setParallelPool(undefined);
  if (peerError || i < WARMUP) continue;
  try {
    const out = execFileSync('/usr/bin/python3', [join(ROOT, 'bench/mesh-smooth-peer.py'), dir, '2'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const peer = JSON.parse(out.trim().split('\n').at(-1)!) as { vtk: string; times: number[] };
    theirs.push(peer.times.at(-1)! * 1000); // the warm (second) run of the process
    peerVersion = peer.vtk;
  } catch (e) {
    peerError = (e as Error).message.split('\n')[0]!;
  }
}
const s = smoothed!;
const t0 = performance.now();
const dist = meshDistance(s.mesh, raw);
const distMs = performance.now() - t0;
const check = validateMesh(s.mesh);

let vtkRow = '| VTK vtkWindowedSincPolyDataFilter (C++, 1 thread) | — python3-vtk9 not installed | | |';
let compare = '';
try {
  if (peerError) throw new Error(peerError);
  const buf = readFileSync(join(dir, 'vtk_positions.bin'));
  const vp = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  if (vp.length !== raw.positions.length) throw new Error(`VTK returned ${vp.length / 3} points for ${V}`);
  let max = 0, sum = 0;
  for (let v = 0; v < V; v++) {
    const d = Math.hypot(vp[3 * v]! - s.mesh.positions[3 * v]!, vp[3 * v + 1]! - s.mesh.positions[3 * v + 1]!, vp[3 * v + 2]! - s.mesh.positions[3 * v + 2]!);
    if (d > max) max = d;
    sum += d;
  }
  const vtkVol = validateMesh({ positions: vp, indices: raw.indices }).volumeMm3;
  const vtkMs = median(theirs);
  vtkRow = `| VTK ${peerVersion} vtkWindowedSincPolyDataFilter (C++, 1 thread, NormalizeCoordinatesOn) | ${vtkMs.toFixed(0)} | ${(100 * (vtkVol / s.volumeBeforeMm3 - 1)).toFixed(3)}% | 1.00× |`;
  compare = `Ours vs VTK's output, same vertex order: max ${max.toFixed(3)} mm, mean ${(sum / V).toFixed(4)} mm vertex displacement.\n` +
    `Ratio ours / VTK: **${(median(oursThreads) / vtkMs).toFixed(2)}×** with ${threads} threads (goal ≤ 1.0×); ${(median(ours) / vtkMs).toFixed(2)}× in one thread.\n`;
} catch (e) {
  compare = `VTK peer not run: ${(e as Error).message.split('\n')[0]}\n`;
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const md = `# Mesh smoothing: smoothMesh vs VTK's windowed sinc

\`node --import tsx bench/mesh-smooth.ts\` · ${new Date().toISOString()} · ${cpus()[0]?.model ?? '?'} · Node ${process.version}

Mesh: Cranium.inv3 isosurface at 225.5 HU, islands < 200 mm³ removed: ${V.toLocaleString('en')} vertices, ${T.toLocaleString('en')} triangles.
20 iterations, pass band 0.1; medians of ${REPEATS} warm runs (after ${WARMUP} warm-up calls; our first, cold call: ${coldMs.toFixed(0)} ms), ours and VTK's alternating; VTK held to one thread (vtkSMPTools and vtkMultiThreader).

| smoothing | median ms | volume change | |
|---|---:|---:|---:|
| ours \`smoothMesh\` (TypeScript, 1 thread) | ${median(ours).toFixed(0)} | ${(100 * s.volumeChange).toFixed(3)}% | |
| ours \`smoothMesh\`, ${threads} threads (${helperChunks} of ${21 * 8} chunks by the helper; same bytes) | ${median(oursThreads).toFixed(0)} | ${(100 * s.volumeChange).toFixed(3)}% | |
${vtkRow}

${compare}
Ours after smoothing: closed ${check.closed}, edge-manifold ${check.edgeManifold}; vertices moved max ${s.maxDisplacementMm.toFixed(3)} mm, mean ${s.meanDisplacementMm.toFixed(3)} mm.
Our DC gain is 1 (coefficients divided by their sum); VTK 9.1's Hamming-window DC gain is 0.998, which scales the mesh by −0.2% about its centre (≈ 0.2 mm at the skull's extremes) — expected to be most of the displacement between the two, not separated here; VTK also stops its Newton search for σ at |f(k_pb) − 1| < 1e-3. Timings are one run on a 2-core machine shared with other jobs (load average ${loadavg()[0]!.toFixed(1)}).

\`meshDistance(smoothed, unsmoothed)\`: Hausdorff ${dist.hausdorffMm.toFixed(3)} mm, HD95 ${dist.hd95Mm.toFixed(3)} mm, mean ${dist.meanMm.toFixed(3)} mm (issue 14's goal: HD95 ≤ 0.3 mm); ${distMs.toFixed(0)} ms.
`;
await writeFileAtomic(join(ROOT, 'bench/results/mesh-smooth.md'), md);
await helpers.close();
console.log(md);
