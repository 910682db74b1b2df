/**
 * Readers fail with typed errors that name the file and say what is wrong.
 * Uses dicom-conformance and mri-colin27 from the data cache (see io-real.test.ts).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { gunzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { FormatError, GeometryError, InputNotFoundError } from '../../cells/core/errors.ts';
import { IDENTITY3, makeVolume, valueRange, type Volume } from '../../cells/core/volume.ts';
import { readBytes, sha256Hex } from '../../cells/io/bytes.ts';
import { checkDicomStructure, loadDicomSeries } from '../../cells/io/dicom.ts';
import { parseInv3 } from '../../cells/io/inv3.ts';
import { loadVolume } from '../../cells/io/load.ts';
import { loadNifti, parseNifti } from '../../cells/io/nifti.ts';
import { dice, iou } from '../../cells/metrics/overlap.ts';
import { cached, formatErrorOf, noiseBytes, thrown } from '../helpers.ts';


let tmp = '';
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'voxbook-io-errors-'));
});

describe('DICOM errors', () => {
  it('MR_truncated.dcm → FormatError naming the file and saying it is truncated', async () => {
    const p = cached('dicom-conformance/MR_truncated.dcm');
    const e = await thrown(loadVolume(p));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toContain('MR_truncated.dcm');
    expect(e.message).toMatch(/truncated/);
    expect((e as FormatError).path).toBe(p);
  });

  it('a series with one truncated file names that file', async () => {
    const files = ['MR_small.dcm', 'MR_truncated.dcm'].map((f) => cached(`dicom-conformance/${f}`));
    const e = await thrown(loadDicomSeries(files));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toContain('MR_truncated.dcm');
  });

  it('a folder without DICOM files → FormatError saying so', async () => {
    const dir = join(tmp, 'no-dicom');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'notes.txt'), 'not an image');
    const e = await thrown(loadVolume(dir));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toContain(dir);
    expect(e.message).toMatch(/no DICOM image files in this folder/);
  });

  it('a DICOM object that is not an image (RT plan) → FormatError naming it', async () => {
    const e = await thrown(loadVolume(cached('dicom-conformance/rtplan.dcm')));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toContain('rtplan.dcm');
  });

  it('an RGB image → FormatError: one value per voxel', async () => {
    const e = await thrown(loadVolume(cached('dicom-conformance/SC_rgb_rle.dcm')));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toMatch(/3 components/);
  });
});

describe('DICOM folder holding several series', () => {
  // The CT series' own UID and description, read from its first file: the shared copy and the
  // series fetch-data writes from Cranium.inv3 (apt path) differ in both.
  let CT_UID = '';
  let CT_DESCRIPTION = '';
  const CT_SMALL_UID = '1.3.6.1.4.1.5962.1.3.1.1.20040119072730.12322';
  const MR_SMALL_UID = '1.3.6.1.4.1.5962.1.3.4.1.20040826185059.5457';
  let mixed = '';
  let ctFiles: string[] = [];

  beforeAll(() => {
    // The 108 CT slices plus CT_small.dcm and MR_small.dcm, copied (listFiles takes regular files only).
    mixed = join(tmp, 'mixed-series');
    mkdirSync(mixed, { recursive: true });
    const ctDir = cached('ct-head-0051-dicom');
    const names = readdirSync(ctDir).filter((n) => n.endsWith('.dcm'));
    for (const n of names) copyFileSync(join(ctDir, n), join(mixed, n));
    for (const n of ['CT_small.dcm', 'MR_small.dcm']) copyFileSync(cached(`dicom-conformance/${n}`), join(mixed, n));
    ctFiles = names.map((n) => join(mixed, n));
    const facts = checkDicomStructure(new Uint8Array(readFileSync(ctFiles[0]!)), ctFiles[0]!);
    CT_UID = facts.seriesInstanceUid ?? '';
    CT_DESCRIPTION = facts.seriesDescription ?? '';
    expect(CT_UID).toMatch(/^[0-9.]+$/);
    expect(CT_DESCRIPTION).not.toBe('');
  });

  it('→ FormatError naming the folder and listing each series: UID, modality, file count, description', async () => {
    const e = await thrown(loadDicomSeries(mixed));
    expect(e).toBeInstanceOf(FormatError);
    expect((e as FormatError).path).toBe(mixed);
    expect(e.message).toContain('110 DICOM files belong to 3 series');
    expect(e.message).toContain(`${CT_UID}: CT, 108 files, "${CT_DESCRIPTION}"`);
    expect(e.message).toContain(`${CT_SMALL_UID}: CT, 1 file, no description (e.g. CT_small.dcm)`);
    expect(e.message).toContain(`${MR_SMALL_UID}: MR, 1 file, no description (e.g. MR_small.dcm)`);
    expect(e.message).toMatch(/pass the list of that series' files, or a folder that holds only that series/);
    // loadVolume on the folder goes the same way.
    expect(await thrown(loadVolume(mixed))).toBeInstanceOf(FormatError);
  });

  it('→ FormatError for a list of files from two series as well', async () => {
    const e = await thrown(loadDicomSeries([ctFiles[0]!, join(mixed, 'MR_small.dcm')]));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toContain('2 DICOM files belong to 2 series');
  });

  it("reads the CT series when given its files: int16 HU, described and hashed from those files only", async () => {
    const v = await loadDicomSeries(ctFiles);
    expect(v.dims).toEqual([256, 256, 108]);
    expect(v.data).toBeInstanceOf(Int16Array);
    expect(valueRange(v)).toEqual({ min: -1024, max: 2986 });
    expect(v.source?.modality).toBe('CT');
    expect(v.source?.valueUnit).toBe('HU');
    expect(v.source?.description).toBe(`CT ${CT_DESCRIPTION}: DICOM series, 108 files, 256×256×108 int16`);
    const sorted = [...ctFiles].sort();
    expect(v.source?.sha256).toBe(await sha256Hex(sorted.map((f) => new Uint8Array(readFileSync(f)))));
  });
});

describe('NIfTI errors', () => {
  it('random bytes named x.nii.gz → FormatError naming it', async () => {
    const p = join(tmp, 'x.nii.gz');
    writeFileSync(p, noiseBytes(4096, 7));
    const e = await thrown(loadVolume(p));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toContain(p);
    expect(e.message).toMatch(/not a NIfTI file/);
  });

  it('a truncated gzip stream → FormatError', async () => {
    const whole = readFileSync(cached('mri-colin27/ch2.nii.gz'));
    const p = join(tmp, 'cut.nii.gz');
    writeFileSync(p, whole.subarray(0, 100_000));
    const e = await thrown(loadNifti(p));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toContain('cut.nii.gz');
    expect(e.message).toMatch(/truncated/);
  });

  it('an uncompressed file cut inside the image → FormatError with the sizes', async () => {
    const raw = gunzipSync(new Uint8Array(readFileSync(cached('mri-colin27/ch2.nii.gz'))));
    const e = (() => {
      try {
        parseNifti(raw.subarray(0, 200_000), 'cut.nii');
      } catch (err) {
        return err as Error;
      }
      throw new Error('expected an error');
    })();
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toContain('cut.nii');
    expect(e.message).toContain(`${181 * 217 * 181 + 352} bytes`);
  });

  it('random bytes as .nii (not gzip) → FormatError: no NIfTI magic', () => {
    expect(() => parseNifti(noiseBytes(1000, 3), 'y.nii')).toThrow(/y\.nii: not a NIfTI file/);
  });
});

describe('gzip checksums (issue 11: never a silent wrong print)', () => {
  it('ch2.nii.gz with one flipped bit in the compressed voxels → FormatError (fflate alone loads changed voxels)', () => {
    const gz = new Uint8Array(readFileSync(cached('mri-colin27/ch2.nii.gz')));
    const bad = gz.slice();
    bad[2_000_000]! ^= 1;
    // What the reader did before: fflate inflates it without complaint, one voxel changed.
    const before = gunzipSync(bad), good = gunzipSync(gz);
    expect(before.length).toBe(good.length);
    let diff = 0;
    for (let i = 0; i < good.length; i++) if (before[i] !== good[i]) diff++;
    expect(diff).toBe(1);
    const e = (() => { try { parseNifti(bad, 'ch2-flipped.nii.gz'); } catch (err) { return err as Error; } throw new Error('expected an error'); })();
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toMatch(/^ch2-flipped\.nii\.gz: gzip member 1 \(at byte 0\): CRC-32 mismatch/);
  });

  it('Cranium.inv3 with a flipped bit at several places → the identical volume or a typed error, never other voxels', () => {
    const gz = new Uint8Array(readFileSync(cached('Cranium.inv3')));
    const good = parseInv3(gz, 'Cranium.inv3');
    const n = gz.length;
    // MTIME (unchecked, harmless), deflate data early/middle/late, the end of the deflate stream, CRC-32, ISIZE.
    const spots: [number, number][] = [[5, 0], [1_000_000, 3], [9_000_000, 0], [15_000_000, 6], [n - 12, 0], [n - 8, 2], [n - 3, 0]];
    let refused = 0;
    for (const [at, bit] of spots) {
      const bad = gz.slice();
      bad[at]! ^= 1 << bit;
      let v: Volume | undefined;
      try {
        v = parseInv3(bad, 'Cranium-flipped.inv3');
      } catch (e) {
        expect(e, `byte ${at} bit ${bit}`).toBeInstanceOf(FormatError);
        expect((e as Error).message).toMatch(/^Cranium-flipped\.inv3: /);
        refused++;
      }
      if (v) {
        expect(v.dims).toEqual(good.dims);
        expect(v.spacingMm).toEqual(good.spacingMm);
        expect(v.originMm).toEqual(good.originMm);
        expect(Buffer.compare(Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength), Buffer.from(good.data.buffer, good.data.byteOffset, good.data.byteLength)), `byte ${at} bit ${bit}`).toBe(0);
      }
    }
    expect(refused).toBe(spots.length - 1); // all but the MTIME flip
  });
});

describe('.inv3 main.plist geometry', () => {
  /** A POSIX ustar archive of regular files (512-byte headers, octal sizes, checksum). */
  function tar(files: Record<string, Uint8Array>): Uint8Array {
    const parts: Uint8Array[] = [];
    for (const [path, data] of Object.entries(files)) {
      const h = new Uint8Array(512);
      const put = (at: number, text: string) => h.set(new TextEncoder().encode(text), at);
      put(0, path);
      put(100, '0000644\0');
      put(108, '0000000\0');
      put(116, '0000000\0');
      put(124, `${data.length.toString(8).padStart(11, '0')}\0`);
      put(136, '00000000000\0');
      put(148, '        ');
      put(156, '0');
      put(257, 'ustar\0');
      put(263, '00');
      const sum = h.reduce((a, b) => a + b, 0);
      put(148, `${sum.toString(8).padStart(6, '0')}\0 `);
      parts.push(h, data, new Uint8Array((512 - (data.length % 512)) % 512));
    }
    parts.push(new Uint8Array(1024));
    return new Uint8Array(Buffer.concat(parts));
  }
  const arr = (tag: string, xs: readonly number[]) => `<array>${xs.map((x) => `<${tag}>${x}</${tag}>`).join('')}</array>`;
  function project(shape: readonly number[], spacing: readonly number[], gzip = false): Uint8Array {
    const plist = `<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict>
      <key>matrix</key><dict><key>filename</key><string>matrix.dat</string><key>dtype</key><string>int16</string>
      <key>shape</key>${arr(shape.every(Number.isInteger) ? 'integer' : 'real', shape)}</dict>
      <key>spacing</key>${arr('real', spacing)}<key>modality</key><string>CT</string><key>name</key><string>tiny</string></dict></plist>`;
    const n = shape.every((x) => Number.isInteger(x) && x > 0) ? shape.reduce((a, b) => a * b, 1) : 8;
    const voxels = new Int16Array(n).map((_, i) => i - 3);
    const t = tar({ 'tiny/main.plist': new TextEncoder().encode(plist), 'tiny/matrix.dat': new Uint8Array(voxels.buffer) });
    return gzip ? new Uint8Array(gzipSync(t)) : t;
  }

  it('a valid tiny project loads, gzipped or not: dims [nx, ny, nz], spacing as stored, rows reversed', () => {
    for (const gz of [false, true]) {
      const v = parseInv3(project([2, 3, 4], [0.5, 0.75, 1.25], gz), 'tiny.inv3');
      expect(v.dims).toEqual([4, 3, 2]);
      expect([...v.spacingMm]).toEqual([0.5, 0.75, 1.25]);
      expect(Array.from(v.data.subarray(0, 4))).toEqual([5, 6, 7, 8]); // row j = 2 of the file first
    }
  });

  it('spacing 0 or negative → FormatError (numbers() alone accepted any finite value)', () => {
    for (const sp of [[0, 1, 1], [1, -0.5, 1], [1, 1, -2]]) {
      const e = formatErrorOf(() => parseInv3(project([2, 3, 4], sp), 'sp.inv3'));
      expect(e.message).toBe(`sp.inv3: main.plist spacing should be 3 voxel sizes > 0 mm, got [${sp.join(', ')}]; a print needs the real size, so nothing is assumed: fix the project's spacing (re-import the DICOM series in InVesalius)`);
    }
  });

  it('a shape that is not 3 whole numbers ≥ 1 → FormatError', () => {
    for (const sh of [[0, 3, 4], [2, -3, 4], [2, 3, 2.5]]) {
      const e = formatErrorOf(() => parseInv3(project(sh, [1, 1, 1]), 'sh.inv3'));
      expect(e.message).toMatch(/^sh\.inv3: main\.plist matrix\.shape should be 3 whole numbers ≥ 1 \(\[nz, ny, nx\]\)/);
    }
  });
});


describe('other errors', () => {
  it('a missing path → InputNotFoundError naming it', async () => {
    const p = join(tmp, 'does-not-exist.nii.gz');
    const e = await thrown(loadVolume(p));
    expect(e).toBeInstanceOf(InputNotFoundError);
    expect((e as InputNotFoundError).path).toBe(p);
    expect(e.message).toContain(p);
    const e2 = await thrown(readBytes(join(tmp, 'nothing.bin')));
    expect(e2).toBeInstanceOf(InputNotFoundError);
  });

  it('a missing path without a known extension → InputNotFoundError, not FormatError', async () => {
    const p = join(tmp, 'missing-folder');
    const e = await thrown(loadVolume(p));
    expect(e).toBeInstanceOf(InputNotFoundError);
    expect(e.message).toContain(p);
  });

  it('an unknown extension → FormatError listing what is supported', async () => {
    const p = join(tmp, 'scan.xyz');
    writeFileSync(p, 'x');
    const e = await thrown(loadVolume(p));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toContain('scan.xyz');
    for (const s of ['.nii', '.inv3', '.dcm', 'DICOM']) expect(e.message).toContain(s);
  });

  it('random bytes as .inv3 → FormatError naming the file', () => {
    expect(() => parseInv3(noiseBytes(5000, 11), 'broken.inv3')).toThrow(FormatError);
    expect(() => parseInv3(noiseBytes(5000, 11), 'broken.inv3')).toThrow(/broken\.inv3: not a tar archive/);
  });
});

describe('dice / iou', () => {
  const mask = (bits: number[], dims: [number, number, number] = [bits.length, 1, 1], spacing = 1): Volume<Uint8Array> =>
    makeVolume({ data: Uint8Array.from(bits), dims, spacingMm: [spacing, 1, 1], originMm: [0, 0, 0], direction: IDENTITY3 });

  it('gives 2|A∩B|/(|A|+|B|) and |A∩B|/|A∪B|', () => {
    const a = mask([1, 1, 1, 0, 0]);
    const b = mask([0, 1, 1, 0, 0]);
    expect(dice(a, b)).toBeCloseTo(0.8, 12);
    expect(iou(a, b)).toBeCloseTo(2 / 3, 12);
    expect(dice(a, mask([0, 0, 0, 1, 1]))).toBe(0);
  });

  it('throws GeometryError when the grids differ', () => {
    expect(() => dice(mask([1, 0]), mask([1, 0, 0]))).toThrow(GeometryError);
    expect(() => iou(mask([1, 0]), mask([1, 0], [2, 1, 1], 2))).toThrow(/spacingMm/);
  });
});
