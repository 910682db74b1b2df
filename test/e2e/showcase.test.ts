/**
 * The app against the real kernel on a small synthetic notebook (test/e2e/fixtures):
 * every renderer draws, untrusted markup does not run, cannot restyle or cover the page,
 * post a form or reach another host; errors and blocked cells explain themselves, the 3D
 * view has pixels, the STL download is the mesh shown; edits re-run what depends on them,
 * and are stored in the browser (leaving asks only while one is not yet stored).
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { REPO_ROOT, pixelStats, screenshotWholePage, stlTriangleCount, type AppHarness, openApp } from './harness.ts';
import { warningRightAfterEdit, wouldWarnOnLeave } from './leave-warning.ts';

const FIXTURE = new URL('./fixtures/showcase.nb.ts', import.meta.url);

function cellTitled(app: AppHarness, title: string) {
  return app.page.locator('.vb-cell').filter({ has: app.page.locator('.vb-cell-title').getByText(title, { exact: true }) });
}

/** The computed styles that would show the page being restyled from inside an output. */
function pageLook(page: Page) {
  return page.evaluate(() => {
    const pick = (selector: string, props: string[]) => {
      const el = document.querySelector(selector);
      if (!el) return null;
      const style = getComputedStyle(el);
      return Object.fromEntries(props.map((p) => [p, style.getPropertyValue(p)]));
    };
    const box = ['background-color', 'color', 'display', 'visibility', 'opacity', 'position'];
    return {
      body: pick('body', ['background-color', 'color', 'display']),
      toolbar: pick('.vb-toolbar', [...box, 'top', 'z-index']),
      runAll: pick('.vb-run-all', box),
    };
  });
}

/** Whether every point along the toolbar is the toolbar's (nothing from the page below covers it). */
function toolbarUncovered(page: Page) {
  return page.evaluate(() => {
    const toolbar = document.querySelector('.vb-toolbar')!;
    const rect = toolbar.getBoundingClientRect();
    const covered: string[] = [];
    for (let x = rect.left + 4; x < rect.right; x += 40) {
      const hit = document.elementFromPoint(x, rect.top + rect.height / 2);
      if (!hit || !toolbar.contains(hit)) covered.push(`${Math.round(x)}: ${hit?.outerHTML.slice(0, 80) ?? 'nothing'}`);
    }
    return covered;
  });
}

/** Waits until the toolbar's save status (notebook-menu.ts) is `status`. */
async function waitForSaveStatus(page: Page, status: 'saved' | 'saving'): Promise<void> {
  await page.waitForFunction((s) => document.querySelector('.vb-save-status')?.getAttribute('data-status') === s, status, { timeout: 10_000, polling: 10 });
}

describe('app on the showcase notebook', () => {
  let app: AppHarness;
  let lookBefore: Awaited<ReturnType<typeof pageLook>>;
  let whileRunning: { runAllDisabled: boolean; stopEnabled: boolean; progress: string | null };

  beforeAll(async () => {
    app = await openApp();
    lookBefore = await pageLook(app.page);
    const text = `${await readFile(FIXTURE, 'utf8')}\n// %% A syntax error\nconst unfinished = (1 +;\n`;
    await app.page.evaluate((t) => window.__voxbook!.open(t, 'test/e2e/fixtures/showcase.nb.ts'), text);
    // Click Run all and look at the toolbar once it has re-rendered, before the kernel (in its
    // worker) can possibly have answered.
    whileRunning = await app.page.evaluate(async () => {
      const view = document.querySelector('vb-notebook')!;
      view.querySelector<HTMLButtonElement>('.vb-run-all')!.click();
      await view.updateComplete;
      const stop = view.querySelector<HTMLButtonElement>('.vb-stop');
      return {
        runAllDisabled: view.querySelector<HTMLButtonElement>('.vb-run-all')!.disabled,
        stopEnabled: stop !== null && !stop.disabled,
        progress: view.querySelector('[role="progressbar"]')?.getAttribute('aria-valuenow') ?? null,
      };
    });
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
    const table = app.page.locator('.vb-table').first();
    expect(await table.locator('tbody tr').count()).toBe(4);
    expect(await table.locator('thead th').allInnerTexts()).toEqual(['quantity', 'value', 'unit']);
    expect(await table.locator('caption').innerText()).toBe('Torus <b>facts</b>');
    expect(await table.locator('caption b').count()).toBe(0);
    expect(await table.locator('td.num').count()).toBe(0);
    expect(await table.locator('td.null').count()).toBe(1);
    const png = app.page.locator('.vb-output[data-mime="image/png"] img');
    expect(await png.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(16);
    // The bundle's text/plain describes the image.
    expect(await png.getAttribute('alt')).toBe('a 16 by 16 test pattern');
    expect(await app.page.getByRole('img', { name: 'a plot-like figure' }).count()).toBe(1);
    expect(await app.page.locator('.vb-output[data-mime="text/markdown"] strong').first().innerText()).toBe('markdown');
  });

  it('puts each output and each markdown cell in its own shadow root, in a box that clips it', async () => {
    const boxes = await app.page.evaluate(() =>
      [...document.querySelectorAll('.vb-output, .vb-prose-box')].map((box) => {
        const style = getComputedStyle(box);
        return { root: box.querySelector('vb-bundle')?.shadowRoot != null, contain: style.contain, overflow: style.overflow };
      }),
    );
    expect(boxes.length).toBeGreaterThan(10);
    for (const box of boxes) expect(box).toEqual({ root: true, contain: 'paint', overflow: 'hidden' });
  });

  it('never runs scripts or handlers from outputs or markdown', async () => {
    expect(await app.page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();
    // Playwright's CSS selectors look inside open shadow roots.
    expect(await app.page.locator('vb-notebook script').count()).toBe(0);
    expect(await app.page.locator('vb-notebook [onerror], vb-notebook [onload], vb-notebook [onclick]').count()).toBe(0);
  });

  it('keeps hostile markdown and outputs inside their boxes: the toolbar looks the same and Run all is clickable', async () => {
    const { page } = app;
    expect(await pageLook(page)).toEqual(lookBefore);
    const runAll = page.getByRole('button', { name: 'Run all' });
    expect(await runAll.isVisible()).toBe(true);
    expect(await toolbarUncovered(page)).toEqual([]);
    await runAll.click({ trial: true, timeout: 2000 });

    // Scrolled so the hostile cells sit under the toolbar, they still do not cover it.
    for (const selector of ['.vb-cell-markdown:has(.vb-cover)', '.vb-cell:has(.vb-pane)']) {
      await page.locator(selector).evaluate((el) => el.scrollIntoView({ block: 'start' }));
      expect(await toolbarUncovered(page), selector).toEqual([]);
      await runAll.click({ trial: true, timeout: 2000 });
    }
    await page.evaluate(() => window.scrollTo(0, 0));

    // `position: fixed` is gone, and what was fixed lies within its box.
    for (const [box, inner] of [['.vb-prose-box:has(.vb-cover)', '.vb-cover'], ['.vb-output:has(.vb-pane)', '.vb-pane'], ['.vb-output:has(.vb-fixed)', '.vb-fixed']] as const) {
      const el = page.locator(`${box} ${inner}`);
      expect(await el.evaluate((e) => getComputedStyle(e).position), inner).not.toMatch(/fixed|sticky/);
      const outer = (await page.locator(box).boundingBox())!;
      const rect = (await el.boundingBox())!;
      expect(rect.y, inner).toBeGreaterThanOrEqual(outer.y - 1);
      expect(rect.y + rect.height, inner).toBeLessThanOrEqual(outer.y + outer.height + 1);
    }
    // The :host rule did not move the output's element out of the flow.
    expect(await page.locator('.vb-output:has(.vb-pane) vb-bundle').evaluate((e) => getComputedStyle(e).position)).toBe('static');
  });

  it('keeps styles inside an output working there (an SVG figure styled by its own <style>)', async () => {
    const fill = await app.page.locator('svg.vb-plotlike rect.bar').evaluate((e) => getComputedStyle(e).fill);
    expect(fill).toBe('rgb(0, 128, 0)');
  });

  it('leaves no form, control, frame or plugin in outputs or markdown', async () => {
    const found = await app.page.evaluate(() => {
      const forbidden = 'form, input, textarea, select, option, iframe, frame, object, embed, link, meta, base, dialog';
      const hits: string[] = [];
      const walk = (root: ParentNode): void => {
        for (const el of root.querySelectorAll('*')) {
          // The 3D view's own "Reset view" is the app's, not the output's.
          const ownButton = el.localName === 'button' && el.closest('vb-mesh-view') !== null;
          if (el.matches(forbidden) || (el.localName === 'button' && !ownButton)) hits.push(el.localName);
          if (el.shadowRoot) walk(el.shadowRoot);
        }
      };
      for (const box of document.querySelectorAll('.vb-output, .vb-prose-box')) walk(box);
      return hits;
    });
    expect(found).toEqual([]);
    // The form's text stays, as text; its controls go with their content.
    const html = app.page.locator('.vb-output:has(.vb-pane) .vb-html');
    expect(await html.innerText()).toContain('Password');
    expect(await html.innerText()).not.toContain('Log in');
  });

  it('lets no output reach another host: no such request, and none left for the CSP to block', async () => {
    // External images, SVG <image>/<use>, CSS url() and @import lose their URLs to the sanitiser.
    const urls = await app.page.evaluate(() => {
      const out: string[] = [];
      const walk = (root: ParentNode): void => {
        for (const el of root.querySelectorAll('*')) {
          for (const a of el.attributes) if (/evil\.example/.test(a.value)) out.push(`${el.localName} ${a.name}=${a.value}`);
          if (el.localName === 'style' && /evil\.example/.test(el.textContent ?? '')) out.push(`style ${el.textContent}`);
          if (el.shadowRoot) walk(el.shadowRoot);
        }
      };
      for (const box of document.querySelectorAll('.vb-output, .vb-prose-box')) walk(box);
      return out;
    });
    expect(urls).toEqual([]);
    expect(app.outsideRequests).toEqual([]);
    // Chrome reports inline handlers it refuses even while DOMPurify parses the markup in an
    // inert document (they are removed before anything is shown); any other violation would
    // mean the CSP, not the sanitiser, stopped something.
    expect((await app.cspViolations()).filter((v) => !v.startsWith('script-src-attr'))).toEqual([]);
  });

  it('has a Content-Security-Policy behind the sanitiser that refuses images from other hosts', async () => {
    const { page } = app;
    const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    for (const directive of ["img-src 'self' data: blob:", "form-action 'none'", "object-src 'none'", "script-src 'self'"]) expect(policy).toContain(directive);
    const before = (await app.cspViolations()).length;
    const failed = page.waitForEvent('requestfailed', (r) => r.url().includes('csp-probe'));
    await page.evaluate(() => {
      const img = new Image();
      img.src = 'https://evil.example/csp-probe.png';
      img.className = 'vb-csp-probe';
      document.body.append(img);
    });
    // Refused twice over: by the policy in the response header and by the <meta> tag's (vite.config.ts, index.html).
    const refused = 'img-src https://evil.example/csp-probe.png';
    await expect.poll(async () => (await app.cspViolations()).slice(before)).toEqual([refused, refused]);
    // The browser reports the attempt, refused before it reached the network.
    expect((await failed).failure()?.errorText).toMatch(/csp/i);
    await page.evaluate(() => document.querySelector('.vb-csp-probe')?.remove());
    expect(app.outsideRequests).toEqual(['https://evil.example/csp-probe.png']);
  });

  it('sanitises HTML and SVG with DOMPurify in the browser: no scripts, handlers, forms, fixed boxes or outside URLs', async () => {
    // A string, so vitest does not rewrite the dynamic import: the page loads the module from Vite.
    const out = (await app.page.evaluate(`(async () => {
      const { pageSanitizer } = await import('/app/renderers/sanitize.ts');
      const s = pageSanitizer();
      return {
        html: s.html('<p onclick="x()">hi<script>alert(1)</script><img src="a.png" onerror="alert(1)"><a href="javascript:alert(1)">j</a><a href="https://example.org">ok</a><iframe src="https://example.org"></iframe></p>'),
        svg: s.svg('<svg xmlns="http://www.w3.org/2000/svg" onload="x()"><script>alert(1)</script><circle r="3" fill="red"/><foreignObject><img src="a.png" onerror="alert(1)"></foreignObject></svg>'),
        plot: s.html('<figure><svg xmlns="http://www.w3.org/2000/svg" class="plot"><style>.plot { fill: red }</style><g><rect width="1" height="2"/></g></svg></figure>'),
        form: s.html('<form action="https://evil.example/"><input type="password"><button formaction="https://evil.example/">go</button><textarea></textarea><select><option>a</option></select></form><p>after</p>'),
        styles: s.html('<style>@import "https://evil.example/a.css"; :host { color: red } p { position: fixed; color: blue; background: url(https://evil.example/b.png) } @media (min-width: 1px) { .x { position: sticky; top: 0 } }</style><p style="position: fixed; color: green; background-image: url(//evil.example/c.png)">p</p>'),
        urls: s.html('<img src="https://evil.example/a.png"><img src="data:image/png;base64,AAAA"><img src="/data/x.png"><video poster="https://evil.example/p.png"></video><svg><image href="https://evil.example/i.png"/><circle fill="url(#g)"/><rect fill="url(https://evil.example/g.svg#g)"/></svg><a href="https://example.org/page">link</a>'),
        leading: s.html('<style>.own { color: green }</style><p class="own">styled</p>'),
      };
    })()`)) as Record<string, string>;
    expect(out.html).not.toMatch(/<script|onclick|onerror|javascript:|<iframe/i);
    expect(out.html).toContain('<img src="a.png">');
    expect(out.html).toContain('<a href="https://example.org" target="_blank" rel="noopener noreferrer">ok</a>');
    expect(out.svg).not.toMatch(/<script|onload|onerror|foreignObject/i);
    expect(out.svg).toContain('<circle r="3" fill="red"></circle>');
    expect(out.plot).toContain('<style>.plot { fill: red; }</style>');
    expect(out.plot).toContain('<rect width="1" height="2"></rect>');
    expect(out.form).toBe('<p>after</p>');
    expect(out.styles).not.toMatch(/evil|fixed|sticky|:host|@import/);
    // (Removing the background image from a shorthand leaves its other parts at their initial values.)
    expect(out.styles).toMatch(/p \{ color: blue;[^}]*\}/);
    expect(out.styles).toContain('.x { top: 0px; }');
    expect(out.styles).toContain('<p style="color: green;">p</p>');
    expect(out.urls).not.toContain('evil');
    expect(out.urls).toContain('<img src="data:image/png;base64,AAAA">');
    expect(out.urls).toContain('<img src="/data/x.png">');
    expect(out.urls).toContain('<circle fill="url(#g)"></circle>');
    expect(out.urls).toContain('<a href="https://example.org/page" target="_blank" rel="noopener noreferrer">link</a>');
    expect(out.leading).toContain('<style>.own { color: green; }</style>');
  });

  it('disables Run all while a run is in progress, with Stop beside it, and reports progress accessibly', async () => {
    expect(whileRunning).toEqual({ runAllDisabled: true, stopEnabled: true, progress: '0' });
    expect(await app.page.getByRole('button', { name: 'Run all' }).isDisabled()).toBe(false);
    expect(await app.page.locator('.vb-stop').count()).toBe(0);
    const code = await app.page.evaluate(() => window.__voxbook!.state()!.cells.filter((c) => c.kind === 'code').length);
    const bar = app.page.locator('[role="progressbar"]');
    expect(await bar.getAttribute('aria-valuemax')).toBe(String(code));
    expect(await bar.getAttribute('aria-valuenow')).toBe(String(code));
    expect(await app.page.locator('.vb-summary').getAttribute('aria-live')).toBe('polite');
  });

  it('numbers code cells only, 1 to n; markdown cells have no number', async () => {
    const code = await app.page.evaluate(() => window.__voxbook!.state()!.cells.filter((c) => c.kind === 'code').length);
    const numbers = await app.page.locator('.vb-cell-code .vb-position').allInnerTexts();
    expect(numbers).toEqual(Array.from({ length: code }, (_, i) => `[${i + 1}]`));
    expect(await app.page.locator('.vb-cell-markdown .vb-position').count()).toBe(0);
  });

  it('shows an error with its name, message and line, and names the failed cell in blocked ones', async () => {
    const failing = cellTitled(app, 'A failing cell');
    expect(await failing.getAttribute('data-status')).toBe('error');
    const error = failing.locator('.vb-error');
    expect(await error.locator('.vb-error-name').innerText()).toBe('TypeError');
    expect(await error.locator('.vb-error-message').innerText()).toMatch(/deeper/);
    expect(await error.locator('.vb-error-line').innerText()).toBe('line 2');
    const number = await failing.locator('.vb-position').innerText();
    const blocked = app.page.locator('.vb-cell[data-status="blocked"] .vb-blocked');
    expect(await blocked.innerText()).toContain(`depends on ${number} A failing cell, which failed`);
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

    // The view (in its output's shadow root) still takes the mouse: a drag turns the torus.
    const before = await app.page.evaluate(() => window.__voxbook!.captureMesh());
    const canvas = app.page.locator('vb-mesh-view canvas');
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;
    await app.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await app.page.mouse.down();
    await app.page.mouse.move(box.x + box.width / 2 + 120, box.y + box.height / 2 + 40, { steps: 8 });
    await app.page.mouse.up();
    expect(await app.page.evaluate(() => window.__voxbook!.captureMesh())).not.toBe(before);
    await app.page.getByRole('button', { name: 'Reset view' }).click();

    const [download] = await Promise.all([app.page.waitForEvent('download'), app.page.locator('a.vb-download').click()]);
    expect(download.suggestedFilename()).toBe('torus.stl');
    const bytes = await readFile((await download.path())!);
    expect(stlTriangleCount(bytes)).toBe(triangles);
  });

  it('re-runs an edited cell on Shift-Enter and its descendants really re-run with the new value', async () => {
    const { page } = app;
    const volume = () => cellTitled(app, 'Tables and images').locator('.vb-table tbody tr').nth(2).locator('td').nth(1).innerText();
    const facts = () => page.evaluate(() => {
      const cell = window.__voxbook!.state()!.cells.find((c) => c.title === 'Tables and images')!;
      return cell.outputs.map((o) => o.data['text/plain']).filter((t) => typeof t === 'string' && t.includes('tubeMm'));
    });
    // 2π²·R·r² with R = 30, r = 10
    expect(await volume()).toBe('59217.6');
    expect(await facts()).toEqual([expect.stringContaining('tubeMm: 10')]);

    const params = page.locator('.vb-cell[data-cell-id="cell-2"] .cm-content');
    await params.click();
    await page.keyboard.press('Control+a');
    await page.keyboard.type('const radiusMm = 30;\nconst tubeMm = 12;');
    await page.keyboard.press('Shift+Enter');
    await page.waitForFunction(() => {
      const s = window.__voxbook!.state()!;
      return s.phase === 'failed' && s.cells.find((c) => c.id === 'cell-2')!.source.includes('tubeMm = 12');
    });
    // The descendants ran again (not from the cache) and show the new value: r = 12.
    const tables = await page.evaluate(() => window.__voxbook!.state()!.cells.find((c) => c.title === 'Tables and images')!);
    expect(tables.status).toBe('done');
    expect(tables.cached).toBe(false);
    expect(await volume()).toBe('85273.4');
    expect(await facts()).toEqual([expect.stringContaining('tubeMm: 12')]);
    expect(await cellTitled(app, 'Build a torus').getAttribute('data-status')).toBe('done');
  });

  it('runs a cell from its Run button, with the text in its editor', async () => {
    const { page } = app;
    const cell = cellTitled(app, 'Downstream of the failure');
    const id = (await cell.getAttribute('data-cell-id'))!;
    await cell.locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\nconst alsoBroken = afterBroken * 2;');
    expect(await cell.locator('.vb-edited').count()).toBe(1);
    await page.getByRole('button', { name: `Run cell ${id}` }).click();
    await page.waitForFunction((cellId) => {
      const s = window.__voxbook!.state()!;
      return s.phase !== 'running' && s.cells.find((c) => c.id === cellId)!.source.includes('alsoBroken');
    }, id);
    expect(await cell.locator('.vb-edited').count()).toBe(0);
    expect(await cell.getAttribute('data-status')).toBe('blocked');
    const code = await page.evaluate(() => window.__voxbook!.state()!.cells.filter((c) => c.kind === 'code').map((c) => c.id));
    for (const c of code) expect(await page.getByRole('button', { name: `Run cell ${c}` }).count(), c).toBe(1);
  });

  it('edits a markdown cell from the keyboard: Enter opens the editor, Escape shows the text again', async () => {
    const { page } = app;
    const cell = page.locator('.vb-cell-markdown').first();
    const prose = cell.locator('.vb-prose-box');
    await prose.focus();
    await page.keyboard.press('Enter');
    const editor = cell.locator('.cm-content');
    await expect.poll(() => editor.evaluate((e) => e === document.activeElement || e.contains(document.activeElement))).toBe(true);
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\n\nEdited from the keyboard.');
    await page.keyboard.press('Escape');
    await expect.poll(() => prose.isVisible()).toBe(true);
    expect(await prose.locator('.vb-prose').innerText()).toContain('Edited from the keyboard.');
    expect(await prose.evaluate((e) => e === document.activeElement)).toBe(true);
    expect(await page.evaluate(() => window.__voxbook!.state()!.cells[0]!.source)).toContain('Edited from the keyboard.');
  });

  it('asks before leaving only while an edit is not stored yet, and downloads the edited notebook as .nb.ts', async () => {
    const { page } = app;
    // The edits above were stored in this browser within a second (library-app.ts): nothing to lose.
    await waitForSaveStatus(page, 'saved');
    expect(await wouldWarnOnLeave(page)).toBe(false);
    // A draft typed but not run is an edit too, and is saved as typed.
    const cell = cellTitled(app, 'Export STL');
    await cell.locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\n// a draft, not run');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download .nb.ts' }).click()]);
    expect(download.suggestedFilename()).toBe('showcase.nb.ts');
    const text = await readFile((await download.path())!, 'utf8');
    expect(text).toContain('const tubeMm = 12;');
    expect(text).toContain('// Edited from the keyboard.');
    expect(text).toContain('const alsoBroken = afterBroken * 2;');
    expect(text).toContain('// a draft, not run');
    expect(text).toContain('// %% Hostile outputs');
    await waitForSaveStatus(page, 'saved');
    expect(await wouldWarnOnLeave(page)).toBe(false);
    await cell.locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    // Status and question read in one step, right after the keystroke (the write may end at any moment).
    const seen = await warningRightAfterEdit(page, ' (more)');
    expect(seen.status).not.toBe('saved');
    expect(seen.warn).toBe(true);
  });

  it('logs no browser errors (besides the deliberately missing image, refused inline handlers in the fixture and the CSP probe)', async () => {
    await screenshotWholePage(app.page, join(REPO_ROOT, 'test-results', 'showcase.png'));
    const expected = (e: string) =>
      /\/missing\.png$/.test(e) || e.includes('csp-probe.png') || e.startsWith('Executing inline event handler violates the following Content Security Policy');
    expect(app.errors.filter((e) => !expected(e))).toEqual([]);
  });
});
