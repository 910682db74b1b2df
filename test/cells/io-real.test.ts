/**
 * Readers on the real samples, read from the data cache (datasets/cache.ts). Seed it with
 *   node --import tsx datasets/fetch-data.ts --from ../shared/datasets
 * Missing data fails these tests with that instruction; they never skip.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { indexToWorld, valueRange, type Volume } from '../../cells/core/volume.ts';
import { sha256Hex } from '../../cells/io/bytes.ts';
import { loadDicomSeries } from '../../cells/io/dicom.ts';
import { openInv3, readInv3Mask, type Inv3Mask } from '../../cells/io/inv3.ts';
import { loadVolume } from '../../cells/io/load.ts';
import { loadNifti } from '../../cells/io/nifti.ts';
import { dice, iou } from '../../cells/metrics/overlap.ts';
import { countNonZero, threshold } from '../../cells/segment/threshold.ts';
import { cached } from '../helpers.ts';

function mismatches(a: Volume, b: Volume): number {
  let n = 0;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) n++;
  return n;
}

describe('ct-head-0051: Cranium.inv3 and the DICOM series', () => {
  let inv3Bytes: Uint8Array;
  let inv3: Volume;
  let dicom: Volume;
  let bone: Inv3Mask;
  let skin: Inv3Mask;

  beforeAll(async () => {
    const inv3Path = cached('Cranium.inv3');
    inv3 = await loadVolume(inv3Path);
    inv3Bytes = new Uint8Array(readFileSync(inv3Path));
    const project = openInv3(inv3Bytes, 'Cranium.inv3');
    bone = project.mask(0);
    skin = project.mask(1);
    dicom = await loadDicomSeries(cached('ct-head-0051-dicom'));
  });

  it('loads both as 256×256×108 with spacing 0.957/0.957/1.5 mm', () => {
    for (const v of [inv3, dicom]) {
      expect(v.dims).toEqual([256, 256, 108]);
      expect(v.spacingMm[0]).toBeCloseTo(0.9570312, 6);
      expect(v.spacingMm[1]).toBeCloseTo(0.9570312, 6);
      expect(v.spacingMm[2]).toBeCloseTo(1.5, 6);
    }
  });

  it('gives the same volume voxel for voxel, sorted by position although the DICOM file names are shuffled', () => {
    expect(dicom.data.length).toBe(inv3.data.length);
    expect(mismatches(dicom, inv3)).toBe(0);
  });

  it('places both at the same LPS origin and direction (within 1e-3)', () => {
    for (let a = 0; a < 3; a++) expect(Math.abs(dicom.originMm[a]! - inv3.originMm[a]!)).toBeLessThan(1e-3);
    for (let e = 0; e < 9; e++) expect(Math.abs(dicom.direction[e]! - inv3.direction[e]!)).toBeLessThan(1e-3);
    // The series is centred on the origin: first voxel at −(n−1)/2·spacing.
    expect(dicom.originMm[0]).toBeCloseTo(-122.0215, 3);
    expect(dicom.originMm[2]).toBeCloseTo(-80.25, 6);
    expect([...dicom.direction]).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
  });

  it('returns int16 Hounsfield units −1024..2986 (DICOM rescale intercept −1024 applied)', () => {
    expect(dicom.data).toBeInstanceOf(Int16Array);
    expect(inv3.data).toBeInstanceOf(Int16Array);
    expect(valueRange(dicom)).toEqual({ min: -1024, max: 2986 });
    expect(valueRange(inv3)).toEqual({ min: -1024, max: 2986 });
  });

  it('records modality CT and values in HU for both', () => {
    for (const v of [inv3, dicom]) {
      expect(v.source?.modality).toBe('CT');
      expect(v.source?.valueUnit).toBe('HU');
    }
  });

  it('records source: format, input and the sha256 of the bytes read', async () => {
    expect(inv3.source?.format).toBe('inv3');
    expect(inv3.source?.sha256).toBe(await sha256Hex(inv3Bytes));
    expect(dicom.source?.format).toBe('dicom');
    expect(dicom.source?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(dicom.source?.description).toContain('108 files');
  });

  it('reads mask_0 with its threshold range 226..3071, and thresholding reproduces it with Dice 1.0', () => {
    expect([bone.minHu, bone.maxHu]).toEqual([226, 3071]);
    const mine = threshold(dicom, { minHu: bone.minHu, maxHu: bone.maxHu });
    expect(countNonZero(bone.mask)).toBe(475_759);
    expect(dice(mine, bone.mask)).toBe(1);
    expect(iou(mine, bone.mask)).toBe(1);
  });

  it('reads mask_1 (skin) with range −142..2986, reproduced by thresholding with Dice 1.0', () => {
    expect([skin.minHu, skin.maxHu]).toEqual([-142, 2986]);
    const mine = threshold(inv3, { minHu: -142, maxHu: 2986 });
    expect(countNonZero(skin.mask)).toBe(2_319_106);
    expect(dice(mine, skin.mask)).toBe(1);
  });

  it('readInv3Mask gives the same mask as the opened project', () => {
    const again = readInv3Mask(inv3Bytes, 0, 'Cranium.inv3');
    expect(mismatches(again.mask, bone.mask)).toBe(0);
  });
});

describe('mri-colin27 (NIfTI)', () => {
  it('loads ch2.nii.gz as 181×217×181 at 1 mm with the RAS sform turned into LPS', async () => {
    const v = await loadNifti(cached('mri-colin27/ch2.nii.gz'));
    expect(v.dims).toEqual([181, 217, 181]);
    expect([...v.spacingMm]).toEqual([1, 1, 1]);
    // sform: x_RAS = i − 90, y_RAS = j − 125, z = k − 71 → LPS negates the first two axes.
    expect([...v.direction]).toEqual([-1, 0, 0, 0, -1, 0, 0, 0, 1]);
    expect([...v.originMm]).toEqual([90, 125, -71]);
    const w = indexToWorld(v, 90, 125, 71);
    expect(w.map((x) => Math.abs(x))).toEqual([0, 0, 0]);
    expect(v.source?.format).toBe('nifti');
    expect(v.data).toBeInstanceOf(Uint8Array);
    expect(valueRange(v)).toEqual({ min: 0, max: 254 });
  });

  it('leaves modality and value unit undefined: the NIfTI header states neither', async () => {
    const v = await loadNifti(cached('mri-colin27/ch2.nii.gz'));
    expect(v.source?.modality).toBeUndefined();
    expect(v.source?.valueUnit).toBeUndefined();
  });

  it('loads the AAL atlas on the same grid with labels 0..116', async () => {
    const atlas = await loadVolume(cached('mri-colin27/aal.nii.gz'));
    expect(atlas.dims).toEqual([181, 217, 181]);
    expect(valueRange(atlas)).toEqual({ min: 0, max: 116 });
    const names = readFileSync(cached('mri-colin27/aal.nii.txt'), 'utf8').trim().split('\n');
    expect(names).toHaveLength(116);
  });
});

describe('DICOM geometry from the header', () => {
  it('honours ImageOrientationPatient: a sagittal MR slice gets direction columns (0,1,0), (0,0,1), (1,0,0)', async () => {
    // MR_small.dcm is axial (1\0\0\0\1\0); rewrite its orientation in place (same length).
    const bytes = Buffer.from(readFileSync(cached('dicom-conformance/MR_small.dcm')));
    const axial = '1.0000\\0.0000\\0.0000\\0.0000\\1.0000\\0.0000 ';
    const sagittal = '0.0000\\1.0000\\0.0000\\0.0000\\0.0000\\1.0000 ';
    const at = bytes.indexOf(axial, 0, 'latin1');
    expect(at).toBeGreaterThan(0);
    bytes.write(sagittal, at, 'latin1');
    const dir = mkdtempSync(join(tmpdir(), 'voxbook-io-'));
    const file = join(dir, 'MR_sagittal.dcm');
    writeFileSync(file, bytes);
    const v = await loadVolume(file);
    // Row-major, columns = axis directions: i → +y (posterior), j → +z (superior), k → +x.
    expect([...v.direction].map((x) => Math.round(x * 1e6) / 1e6)).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);
    expect(v.dims).toEqual([64, 64, 1]);
  });

  it('reports an MR file as modality MR with no value unit (MR_small.dcm)', async () => {
    const v = await loadVolume(cached('dicom-conformance/MR_small.dcm'));
    expect(v.source?.modality).toBe('MR');
    expect(v.source?.valueUnit).toBeUndefined();
  });

  it('reads a single CT slice (CT_small.dcm) with its position and spacing', async () => {
    const v = await loadVolume(cached('dicom-conformance/CT_small.dcm'));
    expect(v.source?.modality).toBe('CT');
    expect(v.source?.valueUnit).toBe('HU');
    expect(v.dims).toEqual([128, 128, 1]);
    expect(v.spacingMm[0]).toBeCloseTo(0.661468, 6);
    expect(v.originMm[0]).toBeCloseTo(-158.135803, 5);
    expect(v.originMm[2]).toBeCloseTo(-75.699997, 5);
  });
});
