/**
 * The app without `npm run fetch-data`: the dev server serves an empty sample cache as /data/
 * (VOXBOOK_DATA pointed at an empty folder through the harness; the repo's data/ is not
 * touched). A missing sample file is a 404, not the app's HTML page, and Run all on
 * ct-to-print falls back to the synthetic head phantom, says so in the load cell's output,
 * finishes every cell and shows the mesh — as `voxbook run` does headless.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshData } from '../../kernel/protocol.ts';
import { type AppHarness, openApp } from './harness.ts';

const MESH_MIME = 'application/vnd.voxbook.mesh+json';

describe('app without the sample cache: ct-to-print on the phantom', () => {
  let app: AppHarness;
  let empty: string;

  beforeAll(async () => {
    empty = await mkdtemp(join(tmpdir(), 'voxbook-no-data-'));
    app = await openApp({ dataDir: empty });
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    if (empty) await rm(empty, { recursive: true, force: true });
  });

  it('the dev server answers 404 (not the app page) for a sample that is not in the cache', async () => {
    const answers = await app.page.evaluate(async () => {
      const out: { status: number; type: string; body: string }[] = [];
      for (const u of ['/data/Cranium.inv3', '/data/mri-colin27/ch2.nii.gz', '/data/../index.html']) {
        const r = await fetch(u);
        out.push({ status: r.status, type: r.headers.get('content-type') ?? '', body: (await r.text()).slice(0, 200) });
      }
      return out;
    });
    for (const a of answers.slice(0, 2)) {
      expect(a.status).toBe(404);
      expect(a.type).not.toMatch(/html/);
      expect(a.body).toContain('npm run fetch-data');
    }
    // (The browser normalises "/data/../index.html" to "/index.html": the app page, outside /data/.)
    expect(answers[2]!.status).toBe(200);
    // Nothing was written into the folder standing in for the cache.
    expect(await readdir(empty)).toEqual([]);
  });

  it('Run all: the load cell says it used the synthetic phantom, every cell finishes, the mesh is shown', async () => {
    const { page } = app;
    await expect.poll(() => page.locator('.vb-path').first().evaluate((e) => (e instanceof HTMLSelectElement ? e.value : e.textContent))).toBe('notebooks/ct-to-print.nb.ts');
    await page.getByRole('button', { name: 'Run all' }).click();
    await page.waitForFunction(() => window.__voxbook!.state()?.phase !== 'running', undefined, { timeout: 180_000 });

    const state = await page.evaluate(() => window.__voxbook!.state()!);
    const failures = state.cells.filter((c) => c.kind === 'code' && c.status !== 'done').map((c) => `${c.id}: ${c.status} ${c.error?.name ?? ''} ${c.error?.message ?? ''}`);
    expect(failures).toEqual([]);
    expect(state.log.filter((l) => l.level === 'error')).toEqual([]);
    expect(state.phase).toBe('done');

    // The load cell's first output says what it read: the phantom, why, and how to get the real CT.
    const load = state.cells.find((c) => c.id === 'load')!;
    const first = load.outputs[0]!;
    const text = String(first.data['text/markdown'] ?? first.data['text/plain'] ?? '');
    expect(text).toMatch(/^\*\*Input:\*\* Sample "ct-head-0051" was not found in the data cache \(\/data\/\), so this is a synthetic head CT phantom, not real data\./);
    expect(text).toContain('npm run fetch-data');
    expect(text).not.toMatch(/tar archive|checksum|FormatError/);
    const shown = await page.locator('.vb-output[data-mime="text/markdown"] .vb-prose', { hasText: 'Input:' }).first().innerText();
    expect(shown).toMatch(/synthetic head CT phantom/);

    // The mesh of the phantom's bone is in the 3D view (the first one: the preview).
    // A 3-D view gets its WebGL context when it is on or near the screen (app/renderers/gl-budget.ts).
    await page.locator('vb-mesh-view').first().scrollIntoViewIfNeeded();
    await page.locator('vb-mesh-view canvas').first().waitFor({ state: 'visible', timeout: 30_000 });
    const triangles = await page.evaluate((mime) => {
      const outputs = window.__voxbook!.state()!.cells.flatMap((c) => c.outputs);
      return (outputs.find((o) => o.data[mime] !== undefined)!.data[mime] as MeshData).triangles;
    }, MESH_MIME);
    expect(triangles).toBeGreaterThan(1000);
    expect(Number(await page.locator('.vb-mesh-info').first().getAttribute('data-triangles'))).toBe(triangles);
    await expect.poll(() => page.locator('a.vb-download[download="bone.stl"]').count()).toBe(1);
  }, 300_000);

  it('logs no browser errors but the 404s for the missing sample files', () => {
    const others = app.errors.filter((e) => !/^HTTP 404 http:\/\/127\.0\.0\.1:\d+\/data\/(Cranium\.inv3|mri-colin27\/ch2\.nii\.gz)$/.test(e));
    expect(others).toEqual([]);
    expect(app.errors.some((e) => e.endsWith('/data/Cranium.inv3'))).toBe(true);
  });
});
