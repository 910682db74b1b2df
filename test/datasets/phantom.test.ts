import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InputNotFoundError, ParameterError } from '../../cells/core/errors.ts';
import { indexToWorld, valueRange, voxelVolumeMm3, type Volume } from '../../cells/core/volume.ts';
import { connectedComponents } from '../../cells/segment/components.ts';
import { countNonZero, threshold } from '../../cells/segment/threshold.ts';
import { dataCacheDir } from '../../datasets/cache.ts';
import { DEFAULT_SAMPLE, loadInput, loadSample, SAMPLES } from '../../datasets/index.ts';
import { headPhantom, PHANTOM_HU } from '../../datasets/phantom.ts';
import { resolveSampleRef } from '../../datasets/registry.ts';
import { thrown } from '../helpers.ts';

/** Value of the voxel nearest to LPS point (x, y, z) mm, for an identity-direction volume. */
function at(v: Volume, x: number, y: number, z: number): number {
  const idx = [x, y, z].map((w, a) => Math.round((w - v.originMm[a]!) / v.spacingMm[a]!));
  const [i, j, k] = idx as [number, number, number];
  return v.data[i + v.dims[0] * (j + v.dims[1] * k)]!;
}

describe('headPhantom', () => {
  const v = headPhantom();

  it('is a 128×128×96 int16 grid at 1.5 mm, centred on the LPS origin, identity direction', () => {
    expect(v.dims).toEqual([128, 128, 96]);
    expect([...v.spacingMm]).toEqual([1.5, 1.5, 1.5]);
    expect(v.data).toBeInstanceOf(Int16Array);
    expect([...v.direction]).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const centre = indexToWorld(v, 63.5, 63.5, 47.5);
    expect(centre.map((c) => Math.abs(c))).toEqual([0, 0, 0]);
  });

  it('says it is synthetic, a CT in Hounsfield units', () => {
    expect(v.source?.format).toBe('phantom');
    expect(v.source?.modality).toBe('CT');
    expect(v.source?.valueUnit).toBe('HU');
    expect(v.source?.description).toMatch(/synthetic/);
    expect(v.source?.sha256).toBe('');
  });

  it('has air, scalp, skull and brain at the expected distances along +x (patient left)', () => {
    expect(at(v, 0, 0, 0)).toBe(PHANTOM_HU.brain); // centre
    expect(at(v, 45, 0, 0)).toBe(PHANTOM_HU.brain);
    expect(at(v, 63, 0, 0)).toBe(PHANTOM_HU.bone); // between inner (60) and outer (66) table
    expect(at(v, -63, 0, 0)).toBe(PHANTOM_HU.bone);
    expect(at(v, 69, 0, 0)).toBe(PHANTOM_HU.soft); // scalp, outer table 66 .. skin 72
    expect(at(v, 78, 0, 0)).toBe(PHANTOM_HU.air);
    expect(at(v, 0, 0, 58.5)).toBe(PHANTOM_HU.soft); // vertex: skull 50..56, skin 62
    expect(v.data[0]).toBe(PHANTOM_HU.air);
    expect(valueRange(v)).toEqual({ min: PHANTOM_HU.air, max: PHANTOM_HU.bone });
  });

  it('has its nose anterior (−y in LPS), not posterior', () => {
    expect(at(v, 0, -92, -10)).toBe(PHANTOM_HU.soft);
    expect(at(v, 0, 92, -10)).toBe(PHANTOM_HU.air);
  });

  it('has a skull volume within 3% of the analytic shell plus fragment', () => {
    const bone = threshold(v, { minHu: 226, maxHu: 3071 });
    const mm3 = countNonZero(bone) * voxelVolumeMm3(v);
    const shell = (4 / 3) * Math.PI * (66 * 82 * 56 - 60 * 76 * 50);
    const fragment = (4 / 3) * Math.PI * 27;
    expect(Math.abs(mm3 - (shell + fragment)) / (shell + fragment)).toBeLessThan(0.03);
  });

  it('has a loose bone fragment: a second bone component smaller than 200 mm³', () => {
    const comps = connectedComponents(threshold(v, { minHu: 226, maxHu: 3071 }), 26).components;
    expect(comps).toHaveLength(2);
    const sizes = comps.map((c) => c.volumeMm3).sort((a, b) => a - b);
    expect(sizes[0]).toBeGreaterThan(50);
    expect(sizes[0]).toBeLessThan(200);
    expect(sizes[1]).toBeGreaterThan(300_000);
  });

  it('is deterministic, noise included (same seed → same data, other seed → other data)', () => {
    const small = { dims: [32, 32, 24] as const, spacingMm: [6, 6, 6] as const, noiseHu: 20 };
    const a = headPhantom({ ...small, seed: 5 });
    const b = headPhantom({ ...small, seed: 5 });
    const c = headPhantom({ ...small, seed: 6 });
    expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
    expect(Buffer.from(a.data.buffer).equals(Buffer.from(c.data.buffer))).toBe(false);
    expect(Buffer.from(headPhantom().data.buffer).equals(Buffer.from(v.data.buffer))).toBe(true);
  });

  it('rejects ellipsoids that are not nested', () => {
    expect(() => headPhantom({ skullInnerMm: [70, 76, 50] })).toThrow(ParameterError);
  });
});

describe('loadInput / loadSample', () => {
  const saved = process.env['VOXBOOK_DATA'];
  afterEach(() => {
    if (saved === undefined) delete process.env['VOXBOOK_DATA'];
    else process.env['VOXBOOK_DATA'] = saved;
  });

  it('falls back to the phantom, explaining why, when the sample is not in the cache', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'voxbook-empty-cache-'));
    process.env['VOXBOOK_DATA'] = empty;
    expect(await dataCacheDir()).toBe(empty);
    const v = await loadInput('ct-head-0051');
    expect(v.source?.format).toBe('phantom');
    expect(v.source?.input).toBe('ct-head-0051');
    const d = v.source?.description ?? '';
    expect(d).toContain('"ct-head-0051" was not found');
    expect(d).toContain(empty);
    expect(d).toContain('synthetic');
    expect(d).toContain('npm run fetch-data');
    expect(v.dims).toEqual([128, 128, 96]);
    expect(v.source?.modality).toBe('CT');
    expect(v.source?.valueUnit).toBe('HU');
    expect(DEFAULT_SAMPLE).toBe('ct-head-0051');
  });

  it('does not fall back for any other sample: InputNotFoundError naming it and `npm run fetch-data`', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'voxbook-empty-cache-'));
    process.env['VOXBOOK_DATA'] = empty;
    const cases: Array<[string, string]> = [
      ['mri-colin27', 'mri-colin27/ch2.nii.gz'],
      ['mri-colin27/ch2bet.nii.gz', 'mri-colin27/ch2bet.nii.gz'],
      ['ct-head-0051-dicom', 'ct-head-0051-dicom'],
      ['dicom-conformance', 'dicom-conformance/CT_small.dcm'],
      ['dicom-conformance/MR_smal.dcm', 'dicom-conformance/MR_smal.dcm'],
      ['ct-head-0051/Cranium.inv3', 'Cranium.inv3'], // the default sample by file name is not "itself"
    ];
    for (const [input, rel] of cases) {
      const e = await thrown(loadInput(input));
      expect(e, input).toBeInstanceOf(InputNotFoundError);
      expect((e as InputNotFoundError).path).toBe(join(empty, rel));
      expect(e.message).toContain(`sample "${input}"`);
      expect(e.message).toContain('npm run fetch-data');
    }
  });

  it('does not turn a misspelt file of a fetched sample into the phantom', async () => {
    const e = await thrown(loadInput('dicom-conformance/MR_smal.dcm'));
    expect(e).toBeInstanceOf(InputNotFoundError);
    expect((e as InputNotFoundError).path).toBe(join(await dataCacheDir(), 'dicom-conformance/MR_smal.dcm'));
    expect(e.message).toContain('check the file name "dicom-conformance/MR_smal.dcm"');
  });

  it('loadSample does not fall back: InputNotFoundError naming the cache path', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'voxbook-empty-cache-'));
    process.env['VOXBOOK_DATA'] = empty;
    const e = await loadSample('ct-head-0051').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(InputNotFoundError);
    expect((e as InputNotFoundError).path).toBe(join(empty, 'Cranium.inv3'));
    expect((e as Error).message).toContain('npm run fetch-data');
  });

  it('rejects an unknown sample id with the list of ids', async () => {
    const e = await loadSample('ct-head-9999').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ParameterError);
    for (const s of SAMPLES) expect((e as Error).message).toContain(s.id);
  });

  it('resolves sample references: id, id/file, and not paths', () => {
    expect(resolveSampleRef('mri-colin27')?.cachePath).toBe('mri-colin27/ch2.nii.gz');
    expect(resolveSampleRef('mri-colin27/ch2bet.nii.gz')?.cachePath).toBe('mri-colin27/ch2bet.nii.gz');
    expect(resolveSampleRef('dicom-conformance/MR_small.dcm')?.cachePath).toBe('dicom-conformance/MR_small.dcm');
    expect(resolveSampleRef('data/Cranium.inv3')).toBeUndefined();
    expect(resolveSampleRef('mri-colin27/../x')).toBeUndefined();
  });

  it('loads the real CT from the cache when it is there', async () => {
    const cache = await dataCacheDir();
    if (!existsSync(join(cache, 'Cranium.inv3'))) {
      throw new Error(`sample data missing in ${cache}: node --import tsx datasets/fetch-data.ts --from ../shared/datasets`);
    }
    const v = await loadInput('ct-head-0051');
    expect(v.source?.format).toBe('inv3');
    expect(v.source?.input).toBe('ct-head-0051');
    expect(v.source?.description).toContain('GPL-2.0');
    expect(v.source?.modality).toBe('CT');
    expect(v.source?.valueUnit).toBe('HU');
    expect(v.dims).toEqual([256, 256, 108]);
    const mri = await loadInput('mri-colin27/ch2bet.nii.gz');
    expect(mri.dims).toEqual([181, 217, 181]);
    expect(mri.source?.valueUnit).toBeUndefined();
    const mr = await loadInput('dicom-conformance/MR_small.dcm');
    expect(mr.source?.modality).toBe('MR');
    expect(mr.source?.valueUnit).toBeUndefined();
  });
});
