/**
 * End-to-end harness: the app's Vite dev server (or its build, served by `vite preview`) on a
 * random port of 127.0.0.1 and a headless Debian Chromium (playwright-core) with WebGL through SwiftShader.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { AddressInfo } from 'node:net';
import { build, createServer, preview, type PreviewServer, type ViteDevServer } from 'vite';
import { decode } from 'fast-png';
import { expect } from 'vitest';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CHROMIUM = process.env['VOXBOOK_CHROMIUM'] ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // WebGL without a GPU: ANGLE on SwiftShader, asked for explicitly (Chromium is phasing out
  // the silent fallback to it).
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];

export interface AppHarness {
  readonly url: string;
  readonly page: Page;
  readonly context: BrowserContext;
  /** Console errors, uncaught page errors and HTTP errors (status ≥ 400) seen so far. */
  readonly errors: string[];
  /** Requests (from the page or its workers) to any host but the dev server's: there should be none. */
  readonly outsideRequests: string[];
  /** Content-Security-Policy violations the page reported, as "directive sample-or-URL". */
  cspViolations(): Promise<string[]>;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Run Vite's HMR client and its WebSocket, as `npm start` does (off by default: tests edit no files). */
  readonly hmr?: boolean;
  /** Build the app (into a temporary folder) and serve it with `vite preview` instead of the dev server. */
  readonly preview?: boolean;
  /**
   * The folder served as the sample cache `/data/*` (the dev server only; vite.config.ts reads
   * it from VOXBOOK_DATA when the config loads). Default: `$VOXBOOK_DATA`, else the repo's `data/`.
   */
  readonly dataDir?: string;
}

interface Served {
  readonly url: string;
  close(): Promise<void>;
}

function urlOf(httpServer: { address(): AddressInfo | string | null } | null | undefined): string {
  const address = httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('vite did not report a TCP address');
  return `http://127.0.0.1:${address.port}/`;
}

/** The dev server (`npm start`) on a free port of 127.0.0.1. */
async function serveDev(options: StartOptions): Promise<Served> {
  // Each harness optimises dependencies into its own folder: test files run in parallel,
  // and two optimisers writing node_modules/.vite at once would corrupt each other.
  const cacheDir = await mkdtemp(join(REPO_ROOT, 'node_modules', '.vite-e2e-'));
  const savedData = process.env['VOXBOOK_DATA'];
  if (options.dataDir !== undefined) process.env['VOXBOOK_DATA'] = options.dataDir;
  let server: ViteDevServer;
  try {
    server = await createServer({
      configFile: join(REPO_ROOT, 'vite.config.ts'),
      root: REPO_ROOT,
      cacheDir,
      logLevel: 'warn',
      clearScreen: false,
      server: { host: '127.0.0.1', port: 0, strictPort: false, open: false, hmr: options.hmr ?? false, watch: null },
      // Re-scan dependencies (the worker's included) before serving: with a stale optimiser
      // cache Vite would discover them mid-run and answer the worker's imports with 504s.
      optimizeDeps: { force: true },
    });
  } finally {
    if (options.dataDir !== undefined) {
      if (savedData === undefined) delete process.env['VOXBOOK_DATA'];
      else process.env['VOXBOOK_DATA'] = savedData;
    }
  }
  await server.listen();
  return {
    url: urlOf(server.httpServer),
    async close() {
      // Let the dependency optimiser finish the scan it started (it writes into cacheDir); it may
      // still be writing its temporary folder after close (seen in CI: ENOTEMPTY), which fs.rm
      // retries with these options.
      await server.environments.client.depsOptimizer?.scanProcessing?.catch(() => undefined);
      await server.close();
      await rm(cacheDir, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
    },
  };
}

/** `vite build` into a temporary folder, served by `vite preview` on a free port of 127.0.0.1. */
async function servePreview(): Promise<Served> {
  const outDir = await mkdtemp(join(tmpdir(), 'voxbook-dist-'));
  const common = { configFile: join(REPO_ROOT, 'vite.config.ts'), root: REPO_ROOT, clearScreen: false, build: { outDir, emptyOutDir: true } } as const;
  try {
    // (Errors only: the bundled libraries' warnings, such as a direct eval in one, are not the test's.)
    await build({ ...common, logLevel: 'error' });
    const server: PreviewServer = await preview({ ...common, logLevel: 'warn', preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false } });
    return {
      url: urlOf(server.httpServer),
      async close() {
        await server.close();
        await rm(outDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(outDir, { recursive: true, force: true });
    throw err;
  }
}

export async function startApp(options: StartOptions = {}): Promise<AppHarness> {
  const server = options.preview ? await servePreview() : await serveDev(options);
  const { url } = server;

  const profile = await mkdtemp(join(tmpdir(), 'voxbook-e2e-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      acceptDownloads: true,
      viewport: { width: 1280, height: 900 },
    });
  } catch (err) {
    await server.close();
    await rm(profile, { recursive: true, force: true });
    throw err;
  }
  // Recorded from the first script on, whatever the page does later.
  await context.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __cspViolations: string[] }).__cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.effectiveDirective} ${e.blockedURI || e.sample}`));
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  const outsideRequests: string[] = [];
  const host = new URL(url).host;
  context.on('request', (r) => {
    const u = r.url();
    if (/^(https?|wss?|ftp):/i.test(u) && new URL(u).host !== host) outsideRequests.push(u);
  });
  page.on('console', (m) => {
    // A failed load is reported with its URL by the response listener below.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()} ${r.url()}`);
  });
  page.on('pageerror', (e) => errors.push(`${e.name}: ${e.message}`));
  return {
    url,
    page,
    context,
    errors,
    outsideRequests,
    cspViolations: () => page.evaluate(() => [...((window as unknown as { __cspViolations?: string[] }).__cspViolations ?? [])]),
    async close() {
      await context.close();
      await server.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** `startApp`, then the app's page opened and its hooks loaded: the start of most browser tests. */
export async function openApp(options: StartOptions = {}): Promise<AppHarness> {
  const app = await startApp(options);
  try {
    await app.page.goto(app.url);
    await waitForApp(app.page);
  } catch (err) {
    await app.close();
    throw err;
  }
  return app;
}

/** Fails, saying how to get it, when the sample file or folder `data/<path>` is not in the cache. */
export function expectSample(path: string): void {
  expect(existsSync(join(REPO_ROOT, 'data', path)), `data/${path} is missing: run \`npm run fetch-data\` first`).toBe(true);
}

/** The page has loaded the app and its hooks (after the first module graph is served). */
export async function waitForApp(page: Page): Promise<void> {
  await page.waitForFunction(() => window.__voxbook !== undefined, undefined, { timeout: 120_000 });
}

export interface PixelStats {
  readonly width: number;
  readonly height: number;
  /** Fraction of pixels that differ from the corner (background) colour by more than 24 of 255 in some channel. */
  readonly foreground: number;
  /** Number of distinct colours (quantised to 4 bits per channel) among foreground pixels: shading, not a flat fill. */
  readonly shades: number;
}

/** Decodes a PNG data URL and measures how much of it is not background. */
export function pixelStats(dataUrl: string): PixelStats {
  const prefix = 'data:image/png;base64,';
  if (!dataUrl.startsWith(prefix)) throw new Error(`not a PNG data URL: ${dataUrl.slice(0, 40)}`);
  const png = decode(Buffer.from(dataUrl.slice(prefix.length), 'base64'));
  const { width, height, channels } = png;
  const data = png.data;
  const bg = [data[0]!, data[1]!, data[2]!];
  let foreground = 0;
  const shades = new Set<number>();
  for (let i = 0; i < width * height; i++) {
    const o = i * channels;
    const r = data[o]!, g = data[o + 1]!, b = data[o + 2]!;
    if (Math.abs(r - bg[0]!) > 24 || Math.abs(g - bg[1]!) > 24 || Math.abs(b - bg[2]!) > 24) {
      foreground++;
      shades.add(((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4));
    }
  }
  return { width, height, foreground: foreground / (width * height), shades: shades.size };
}

/** Triangle count of a binary STL, checking the file length agrees: 84 + 50·n bytes. */
export function stlTriangleCount(bytes: Uint8Array): number {
  if (bytes.byteLength < 84) throw new Error(`STL is ${bytes.byteLength} bytes, shorter than its 84-byte header`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(80, true);
  if (bytes.byteLength !== 84 + 50 * n) {
    throw new Error(`STL header says ${n} triangles (${84 + 50 * n} bytes) but the file has ${bytes.byteLength} bytes`);
  }
  return n;
}

/**
 * A screenshot of the whole page. The viewport is first grown to the page's height and
 * given a moment, so editors (which draw only what is in view) lay out every line.
 */
export async function screenshotWholePage(page: Page, path: string): Promise<void> {
  const size = page.viewportSize() ?? { width: 1280, height: 900 };
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: size.width, height: Math.min(height, 16_000) });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(250);
  await page.screenshot({ path, fullPage: true });
  await page.setViewportSize(size);
}

/** The PNG (data URL) of the first `vb-mesh-view` on the page, looking into shadow roots (outputs render in them). */
export function captureFirstMesh(page: Page): Promise<string> {
  return captureFirstView(page, 'vb-mesh-view');
}

/** The PNG (data URL) from `capture()` of the first element named `localName` (a 3D view), looking into shadow roots. */
export function captureFirstView(page: Page, localName: string): Promise<string> {
  return page.evaluate((name) => {
    const find = (root: ParentNode): Element | undefined => {
      for (const el of root.querySelectorAll('*')) {
        if (el.localName === name) return el;
        const inner = el.shadowRoot && find(el.shadowRoot);
        if (inner) return inner;
      }
      return undefined;
    };
    const view = find(document) as (Element & { capture(): Promise<string> }) | undefined;
    if (!view) throw new Error(`no ${name} on the page`);
    return view.capture();
  }, localName);
}

/** Opens `path` from disk in a new page that may load nothing but that file (and data:/blob: URLs it makes); waits for the static page's viewers. */
export async function openOffline(context: BrowserContext, path: string): Promise<{ page: Page; requests: string[]; refused: string[]; errors: string[] }> {
  const page = await context.newPage();
  const requests: string[] = [];
  const refused: string[] = [];
  const errors: string[] = [];
  const own = pathToFileURL(path).href;
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url === own || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    refused.push(url);
    return route.abort();
  });
  page.on('request', (r) => requests.push(r.url().slice(0, 120)));
  page.on('pageerror', (e) => errors.push(`${e.name}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(own);
  await page.evaluate(() => window.__voxbookStatic!.ready);
  return { page, requests, refused, errors };
}

/**
 * Fraction of pixels whose colour differs (any RGB channel by more than 24 of 255) between two
 * PNG data URLs of one size. @throws Error when the sizes differ.
 */
export function changedFraction(a: string, b: string): number {
  const pa = decode(Buffer.from(a.split(',')[1]!, 'base64')), pb = decode(Buffer.from(b.split(',')[1]!, 'base64'));
  if (pa.width !== pb.width || pa.height !== pb.height) throw new Error(`changedFraction: ${pa.width}×${pa.height} vs ${pb.width}×${pb.height}`);
  let changed = 0;
  for (let p = 0; p < pa.width * pa.height; p++) {
    for (let c = 0; c < 3; c++) {
      if (Math.abs(pa.data[pa.channels * p + c]! - pb.data[pb.channels * p + c]!) > 24) {
        changed++;
        break;
      }
    }
  }
  return changed / (pa.width * pa.height);
}
