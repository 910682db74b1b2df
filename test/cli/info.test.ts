import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir, voxbook } from './helpers.ts';

const DATA = join(ROOT, 'data');

describe('voxbook info', () => {
  it('prints the head CT DICOM series\' geometry and HU range as JSON', async () => {
    const r = await voxbook(['info', join(DATA, 'ct-head-0051-dicom')]);
    expect(r.code, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.dims).toEqual([256, 256, 108]);
    expect(info.spacingMm[0]).toBeCloseTo(0.957, 3);
    expect(info.spacingMm[1]).toBeCloseTo(0.957, 3);
    expect(info.spacingMm[2]).toBeCloseTo(1.5, 6);
    expect([info.min, info.max]).toEqual([-1024, 2986]);
    expect([info.format, info.modality, info.valueUnit]).toEqual(['dicom', 'CT', 'HU']);
    expect(info.direction).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(info.voxelSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(info.warnings).toEqual([]);
    expect(r.stdout).toContain('"dims": [256,256,108]');
  });

  it('reads the same scan from the .inv3 project', async () => {
    const r = await voxbook(['info', join(DATA, 'Cranium.inv3')]);
    expect(r.code, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout);
    expect([info.format, info.dims, info.min, info.max]).toEqual(['inv3', [256, 256, 108], -1024, 2986]);
  });

  it('names a missing path with InputNotFoundError on stderr and exits 1', async () => {
    const missing = join(tempDir(), 'no-such-scan');
    const r = await voxbook(['info', missing]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^voxbook info: InputNotFoundError: .*no-such-scan/);
  });

  it('names a garbage file with FormatError on stderr and exits 1', async () => {
    const garbage = join(tempDir(), 'noise.nii.gz');
    writeFileSync(garbage, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)));
    const r = await voxbook(['info', garbage]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^voxbook info: FormatError: .*noise\.nii\.gz/);
  });

  it('is a usage error without exactly one input', async () => {
    for (const args of [['info'], ['info', 'a', 'b'], ['info', '--json']]) {
      const r = await voxbook(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('info needs one input');
    }
  });

  it('is listed in the usage text', async () => {
    const r = await voxbook(['help']);
    expect(r.stdout).toContain('voxbook info <input>');
    expect(r.stdout).toContain('--timeout S');
  });
});
