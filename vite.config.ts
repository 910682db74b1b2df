/**
 * The browser app's build: the repo root is the web root, so `index.html` sits beside
 * `package.json`, the app lives in `app/`, and the git-ignored sample cache `data/` is served
 * as `/data/*` (the notebook's loader fetches `/data/Cranium.inv3` from there).
 *
 * Cells run in a module Web Worker (`app/kernel-worker.ts`); it imports the kernel and the
 * domain library, which also run in Node. Their Node-only branches (`await import('node:fs')`)
 * resolve to Vite's browser stub and are never taken in the browser.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  resolve: {
    alias: [
      { find: /^voxbook$/, replacement: fileURLToPath(new URL('./index.ts', import.meta.url)) },
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
  worker: { format: 'es' },
  optimizeDeps: {
    // Scan the worker too (the scanner does not follow `new Worker(new URL(…))`), so its
    // dependencies — typescript, the cells' libraries — are pre-bundled before the first page
    // load instead of being discovered mid-run, which makes Vite answer 504 and reload.
    entries: ['index.html', 'app/kernel-worker.ts'],
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
