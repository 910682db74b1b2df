/**
 * The browser app's build: the repo root is the web root, so `index.html` sits beside
 * `package.json`, the app lives in `app/`, and the git-ignored sample cache `data/` is served
 * as `/data/*` (the notebook's loader fetches `/data/Cranium.inv3` from there).
 *
 * Cells run in a module Web Worker (`app/kernel-worker.ts`); it imports the kernel and the
 * domain library, which also run in Node. Their Node-only branches (`await import('node:fs')`)
 * resolve to Vite's browser stub and are never taken in the browser.
 */
import { createReadStream } from 'node:fs';
import { cp, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Connect, type Plugin } from 'vite';
import { librarySourceDigest } from './kernel/node/source-digest.ts';
import { staticViewerScript } from './app/static/viewer-build.ts';
import { voxbookApiDeclarations } from './app/ts-service/vite-plugin.ts';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The page's Content-Security-Policy, sent as a response header on every response. It repeats
 * the <meta> tag in index.html (keep the two alike; test/e2e/csp.test.ts checks the header
 * holds every directive of the tag) and adds `frame-ancestors`, which a <meta> cannot carry:
 * no other site may frame the app.
 */
export const PAGE_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "media-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-src 'none'",
  "form-action 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The kernel worker's own policy. A worker loaded from a URL does not inherit the page's
 * policy (least of all one from a <meta> tag): it takes the one in its script's response
 * header, and workers it creates from blob: URLs inherit that. Cells run here, so this is
 * what keeps them on this origin: fetch, XMLHttpRequest, WebSocket and EventSource only to
 * 'self' (data: and blob: URLs never leave the machine), scripts and nested workers only
 * from here. 'unsafe-eval' because the kernel compiles each cell with the AsyncFunction
 * constructor (it also lets a library compile WebAssembly).
 */
export const WORKER_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-eval'",
  "worker-src 'self' blob:",
  "connect-src 'self' data: blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** A worker's main script: by what the browser says it fetches, or by the kernel worker's URL (dev and build). */
function isWorkerScript(req: IncomingMessage): boolean {
  const dest = req.headers['sec-fetch-dest'];
  if (dest === 'worker' || dest === 'sharedworker' || dest === 'serviceworker') return true;
  const url = req.url ?? '';
  return /[?&]worker_file(&|=|$)/.test(url) || /^\/assets\/kernel-worker-[^/]*\.js(\?|$)/.test(url);
}

/**
 * Sends a Content-Security-Policy header on every response of the dev server (`npm start`)
 * and of `vite preview`: the worker policy on workers' scripts, the page policy on the rest
 * (a policy on a script, style or image is ignored; on a document it applies).
 */
function contentSecurityPolicy(): Plugin {
  const middleware: Connect.NextHandleFunction = (req, res: ServerResponse, next) => {
    res.setHeader('Content-Security-Policy', isWorkerScript(req) ? WORKER_POLICY : PAGE_POLICY);
    res.setHeader('Vary', 'Sec-Fetch-Dest');
    next();
  };
  return onEveryServer('voxbook:content-security-policy', middleware);
}

/** A plugin that adds `middleware` to both the dev server (`npm start`) and `vite preview`. */
function onEveryServer(name: string, middleware: Connect.NextHandleFunction): Plugin {
  return {
    name,
    configureServer(server) {
      server.middlewares.use(middleware);
    },
    configurePreviewServer(server) {
      server.middlewares.use(middleware);
    },
  };
}

/**
 * The sample cache folder served as `/data/*`: `$VOXBOOK_DATA` if set (as for the CLI), else
 * the repo's `data/`. Read when the config is loaded, so `VOXBOOK_DATA=/elsewhere npm start`
 * (or a test harness) can serve another folder, an empty one included.
 */
export function dataDir(): string {
  const fromEnv = process.env['VOXBOOK_DATA'];
  return fromEnv ? resolve(fromEnv) : join(root, 'data');
}

const DATA_TYPES: Record<string, string> = {
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.json': 'application/json',
};

/**
 * Serves `/data/*` from the sample cache folder, and answers 404 for a file that is not
 * there — before Vite's single-page-app fallback, which would answer it with index.html
 * (status 200), and a loader would then try to parse the page as a CT.
 */
function sampleCache(folder: string): Plugin {
  const middleware: Connect.NextHandleFunction = (req, res: ServerResponse, next) => {
    const url = req.url ?? '';
    if (!url.startsWith('/data/') && url !== '/data') return next();
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const notFound = (why: string) => {
      res.statusCode = 404;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end(`${url.replace(/[?#].*$/, '')}: ${why}; run \`npm run fetch-data\`\n`);
    };
    let rel: string;
    try {
      rel = decodeURIComponent(url.replace(/[?#].*$/, '').slice('/data'.length));
    } catch {
      return notFound('bad path');
    }
    const file = resolve(folder, `.${rel}`);
    if (rel.includes('\0') || (file !== folder && !file.startsWith(folder + sep))) return notFound('outside the sample cache');
    stat(file).then(
      (st) => {
        if (!st.isFile()) return notFound('not a file in the sample cache');
        res.statusCode = 200;
        res.setHeader('Content-Type', DATA_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream');
        res.setHeader('Content-Length', String(st.size));
        res.setHeader('Cache-Control', 'no-cache');
        // Validators for the browser's result cache (kernel/browser/http-stamps.ts): a HEAD
        // tells it whether a cell's input changed without downloading it again.
        res.setHeader('Last-Modified', st.mtime.toUTCString());
        res.setHeader('ETag', `W/"${st.size.toString(16)}-${Math.round(st.mtimeMs).toString(16)}"`);
        if (req.method === 'HEAD') return void res.end();
        createReadStream(file).on('error', (e) => res.destroy(e)).pipe(res);
      },
      () => notFound('not in the sample cache'),
    );
  };
  return onEveryServer('voxbook:sample-cache', middleware);
}

/** Where @itk-wasm/dicom's pipelines are served (the kernel worker's `setDicomPipelinesUrl`). */
export const DICOM_PIPELINES_PATH = '/itk-wasm/dicom-pipelines';

/**
 * @itk-wasm/dicom's pipelines (`dist/pipelines`, 29 MB: the JS and zstd-compressed wasm that
 * decode picked DICOM files in the kernel worker) from this origin, never its CDN: served at
 * `DICOM_PIPELINES_PATH` by the dev server and `vite preview` (before Vite's own handlers, which
 * would transform the JS), and copied there into the build.
 */
function dicomPipelines(): Plugin {
  const folder = join(root, 'node_modules', '@itk-wasm', 'dicom', 'dist', 'pipelines');
  const types: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.zst': 'application/zstd' };
  let outDir = join(root, 'dist');
  const middleware: Connect.NextHandleFunction = (req, res: ServerResponse, next) => {
    const url = (req.url ?? '').replace(/[?#].*$/, '');
    if (!url.startsWith(`${DICOM_PIPELINES_PATH}/`) || (req.method !== 'GET' && req.method !== 'HEAD')) return next();
    const name = url.slice(DICOM_PIPELINES_PATH.length + 1);
    if (!/^[\w.-]+$/.test(name) || name.startsWith('.')) return next();
    const file = join(folder, name);
    stat(file).then(
      (st) => {
        if (!st.isFile()) return next();
        res.statusCode = 200;
        res.setHeader('Content-Type', types[extname(file)] ?? 'application/octet-stream');
        res.setHeader('Content-Length', String(st.size));
        if (req.method === 'HEAD') return void res.end();
        createReadStream(file).on('error', (e) => res.destroy(e)).pipe(res);
      },
      () => {
        res.statusCode = 404;
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        res.end(`${url}: not one of @itk-wasm/dicom's pipelines\n`);
      },
    );
  };
  return {
    ...onEveryServer('voxbook:dicom-pipelines', middleware),
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    async closeBundle() {
      if (this.meta.watchMode) return;
      await cp(folder, join(outDir, ...DICOM_PIPELINES_PATH.split('/').filter(Boolean)), { recursive: true });
    },
  };
}

/**
 * `virtual:voxbook-static-viewer`: the static page's viewer as one script's text, for the
 * app's "Export HTML" (app/static/export-app.ts). Built by the same code as `voxbook run
 * --html` uses (app/static/viewer-build.ts: Vite's build API, cached by its sources' hashes).
 */
function staticViewer(): Plugin {
  const id = 'virtual:voxbook-static-viewer';
  return {
    name: 'voxbook:static-viewer',
    resolveId: (source) => (source === id ? `\0${id}` : undefined),
    async load(resolved) {
      if (resolved !== `\0${id}`) return undefined;
      const { script } = await staticViewerScript();
      return `export default ${JSON.stringify(script)};`;
    },
  };
}

export default defineConfig({
  root,
  // The library code's digest (kernel/node/source-digest.ts), taken when the server starts or
  // the app is built: the worker mixes it into its cache keys, as `voxbook run` does.
  define: { __VOXBOOK_SOURCE__: JSON.stringify(librarySourceDigest(root)) },
  plugins: [contentSecurityPolicy(), sampleCache(dataDir()), dicomPipelines(), staticViewer(), voxbookApiDeclarations(root)],
  resolve: {
    alias: [
      { find: /^voxbook$/, replacement: fileURLToPath(new URL('./index.ts', import.meta.url)) },
      { find: /^voxbook\/learn$/, replacement: fileURLToPath(new URL('./cells/learn/index.ts', import.meta.url)) },
      // linkedom (used by cells/viz to render Observable Plot in the worker) imports `parse`
      // from @acemir/cssom, whose "browser" build is a plain script with no exports; its
      // CommonJS entry has them.
      { find: /^@acemir\/cssom$/, replacement: fileURLToPath(new URL('./node_modules/@acemir/cssom/lib/index.js', import.meta.url)) },
      // plist's "browser" build parses XML with the page's DOMParser, which a Web Worker lacks;
      // its default build uses @xmldom/xmldom (pure JS), as in Node.
      { find: /^plist$/, replacement: fileURLToPath(new URL('./node_modules/plist/dist/index.js', import.meta.url)) },
    ],
  },
  server: {
    // Serve the repo (app, kernel, cells, data/) and nothing above it.
    fs: { allow: [root] },
    // Samples, CLI outputs and test artefacts are data, not source: no reloads when they change.
    watch: { ignored: ['**/data/**', '**/out/**', '**/test-results/**', '**/dist/**'] },
  },
  // Workers are bundled apart in `vite build`, with their own plugins: the export worker imports the viewer; the editor's
  // language-service worker (app/ts-service/ts-worker.ts) imports the API's declarations and the lib files.
  worker: { format: 'es', plugins: () => [staticViewer(), voxbookApiDeclarations(root)] },
  optimizeDeps: {
    // Scan the worker too (the scanner does not follow `new Worker(new URL(…))`), so its
    // dependencies — typescript, the cells' libraries — are pre-bundled before the first page
    // load instead of being discovered mid-run, which makes Vite answer 504 and reload.
    entries: ['index.html', 'app/kernel-worker.ts', 'app/static/export-worker.ts', 'app/ts-service/ts-worker.ts'],
  },
  build: {
    outDir: 'dist',
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    rolldownOptions: {
      input: fileURLToPath(new URL('./index.html', import.meta.url)),
    },
  },
});
