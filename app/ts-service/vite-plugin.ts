/**
 * Vite plugin serving two modules of the language-service worker:
 * - `virtual:voxbook-api-dts`: the `voxbook` API's declaration files (`api-declarations.ts`),
 *   emitted on first request (about 4 s) unless the disk cache (`api-declarations-cache.ts`)
 *   has them, and kept until a source under cells/, datasets/, kernel/ or index.ts changes
 *   (dev server);
 * - `virtual:voxbook-ts-libs`: the TypeScript lib files the notebook's options need
 *   (`lib-files.ts`), read from node_modules/typescript/lib: one module, so the worker
 *   fetches them in one request and the build ships only those.
 * Both export a plain object, file name or virtual path → text.
 */
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Plugin } from 'vite';
import { cachedApiDeclarations } from './api-declarations-cache.ts';
import { loadLibClosure, NOTEBOOK_LIBS } from './lib-files.ts';

const ID = 'virtual:voxbook-api-dts';
const RESOLVED = `\0${ID}`;
const LIBS_ID = 'virtual:voxbook-ts-libs';
const LIBS_RESOLVED = `\0${LIBS_ID}`;

/** Sources whose change changes the API's declarations. */
function isApiSource(repoRoot: string, file: string): boolean {
  const rel = relative(repoRoot, file).split('\\').join('/');
  return /\.ts$/.test(rel) && (rel === 'index.ts' || /^(cells|datasets|kernel)\//.test(rel));
}

/**
 * Vite plugin: serves the voxbook API (index.ts, cells/, datasets/, kernel/) as emitted `.d.ts`
 * files and the TypeScript lib files to the editor's language-service worker, each as one
 * virtual module; declarations are cached in node_modules/.cache/voxbook/ by the sources' hash.
 */
export function voxbookApiDeclarations(repoRoot: string): Plugin {
  let cached: string | undefined;
  return {
    name: 'voxbook:api-declarations',
    resolveId(id) {
      return id === ID ? RESOLVED : id === LIBS_ID ? LIBS_RESOLVED : undefined;
    },
    async load(id) {
      if (id === LIBS_RESOLVED) {
        const dir = join(repoRoot, 'node_modules/typescript/lib');
        const libs = await loadLibClosure(NOTEBOOK_LIBS, (f) => readFile(join(dir, f), 'utf8'));
        return `export default ${JSON.stringify(Object.fromEntries(libs))};`;
      }
      if (id !== RESOLVED) return undefined;
      cached ??= `export default ${JSON.stringify(Object.fromEntries(await cachedApiDeclarations(repoRoot)))};`;
      return cached;
    },
    configureServer(server) {
      server.watcher.on('change', (file) => {
        if (!isApiSource(repoRoot, file) || cached === undefined) return;
        cached = undefined;
        const mod = server.moduleGraph.getModuleById(RESOLVED);
        if (mod) server.moduleGraph.invalidateModule(mod);
      });
    },
  };
}
