/**
 * A reader's documented fallback is never silent (issue 11 item 3): a NIfTI with neither
 * sform nor qform loads (nifti1.h's method 1), and what the reader assumed reaches the
 * notebook's first output, report.json and `voxbook info`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NIFTI1_FIELDS, buildNifti, writeField } from '../fuzz/formats.ts';
import { ROOT, tempDir, voxbook } from './helpers.ts';

/** 32³ voxels of 1.5 mm: a ball of 1000 (radius 10 voxels) in −1000, no sform and no qform. */
function niftiWithoutOrientation(path: string): void {
  const n = 32;
  const data = new Int16Array(n * n * n);
  for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) {
    const d = Math.hypot(i - 15.5, j - 15.5, k - 15.5);
    data[i + n * (j + n * k)] = d < 10 ? 1000 : -1000;
  }
  const bytes = buildNifti({ dims: [n, n, n], spacingMm: [1.5, 1.5, 1.5], originRas: [0, 0, 0], data, description: 'ball' }, 1);
  for (const name of ['qform_code', 'sform_code']) writeField(bytes, NIFTI1_FIELDS.find((f) => f.name === name)!, 0);
  writeFileSync(path, bytes);
}

describe('a fallback the reader took is shown, never silent', () => {
  const dir = tempDir('vb-warn-');
  const input = join(dir, 'ball.nii');
  niftiWithoutOrientation(input);

  it('voxbook info lists it under warnings, with the spacing from pixdim', async () => {
    const r = await voxbook(['info', input]);
    expect(r.code, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout) as { dims: number[]; spacingMm: number[]; warnings: string[] };
    expect(info.dims).toEqual([32, 32, 32]);
    expect(info.spacingMm).toEqual([1.5, 1.5, 1.5]);
    expect(info.warnings.join(' ')).toMatch(/no sform or qform/i);
  });

  it('ct-to-print shows it in its first output and writes it into report.json', async () => {
    const out = join(dir, 'out');
    const r = await voxbook(['run', join(ROOT, 'notebooks/ct-to-print.nb.ts'), '--out', out, '-p', `input=${input}`, '-p', 'minIslandMm3=10']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { input: { warnings: string[] }; mesh: { volumeMm3: number } };
    expect(report.input.warnings.join(' ')).toMatch(/no sform or qform/i);
    // The ball is 4/3·π·(10 voxels · 1.5 mm)³ ≈ 14,137 mm³: the spacing was read, not guessed.
    expect(report.mesh.volumeMm3).toBeGreaterThan(13_000);
    expect(report.mesh.volumeMm3).toBeLessThan(15_000);
    const nb = JSON.parse(readFileSync(join(out, 'ct-to-print.ipynb'), 'utf8')) as { cells: Array<{ id: string; cell_type: string; outputs?: Array<{ data?: Record<string, unknown> }> }> };
    // The load cell's first output (the parameters cell before it shows only the minHu slider).
    const first = nb.cells.find((c) => c.id === 'load')!;
    const text = String(first.outputs![0]!.data!['text/markdown']);
    expect(text).toContain('**Input:**');
    expect(text).toMatch(/\*\*Warning:\*\* .*no sform or qform/i);
  });
});
