/**
 * PNGs of 3-D views drawn by the app's own renderers in headless Chromium, for the `.ipynb`
 * of `voxbook run --render browser` (kernel/cli.ts loads this through `voxbook/html`).
 *
 * How: the views go into one exported page (app/static/node.ts, the same page as `--html`, with
 * no mesh decimation and no size cap), the page is opened from disk in Chromium
 * (playwright-core, Debian's `/usr/bin/chromium`, WebGL2 on SwiftShader), and each view's
 * `capture()` (vtk.js `captureImages()`; the four-view as shown) is read once it has drawn.
 * Slower than the CPU rasteriser (cells/viz/mesh-raster.ts: seconds to start Chromium, software
 * WebGL per frame) and dependent on a browser being there; it is opt-in.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MIME, type MimeBundle } from '../../kernel/protocol.ts';
import { exportNotebookHtml } from './node.ts';

/** Chromium's switches for a headless page with software WebGL2 (as DEVELOPERS.md and the e2e harness use). */
export const HEADLESS_CHROMIUM_ARGS: readonly string[] = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
];

/** Where Chromium is looked for: `VOXBOOK_CHROMIUM`, else Debian's package. */
export function chromiumPath(): string {
  return process.env['VOXBOOK_CHROMIUM'] ?? '/usr/bin/chromium';
}

export interface BrowserPng {
  /** PNG bytes as base64, as nbformat stores images. */
  readonly base64: string;
  readonly width: number;
  readonly height: number;
}

/** Why no browser PNGs were made: said by the CLI, which then draws on the CPU. */
export class BrowserRenderError extends Error {
  override name = 'BrowserRenderError';
}

const VIEW_TAGS = ['vb-volume-view', 'vb-mesh-scene', 'vb-mesh-view'] as const;

/**
 * A PNG of each bundle's 3-D view (volume, mesh, mesh scene), in order; `undefined` for a bundle
 * with none, or whose view drew nothing within `timeoutMs`.
 * @throws BrowserRenderError when Chromium is missing, playwright-core is not installed, or the
 *   page cannot be built or opened.
 */
export async function browserViewPngs(bundles: readonly MimeBundle[], options: { readonly timeoutMs?: number; readonly viewport?: { readonly width: number; readonly height: number } } = {}): Promise<(BrowserPng | undefined)[]> {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) throw new BrowserRenderError(`no Chromium at ${executablePath} (install Debian's chromium, or set VOXBOOK_CHROMIUM)`);
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    throw new BrowserRenderError('playwright-core is not installed (npm install playwright-core)');
  }
  const timeoutMs = options.timeoutMs ?? 60_000;
  const page = await exportNotebookHtml({
    title: 'views',
    provenance: { notebook: 'views', notebookSha256: '', parameters: {}, versions: {}, ranAt: new Date(0).toISOString() },
    cells: bundles.map((b, i) => ({ id: `view-${i}`, kind: 'code' as const, source: '', status: 'done' as const, outputs: [b] })),
  }, { meshPreviewTriangles: Number.MAX_SAFE_INTEGER, fileEmbedMaxBytes: Number.MAX_SAFE_INTEGER }).catch((e: unknown) => {
    throw new BrowserRenderError(`the page of the views could not be built: ${(e as Error).message}`);
  });
  const dir = await mkdtemp(join(tmpdir(), 'voxbook-render-'));
  const browser = await chromium.launch({ executablePath, args: [...HEADLESS_CHROMIUM_ARGS] }).catch((e: unknown) => {
    void rm(dir, { recursive: true, force: true });
    throw new BrowserRenderError(`Chromium did not start: ${(e as Error).message.split('\n')[0]}`);
  });
  try {
    const file = join(dir, 'views.html');
    await writeFile(file, page.html);
    const tab = await browser.newPage({ viewport: options.viewport ?? { width: 900, height: 700 } });
    await tab.goto(pathToFileURL(file).href);
    await tab.evaluate(() => window.__voxbookStatic!.ready);
    const out: (BrowserPng | undefined)[] = [];
    for (const [i, b] of bundles.entries()) {
      if (![MIME.volume, MIME.meshes, MIME.mesh].some((m) => b.data[m] !== undefined)) {
        out.push(undefined);
        continue;
      }
      const view = tab.locator(`section[data-cell-id="view-${i}"]`).locator(VIEW_TAGS.join(', ')).first();
      const four = (b.data[MIME.meshes] as { layout?: string } | undefined)?.layout === 'four';
      out.push(await drawnPng(view, four, timeoutMs));
    }
    return out;
  } catch (e) {
    throw new BrowserRenderError(`the page of the views failed in Chromium: ${(e as Error).message.split('\n')[0]}`);
  } finally {
    await browser.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

type ViewLocator = import('playwright-core').Locator;

/** The view's pixels once at least 1% of them differ from its corner pixel (vtk.js draws after layout and upload); undefined when never. */
async function drawnPng(view: ViewLocator, four: boolean, timeoutMs: number): Promise<BrowserPng | undefined> {
  const until = Date.now() + timeoutMs;
  await view.scrollIntoViewIfNeeded({ timeout: timeoutMs });
  await view.page().waitForFunction((el) => el?.hasAttribute('data-rendered-at'), await view.elementHandle(), { timeout: timeoutMs });
  for (;;) {
    const url = await view.evaluate((el, f) => (el as unknown as { capture(): Promise<string>; captureShown(): Promise<string> })[f ? 'captureShown' : 'capture'](), four);
    const base64 = url.slice(url.indexOf(',') + 1);
    const bytes = Buffer.from(base64, 'base64');
    if (await drawnShare(bytes) >= 0.01) return { base64, width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
    if (Date.now() > until) return undefined;
    await view.page().waitForTimeout(250);
  }
}

async function drawnShare(png: Uint8Array): Promise<number> {
  const { decode } = await import('fast-png');
  const p = decode(png);
  const d = p.data, c = p.channels;
  let n = 0;
  for (let q = 0; q < p.width * p.height; q++) if (Math.abs(d[c * q]! - d[0]!) + Math.abs(d[c * q + 1]! - d[1]!) + Math.abs(d[c * q + 2]! - d[2]!) > 24) n++;
  return n / (p.width * p.height);
}
