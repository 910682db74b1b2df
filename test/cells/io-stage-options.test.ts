/**
 * The loaders' StageOptions on the real samples (data cache, see test/helpers.ts): progress runs
 * 0 → 1 once, never backwards, with steps in between; a signal fired before the call or part-way
 * (from inside onProgress, i.e. between files or gzip input windows) ends the load with
 * AbortError and no volume.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AbortError } from '../../cells/core/errors.ts';
import type { Mesh } from '../../cells/core/mesh.ts';
import type { StageOptions } from '../../cells/core/stage.ts';
import type { Volume } from '../../cells/core/volume.ts';
import { loadDicomSeries } from '../../cells/io/dicom.ts';
import { gunzipChecked } from '../../cells/io/gzip.ts';
import { loadInv3, parseInv3 } from '../../cells/io/inv3.ts';
import { loadVolume } from '../../cells/io/load.ts';
import { encodeObj } from '../../cells/io/obj.ts';
import { encodePly } from '../../cells/io/ply.ts';
import { encodeStl } from '../../cells/io/stl.ts';
import { encode3mf } from '../../cells/io/threemf.ts';
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

describe('DICOM files picked in the browser: progress and abort while the files are read', () => {
  it('a picked folder of 108 slices: progress rises from 0 while reading, abort part-way gives AbortError', async () => {
    const dir = cached('ct-head-0051-dicom');
    const files = readdirSync(dir).sort().map((n) => new File([readFileSync(join(dir, n))], n, {}));
    for (const f of files) Object.defineProperty(f, 'webkitRelativePath', { value: `ct/${f.name}` });
    const ac = new AbortController();
    const seen: number[] = [];
    const error = await loadVolume(files, { signal: ac.signal, onProgress: (f) => { seen.push(f); if (f >= 0.3) ac.abort(); } }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as Error).message).toBe('loadDicomFiles was interrupted');
    expect(seen[0]).toBe(0);
    expect(seen.length).toBeGreaterThan(100); // one report per file read
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
    expect(seen.at(-1)).toBeLessThan(0.5);
  });
});

/** A u × v torus grid: 2·u·v triangles, enough for several 64k-triangle chunks. */
function torus(u: number, v: number): Mesh {
  const positions = new Float32Array(3 * u * v);
  for (let i = 0; i < u; i++)
    for (let j = 0; j < v; j++) {
      const a = (2 * Math.PI * i) / u, b = (2 * Math.PI * j) / v, p = 3 * (i * v + j);
      positions.set([(30 + 10 * Math.cos(b)) * Math.cos(a), (30 + 10 * Math.cos(b)) * Math.sin(a), 10 * Math.sin(b)], p);
    }
  const indices = new Uint32Array(6 * u * v);
  for (let i = 0, o = 0; i < u; i++)
    for (let j = 0; j < v; j++, o += 6) {
      const p = i * v + j, q = ((i + 1) % u) * v + j, s = i * v + ((j + 1) % v), t = ((i + 1) % u) * v + ((j + 1) % v);
      indices.set([p, q, t, p, t, s], o);
    }
  return { positions, indices };
}

describe('mesh writers take StageOptions: progress by triangles (and vertices), abort between chunks', () => {
  const ring = torus(400, 175); // 140,000 triangles, 70,000 vertices: 3 chunks of 64k even for binary STL
  const WRITERS: [string, string, (o: StageOptions) => unknown][] = [
    ['STL binary', 'encodeStl', (o) => encodeStl(ring, o)],
    ['STL ASCII', 'encodeStl', (o) => encodeStl(ring, { ...o, format: 'ascii' })],
    ['OBJ', 'encodeObj', (o) => encodeObj(ring, o)],
    ['PLY binary', 'encodePly', (o) => encodePly(ring, o)],
    ['PLY ASCII', 'encodePly', (o) => encodePly(ring, { ...o, format: 'ascii' })],
    ['3MF', 'encode3mf', (o) => encode3mf([{ name: 'ring', mesh: ring }], o)],
  ];
  for (const [what, stage, write] of WRITERS) {
    it(`${what}: progress 0 → 1 once in ≥ 4 steps; abort from the first report past 0 stops at the next chunk`, () => {
      const seen: number[] = [];
      write({ onProgress: (f) => seen.push(f) });
      expectOnceMonotone(seen, 4);
      const ac = new AbortController();
      const after: number[] = [];
      expect(() => write({ signal: ac.signal, onProgress: (f) => { after.push(f); if (f > 0) ac.abort(); } })).toThrow(`${stage} was interrupted`);
      expect(after.filter((f) => f > 0)).toHaveLength(1);
      expect(after.at(-1)!).toBeLessThan(1);
    });
  }
});
