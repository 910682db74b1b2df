/**
 * DICOM from bytes in Chromium (the browser path of `loadDicomFiles`: @itk-wasm/dicom's
 * pipeline served by this app's dev server, run inside a module Web Worker without a worker
 * of its own) against the Node path (`loadDicomSeries`, by file path): the same volume —
 * dims, spacing, origin, direction, voxel type and a SHA-256 of the voxels — for the real
 * 108-file CT series and for pydicom's CT_small.dcm; DICOMDIR and non-DICOM files in a
 * picked folder are skipped with a note; a damaged file among the picked ones is refused,
 * naming it. (itk-wasm's in-thread loader fetches with axios and imports the pipeline's
 * module by URL, which Node cannot do from files: hence Chromium.)
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDicomSeries } from '../../cells/io/dicom.ts';
import { REPO_ROOT, type AppHarness, openApp } from './harness.ts';

const SERIES = join(REPO_ROOT, 'data', 'ct-head-0051-dicom');
const CT_SMALL = join(REPO_ROOT, 'data', 'dicom-conformance', 'CT_small.dcm');

/** A file to pick: its path in the folder, and where its bytes come from. */
interface PickSpec { path: string; url?: string; text?: string; cut?: number }

interface Loaded {
  ms?: number;
  dims?: number[];
  spacingMm?: number[];
  originMm?: number[];
  direction?: number[];
  type?: string;
  voxels?: string;
  sha256?: string;
  description?: string;
  error?: { name: string; message: string };
}

/** The Node path's volume in the same terms as the worker's answer. */
async function nodeLoad(path: string): Promise<Loaded> {
  const v = await loadDicomSeries(path);
  const d = v.data;
  return {
    dims: [...v.dims],
    spacingMm: [...v.spacingMm],
    originMm: [...v.originMm],
    direction: [...v.direction],
    type: d.constructor.name,
    voxels: createHash('sha256').update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)).digest('hex'),
    sha256: v.source?.sha256,
  };
}

function same(browser: Loaded, node: Loaded): void {
  expect(browser.error).toBeUndefined();
  for (const key of ['dims', 'spacingMm', 'originMm', 'direction', 'type', 'voxels', 'sha256'] as const) expect(browser[key], key).toEqual(node[key]);
}

describe('DICOM picked in the browser: decoded from bytes in the kernel-like worker', () => {
  let app: AppHarness;
  let series: PickSpec[];

  /**
   * Sends files to a fresh module worker running test/e2e/fixtures/dicom-bytes-worker.ts: each
   * fetched by the page from the sample cache (`/data/…`, cut to `cut` bytes if given) or given as text.
   */
  function loadInWorker(files: PickSpec[], folder?: string): Promise<Loaded> {
    return app.page.evaluate(async ({ files, folder }) => {
      const picked = await Promise.all(files.map(async (f) => {
        const bytes = f.text !== undefined ? new TextEncoder().encode(f.text) : new Uint8Array(await (await fetch(f.url!)).arrayBuffer());
        return { path: f.path, bytes: f.cut !== undefined ? bytes.slice(0, f.cut) : bytes };
      }));
      const worker = new Worker('/test/e2e/fixtures/dicom-bytes-worker.ts', { type: 'module' });
      try {
        return await new Promise<Loaded>((resolve, reject) => {
          worker.onmessage = (e: MessageEvent<Loaded>) => resolve(e.data);
          worker.onerror = (e) => reject(new Error(e.message));
          worker.postMessage({ files: picked, ...(folder !== undefined ? { folder } : {}) });
        });
      } finally {
        worker.terminate();
      }
    }, { files, folder });
  }

  beforeAll(async () => {
    expect(existsSync(SERIES), 'data/ct-head-0051-dicom is missing: run `npm run fetch-data` first').toBe(true);
    const names = (await readdir(SERIES)).sort();
    series = names.map((n) => ({ path: `ct-head-0051-dicom/${n}`, url: `/data/ct-head-0051-dicom/${n}` }));
    app = await openApp();
  }, 180_000);

  afterAll(async () => {
    await app?.close();
  });

  it('the 108-file CT series (with a DICOMDIR and a text file among them): the same volume as the Node load', async () => {
    expect(series.length).toBe(108);
    const extra = [
      { path: 'ct-head-0051-dicom/README.txt', text: 'not a scan\n' },
      // A DICOMDIR carries the DICM marker but is a directory record: skipped by name.
      { path: 'ct-head-0051-dicom/DICOMDIR', url: series[0]!.url },
    ];
    const browser = await loadInWorker([...extra, ...series], 'ct-head-0051-dicom');
    const node = await nodeLoad(SERIES);
    same(browser, node);
    expect(browser.dims).toEqual([256, 256, 108]);
    expect(browser.description).toMatch(/DICOM series "ct-head-0051-dicom", 108 files, 256×256×108 int16 \(DICOMDIR and 1 non-DICOM file skipped\)/);
    console.log(`[e2e] 108-file DICOM series decoded from bytes in a Chromium worker: ${browser.ms!.toFixed(0)} ms (first load, pipeline fetched)`);
    const again = await loadInWorker(series, 'ct-head-0051-dicom');
    console.log(`[e2e] again in a fresh worker: ${again.ms!.toFixed(0)} ms`);
  }, 180_000);

  it('one file, CT_small.dcm: the same volume as the Node load', async () => {
    const browser = await loadInWorker([{ path: 'CT_small.dcm', url: '/data/dicom-conformance/CT_small.dcm' }]);
    const node = await nodeLoad(CT_SMALL);
    same(browser, node);
    expect(browser.dims).toEqual([128, 128, 1]);
  }, 120_000);

  it('a damaged file in the picked folder is refused, naming it', async () => {
    const damaged = series.map((f) => (f.path.endsWith('IMG0050.dcm') ? { ...f, cut: 60_000 } : f));
    const browser = await loadInWorker(damaged, 'ct-head-0051-dicom');
    expect(browser.error?.name).toBe('FormatError');
    expect(browser.error?.message).toMatch(/^ct-head-0051-dicom\/IMG0050\.dcm: /);
  }, 120_000);

  it('two series in the picked folder are refused, listing both', async () => {
    const browser = await loadInWorker([...series, { path: 'ct-head-0051-dicom/CT_small.dcm', url: '/data/dicom-conformance/CT_small.dcm' }], 'ct-head-0051-dicom');
    expect(browser.error?.name).toBe('FormatError');
    expect(browser.error?.message).toMatch(/the 109 DICOM files belong to 2 series:\n {2}- .*CT, 108 files[\s\S]*CT, 1 file/);
  }, 120_000);

  it('logs no browser errors and fetches nothing from another host', () => {
    expect(app.errors).toEqual([]);
    expect(app.outsideRequests).toEqual([]);
  });
});
