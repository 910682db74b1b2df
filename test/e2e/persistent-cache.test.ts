/**
 * The browser's persistent cache (kernel/browser/idb-store.ts), end to end in headless
 * Chromium:
 * - ct-to-print on the real CT: Run all, reload the page → every output is back from
 *   IndexedDB, and the kernel ran no cell (it reports each one `cached`);
 * - Stop during `while (true) {}` ends the run within 1 s; Run all again takes the finished
 *   cells from the cache and runs the looping one again;
 * - a cell that read a file from /data is restored only while that file is unchanged.
 * Kernel messages are recorded by wrapping the page's `Worker` (test/e2e/kernel-messages.ts),
 * so the test sees what the kernel said, not only what the app made of it.
 */
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeVolume } from '../../cells/core/volume.ts';
import { encodeNifti } from '../../cells/io/nifti-write.ts';
import { startApp, waitForApp, type AppHarness, expectSample } from './harness.ts';
import { clearKernelMessages, kernelMessages, recordKernelMessages, waitRestored } from './kernel-messages.ts';
import type { Page } from 'playwright-core';

const messages = kernelMessages;
const clearMessages = clearKernelMessages;
const waitIdle = (page: Page, timeout = 180_000) => page.waitForFunction(() => window.__voxbook!.state()?.phase !== 'running', undefined, { timeout });

describe('browser cache: ct-to-print survives a reload', () => {
  let app: AppHarness;

  beforeAll(async () => {
    expectSample('Cranium.inv3');
    app = await startApp();
    await recordKernelMessages(app.context);
    await app.page.goto(app.url);
    await waitForApp(app.page);
  }, 180_000);

  afterAll(async () => {
    await app?.close();
  });

  it('opening runs nothing; Run all, reload: every output comes back from IndexedDB and no cell runs', async () => {
    const { page } = app;
    // A first visit: the cache is empty, the kernel restores nothing and runs nothing.
    await waitRestored(page);
    expect((await messages(page)).filter((m) => m.type === 'cell')).toEqual([]);
    expect((await messages(page)).find((m) => m.type === 'restore-done')?.restored).toBe(0);

    await page.getByRole('button', { name: 'Run all' }).click();
    await waitIdle(page);
    const ran = await page.evaluate(() => window.__voxbook!.state()!);
    expect(ran.cells.filter((c) => c.kind === 'code' && c.status !== 'done').map((c) => c.id)).toEqual([]);
    const code = ran.cells.filter((c) => c.kind === 'code').map((c) => c.id);
    const outputsBefore = ran.cells.map((c) => [c.id, c.outputs.length]);
    const meshTriangles = await page.locator('.vb-mesh-info').first().getAttribute('data-triangles');

    await page.reload();
    await waitForApp(page);
    await waitRestored(page);
    const seen = await messages(page);
    // The kernel ran nothing: no cell was ever `running`, and no run took place.
    expect(seen.filter((m) => m.type === 'cell' && m.status !== 'done')).toEqual([]);
    expect(seen.some((m) => m.type === 'run-done')).toBe(false);
    expect(seen.filter((m) => m.type === 'cell').map((m) => [m.id, m.cached])).toEqual(code.map((id) => [id, true]));
    expect(seen.find((m) => m.type === 'restore-done')).toMatchObject({ restored: code.length, cells: code.length });
    // The page shows what it showed before the reload.
    const state = await page.evaluate(() => window.__voxbook!.state()!);
    expect(state.phase).toBe('idle');
    expect(state.cells.map((c) => [c.id, c.outputs.length])).toEqual(outputsBefore);
    // (Two 3D views: the preview and the bone; the first, as before the reload.)
    // A 3-D view gets its WebGL context when it is on or near the screen (app/renderers/gl-budget.ts).
    await page.locator('vb-mesh-view').first().scrollIntoViewIfNeeded();
    await page.locator('vb-mesh-view canvas').first().waitFor({ state: 'visible', timeout: 30_000 });
    expect(await page.locator('.vb-mesh-info').first().getAttribute('data-triangles')).toBe(meshTriangles);

    // Run all now is served from the cache too: every cell `cached`, none runs.
    await clearMessages(page);
    await page.getByRole('button', { name: 'Run all' }).click();
    await waitIdle(page, 60_000);
    const again = await messages(page);
    expect(again.filter((m) => m.type === 'cell' && m.status === 'running')).toEqual([]);
    expect((await page.evaluate(() => window.__voxbook!.state()!)).phase).toBe('done');
  }, 420_000);

  it('logs no browser errors', () => {
    expect(app.errors).toEqual([]);
  });
});

describe('browser cache: Stop, then reuse; files checked on reopen', () => {
  let app: AppHarness;
  let dataDir: string;
  const probe = () => join(dataDir, 'probe.nii');
  const writeProbe = (fill: number) => {
    const v = makeVolume({ data: new Int16Array(4 * 4 * 2).fill(fill), dims: [4, 4, 2], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] });
    return writeFile(probe(), encodeNifti(v));
  };

  const LOOP = [
    '// %% id="a"\nconst a = new Float64Array(1000).fill(2);\na.length',
    '// %% id="b"\nconst b = a[0]! * 21;\nb',
    '// %% id="spin"\nconst _t0 = Date.now();\nwhile (true) {}\nconst spin = 1;',
  ].join('\n');

  const PROBE = [
    '// %% id="load"\nimport { loadInput } from \'voxbook\';\nconst vol = await loadInput(\'/data/probe.nii\');\n`first voxel ${vol.data[0]}`',
    '// %% id="twice"\nconst twice = vol.data[0]! * 2;\ntwice',
  ].join('\n');

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'voxbook-cache-e2e-'));
    await writeProbe(7);
    app = await startApp({ dataDir });
    await recordKernelMessages(app.context);
    await app.page.goto(app.url);
    await waitForApp(app.page);
    await waitRestored(app.page);
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** Opens `text` as a notebook (a fresh kernel, which restores from the cache) and waits for its restore. */
  async function open(text: string, path: string) {
    await clearMessages(app.page);
    await app.page.evaluate(([t, p]) => window.__voxbook!.open(t!, p!), [text, path]);
    await waitRestored(app.page);
    return messages(app.page);
  }

  it('Stop ends a `while (true) {}` cell within 1 s; Run all again takes the finished cells from the cache', async () => {
    const { page } = app;
    await open(LOOP, 'notebooks/loop.nb.ts');
    await page.getByRole('button', { name: 'Run all' }).click();
    await page.waitForFunction(() => window.__voxbook!.state()?.cells.find((c) => c.id === 'spin')?.status === 'running', undefined, { timeout: 60_000 });
    const stoppedMs = await page.evaluate(async () => {
      const t0 = performance.now();
      document.querySelector<HTMLButtonElement>('vb-notebook .vb-stop')!.click();
      while (window.__voxbook!.state()!.phase === 'running') await new Promise((r) => setTimeout(r, 5));
      return performance.now() - t0;
    });
    expect(stoppedMs).toBeLessThan(1000);
    const stopped = await page.evaluate(() => window.__voxbook!.state()!);
    expect(stopped.cells.find((c) => c.id === 'spin')?.error?.name).toBe('Interrupted');

    await clearMessages(page);
    await page.getByRole('button', { name: 'Run all' }).click();
    await page.waitForFunction(() => window.__voxbook!.state()?.cells.find((c) => c.id === 'spin')?.status === 'running', undefined, { timeout: 60_000 });
    const seen = await messages(page);
    const done = seen.filter((m) => m.type === 'cell' && m.status === 'done').map((m) => [m.id, m.cached]);
    expect(done).toEqual([['a', true], ['b', true]]);
    expect(seen.filter((m) => m.type === 'cell' && m.status === 'running').map((m) => m.id)).toEqual(['spin']);
    const state = await page.evaluate(() => window.__voxbook!.state()!);
    expect(JSON.stringify(state.cells.find((c) => c.id === 'b')!.outputs)).toContain('42');
    // End the loop for good.
    await page.locator('vb-notebook .vb-stop').click();
    await waitIdle(page, 10_000);
    console.log(`[e2e] Stop during while (true) {}: run ended after ${stoppedMs.toFixed(0)} ms`);
  }, 180_000);

  it('restores a cell that read /data/probe.nii only while the file is unchanged (same bytes after a touch: restored)', async () => {
    const { page } = app;
    await open(PROBE, 'notebooks/probe.nb.ts');
    await page.getByRole('button', { name: 'Run all' }).click();
    await waitIdle(page, 120_000);
    const first = await page.evaluate(() => window.__voxbook!.state()!);
    expect(first.cells.filter((c) => c.kind === 'code').map((c) => [c.id, c.status])).toEqual([['load', 'done'], ['twice', 'done']]);
    expect(JSON.stringify(first.cells.find((c) => c.id === 'twice')!.outputs)).toContain('14');

    // Unchanged: both restored.
    let seen = await open(PROBE, 'notebooks/probe.nb.ts');
    expect(seen.find((m) => m.type === 'restore-done')?.restored).toBe(2);

    // Touched, same bytes (a new ETag, so the store downloads and re-hashes it): restored.
    await utimes(probe(), new Date(2001, 1, 1), new Date(2001, 1, 1));
    seen = await open(PROBE, 'notebooks/probe.nb.ts');
    expect(seen.find((m) => m.type === 'restore-done')?.restored).toBe(2);

    // Same size, other voxels: the loader and what reads it are not restored, and nothing runs.
    await writeProbe(8);
    seen = await open(PROBE, 'notebooks/probe.nb.ts');
    expect(seen.find((m) => m.type === 'restore-done')?.restored).toBe(0);
    expect(seen.filter((m) => m.type === 'cell')).toEqual([]);
    await page.getByRole('button', { name: 'Run all' }).click();
    await waitIdle(page, 120_000);
    const rerun = await page.evaluate(() => window.__voxbook!.state()!);
    expect(JSON.stringify(rerun.cells.find((c) => c.id === 'twice')!.outputs)).toContain('16');
    expect(rerun.cells.find((c) => c.id === 'load')?.cached).toBe(false);
  }, 300_000);

  it('two tabs running the same notebook at once share the cache: a third open restores every cell', async () => {
    const TWO = [
      '// %% id="big"\nconst big = new Float32Array(2_000_000).map((_, i) => i % 97);\nbig.length',
      '// %% id="sum"\nlet sum = 0;\nfor (const v of big) sum += v;\nsum',
      '// %% id="half"\nconst half = sum / 2;\nhalf',
    ].join('\n');
    const { page } = app;
    const other = await app.context.newPage();
    try {
      await other.goto(app.url);
      await waitForApp(other);
      await waitRestored(other);
      for (const p of [page, other]) {
        await clearMessages(p);
        await p.evaluate((t) => window.__voxbook!.open(t, 'notebooks/two.nb.ts'), TWO);
        await waitRestored(p);
      }
      await Promise.all([page, other].map((p) => p.getByRole('button', { name: 'Run all' }).click()));
      await Promise.all([waitIdle(page, 120_000), waitIdle(other, 120_000)]);
      for (const p of [page, other]) {
        const st = await p.evaluate(() => window.__voxbook!.state()!);
        expect(st.cells.map((c) => [c.id, c.status])).toEqual([['big', 'done'], ['sum', 'done'], ['half', 'done']]);
        expect(JSON.stringify(st.cells.find((c) => c.id === 'half')!.outputs)).toContain('47999419.5');
      }
      const seen = await open(TWO, 'notebooks/two.nb.ts');
      expect(seen.find((m) => m.type === 'restore-done')?.restored).toBe(3);
      expect(seen.filter((m) => m.type === 'cell').map((m) => [m.id, m.status, m.cached])).toEqual([['big', 'done', true], ['sum', 'done', true], ['half', 'done', true]]);
    } finally {
      await other.close();
    }
  }, 180_000);

  it('logs no browser errors', () => {
    expect(app.errors).toEqual([]);
  });
});
