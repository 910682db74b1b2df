/**
 * The loaders' StageOptions on the real samples (data cache, see test/helpers.ts): progress runs
 * 0 → 1 once, never backwards, with steps in between; a signal fired before the call or part-way
 * (from inside onProgress, i.e. between files or gzip input windows) ends the load with
 * AbortError and no volume.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AbortError } from '../../cells/core/errors.ts';
import type { StageOptions } from '../../cells/core/stage.ts';
import type { Volume } from '../../cells/core/volume.ts';
import { loadDicomSeries } from '../../cells/io/dicom.ts';
import { gunzipChecked } from '../../cells/io/gzip.ts';
import { loadInv3, parseInv3 } from '../../cells/io/inv3.ts';
import { loadVolume } from '../../cells/io/load.ts';
import { loadNifti, parseNifti } from '../../cells/io/nifti.ts';
import { loadInput } from '../../datasets/index.ts';
import { cached } from '../helpers.ts';

type Loader = (options: StageOptions) => Promise<Volume>;

const LOADERS: [string, Loader, number][] = [
  // [what, load, at least this many distinct progress values]
  ['loadDicomSeries(folder of 108 slices)', (o) => loadDicomSeries(cached('ct-head-0051-dicom'), o), 10],
  ['loadInv3(Cranium.inv3)', (o) => loadInv3(cached('Cranium.inv3'), o), 5],
  ['loadNifti(ch2.nii.gz)', (o) => loadNifti(cached('mri-colin27/ch2.nii.gz'), o), 5],
  ['loadNifti(aal.nii.gz)', (o) => loadNifti(cached('mri-colin27/aal.nii.gz'), o), 4],
  ['loadVolume(a .nii.gz picked in the browser)', (o) => loadVolume(new File([readFileSync(cached('mri-colin27/ch2bet.nii.gz'))], 'ch2bet.nii.gz'), o), 5],
  ['loadInput(ct-head-0051)', (o) => loadInput('ct-head-0051', o), 10],
];

/** 0 first, 1 last and only there, never decreasing, every value in 0..1. */
function expectOnceMonotone(seen: readonly number[], distinct: number): void {
  expect(seen[0]).toBe(0);
  expect(seen.at(-1)).toBe(1);
  expect(seen.filter((f) => f === 1)).toHaveLength(1);
  for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
  expect(seen.every((f) => f >= 0 && f <= 1)).toBe(true);
  expect(new Set(seen).size).toBeGreaterThanOrEqual(distinct);
}

describe('loaders take StageOptions: progress 0 → 1 once, abort with AbortError', () => {
  for (const [what, load, distinct] of LOADERS) {
    it(`${what}: progress monotone 0 → 1, ending at 1`, async () => {
      const seen: number[] = [];
      const v = await load({ onProgress: (f) => seen.push(f) });
      expect(v.data.length).toBe(v.dims[0] * v.dims[1] * v.dims[2]);
      expectOnceMonotone(seen, distinct);
    });

    it(`${what}: AbortError when aborted before the call, and part-way`, async () => {
      const before = new AbortController();
      before.abort();
      await expect(load({ signal: before.signal })).rejects.toBeInstanceOf(AbortError);

      // Abort at the first report past 0 (a file batch read, a gzip window inflated): the next
      // check throws, so 1 is never reported.
      const part = new AbortController();
      const seen: number[] = [];
      const error = await load({ signal: part.signal, onProgress: (f) => { seen.push(f); if (f > 0) part.abort(); } }).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(AbortError);
      expect((error as Error).message).toMatch(/^load\w+ was interrupted$/);
      expect(seen.filter((f) => f > 0)).toHaveLength(1);
      expect(seen.at(-1)!).toBeLessThan(0.5);
    });
  }

  it('without options a loader gives the same volume as with them (existing callers)', async () => {
    const plain = await loadNifti(cached('mri-colin27/aal.nii.gz'));
    const watched = await loadNifti(cached('mri-colin27/aal.nii.gz'), { signal: new AbortController().signal, onProgress: () => {} });
    expect(plain.dims).toEqual([181, 217, 181]);
    expect(watched.dims).toEqual(plain.dims);
    expect(watched.source!.sha256).toBe(plain.source!.sha256);
    expect(Buffer.from(watched.data.buffer).equals(Buffer.from(plain.data.buffer))).toBe(true);
  });

  it('parseNifti, parseInv3 and gunzipChecked report by compressed bytes and stop between input windows', () => {
    const ch2 = new Uint8Array(readFileSync(cached('mri-colin27/ch2.nii.gz')));
    const inv3 = new Uint8Array(readFileSync(cached('Cranium.inv3')));
    for (const [name, run] of [
      ['parseNifti', (o: StageOptions) => parseNifti(ch2, 'ch2.nii.gz', o)],
      ['parseInv3', (o: StageOptions) => parseInv3(inv3, 'Cranium.inv3', o)],
      ['gunzip', (o: StageOptions) => gunzipChecked(ch2, 'ch2.nii.gz', o)],
    ] as const) {
      const seen: number[] = [];
      run({ onProgress: (f) => seen.push(f) });
      expectOnceMonotone(seen, 4);
      const ac = new AbortController();
      expect(() => run({ signal: ac.signal, onProgress: (f) => { if (f > 0.3) ac.abort(); } })).toThrow(new AbortError(name).message);
    }
  });
});
