/**
 * Printability bench: `printReport` on the real CT's skull (the ct-to-print mesh: 226..3071 HU,
 * islands and detached fragments < 200 mm³ removed, the largest component, surface at 225.5 HU),
 * and its stages alone: validateMesh + meshShells, the orientation search, the BVH build and the
 * wall-thickness rays. Medians of warm runs; wall-clock and CPU time of this process (the
 * machine is shared: CPU time is what one core spends). Peer: the same wall-thickness rays
 * (every 101st vertex) cast with VTK 9.1's vtkOBBTree through /usr/bin/python3
 * (bench/printability-peer.py; one Python call per ray, so its time is an upper bound on
 * VTK's), for agreement of the distances; left out when python3-vtk9 is absent.
 * Writes bench/results/printability.md.
 *
 *   node --import tsx bench/printability.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolve } from 'node:path';
import { loadInv3 } from '../cells/io/inv3.ts';
import { threshold } from '../cells/segment/threshold.ts';
import { removeIslands } from '../cells/segment/components.ts';
import { removeDetachedFragments } from '../cells/segment/fragments.ts';
import { keepLargestComponents } from '../cells/segment/largest.ts';
import { isosurface } from '../cells/mesh/isosurface.ts';
import { validateMesh } from '../cells/mesh/validate.ts';
import { meshShells } from '../cells/mesh/shells.ts';
import { buildBvh } from '../cells/mesh/bvh.ts';
import { vertexNormals, wallThickness } from '../cells/mesh/thickness.ts';
import { chooseOrientation } from '../cells/print/orientation.ts';
import { printReport, type PrintabilityReport } from '../cells/print/printability.ts';
import { PRINTERS } from '../cells/print/printers.ts';
import { cachePath } from '../datasets/cache.ts';
import { writeFileAtomic } from '../kernel/node/fs-atomic.ts';

const ROOT = resolve(import.meta.dirname, '..');
const REPEATS = 3;
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

const ct = await loadInv3(await cachePath('Cranium.inv3'));
const islands = removeIslands(threshold(ct, { minHu: 226, maxHu: 3071 }), { minIslandMm3: 200 });
const fragments = removeDetachedFragments(islands.mask, { minIslandMm3: 200 });
const skull = isosurface(ct, { isoValue: 225.5, mask: keepLargestComponents(fragments.mask, { count: 1, connectivity: 26 }).mask });
const T = skull.indices.length / 3, V = skull.positions.length / 3;

/** Median wall and CPU ms of `f` over REPEATS warm runs (one warm-up first). */
function time(f: () => unknown): { wallMs: number; cpuMs: number } {
  f();
  const wall: number[] = [], cpu: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const c = process.cpuUsage(), t = performance.now();
    f();
    wall.push(performance.now() - t);
    const u = process.cpuUsage(c);
    cpu.push((u.user + u.system) / 1000);
  }
  return { wallMs: median(wall), cpuMs: median(cpu) };
}

let report: PrintabilityReport | undefined;
const rows: Array<[string, { wallMs: number; cpuMs: number }]> = [
  ['validateMesh + meshShells', time(() => { validateMesh(skull); meshShells(skull); })],
  ['orientation search (506 up directions screened, the best measured exactly)', time(() => chooseOrientation(skull, { buildMm: PRINTERS['fdm-mk4'].buildMm }))],
  ['BVH build', time(() => buildBvh(skull))],
  [`wall thickness (BVH build + ${V.toLocaleString('en-US')} rays)`, time(() => wallThickness(skull))],
  ['printReport, whole (FDM MK4)', time(() => { report = printReport([{ name: 'skull', mesh: skull }], { printer: 'fdm-mk4' }).report; })],
];
// The peer: the same rays (every 13th vertex along its inward normal) through VTK's cell locator.
const STRIDE = 101; // VTK's OBB tree takes ~17 ms a ray here (all hits along 400 mm, from Python)
const ours = wallThickness(skull).thicknessMm;
const N = vertexNormals(skull);
const sample: number[] = [];
for (let v = 0; v < V; v += STRIDE) if (Math.hypot(N[3 * v]!, N[3 * v + 1]!, N[3 * v + 2]!) > 0) sample.push(v);
const rays = new Float64Array(6 * sample.length);
sample.forEach((v, k) => {
  const l = Math.hypot(N[3 * v]!, N[3 * v + 1]!, N[3 * v + 2]!);
  rays.set([skull.positions[3 * v]!, skull.positions[3 * v + 1]!, skull.positions[3 * v + 2]!, -N[3 * v]! / l, -N[3 * v + 1]! / l, -N[3 * v + 2]! / l], 6 * k);
});
const dir = mkdtempSync(join(tmpdir(), 'printability-'));
writeFileSync(join(dir, 'positions.bin'), skull.positions);
writeFileSync(join(dir, 'indices.bin'), skull.indices);
writeFileSync(join(dir, 'rays.bin'), rays);
writeFileSync(join(dir, 'vertex.bin'), new Int32Array(sample));
let peerLine = '';
try {
  const out = execFileSync('/usr/bin/python3', [join(ROOT, 'bench/printability-peer.py'), dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 });
  const peer = JSON.parse(out.trim().split('\n').at(-1)!) as { vtk: string; buildS: number; castS: number; t: number[] };
  let agree = 0, bothMiss = 0;
  const diffs: number[] = [];
  sample.forEach((v, k) => {
    const a = ours[v]!, b = peer.t[k]!;
    if (b < 0 && a === Infinity) { bothMiss++; return; }
    const d = Math.abs(a - b);
    diffs.push(d);
    if (d <= 0.01) agree++;
  });
  peerLine = `Peer, the same ${sample.length.toLocaleString('en-US')} rays (every ${STRIDE}st vertex) through VTK ${peer.vtk}'s vtkOBBTree: build ${(peer.buildS * 1000).toFixed(0)} ms, cast ${(peer.castS * 1000).toFixed(0)} ms (one Python call per ray); `
    + `${agree.toLocaleString('en-US')} of ${(sample.length - bothMiss).toLocaleString('en-US')} distances agree within 0.01 mm (${bothMiss} rays miss in both); median |difference| ${median(diffs).toFixed(5)} mm.`;
} catch (e) {
  peerLine = `Peer (VTK through /usr/bin/python3) not run: ${(e as Error).message.split('\n')[0]}`;
}
rmSync(dir, { recursive: true, force: true });

const p = report!.parts[0]!;
const w = p.walls;
const md = [
  '# Printability report on the real skull',
  '',
  `\`node --import tsx bench/printability.ts\` · ${new Date().toISOString()} · ${cpus()[0]?.model ?? 'cpu'} · Node ${process.version} · load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`,
  '',
  `Mesh: the ct-to-print skull (Cranium.inv3, 225.5 HU, the largest component): ${V.toLocaleString('en-US')} vertices, ${T.toLocaleString('en-US')} triangles. Medians of ${REPEATS} warm runs, one thread.`,
  '',
  '| stage | wall ms | CPU ms |',
  '|---|---:|---:|',
  ...rows.map(([name, t]) => `| ${name} | ${t.wallMs.toFixed(0)} | ${t.cpuMs.toFixed(0)} |`),
  '',
  `Rays: ${w.rays.toLocaleString('en-US')} (one per vertex), ${w.missedRays} met nothing. Wall thickness: min ${w.minMm} mm, P1 ${w.p1Mm} mm, P5 ${w.p5Mm} mm, median ${w.medianMm} mm;`,
  `under ${w.minWallMm} mm: ${w.thinVertices.toLocaleString('en-US')} vertices, ${w.thinAreaMm2} mm² in ${w.thinSpotCount} spots (largest at ${w.thinSpots.slice(0, 3).map((s) => `(${s.centerMm.join(', ')})`).join(', ')} mm LPS).`,
  `Shells ${p.shells} (${p.cavities} cavities), genus ${p.genus}, volume ${p.volumeMm3} mm³, area ${p.areaMm2} mm², size ${p.bboxMm.size.join(' × ')} mm; fits the MK4 as given: ${p.fitsAsGiven}.`,
  `Orientation (least overhang): up (${p.orientation.up.join(', ')}), height ${p.orientation.heightMm} mm; overhang > 45° ${p.overhang.orientedMm2} mm² (as given ${p.overhang.asGivenMm2} mm²).`,
  '',
  peerLine,
  '',
];
await writeFileAtomic(resolve(ROOT, 'bench/results/printability.md'), md.join('\n'));
console.log(md.join('\n'));
