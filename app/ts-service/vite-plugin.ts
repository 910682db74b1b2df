/**
 * Vite plugin serving `virtual:voxbook-api-dts`: the `voxbook` API's declaration files
 * (`api-declarations.ts`) as one module of the language-service worker. Emitted on first
 * request (about 4 s) and kept until a source under cells/, datasets/, kernel/ or index.ts
 * changes (dev server); the build emits them once.
 */
import { relative } from 'node:path';
import type { Plugin } from 'vite';
import { emitApiDeclarations } from './api-declarations.ts';

const ID = 'virtual:voxbook-api-dts';
const RESOLVED = `\0${ID}`;

/** Sources whose change changes the API's declarations. */
function isApiSource(repoRoot: string, file: string): boolean {
  const rel = relative(repoRoot, file).split('\\').join('/');
  return /\.ts$/.test(rel) && (rel === 'index.ts' || /^(cells|datasets|kernel)\//.test(rel));
}

export function voxbookApiDeclarations(repoRoot: string): Plugin {
  let cached: string | undefined;
  return {
    name: 'voxbook:api-declarations',
    resolveId(id) {
      return id === ID ? RESOLVED : undefined;
    },
    load(id) {
      if (id !== RESOLVED) return undefined;
      cached ??= `export default ${JSON.stringify(Object.fromEntries(emitApiDeclarations(repoRoot)))};`;
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
