/**
 * The app against the real kernel on a small synthetic notebook (test/e2e/fixtures):
 * every renderer draws, untrusted markup does not run, errors and blocked cells explain
 * themselves, the 3D view has pixels, and the STL download is the mesh shown.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { REPO_ROOT, pixelStats, screenshotWholePage, startApp, stlTriangleCount, waitForApp, type AppHarness } from './harness.ts';

const FIXTURE = new URL('./fixtures/showcase.nb.ts', import.meta.url);

function cellTitled(app: AppHarness, title: string) {
  return app.page.locator('.vb-cell').filter({ has: app.page.locator('.vb-cell-title').getByText(title, { exact: true }) });
}

describe('app on the showcase notebook', () => {
  let app: AppHarness;

  beforeAll(async () => {
    app = await startApp();
    await app.page.goto(app.url);
    await waitForApp(app.page);
    const text = `${await readFile(FIXTURE, 'utf8')}\n// %% A syntax error\nconst unfinished = (1 +;\n`;
    await app.page.evaluate((t) => window.__voxbook!.open(t, 'test/e2e/fixtures/showcase.nb.ts'), text);
    await app.page.getByRole('button', { name: 'Run all' }).click();
    await app.page.waitForFunction(() => window.__voxbook!.state()?.phase === 'failed', undefined, { timeout: 120_000 });
  }, 180_000);

  afterAll(async () => {
    await app?.close();
  });

  it('renders each output type with its renderer', async () => {
    const mimes = await app.page.$$eval('.vb-output', (els) => els.map((e) => e.getAttribute('data-mime')));
    expect(mimes).toEqual(expect.arrayContaining([
      'text/plain',
      'application/vnd.voxbook.mesh+json',
      'application/vnd.voxbook.file+json',
      'application/vnd.voxbook.table+json',
      'image/svg+xml',
      'image/png',
      'text/html',
      'text/markdown',
    ]));
    expect(await app.page.locator('.vb-table tbody tr').count()).toBe(4);
    expect(await app.page.locator('.vb-table caption').innerText()).toBe('Torus <b>facts</b>');
    expect(await app.page.locator('.vb-output[data-mime="image/png"] img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(16);
    expect(await app.page.locator('.vb-output[data-mime="text/markdown"] strong').innerText()).toBe('markdown');
  });

  it('never runs scripts or handlers from outputs or markdown', async () => {
    expect(await app.page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(await app.page.locator('vb-notebook script').count()).toBe(0);
    expect(await app.page.locator('vb-notebook [onerror], vb-notebook [onload]').count()).toBe(0);
  });

  it('sanitises HTML and SVG with DOMPurify in the browser: no scripts, handlers or javascript: URLs', async () => {
    // A string, so vitest does not rewrite the dynamic import: the page loads the module from Vite.
    const out = (await app.page.evaluate(`(async () => {
      const { pageSanitizer } = await import('/app/renderers/sanitize.ts');
      const s = pageSanitizer();
      return {
        html: s.html('<p onclick="x()">hi<script>alert(1)</script><img src="a.png" onerror="alert(1)"><a href="javascript:alert(1)">j</a><a href="https://example.org">ok</a><iframe src="https://example.org"></iframe></p>'),
        svg: s.svg('<svg xmlns="http://www.w3.org/2000/svg" onload="x()"><script>alert(1)</script><circle r="3" fill="red"/><foreignObject><img src="a.png" onerror="alert(1)"></foreignObject></svg>'),
        plot: s.html('<figure><svg xmlns="http://www.w3.org/2000/svg" class="plot"><style>.plot { fill: red }</style><g><rect width="1" height="2"/></g></svg></figure>'),
      };
    })()`)) as { html: string; svg: string; plot: string };
    expect(out.html).not.toMatch(/<script|onclick|onerror|javascript:|<iframe/i);
    expect(out.html).toContain('<img src="a.png">');
    expect(out.html).toContain('<a href="https://example.org" target="_blank" rel="noopener noreferrer">ok</a>');
    expect(out.svg).not.toMatch(/<script|onload|onerror|foreignObject/i);
    expect(out.svg).toContain('<circle r="3" fill="red"></circle>');
    expect(out.plot).toContain('<rect width="1" height="2"></rect>');
  });

  it('shows an error with its name, message and line, and names the failed cell in blocked ones', async () => {
    const failing = cellTitled(app, 'A failing cell');
    expect(await failing.getAttribute('data-status')).toBe('error');
    const error = failing.locator('.vb-error');
    expect(await error.locator('.vb-error-name').innerText()).toBe('TypeError');
    expect(await error.locator('.vb-error-message').innerText()).toMatch(/deeper/);
    expect(await error.locator('.vb-error-line').innerText()).toBe('line 2');
    const blocked = app.page.locator('.vb-cell[data-status="blocked"] .vb-blocked');
    expect(await blocked.innerText()).toMatch(/depends on \[\d+\] A failing cell, which failed/);
  });

  it('reports a syntax error once, on its line, without running the cell', async () => {
    const cell = cellTitled(app, 'A syntax error');
    expect(await cell.getAttribute('data-status')).toBe('error');
    const boxes = cell.locator('.vb-error, .vb-problem');
    expect(await boxes.count()).toBe(1);
    expect(await boxes.locator('.vb-error-name').innerText()).toBe('SyntaxError');
    expect(await boxes.locator('.vb-error-line').innerText()).toBe('line 1');
    expect(await cell.locator('.cm-vb-error-line').count()).toBe(1);
  });

  it('draws the mesh and downloads it as an STL with the same triangle count', async () => {
    const triangles = Number(await app.page.locator('.vb-mesh-info').getAttribute('data-triangles'));
    expect(triangles).toBe(48 * 24 * 2);
    const stats = pixelStats(await app.page.evaluate(() => window.__voxbook!.captureMesh()));
    expect(stats.width).toBeGreaterThan(300);
    expect(stats.foreground).toBeGreaterThan(0.05);
    expect(stats.shades).toBeGreaterThan(20);

    const [download] = await Promise.all([app.page.waitForEvent('download'), app.page.locator('a.vb-download').click()]);
    expect(download.suggestedFilename()).toBe('torus.stl');
    const bytes = await readFile((await download.path())!);
    expect(stlTriangleCount(bytes)).toBe(triangles);
  });

  it('re-runs an edited cell on Shift-Enter and its descendants follow', async () => {
    const params = app.page.locator('.vb-cell[data-cell-id="cell-2"] .cm-content');
    await params.click();
    await app.page.keyboard.press('Control+End');
    await app.page.keyboard.type('\nconst extra = 1;');
    await app.page.keyboard.press('Shift+Enter');
    await app.page.waitForFunction(() => window.__voxbook!.state()?.phase === 'failed' && window.__voxbook!.state()!.cells.find((c) => c.id === 'cell-2')!.source.includes('extra'));
    const state = await app.page.evaluate(() => window.__voxbook!.state()!.cells.map((c) => [c.id, c.status]));
    expect(Object.fromEntries(state)['cell-3']).toBe('done');
  });

  it('logs no browser errors (besides the deliberately missing image in the fixture)', async () => {
    await screenshotWholePage(app.page, join(REPO_ROOT, 'test-results', 'showcase.png'));
    expect(app.errors.filter((e) => !/\/missing\.png$/.test(e))).toEqual([]);
  });
});
