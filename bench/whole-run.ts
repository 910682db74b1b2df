/**
 * Whole processes side by side (issue 14, "Speed"): `voxbook run` against the Python script
 * bench/ct-to-print-peer.py (pydicom + scipy + VTK, one thread), alternating, process start to
 * files written, on the DICOM series. Two pairs:
 * - as it stands: notebooks/ct-to-print.nb.ts (everything it does) vs the script's default
 *   job (load, threshold, islands, flying edges, STL) — the row `npm run bench` always had;
 * - the same job: bench/ct-to-print-same-job.nb.ts vs the script with `--same-job` (both:
 *   load, threshold, islands, largest component, isosurface, windowed-sinc 20 × 0.1,
 *   decimation only above 600k triangles, edge check, binary STL).
 *
 * `node --import tsx bench/whole-run.ts [repeats=3]` prints the medians; `npm run bench`
 * (bench/run.ts) calls `wholeRuns` for its table. A missing peer is reported as absent.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cachePath } from '../datasets/cache.ts';
import { median } from './isosurface.ts';

const ROOT = resolve(import.meta.dirname, '..');

/** One pair's figures: wall ms per run (warm-up run not counted), medians, triangles written. */
export interface WholePair {
  readonly job: 'as it stands' | 'same job';
  readonly oursMs: number[];
  readonly pythonMs: number[];
  readonly oursMedianMs: number;
  readonly pythonMedianMs: number | null;
  readonly oursTriangles: number;
  readonly pythonTriangles: number;
}

export interface WholeRuns {
  readonly pairs: readonly WholePair[];
  /** Why the Python script could not run (a missing module), or null. */
  readonly pythonAbsent: string | null;
}

/** Triangles of a binary STL (its uint32 count at byte 80). */
const stlTriangles = (file: string): number => readFileSync(file).readUInt32LE(80);

/**
 * Runs each pair `repeats` times after one warm-up (file cache, tsx's transform cache),
 * alternating ours and Python's within each repeat.
 */
export async function wholeRuns(repeats = 3, log: (line: string) => void = console.log): Promise<WholeRuns> {
  const dicomDir = await cachePath('ct-head-0051-dicom');
  const out = mkdtempSync(join(tmpdir(), 'vb-whole-'));
  const jobs = [
    { job: 'as it stands' as const, notebook: 'notebooks/ct-to-print.nb.ts', peerArgs: [] as string[] },
    { job: 'same job' as const, notebook: 'bench/ct-to-print-same-job.nb.ts', peerArgs: ['--same-job'] },
  ];
  const runs = jobs.map(() => ({ ours: [] as number[], py: [] as number[], oursTriangles: 0, pyTriangles: 0 }));
  let pythonAbsent: string | null = null;
  try {
    for (let r = -1; r < repeats; r++) {
      for (const [k, j] of jobs.entries()) {
        const runDir = join(out, 'run');
        rmSync(runDir, { recursive: true, force: true });
        let t0 = performance.now();
        execFileSync(process.execPath, [join(ROOT, 'bin/voxbook.mjs'), 'run', join(ROOT, j.notebook), '--out', runDir, '--quiet', '--no-cache', '-p', `input=${dicomDir}`], { stdio: 'pipe' });
        const ours = performance.now() - t0;
        if (r >= 0) runs[k]!.ours.push(ours);
        runs[k]!.oursTriangles = stlTriangles(join(runDir, 'bone.stl'));
        if (pythonAbsent) continue;
        t0 = performance.now();
        try {
          execFileSync('/usr/bin/python3', [join(ROOT, 'bench/ct-to-print-peer.py'), dicomDir, join(out, 'peer.stl'), ...j.peerArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
          const py = performance.now() - t0;
          if (r >= 0) runs[k]!.py.push(py);
          runs[k]!.pyTriangles = stlTriangles(join(out, 'peer.stl'));
          log(`${r < 0 ? 'warm-up' : `run ${r + 1}`}, ${j.job}: ours ${ours.toFixed(0)} ms, Python ${py.toFixed(0)} ms`);
        } catch (e) {
          const err = String((e as { stderr?: unknown }).stderr ?? (e as Error).message);
          pythonAbsent = /No module named '?(\w+)/.exec(err)?.[0] ?? err.trim().split('\n').at(-1) ?? 'failed';
        }
      }
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return {
    pythonAbsent,
    pairs: jobs.map((j, k) => {
      const x = runs[k]!;
      return { job: j.job, oursMs: x.ours, pythonMs: x.py, oursMedianMs: median(x.ours), pythonMedianMs: x.py.length ? median(x.py) : null, oursTriangles: x.oursTriangles, pythonTriangles: x.pyTriangles };
    }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const repeats = Number(process.argv[2] ?? 3);
  const w = await wholeRuns(repeats);
  for (const p of w.pairs) {
    console.log(`${p.job}: ours ${p.oursMedianMs.toFixed(0)} ms (${p.oursTriangles} triangles), Python ${p.pythonMedianMs?.toFixed(0) ?? `absent (${w.pythonAbsent})`} ms (${p.pythonTriangles} triangles)${p.pythonMedianMs ? `, ${(p.oursMedianMs / p.pythonMedianMs).toFixed(2)}×` : ''}`);
  }
}
