import { it } from 'vitest';
import { startApp, waitForApp } from './harness.ts';
import { moveSlider } from './slider.ts';
it('probe', async () => {
  const app = await startApp();
  try {
    await app.page.goto(app.url);
    await waitForApp(app.page);
    await app.page.getByRole('button', { name: 'Run all' }).click();
    await app.page.waitForFunction(() => window.__voxbook!.state()?.phase !== 'running', undefined, { timeout: 180_000 });
    await app.page.evaluate(() => {
      const log: string[] = [];
      (window as any).__log = log;
      const t0 = () => (window as any).__t0 ?? 0;
      let prev = new Map<string, string>();
      window.__voxbook!.subscribe!((s) => {
        for (const c of s.cells) if (c.kind === 'code' && prev.get(c.id) !== c.status) { log.push(`${(performance.now() - t0()).toFixed(0)} ${c.id}:${c.status}`); prev.set(c.id, c.status); }
      });
    });
    await moveSlider(app.page, 300); await moveSlider(app.page, 400);
    for (const v of [250, 350, 280, 330]) {
      await app.page.evaluate(() => { (window as any).__t0 = performance.now(); (window as any).__log.length = 0; });
      const m = await moveSlider(app.page, v);
      await app.page.waitForTimeout(1500);
      const log = await app.page.evaluate(() => (window as any).__log);
      console.log(JSON.stringify(m), log.filter((l: string) => !/queued/.test(l)).join(' | '));
    }
  } finally { await app.close(); }
}, 300_000);
