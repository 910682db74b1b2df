/**
 * Cache bench: `voxbook run notebooks/ct-to-print.nb.ts --out DIR` as a whole process, with
 * an empty persistent cache (every cell runs) and again with the cache it left (no cell
 * runs; issue 13's goal: at least 5× faster), then `-p minHu=300` (the cells that read
 * minHu re-run, `load` comes from the cache). Cold and cached runs alternate so a busy
 * machine slows both alike; medians of REPEATS pairs. Writes bench/results/cache.md.
 *
 *   node --import tsx bench/cache.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../kernel/node/fs-atomic.ts';

const ROOT = resolve(import.meta.dirname, '..');
const REPEATS = 5;
const NOTEBOOK = join(ROOT, 'notebooks/ct-to-print.nb.ts');

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** One `voxbook run`: wall seconds, and the cells it printed as `cached`. */
function run(out: string, cache: string, extra: readonly string[] = []): { seconds: number; cached: number; ran: number } {
  const t0 = performance.now();
  const stdout = execFileSync(process.execPath, [join(ROOT, 'bin/voxbook.mjs'), 'run', NOTEBOOK, '--out', out, '--cache', cache, ...extra], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const seconds = (performance.now() - t0) / 1000;
  const cellLines = stdout.split('\n').filter((l) => /^[✓✗] \S/.test(l));
  const cached = cellLines.filter((l) => / cached \(/.test(l)).length;
  return { seconds, cached, ran: cellLines.length - cached };
}

const work = mkdtempSync(join(tmpdir(), 'vb-cache-bench-'));
const load0 = loadavg()[0]!;
const cold: number[] = [];
const warm: number[] = [];
const param: number[] = [];
let warmCells = { cached: 0, ran: 0 };
let paramCells = { cached: 0, ran: 0 };
try {
  for (let i = 0; i < REPEATS; i++) {
    const cache = join(work, `cache-${i}`);
    const out = join(work, `out-${i}`);
    cold.push(run(out, cache).seconds);
    const w = run(out, cache);
    warm.push(w.seconds);
    warmCells = w;
    const p = run(join(work, `out-p-${i}`), cache, ['-p', 'minHu=300']);
    param.push(p.seconds);
    paramCells = p;
    console.log(`pair ${i + 1}: first ${cold.at(-1)!.toFixed(2)} s, cached ${w.seconds.toFixed(2)} s (${w.ran} ran, ${w.cached} cached), -p minHu=300 ${p.seconds.toFixed(2)} s (${p.ran} ran)`);
    rmSync(cache, { recursive: true, force: true });
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const ratio = median(cold) / median(warm);
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}, load ${load0.toFixed(2)} → ${loadavg()[0]!.toFixed(2)}`;
const s = (xs: readonly number[]) => `${median(xs).toFixed(2)} (${xs.map((x) => x.toFixed(2)).join(', ')})`;
const md = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${machine}; \`node --import tsx bench/cache.ts\`, ${REPEATS} alternating runs, whole process (start → files written in --out).`,
  '',
  '| run of notebooks/ct-to-print.nb.ts | median s (each) | cells run / cached |',
  '| --- | ---: | --- |',
  `| first (empty cache) | ${s(cold)} | all |`,
  `| again, nothing changed | ${s(warm)} | ${warmCells.ran} / ${warmCells.cached} |`,
  `| again with -p minHu=300 | ${s(param)} | ${paramCells.ran} / ${paramCells.cached} |`,
  '',
  `The cached run is **${ratio.toFixed(1)}×** faster than the first.`,
  '',
].join('\n');
await writeFileAtomic(join(ROOT, 'bench/results/cache.md'), md);
console.log(`\n${md}\nwrote bench/results/cache.md`);
