/**
 * `npm run bench:dicom-browser`: loading the real 108-file head CT series (data/ct-head-0051-dicom)
 * from bytes in headless Chromium — `loadDicomFiles` in a module Web Worker, as the kernel worker
 * does for a picked folder (header walk and checks, @itk-wasm/dicom's GDCM pipeline from the dev
 * server, geometry cross-checks) — against `loadDicomSeries` by path in Node. The first load in a
 * fresh worker includes fetching and compiling the pipeline (29 MB of zstd wasm); then REPEATS
 * loads in the same worker. Writes bench/results/dicom-browser.md.
 */
import { writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { loadDicomSeries } from '../cells/io/dicom.ts';
import { startApp, waitForApp } from '../test/e2e/harness.ts';
import { median } from './isosurface.ts';

const REPEATS = Number(process.env['VOXBOOK_BENCH_REPEATS'] ?? 5);
const ROOT = resolve(import.meta.dirname, '..');
const SERIES = join(ROOT, 'data', 'ct-head-0051-dicom');

async function main() {
  const names = (await readdir(SERIES)).sort();
  const nodeMs: number[] = [];
  for (let i = 0; i < REPEATS + 1; i++) {
    const t0 = performance.now();
    await loadDicomSeries(SERIES);
    nodeMs.push(performance.now() - t0);
  }
  const app = await startApp();
  try {
    const { page } = app;
    await page.goto(app.url);
    await waitForApp(page);
    const ms = await page.evaluate(async ({ names, repeats }) => {
      const files = await Promise.all(names.map(async (n) => ({ path: `ct-head-0051-dicom/${n}`, bytes: new Uint8Array(await (await fetch(`/data/ct-head-0051-dicom/${n}`)).arrayBuffer()) })));
      const worker = new Worker('/test/e2e/fixtures/dicom-bytes-worker.ts', { type: 'module' });
      const times: number[] = [];
      for (let i = 0; i < repeats + 1; i++) {
        const answer = await new Promise<{ ms?: number; error?: { message: string } }>((res) => {
          worker.onmessage = (e) => res(e.data);
          worker.postMessage({ files, folder: 'ct-head-0051-dicom' });
        });
        if (answer.error) throw new Error(answer.error.message);
        times.push(answer.ms!);
      }
      worker.terminate();
      return times;
    }, { names, repeats: REPEATS });
    const lines = [
      '# DICOM series from bytes in the browser (108-file head CT, headless Chromium)',
      '',
      `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}, Debian Chromium; \`npm run bench:dicom-browser\`. Other jobs may have shared the machine.`,
      '',
      '| load of data/ct-head-0051-dicom (108 files, 256×256×108 int16) | ms |',
      '| --- | ---: |',
      `| Chromium worker, \`loadDicomFiles\` from bytes, first load (pipeline fetched from the dev server and compiled) | ${ms[0]!.toFixed(0)} |`,
      `| Chromium worker, \`loadDicomFiles\` from bytes, median of ${REPEATS} more in the same worker | ${median(ms.slice(1)).toFixed(0)} |`,
      `| Node, \`loadDicomSeries\` by path, first load | ${nodeMs[0]!.toFixed(0)} |`,
      `| Node, \`loadDicomSeries\` by path, median of ${REPEATS} more | ${median(nodeMs.slice(1)).toFixed(0)} |`,
      '',
      'In the app, picking the folder in ct-to-print (test/e2e/inputs.test.ts) also reads the 108 picked Files and posts them to the kernel worker; that test logs the load cell\'s time and the time from the pick to the preview mesh.',
      '',
    ];
    writeFileSync(join(ROOT, 'bench', 'results', 'dicom-browser.md'), lines.join('\n'));
    console.log(lines.join('\n'));
  } finally {
    await app.close();
  }
}

await main();
