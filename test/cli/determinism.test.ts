/**
 * Determinism: two `voxbook run`s of ct-to-print on the real head CT, with the same inputs,
 * write a byte-identical bone.stl and the same report.json except for what measures time:
 *
 * - `timingsMs.*`: wall-clock milliseconds per stage;
 * - `provenance.startedAt`: when the run started.
 *
 * Nothing else may differ. The executed notebook (ct-to-print.ipynb) differs in the same way
 * and in one knock-on field: its `ranAt`, and the size of report.json shown by the download
 * output (`size`, and `text/plain` "report.json (N bytes)"), which changes with the number of
 * digits in the timings.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const NOTEBOOK = join(ROOT, 'notebooks/ct-to-print.nb.ts');
const DATA = join(ROOT, 'data');

async function voxbook(args: string[]) {
  try {
    const r = await run(process.execPath, [join(ROOT, 'bin/voxbook.mjs'), ...args], { cwd: ROOT, maxBuffer: 1 << 24 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** Paths (`a.b[2].c`) at which two JSON values differ, leaves only. */
function differences(a: unknown, b: unknown, path = ''): string[] {
  if (a === b) return [];
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return [path || '(root)'];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].flatMap((k) => differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], Array.isArray(a) ? `${path}[${k}]` : path ? `${path}.${k}` : k));
}

/** Fields of report.json that are timings or run times, and so may differ between runs. */
const REPORT_TIMES = [/^timingsMs\.[^.]+$/, /^provenance\.startedAt$/];

describe('two runs of ct-to-print with the same inputs', () => {
  const outA = join(mkdtempSync(join(tmpdir(), 'vb-det-')), 'A');
  const outB = join(mkdtempSync(join(tmpdir(), 'vb-det-')), 'B');
  const json = (dir: string, f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8'));

  beforeAll(async () => {
    expect(existsSync(join(DATA, 'Cranium.inv3')), 'run `npm run fetch-data` first').toBe(true);
    // One after the other: the second may reuse whatever the first left behind, which must not
    // change what it writes either.
    for (const out of [outA, outB]) {
      const r = await voxbook(['run', NOTEBOOK, '--out', out]);
      expect(r.code, r.stderr).toBe(0);
    }
  }, 240_000);

  it('write the same files', () => {
    expect(readdirSync(outB).sort()).toEqual(readdirSync(outA).sort());
    expect(readdirSync(outA)).toEqual(expect.arrayContaining(['bone.stl', 'report.json', 'ct-to-print.ipynb']));
  });

  it('write a byte-identical bone.stl', () => {
    const a = readFileSync(join(outA, 'bone.stl')), b = readFileSync(join(outB, 'bone.stl'));
    expect(a.length).toBeGreaterThan(84);
    expect(a.equals(b)).toBe(true);
  });

  it('write report.json identical but for the timings and the start time', () => {
    const a = json(outA, 'report.json'), b = json(outB, 'report.json');
    const differ = differences(a, b);
    expect(differ.filter((p) => !REPORT_TIMES.some((r) => r.test(p)))).toEqual([]);
    // The timed fields are there in both, with the same stages.
    expect(Object.keys(b.timingsMs)).toEqual(Object.keys(a.timingsMs));
    expect(typeof a.provenance.startedAt).toBe('string');
  });

  it('write the executed notebook identical but for its run time and the size of report.json', () => {
    const a = json(outA, 'ct-to-print.ipynb'), b = json(outB, 'ct-to-print.ipynb');
    const reportOutput = (nb: typeof a) => {
      const paths: string[] = [];
      nb.cells.forEach((c: { outputs?: Array<{ data?: Record<string, { name?: string }> }> }, i: number) => c.outputs?.forEach((o, j) => {
        if (o.data?.['application/vnd.voxbook.file+json']?.name === 'report.json') paths.push(`cells[${i}].outputs[${j}].data`);
      }));
      return paths;
    };
    const allowed = new Set(reportOutput(a).flatMap((p) => [`${p}.application/vnd.voxbook.file+json.size`, `${p}.text/plain`]));
    const differ = differences(a, b).filter((p) => !allowed.has(p) && !/(^|\.)ranAt$/.test(p) && !/(^|\.)startedAt$/.test(p));
    expect(differ).toEqual([]);
  });
});
