/**
 * manifold-3d in the kernel's Web Worker: test/e2e/fixtures/print-wasm.nb.ts judges a sphere
 * (judgeManifold) and hollows it with a drain hole (hollowMesh, manifold-3d's difference); the
 * worker loads manifold.wasm from the app's own origin (app/kernel-worker.ts passes Vite's URL
 * of it to configureManifold), never from elsewhere.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppHarness, openApp } from './harness.ts';

const FIXTURE = new URL('./fixtures/print-wasm.nb.ts', import.meta.url);
const FIXTURE_PATH = 'test/e2e/fixtures/print-wasm.nb.ts';

describe('app: manifold-3d judges and cuts in the kernel worker', () => {
  let app: AppHarness;
  let cells: Map<string, { status: string; error: string | null; json: any }>;

  beforeAll(async () => {
    app = await openApp();
    const text = await readFile(FIXTURE, 'utf8');
    await app.page.evaluate(([t, p]) => window.__voxbook!.open(t!, p!), [text, FIXTURE_PATH]);
    await app.page.waitForFunction(() => window.__voxbook!.state()?.cells.some((c) => c.id === 'hollow'), undefined, { timeout: 10_000 });
    await app.page.getByRole('button', { name: 'Run all' }).click();
    await app.page.waitForFunction(() => window.__voxbook!.state()?.phase === 'running', undefined, { timeout: 10_000 });
    await app.page.waitForFunction(() => window.__voxbook!.state()?.phase !== 'running', undefined, { timeout: 90_000, polling: 200 });
    const summary = await app.page.evaluate(() => window.__voxbook!.state()!.cells.filter((c) => c.kind === 'code').map((c) => ({
      id: c.id,
      status: c.status,
      error: c.error ? `${c.error.name}: ${c.error.message}` : null,
      json: c.outputs.map((o) => o.data['application/json']).find((j) => j !== undefined) ?? null,
    })));
    for (const c of summary) console.log(`[e2e print-wasm] ${c.id}: ${c.status} ${c.error ?? ''} ${JSON.stringify(c.json)}`);
    cells = new Map(summary.map((c) => [c.id, c]));
  }, 180_000);

  afterAll(async () => {
    await app?.close();
  });

  it('judges the sphere in the worker: manifold-3d and ours agree (genus 0, same volume)', () => {
    const j = cells.get('judge')!;
    expect([j.status, j.error]).toEqual(['done', null]);
    expect(j.json.status).toBe('NoError');
    expect([j.json.genus, j.json.printable]).toEqual([0, true]);
    expect(Math.abs(j.json.volumeMm3 / j.json.oursMm3 - 1)).toBeLessThan(1e-5);
  });

  it('hollows it with a drain hole: one shell of genus 0, printable, wall ≈ 2 mm', () => {
    const h = cells.get('hollow')!;
    expect([h.status, h.error]).toEqual(['done', null]);
    expect([h.json.shells, h.json.genus, h.json.printable]).toEqual([1, 0, true]);
    expect(h.json.minWallMm).toBeGreaterThan(1.9);
    expect(h.json.savedPercent).toBeGreaterThan(50);
  });

  it('fetched nothing from outside the app; no errors, no CSP violations', async () => {
    expect(app.outsideRequests).toEqual([]);
    expect(app.errors).toEqual([]);
    expect(await app.cspViolations()).toEqual([]);
  });
});
