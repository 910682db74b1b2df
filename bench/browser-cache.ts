/**
 * `npm run bench:browser-cache`: the browser's persistent cache on ct-to-print and the real
 * head CT, in headless Chromium (the e2e harness). Run all once (cold: every cell runs and is
 * written to IndexedDB), then reload the page REPEATS times and time, from the reload to:
 * the kernel's `restore-done` (every output back, nothing run) and the mesh view's canvas on
 * screen. Lists the IndexedDB entries (kernel/browser/idb-store.ts meta: estimated bytes) by
 * cell. Writes bench/results/browser-cache.md.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { startApp, waitForApp } from '../test/e2e/harness.ts';
import { idbEntries, kernelMessages, recordKernelMessages, waitRestored } from '../test/e2e/kernel-messages.ts';
import { median } from './isosurface.ts';

const REPEATS = Number(process.env['VOXBOOK_BENCH_REPEATS'] ?? 5);
const ROOT = resolve(import.meta.dirname, '..');

const mb = (n: number) => (n / 2 ** 20).toFixed(2);

async function main() {
  const app = await startApp();
  try {
    await recordKernelMessages(app.context);
    const { page } = app;
    await page.goto(app.url);
    await waitForApp(page);
    await waitRestored(page);

    let t0 = Date.now();
    await page.getByRole('button', { name: 'Run all' }).click();
    await page.waitForFunction(() => window.__voxbook!.state()?.phase !== 'running', undefined, { timeout: 300_000 });
    const coldMs = Date.now() - t0;
    const code = (await page.evaluate(() => window.__voxbook!.state()!)).cells.filter((c) => c.kind === 'code').map((c) => c.id);
    console.log(`Run all (cold, nothing cached): ${coldMs} ms`);

    const restoreMs: number[] = [], meshMs: number[] = [], kernelMs: number[] = [], appMs: number[] = [], openedMs: number[] = [], firstCellMs: number[] = [], doneSeenMs: number[] = [];
    let ranAny = false;
    for (let i = 0; i < REPEATS; i++) {
      t0 = Date.now();
      await page.reload();
      await waitForApp(page);
      appMs.push(Date.now() - t0);
      await waitRestored(page);
      restoreMs.push(Date.now() - t0);
      await page.locator('vb-mesh-view canvas').waitFor({ state: 'visible', timeout: 60_000 });
      meshMs.push(Date.now() - t0);
      const seen = await kernelMessages(page);
      const done = seen.find((m) => m.type === 'restore-done')!;
      kernelMs.push(done.ms ?? NaN);
      // The page's clock starts at navigation: when the kernel worker first spoke (its analysis, after `open`).
      openedMs.push(seen.find((m) => m.type === 'analysis')?.t ?? NaN);
      const cellTimes = seen.filter((m) => m.type === 'cell').map((m) => m.t);
      firstCellMs.push(cellTimes[0] ?? NaN);
      doneSeenMs.push(done.t);
      if (done.restored !== code.length || seen.some((m) => m.type === 'cell' && m.status !== 'done')) ranAny = true;
      console.log(`reload ${i + 1}: app script ready ${appMs.at(-1)} ms, kernel opened the notebook ${openedMs.at(-1)?.toFixed(0)} ms (page clock), first restored cell seen ${firstCellMs.at(-1)?.toFixed(0)} ms, restore-done seen ${doneSeenMs.at(-1)?.toFixed(0)} ms (page clock), outputs back (restore-done) ${restoreMs.at(-1)} ms, mesh on screen ${meshMs.at(-1)} ms; kernel restore ${done.ms?.toFixed(0)} ms, ${done.restored}/${done.cells} cells`);
    }

    // The last reload touched the cells' entries in graph order (the analyses before them).
    const seen = await kernelMessages(page);
    const restoredIds = seen.filter((m) => m.type === 'cell').map((m) => m.id!);
    const entries = (await idbEntries(page)).sort((a, b) => a.usedAt - b.usedAt);
    const cellEntries = entries.filter((e) => !e.key.startsWith('syntax-')).slice(-restoredIds.length);
    const analyses = entries.filter((e) => e.key.startsWith('syntax-'));
    const usage = await page.evaluate(() => navigator.storage.estimate());
    const total = entries.reduce((n, e) => n + e.bytes, 0);

    const lines = [
      '# Browser cache: reload to outputs (ct-to-print, real head CT, headless Chromium)',
      '',
      `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}, Debian Chromium; \`npm run bench:browser-cache\`. Other jobs may have shared the machine.`,
      '',
      '| | ms |',
      '| --- | ---: |',
      `| Run all, cold (every cell runs, results written to IndexedDB) | ${coldMs} |`,
      `| reload → every output back (kernel \`restore-done\`), median of ${REPEATS} | ${median(restoreMs).toFixed(0)} |`,
      `| reload → mesh view on screen, median of ${REPEATS} | ${median(meshMs).toFixed(0)} |`,
      `| of which: reload → the app's script ready (dev server, unbundled modules), median | ${median(appMs).toFixed(0)} |`,
      `| of which: navigation → the kernel worker has opened the notebook (page clock), median | ${median(openedMs).toFixed(0)} |`,
      `| of which: the kernel's restore (IndexedDB reads + HEAD checks of /data), median | ${median(kernelMs).toFixed(0)} |`,
      `| navigation → the page receives the first restored cell (page clock), median | ${median(firstCellMs).toFixed(0)} |`,
      `| navigation → the page receives \`restore-done\` (page clock; the gap after the first cell is the page rendering outputs), median | ${median(doneSeenMs).toFixed(0)} |`,
      '',
      `Reloads: ${restoreMs.join(', ')} ms to outputs; ${meshMs.join(', ')} ms to the mesh. ${ranAny ? '**Some reload ran or missed a cell.**' : `Every reload restored all ${code.length} code cells and ran none.`}`,
      '',
      '## IndexedDB entries (`voxbook-cache`, estimated bytes: typed arrays + 2 per string character)',
      '',
      '| cell | MB |',
      '| --- | ---: |',
      ...cellEntries.map((e, i) => `| ${restoredIds[i] ?? e.key} | ${mb(e.bytes)} |`),
      `| ${analyses.length} cell analyses (\`syntax-*\`) | ${mb(analyses.reduce((n, e) => n + e.bytes, 0))} |`,
      `| **all ${entries.length} entries** | **${mb(total)}** |`,
      '',
      `The origin's storage use as the browser reports it (\`navigator.storage.estimate()\`): ${mb(usage.usage ?? 0)} MB.`,
      '',
    ];
    const out = join(ROOT, 'bench', 'results', 'browser-cache.md');
    writeFileSync(out, lines.join('\n'));
    console.log(lines.join('\n'));
    console.log(`wrote ${out}`);
  } finally {
    await app.close();
  }
}

await main();
