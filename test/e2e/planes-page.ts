/**
 * Browser-test steps shared by the planes-view tests (planes-view, planes-profile): open a
 * fixture notebook in the app and run it, and wait for a planes view to have drawn.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { REPO_ROOT } from './harness.ts';

/** Opens `fixture` (a path from the repository root) in the app, runs all, and expects every code cell done. */
export async function openAndRun(page: Page, fixture: string, firstCellId = 'planes'): Promise<void> {
  const text = await readFile(join(REPO_ROOT, fixture), 'utf8');
  await page.evaluate(([t, p]) => window.__voxbook!.open(t!, p!), [text, fixture]);
  await page.waitForFunction((id) => window.__voxbook!.state()?.cells.some((c) => c.id === id), firstCellId, { timeout: 10_000 });
  await page.getByRole('button', { name: 'Run all' }).click();
  await page.waitForFunction(() => window.__voxbook!.state()?.phase === 'running', undefined, { timeout: 10_000 });
  await page.waitForFunction(() => window.__voxbook!.state()?.phase !== 'running', undefined, { timeout: 90_000, polling: 200 });
  const state = await page.evaluate(() => window.__voxbook!.state()!);
  expect(state.cells.filter((c) => c.kind === 'code' && c.status !== 'done').map((c) => `${c.id}: ${c.status} ${c.error?.message ?? ''}`)).toEqual([]);
}

/** Waits until the view's crosshair is at `cursor` ("i,j,k") when given, then two animation frames (its draw). */
export async function drawn(view: Locator, cursor?: string): Promise<void> {
  if (cursor !== undefined) await expect.poll(() => view.getAttribute('data-cursor')).toBe(cursor);
  await view.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}
