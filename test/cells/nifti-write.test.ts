/**
 * encodeNifti: what it writes is read back on the same grid with the same voxels, by our own
 * parseNifti and by nibabel.
 *
 * nibabel's figures for the cases of test/fixtures/nifti-write/cases.ts are committed in
 * nibabel-reference.json (made by nibabel-reference.py with python3-nibabel 5.0), each with
 * the SHA-256 of the uncompressed file it was read from, so this test runs without Python and
 * still checks that the bytes written today are the ones nibabel read. When Debian's
 * /usr/bin/python3 has nibabel, one more test re-runs the script and compares.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { GeometryError, ParameterError } from '../../cells/core/errors.ts';
import { makeVolume, type VoxelArray, type Volume } from '../../cells/core/volume.ts';
import { loadNifti, parseNifti } from '../../cells/io/nifti.ts';
import { encodeNifti, rasAffine } from '../../cells/io/nifti-write.ts';
import { cases, rotation } from '../fixtures/nifti-write/cases.ts';
import { cached } from '../helpers.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const FIXTURES = join(root, 'test', 'fixtures', 'nifti-write');

interface Figures {
  niiSha256: string;
  affine: number[][];
  qform: number[][];
  sformCode: number;
  qformCode: number;
  zooms: number[];
  shape: number[];
  dtype: string;
  slopeInter: Array<number | null>;
  cal: number[];
  xyztUnits: string[];
  descrip: string;
  dataSha256: string;
}
const reference = JSON.parse(readFileSync(join(FIXTURES, 'nibabel-reference.json'), 'utf8')) as { nibabel: string; cases: Record<string, Figures> };

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const voxelBytes = (a: VoxelArray) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Same grid to 1e-5 (mm for spacing and origin) and bit-identical voxels of the same type. */
function expectSameVolume(got: Volume, want: Volume): void {
  expect(got.dims).toEqual(want.dims);
  got.spacingMm.forEach((s, i) => expect(Math.abs(s - want.spacingMm[i]!)).toBeLessThan(1e-5 * Math.max(1, want.spacingMm[i]!)));
  got.originMm.forEach((s, i) => expect(Math.abs(s - want.originMm[i]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(want.originMm[i]!))));
  got.direction.forEach((s, i) => expect(Math.abs(s - want.direction[i]!)).toBeLessThan(1e-5));
  expect(got.data.constructor).toBe(want.data.constructor);
  expect(sha256(voxelBytes(got.data))).toBe(sha256(voxelBytes(want.data)));
}

describe('encodeNifti → parseNifti round trip', () => {
  for (const c of cases()) {
    it(`${c.name}: same dims, spacing, origin, direction (1e-5) and identical voxels, gzipped and not`, () => {
      expectSameVolume(parseNifti(encodeNifti(c.volume), `${c.name}.nii.gz`), c.volume);
      expectSameVolume(parseNifti(encodeNifti(c.volume, { compress: false }), `${c.name}.nii`), c.volume);
    });
  }

  it('reads back through the qform alone as well (sform_code zeroed): both transforms hold the grid', () => {
    for (const c of cases()) {
      const nii = encodeNifti(c.volume, { compress: false });
      new DataView(nii.buffer).setInt16(254, 0, true);
      const v = parseNifti(nii, `${c.name}-qform.nii`);
      expect(v.source?.description).toContain('qform (scanner_anat)');
      expectSameVolume(v, c.volume);
    }
  });

  it('grids rotated 180° about any axis (qform quaternion a = 0), −90°, 37°, 175° keep their direction through sform and through qform', () => {
    for (const axis of [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, -2, 3]] as const) {
      for (const deg of [180, 175, -90, 37]) {
        // LPS direction = F·rotation, so the qform's R = F·D is the rotation itself.
        const r = rotation(axis, deg);
        const v = makeVolume({ data: new Uint8Array(8), dims: [2, 2, 2], spacingMm: [1, 2, 3], originMm: [0, 0, 0], direction: [-r[0], -r[1], -r[2], -r[3], -r[4], -r[5], r[6], r[7], r[8]] });
        const nii = encodeNifti(v, { compress: false });
        expectSameVolume(parseNifti(nii, 'r.nii'), v);
        new DataView(nii.buffer).setInt16(254, 0, true); // force the qform
        expectSameVolume(parseNifti(nii, 'r.nii'), v);
      }
    }
  });

  it('the qform alone loses precision within ~1° of a half turn (a from float32 b, c, d); the sform keeps it, which is why both are written', () => {
    // An axial grid turned 0.01° in plane: R = F·D is a half turn about z minus 0.01°, so
    // a = sin(0.005°) ≈ 8.7e-5 and a² is below float32's resolution of b² + c² + d² ≈ 1.
    const v = makeVolume({ data: new Uint8Array(8), dims: [2, 2, 2], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: rotation([0, 0, 1], 0.01) });
    const nii = encodeNifti(v, { compress: false });
    expectSameVolume(parseNifti(nii, 'tilt.nii'), v);
    new DataView(nii.buffer).setInt16(254, 0, true);
    const q = parseNifti(nii, 'tilt.nii');
    const err = Math.max(...q.direction.map((x, i) => Math.abs(x - v.direction[i]!)));
    expect(err).toBeGreaterThan(1e-4); // the whole 0.01° (1.7e-4 rad) is lost
    expect(err).toBeLessThan(2e-4);
  });

  it('writes a header nifti1.h describes: sizes, codes, units, scaling, magic, vox_offset 352', () => {
    const v = cases().find((c) => c.name === 'int16')!.volume;
    const nii = encodeNifti(v, { compress: false, description: 'brain mask, Otsu baseline' });
    const h = new DataView(nii.buffer);
    expect(nii.length).toBe(352 + 2 * 60);
    expect(h.getInt32(0, true)).toBe(348);
    expect([0, 1, 2, 3, 4].map((i) => h.getInt16(40 + 2 * i, true))).toEqual([3, 5, 4, 3, 1]);
    expect([h.getInt16(70, true), h.getInt16(72, true)]).toEqual([4, 16]);
    expect(h.getFloat32(108, true)).toBe(352);
    expect([h.getFloat32(112, true), h.getFloat32(116, true)]).toEqual([1, 0]);
    expect(nii[123]).toBe(2);
    expect([h.getFloat32(128, true), h.getFloat32(124, true)]).toEqual([-32768, 32767]);
    expect([h.getInt16(252, true), h.getInt16(254, true)]).toEqual([1, 2]);
    expect(Array.from(nii.subarray(344, 352))).toEqual([0x6e, 0x2b, 0x31, 0, 0, 0, 0, 0]);
    expect(new TextDecoder().decode(nii.subarray(148, 148 + 25))).toBe('brain mask, Otsu baseline');
    expect(parseNifti(nii, 'x.nii').source?.description).toMatch(/^brain mask, Otsu baseline; NIfTI-1 5×4×3 int16, geometry from sform \(aligned_anat\)/);
  });

  it('is deterministic (gzip MTIME 0) and says sformCode when asked', () => {
    const v = cases()[0]!.volume;
    expect(sha256(encodeNifti(v))).toBe(sha256(encodeNifti(v)));
    const gz = encodeNifti(v, { sformCode: 4 });
    expect(Array.from(gz.subarray(4, 8))).toEqual([0, 0, 0, 0]);
    expect(parseNifti(gz, 'x.nii.gz').source?.description).toContain('sform (mni_152)');
  });

  it('the real Colin27 T1 (181×217×181 uint8, MNI sform) comes back identical, and its affine is the file\'s', async () => {
    const t1 = await loadNifti(cached('mri-colin27/ch2.nii.gz'));
    expect(rasAffine(t1)).toEqual([[1, 0, 0, -90], [0, 1, 0, -125], [0, 0, 1, -71]]);
    const gz = encodeNifti(t1, { sformCode: 4 });
    expectSameVolume(parseNifti(gz, 'ch2-again.nii.gz'), t1);
    expect(gz.length).toBeLessThan(0.6 * t1.data.length); // it is compressed
  });
});

describe('encodeNifti refuses what NIfTI-1 cannot hold, saying what to do', () => {
  const v = cases()[0]!.volume;
  it('a description that is too long or not ASCII', () => {
    expect(() => encodeNifti(v, { description: 'x'.repeat(80) })).toThrow(ParameterError);
    expect(() => encodeNifti(v, { description: 'Schädel' })).toThrow(/printable ASCII/);
  });
  it('an axis over 32767 voxels', () => {
    const big = makeVolume({ data: new Uint8Array(40000), dims: [40000, 1, 1], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: v.direction });
    expect(() => encodeNifti(big)).toThrow(GeometryError);
  });
  it('a sheared direction or a data length that disagrees with dims', () => {
    expect(() => encodeNifti({ ...v, direction: [1, 0.1, 0, 0, 1, 0, 0, 0, 1] })).toThrow(GeometryError);
    expect(() => encodeNifti({ ...v, data: new Uint8Array(7) })).toThrow(/dims/);
  });
  it('an sformCode or level out of range', () => {
    expect(() => encodeNifti(v, { sformCode: 7 as 1 })).toThrow(ParameterError);
    expect(() => encodeNifti(v, { level: 11 as 1 })).toThrow(ParameterError);
  });
});

describe('nibabel reads what encodeNifti writes on the same grid (committed reference)', () => {
  it(`the reference (nibabel ${reference.nibabel}) covers every case, and is about the bytes written today`, () => {
    expect(Object.keys(reference.cases).sort()).toEqual(cases().map((c) => c.name).sort());
    for (const c of cases()) expect(sha256(gunzipSync(encodeNifti(c.volume))), c.name).toBe(reference.cases[c.name]!.niiSha256);
  });

  for (const c of cases()) {
    it(`${c.name}: nibabel's affine and qform are the expected RAS affine, its voxels are ours`, () => {
      const r = reference.cases[c.name]!;
      const want = rasAffine(c.volume);
      for (const m of [r.affine, r.qform]) {
        for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) expect(Math.abs(m[i]![j]! - want[i]![j]!), `${c.name} [${i}][${j}]`).toBeLessThan(1e-5 * Math.max(1, Math.abs(want[i]![j]!)));
        expect(m[3]).toEqual([0, 0, 0, 1]);
      }
      expect(r.shape).toEqual([...c.volume.dims]);
      expect(r.zooms.map((z, i) => Math.abs(z - c.volume.spacingMm[i]!))).toEqual([expect.any(Number), expect.any(Number), expect.any(Number)]);
      r.zooms.forEach((z, i) => expect(z).toBeCloseTo(c.volume.spacingMm[i]!, 6));
      expect(r.dtype).toBe(c.name.startsWith('int') || c.name.startsWith('uint') || c.name.startsWith('float') ? c.name : 'uint8');
      expect(r.dataSha256).toBe(sha256(voxelBytes(c.volume.data)));
      expect([r.qformCode, r.sformCode]).toEqual([1, 2]);
      expect(r.xyztUnits[0]).toBe('mm');
      // scl_slope 1 / inter 0: nibabel reports "no scaling".
      expect(r.slopeInter).toEqual([null, null]);
    });
  }

  it('cal_min/cal_max: the value range, and 0/0 ("unset") when it does not fit float32', () => {
    expect(reference.cases['int16']!.cal).toEqual([-32768, 32767]);
    expect(reference.cases['float32']!.cal).toEqual([-1.5, Math.fround(1e30)]);
    expect(reference.cases['float64']!.cal).toEqual([0, 0]);
  });
});
