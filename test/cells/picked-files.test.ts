/**
 * Files picked in the browser (a `file` input gives the cell `File`s) go through the same
 * readers and checks as paths: the same volume as loading the path, named by the file; a
 * picked DICOM file or folder goes through the DICOM header checks before its bytes reach the
 * decoder (whose in-browser run is tested in Chromium: test/e2e/dicom-bytes.test.ts).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../cells/core/errors.ts';
import { loadVolume } from '../../cells/io/load.ts';
import { file } from '../../cells/viz/inputs.ts';
import { cached } from '../helpers.ts';

const NIFTI = cached('mri-colin27/ch2.nii.gz');
const DICOM = cached('ct-head-0051-dicom/IMG0000.dcm');

describe('picked files', () => {
  it('a picked .nii.gz loads as its path does, named by the file', async () => {
    const bytes = readFileSync(NIFTI);
    const picked = await loadVolume(new File([bytes], 'ch2.nii.gz', { lastModified: 0 }));
    const byPath = await loadVolume(NIFTI);
    expect(picked.dims).toEqual(byPath.dims);
    expect(picked.spacingMm).toEqual(byPath.spacingMm);
    expect(picked.originMm).toEqual(byPath.originMm);
    expect(Buffer.from(picked.data.buffer, picked.data.byteOffset, picked.data.byteLength).equals(Buffer.from(byPath.data.buffer, byPath.data.byteOffset, byPath.data.byteLength))).toBe(true);
    expect(picked.source?.input).toBe('ch2.nii.gz');
    expect(picked.source?.sha256).toBe(byPath.source?.sha256);
  });

  it('a picked file with one flipped byte in its gzip stream is refused, as the path would be', async () => {
    const bytes = new Uint8Array(readFileSync(NIFTI));
    bytes[bytes.length - 100] ^= 0x10;
    await expect(loadVolume(new File([bytes], 'ch2.nii.gz'))).rejects.toThrow(FormatError);
  });

  it('picked DICOM is checked like a path before decoding; outside the app its pipelines are not located; unknown types are refused', async () => {
    const dcm = new File([readFileSync(DICOM)], 'IMG0000.dcm');
    // Here (Node) nobody called setDicomPipelinesUrl: the decode step says so.
    await expect(loadVolume(dcm)).rejects.toThrow(/pipelines are not located: call setDicomPipelinesUrl/);
    // The same slice twice: refused by the header geometry, before any decoding.
    await expect(loadVolume([dcm, dcm])).rejects.toThrow(FormatError);
    // A truncated file in a picked folder: refused by the header walk, naming it.
    const cut = new File([readFileSync(DICOM).subarray(0, 5000)], 'IMG0000.dcm');
    Object.defineProperty(cut, 'webkitRelativePath', { value: 'series/IMG0000.dcm' });
    await expect(loadVolume([cut])).rejects.toThrow(/^series\/IMG0000\.dcm: /);
    await expect(loadVolume(new File([new Uint8Array(8)], 'notes.txt'))).rejects.toThrow(/unknown file type "notes.txt"; supported in the browser: .nii, .nii.gz, .inv3, .dcm, or a folder of DICOM files/);
  });

  it('a file input outside a kernel is its default; an empty default is refused', () => {
    expect(file('scan', { value: 'ct-head-0051' })).toBe('ct-head-0051');
    expect(() => file('scan', { value: '' })).toThrow(/input scan: expected a path/);
  });
});
