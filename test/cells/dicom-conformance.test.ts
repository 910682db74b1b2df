/**
 * Every file of pydicom's DICOM conformance sample (data/dicom-conformance, 68 files) through
 * `loadDicomSeries(file)`: each either loads with the numbers pydicom gives, or is refused
 * with a typed error (a VoxbookError) naming the file and the reason. None crashes or hangs.
 *
 * The reference figures are in test/fixtures/dicom-conformance/pydicom-reference.json, made
 * by scripts/conformance-reference.py (pydicom 2.3, pure decoders before GDCM), so this test
 * runs the same whether or not Python and pydicom are installed. Regenerate it with Debian's
 * python3-pydicom, python3-gdcm and python3-pil:
 *   /usr/bin/python3 scripts/conformance-reference.py data/dicom-conformance test/fixtures/dicom-conformance/pydicom-reference.json
 * (what pydicom can decode depends on the plugins present, so a live comparison inside
 * `npm test` would depend on the machine).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { FormatError, VoxbookError } from '../../cells/core/errors.ts';
import { orthonormalityError, type Volume } from '../../cells/core/volume.ts';
import { loadDicomSeries } from '../../cells/io/dicom.ts';
import { cached } from '../helpers.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const REFERENCE = join(root, 'test', 'fixtures', 'dicom-conformance', 'pydicom-reference.json');

interface Figures {
  transferSyntax?: string | null;
  rows?: number | null;
  columns?: number | null;
  frames?: number | null;
  samplesPerPixel?: number | null;
  shape?: number[];
  min?: number;
  max?: number;
  mean?: number;
  handler?: string;
  error?: string;
}
const reference = JSON.parse(readFileSync(REFERENCE, 'utf8')) as { pydicom: string; files: Record<string, Figures> };

/**
 * What Voxbook does with each file: 'load' (compare with pydicom), 'load-unchecked' (pydicom
 * cannot decode it: geometry and voxel count only), or the reason it is refused (a pattern
 * the error message must match). Kept explicit so that a change in behaviour shows here.
 */
const RGB = /\d components per pixel \(SamplesPerPixel \(0028,0002\) = 3/;
const NOT_IMAGE = /no Pixel Data \(7FE0,0010\): this DICOM object is not an image/;
const EXPECTED: Record<string, 'load' | RegExp> = {
  '693_J2KI.dcm': 'load',
  'CT_small.dcm': 'load',
  'ExplVR_BigEnd.dcm': RGB,
  'ExplVR_BigEndNoMeta.dcm': NOT_IMAGE,
  'ExplVR_LitEndNoMeta.dcm': NOT_IMAGE,
  'GDCMJ2K_TextGBR.dcm': RGB,
  'J2K_pixelrep_mismatch.dcm': 'load',
  'JPEG-lossy.dcm': 'load',
  'JPEG2000-embedded-sequence-delimiter.dcm': /first compressed frame \(JPEG 2000 Image Compression \(1\.2\.840\.10008\.1\.2\.4\.91\)\) is 3722445056×1024/,
  'JPEG2000.dcm': 'load',
  'JPGExtended.dcm': 'load',
  'MR_small.dcm': 'load',
  'MR_small_RLE.dcm': 'load',
  'MR_small_bigendian.dcm': 'load',
  'MR_small_expb.dcm': 'load',
  'MR_small_implicit.dcm': 'load',
  'MR_small_jp2klossless.dcm': 'load',
  'MR_small_jpeg_ls_lossless.dcm': 'load',
  'MR_small_padded.dcm': 'load',
  'MR_truncated.dcm': /truncated DICOM file: element \(7FE0,0010\) declares 8192 bytes/,
  'SC_jpeg_no_color_transform.dcm': RGB,
  'SC_jpeg_no_color_transform_2.dcm': RGB,
  'SC_rgb_dcmtk_+eb+cr.dcm': RGB,
  'SC_rgb_dcmtk_+eb+cy+n1.dcm': RGB,
  'SC_rgb_dcmtk_+eb+cy+n2.dcm': RGB,
  'SC_rgb_dcmtk_+eb+cy+np.dcm': RGB,
  'SC_rgb_dcmtk_+eb+cy+s2.dcm': RGB,
  'SC_rgb_dcmtk_+eb+cy+s4.dcm': RGB,
  'SC_rgb_gdcm_KY.dcm': RGB,
  'SC_rgb_jpeg.dcm': RGB,
  'SC_rgb_jpeg_app14_dcmd.dcm': RGB,
  'SC_rgb_jpeg_dcmd.dcm': RGB,
  'SC_rgb_jpeg_dcmtk.dcm': RGB,
  'SC_rgb_jpeg_gdcm.dcm': RGB,
  'SC_rgb_jpeg_lossy_gdcm.dcm': RGB,
  'SC_rgb_rle.dcm': RGB,
  'SC_rgb_rle_16bit.dcm': RGB,
  'SC_rgb_rle_16bit_2frame.dcm': RGB,
  'SC_rgb_rle_2frame.dcm': RGB,
  'SC_rgb_rle_32bit.dcm': RGB,
  'SC_rgb_rle_32bit_2frame.dcm': RGB,
  'SC_rgb_small_odd.dcm': RGB,
  'SC_rgb_small_odd_jpeg.dcm': RGB,
  'SC_ybr_full_422_uncompressed.dcm': RGB,
  'UN_sequence.dcm': NOT_IMAGE,
  'badVR.dcm': /NumberOfFrames \(0028,0008\) is "1A": it must be a whole number ≥ 1/,
  'empty_charset_LEI.dcm': NOT_IMAGE,
  'image_dfl.dcm': 'load',
  'liver_1frame.dcm': 'load',
  'liver_expb_1frame.dcm': 'load',
  'meta_missing_tsyntax.dcm': /has Pixel Data but no Rows \(0028,0010\)/,
  'nested_priv_SQ.dcm': /has Pixel Data but no Rows \(0028,0010\)/,
  'no_meta.dcm': /GDCM could not read it as a DICOM image, and Voxbook's own header reader stopped early \(it does not start with a DICOM element/,
  'no_meta_group_length.dcm': NOT_IMAGE,
  'priv_SQ.dcm': NOT_IMAGE,
  'reportsi.dcm': NOT_IMAGE,
  'reportsi_with_empty_number_tags.dcm': NOT_IMAGE,
  'rtdose.dcm': 'load',
  'rtdose_1frame.dcm': 'load',
  'rtdose_expb.dcm': 'load',
  'rtdose_expb_1frame.dcm': 'load',
  'rtdose_rle.dcm': 'load',
  'rtdose_rle_1frame.dcm': 'load',
  'rtplan.dcm': NOT_IMAGE,
  'rtplan_truncated.dcm': /truncated DICOM file: element \(300A,00B0\)/,
  'rtstruct.dcm': NOT_IMAGE,
  'test-SR.dcm': NOT_IMAGE,
  'waveform_ecg.dcm': NOT_IMAGE,
};

const dir = cached('dicom-conformance');
const files = readdirSync(dir).filter((n) => n.endsWith('.dcm')).sort();

function stats(v: Volume): { min: number; max: number; mean: number } {
  let min = Infinity, max = -Infinity, sum = 0;
  for (let i = 0; i < v.data.length; i++) {
    const x = v.data[i]!;
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
  }
  return { min, max, mean: sum / v.data.length };
}

/** |a − b| ≤ 1e-3 · max(|b|, 1): relative, with an absolute floor for values near 0. */
function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-3 * Math.max(Math.abs(b), 1);
}

type Outcome = { volume: Volume } | { error: unknown };
const outcomes = new Map<string, Outcome>();

beforeAll(async () => {
  for (const f of files) {
    try {
      outcomes.set(f, { volume: await loadDicomSeries(join(dir, f)) });
    } catch (error) {
      outcomes.set(f, { error });
    }
  }
}, 120_000);

describe('DICOM conformance sample (pydicom test files)', () => {
  it('has the 68 files the expectations list, and the reference covers each', () => {
    expect(files).toHaveLength(68);
    expect(files).toEqual(Object.keys(EXPECTED).sort());
    expect(Object.keys(reference.files).sort()).toEqual(files);
  });

  it.each(files)('%s: loads as pydicom reads it, or is refused with a typed error naming it', (f) => {
    const want = EXPECTED[f]!;
    const ref = reference.files[f]!;
    const got = outcomes.get(f)!;
    if (want instanceof RegExp) {
      expect('error' in got, `${f} loaded, expected a refusal matching ${want}`).toBe(true);
      const e = (got as { error: unknown }).error;
      expect(e).toBeInstanceOf(VoxbookError);
      expect(e).toBeInstanceOf(FormatError);
      expect((e as FormatError).path).toBe(join(dir, f));
      expect((e as Error).message).toContain(f);
      expect((e as Error).message).toMatch(want);
      return;
    }
    if ('error' in got) throw got.error;
    const v = got.volume;
    // Geometry is always valid (makeVolume checked it; re-checked here).
    for (const s of v.spacingMm) expect(Number.isFinite(s) && s > 0).toBe(true);
    for (const o of v.originMm) expect(Number.isFinite(o)).toBe(true);
    expect(orthonormalityError(v.direction)).toBeLessThan(1e-3);
    // Dims are pydicom's shape: (rows, columns) or (frames, rows, columns) → [columns, rows, frames].
    const frames = ref.frames ?? 1;
    expect(v.dims).toEqual([ref.columns, ref.rows, frames]);
    expect(v.data.length).toBe(ref.rows! * ref.columns! * frames);
    // Where pydicom cannot decode a file but GDCM can, there is nothing independent to
    // compare the voxels with: valid geometry and the voxel count above are all we require.
    if (ref.error !== undefined) return;
    const shape = frames > 1 ? [frames, ref.rows, ref.columns] : [ref.rows, ref.columns];
    expect(ref.shape).toEqual(shape);
    const s = stats(v);
    expect(close(s.min, ref.min!), `min ${s.min} vs pydicom ${ref.min}`).toBe(true);
    expect(close(s.max, ref.max!), `max ${s.max} vs pydicom ${ref.max}`).toBe(true);
    expect(close(s.mean, ref.mean!), `mean ${s.mean} vs pydicom ${ref.mean}`).toBe(true);
  });

  it('loads 23 files with pydicom\'s figures and refuses the other 45, each for a stated reason', () => {
    const loaded = files.filter((f) => 'volume' in outcomes.get(f)!);
    expect(loaded).toEqual(files.filter((f) => EXPECTED[f] === 'load'));
    expect(loaded).toHaveLength(23);
    // Today every file pydicom cannot decode is refused here too, so no load goes unchecked
    // (badVR.dcm, which GDCM decodes, is refused for its NumberOfFrames "1A").
    expect(loaded.filter((f) => reference.files[f]!.error !== undefined)).toEqual([]);
  });

  it('the reference holds real numbers: CT_small.dcm is −896..1167 HU, mean −119.07; rtdose.dcm 15 frames of 10×10', () => {
    expect(reference.files['CT_small.dcm']).toMatchObject({ rows: 128, columns: 128, min: -896, max: 1167, handler: 'numpy_handler' });
    expect(reference.files['CT_small.dcm']!.mean).toBeCloseTo(-119.0738525390625, 10);
    expect(reference.files['rtdose.dcm']).toMatchObject({ frames: 15, shape: [15, 10, 10], min: 795000, max: 1254000 });
    expect(reference.files['liver_1frame.dcm']).toMatchObject({ min: 0, max: 1 });
  });
});
