import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir, voxbook } from './helpers.ts';

describe('voxbook run notebooks/ct-to-print.nb.ts twice into one --out', () => {
  it('removes the first run\'s bone.stl when the second run\'s mesh is empty', async () => {
    const out = tempDir();
    const nb = join(ROOT, 'notebooks/ct-to-print.nb.ts');
    const first = await voxbook(['run', nb, '--out', out, '-q']);
    expect(first.code, first.stderr).toBe(0);
    expect(existsSync(join(out, 'bone.stl'))).toBe(true);
    const second = await voxbook(['run', nb, '--out', out, '-q', '-p', 'minHu=3000']);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).mesh.empty).toBe(true);
    expect(readdirSync(out).sort()).toEqual(['.voxbook-run.json', 'ct-to-print.ipynb', 'report.json']);
    const manifest = JSON.parse(readFileSync(join(out, '.voxbook-run.json'), 'utf8'));
    expect(manifest.parameters.minHu).toBe(3000);
    expect(manifest.files.map((f: { name: string }) => f.name).sort()).toEqual(['ct-to-print.ipynb', 'report.json']);
  }, 120_000);
});
