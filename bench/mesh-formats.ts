/**
 * Mesh writers on the real skull: the isosurface of data/Cranium.inv3 at 225.5 HU (islands
 * < 200 mm³ removed, as in test/cells/isosurface-real.test.ts), encoded as binary and ASCII
 * STL, OBJ + MTL, binary and ASCII PLY (with per-vertex colour) and 3MF; size and median
 * time of REPEATS runs each, and the time to read each back. Writes the files to
 * out/mesh-formats/ (for bench/check-3mf.ts) and bench/results/mesh-formats.md.
 *
 *   node --import tsx bench/mesh-formats.ts
 */
import { mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../kernel/node/fs-atomic.ts';
import { dataCacheDir } from '../datasets/cache.ts';
import { loadInv3 } from '../cells/io/inv3.ts';
import { threshold } from '../cells/segment/threshold.ts';
import { removeIslands } from '../cells/segment/components.ts';
import { isosurface } from '../cells/mesh/isosurface.ts';
import { decodeStl, encodeStl } from '../cells/io/stl.ts';
import { decodeObj, encodeObj } from '../cells/io/obj.ts';
import { decodePly, encodePly } from '../cells/io/ply.ts';
import { encode3mf } from '../cells/io/threemf.ts';

const ROOT = resolve(import.meta.dirname, '..');
const REPEATS = 3;
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
function time<T>(f: () => T): { ms: number; value: T } {
  const ms: number[] = [];
  let value!: T;
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now();
    value = f();
    ms.push(performance.now() - t0);
  }
  return { ms: median(ms), value };
}

const ct = await loadInv3(join(await dataCacheDir(), 'Cranium.inv3'));
const kept = removeIslands(threshold(ct, { minHu: 226, maxHu: 3071 }), { minIslandMm3: 200 }).mask;
const mesh = isosurface(ct, { isoValue: 225.5, mask: kept });
const V = mesh.positions.length / 3, T = mesh.indices.length / 3;
const colors = new Uint8Array(3 * V).fill(220);
const part = [{ name: 'bone', mesh, color: '#E3DAC9' }];

const outDir = join(ROOT, 'out/mesh-formats');
mkdirSync(outDir, { recursive: true });
const rows: string[] = [];
const cases: [string, string, () => Uint8Array, ((b: Uint8Array) => unknown) | undefined][] = [
  ['STL binary', 'bone.stl', () => encodeStl(mesh), (b) => decodeStl(b)],
  ['STL ASCII', 'bone-ascii.stl', () => encodeStl(mesh, { format: 'ascii', header: 'bone' }), (b) => decodeStl(b)],
  ['OBJ (+ MTL)', 'bone.obj', () => encodeObj(part, { mtlName: 'bone.mtl' }).obj, (b) => decodeObj(b)],
  ['PLY binary, RGB', 'bone.ply', () => encodePly(mesh, { colors }), (b) => decodePly(b)],
  ['PLY ASCII, RGB', 'bone-ascii.ply', () => encodePly(mesh, { colors, format: 'ascii' }), (b) => decodePly(b)],
  ['3MF', 'bone.3mf', () => encode3mf(part, { title: 'bone' }), undefined],
];
for (const [label, file, write, read] of cases) {
  const w = time(write);
  await writeFileAtomic(join(outDir, file), w.value);
  const r = read ? time(() => read(w.value)).ms : undefined;
  const line = `| ${label} | ${(w.value.length / 1e6).toFixed(1)} MB | ${w.ms.toFixed(0)} ms | ${r === undefined ? '—' : `${r.toFixed(0)} ms`} |`;
  console.log(line);
  rows.push(line);
}
await writeFileAtomic(join(outDir, 'bone.mtl'), encodeObj(part, { mtlName: 'bone.mtl' }).mtl);

const md = `# Mesh writers on the real skull

\`node --import tsx bench/mesh-formats.ts\` — the isosurface of Cranium.inv3 at 225.5 HU
(${T.toLocaleString('en')} triangles, ${V.toLocaleString('en')} vertices); median of ${REPEATS} runs each, one Node
process, ${cpus().length} cores shared with other work (load ${loadavg()[0]!.toFixed(1)}). ${new Date().toISOString().slice(0, 16)} UTC.

| format | size | encode | decode |
| --- | --- | --- | --- |
${rows.join('\n')}
`;
await writeFileAtomic(join(ROOT, 'bench/results/mesh-formats.md'), md);
console.log(md);
